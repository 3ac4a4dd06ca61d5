"""Read plan targets from a TOML file, check them, and keep them in a project.

A targets file holds ``[[targets]]`` tables (see ``targets/haimen_2022.toml``); users add
their own of the same form. Every problem is reported with the file, the line, the target
and the field, all at once, so a planner editing the file fixes it in one pass.
"""

from __future__ import annotations

import inspect
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gisdesk.analysis.targets.metrics import METRICS
from gisdesk.analysis.targets.model import (
    COMPARISONS,
    NO_METRIC,
    SCOPES,
    Milestone,
    Target,
)
from gisdesk.core.errors import InputError
from gisdesk.core.i18n import tr

if TYPE_CHECKING:
    from gisdesk.core.project import Project

__all__ = [
    "DEFAULT_TARGETS_FILE",
    "SETTINGS_KEY",
    "Problem",
    "TargetsFileError",
    "default_targets",
    "default_targets_path",
    "import_targets",
    "load_targets",
    "parse_targets",
    "project_targets",
    "targets_from_records",
]

DEFAULT_TARGETS_FILE = "haimen_2022.toml"
SETTINGS_KEY = "targets"
"""Key of ``project.settings`` holding the project's imported targets."""
FORMAT = 1

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,39}$")
_HEADER = re.compile(r"^\s*\[\[\s*targets\s*\]\]")
_TABLE = re.compile(r"^\s*\[")
_KEY = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=")
_TOML_LINE = re.compile(r"line (\d+)")
_SHOWN = 25

_TEXT = (
    "id",
    "source",
    "title_zh",
    "title_en",
    "description_zh",
    "description_en",
    "scope",
    "metric",
    "department",
)
_OPTIONAL_TEXT = ("comparison", "unit", "reason_zh", "reason_en", "plan_zh", "notes")
_KEYS = frozenset(
    [
        *_TEXT,
        *_OPTIONAL_TEXT,
        "threshold",
        "deadline",
        "start",
        "baseline",
        "stretch",
        "period",
        "schedule",
        "layers",
        "fields",
        "params",
    ]
)
_TOP_KEYS = frozenset(["format", "title", "targets", "source", "notes"])


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a targets file."""

    line: int | None
    target: str
    field: str
    zh: str
    en: str

    def message(self, language: str = "zh", *, source: str = "") -> str:
        """Return the problem as one line naming where it is."""
        where = [source] if source else []
        for value, zh, en in (
            (self.line, "第 {} 行", "line {}"),
            (self.target, "目标 {}", "target {}"),
            (self.field, "字段 {}", "field {}"),
        ):
            if value:
                where.append(tr(zh, en, language).format(value))
        text = tr(self.zh, self.en, language)
        if not where:
            return text
        return tr("，", ", ", language).join(where) + tr("：", ": ", language) + text


class TargetsFileError(InputError):
    """A targets file (or imported target records) that cannot be used as it is."""

    def __init__(self, problems: Sequence[Problem], *, source: str) -> None:
        self.problems = list(problems)
        self.source = source
        shown = self.problems[:_SHOWN]
        more = len(self.problems) - len(shown)
        zh = "\n".join(p.message("zh", source=source) for p in shown)
        en = "\n".join(p.message("en", source=source) for p in shown)
        if more:
            zh += f"\n……另有 {more} 个问题"
            en += f"\n... and {more} more problems"
        super().__init__(
            f"目标文件有 {len(self.problems)} 个问题：\n{zh}",
            f"The targets file has {len(self.problems)} problems:\n{en}",
        )


def _locate(text: str) -> tuple[dict[str, int], list[tuple[int, dict[str, int]]]]:
    """Return line numbers: top-level keys, and per ``[[targets]]`` its header and keys."""
    top: dict[str, int] = {}
    blocks: list[tuple[int, dict[str, int]]] = []
    inside: dict[str, int] | None = top
    for number, line in enumerate(text.splitlines(), start=1):
        if _HEADER.match(line):
            blocks.append((number, {}))
            inside = blocks[-1][1]
        elif _TABLE.match(line):
            inside = None
        elif inside is not None and (m := _KEY.match(line)):
            inside.setdefault(m.group(1), number)
    return top, blocks


class _Reader:
    """Check one target record, collecting problems with their lines."""

    def __init__(
        self, record: Mapping[str, Any], label: str, header: int | None, keys: dict[str, int]
    ) -> None:
        self.record = record
        self.label = label
        self.header = header
        self.keys = keys
        self.problems: list[Problem] = []

    def line(self, key: str) -> int | None:
        return self.keys.get(key, self.header)

    def problem(self, key: str, zh: str, en: str) -> None:
        self.problems.append(Problem(self.line(key), self.label, key, zh, en))

    def text(self, key: str, *, required: bool) -> str:
        value = self.record.get(key)
        if value is None:
            if required:
                self.problem(key, "缺少此字段", "missing")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.problem(key, "应为非空文本", "must be non-empty text")
            return ""
        return value.strip()

    def number(self, key: str) -> float | None:
        value = self.record.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(key, f"应为数字，而不是“{value}”", f"must be a number, not {value!r}")
            return None
        return float(value)

    def day(self, key: str, value: Any = None) -> date | None:
        value = self.record.get(key) if value is None else value
        if value is None:
            return None
        if isinstance(value, datetime):
            self.problem(key, "应为日期（如 2022-12-31），不带时间", "must be a date without time")
            return None
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.problem(
            key, f"应为日期，如 2022-12-31，而不是“{value}”", f"must be a date, not {value!r}"
        )
        return None

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.record.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.problem(key, "应为文本列表", "must be a list of text")
            return ()
        return tuple(value)


def _param_problem(name: str, value: Any, default: Any) -> str | None:
    """Return why ``value`` does not fit an option whose default is ``default``."""
    if default is inspect.Parameter.empty or default is None:
        ok = isinstance(value, str | int | float | bool | list)
    elif isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int | float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif isinstance(default, str):
        ok = isinstance(value, str)
    elif isinstance(default, tuple | list):
        ok = isinstance(value, list)
    else:
        ok = True
    if ok:
        return None
    return f"{name}={value!r}"


def _schedule(reader: _Reader, deadline: date | None) -> tuple[Milestone, ...]:
    raw = reader.record.get("schedule", [])
    if not isinstance(raw, list):
        reader.problem(
            "schedule", "应为列表，如 [{ by = 2022-06-30, value = 30 }]", "must be a list"
        )
        return ()
    out: list[Milestone] = []
    for item in raw:
        if not isinstance(item, dict) or set(item) != {"by", "value"}:
            reader.problem(
                "schedule",
                "每项应为 { by = 日期, value = 数值 }",
                "each item must be { by = date, value = number }",
            )
            continue
        by = reader.day("schedule", item["by"])
        value = item["value"]
        if isinstance(value, bool) or not isinstance(value, int | float):
            reader.problem(
                "schedule", f"value 应为数字：{value!r}", f"value must be a number: {value!r}"
            )
            continue
        if by is not None:
            out.append(Milestone(by, float(value)))
    if [m.by for m in out] != sorted(m.by for m in out):
        reader.problem("schedule", "节点应按日期先后排列", "milestones must be in date order")
    if deadline is not None and any(m.by > deadline for m in out):
        reader.problem("schedule", "节点不能晚于截止日期", "milestones cannot follow the deadline")
    return tuple(sorted(out, key=lambda m: m.by))


def _params(reader: _Reader, metric: str) -> dict[str, Any]:
    raw = reader.record.get("params", {})
    if not isinstance(raw, dict):
        reader.problem("params", "应为表，如 { minutes = 15 }", "must be a table")
        return {}
    spec = METRICS.get(metric)
    if spec is None:
        return dict(raw)
    sig = inspect.signature(spec.func).parameters
    for name, value in raw.items():
        if name not in spec.options:
            allowed = "、".join(spec.options) or "无"
            reader.problem(
                "params",
                f"指标 {metric} 没有选项“{name}”；可用：{allowed}",
                f"metric {metric} has no option '{name}'; options: {', '.join(spec.options)}",
            )
            continue
        bad = _param_problem(name, value, sig[name].default)
        if bad:
            reader.problem("params", f"选项类型不符：{bad}", f"option of the wrong type: {bad}")
    return dict(raw)


def _check_names(reader: _Reader) -> dict[str, str]:
    """Check the unknown keys and the required text fields; return the text fields."""
    for key in reader.record:
        if key not in _KEYS:
            reader.problem(key, "未知字段（拼写错误？）", "unknown field (a typo?)")
    values = {k: reader.text(k, required=True) for k in _TEXT}
    if values["id"] and not _ID.match(values["id"]):
        reader.problem("id", "编号只能含字母、数字和 - _ .", "ids use letters, digits, - _ . only")
    if values["scope"] and values["scope"] not in SCOPES:
        reader.problem(
            "scope",
            f"不支持“{values['scope']}”，可用：{'、'.join(SCOPES)}",
            f"'{values['scope']}' is not one of {', '.join(SCOPES)}",
        )
    metric = values["metric"]
    if metric and metric != NO_METRIC and metric not in METRICS:
        reader.problem(
            "metric",
            f"没有指标“{metric}”；可用：{'、'.join(sorted(METRICS))} 或 none",
            f"no metric '{metric}'; known: {', '.join(sorted(METRICS))} or none",
        )
    return values


def _check_measure(reader: _Reader, metric: str, optional: Mapping[str, str]) -> str:
    """Check comparison, threshold and the reason of an unmeasurable target."""
    rec = reader.record
    comparison = optional["comparison"] or ">="
    if comparison not in COMPARISONS:
        reader.problem(
            "comparison",
            f"不支持“{comparison}”，可用：{'、'.join(COMPARISONS)}",
            f"'{comparison}' is not one of {', '.join(COMPARISONS)}",
        )
    measurable = bool(metric) and metric != NO_METRIC
    if measurable and "threshold" not in rec:
        reader.problem("threshold", "可计算的目标必须给出阈值", "a measurable target needs one")
    if measurable and "comparison" not in rec:
        reader.problem(
            "comparison", "可计算的目标必须给出比较方式", "a measurable target needs one"
        )
    if metric == NO_METRIC and not optional["reason_zh"]:
        reader.problem(
            "reason_zh",
            "metric = none 时须说明原因及所需数据",
            "say why it cannot be measured and what is needed",
        )
    return comparison


def _check_needs(reader: _Reader, metric: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Check ``layers`` and ``fields``; return them completed by the metric's own needs."""
    layers = reader.strings("layers")
    fields = reader.strings("fields")
    for f in fields:
        layer, dot, name = f.partition(".")
        if not dot or not name:
            reader.problem("fields", f"“{f}”应写作 图层.字段", f"'{f}' must be layer.field")
        elif layer not in layers:
            reader.problem(
                "fields", f"“{f}”的图层不在 layers 中", f"the layer of '{f}' is not in layers"
            )
    spec = METRICS.get(metric)
    if spec is not None:
        layers = tuple(dict.fromkeys([*layers, *spec.needs]))
        needed = [f"{r}.{f}" for r, fs in spec.needs.items() for f in fs]
        fields = tuple(dict.fromkeys([*fields, *needed]))
    return layers, fields


def _target(reader: _Reader, source: str) -> Target | None:
    rec = reader.record
    values = _check_names(reader)
    metric = values["metric"]
    optional = {k: reader.text(k, required=False) for k in _OPTIONAL_TEXT}
    comparison = _check_measure(reader, metric, optional)
    threshold = reader.number("threshold")
    deadline = reader.day("deadline")
    start = reader.day("start")
    if start and deadline and start > deadline:
        reader.problem("start", "开始日期晚于截止日期", "start follows the deadline")
    if "baseline" in rec and start is None:
        reader.problem("start", "给出 baseline 时须给出开始日期", "a baseline needs a start date")
    period = rec.get("period", False)
    if not isinstance(period, bool):
        reader.problem("period", "应为 true 或 false", "must be true or false")
        period = False
    schedule = _schedule(reader, deadline)
    layers, fields = _check_needs(reader, metric)
    params = _params(reader, metric)
    if reader.problems:
        return None
    return Target(
        id=values["id"],
        source=values["source"],
        title_zh=values["title_zh"],
        title_en=values["title_en"],
        description_zh=values["description_zh"],
        description_en=values["description_en"],
        scope=values["scope"],
        metric=metric,
        department=values["department"],
        comparison=comparison,
        threshold=threshold,
        unit=optional["unit"],
        deadline=deadline,
        start=start,
        baseline=reader.number("baseline"),
        stretch=reader.number("stretch"),
        period=period,
        schedule=schedule,
        layers=layers,
        fields=fields,
        params=params,
        reason_zh=optional["reason_zh"],
        reason_en=optional["reason_en"],
        plan_zh=optional["plan_zh"],
        notes=optional["notes"],
        origin=f"{source}:{reader.header}" if reader.header else source,
    )


def _build(
    records: Sequence[Any],
    *,
    source: str,
    blocks: Sequence[tuple[int, dict[str, int]]] = (),
    problems: list[Problem] | None = None,
) -> list[Target]:
    problems = problems if problems is not None else []
    targets: list[Target] = []
    seen: dict[str, int | None] = {}
    for i, record in enumerate(records):
        header, keys = blocks[i] if i < len(blocks) else (None, {})
        if not isinstance(record, Mapping):
            problems.append(Problem(header, f"#{i + 1}", "", "应为表", "must be a table"))
            continue
        label = str(record.get("id") or f"#{i + 1}")
        reader = _Reader(record, label, header, keys)
        target = _target(reader, source)
        problems.extend(reader.problems)
        if target is None:
            continue
        if target.id in seen:
            first = seen[target.id]
            problems.append(
                Problem(
                    header,
                    target.id,
                    "id",
                    f"编号重复（第一次出现在第 {first} 行）" if first else "编号重复",
                    "duplicate id",
                )
            )
            continue
        seen[target.id] = header
        targets.append(target)
    if problems:
        raise TargetsFileError(problems, source=source)
    return targets


def parse_targets(text: str, *, source: str = "<text>") -> list[Target]:
    """Return the targets in TOML text, or raise :class:`TargetsFileError` listing problems."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_LINE.search(str(exc))
        raise TargetsFileError(
            [Problem(int(m.group(1)) if m else None, "", "", f"TOML 语法错误：{exc}", f"{exc}")],
            source=source,
        ) from None
    top, blocks = _locate(text)
    problems: list[Problem] = []
    problems.extend(
        Problem(top.get(key), "", key, "未知字段", "unknown field")
        for key in data
        if key not in _TOP_KEYS
    )
    version = data.get("format", FORMAT)
    if version != FORMAT:
        problems.append(
            Problem(top.get("format"), "", "format", f"不支持的格式 {version}", "unknown format")
        )
    records = data.get("targets", [])
    if not isinstance(records, list) or not records:
        problems.append(
            Problem(None, "", "targets", "没有任何 [[targets]]", "no [[targets]] tables")
        )
        records = []
    return _build(records, source=source, blocks=blocks, problems=problems)


def load_targets(path: str | os.PathLike[str] | None = None) -> list[Target]:
    """Read a targets file (UTF-8 TOML; default: the Haimen 2022 targets shipped with gisdesk).

    Raises
    ------
    TargetsFileError
        When the file cannot be read or a target is malformed; every problem names the file,
        line, target and field.
    """
    p = Path(path) if path is not None else default_targets_path()
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetsFileError(
            [Problem(None, "", "", f"无法读取文件：{exc}", f"cannot read the file: {exc}")],
            source=str(p),
        ) from None
    return parse_targets(text, source=p.name)


def default_targets_path() -> Path:
    """Return the path of the targets file shipped with gisdesk."""
    from gisdesk import resources

    return resources.targets_dir() / DEFAULT_TARGETS_FILE


def default_targets() -> list[Target]:
    """Return the Haimen 2022 targets shipped with gisdesk."""
    return load_targets(default_targets_path())


def targets_from_records(
    records: Sequence[Mapping[str, Any]], *, source: str = "records"
) -> list[Target]:
    """Return targets from plain records (as :meth:`Target.to_dict` writes them)."""
    cleaned = [{k: v for k, v in r.items() if v is not None} for r in records]
    return _build(cleaned, source=source)


def import_targets(project: Project, targets: Sequence[Target], *, source: str = "") -> None:
    """Store targets in the project (``project.settings["targets"]``), replacing earlier ones.

    The project keeps them when saved; :func:`project_targets` reads them back.
    """
    project.settings[SETTINGS_KEY] = {
        "format": FORMAT,
        "source": source,
        "targets": [t.to_dict() for t in targets],
    }


def project_targets(project: Project) -> list[Target] | None:
    """Return the targets stored in the project, or None when it has none."""
    stored = project.settings.get(SETTINGS_KEY)
    if not stored:
        return None
    records = stored.get("targets") if isinstance(stored, Mapping) else stored
    if not isinstance(records, list):
        raise TargetsFileError(
            [Problem(None, "", SETTINGS_KEY, "项目中的目标格式不正确", "malformed targets")],
            source="project",
        )
    return targets_from_records(records, source="project")
