"""The Haimen sample: planted stretches come out on top, camera gaps are found."""

from __future__ import annotations

import pandas as pd
import pytest

from gisdesk.analysis.blackspots.cameras import camera_gaps, persuasion_coverage, video_coverage
from gisdesk.analysis.blackspots.lifecycle import (
    STATUSES,
    advance_status,
    empty_history,
    list_candidates,
)
from gisdesk.analysis.blackspots.screening import screen_accidents


@pytest.fixture(scope="module")
def layers(sample_path):
    from gisdesk.io.project_store import open_project

    project = open_project(sample_path)
    names = ("roads", "accidents", "accident_segments", "cameras", "towns", "villages")
    return {n: project.layer(n).data for n in (*names, "persuasion_stations")}


@pytest.fixture(scope="module")
def screening(layers):
    return screen_accidents(layers["accidents"], layers["roads"], towns=layers["towns"])


def test_listed_segments_overlap_the_top_candidates(layers, screening):
    cand = screening.candidates
    listed = layers["accident_segments"]
    assert len(cand) >= 6
    top = cand.head(len(listed))

    def overlaps(seg: pd.Series) -> bool:
        same = top[top["road"] == seg["road"]]
        return bool(((same["from_km"] < seg["to_km"]) & (same["to_km"] > seg["from_km"])).any())

    hit = listed.apply(overlaps, axis=1)
    assert hit.all(), listed.loc[~hit, ["segment_id", "road", "from_km", "to_km"]]

    # Every top candidate is one of the listed stretches (no spurious black spot above them).
    def covered(c: pd.Series) -> bool:
        same = listed[listed["road"] == c["road"]]
        return bool(((same["from_km"] < c["to_km"]) & (same["to_km"] > c["from_km"])).any())

    assert top.apply(covered, axis=1).all()
    assert top["town"].notna().all()
    assert (cand.groupby("town")["rank_town"].min() == 1).all()
    assert (screening.accidents["match_quality"] != "unmatched").all()


def test_two_candidates_listed_and_moved_through_the_loop(layers, screening):
    seg, hist = list_candidates(
        layers["accident_segments"],
        empty_history(),
        screening.candidates.head(2),
        level="区级",
        listed_date="2023-01-10",
        by="交警大队",
        hazard="筛查发现",
    )
    new = seg["segment_id"].iloc[-2:].tolist()
    assert len(seg) == len(layers["accident_segments"]) + 2
    days = ["2023-02-01", "2023-04-01", "2023-06-01", "2023-07-01"]
    for sid in new:
        for status, day in zip(STATUSES[1:], days, strict=True):
            seg, hist = advance_status(seg, hist, sid, to=status, on=day, by="交警大队")
    assert (seg.set_index("segment_id").loc[new, "status"] == "销号").all()
    assert len(hist) == 2 * (1 + 2 * 4)  # listing + (status + date) per step


def test_camera_gaps_over_10_km(layers):
    gaps = camera_gaps(layers["cameras"], layers["roads"], max_gap_km=10)
    over = gaps[gaps["exceeds"] & ~gaps["at_end"]]
    assert {"G328", "S336", "S222"} <= set(over["road"])
    assert set(over["road"]) <= {"G328", "S336", "S222", "S221", "S223"}
    assert "视频监控" in set(over.loc[over["road"] == "G328", "kind"])
    assert "卡口" in set(over.loc[over["road"] == "S336", "kind"])
    assert (over["gap_km"] > 10).all()


def test_video_and_persuasion_tables(layers):
    cov = video_coverage(layers["accident_segments"], layers["cameras"])
    assert len(cov) == len(layers["accident_segments"])
    assert cov["points_covered"].between(0, 3).all()
    towns, villages = persuasion_coverage(
        layers["persuasion_stations"], towns=layers["towns"], villages=layers["villages"]
    )
    assert len(towns) == len(layers["towns"])
    assert len(villages) == len(layers["villages"])
