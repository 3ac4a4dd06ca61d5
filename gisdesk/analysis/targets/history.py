"""Target history: dated snapshots of evaluations, kept in the project.

Each :func:`record_evaluation` stores the evaluation's rows (target, unit, value, threshold,
status) as JSON in ``project.settings["target_history"]``, which the project store saves with
the project. A new snapshot for an evaluation date already recorded replaces the old one, so
re-running a month's evaluation does not count it twice. :func:`history_frame` returns the
whole history as a table, and the first recorded value of each target and unit serves as the
baseline of linear progress in later evaluations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from gisdesk.core.errors import InputError

if TYPE_CHECKING:
    from gisdesk.analysis.targets.evaluation import TargetEvaluation
    from gisdesk.core.project import Project

__all__ = [
    "HISTORY_COLUMNS",
    "HISTORY_KEY",
    "clear_history",
    "history_baselines",
    "history_frame",
    "record_evaluation",
]

HISTORY_KEY = "target_history"
"""Key of ``project.settings`` holding the snapshots."""

HISTORY_COLUMNS: tuple[str, ...] = (
    "as_of",
    "recorded",
    "note",
    "target_id",
    "unit_type",
    "unit",
    "value",
    "threshold",
    "status",
)
"""Columns of :func:`history_frame`, in order."""

_ROW_FIELDS = ("target_id", "unit_type", "unit", "value", "threshold", "status")


def _number(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _snapshots(project: Project) -> list[dict[str, Any]]:
    stored = project.settings.get(HISTORY_KEY, [])
    if not isinstance(stored, list):
        raise InputError(
            "项目中的目标历史格式不正确。",
            "The project's target history is malformed.",
        )
    return [s for s in stored if isinstance(s, dict) and "as_of" in s]


def record_evaluation(
    project: Project,
    result: TargetEvaluation,
    when: date | datetime | None = None,
    *,
    note: str = "",
) -> dict[str, Any]:
    """Store a dated snapshot of an evaluation in the project and return it.

    Parameters
    ----------
    project
        The project; the snapshot goes to ``project.settings["target_history"]`` and is
        saved with the project.
    result
        The evaluation.
    when
        When it was recorded (default: the evaluation date).
    note
        A remark kept with the snapshot (e.g. "三季度考核").
    """
    recorded = when if when is not None else result.as_of
    rows = [
        [
            str(r["target_id"]),
            str(r["unit_type"]),
            str(r["unit"]),
            _number(r["value"]),
            _number(r["threshold"]),
            str(r["status"]),
        ]
        for r in result.table[list(_ROW_FIELDS)].to_dict("records")
    ]
    snapshot: dict[str, Any] = {
        "as_of": result.as_of.isoformat(),
        "recorded": recorded.isoformat(),
        "note": note,
        "columns": list(_ROW_FIELDS),
        "rows": rows,
    }
    kept = [s for s in _snapshots(project) if s["as_of"] != snapshot["as_of"]]
    kept.append(snapshot)
    kept.sort(key=lambda s: (str(s["as_of"]), str(s.get("recorded", ""))))
    project.settings[HISTORY_KEY] = kept
    return snapshot


def history_frame(project: Project) -> pd.DataFrame:
    """Return every recorded row: one per snapshot, target and unit (:data:`HISTORY_COLUMNS`).

    ``as_of`` is the evaluation date (a ``datetime.date``); ``recorded`` is kept as text.
    """
    records: list[dict[str, Any]] = []
    for snap in _snapshots(project):
        columns = snap.get("columns", list(_ROW_FIELDS))
        as_of = date.fromisoformat(str(snap["as_of"])[:10])
        for row in snap.get("rows", []):
            item = dict(zip(columns, row, strict=False))
            records.append(
                {
                    "as_of": as_of,
                    "recorded": str(snap.get("recorded", "")),
                    "note": str(snap.get("note", "")),
                    **{k: item.get(k) for k in _ROW_FIELDS},
                }
            )
    frame = pd.DataFrame(records, columns=list(HISTORY_COLUMNS))
    for col in ("value", "threshold"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return frame


def history_baselines(
    project: Project, as_of: date
) -> dict[tuple[str, str, str], tuple[date, float]]:
    """Return the first recorded value before ``as_of`` per (target, unit type, unit)."""
    out: dict[tuple[str, str, str], tuple[date, float]] = {}
    for snap in _snapshots(project):
        when = date.fromisoformat(str(snap["as_of"])[:10])
        if when >= as_of:
            continue
        columns = snap.get("columns", list(_ROW_FIELDS))
        for row in snap.get("rows", []):
            item: Mapping[str, Any] = dict(zip(columns, row, strict=False))
            value = _number(item.get("value"))
            if value is None:
                continue
            key = (str(item.get("target_id")), str(item.get("unit_type")), str(item.get("unit")))
            if key not in out or when < out[key][0]:
                out[key] = (when, value)
    return out


def clear_history(project: Project) -> None:
    """Remove every recorded snapshot from the project."""
    project.settings.pop(HISTORY_KEY, None)
