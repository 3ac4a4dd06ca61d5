"""Present an evaluation: labels in Chinese or English, the town-by-target table, the sheets.

Everything here reshapes :class:`~gisdesk.analysis.targets.evaluate.TargetEvaluation` for
people (the dashboard, the command line, the Excel export); nothing is computed anew.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from gisdesk.analysis.targets.evaluate import GAP_COLUMNS, TABLE_COLUMNS
from gisdesk.analysis.targets.history import HISTORY_COLUMNS
from gisdesk.analysis.targets.metrics._common import DISTRICT_ZH
from gisdesk.analysis.targets.result import UNIT_DISTRICT, UNIT_TOWN
from gisdesk.analysis.targets.status import format_value, symbol
from gisdesk.core.i18n import tr

if TYPE_CHECKING:
    import geopandas as gpd

    from gisdesk.analysis.targets.evaluation import TargetEvaluation
    from gisdesk.core.project import Project

__all__ = [
    "STATUS_COLOURS",
    "STATUS_LABELS",
    "STATUS_SYMBOLS",
    "UNIT_TYPE_LABELS",
    "column_labels",
    "display_frame",
    "district_count",
    "gap_features",
    "status_fills",
    "status_label",
    "wide_frame",
    "workbook_sheets",
]

STATUS_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "met": "达标",
        "on_track": "进度正常",
        "at_risk": "有风险",
        "missed": "未达标",
        "no_data": "无数据",
    },
    "en": {
        "met": "met",
        "on_track": "on track",
        "at_risk": "at risk",
        "missed": "missed",
        "no_data": "no data",
    },
}
"""Status labels by language."""

STATUS_SYMBOLS: dict[str, str] = {
    "met": "√",
    "on_track": "○",
    "at_risk": "△",
    "missed": "×",
    "no_data": "-",
}
"""One-character status marks (all in GB2312, so a Chinese Windows console prints them)."""

STATUS_COLOURS: dict[str, str] = {
    "met": "C6EFCE",
    "on_track": "DDEBF7",
    "at_risk": "FFEB9C",
    "missed": "FFC7CE",
    "no_data": "EDEDED",
}
"""Background colours (RGB hex) of the statuses, as Excel's conditional formats use them."""

UNIT_TYPE_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "district": "全区",
        "town": "镇（街道）",
        "segment": "路段",
        "road": "道路",
        "station_zone": "站点重点区域",
        "sewage_district": "污水片区",
    },
    "en": {
        "district": "district",
        "town": "town",
        "segment": "segment",
        "road": "road",
        "station_zone": "station zone",
        "sewage_district": "sewage district",
    },
}

_LABELS_ZH = {
    "target_id": "目标编号",
    "title_zh": "目标",
    "title_en": "目标（英文）",
    "source": "依据文件",
    "department": "牵头部门",
    "scope": "范围",
    "metric": "指标",
    "unit_type": "评价单元类型",
    "unit": "评价单元",
    "unit_id": "单元编号",
    "town": "所属镇（街道）",
    "value": "现值",
    "comparison": "比较",
    "threshold": "目标值",
    "value_unit": "单位",
    "expected": "按进度应达",
    "projected": "按进度期末预计",
    "numerator": "达成数",
    "denominator": "总数",
    "deadline": "截止日期",
    "status": "状态",
    "explanation_zh": "说明",
    "explanation_en": "说明（英文）",
    "missing_zh": "缺少的数据",
    "gap_count": "差距要素数",
    "layer": "图层",
    "row": "要素行号",
    "label": "要素名称",
    "reason_zh": "原因",
    "reason_en": "原因（英文）",
    "as_of": "评估日期",
    "recorded": "记录时间",
    "note": "备注",
    "requirement": "要求",
}
_LABELS_EN = {
    "title_zh": "target (Chinese)",
    "title_en": "target",
    "explanation_zh": "explanation (Chinese)",
    "explanation_en": "explanation",
    "missing_zh": "missing data",
    "reason_zh": "reason (Chinese)",
    "reason_en": "reason",
    "value_unit": "unit of measure",
    "unit": "unit evaluated",
    "gap_count": "gap features",
}


def column_labels(lang: str = "zh") -> dict[str, str]:
    """Return headers for the evaluation, gap and history columns in the given language."""
    if lang == "zh":
        return dict(_LABELS_ZH)
    names = {*TABLE_COLUMNS, *GAP_COLUMNS, *HISTORY_COLUMNS, "requirement"}
    return {c: _LABELS_EN.get(c, c.replace("_", " ")) for c in names}


def status_label(status: str, lang: str = "zh") -> str:
    """Return a status's label in the given language."""
    return STATUS_LABELS[_lang(lang)].get(status, status)


def status_fills(lang: str = "zh") -> dict[str, str]:
    """Return cell colours by status label and by status mark, for the Excel export."""
    out = {status_label(s, lang): c for s, c in STATUS_COLOURS.items()}
    out.update(
        {STATUS_SYMBOLS[s]: c for s, c in STATUS_COLOURS.items() if STATUS_SYMBOLS[s] != "-"}
    )
    return out


def _lang(lang: str) -> str:
    return "zh" if lang == "zh" else "en"


_LONG_COLUMNS = (
    "target_id",
    "title",
    "source",
    "department",
    "unit_type",
    "unit",
    "town",
    "value",
    "comparison",
    "threshold",
    "value_unit",
    "deadline",
    "status",
    "explanation",
    "expected",
    "numerator",
    "denominator",
    "gap_count",
)


def display_frame(
    table: pd.DataFrame, *, lang: str = "zh", columns: Sequence[str] = _LONG_COLUMNS
) -> pd.DataFrame:
    """Return the evaluation table for people: chosen columns, labels and statuses translated.

    ``title`` and ``explanation`` stand for the columns of the chosen language.
    """
    lg = _lang(lang)
    out = table.copy()
    out["title"] = out[f"title_{lg}"]
    out["explanation"] = out[f"explanation_{lg}"]
    out["status"] = [status_label(str(s), lg) for s in out["status"]]
    out["unit_type"] = [UNIT_TYPE_LABELS[lg].get(str(u), str(u)) for u in out["unit_type"]]
    out["comparison"] = [symbol(str(c)) for c in out["comparison"]]
    if lg != "zh":
        out["unit"] = ["district" if u == DISTRICT_ZH else u for u in out["unit"]]
    labels = column_labels(lg)
    labels["title"] = labels[f"title_{lg}"]
    labels["explanation"] = labels[f"explanation_{lg}"]
    return out[list(columns)].rename(columns=labels)


def district_count(row: Mapping[Any, Any], target_unit: str) -> tuple[int, int] | None:
    """Return (units meeting, units counted) for a district row that counts towns.

    A target counted per town in pieces (``≥ 5 处`` per town) has a district row whose value
    is the share of towns that meet it; people read it as "0 of 12 towns", not "0.0%".
    None for every other row.
    """
    if row.get("unit_type") != UNIT_DISTRICT or str(row.get("value_unit")) != "%":
        return None
    if target_unit in ("", "%"):
        return None
    num, den = row.get("numerator"), row.get("denominator")
    if not isinstance(num, int | float) or not isinstance(den, int | float):
        return None
    if math.isnan(num) or math.isnan(den) or den <= 0:
        return None
    return int(num), int(den)


def _cell(row: Mapping[Any, Any], lang: str, target_unit: str = "", scope: str = "") -> str:
    status = str(row["status"])
    mark = STATUS_SYMBOLS.get(status, "?")
    value = row["value"]
    if isinstance(value, float) and math.isnan(value):
        return mark
    counted = district_count(row, target_unit)
    if counted is not None:  # "×0/12镇": towns meeting the per-town count, of all towns
        unit = tr("镇", " towns", lang) if scope == UNIT_TOWN else ""
        return f"{mark}{counted[0]}/{counted[1]}{unit}"
    # No space inside a cell ("√1个", not "√1 个"), so the columns stay easy to read and split.
    return f"{mark}{format_value(float(value), str(row['value_unit'])).replace(' ', '')}"


def wide_frame(evaluation: TargetEvaluation, *, lang: str = "zh") -> pd.DataFrame:
    """Return targets down, the district and the towns across; cells like ``√93.2%``, ``×0个``.

    Marks: √ met, ○ on track, △ at risk, × missed, - no data; an empty cell means the target
    has no row for that town. The district cell of a target counted per town in pieces
    (``≥ 5 处`` per town) counts the towns that meet it: ``×0/12镇``. Units other than towns
    (segments, roads...) are left to the long table.
    """
    lg = _lang(lang)
    table = evaluation.table
    towns: list[str] = []
    for t in table.loc[table["unit_type"] == UNIT_TOWN, "unit"]:
        if t not in towns:
            towns.append(str(t))
    district = tr(DISTRICT_ZH, "district", lg)
    records = []
    for t in evaluation.targets:
        mine = table[
            (table["target_id"] == t.id) & table["unit_type"].isin([UNIT_DISTRICT, UNIT_TOWN])
        ]
        rec: dict[str, str] = {
            "target_id": t.id,
            "title": t.title(lg),
            "requirement": t.requirement(),
        }
        cells = {
            str(r["unit"]): _cell(r, lg, t.unit or "", t.scope) for r in mine.to_dict("records")
        }
        rec[district] = cells.get(DISTRICT_ZH, "")
        for town in towns:
            rec[town] = cells.get(town, "")
        records.append(rec)
    labels = column_labels(lg)
    frame = pd.DataFrame(records, columns=["target_id", "title", "requirement", district, *towns])
    return frame.rename(
        columns={
            "target_id": labels["target_id"],
            "title": labels[f"title_{lg}"],
            "requirement": labels["requirement"],
        }
    )


def gap_features(
    evaluation: TargetEvaluation,
    project: Project,
    *,
    target_id: str | None = None,
    unit: str | None = None,
) -> gpd.GeoDataFrame:
    """Return the gap features with their geometry (EPSG:4490), for a map or an export.

    Columns: those of :attr:`TargetEvaluation.gaps` plus ``geometry``. Rows whose layer is
    no longer in the project, or whose row no longer exists, are left out.
    """
    import geopandas as gpd
    import numpy as np

    from gisdesk.core.crs import STORAGE_CRS

    gaps = evaluation.gaps
    if target_id is not None:
        gaps = gaps[gaps["target_id"] == target_id]
    if unit is not None:
        gaps = gaps[gaps["unit"] == unit]
    parts = []
    for name, part in gaps.groupby("layer", sort=False):
        if str(name) not in project:
            continue
        data = project.layer(str(name)).data
        rows = part["row"].to_numpy(dtype=np.intp)
        ok = rows < len(data)
        geoms = data.geometry.to_crs(STORAGE_CRS).to_numpy()[rows[ok]]
        parts.append(gpd.GeoDataFrame(part[ok].copy(), geometry=list(geoms), crs=STORAGE_CRS))
    if not parts:
        return gpd.GeoDataFrame(
            {c: [] for c in GAP_COLUMNS}, geometry=gpd.GeoSeries([], crs=STORAGE_CRS)
        )
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=STORAGE_CRS)


def workbook_sheets(
    evaluation: TargetEvaluation,
    *,
    history: pd.DataFrame | None = None,
    lang: str = "zh",
    title: str = "",
) -> dict[str, pd.DataFrame]:
    """Return the sheets of the Excel export, headers in the chosen language.

    Sheets: overview by town (wide), the targets with their overall status, every target and
    unit (long), the gap features, the history (when given) and a notes sheet.
    """
    lg = _lang(lang)
    labels = column_labels(lg)
    overall = evaluation.target_status()
    overall["title"] = overall[f"title_{lg}"]
    overall["status"] = [status_label(str(s), lg) for s in overall["status"]]
    overall = overall[
        ["target_id", "title", "source", "department", "requirement", "deadline", "status"]
    ].rename(columns={**labels, "title": labels[f"title_{lg}"]})
    gaps = evaluation.gaps.copy()
    gaps["reason"] = gaps[f"reason_{lg}"]
    gaps = gaps[["target_id", "unit", "layer", "row", "label", "reason"]].rename(
        columns={**labels, "reason": labels[f"reason_{lg}"]}
    )
    sheets: dict[str, pd.DataFrame] = {
        tr("分镇总览", "Overview by town", lg): wide_frame(evaluation, lang=lg),
        tr("目标清单", "Targets", lg): overall,
        tr("评估明细", "Evaluation", lg): display_frame(evaluation.table, lang=lg),
        tr("差距要素", "Gap features", lg): gaps,
    }
    if history is not None:
        h = history.copy()
        h["status"] = [status_label(str(s), lg) for s in h["status"]]
        sheets[tr("历史", "History", lg)] = h.rename(columns=labels)
    legend = "；".join(f"{STATUS_SYMBOLS[s]} {status_label(s, lg)}" for s in STATUS_SYMBOLS)
    summary = evaluation.summary()
    info = [
        (tr("标题", "Title", lg), title or tr("规划目标评估", "Plan target evaluation", lg)),
        (tr("评估日期", "As of", lg), evaluation.as_of.isoformat()),
        (tr("图例", "Legend", lg), legend),
        *((status_label(s, lg), str(n)) for s, n in summary.items()),
        (tr("图层", "Layers", lg), "、".join(f"{k}={v}" for k, v in evaluation.layers.items())),
    ]
    sheets[tr("说明", "Notes", lg)] = pd.DataFrame(
        info, columns=[tr("项目", "Item", lg), tr("内容", "Value", lg)]
    )
    return sheets
