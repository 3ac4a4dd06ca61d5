"""The Haimen 2022 targets on the sample project: what the generator planted is found."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest

from gisdesk.analysis.targets import TargetEvaluation, default_targets, evaluate_targets

AS_OF = date(2022, 12, 31)
TOWNS = {
    "海门街道", "滨江街道", "三厂街道", "临江镇", "海永镇", "常乐镇",
    "悦来镇", "四甲镇", "余东镇", "正余镇", "包场镇", "三星镇",
}  # fmt: skip


@pytest.fixture(scope="module")
def evaluation(sample_project):
    return evaluate_targets(sample_project, default_targets(), as_of=AS_OF)


def rows(evaluation: TargetEvaluation, target_id: str) -> dict[str, dict[str, Any]]:
    t = evaluation.table
    records = t[t["target_id"] == target_id].to_dict("records")
    return {str(r["unit"]): {str(k): v for k, v in r.items()} for r in records}


def test_every_measurable_target_is_measured_and_the_rest_say_why(evaluation):
    overall = evaluation.target_status().set_index("target_id")
    for t in evaluation.targets:
        status = overall.loc[t.id, "status"]
        if t.measurable:
            assert status != "no_data", t.id
        else:
            assert status == "no_data", t.id
            (row,) = rows(evaluation, t.id).values()
            assert t.reason_zh in row["explanation_zh"]
    town_targets = [
        t.id for t in evaluation.targets if t.scope in ("town", "village") and t.measurable
    ]
    for tid in town_targets:
        if tid == "MED-2b":
            continue  # three named towns only
        assert set(rows(evaluation, tid)) == TOWNS | {"全区"}, tid


def test_medical_insurance_stations(evaluation):
    med1 = rows(evaluation, "MED-1")
    assert med1["正余镇"]["status"] == "missed"
    assert {t for t in TOWNS if med1[t]["status"] == "met"} == TOWNS - {"正余镇"}
    assert med1["全区"]["value"] == pytest.approx(100 * 11 / 12)
    assert med1["全区"]["status"] == "missed"
    gap = evaluation.gap_rows("MED-1", "正余镇")
    station = evaluation.gaps[(evaluation.gaps["target_id"] == "MED-1")]
    assert list(gap) == ["service_points"] and "正余镇" in station["label"].iloc[0]
    assert rows(evaluation, "MED-7")["悦来镇"]["status"] == "missed"  # 85 m2
    assert rows(evaluation, "MED-2b")["包场镇"]["status"] == "missed"  # 海门港新区: city level


def test_fifteen_minute_circle(evaluation, sample_project):
    from gisdesk.analysis.service_areas import service_areas

    check = service_areas(
        sample_project.layer("roads").data,
        sample_project.layer("service_points").data,
        sample_project.layer("villages").data,
        mode="ebike",
        minutes=15.0,
        polygons="none",
    )
    med5 = rows(evaluation, "MED-5")
    assert med5["全区"]["value"] == pytest.approx(100 * check.share_within)
    assert med5["全区"]["status"] == "met" and med5["全区"]["value"] >= 80
    med6 = rows(evaluation, "MED-6")["全区"]
    assert med6["status"] == "at_risk"  # below 100%, two years before the 2024 deadline
    uncovered = set(np.flatnonzero(~check.demand["within"].to_numpy()))
    assert set(evaluation.gap_rows("MED-6", "全区")["villages"]) == uncovered
    (t6,) = [t for t in evaluation.targets if t.id == "MED-6"]
    late = evaluate_targets(sample_project, [t6], as_of=date(2025, 1, 1))
    assert rows(late, "MED-6")["全区"]["status"] == "missed"


def test_roads(evaluation):
    road8 = rows(evaluation, "ROAD-8")
    assert road8["悦来镇"]["status"] == "missed" and road8["悦来镇"]["value"] == 0
    assert all(road8[t]["status"] == "met" for t in TOWNS - {"悦来镇"})
    road6 = rows(evaluation, "ROAD-6")
    assert {r for r in ("G328", "S336", "S222") if road6[r]["status"] == "missed"} == {
        "G328",
        "S336",
        "S222",
    }
    assert road6["G328"]["value"] > 10 and road6["S221"]["status"] == "met"
    assert road6["全区"]["status"] == "missed"
    gap_layers = set(evaluation.gap_rows("ROAD-6", "S336"))
    assert gap_layers == {"cameras", "roads"}
    assert rows(evaluation, "ROAD-3")["全区"]["status"] == "met"


def test_sewage(evaluation):
    sew1 = rows(evaluation, "SEW-1")["全区"]
    assert sew1["value"] == pytest.approx(36.4, abs=0.05)
    assert sew1["status"] == "missed" and sew1["threshold"] == 40
    sew2 = rows(evaluation, "SEW-2")["全区"]
    assert sew2["status"] == "missed" and sew2["value"] < 10


def test_summary_adds_up(evaluation):
    summary = evaluation.summary()
    assert sum(summary.values()) == len(evaluation.targets)
    assert summary["no_data"] == sum(1 for t in evaluation.targets if not t.measurable)
