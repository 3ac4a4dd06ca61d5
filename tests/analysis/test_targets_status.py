"""How a value is judged: met, on track, at risk, missed, no data."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pytest

from gisdesk.analysis.targets.model import Milestone, compare
from gisdesk.analysis.targets.status import expected_value, judge, worst_status

DEADLINE = date(2022, 12, 31)


def status(
    value: float,
    *,
    as_of: date,
    comparison: str = ">=",
    threshold: float | None = 100.0,
    **kw: Any,
) -> str:
    return judge(
        value=value,
        comparison=comparison,
        threshold=threshold,
        as_of=as_of,
        deadline=kw.pop("deadline", DEADLINE),
        **kw,
    ).status


@pytest.mark.parametrize(
    ("value", "comparison", "threshold", "expected"),
    [
        (40.0, ">=", 40.0, True),
        (100 * 2 / 5, ">=", 40.0, True),
        (0.1 + 0.2, "<=", 0.3, True),
        (10.0, "<=", 10.0, True),
        (10.0, "<", 10.0, False),
        (-10.0, "<=", -10.0, True),
        (0.0, "==", 0.0, True),
        (math.nan, ">=", 0.0, False),
    ],
)
def test_compare_at_the_threshold(value, comparison, threshold, expected):
    assert compare(value, comparison, threshold) is expected


def test_deadline_reached_or_passed_is_final():
    assert status(100.0, as_of=DEADLINE) == "met"
    assert status(99.0, as_of=DEADLINE) == "missed"
    assert status(99.0, as_of=date(2023, 1, 1)) == "missed"
    assert status(100.0, as_of=date(2023, 1, 1)) == "met"
    assert status(85.0, as_of=date(2020, 1, 1), deadline=None, threshold=100.0) == "missed"


def test_before_the_deadline_unmet_without_evidence_is_at_risk():
    assert status(92.8, as_of=date(2022, 12, 31), deadline=date(2024, 12, 31)) == "at_risk"
    assert status(100.0, as_of=date(2022, 6, 1)) == "met"


def test_schedule_milestones_and_linear_progress():
    schedule = (Milestone(date(2022, 6, 30), 30.0), Milestone(date(2022, 9, 30), 70.0))
    kw: dict[str, Any] = {
        "deadline": date(2022, 11, 30),
        "schedule": schedule,
        "baseline": (date(2022, 1, 1), 0.0),
    }
    # Halfway through Q1..Q2 the expected share is about 15%.
    assert expected_value(
        as_of=date(2022, 4, 1),
        deadline=date(2022, 11, 30),
        threshold=100.0,
        schedule=schedule,
        baseline=(date(2022, 1, 1), 0.0),
    ) == pytest.approx(30.0 * 90 / 180)
    assert status(20.0, as_of=date(2022, 4, 1), **kw) == "on_track"
    assert status(10.0, as_of=date(2022, 4, 1), **kw) == "at_risk"
    # On a milestone's day its value is required, exactly.
    assert status(30.0, as_of=date(2022, 6, 30), **kw) == "on_track"
    assert status(29.9, as_of=date(2022, 6, 30), **kw) == "at_risk"
    # Without a baseline, nothing can be judged before the first milestone...
    no_base: dict[str, Any] = {"deadline": date(2022, 11, 30), "schedule": schedule}
    assert status(50.0, as_of=date(2022, 4, 1), **no_base) == "at_risk"
    # ...and after it, progress runs from the milestone on.
    assert status(50.0, as_of=date(2022, 8, 15), **no_base) == "on_track"


def test_decreasing_targets_progress_downwards():
    kw: dict[str, Any] = {
        "comparison": "<=",
        "threshold": 10.0,
        "baseline": (date(2022, 1, 1), 30.0),
    }
    assert status(20.0, as_of=date(2022, 7, 2), **kw) == "on_track"
    assert status(25.0, as_of=date(2022, 7, 2), **kw) == "at_risk"


def test_period_targets_are_only_on_track_until_the_period_ends():
    kw: dict[str, Any] = {"comparison": "<=", "threshold": -10.0, "period": True}
    assert status(-20.0, as_of=date(2022, 6, 30), **kw) == "on_track"
    assert status(5.0, as_of=date(2022, 6, 30), **kw) == "at_risk"
    assert status(-20.0, as_of=DEADLINE, **kw) == "met"
    pace: dict[str, Any] = {"comparison": "<", "threshold": 100.0, "period": True}
    assert status(60.0, as_of=date(2022, 6, 30), projected=121.0, **pace) == "at_risk"
    assert status(40.0, as_of=date(2022, 6, 30), projected=80.0, **pace) == "on_track"


def test_metric_verdicts_and_missing_data():
    assert status(math.nan, as_of=DEADLINE, ok=True) == "met"
    assert status(math.nan, as_of=DEADLINE) == "no_data"
    assert status(50.0, as_of=DEADLINE, missing=True) == "no_data"
    assert status(50.0, as_of=DEADLINE, threshold=None) == "no_data"
    assert status(50.0, as_of=date(2022, 6, 1), on_track=True) == "on_track"
    assert status(100.0, as_of=DEADLINE, ok=False) == "missed"


def test_worst_status():
    assert worst_status(["met", "on_track", "missed", "no_data"]) == "missed"
    assert worst_status(["met", "no_data"]) == "met"
    assert worst_status(["no_data"]) == "no_data"
