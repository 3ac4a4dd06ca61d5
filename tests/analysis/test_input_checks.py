"""The analyses check their inputs at their boundary, for the window and the CLI alike.

An empty layer, or a parameter that is not a finite number within its stated range, is an
:class:`InputError` whose Chinese and English messages name the layer or the parameter and
its range; no result that only reflects the bad input, and no numpy error.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely

import gisdesk.analysis.blackspots.density as density_module
import gisdesk.analysis.service_areas as service_areas_module
from gisdesk.analysis._checks import check_metres, check_not_empty, check_number, check_positive
from gisdesk.analysis.blackspots.cameras import camera_gaps
from gisdesk.analysis.blackspots.density import density_raster, network_density
from gisdesk.analysis.blackspots.screening import SeverityWeights, screen_accidents
from gisdesk.analysis.service_areas import service_areas, travel_time_grid
from gisdesk.analysis.siting import site_facilities
from gisdesk.analysis.speeds import mode_speeds
from gisdesk.analysis.zones import check_zone_inputs, station_zones, zone_members
from gisdesk.core.errors import InputError
from tests.analysis.networks import grid_roads, random_points
from tests.analysis.test_blackspots_data import accidents_at, straight_roads

BAD_NUMBERS = [math.inf, -math.inf, math.nan, "abc", None, True]


@pytest.fixture(scope="module")
def network():
    roads = grid_roads(6, 6, spacing=300, seed=2)
    demand = random_points(roads, 20, seed=3, spread=0)
    facilities = demand.iloc[:2].copy()
    return roads, facilities, demand


def _empty(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.iloc[:0]


# --- the shared helpers -------------------------------------------------------------------


def test_check_number_accepts_the_range_and_states_it():
    assert (
        check_number(15, what_zh="时间", what_en="The time", low=0, high=240, low_open=True) == 15.0
    )
    assert check_number(0, what_zh="x", what_en="x", low=0, high=1) == 0.0
    with pytest.raises(InputError) as err:
        check_number(
            1e9,
            what_zh="时间限值",
            what_en="The time limit",
            low=0,
            high=240,
            unit_zh="分钟",
            unit_en="minutes",
            low_open=True,
        )
    assert err.value.zh == "时间限值须为大于 0 分钟且不大于 240 分钟的数值（收到 1e+09）。"
    assert err.value.en == (
        "The time limit must be a finite number above 0 minutes and at most 240 minutes "
        "(got 1e+09)."
    )
    with pytest.raises(InputError, match="whole number"):
        check_number(2.5, what_zh="k", what_en="k", low=0, high=10, integer=True)


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_check_number_refuses_what_is_not_a_finite_number(value):
    with pytest.raises(InputError, match="finite number"):
        check_number(value, what_zh="值", what_en="The value", low=-1e9, high=1e9)


def test_check_positive_refuses_zero_and_what_is_over_its_cap():
    assert check_positive(15, ("时间限值", "The time limit"), 240, ("分钟", "minutes")) == 15.0
    assert check_positive(240, ("时间限值", "The time limit"), 240, ("分钟", "minutes")) == 240.0
    with pytest.raises(InputError) as err:
        check_positive(0, ("时间限值", "The time limit"), 240, ("分钟", "minutes"))
    assert err.value.zh == "时间限值须为大于 0 分钟且不大于 240 分钟的数值（收到 0）。"
    assert err.value.en == (
        "The time limit must be a finite number above 0 minutes and at most 240 minutes (got 0)."
    )
    with pytest.raises(InputError) as err:
        check_positive(0.6, ("显著性水平", "The significance level"), 0.5)
    assert err.value.zh == "显著性水平须为大于 0 且不大于 0.5 的数值（收到 0.6）。"


def test_check_not_empty_names_the_layer(network):
    roads, _, _ = network
    check_not_empty(roads, what_zh="道路", what_en="road", needed_zh="算", needed_en="it")
    with pytest.raises(InputError) as err:
        check_not_empty(
            _empty(roads), what_zh="道路", what_en="road", needed_zh="算", needed_en="it", layer="r"
        )
    assert err.value.zh.startswith("道路图层“r”没有要素") and "layer 'r' has no" in err.value.en


# --- service areas and siting ---------------------------------------------------------------


@pytest.mark.parametrize("which", ["roads", "facilities", "demand"])
def test_service_areas_refuse_an_empty_layer(network, which):
    layers = dict(zip(("roads", "facilities", "demand"), network, strict=True))
    layers[which] = _empty(layers[which])
    with pytest.raises(InputError, match="has no features"):
        service_areas(layers["roads"], layers["facilities"], layers["demand"], polygons="none")


@pytest.mark.parametrize(
    ("option", "value", "text"),
    [
        ("minutes", math.inf, "time limit"),
        ("minutes", 1e9, "at most 240 minutes"),
        ("minutes", 0, "above 0 minutes"),
        ("speed_kmh", 1e6, "at most 150 km/h"),
        ("speed_kmh", -5, "above 0 km/h"),
        ("max_snap_m", math.nan, "maximum access distance"),
        ("walk_kmh", math.inf, "walking speed"),
        ("frontage_m", 0, "frontage width"),
    ],
)
def test_service_areas_refuse_absurd_options(network, option, value, text):
    roads, facilities, demand = network
    with pytest.raises(InputError, match=text):
        service_areas(roads, facilities, demand, polygons="none", **{option: value})


@pytest.mark.parametrize("module", [service_areas_module, density_module])
def test_each_raster_checks_cells_against_its_own_range(module):
    low, high = module.CELL_M_RANGE
    assert module.check_raster_cell(low) == low
    assert module.check_raster_cell(high) == high
    with pytest.raises(InputError, match=f"at least {low:g} m and at most 5000 m \\(got") as below:
        module.check_raster_cell(low * 0.9)
    assert f"不小于 {low:g} 米且不大于 5000 米" in below.value.zh
    for bad in (high * 1.01, *BAD_NUMBERS):
        with pytest.raises(InputError, match="raster cell size"):
            check_metres(bad, ("栅格单元大小", "The raster cell size"), module.CELL_M_RANGE)


def test_travel_time_raster_refuses_a_zero_or_huge_count_of_cells(network):
    roads, facilities, demand = network
    result = service_areas(roads, facilities, demand, polygons="none")
    assert travel_time_grid(result, cell_m=100).minutes.size > 0
    for cell in (0, -10, math.inf, 5, 1e6):
        with pytest.raises(InputError, match="raster cell size"):
            travel_time_grid(result, cell_m=cell)


@pytest.mark.parametrize(
    ("options", "text"),
    [
        ({"target_share": 80}, "at most 1 \\(got 80\\)"),
        ({"target_share": 0}, "share to cover"),
        ({"k": -1, "target_share": None}, "number of new sites"),
        ({"k": 2.5, "target_share": None}, "whole number"),
        ({"minutes": math.inf}, "time limit"),
    ],
)
def test_siting_refuses_absurd_goals(network, options, text):
    roads, facilities, demand = network
    with pytest.raises(InputError, match=text):
        site_facilities(roads, facilities, demand, demand, **options)


def test_siting_refuses_empty_facilities(network):
    roads, facilities, demand = network
    with pytest.raises(InputError, match="facility layer has no features"):
        site_facilities(roads, _empty(facilities), demand, demand)


def test_mode_speeds_checks_a_uniform_speed():
    assert mode_speeds("car", speed_kmh=50).default_kmh == 50
    with pytest.raises(InputError, match="km/h"):
        mode_speeds("car", speed_kmh=math.nan)


# --- zones ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stations():
    return gpd.GeoDataFrame(
        {"code": ["A", "B"], "name": ["国控站", "镇站"], "level": ["国控", "镇级"]},
        geometry=[shapely.Point(121.2, 31.9), shapely.Point(121.3, 31.95)],
        crs=4490,
    )


@pytest.mark.parametrize("radius", [math.inf, 0, -1, 1e6, math.nan])
def test_zones_refuse_an_absurd_radius(stations, radius):
    with pytest.raises(InputError, match="zone radius"):
        station_zones(stations, radius_m=radius)
    with pytest.raises(InputError, match="zone radius"):
        zone_members(stations, {"x": stations}, radius_m=radius)


def test_zone_inputs_are_checked_before_the_work(stations):
    check_zone_inputs(stations, {"enterprises": stations})
    with pytest.raises(InputError, match="station layer 'monitoring_stations' has no features"):
        check_zone_inputs(_empty(stations), {}, stations_layer="monitoring_stations")
    with pytest.raises(InputError) as err:
        check_zone_inputs(stations, {}, levels=["省控"])
    assert "没有级别为 省控 的站点（现有级别：国控、镇级）" in err.value.zh
    with pytest.raises(InputError, match="member layer 'enterprises' has no features"):
        check_zone_inputs(stations, {"enterprises": _empty(stations)})
    # an empty subset inside a larger update stays allowed (moved stations, zone_updates)
    assert len(station_zones(_empty(stations))) == 0


# --- black spots ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def accident_roads():
    roads = straight_roads(2, length_km=10.0, connectors=False)
    names = roads["name"].unique()[:1]
    road = np.array(list(names) * 6, dtype=object)
    return roads, accidents_at(roads, road, np.array([1.0, 1.1, 1.2, 5.0, 5.1, 9.0]), seed=2)


@pytest.mark.parametrize(
    ("options", "text"),
    [
        ({"window_m": math.inf}, "window length"),
        ({"window_m": 1e-9}, "at most 10,000 m"),
        ({"step_m": 0}, "step"),
        ({"window_m": 500, "step_m": 800}, "at most 500 m \\(got 800\\)"),
        ({"alpha": 0}, "significance level"),
        ({"alpha": math.nan}, "significance level"),
        ({"min_count": 0}, "window threshold"),
        ({"min_equivalent": -1}, "equivalent-accident floor"),
        ({"weights": SeverityWeights(math.inf, 3, 1)}, "fatal weight"),
    ],
)
def test_screening_refuses_absurd_options(accident_roads, options, text):
    roads, accidents = accident_roads
    with pytest.raises(InputError, match=text):
        screen_accidents(accidents, roads, **options)


def test_screening_refuses_empty_layers(accident_roads):
    roads, accidents = accident_roads
    with pytest.raises(InputError, match="accident layer has no features"):
        screen_accidents(_empty(accidents), roads)
    with pytest.raises(InputError, match="road layer has no features"):
        screen_accidents(accidents, _empty(roads))
    assert screen_accidents(accidents, roads).screened == 6


def test_camera_gaps_refuse_empty_layers_and_absurd_limits(accident_roads):
    roads, accidents = accident_roads
    cameras = accidents.assign(kind="视频监控")
    with pytest.raises(InputError, match="camera layer has no features"):
        camera_gaps(_empty(cameras), roads)
    with pytest.raises(InputError, match="road layer has no features"):
        camera_gaps(cameras, _empty(roads))
    for gap in (0, math.inf, 1e4):
        with pytest.raises(InputError, match="longest allowed gap"):
            camera_gaps(cameras, roads, max_gap_km=gap)


def test_density_checks_its_lengths_and_cells(accident_roads):
    roads, accidents = accident_roads
    with pytest.raises(InputError, match="kernel bandwidth"):
        network_density(accidents, roads, bandwidth_m=math.inf)
    with pytest.raises(InputError, match="lixel length"):
        network_density(accidents, roads, lixel_m=0)
    with pytest.raises(InputError, match="road layer has no features"):
        network_density(accidents, _empty(roads))
    lixels = network_density(accidents, roads)
    assert density_raster(lixels, cell_m=100).array.size > 0
    for cell in (0, math.nan, 1e5):
        with pytest.raises(InputError, match="raster cell size"):
            density_raster(lixels, cell_m=cell)
