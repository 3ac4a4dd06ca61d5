"""Evaluate plan targets on a project: one row per target and unit, plus the gap features.

:func:`evaluate_targets` runs each target's metric on the project's layers and judges every
unit (the district, each town, segment, road, station zone or sewage district) against the
target: value, threshold, status (met / on_track / at_risk / missed / no_data), a short
explanation in Chinese (and English), and the features that make the gap, by layer name and
row position, so a map can select and zoom to them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gisdesk.analysis.targets.evaluation import GAP_COLUMNS, TABLE_COLUMNS, TargetEvaluation
from gisdesk.analysis.targets.metrics import METRICS, MetricSpec, run_metric
from gisdesk.analysis.targets.metrics._common import DISTRICT_ZH, text
from gisdesk.analysis.targets.model import Target
from gisdesk.analysis.targets.result import (
    UNIT_DISTRICT,
    UNIT_TOWN,
    UNIT_TYPES,
    MetricResult,
    MissingInput,
    UnitValue,
)
from gisdesk.analysis.targets.status import (
    Judgement,
    format_value,
    judge,
    symbol,
    worst_status,
)
from gisdesk.core.errors import GisdeskError, InputError
from gisdesk.core.progress import CancelToken, ProgressCallback, check_cancel, report

if TYPE_CHECKING:
    import geopandas as gpd

    from gisdesk.core.layer import Layer
    from gisdesk.core.project import Project
    from gisdesk.core.schema import LayerSchema

__all__ = [
    "GAP_COLUMNS",
    "TABLE_COLUMNS",
    "TargetEvaluation",
    "evaluate_targets",
]

_LABEL_FIELDS = (
    "name",
    "segment_id",
    "case_no",
    "camera_id",
    "site_id",
    "factory_id",
    "station_id",
    "district_id",
    "code",
    "road_id",
)


def _resolve_layers(
    project: Project, roles: set[str], mapping: Mapping[str, str]
) -> dict[str, Layer]:
    """Return the project layer for each role: by explicit mapping, name, then layer type."""
    found: dict[str, Layer] = {}
    for role in sorted(roles):
        name = mapping.get(role, role)
        if name in project:
            found[role] = project.layer(name)
            continue
        if role in mapping:
            raise InputError(
                f"项目中没有图层“{name}”（用于 {role}）。",
                f"The project has no layer '{name}' (given for {role}).",
            )
        kinds = project.layers_of_kind(role)
        if kinds:
            found[role] = kinds[0]
    return found


def _titles(
    role: str, field_name: str | None, layers: Mapping[str, Layer], schemas: Mapping[str, Any]
) -> tuple[str, str]:
    schema: LayerSchema | None = layers[role].schema if role in layers else schemas.get(role)
    if schema is None:
        return "", ""
    ftitle = ""
    if field_name is not None and field_name in schema.field_index:
        ftitle = schema.field_index[field_name].label_zh
    return schema.title_zh, ftitle


def _missing_text(
    missing: Sequence[MissingInput], layers: Mapping[str, Layer], schemas: Mapping[str, Any]
) -> tuple[str, str]:
    zh, en = [], []
    for m in missing:
        lt, ft = _titles(m.layer, m.field, layers, schemas)
        zh.append(m.message("zh", layer_title=lt, field_title=ft))
        en.append(m.message("en", layer_title=lt, field_title=ft))
    return "；".join(zh), "; ".join(en)


def _cache_key(target: Target, mapping: Mapping[str, str]) -> str:
    return json.dumps(
        [target.metric, target.params, str(target.deadline), sorted(mapping.items())],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )


def evaluate_targets(
    project: Project,
    targets: Sequence[Target] | None = None,
    *,
    as_of: date,
    layers: Mapping[str, str] | None = None,
    schemas: Mapping[str, LayerSchema] | None = None,
    use_history: bool = True,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> TargetEvaluation:
    """Evaluate targets on the project's layers as of a date.

    Parameters
    ----------
    project
        The project; its layers are found by name, then by layer type.
    targets
        The targets (default: those imported into the project, else the Haimen 2022
        targets shipped with gisdesk).
    as_of
        The evaluation date: deadlines are judged against it and dated records after it are
        left out (service points opened later, exits after it...).
    layers
        Layer role -> project layer name, where a layer is not named after its type.
    schemas
        Layer schemas by type, to name missing layers and fields in Chinese when the
        project lacks the layer altogether.
    use_history
        Take the first value recorded in the project's history as the baseline of linear
        progress where a target gives none.

    Returns
    -------
    TargetEvaluation
        The tidy table (one row per target and unit) and the gap features.
    """
    from gisdesk.analysis.targets.history import history_baselines
    from gisdesk.analysis.targets.registry import default_targets, project_targets

    if isinstance(as_of, datetime):
        as_of = as_of.date()
    if targets is None:
        targets = project_targets(project) or default_targets()
    mapping = dict(layers or {})
    roles = {
        r
        for t in targets
        for r in ((*t.layers, *METRICS[t.metric].roles) if t.metric in METRICS else t.layers)
    }
    found = _resolve_layers(project, roles, mapping)
    frames = {role: layer.data for role, layer in found.items()}
    baselines = history_baselines(project, as_of) if use_history else {}
    schemas = schemas or {}
    cache: dict[str, MetricResult] = {}
    rows: list[dict[str, Any]] = []
    gaps: list[dict[str, Any]] = []
    for i, target in enumerate(targets):
        check_cancel(cancel)
        report(progress, i / max(1, len(targets)), f"评估 {target.id}")
        result = _run(target, frames, cache, mapping, as_of)
        t_rows, t_gaps = _rows(target, result, as_of, found, schemas, baselines)
        rows.extend(t_rows)
        gaps.extend(t_gaps)
    report(progress, 1.0, "完成")
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    gap_frame = pd.DataFrame(gaps, columns=list(GAP_COLUMNS))
    _label_gaps(gap_frame, found)
    return TargetEvaluation(
        as_of=as_of,
        table=table,
        gaps=gap_frame,
        targets=list(targets),
        layers={role: layer.name for role, layer in found.items()},
    )


def _run(
    target: Target,
    frames: Mapping[str, gpd.GeoDataFrame],
    cache: dict[str, MetricResult],
    mapping: Mapping[str, str],
    as_of: date,
) -> MetricResult | GisdeskError | str:
    """Return the metric's result, the error its data raised, or why it cannot be measured."""
    if not target.measurable:
        return target.reason_zh or "无法由图层计算"
    spec: MetricSpec = METRICS[target.metric]
    extra: dict[str, tuple[str, ...]] = {}
    for f in target.fields:
        role, _, name = f.partition(".")
        extra[role] = (*extra.get(role, ()), name)
    declared = [MissingInput(r) for r in target.layers if r not in frames and r not in spec.roles]
    key = _cache_key(target, mapping) + json.dumps(extra, sort_keys=True)
    if key not in cache:
        try:
            cache[key] = run_metric(
                spec,
                {r: frames.get(r) for r in {*spec.roles, *extra}},
                as_of=as_of,
                deadline=target.deadline,
                params=target.params,
                extra_fields=extra,
            )
        except GisdeskError as exc:  # bad data (no CRS, broken geometry): say so, go on
            return exc
    result = cache[key]
    if declared:
        return MetricResult(result.units, [*declared, *result.missing])
    return result


def _order(units: Sequence[UnitValue]) -> list[UnitValue]:
    rank = {t: i for i, t in enumerate(UNIT_TYPES)}
    return sorted(units, key=lambda u: rank.get(u.unit_type, len(rank)))


def _base_row(target: Target, as_of: date) -> dict[str, Any]:
    return {
        "target_id": target.id,
        "title_zh": target.title_zh,
        "title_en": target.title_en,
        "source": target.source,
        "department": target.department,
        "scope": target.scope,
        "metric": target.metric,
        "comparison": target.comparison,
        "threshold": target.threshold if target.threshold is not None else math.nan,
        "value_unit": target.unit,
        "deadline": target.deadline,
        "expected": math.nan,
        "projected": math.nan,
        "numerator": math.nan,
        "denominator": math.nan,
        "unit_id": "",
        "town": "",
        "missing_zh": "",
        "gap_count": 0,
    }


def _rows(
    target: Target,
    result: MetricResult | GisdeskError | str,
    as_of: date,
    found: Mapping[str, Layer],
    schemas: Mapping[str, Any],
    baselines: Mapping[tuple[str, str, str], tuple[date, float]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    base = _base_row(target, as_of)
    if not isinstance(result, MetricResult) or not result.has_data:
        if isinstance(result, str):
            why_zh, why_en = result, target.reason_en or result
        elif isinstance(result, GisdeskError):
            why_zh, why_en = result.message("zh"), result.message("en")
        else:
            why_zh, why_en = _missing_text(result.missing, found, schemas)
        row = {
            **base,
            "unit_type": UNIT_DISTRICT,
            "unit": DISTRICT_ZH,
            "value": math.nan,
            "status": "no_data",
            "explanation_zh": f"无数据：{why_zh}",
            "explanation_en": f"no data: {why_en}",
            "missing_zh": why_zh,
        }
        return [row], []
    spec = METRICS[target.metric]
    judged: list[tuple[UnitValue, Judgement]] = []
    for u in _order(result.units):
        own = u.threshold is not None
        j = judge(
            value=u.value,
            comparison=u.comparison or target.comparison,
            threshold=u.threshold if own else target.threshold,
            as_of=as_of,
            deadline=target.deadline,
            ok=u.ok,
            on_track=u.on_track,
            projected=u.projected,
            missing=bool(u.missing_zh),
            period=target.period,
            schedule=() if own else target.schedule,
            baseline=None if own else _baseline(target, u, baselines),
            progress=not own,
        )
        judged.append((u, j))
    if spec.district == "share_of_units" and not any(
        u.unit_type == UNIT_DISTRICT for u, _ in judged
    ):
        judged.insert(0, _share_of_units(judged))
    if target.scope == "district":
        judged = [(u, j) for u, j in judged if u.unit_type == UNIT_DISTRICT]
    if not judged:  # e.g. no listed segment, no demonstration site: nothing to judge
        empty = UnitValue(
            UNIT_DISTRICT,
            DISTRICT_ZH,
            missing_zh="图层中没有可评价的对象",
            missing_en="nothing in the layers to evaluate",
        )
        judged = [(empty, Judgement("no_data", math.nan, None))]
    rows: list[dict[str, Any]] = []
    gaps: list[dict[str, Any]] = []
    for u, j in judged:
        row = _row(base, target, u, j, as_of)
        rows.append(row)
        for g in u.gaps:
            name = found[g.layer].name if g.layer in found else g.layer
            gaps.extend(
                {
                    "target_id": target.id,
                    "unit_type": u.unit_type,
                    "unit": u.unit,
                    "layer": name,
                    "row": r,
                    "label": "",
                    "reason_zh": g.reason_zh,
                    "reason_en": g.reason_en or g.reason_zh,
                }
                for r in g.rows
            )
            row["gap_count"] += len(g.rows)
    return rows, gaps


def _baseline(
    target: Target,
    unit: UnitValue,
    baselines: Mapping[tuple[str, str, str], tuple[date, float]],
) -> tuple[date, float] | None:
    if target.baseline is not None and target.start is not None:
        return (target.start, target.baseline)
    return baselines.get((target.id, unit.unit_type, unit.unit))


_KIND_ZH = {
    UNIT_TOWN: "镇（街道）",
    "segment": "路段",
    "road": "道路",
    "station_zone": "重点区域",
    "sewage_district": "片区",
}


def _share_of_units(judged: Sequence[tuple[UnitValue, Judgement]]) -> tuple[UnitValue, Judgement]:
    """Return the district row as the share of units that meet the target."""
    known = [(u, j) for u, j in judged if j.status != "no_data"]
    good = [u for u, j in known if j.satisfied]
    bad = [u for u, j in known if not j.satisfied]
    kind = _KIND_ZH.get(judged[0][0].unit_type, "单元") if judged else "单元"
    status = worst_status([j.status for _, j in judged])
    shown = "、".join(u.unit for u in bad[:8]) + ("等" if len(bad) > 8 else "")
    note_zh = f"{len(known)} 个{kind}中 {len(good)} 个达到要求" + (
        f"；未达：{shown}" if bad else ""
    )
    none = len(judged) - len(known)
    if none:
        note_zh += f"；{none} 个无数据"
    unit = UnitValue(
        UNIT_DISTRICT,
        DISTRICT_ZH,
        value=100.0 * len(good) / len(known) if known else math.nan,
        numerator=len(good),
        denominator=len(known),
        threshold=100.0,
        comparison=">=",
        unit_label="%",
        note_zh=note_zh,
        note_en=f"{len(good)} of {len(known)} units meet it"
        + (f"; not: {', '.join(u.unit for u in bad[:8])}" if bad else ""),
        missing_zh="" if known else "没有可评价的单元",
        missing_en="" if known else "no unit could be judged",
    )
    return unit, Judgement(status, math.nan, bool(known) and not bad)


def _row(
    base: Mapping[str, Any], target: Target, u: UnitValue, j: Judgement, as_of: date
) -> dict[str, Any]:
    threshold = u.threshold if u.threshold is not None else target.threshold
    comparison = u.comparison or target.comparison
    value_unit = u.unit_label if u.unit_label is not None else target.unit
    zh, en = _explain(target, u, j, as_of, threshold, comparison, value_unit)
    return {
        **base,
        "unit_type": u.unit_type,
        "unit": u.unit,
        "unit_id": u.unit_id,
        "town": u.town,
        "value": u.value,
        "comparison": comparison,
        "threshold": threshold if threshold is not None else math.nan,
        "value_unit": value_unit,
        "expected": j.expected,
        "projected": u.projected,
        "numerator": u.numerator,
        "denominator": u.denominator,
        "status": j.status,
        "explanation_zh": zh,
        "explanation_en": en,
        "missing_zh": u.missing_zh,
    }


def _explain(
    target: Target,
    u: UnitValue,
    j: Judgement,
    as_of: date,
    threshold: float | None,
    comparison: str,
    value_unit: str,
) -> tuple[str, str]:
    """Return the short Chinese and English explanation of a judgement."""
    need = (
        f"{symbol(comparison)} {format_value(threshold, value_unit)}"
        if threshold is not None
        else ""
    )
    v = format_value(u.value, value_unit)
    due = target.deadline.isoformat() if target.deadline else ""
    left = (target.deadline - as_of).days if target.deadline else 0
    note_zh = f"；{u.note_zh}" if u.note_zh else ""
    note_en = f"; {u.note_en}" if u.note_en else ""
    exp = format_value(j.expected, value_unit)
    if j.status == "no_data":
        why = u.missing_zh or "无法计算"
        return f"无数据：{why}{note_zh}", f"no data: {u.missing_en or why}{note_en}"
    if j.status == "met":
        return f"达标：{v}（要求 {need}）{note_zh}", f"met: {v} (needs {need}){note_en}"
    if j.status == "missed":
        late = f"，截止 {due} 已过" if due else ""
        return (
            f"未达标：{v}，要求 {need}{late}{note_zh}",
            f"missed: {v}, needs {need}" + (f", deadline {due} passed" if due else "") + note_en,
        )
    if j.status == "on_track":
        if target.period:
            how = (
                f"按此进度期末约 {format_value(u.projected, value_unit)}"
                if not math.isnan(u.projected)
                else "本期同期比较达到要求"
            )
            return (
                f"进度正常：{v}，{how}，{due} 期末确认{note_zh}",
                f"on track: {v}; final at {due}{note_en}",
            )
        if not math.isnan(j.expected):
            return (
                f"进度正常：{v}，按进度此时应达 {exp}（{due} 前须 {need}）{note_zh}",
                f"on track: {v}, {exp} expected by now ({need} by {due}){note_en}",
            )
        return (
            f"进度正常：{v}，{due} 前须 {need}{note_zh}",
            f"on track: {v}, needs {need} by {due}{note_en}",
        )
    behind = f"，按进度此时应达 {exp}" if not math.isnan(j.expected) else ""
    if target.period and not math.isnan(u.projected):
        behind = f"，按此进度期末约 {format_value(u.projected, value_unit)}"
    return (
        f"有风险：{v}，要求 {need}{behind}，距截止 {due} 还有 {left} 天{note_zh}",
        f"at risk: {v}, needs {need} by {due} ({left} days left){note_en}",
    )


def _label_gaps(gaps: pd.DataFrame, found: Mapping[str, Layer]) -> None:
    """Fill the ``label`` column with each gap feature's name (or identifier)."""
    if gaps.empty:
        return
    by_name = {layer.name: layer for layer in found.values()}
    labels = np.full(len(gaps), "", dtype=object)
    for name, idx in gaps.groupby("layer", sort=False).indices.items():
        layer = by_name.get(str(name))
        if layer is None:
            continue
        data = layer.data
        preferred = layer.schema.label_field if layer.schema and layer.schema.label_field else None
        col = next(
            (c for c in (preferred, *_LABEL_FIELDS) if c and c in data.columns),
            None,
        )
        if col is None:
            continue
        values = text(data, col)
        rows = gaps["row"].to_numpy()[idx]
        ok = rows < len(values)
        labels[idx[ok]] = values[rows[ok]]
    gaps["label"] = labels
