"""Routing internals against slower, simpler computations of the same thing.

* Facilities attached by door arcs to their edge's ends (no edge splitting) give the times
  of a Dijkstra over the split graph (every point a virtual node).
* ``limit_s`` gives exactly the unlimited result with everything above the limit inf, both
  when the whole network is searched and when only the nodes near the facilities are.
* Snapping through the segment index finds the same edge, distance and offset as a GEOS
  STRtree nearest query.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.sparse import csgraph

from gisdesk.analysis.network import build_network
from gisdesk.analysis.routing import facility_reach, nearest_facility, snap_points
from tests.analysis.networks import grid_roads, random_points

X0, Y0 = 600_000.0, 3_530_000.0
WALK = 5 / 3.6
EBIKE = 20 / 3.6


def _xy(gdf: gpd.GeoDataFrame) -> np.ndarray:
    return np.column_stack([gdf.geometry.x, gdf.geometry.y])


def _with_extras(roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add a one-way road parallel to (on top of) the first one and a loop road."""
    x0, y0 = roads.total_bounds[:2]
    extra = gpd.GeoDataFrame(
        {
            "class": ["村道", "国道"],
            "oneway": [True, False],
            "speed_kmh": [np.nan, np.nan],
            "level": [0, 0],
        },
        geometry=[
            shapely.LineString(list(roads.geometry.iloc[0].coords)),
            shapely.LineString(
                [(x0 + 10, y0 + 10), (x0 + 60, y0 + 10), (x0 + 60, y0 + 60), (x0 + 10, y0 + 10)]
            ),
        ],
        crs=roads.crs,
    )
    return gpd.GeoDataFrame(pd.concat([roads, extra], ignore_index=True), crs=roads.crs)


def _points(net, metric, seed: int, n_fac: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    dem = _xy(random_points(metric, 60, seed=seed + 100, spread=300.0))
    fac = _xy(random_points(metric, n_fac, seed=seed + 200, spread=50.0))
    # Demand on the facilities' edges (both sides of them), on the facilities themselves,
    # and on nodes; one facility on a node.
    dem = np.vstack([dem, fac + rng.normal(0, 15, fac.shape), fac[:2], net.node_xy[:3]])
    return dem, np.vstack([fac, net.node_xy[5:6]])


def _split_graph_times(res, nd: int, direction: str) -> np.ndarray:
    """Node times from a Dijkstra over the split graph (the pieces between virtual nodes)."""
    rg = res.routing
    fac_points = nd + np.flatnonzero(rg.point_node[nd:] >= 0)
    graph, doors = rg.with_doors(fac_points, reverse=direction == "to_facility")
    dist = csgraph.dijkstra(graph, directed=True, indices=doors, min_only=True)
    return np.asarray(dist[: rg.n_nodes])


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("direction", ["to_facility", "from_facility"])
def test_door_arcs_give_the_split_graph_times(seed, direction):
    roads = _with_extras(
        grid_roads(
            9 + seed % 3,
            8,
            seed=seed,
            jitter=20.0,
            oneway_share=0.3,
            drop_share=0.1,
            long_lines=bool(seed % 2),
        )
    )
    net = build_network(roads, cache=False)
    dem, fac = _points(net, roads.to_crs(net.crs), seed, 1 + 3 * seed)
    for mode in ("walk", "ebike", "car"):
        res, snapped = nearest_facility(net, dem, fac, mode=mode, direction=direction)
        ref = _split_graph_times(res, dem.shape[0], direction)
        finite = np.isfinite(ref)
        assert finite.sum() > 0.5 * ref.shape[0]
        np.testing.assert_array_equal(np.isfinite(res.node_seconds), finite)
        np.testing.assert_allclose(res.node_seconds[finite], ref[finite], rtol=0, atol=1e-9)
        # Demand times: node time plus the access leg, the facility one that achieves it.
        on = snapped.on_network[: dem.shape[0]]
        w = res.routing.point_node[: dem.shape[0]][on]
        np.testing.assert_allclose(
            res.seconds[on], ref[w] + res.routing.access_s[: dem.shape[0]][on], atol=1e-9
        )
        reached = np.isfinite(res.node_seconds)
        assert np.all(res.node_facility[reached] >= 0)
        assert np.all(res.node_facility[~reached] == -1)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("direction", ["to_facility", "from_facility"])
def test_each_facility_reach_matches_networkx_on_the_split_graph(seed, direction):
    # Demand points inside the facilities' edges are virtual nodes: their times come from
    # the edge's ends or straight from the facility; networkx searches the split graph.
    roads = _with_extras(
        grid_roads(10, 9, seed=seed, jitter=20.0, oneway_share=0.3, drop_share=0.1)
    )
    net = build_network(roads, cache=False)
    dem, fac = _points(net, roads.to_crs(net.crs), seed, 2 + 2 * seed)
    for mode, limit in (("walk", 600.0), ("ebike", 200.0), ("car", 90.0)):
        res, snapped = nearest_facility(net, dem, fac, mode=mode, direction=direction)
        rg = res.routing
        pts = dem.shape[0] + np.flatnonzero(snapped.on_network[dem.shape[0] :])
        reach = facility_reach(rg, pts, limit_s=limit, direction=direction)
        graph, doors = rg.with_doors(pts, reverse=direction == "to_facility")
        g = nx.DiGraph()
        coo = graph.tocoo()
        g.add_weighted_edges_from(
            zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True)
        )
        reached = 0
        for i, door in enumerate(doors.tolist()):
            ref = nx.single_source_dijkstra_path_length(g, door, cutoff=limit)
            ref = {k: t for k, t in ref.items() if k < rg.n_nodes}
            row = reach[[i]].tocoo()
            mine = dict(zip(row.col.tolist(), row.data.tolist(), strict=True))
            assert set(mine) == set(ref)
            worst = max((abs(mine[k] - ref[k]) for k in ref), default=0.0)
            assert worst < 1e-9
            reached += len(ref)
        # The limits reach beyond the facilities' own edges but not the whole network.
        assert 2 * len(pts) < reached < 0.8 * len(pts) * rg.n_nodes


@pytest.mark.parametrize(
    ("mode", "direction", "limit_s"),
    [
        ("walk", "to_facility", 150.0),
        ("walk", "from_facility", 200.0),
        ("walk", "to_facility", 300.0),
        ("ebike", "to_facility", 45.0),
        ("car", "from_facility", 120.0),
        ("walk", "to_facility", 1200.0),
    ],
)
def test_limit_gives_the_unlimited_result_cut_at_the_limit(mode, direction, limit_s):
    roads = grid_roads(40, 40, spacing=100.0, seed=4, jitter=10.0, oneway_share=0.2)
    net = build_network(roads, cache=False)
    metric = roads.to_crs(net.crs)
    dem = _xy(random_points(metric, 400, seed=8, spread=200.0))
    fac = _xy(random_points(metric, 6, seed=9, spread=0.0))
    dem = np.vstack([dem, fac + 20.0])
    full, _ = nearest_facility(net, dem, fac, mode=mode, direction=direction)
    cut, _ = nearest_facility(net, dem, fac, mode=mode, direction=direction, limit_s=limit_s)
    assert cut.limit_s == limit_s
    # The limited search settled exactly the network nodes within the limit, nothing more.
    assert cut.searched == int(np.isfinite(cut.node_seconds[: net.n_nodes]).sum())
    assert full.searched == int(np.isfinite(full.node_seconds[: net.n_nodes]).sum())
    assert cut.searched < full.searched
    within = full.node_seconds <= limit_s
    assert 0 < within.sum() < within.shape[0]
    np.testing.assert_array_equal(cut.node_seconds, np.where(within, full.node_seconds, np.inf))
    np.testing.assert_array_equal(cut.node_facility, np.where(within, full.node_facility, -1))
    ok = full.seconds <= limit_s
    assert 0 < ok.sum() < ok.shape[0]
    np.testing.assert_array_equal(cut.seconds, np.where(ok, full.seconds, np.inf))
    np.testing.assert_array_equal(cut.facility, np.where(ok, full.facility, -1))


def _line_roads(lines, oneway):
    n = len(lines)
    return gpd.GeoDataFrame(
        {"class": ["村道"] * n, "oneway": oneway, "level": [0] * n, "speed_kmh": [np.nan] * n},
        geometry=[shapely.LineString([(X0 + x, Y0 + y) for x, y in c]) for c in lines],
        crs=4549,
    )


@pytest.mark.parametrize("direction", ["to_facility", "from_facility"])
def test_demand_and_facility_on_one_one_way_edge(direction):
    # A one-way street east from (0, 0) to (1000, 0); the way back is a 3 km two-way loop.
    # The facility sits at 600 m, 10 m off the street; homes at 200 m and 800 m, 10 m off.
    roads = _line_roads(
        [[(0, 0), (1000, 0)], [(1000, 0), (1000, 1000), (0, 1000), (0, 0)]], [True, False]
    )
    net = build_network(roads, cache=False)
    fac = np.array([[X0 + 600, Y0 + 10]])
    dem = np.array([[X0 + 200, Y0 - 10], [X0 + 800, Y0 - 10]])
    res, _ = nearest_facility(net, dem, fac, mode="ebike", direction=direction)
    legs = 20 / WALK
    if direction == "to_facility":  # 200 -> 600 along the street; 800 -> round the loop
        expect = [legs + 400 / EBIKE, legs + (200 + 3000 + 600) / EBIKE]
    else:  # 600 -> 800 along the street; 600 -> 200 round the loop
        expect = [legs + (400 + 3000 + 200) / EBIKE, legs + 200 / EBIKE]
    assert res.seconds == pytest.approx(expect, rel=1e-12)
    assert res.facility.tolist() == [0, 0]
    # Walking ignores the one-way rule: both are direct.
    walk, _ = nearest_facility(net, dem, fac, mode="walk", direction=direction)
    assert walk.seconds == pytest.approx([legs + 400 / WALK, legs + 200 / WALK], rel=1e-12)


def test_facility_inside_a_long_edge_with_a_limit():
    # One 4 km road, far from a large grid (so only the nodes near the facility are
    # searched): its end nodes are beyond a 5-minute walk, homes on the road are not all.
    grid = grid_roads(30, 30, spacing=100.0, seed=2)
    far = _line_roads([[(0, 0), (4000, 0)]], [False]).to_crs(grid.crs)
    roads = gpd.GeoDataFrame(pd.concat([grid, far], ignore_index=True), crs=grid.crs)
    net = build_network(roads, cache=False)
    fac = np.array([[X0 + 2000, Y0 + 5]])
    dem = np.array([[X0 + 2100, Y0], [X0 + 1500, Y0], [X0 + 3900, Y0], [X0 + 2000, Y0 + 5]])
    res, _ = nearest_facility(net, dem, fac, mode="walk", limit_s=300.0)
    assert res.searched == 0  # both end nodes are beyond the limit: nothing to search
    assert res.seconds[0] == pytest.approx((5 + 100) / WALK, rel=1e-12)
    assert res.seconds[3] == pytest.approx(10 / WALK, rel=1e-12)
    assert np.isinf(res.seconds[[1, 2]]).all()
    assert res.facility.tolist() == [0, -1, -1, 0]
    ends = [net.edge_u[-1], net.edge_v[-1]]
    assert np.isinf(res.node_seconds[ends]).all()
    full, _ = nearest_facility(net, dem, fac, mode="walk")
    assert full.seconds[1] == pytest.approx((5 + 500) / WALK, rel=1e-12)
    assert full.seconds[2] == pytest.approx((5 + 1900) / WALK, rel=1e-12)


def test_negative_limit_is_refused():
    roads = _line_roads([[(0, 0), (100, 0)]], [False])
    net = build_network(roads, cache=False)
    with pytest.raises(Exception, match="limit"):
        nearest_facility(net, np.zeros((0, 2)), np.array([[X0, Y0]]), mode="walk", limit_s=-1)


def _strtree_snap(net, xy):
    """Nearest edge (lowest id among equals), distance and offset by GEOS STRtree."""
    pts = shapely.points(xy)
    (src, dst), dist = net.tree.query_nearest(pts, return_distance=True)
    order = np.lexsort((dst, src))
    first = np.ones(order.shape[0], dtype=bool)
    first[1:] = src[order][1:] != src[order][:-1]
    src, dst, dist = src[order][first], dst[order][first], dist[order][first]
    edge = np.full(xy.shape[0], -1)
    edge[src] = dst
    distance = np.full(xy.shape[0], np.inf)
    distance[src] = dist
    offset = shapely.line_locate_point(net.edge_geometry[edge], pts)
    return edge, distance, np.clip(offset, 0.0, net.edge_length[edge])


@pytest.mark.parametrize(
    "roads",
    [
        grid_roads(12, 10, seed=1, jitter=30.0, long_lines=True),
        grid_roads(15, 15, spacing=50.0, seed=3, jitter=5.0, drop_share=0.3),
        _line_roads(  # segments from 1 m to 5 km: samples adapt to both
            [[(0, 0), (5000, 0)], [(0, 0), (0, 1), (1, 1), (1, 2), (2, 2)], [(0, 0), (0, -800)]],
            [False, False, False],
        ),
    ],
)
def test_snapping_matches_a_geos_nearest_query(roads):
    net = build_network(roads, cache=False)
    metric = roads.to_crs(net.crs)
    xy = np.vstack(
        [
            _xy(random_points(metric, 300, seed=5, spread=400.0)),
            _xy(random_points(metric, 20, seed=6, spread=20_000.0)),  # far: off the network
            net.node_xy[:10],  # on nodes: equally near to several edges
            shapely.get_coordinates(
                shapely.line_interpolate_point(net.edge_geometry[:10], 0.3, normalized=True)
            ),
        ]
    )
    snapped = snap_points(net, xy, max_snap_m=500.0)
    edge, distance, offset = _strtree_snap(net, xy)
    np.testing.assert_array_equal(snapped.distance_m, distance)
    near = distance <= 500.0
    assert 0 < near.sum() < near.shape[0]
    np.testing.assert_array_equal(snapped.edge, np.where(near, edge, -1))
    np.testing.assert_array_equal(snapped.offset_m[near], offset[near])


def test_reverse_graph_is_the_transpose():
    roads = grid_roads(6, 5, seed=2, oneway_share=0.4)
    net = build_network(roads, cache=False)
    forward = net.graph("car")
    backward = net.graph("car", reverse=True)
    np.testing.assert_array_equal(backward.toarray(), forward.T.toarray())
    assert (forward.toarray() != forward.T.toarray()).any()  # one-way streets
    assert net.graph("car") is forward  # cached


def test_warm_up_command_runs(capsys):
    from gisdesk.cli.main import main

    assert main(["--lang", "en", "warm-up"]) == 0
    assert "check passed: a tiny service-area analysis ran" in capsys.readouterr().out
