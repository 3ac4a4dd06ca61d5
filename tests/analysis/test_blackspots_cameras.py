"""Camera gaps along trunk roads, video on segments, persuasion stations per town/village."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gisdesk.analysis.blackspots.cameras import camera_gaps, persuasion_coverage, video_coverage
from gisdesk.analysis.blackspots.referencing import place_stakes, road_measures
from tests.analysis.test_blackspots_data import straight_roads


@pytest.fixture(scope="module")
def roads():
    return straight_roads(2, length_km=30.0, connectors=False)


def test_gaps_by_stake_and_by_projection(roads):
    m = road_measures(roads)
    # R1: video at 2, 8 (by stake), 21 (by point only); checkpoint at 5, 14. R2 (省道): none.
    pts, _ = place_stakes(m, np.array(["R1"] * 5), np.array([2.0, 8.0, 21.0, 5.0, 14.0]))
    xy = shapely.get_coordinates(pts)
    cams = gpd.GeoDataFrame(
        {
            "camera_id": list("abcde"),
            "kind": ["视频监控"] * 3 + ["卡口"] * 2,
            "road": ["R1", "R1", None, "R1", "R1"],
            "stake_km": [2.0, 8.0, None, 5.0, 14.0],
        },
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1] + 30.0),
        crs=4549,
    )
    gaps = camera_gaps(cams, roads, max_gap_km=10)
    video = gaps[(gaps["road"] == "R1") & (gaps["kind"] == "视频监控")]
    assert list(video["gap_km"]) == pytest.approx([2.0, 6.0, 13.0, 9.0])
    over = video[video["exceeds"]]
    assert list(zip(over["from_km"], over["to_km"], strict=True)) == [(8.0, 21.0)]
    both = gaps[(gaps["road"] == "R1") & (gaps["kind"] == "全部")]
    assert both["gap_km"].max() == pytest.approx(9.0)
    r2 = gaps[gaps["road"] == "R2"]
    assert set(r2["kind"]) == {"视频监控", "卡口", "全部"}
    assert (r2["gap_km"] == 30.0).all() and r2["at_end"].all()
    assert gaps.crs.to_epsg() == 4490
    assert abs(over.to_crs(4549).length.iloc[0] - 13_000) < 1


def test_video_coverage_of_segment_points():
    seg = gpd.GeoDataFrame(
        {"segment_id": ["S1", "S2"], "name": ["a", "b"]},
        geometry=[
            shapely.LineString([(0, 0), (1000, 0)]),
            shapely.LineString([(0, 5e3), (1, 5e3)]),
        ],
        crs=4549,
    )
    cams = gpd.GeoDataFrame(
        {"kind": ["视频监控", "视频监控", "视频监控", "卡口"], "online": [True, True, False, True]},
        geometry=gpd.points_from_xy([0, 500, 1000, 0], [50, 150, 0, 5e3]),
        crs=4549,
    )
    cov = video_coverage(seg, cams, radius_m=200)
    assert list(cov["points_covered"]) == [3, 0]
    assert list(cov["covered"]) == [True, False]
    cov = video_coverage(seg, cams, radius_m=200, online_only=True)
    assert list(cov["points_covered"]) == [2, 0]
    assert not cov["ends_covered"].iloc[0]


def test_persuasion_per_town_and_village():
    st = pd.DataFrame(
        {
            "level": [1, 3, 3, 2, 3],
            "town": ["甲镇", "甲镇", "甲镇", "乙镇", "乙镇"],
            "village": [None, "一村", "一村", None, "三村"],
        }
    )
    towns = pd.DataFrame({"name": ["甲镇", "乙镇", "丙镇"]})
    villages = pd.DataFrame({"name": ["一村", "二村", "三村"], "town": ["甲镇", "甲镇", "乙镇"]})
    t, v = persuasion_coverage(st, towns=towns, villages=villages)
    assert list(t["level_1_2"]) == [1, 1, 0]
    assert list(t["meets"]) == [True, True, False]
    assert list(v["level_3"]) == [2, 0, 1]
    assert list(v["meets"]) == [True, False, True]


def test_a_road_whose_stakes_start_at_k250_is_measured_from_k250():
    # Stakes are the road's own (max 12000 km in the schema): G328 may enter at K250. The
    # first gap ran from K0, so every such road showed a 251 km gap at its start.
    x, y = 500_000.0, 3_540_000.0
    roads = gpd.GeoDataFrame(
        {"name": ["G328", "G328"], "class": ["国道"] * 2, "from_km": [250.0, 257.0]}
        | {"to_km": [257.0, 265.0]},
        geometry=[
            shapely.LineString([(x, y), (x + 7000, y)]),
            shapely.LineString([(x + 7000, y), (x + 15000, y)]),
        ],
        crs=4549,
    )
    cams = gpd.GeoDataFrame(
        {"kind": ["视频监控"] * 2 + ["卡口"], "road": "G328", "stake_km": [251.0, 259.0, 258.0]},
        geometry=[shapely.Point(x + d, y) for d in (1000, 9000, 8000)],
        crs=4549,
    )
    gaps = camera_gaps(cams, roads, max_gap_km=10)
    video = gaps[gaps["kind"] == "视频监控"]
    assert list(zip(video["from_km"], video["to_km"], strict=True)) == [
        (250.0, 251.0),
        (251.0, 259.0),
        (259.0, 265.0),
    ]
    assert not gaps["exceeds"].any()
