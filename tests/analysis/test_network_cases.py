"""Hand-made networks with known answers: one-way, islands, bridges, cuts at the limit."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gisdesk.analysis.isochrones import area_polygons, reachable_parts, substrings
from gisdesk.analysis.network import build_network
from gisdesk.analysis.network_components import network_components
from gisdesk.analysis.routing import nearest_facility
from gisdesk.analysis.service_areas import service_areas, travel_time_grid
from gisdesk.core.errors import CRSError, InputError

X0, Y0 = 600_000.0, 3_530_000.0


def roads(lines, *, oneway=None, level=None, cls="村道", speed=None):
    n = len(lines)
    return gpd.GeoDataFrame(
        {
            "class": [cls] * n,
            "oneway": oneway or [False] * n,
            "level": level or [0] * n,
            "speed_kmh": speed or [np.nan] * n,
        },
        geometry=[shapely.LineString([(X0 + x, Y0 + y) for x, y in c]) for c in lines],
        crs=4549,
    )


def points(xy, **cols):
    return gpd.GeoDataFrame(cols, geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in xy], crs=4549)


def test_one_way_street_reaches_only_with_its_direction():
    # A loop: the village sits on a one-way street from (0, 0) to (1000, 0);
    # the way back is a two-way road 3 km round.
    net_roads = roads(
        [[(0, 0), (1000, 0)], [(1000, 0), (1000, 1000), (0, 1000), (0, 0)]],
        oneway=[True, False],
    )
    village = points([(500, 0)], name=["村"])
    east = points([(1000, 0)])
    west = points([(0, 0)])
    res_e = service_areas(net_roads, east, village, minutes=3, mode="ebike", polygons="none")
    res_w = service_areas(net_roads, west, village, minutes=3, mode="ebike", polygons="none")
    mps = 20 / 3.6
    assert res_e.demand["minutes"].iloc[0] == pytest.approx(500 / mps / 60)
    # Westwards it must follow the one-way street east, then the 3 km loop back.
    assert res_w.demand["minutes"].iloc[0] == pytest.approx((500 + 3000) / mps / 60)
    assert bool(res_e.demand["within"].iloc[0]) and not bool(res_w.demand["within"].iloc[0])
    # Walking ignores one-way rules.
    walk = service_areas(net_roads, west, village, minutes=10, mode="walk", polygons="none")
    assert walk.demand["minutes"].iloc[0] == pytest.approx(500 / (5 / 3.6) / 60)


def test_island_village_is_unreachable_and_reported():
    net_roads = roads([[(0, 0), (1000, 0)], [(0, 5000), (800, 5000)]])
    villages = points(
        [(900, 10), (400, 5020)],
        name=["岸上村", "岛上村"],
        town=["甲", "甲"],
        households=[10, 20],
        population=[30, 60],
    )
    fac = points([(0, 0)])
    res = service_areas(net_roads, fac, villages, minutes=15, polygons="none")
    assert np.isinf(res.demand["minutes"].iloc[1])
    assert res.demand["status"].tolist() == ["covered", "unreachable"]
    assert res.uncovered["name"].tolist() == ["岛上村"]
    assert res.district["village_share"].iloc[0] == 0.5
    assert res.district["population_within"].iloc[0] == 30
    report = network_components(res.network)
    assert report.count == 2 and report.small["length_m"].iloc[0] == pytest.approx(800)


def test_points_beyond_the_snap_distance_are_reported_not_snapped():
    net_roads = roads([[(0, 0), (2000, 0)]])
    villages = points([(100, 499.0), (100, 600.0)], name=["近", "远"])
    res = service_areas(net_roads, points([(0, 0)]), villages, minutes=15, polygons="none")
    assert res.demand["status"].tolist()[1] == "off_network"
    assert res.off_network["name"].tolist() == ["远"]
    assert res.off_network["distance_m"].iloc[0] == pytest.approx(600.0)
    # The access leg is walked and counted: 499 m at 5 km/h plus 100 m by e-bike.
    expected = 499 / (5 / 3.6) + 100 / (20 / 3.6)
    assert res.demand["minutes"].iloc[0] == pytest.approx(expected / 60)


def test_partial_edge_is_cut_exactly_at_the_limit():
    net_roads = roads([[(0, 0), (1000, 0), (2000, 0)]])
    fac = points([(300, 0)])
    net = build_network(net_roads)
    res, _ = nearest_facility(net, np.zeros((0, 2)), np.array([[X0 + 300, Y0]]), mode="walk")
    limit = 360.0  # 6 minutes' walk = 500 m each way: west to the road's end, east to 800 m
    parts = reachable_parts(res.routing, res.node_seconds, limit_s=limit)
    assert parts.length_m.sum() == pytest.approx(800.0, abs=1e-9)
    lines = substrings(net, parts.edge, parts.start_m, parts.end_m)
    ends = np.sort(shapely.get_coordinates(lines)[:, 0] - X0)
    assert ends[0] == pytest.approx(0.0) and ends[-1] == pytest.approx(800.0)
    # An 800 m x 100 m band with a round cap at each end: exact with the detailed
    # outline, within 1 % with the generalised one (contoured on a 25 m grid).
    band = 800 * 100 + np.pi * 50**2
    _, exact = area_polygons(lines, frontage_m=50, method="union")
    assert exact[0].area == pytest.approx(band, rel=2e-3)
    _, polys = area_polygons(lines, frontage_m=50)
    assert polys[0].area == pytest.approx(band, rel=1e-2)
    assert shapely.contains(polys[0], lines[0])
    assert service_areas(net_roads, fac, fac, minutes=6, mode="walk").areas.shape[0] == 1


def test_bridge_crossing_without_a_junction_is_no_shortcut():
    # Road A runs east-west; a bridge (level 1) carries road B over it with a vertex placed
    # exactly on A's vertex; B's ends connect to its approaches. A and B meet only far away.
    net_roads = roads(
        [
            [(-1000, 0), (0, 0), (1000, 0)],  # A, with a vertex at the crossing
            [(0, -1000), (0, -100)],  # B south approach
            [(0, -100), (0, 0), (0, 100)],  # B bridge, its vertex on A's vertex
            [(0, 100), (0, 1000)],  # B north approach
            [(1000, 0), (1000, 1000), (0, 1000)],  # the far connection
        ],
        level=[0, 0, 1, 0, 0],
    )
    fac = points([(-1000, 0)])
    village = points([(0, -1000)])
    res = service_areas(net_roads, fac, village, minutes=60, mode="walk", polygons="none")
    # Without the junction: 1000 + 1000 (A) + 1000 + 1000 (far link) + 2000 (all of B).
    walk = 5 / 3.6
    assert res.demand["minutes"].iloc[0] == pytest.approx(6000 / walk / 60)
    assert network_components(res.network).count == 1
    # Crossing lines without a shared vertex do not join either.
    plain = roads([[(-1000, 0), (1000, 0)], [(0, -1000), (0, 1000)]])
    assert network_components(build_network(plain)).count == 2


def test_oneway_edge_partial_reach_respects_direction():
    net_roads = roads([[(0, 0), (1000, 0)]], oneway=[True])
    net = build_network(net_roads)
    res, _ = nearest_facility(net, np.zeros((0, 2)), np.array([[X0 + 500, Y0]]), mode="ebike")
    parts = reachable_parts(res.routing, res.node_seconds, limit_s=30.0)
    # Towards the facility only the stretch before it (upstream) can reach it.
    assert parts.start_m.min() == pytest.approx(500 - 30 * 20 / 3.6)
    assert parts.end_m.max() == pytest.approx(500.0)


def test_travel_time_grid_values():
    net_roads = roads([[(0, 0), (2000, 0)]])
    res = service_areas(
        net_roads, points([(0, 0)]), points([(10, 0)]), minutes=15, mode="walk", polygons="none"
    )
    grid = travel_time_grid(res, cell_m=50)
    assert grid.minutes.dtype == np.float32
    x = float(np.nanmax(grid.minutes))
    # Far end: 2000 m along the road plus up to 500 m access, at 5 km/h.
    assert 2000 / (5 / 3.6) / 60 < x <= 2500 / (5 / 3.6) / 60 + 1


def test_network_cache_reuses_and_rebuilds():
    a = roads([[(0, 0), (1000, 0)], [(1000, 0), (1000, 800)]])
    n1 = build_network(a)
    assert build_network(a.copy()) is n1
    b = a.copy()
    b.loc[1, "oneway"] = True
    assert build_network(b) is not n1 and build_network(b).key != n1.key


def test_layer_without_crs_is_refused():
    a = roads([[(0, 0), (1000, 0)]]).set_crs(None, allow_override=True)
    with pytest.raises(CRSError):
        build_network(a)
    with pytest.raises(InputError):
        build_network(points([(0, 0)]))


def test_speed_kmh_field_wins_for_car_and_caps_ebike():
    net_roads = roads([[(0, 0), (1000, 0)]], cls="国道", speed=[10.0])
    net = build_network(net_roads)
    assert net.speeds("car")[0] == 10.0 and net.speeds("ebike")[0] == 10.0
    fast = roads([[(0, 0), (1000, 0)]], cls="国道")
    assert build_network(fast).speeds("car")[0] == 80.0
    assert build_network(fast).speeds("ebike")[0] == 20.0


def test_parallel_roads_keep_the_faster_even_when_one_is_split():
    # Two roads between the same junctions: a 1 km straight 国道 and a 1.2 km 村道 detour.
    net_roads = gpd.GeoDataFrame(
        {
            "class": ["国道", "村道"],
            "oneway": [False, False],
            "level": [0, 0],
            "speed_kmh": [np.nan, np.nan],
        },
        geometry=[
            shapely.LineString([(X0, Y0), (X0 + 1000, Y0)]),
            shapely.LineString([(X0, Y0), (X0 + 500, Y0 + 331.66), (X0 + 1000, Y0)]),
        ],
        crs=4549,
    )
    fac = points([(0, 0)])
    far = points([(1000, 0)])
    car = service_areas(net_roads, fac, far, minutes=5, mode="car", polygons="none")
    assert car.demand["minutes"].iloc[0] == pytest.approx(1000 / (80 / 3.6) / 60)
    # A point snapped onto the detour splits it; the straight road still serves the far end.
    both = pd.concat([far, points([(500, 340), (500, -5)])])
    res = service_areas(net_roads, fac, both, minutes=5, mode="car", polygons="none")
    assert res.demand["minutes"].iloc[0] == pytest.approx(1000 / (80 / 3.6) / 60)


def _with_expressway():
    # Two local roads 1 km apart joined only by a far detour (4 km), and an expressway
    # straight between them; a village beside the expressway, 30 m from it and 60 m from
    # the western road.
    local = roads(
        [
            [(0, 0), (0, 1000)],  # west
            [(1000, 0), (1000, 1000)],  # east
            [(0, 1000), (0, 2500), (1000, 2500), (1000, 1000)],  # the detour, 4 km
        ]
    )
    express = roads([[(0, 500), (1000, 500)]], cls="高速公路")
    # The west road gets a vertex where the expressway meets it (OSM-style shared node).
    local.loc[0, "geometry"] = shapely.LineString([(X0, Y0), (X0, Y0 + 500), (X0, Y0 + 1000)])
    local.loc[1, "geometry"] = shapely.LineString(
        [(X0 + 1000, Y0), (X0 + 1000, Y0 + 500), (X0 + 1000, Y0 + 1000)]
    )
    return pd.concat([local, express], ignore_index=True)


@pytest.mark.parametrize("mode", ["walk", "bike", "ebike"])
def test_expressways_are_closed_to_walking_and_cycling(mode):
    net_roads = _with_expressway()
    west = points([(0, 500)])
    east_village = points([(1000, 500)], name=["东村"])
    near_motorway = points([(60, 530)], name=["路边村"])
    demand = pd.concat([east_village, near_motorway], ignore_index=True)
    res = service_areas(net_roads, west, demand, minutes=240, mode=mode, polygons="none")
    speed = {"walk": 5.0, "bike": 15.0, "ebike": 20.0}[mode] / 3.6
    # East only by the detour: 500 + 4,000 + 500 m, not the 1 km expressway.
    assert res.demand["minutes"].iloc[0] == pytest.approx((500 + 4000 + 500) / speed / 60)
    # The village beside the expressway reaches the west road (60 m walk), not the
    # expressway 30 m away.
    walk = 5.0 / 3.6
    assert res.demand["minutes"].iloc[1] == pytest.approx((60 / walk + 30 / speed) / 60)
    lines = service_areas(
        net_roads, west, demand, minutes=240, mode=mode, polygons="none", lines=True
    ).lines
    assert not (net_roads["class"].to_numpy()[lines["road"].to_numpy()] == "高速公路").any()


def test_cars_take_the_expressway():
    net_roads = _with_expressway()
    res = service_areas(
        net_roads,
        points([(0, 500)]),
        points([(1000, 500)], name=["东村"]),
        minutes=60,
        mode="car",
        polygons="none",
    )
    assert res.demand["minutes"].iloc[0] == pytest.approx(1000 / (100 / 3.6) / 60)
