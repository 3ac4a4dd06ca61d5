"""The plan's deadline and the district cell of targets counted per town."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

from gisdesk.analysis.targets import default_targets, wide_frame
from gisdesk.analysis.targets.display import district_count
from gisdesk.analysis.targets.model import plan_deadline
from tests.analysis.test_targets_evaluate import (
    TARGETS,
    evaluate_targets,
    parse_targets,
    tiny_project,
)


def test_the_plan_deadline_is_the_day_most_targets_are_due():
    shipped = default_targets()
    assert plan_deadline(shipped) == date(2022, 12, 31)
    first = shipped[0]
    later = [replace(first, deadline=date(2023, 12, 31))] * 2
    earlier = [replace(first, deadline=date(2022, 6, 30))] * 2
    assert plan_deadline([*later, *earlier]) == date(2023, 12, 31)  # a tie: the later day
    assert plan_deadline([*earlier, later[0]]) == date(2022, 6, 30)
    assert plan_deadline([replace(first, deadline=None)]) is None
    assert plan_deadline([]) is None


def _district(**values):
    row = {"unit_type": "district", "value_unit": "%", "numerator": 3.0, "denominator": 12.0}
    row.update(values)
    return row


def test_district_count_only_for_a_share_of_towns_meeting_a_count():
    assert district_count(_district(), "处") == (3, 12)
    assert district_count(_district(), "%") is None  # a share target stays a share
    assert district_count(_district(), "") is None
    assert district_count(_district(unit_type="town"), "处") is None
    assert district_count(_district(value_unit="处"), "处") is None
    assert district_count(_district(numerator=math.nan), "处") is None
    assert district_count(_district(denominator=0.0), "处") is None


def test_the_wide_table_counts_towns_for_a_count_target():
    targets = parse_targets(TARGETS)
    station = next(t for t in targets if t.id == "T-STATION")
    as_count = replace(station, id="T-COUNT", unit="个", threshold=1.0)
    ev = evaluate_targets(tiny_project(), [station, as_count], as_of=date(2022, 12, 31))
    wide = wide_frame(ev).set_index("目标编号")
    share = wide.loc["T-STATION", "全区"]
    assert share.endswith("%")
    counted = wide.loc["T-COUNT", "全区"]
    table = ev.table
    row = table[(table["target_id"] == "T-COUNT") & (table["unit_type"] == "district")].iloc[0]
    met, towns = int(row["numerator"]), int(row["denominator"])
    assert towns == 3
    assert counted == f"{'√' if met == towns else '×'}{met}/{towns}镇"
    english = wide_frame(ev, lang="en").set_index(wide_frame(ev, lang="en").columns[0])
    assert english.loc["T-COUNT", "district"].endswith(f"{met}/{towns} towns")
