"""Each target metric on tiny hand-made layers with answers worked out by hand."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gisdesk.analysis.targets.metrics import METRICS, run_metric
from gisdesk.analysis.targets.metrics._common import of_kinds, unit_notes, unit_rows
from gisdesk.analysis.targets.metrics.air import (
    key_zone_fume_upgrades,
    key_zone_low_efficiency_exits,
    key_zone_machinery_tested,
    petrol_vapour_recovery,
)
from gisdesk.analysis.targets.metrics.devices import (
    camera_max_gap,
    listed_segments_under_video,
    persuasion_town_stations,
    persuasion_village_stations,
)
from gisdesk.analysis.targets.metrics.medical import (
    demo_points_count,
    demo_site_floor_area,
    towns_at_demo_grade,
    towns_with_standardised_station,
    villages_within_minutes,
)
from gisdesk.analysis.targets.metrics.rental import (
    rental_closures,
    rental_efficiency_classified,
    rental_registered_classified,
)
from gisdesk.analysis.targets.metrics.roads import (
    closed_loop_progress,
    listed_items_per_town,
    listed_segments_yoy,
    road_deaths,
    segment_stages,
    water_adjacent_measures,
)
from gisdesk.analysis.targets.metrics.sewage import (
    sewage_districts_completed,
    sewage_households_treated,
    villages_dual_standard,
)
from gisdesk.analysis.targets.result import MetricResult, MissingInput, UnitValue
from tests.analysis.networks import grid_roads

X0, Y0 = 560_000.0, 3_530_000.0  # around Haimen, EPSG:4549 metres
AS_OF = date(2022, 12, 31)


def pt(dx: float, dy: float) -> shapely.Point:
    """Return a point dx, dy metres from the origin."""
    return shapely.Point(X0 + dx, Y0 + dy)


def line(*xy: tuple[float, float]) -> shapely.LineString:
    """Return a line through points given in metres from the origin."""
    return shapely.LineString([(X0 + x, Y0 + y) for x, y in xy])


def layer(columns: dict[str, Any], geoms: Sequence[Any]) -> gpd.GeoDataFrame:
    """Return a layer built in metres and stored, as projects store it, in EPSG:4490."""
    return gpd.GeoDataFrame(columns, geometry=list(geoms), crs=4549).to_crs(4490)


def towns_layer(*names: str, aliases: dict[str, str] | None = None) -> gpd.GeoDataFrame:
    aliases = aliases or {}
    squares = [
        shapely.box(X0 + i * 5000, Y0, X0 + (i + 1) * 5000, Y0 + 5000) for i in range(len(names))
    ]
    return layer({"name": list(names), "alias": [aliases.get(n) for n in names]}, squares)


def by_unit(result: MetricResult) -> dict[str, UnitValue]:
    return {u.unit: u for u in result.units}


# --- medical ---------------------------------------------------------------------------


def service_points(rows: Sequence[dict[str, Any]]) -> gpd.GeoDataFrame:
    cols = {
        k: [r.get(k) for r in rows]
        for k in ("level", "town", "standardised", "demo_grade", "floor_area_m2", "opened_date")
    }
    return layer(cols, [pt(100 * i, 0) for i in range(len(rows))])


def test_standardised_station_per_town_with_gaps_and_opening_date():
    sp = service_points(
        [
            {"level": "镇级服务站", "town": "甲镇", "standardised": True},
            {"level": "镇级服务站", "town": "乙镇", "standardised": False},
            {"level": "村级服务点", "town": "丙镇", "standardised": True},
            {
                "level": "镇级服务站",
                "town": "丁镇",
                "standardised": True,
                "opened_date": date(2023, 1, 5),
            },
        ]
    )
    towns = towns_layer("甲镇", "乙镇", "丙镇", "丁镇")
    got = by_unit(towns_with_standardised_station(sp, towns, as_of=AS_OF))
    assert [got[t].value for t in ("甲镇", "乙镇", "丙镇", "丁镇")] == [100.0, 0.0, 0.0, 0.0]
    assert got["乙镇"].gaps[0].layer == "service_points" and got["乙镇"].gaps[0].rows == (1,)
    assert got["丙镇"].gaps[0].layer == "towns" and got["丙镇"].gaps[0].rows == (2,)
    assert "没有镇级医保服务站" in got["丁镇"].note_zh  # opened after as_of
    later = by_unit(towns_with_standardised_station(sp, towns, as_of=date(2023, 2, 1)))
    assert later["丁镇"].value == 100.0


def test_demo_grade_resolves_park_alias_and_limits_towns():
    sp = service_points(
        [
            {"level": "镇级服务站", "town": "包场镇", "demo_grade": "市级示范"},
            {"level": "镇级服务站", "town": "海门街道", "demo_grade": "省级示范"},
            {"level": "镇级服务站", "town": "三星镇", "demo_grade": "无"},
        ]
    )
    towns = towns_layer("海门街道", "包场镇", "三星镇", aliases={"包场镇": "海门港新区"})
    every = by_unit(towns_at_demo_grade(sp, towns, as_of=AS_OF))
    assert {k: v.value for k, v in every.items()} == {
        "海门街道": 100.0,
        "包场镇": 100.0,
        "三星镇": 0.0,
    }
    named = towns_at_demo_grade(
        sp, towns, as_of=AS_OF, grades=["省级示范"], only_towns=["海门街道", "海门港新区"]
    )
    assert {u.unit: u.value for u in named.units} == {"海门街道": 100.0, "包场镇": 0.0}


def test_demo_points_count_counts_village_points_of_the_grade():
    sp = service_points(
        [{"level": "村级服务点", "demo_grade": "区级示范"}] * 3
        + [
            {"level": "村级服务点", "demo_grade": "市级示范"},
            {"level": "镇级服务站", "demo_grade": "区级示范"},
        ]
    )
    assert demo_points_count(sp, as_of=AS_OF).units[0].value == 3.0
    assert demo_points_count(sp, as_of=AS_OF, grades=["区级示范", "市级示范"]).units[0].value == 4.0


def test_demo_site_floor_area_smallest_and_unknown():
    sp = service_points(
        [
            {
                "level": "镇级服务站",
                "town": "甲镇",
                "demo_grade": "市级示范",
                "floor_area_m2": 120.0,
            },
            {
                "level": "村级服务点",
                "town": "甲镇",
                "demo_grade": "市级示范",
                "floor_area_m2": 100.0,
            },
            {
                "level": "镇级服务站",
                "town": "乙镇",
                "demo_grade": "市级示范",
                "floor_area_m2": 85.0,
            },
            {
                "level": "镇级服务站",
                "town": "丙镇",
                "demo_grade": "省级示范",
                "floor_area_m2": None,
            },
            {"level": "镇级服务站", "town": "丁镇", "demo_grade": "无", "floor_area_m2": 20.0},
        ]
    )
    got = by_unit(demo_site_floor_area(sp, as_of=AS_OF))
    assert got["甲镇"].value == 100.0 and not got["甲镇"].gaps  # exactly 100 m2 is enough
    assert got["乙镇"].value == 85.0 and got["乙镇"].gaps[0].rows == (2,)
    assert got["丙镇"].missing_zh  # no area recorded: no value, not a made-up one
    assert "丁镇" not in got  # no demonstration site: not applicable
    assert got["全区"].value == 85.0


@pytest.fixture(scope="module")
def grid() -> gpd.GeoDataFrame:
    """A 10 x 10 grid of 300 m blocks (built once: the network is cached by content)."""
    roads = grid_roads(10, 10, spacing=300, seed=2)
    roads["class"] = "村道"
    return roads.to_crs(4490)


def test_villages_within_minutes_by_mode_and_town(grid):
    # The grid starts at the origin; the service point sits on its corner.
    sp = layer({"level": ["村级服务点"], "town": ["甲镇"]}, [pt(0, 10)])
    villages = layer(
        {
            "name": ["近村", "中村", "远村", "荒村"],
            "town": ["甲镇", "甲镇", "乙镇", "乙镇"],
            "households": [100, 200, 300, 400],
            "population": [300, 600, 900, 1200],
        },
        [pt(300, 10), pt(2400, 10), pt(1500, 1500), pt(9000, 9000)],  # 荒村 is off the network
    )
    towns = towns_layer("甲镇", "乙镇", "丙镇")
    ebike = by_unit(villages_within_minutes(villages, sp, grid, towns, as_of=AS_OF))
    assert ebike["甲镇"].value == 100.0
    assert ebike["乙镇"].value == 50.0  # 3 km at 20 km/h is 9 minutes; 荒村 is off the roads
    assert ebike["丙镇"].missing_zh and math.isnan(ebike["丙镇"].value)  # a town without villages
    assert ebike["全区"].numerator == 3 and ebike["全区"].denominator == 4
    assert {g.rows for g in ebike["全区"].gaps} == {(3,)}
    walk = by_unit(villages_within_minutes(villages, sp, grid, towns, as_of=AS_OF, mode="walk"))
    assert walk["甲镇"].value == 50.0  # 2.4 km on foot takes 29 minutes
    assert walk["乙镇"].value == 0.0


def test_villages_within_minutes_without_open_points(grid):
    sp = layer({"level": ["村级服务点"], "opened_date": [date(2023, 3, 1)]}, [pt(0, 10)])
    villages = layer({"name": ["近村"], "town": ["甲镇"]}, [pt(300, 10)])
    got = by_unit(villages_within_minutes(villages, sp, grid, as_of=AS_OF))
    assert got["甲镇"].value == 0.0


# --- roads -------------------------------------------------------------------------------


def segments(rows: Sequence[dict[str, Any]], geoms: Sequence[Any]) -> gpd.GeoDataFrame:
    keys = (
        "segment_id",
        "name",
        "road",
        "town",
        "status",
        "listed_level",
        "water_adjacent",
        "listed_date",
        "reviewed_date",
        "rectified_date",
        "accepted_date",
        "closed_date",
    )
    return layer({k: [r.get(k) for r in rows] for k in keys}, geoms)


def accidents(rows: Sequence[tuple[float, float, str, str, int]]) -> gpd.GeoDataFrame:
    """Rows: x, y, date, procedure, deaths."""
    return layer(
        {
            "date": [np.datetime64(r[2]) for r in rows],
            "procedure": [r[3] for r in rows],
            "deaths": [r[4] for r in rows],
        },
        [pt(r[0], r[1]) for r in rows],
    )


def test_listed_segments_yoy_exactly_ten_percent_and_edge_cases():
    seg = segments(
        [
            {"segment_id": "S1", "name": "一号路段", "town": "甲镇"},
            {"segment_id": "S2", "name": "二号路段", "town": "乙镇"},
            {"segment_id": "S3", "name": "三号路段", "town": "乙镇"},
        ],
        [line((0, 0), (1000, 0)), line((0, 5000), (1000, 5000)), line((0, 9000), (1000, 9000))],
    )
    rows = [(100 * i, 20, "2021-03-01", "一般程序", 0) for i in range(10)]
    rows += [(100 * i, -30, "2022-03-01", "一般程序", 0) for i in range(9)]
    rows += [(500, 80, "2022-04-01", "一般程序", 0)]  # 80 m away: not on the segment
    rows += [(500, 0, "2022-04-01", "简易程序", 0)]  # summary procedure: not counted
    rows += [(500, 9000, "2022-05-01", "一般程序", 1), (600, 9000, "2022-05-02", "一般程序", 0)]
    got = by_unit(listed_segments_yoy(seg, accidents(rows), as_of=AS_OF))
    assert got["一号路段"].value == pytest.approx(-10.0)
    assert (got["一号路段"].numerator, got["一号路段"].denominator) == (9, 10)
    assert got["二号路段"].ok is True and got["二号路段"].value == 0.0  # none in either year
    assert got["三号路段"].ok is False and math.isnan(got["三号路段"].value)  # 0 -> 2
    assert got["全区"].numerator == 11 and got["全区"].denominator == 10
    fatal = by_unit(listed_segments_yoy(seg, accidents(rows), as_of=AS_OF, measure="fatal"))
    assert fatal["三号路段"].numerator == 1 and fatal["一号路段"].ok is True


def test_listed_segments_yoy_compares_the_same_days_mid_year():
    seg = segments([{"segment_id": "S1", "name": "一号路段"}], [line((0, 0), (1000, 0))])
    rows = [(100, 0, "2021-02-01", "一般程序", 0), (200, 0, "2021-09-01", "一般程序", 0)]
    rows += [(300, 0, "2022-02-01", "一般程序", 0)]
    got = by_unit(listed_segments_yoy(seg, accidents(rows), as_of=date(2022, 6, 30)))
    assert (got["一号路段"].numerator, got["一号路段"].denominator) == (1, 1)
    # Once the deadline has passed, the whole target year is measured.
    after = by_unit(
        listed_segments_yoy(seg, accidents(rows), as_of=date(2023, 3, 1), deadline=AS_OF)
    )
    assert after["一号路段"].denominator == 2


def test_listed_segments_yoy_needs_its_field():
    seg = segments([{"segment_id": "S1"}], [line((0, 0), (10, 0))])
    acc = accidents([(0, 0, "2022-01-01", "一般程序", 0)]).drop(columns="procedure")
    result = listed_segments_yoy(seg, acc, as_of=AS_OF)
    assert result.missing == [MissingInput("accidents", "procedure")]


def test_road_deaths_and_pace():
    rows = [(0, 0, "2022-01-10", "一般程序", 2), (0, 0, "2022-03-01", "一般程序", 1)]
    rows += [(0, 0, "2021-12-31", "一般程序", 5), (0, 0, "2022-08-01", "一般程序", 4)]
    unit = road_deaths(accidents(rows), as_of=date(2022, 6, 30)).units[0]
    assert unit.value == 3.0
    assert unit.projected == pytest.approx(3 * 365 / 181)
    assert unit.gaps[0].rows == (0, 1)


def test_deaths_of_new_years_night_stamped_in_beijing_time_count_in_the_new_year():
    # A GeoJSON's "2022-01-01T00:30:00+08:00" reads as a zoned time stamp: taken in UTC it
    # fell on 2021-12-31 and left the year's count one death short.
    acc = accidents([(0, 0, "2022-06-01", "一般程序", 1), (0, 0, "2022-01-01", "一般程序", 1)])
    for stamps in (
        ["2022-06-01T10:00:00+08:00", "2022-01-01T00:30:00+08:00"],
        ["2022-06-01T02:00:00Z", "2021-12-31T16:30:00Z"],
    ):
        acc["date"] = pd.to_datetime(stamps)
        assert road_deaths(acc, as_of=date(2022, 12, 31)).units[0].value == 2.0


def test_text_dates_of_several_formats_and_zones_are_all_read():
    from gisdesk.analysis.targets.metrics._common import days

    frame = pd.DataFrame(
        {
            # the format was taken from the first value: the others became "no date"
            "formats": ["2022-01-05", "2022/2/3", "20220301", "2022-12-31 08:00"],
            # a zone mixed with local times raised a bare TypeError
            "zones": ["2022-01-01T00:30:00+08:00", "2022-12-31", None, "x"],
        }
    )
    assert days(frame, "formats").astype(str).tolist() == [
        "2022-01-05",
        "2022-02-03",
        "2022-03-01",
        "2022-12-31",
    ]
    assert days(frame, "zones").astype(str).tolist() == ["2022-01-01", "2022-12-31", "NaT", "NaT"]


def test_listed_items_per_town_counts_this_years_listings():
    seg = segments(
        [{"town": "甲镇", "listed_date": date(2022, m, 1)} for m in (1, 2, 3, 4, 5)]
        + [
            {"town": "甲镇", "listed_date": date(2021, 6, 1)},
            {"town": "乙镇", "listed_date": date(2022, 6, 1)},
        ],
        [line((0, 100 * i), (100, 100 * i)) for i in range(7)],
    )
    got = by_unit(listed_items_per_town(seg, towns_layer("甲镇", "乙镇", "丙镇"), as_of=AS_OF))
    assert (got["甲镇"].value, got["乙镇"].value, got["丙镇"].value) == (5.0, 1.0, 0.0)
    assert got["丙镇"].gaps[0].layer == "towns"


def test_closed_loop_stages_and_record_problems():
    d = date
    seg = segments(
        [
            {
                "name": "销号",
                "status": "销号",
                "listed_date": d(2022, 1, 1),
                "reviewed_date": d(2022, 2, 1),
                "rectified_date": d(2022, 3, 1),
                "accepted_date": d(2022, 4, 1),
                "closed_date": d(2022, 5, 1),
            },
            {
                "name": "整改",
                "status": "整改",
                "listed_date": d(2022, 1, 1),
                "reviewed_date": d(2022, 2, 1),
                "rectified_date": d(2022, 12, 1),
            },
            {
                "name": "缺日期",
                "status": "验收",
                "listed_date": d(2022, 1, 1),
                "reviewed_date": d(2022, 2, 1),
                "rectified_date": d(2022, 3, 1),
            },
            {
                "name": "颠倒",
                "status": "销号",
                "listed_date": d(2022, 1, 1),
                "reviewed_date": d(2022, 2, 1),
                "rectified_date": d(2022, 3, 1),
                "accepted_date": d(2022, 2, 15),
                "closed_date": d(2022, 5, 1),
            },
        ],
        [line((0, 100 * i), (100, 100 * i)) for i in range(4)],
    )
    stages, problems = segment_stages(seg, as_of=AS_OF)
    assert stages.tolist() == [5, 3, 4, 5]
    assert problems[0] == "" and "验收" in problems[2] and "颠倒" in problems[3]
    # Earlier, the dates decide how far each item had come.
    assert segment_stages(seg, as_of=d(2022, 3, 15))[0].tolist()[:2] == [3, 2]
    got = by_unit(closed_loop_progress(seg, as_of=AS_OF))
    assert got["销号"].value == 100.0 and got["销号"].ok is None
    assert got["整改"].value == 60.0 and got["整改"].on_track is True  # last step 30 days ago
    assert got["颠倒"].ok is False  # closed on paper, but the record is not consistent
    stalled = by_unit(closed_loop_progress(seg, as_of=d(2022, 11, 1)))
    assert stalled["整改"].on_track is False  # nothing since 1 February


def test_water_adjacent_measures_only_water_segments():
    seg = segments(
        [
            {
                "name": "临水甲",
                "water_adjacent": True,
                "status": "验收",
                "listed_date": date(2022, 1, 1),
                "reviewed_date": date(2022, 2, 1),
                "rectified_date": date(2022, 3, 1),
                "accepted_date": date(2022, 4, 1),
            },
            {
                "name": "临水乙",
                "water_adjacent": True,
                "status": "会商",
                "listed_date": date(2022, 1, 1),
                "reviewed_date": date(2022, 2, 1),
            },
            {
                "name": "旱路",
                "water_adjacent": False,
                "status": "排查",
                "listed_date": date(2022, 1, 1),
            },
        ],
        [line((0, 100 * i), (100, 100 * i)) for i in range(3)],
    )
    got = by_unit(water_adjacent_measures(seg, as_of=AS_OF))
    assert set(got) == {"临水甲", "临水乙"}
    assert (got["临水甲"].value, got["临水乙"].value) == (100.0, 0.0)


# --- devices -----------------------------------------------------------------------------


def cameras(
    rows: Sequence[tuple[str, str, float, bool]], xy: Sequence[Any] | None = None
) -> gpd.GeoDataFrame:
    """Rows: kind, road, stake_km, online."""
    geoms = xy or [pt(r[2] * 1000, 0) for r in rows]
    return layer(
        {
            "kind": [r[0] for r in rows],
            "road": [r[1] for r in rows],
            "stake_km": [r[2] for r in rows],
            "online": [r[3] for r in rows],
        },
        geoms,
    )


def test_camera_max_gap_per_road_with_ends_and_gap_features():
    roads = layer(
        {
            "name": ["G1", "G1", "G1", "X9"],
            "class": ["国道", "国道", "国道", "县道"],
            "from_km": [0.0, 10.0, 20.0, 0.0],
            "to_km": [10.0, 20.0, 30.0, 5.0],
        },
        [
            line((0, 0), (10000, 0)),
            line((10000, 0), (20000, 0)),
            line((20000, 0), (30000, 0)),
            line((0, 500), (5000, 500)),
        ],
    )
    cams = cameras(
        [("视频监控", "G1", km, True) for km in (2.0, 8.0, 20.0, 28.0)]
        + [("卡口", "G1", km, True) for km in (5.0, 14.0, 23.0)]
    )
    got = by_unit(camera_max_gap(cams, roads, as_of=AS_OF))
    assert set(got) == {"G1", "全区"}  # the county road X9 is not covered by ROAD-6
    assert got["G1"].value == pytest.approx(12.0)
    camera_gap = next(g for g in got["G1"].gaps if g.layer == "cameras")
    assert camera_gap.rows == (1, 2)  # the cameras at K8 and K20
    road_gap = next(g for g in got["G1"].gaps if g.layer == "roads")
    assert road_gap.rows == (0, 1)
    # Checkpoints alone: 5, 9, 9 and 7 km apart, the end stretches included.
    only_checkpoints = by_unit(camera_max_gap(cams, roads, as_of=AS_OF, kinds=["卡口"]))
    assert only_checkpoints["G1"].value == pytest.approx(9.0)


def test_camera_max_gap_from_the_roads_first_stake():
    # A road in the district from K250 to K265: the gap before the first device is 1 km,
    # not the 251 km from K0.
    roads = layer(
        {"name": ["G328"] * 2, "class": ["国道"] * 2, "from_km": [250.0, 257.0]}
        | {"to_km": [257.0, 265.0]},
        [line((0, 0), (7000, 0)), line((7000, 0), (15000, 0))],
    )
    cams = cameras(
        [
            ("视频监控", "G328", 251.0, True),
            ("视频监控", "G328", 259.0, True),
            ("卡口", "G328", 258.0, True),
        ],
        [pt(1000, 0), pt(9000, 0), pt(8000, 0)],
    )
    unit = camera_max_gap(cams, roads, as_of=AS_OF).units[0]
    assert unit.value == 8.0 and not unit.gaps
    assert "K250.0–K258.0" in unit.note_zh


def test_camera_max_gap_without_roads_layer_uses_device_road_names():
    cams = cameras(
        [
            ("视频监控", "S5", 1.0, True),
            ("视频监控", "S5", 11.0, True),
            ("视频监控", "X1", 3.0, True),
        ]
    )
    got = by_unit(camera_max_gap(cams, as_of=AS_OF, kinds=["视频监控"]))
    assert set(got) == {"S5", "全区"}
    assert got["S5"].value == pytest.approx(10.0)  # exactly at the limit


def test_video_on_listed_segments_both_ends_connected():
    seg = segments(
        [{"segment_id": f"S{i}", "name": f"路段{i}"} for i in range(3)],
        [line((0, 0), (1000, 0)), line((0, 3000), (1000, 3000)), line((0, 6000), (1000, 6000))],
    )
    cams = cameras(
        [
            ("视频监控", "", 0.0, True),
            ("视频监控", "", 0.0, True),  # segment 0: both ends
            ("视频监控", "", 0.0, True),  # segment 1: one end only
            ("视频监控", "", 0.0, False),
            ("视频监控", "", 0.0, False),  # segment 2: both ends, not connected
            ("卡口", "", 0.0, True),
        ],
        xy=[pt(0, 50), pt(1000, 50), pt(0, 3050), pt(0, 6050), pt(1000, 6050), pt(1000, 3050)],
    )
    got = by_unit(listed_segments_under_video(seg, cams, as_of=AS_OF))
    assert [got[f"路段{i}"].value for i in range(3)] == [100.0, 0.0, 0.0]
    assert "未联网 2" in got["路段2"].note_zh
    assert {g.layer for g in got["路段2"].gaps} == {"accident_segments", "cameras"}
    anywhere = by_unit(listed_segments_under_video(seg, cams, as_of=AS_OF, rule="any"))
    assert anywhere["路段1"].value == 100.0


def test_persuasion_stations_for_towns_and_villages():
    stations = layer(
        {
            "level": [1, 3, 3, 3, 2],
            "town": ["甲镇", "甲镇", "乙镇", "乙镇", "乙镇"],
            "village": [None, "一村", "三村", None, None],
        },
        [pt(0, 0), pt(100, 0), pt(5100, 0), pt(6000, 0), pt(7000, 0)],
    )
    villages = layer(
        {"name": ["一村", "二村", "三村", "四村"], "town": ["甲镇", "甲镇", "乙镇", "乙镇"]},
        [pt(100, 50), pt(2000, 0), pt(5000, 0), pt(6200, 0)],
    )
    towns = towns_layer("甲镇", "乙镇", "丙镇")
    town = by_unit(persuasion_town_stations(stations, towns, as_of=AS_OF))
    assert (town["甲镇"].value, town["乙镇"].value, town["丙镇"].value) == (1.0, 1.0, 0.0)
    village = by_unit(persuasion_village_stations(stations, villages, towns, as_of=AS_OF))
    # 一村 and 三村 by name; 四村 by the unnamed level-3 station 200 m away; 二村 has none.
    assert (village["甲镇"].value, village["乙镇"].value) == (50.0, 100.0)
    assert village["全区"].gaps[0].rows == (1,)


# --- air ---------------------------------------------------------------------------------


def air_layers() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    stations = layer(
        {
            "code": ["N1", "P1", "T1"],
            "name": ["国控站", "省控站", "镇级站"],
            "level": ["国控", "省控", "镇级"],
            "town": ["甲镇", "乙镇", "丙镇"],
        },
        [pt(0, 0), pt(20000, 0), pt(40000, 0)],
    )
    e = layer(
        {
            "kind": [
                "建筑工地",
                "工业企业",
                "工业企业",
                "餐饮",
                "建筑工地",
                "低效用地",
                "低效用地",
                "低效用地",
                "餐饮",
                "餐饮",
                "加油站",
                "加油站",
            ],
            "machinery_tested_date": [
                date(2022, 3, 1),
                date(2021, 5, 1),
                date(2022, 2, 1),
                None,
                date(2022, 1, 1),
                None,
                None,
                None,
                None,
                None,
                None,
                None,
            ],
            "exited_date": [
                None,
                None,
                None,
                None,
                None,
                date(2022, 5, 1),
                date(2021, 6, 1),
                None,
                None,
                None,
                None,
                None,
            ],
            "fume_upgraded": [False] * 8 + [True, False, False, False],
            "vapour_recovery_stage3": [False] * 10 + [True, False],
        },
        [
            pt(1000, 0),
            pt(0, 2900),
            pt(3500, 0),
            pt(1000, 0),
            pt(40000, 100),
            pt(20000, 1000),
            pt(20000, 2000),
            pt(21000, 0),
            pt(20000, 2999),
            pt(19000, 0),
            pt(9000, 9000),
            pt(9100, 9000),
        ],
    )
    return stations, e


def test_machinery_tested_in_key_zones():
    stations, e = air_layers()
    got = by_unit(key_zone_machinery_tested(stations, e, as_of=AS_OF))
    # 国控站: the site at 1 km was tested this year, the enterprise at 2.9 km last year; the
    # one at 3.5 km is outside; the town station has no key zone.
    assert got["国控站"].value == 50.0 and got["国控站"].gaps[0].rows == (1,)
    assert got["省控站"].missing_zh  # no sites in that zone
    assert set(got) == {"国控站", "省控站", "全区"}
    assert got["全区"].denominator == 2


def test_low_efficiency_exits_yearly_and_cumulative():
    stations, e = air_layers()
    yearly = by_unit(key_zone_low_efficiency_exits(stations, e, as_of=AS_OF))
    # Of the two still there on 1 January, one left in 2022.
    assert yearly["省控站"].value == 50.0
    total = by_unit(key_zone_low_efficiency_exits(stations, e, as_of=AS_OF, cumulative=True))
    assert total["省控站"].value == pytest.approx(200 / 3)


def test_fume_upgrades_and_petrol_stations():
    stations, e = air_layers()
    fume = key_zone_fume_upgrades(stations, e, as_of=AS_OF).units[0]
    assert (
        fume.value == 1.0 and fume.denominator == 2
    )  # outlets near the national station do not count
    petrol = petrol_vapour_recovery(e, as_of=AS_OF).units[0]
    assert (petrol.value, petrol.denominator) == (1.0, 2)


# --- sewage ------------------------------------------------------------------------------


def test_dual_standard_thresholds_unknowns_and_empty_town():
    villages = layer(
        {
            "name": ["一村", "二村", "三村", "四村"],
            "town": ["甲镇", "甲镇", "甲镇", "乙镇"],
            "sewage_treated_share": [60.0, 59.9, None, 80.0],
            "sewage_normal_operation_share": [60.0, 90.0, 70.0, 61.0],
        },
        [pt(100 * i, 0) for i in range(4)],
    )
    towns = towns_layer("甲镇", "乙镇", "丙镇")
    got = by_unit(villages_dual_standard(villages, towns, as_of=AS_OF))
    assert got["甲镇"].value == pytest.approx(100 / 3)  # exactly 60/60 meets it
    assert "1 个村缺少" in got["甲镇"].note_zh
    assert got["丙镇"].missing_zh
    assert got["全区"].value == 50.0
    looser = by_unit(villages_dual_standard(villages, towns, as_of=AS_OF, treated_min=50.0))
    assert looser["甲镇"].value == pytest.approx(200 / 3)


def test_sewage_districts_completed_and_households():
    d = layer(
        {
            "name": ["一片", "二片", "三片"],
            "status": ["已验收", "完工", "在建"],
            "completed_date": [date(2022, 8, 1), date(2022, 12, 1), None],
            "households_planned": [100, 200, 0],
            "households_treated": [100, 50, 0],
        },
        [shapely.box(X0, Y0, X0 + 10, Y0 + 10)] * 3,
    )
    got = by_unit(sewage_districts_completed(d, as_of=date(2022, 11, 30)))
    assert (got["一片"].value, got["二片"].value, got["三片"].value) == (100.0, 0.0, 0.0)
    assert got["全区"].value == 1.0 and got["一片"].threshold == 100.0
    hh = by_unit(sewage_households_treated(d, as_of=AS_OF))
    assert hh["二片"].value == 25.0 and hh["三片"].missing_zh
    assert hh["全区"].value == pytest.approx(50.0)


def test_feature_units_are_named_by_name_else_identifier_else_row():
    d = layer(
        {
            "name": ["一片", None, " "],
            "district_id": ["WS-1", "WS-2", None],
            "status": ["完工", "在建", "在建"],
        },
        [shapely.box(X0, Y0, X0 + 10, Y0 + 10)] * 3,
    )
    units = sewage_districts_completed(d, as_of=AS_OF).units
    assert [(u.unit, u.unit_id) for u in units[:3]] == [
        ("一片", "WS-1"),
        ("WS-2", "WS-2"),
        ("#2", ""),
    ]


# --- rental factories --------------------------------------------------------------------


def factories() -> gpd.GeoDataFrame:
    return layer(
        {
            "town": ["甲镇", "甲镇", "乙镇", "乙镇", "乙镇"],
            "registered": [True, False, True, True, None],
            "category": ["规范", "规范", "清理", "清理", "提升"],
            "status": ["已整改", "整改中", "已关停", "整改中", "未整改"],
            "efficiency_class": ["A", "D", None, "D", "B"],
            "deadline": [
                date(2022, 6, 1),
                date(2022, 6, 1),
                date(2022, 6, 1),
                date(2022, 6, 1),
                date(2023, 6, 1),
            ],
        },
        [pt(100 * i, 0) for i in range(5)],
    )


def test_rental_registration_closures_and_class_d():
    towns = towns_layer("甲镇", "乙镇")
    reg = by_unit(rental_registered_classified(factories(), towns, as_of=AS_OF))
    assert reg["甲镇"].value == 50.0 and reg["乙镇"].value == pytest.approx(200 / 3)
    closing = by_unit(rental_closures(factories(), towns, as_of=AS_OF))
    assert closing["甲镇"].missing_zh  # nothing to clear there
    assert closing["乙镇"].value == 50.0 and closing["乙镇"].on_track is False  # one overdue
    classes = by_unit(rental_efficiency_classified(factories(), towns, as_of=AS_OF))
    assert classes["乙镇"].value == pytest.approx(200 / 3)
    flagged = [g for g in classes["全区"].gaps if g.reason_zh.startswith("D类")]
    assert flagged[0].rows == (1, 3)


# --- the registry ------------------------------------------------------------------------


def test_run_metric_names_missing_layers_and_fields():
    spec = METRICS["villages_dual_standard"]
    assert run_metric(spec, {}, as_of=AS_OF, deadline=None).missing == [MissingInput("villages")]
    v = layer({"town": ["甲镇"], "sewage_treated_share": [70.0]}, [pt(0, 0)])
    missing = run_metric(spec, {"villages": v}, as_of=AS_OF, deadline=None).missing
    assert missing == [MissingInput("villages", "sewage_normal_operation_share")]
    v["sewage_normal_operation_share"] = None
    empty = run_metric(spec, {"villages": v}, as_of=AS_OF, deadline=None).missing
    assert empty == [MissingInput("villages", "sewage_normal_operation_share", empty=True)]
    assert "缺少字段" in missing[0].message("zh", field_title="设施正常运行率")


def test_every_metric_declares_its_layers_and_options():
    for name, spec in METRICS.items():
        assert spec.needs, name
        assert spec.func.__doc__, name
        assert "as_of" not in spec.options and "deadline" not in spec.options


def test_yes_no_columns_of_every_kind():
    import pandas as pd

    from gisdesk.analysis.targets.metrics._common import days, flags

    frame = pd.DataFrame(
        {
            "nullable": pd.array([True, None, False], dtype="boolean"),
            "objects": [True, None, "是"],
            "numbers": [1.0, 0.0, None],
            "dates": ["2022-01-01", None, "not a date"],
        }
    )
    assert flags(frame, "nullable").tolist() == [True, False, False]
    assert flags(frame, "objects").tolist() == [True, False, True]
    assert flags(frame, "numbers").tolist() == [True, False, False]
    assert flags(frame, "absent").tolist() == [False, False, False]
    assert np.isnat(days(frame, "dates")).tolist() == [False, True, True]


def test_unit_rows_and_notes_cover_each_town_and_the_whole_district():
    where = np.array(["常乐镇", "悦来镇", "常乐镇"], dtype=object)
    assert unit_rows(where, "常乐镇").tolist() == [True, False, True]
    assert unit_rows(where, "全区").tolist() == [True, True, True]
    notes = unit_notes(
        where,
        ["常乐镇", "悦来镇", "三厂街道"],
        lambda name, here: (f"{name} {int(here.sum())}", "n") if here.any() else None,
    )
    assert notes == {
        "常乐镇": ("常乐镇 2", "n"),
        "悦来镇": ("悦来镇 1", "n"),
        "全区": ("全区 3", "n"),
    }


def test_of_kinds_keeps_every_feature_without_kinds():
    villages = gpd.GeoDataFrame({"kind": ["村", "社区", None]}, geometry=[None] * 3)
    assert of_kinds(villages, None).tolist() == [True, True, True]
    assert of_kinds(villages, ["村"]).tolist() == [True, False, False]
