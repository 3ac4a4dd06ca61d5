"""Plan targets: evaluate the official targets on a project as of a date.

The one definition of the job ``gisdesk targets`` and the window's targets dashboard run.
:class:`TargetsRequest` holds the defaults (today; the targets file given, else the targets
imported into the project, else the Haimen 2022 targets shipped with gisdesk); :func:`run`
wraps :func:`gisdesk.analysis.targets.evaluate_targets` (nothing of the evaluation is
computed here) and labels the result for users: a table of every target for the district
and each town with Chinese headers (value and goal with their units, shares as
percentages, counts whole), the tally by status, and notes (layers the targets use that
have no features). The evaluation itself travels in ``Result.extras["evaluation"]`` for the
dashboard's cells, the gap selection, the JSON and the Excel export.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from gisdesk.core.errors import InputError
from gisdesk.tasks.base import Column, Figure, Note, ProjectSource, Result, SummaryTable
from gisdesk.tasks.job import Job, task
from gisdesk.tasks.records import Recorded

if TYPE_CHECKING:
    from gisdesk.analysis.targets import TargetEvaluation
    from gisdesk.analysis.targets.model import Target

__all__ = [
    "KIND",
    "TABLE_COLUMNS",
    "TargetsRequest",
    "empty_layers",
    "plan_as_of",
    "run",
    "targets_table",
]

KIND = "targets"
TABLE_COLUMNS = (
    Column("target", "目标编号", "Target"),
    Column("title", "目标", "Title"),
    Column("unit", "镇（街道）", "Town"),
    Column("value", "现值", "Value"),
    Column("goal", "目标值", "Goal"),
    Column("deadline", "期限", "Deadline"),
    Column("status", "状态", "Status"),
    Column("met", "是否达标", "Met"),
)
"""The summary table: one row per target for the district, then each town."""


@dataclass(frozen=True)
class TargetsRequest(Recorded):
    """Evaluate the plan targets: as of a date, from a targets file or the project's own.

    ``as_of`` None: the day the task runs. ``targets_file`` None: the targets imported into
    the project, else the file shipped with gisdesk.
    """

    kind: ClassVar[str] = KIND
    as_of: date | None = None
    targets_file: str | None = None

    def validate(self) -> None:
        """Raise an :class:`InputError` (Chinese and English) for a bad date or file name."""
        if self.as_of is not None and not isinstance(self.as_of, date):
            raise InputError(
                f"评估日期应为日期，而不是“{self.as_of}”。",
                f"The evaluation date must be a date, not '{self.as_of}'.",
            )
        if self.targets_file is not None and not str(self.targets_file).strip():
            raise InputError(
                "目标文件名为空：请给出 .toml 文件，或不指定以使用项目中的目标。",
                "The targets file name is empty: give a .toml file, or none for the "
                "project's targets.",
            )

    def evaluation_date(self) -> date:
        """Return the date the targets are judged against (today when none was given)."""
        return self.as_of if self.as_of is not None else date.today()

    def sources(self) -> list[str]:
        """Return the layers read: the evaluation finds its layers by role, so none by name."""
        return []


def _load(source: ProjectSource, request: TargetsRequest) -> list[Target]:
    from gisdesk.analysis.targets import default_targets, load_targets

    if request.targets_file is not None:
        return load_targets(request.targets_file)  # TargetsFileError names file and line
    return source.plan_targets() or default_targets()


def plan_as_of(source: ProjectSource, request: TargetsRequest | None = None) -> date | None:
    """Return the date to judge the request's targets on by default: the plan's deadline.

    The targets are those :func:`run` would evaluate (the request's file, else the
    project's, else the shipped ones). None when none has a deadline or they cannot be read
    (evaluating then says why).
    """
    from gisdesk.analysis.targets.model import plan_deadline
    from gisdesk.core.errors import GisdeskError

    try:
        return plan_deadline(_load(source, request or TargetsRequest()))
    except (GisdeskError, OSError):
        return None


def targets_table(evaluation: TargetEvaluation) -> SummaryTable:
    """Return every target for the district and each town, values and goals with units."""
    from gisdesk.analysis.targets import status_label
    from gisdesk.analysis.targets.model import format_value, symbol
    from gisdesk.analysis.targets.result import UNIT_DISTRICT, UNIT_TOWN

    table = evaluation.table
    shown = table[table["unit_type"].isin([UNIT_DISTRICT, UNIT_TOWN])]
    rows = []
    for r in shown.to_dict("records"):
        unit = str(r["value_unit"])
        threshold = _number(r["threshold"])
        goal = (
            "-"
            if threshold is None or math.isnan(threshold)
            else f"{symbol(str(r['comparison']))} {format_value(threshold, unit)}"
        )
        rows.append(
            {
                "target": r["target_id"],
                "title": r["title_zh"],
                "unit": r["unit"],
                "value": format_value(_number(r["value"]), unit),
                "goal": goal,
                "deadline": _day(r["deadline"]),
                "status": status_label(str(r["status"])),
                "met": "是" if r["status"] == "met" else "否",
            }
        )
    return SummaryTable(TABLE_COLUMNS, tuple(rows))


def _number(value: object) -> float | None:
    try:
        return None if value is None else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _day(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):  # no deadline
        return "-"
    return value.isoformat() if isinstance(value, date) else str(value)


def empty_layers(source: ProjectSource, evaluation: TargetEvaluation) -> list[str]:
    """Return the layers the targets use that have no features (sorted)."""
    project = source.project
    used = set(evaluation.layers.values())
    return sorted(n for n in used if n in project and not len(project.layer(n)))


def empty_layers_note(names: list[str]) -> Note:
    """Return the warning about layers without features that targets were evaluated on."""
    return Note(
        f"警告：图层 {'、'.join(names)} 没有要素。依赖它们的目标按“一个也没有”评估"
        "（如 0 个服务点），结果可能只说明数据未录入；请补充数据后重新评估。",
        f"Warning: layer(s) {', '.join(names)} have no features. The targets that use "
        "them are evaluated as if there were none (e.g. 0 service points), which may "
        "only mean the data was never entered; add it and evaluate again.",
    )


@task
def run(job: Job[ProjectSource], request: TargetsRequest) -> Result:
    """Evaluate the targets on the project; return the labelled table and the evaluation."""
    from gisdesk.analysis.targets import STATUS_LABELS, STATUSES, evaluate_targets
    from gisdesk.io.schemas import load_schemas

    targets = _load(job.source, request)
    evaluation = evaluate_targets(
        job.source.project,
        targets,
        as_of=request.evaluation_date(),
        schemas=load_schemas(),
        **job.hooks,
    )
    tally = evaluation.summary()
    empty = empty_layers(job.source, evaluation)
    notes = [empty_layers_note(empty)] if empty else []
    return Result.of(
        request,
        job.source,
        evaluation.layers.values(),
        title_zh=f"规划目标评估（截至 {evaluation.as_of}）",
        title_en=f"Plan targets as of {evaluation.as_of}",
        layers=[],
        summary=targets_table(evaluation),
        district=tuple(
            Figure(s, STATUS_LABELS["zh"][s], STATUS_LABELS["en"][s], tally[s]) for s in STATUSES
        ),
        notes=tuple(notes),
        details={"as_of": evaluation.as_of.isoformat(), "summary": tally, "empty_layers": empty},
        ok=not tally["missed"],
        extras={"evaluation": evaluation},
    )
