"""Judge a value against its target: met, on track, at risk, missed or no data, and say why.

The rules, for one unit:

* no value (a layer, a field or the unit's data missing) → ``no_data``;
* the deadline has come (``as_of >= deadline``) or there is none → ``met`` or ``missed``;
* before the deadline, a value that already satisfies the target → ``met``, except for a
  *period* target (a year's accidents), which can only be ``on_track`` until the period ends;
* before the deadline, a value that does not yet satisfy it → ``on_track`` when it reaches
  the progress expected by now, else ``at_risk``. Expected progress runs linearly between
  known points: the target's baseline at its start (or the first value recorded in the
  project's history), each milestone of its schedule, and the threshold at the deadline;
  once a milestone has passed, at least its value is required. A metric may judge progress
  itself (a period's pace, an item not stalled). Without any of these, an unmet target
  before its deadline is ``at_risk``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from gisdesk.analysis.targets.model import Milestone, compare, format_value, symbol

__all__ = [
    "Judgement",
    "expected_value",
    "format_value",
    "judge",
    "symbol",
    "worst_status",
]

_ORDER = {"missed": 0, "at_risk": 1, "on_track": 2, "met": 3, "no_data": 4}


@dataclass(frozen=True)
class Judgement:
    """The status of one unit, with the value expected by now (NaN when none applies)."""

    status: str
    expected: float
    satisfied: bool | None


def expected_value(
    *,
    as_of: date,
    deadline: date,
    threshold: float,
    schedule: Sequence[Milestone] = (),
    baseline: tuple[date, float] | None = None,
) -> float:
    """Return the value expected on ``as_of`` by linear progress between known points.

    The points are the baseline, the schedule's milestones and the threshold at the
    deadline; NaN when no point lies on or before ``as_of`` (progress cannot be judged).
    """
    points: list[tuple[date, float]] = []
    if baseline is not None and baseline[0] < deadline:
        points.append(baseline)
    points.extend((m.by, m.value) for m in schedule if baseline is None or m.by > baseline[0])
    points.append((deadline, threshold))
    points.sort(key=lambda p: p[0])
    before = [p for p in points if p[0] <= as_of]
    after = [p for p in points if p[0] > as_of]
    if not before:
        return math.nan
    (d0, v0) = before[-1]
    if not after:
        return v0
    (d1, v1) = after[0]
    span = (d1 - d0).days
    frac = (as_of - d0).days / span if span > 0 else 1.0
    return v0 + (v1 - v0) * frac


def judge(
    *,
    value: float,
    comparison: str,
    threshold: float | None,
    as_of: date,
    deadline: date | None,
    ok: bool | None = None,
    on_track: bool | None = None,
    projected: float = math.nan,
    missing: bool = False,
    period: bool = False,
    schedule: Sequence[Milestone] = (),
    baseline: tuple[date, float] | None = None,
    progress: bool = True,
) -> Judgement:
    """Return the status of a unit's value (see the module for the rules).

    Parameters
    ----------
    ok
        The metric's verdict, overriding the comparison (e.g. no accident in either year).
    on_track
        The metric's own judgement of progress before the deadline.
    projected
        The value expected at the deadline at the current pace (judged for period targets).
    missing
        The unit has no data.
    progress
        Whether schedule and baseline apply to this row (not to rows with their own
        threshold, such as a count of towns).
    """
    nan = math.nan
    if missing or threshold is None or (math.isnan(value) and ok is None):
        return Judgement("no_data", nan, None)
    satisfied = ok if ok is not None else compare(value, comparison, threshold)
    if deadline is None or as_of >= deadline:
        return Judgement("met" if satisfied else "missed", nan, satisfied)
    if satisfied and not period:
        return Judgement("met", nan, satisfied)
    if period:
        if not math.isnan(projected):
            pace = compare(projected, comparison, threshold)
            return Judgement("on_track" if pace else "at_risk", projected, satisfied)
        if on_track is not None:
            return Judgement("on_track" if on_track else "at_risk", nan, satisfied)
        return Judgement("on_track" if satisfied else "at_risk", nan, satisfied)
    if on_track is not None:
        return Judgement("on_track" if on_track else "at_risk", nan, satisfied)
    if progress and not math.isnan(value):
        expected = expected_value(
            as_of=as_of,
            deadline=deadline,
            threshold=threshold,
            schedule=schedule,
            baseline=baseline,
        )
        if not math.isnan(expected):
            good = compare(value, comparison, expected)
            return Judgement("on_track" if good else "at_risk", expected, satisfied)
    return Judgement("at_risk", nan, satisfied)


def worst_status(statuses: Sequence[str]) -> str:
    """Return the worst of several statuses (no data only when nothing else is known)."""
    known = [s for s in statuses if s != "no_data"]
    if not known:
        return "no_data"
    return min(known, key=lambda s: _ORDER[s])
