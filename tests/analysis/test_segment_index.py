"""The snapping index against brute force: GEOS distances from every point to every segment.

The candidates of each point must hold every edge as near as its nearest one (all of them
when several tie), and nothing farther than rounding; snapping must pick the nearest edge
(the lowest id among equally near ones) with its exact distance, also for points far from
every road, which stay off the network beyond ``max_snap_m`` but keep their distance.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from gisdesk.analysis.network import build_network
from gisdesk.analysis.routing import snap_points
from tests.analysis.networks import grid_roads


def _segments(net) -> tuple[np.ndarray, np.ndarray]:
    """Every straight segment of the edges as a 2-point LineString, with its edge."""
    xy, idx = shapely.get_coordinates(net.edge_geometry, return_index=True)
    same = idx[1:] == idx[:-1]
    lines = shapely.linestrings(np.stack([xy[:-1][same], xy[1:][same]], axis=1))
    return lines, idx[:-1][same]


def _brute_force(net, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(point x edge) distance matrix over all segments, and each point's nearest distance."""
    lines, seg_edge = _segments(net)
    d = shapely.distance(shapely.points(xy)[:, None], lines[None, :])
    by_edge = np.full((xy.shape[0], net.n_edges), np.inf)
    for e in range(net.n_edges):
        by_edge[:, e] = d[:, seg_edge == e].min(axis=1)
    return by_edge, by_edge.min(axis=1)


def _points(net, rng: np.random.Generator) -> np.ndarray:
    minx, miny = net.node_xy.min(axis=0)
    maxx, maxy = net.node_xy.max(axis=0)
    mid = shapely.get_coordinates(
        shapely.line_interpolate_point(net.edge_geometry[::7], 0.5, normalized=True)
    )
    return np.vstack(
        [
            np.column_stack(  # around the roads, some off them
                [rng.uniform(minx - 300, maxx + 300, 300), rng.uniform(miny - 300, maxy + 300, 300)]
            ),
            net.node_xy[::5],  # on nodes: several edges at distance 0
            mid,  # on edges
            mid + np.array([0.0, 3.0]),
            # Between two parallel grid lines (ties between the roads either side) and at
            # block centres (four roads equally near).
            np.column_stack([np.full(5, minx + 300.0), rng.uniform(miny, maxy, 5)]),
            np.column_stack([rng.uniform(minx, maxx, 5), np.full(5, miny + 500.0)]),
            np.array([[minx + 300.0, miny + 300.0], [minx + 500.0, miny + 700.0]]),
            # Far away (up to 50 km): the nearest road is still found, ties included.
            np.column_stack([rng.uniform(-50_000, 50_000, 20) + minx, rng.uniform(-5e4, 5e4, 20)])
            + np.array([0.0, miny]),
            np.array([[minx - 20_000.0, miny], [minx + 200.0, miny - 30_000.0]]),
        ]
    )


@pytest.mark.parametrize(
    "roads",
    [
        grid_roads(8, 7, spacing=200.0, seed=4),  # exact grid: many exact ties
        grid_roads(10, 8, seed=5, jitter=40.0, long_lines=True, drop_share=0.2),
    ],
)
def test_candidates_and_snapping_match_brute_force(roads):
    net = build_network(roads, cache=False)
    rng = np.random.default_rng(11)
    xy = _points(net, rng)
    by_edge, best = _brute_force(net, xy)

    src, dst = net.segment_index().candidates(xy)
    found = np.zeros(by_edge.shape, dtype=bool)
    found[src, dst] = True
    nearest = by_edge == best[:, None]
    assert (nearest.sum(axis=1) > 1).sum() > 20  # the ties are really there
    assert not (nearest & ~found).any()  # every equally near edge is a candidate
    assert (by_edge[found] <= np.repeat(best, found.sum(axis=1)) * (1 + 1e-9) + 1e-5).all()

    max_snap_m = 150.0
    snapped = snap_points(net, xy, max_snap_m=max_snap_m)
    np.testing.assert_array_equal(snapped.distance_m, best)
    first_nearest = np.argmax(nearest, axis=1)  # lowest edge id among equally near edges
    near = best <= max_snap_m
    assert 0 < near.sum() < near.shape[0]
    np.testing.assert_array_equal(snapped.edge, np.where(near, first_nearest, -1))
    assert (snapped.offset_m[~near] == 0).all()
