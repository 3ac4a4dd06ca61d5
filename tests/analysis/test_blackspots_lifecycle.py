"""Listing candidates and the closed loop 排查 -> 会商 -> 整改 -> 验收 -> 销号."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from gisdesk.analysis.blackspots.lifecycle import (
    STATUSES,
    advance_status,
    empty_history,
    list_candidates,
    update_segment,
)
from gisdesk.core.errors import InputError


@pytest.fixture
def candidates():
    return gpd.GeoDataFrame(
        {
            "name": ["R1 K4+800–K5+200", "R3 K11+800–K12+200"],
            "road": ["R1", "R3"],
            "from_km": [4.8, 11.8],
            "to_km": [5.2, 12.2],
            "town": ["常乐镇", "余东镇"],
        },
        geometry=[shapely.LineString([(0, 0), (400, 0)]), shapely.LineString([(0, 9), (1, 9)])],
        crs=4549,
    )


def _empty() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"segment_id": pd.Series(dtype=object)}, geometry=[], crs=4490)


def test_list_and_walk_the_whole_loop(candidates):
    seg, hist = list_candidates(
        _empty(), empty_history(), candidates, level="市级", listed_date="2022-03-01", by="张警官"
    )
    assert list(seg["segment_id"]) == ["HM-SG-01", "HM-SG-02"]
    assert (seg["status"] == "排查").all()
    assert seg.crs.to_epsg() == 4490
    dates = ["2022-03-20", "2022-05-01", "2022-06-10", "2022-07-01"]
    for status, day in zip(STATUSES[1:], dates, strict=True):
        seg, hist = advance_status(seg, hist, "HM-SG-01", to=status, on=day, by="李科长")
    row = seg.iloc[0]
    assert row["status"] == "销号"
    assert row["closed_date"] == pd.Timestamp("2022-07-01")
    assert row["reviewed_date"] == pd.Timestamp("2022-03-20")
    assert seg.iloc[1]["status"] == "排查"
    mine = hist[hist["segment_id"] == "HM-SG-01"]
    assert list(mine.loc[mine["field"] == "status", "after"]) == list(STATUSES)
    assert set(mine["changed_by"]) == {"张警官", "李科长"}
    # Listing more numbers after the highest id.
    seg2, _ = list_candidates(
        seg, hist, candidates.iloc[:1], level="区级", listed_date="2022-08-01", by="王"
    )
    assert seg2["segment_id"].iloc[-1] == "HM-SG-03"


def test_no_skipping_no_silent_going_back(candidates):
    seg, hist = list_candidates(
        _empty(), empty_history(), candidates, level="省级", listed_date="2022-03-01", by="a"
    )
    with pytest.raises(InputError, match="下一步"):
        advance_status(seg, hist, "HM-SG-01", to="整改", on="2022-04-01", by="a")
    with pytest.raises(InputError):
        advance_status(seg, hist, "HM-SG-01", to="会商", on="2022-02-01", by="a")  # before
    seg, hist = advance_status(seg, hist, "HM-SG-01", to="会商", on="2022-03-10", by="a")
    seg, hist = advance_status(seg, hist, "HM-SG-01", to="整改", on="2022-04-10", by="a")
    with pytest.raises(InputError, match="原因"):
        advance_status(seg, hist, "HM-SG-01", to="会商", on="2022-04-11", by="a")
    seg, hist = advance_status(
        seg, hist, "HM-SG-01", to="会商", on="2022-04-11", by="b", reason="方案需重新会商"
    )
    assert seg.iloc[0]["status"] == "会商"
    assert pd.isna(seg.iloc[0]["rectified_date"])
    back = hist[hist["reason"] == "方案需重新会商"]
    assert set(back["field"]) == {"status", "rectified_date"}
    with pytest.raises(InputError):
        advance_status(seg, hist, "HM-SG-99", to="会商", on="2022-04-11", by="b")
    with pytest.raises(InputError):
        advance_status(seg, hist, "HM-SG-01", to="完成", on="2022-04-11", by="b")


def test_update_records_before_and_after(candidates):
    seg, hist = list_candidates(
        _empty(), empty_history(), candidates, level="区级", listed_date="2022-03-01", by="a"
    )
    seg, hist = update_segment(
        seg,
        hist,
        "HM-SG-02",
        {"hazard": "弯道视距不良", "listed_level": "市级", "town": "余东镇"},
        on="2022-03-05",
        by="c",
    )
    changes = hist[hist["changed_by"] == "c"]
    assert set(changes["field"]) == {"hazard", "listed_level"}  # town unchanged
    lvl = changes[changes["field"] == "listed_level"].iloc[0]
    assert (lvl["before"], lvl["after"]) == ("区级", "市级")
    with pytest.raises(InputError):
        update_segment(seg, hist, "HM-SG-02", {"status": "销号"}, on="2022-03-05", by="c")
    with pytest.raises(InputError):
        list_candidates(seg, hist, candidates, level="县级", listed_date="2022-03-01", by="a")
