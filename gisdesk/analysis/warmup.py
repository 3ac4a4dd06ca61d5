"""Run one small analysis ahead of the first real one.

Routing and snapping no longer compile anything (they run on scipy's csgraph Dijkstra and
k-d tree, see :mod:`gisdesk.analysis.dijkstra` and :mod:`gisdesk.analysis.segment_index`);
:func:`warm_up` now only checks, from the set-up script and the installer, that a tiny
service-area analysis runs on the installed packages.
"""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import shapely

__all__ = ["warm_up"]


def warm_up() -> float:
    """Run a tiny service-area question through every kernel; return the seconds it took."""
    from gisdesk.analysis.network import build_network
    from gisdesk.analysis.routing import facility_reach, nearest_facility

    start = time.perf_counter()
    x0, y0 = 600_000.0, 3_530_000.0
    lines = [
        shapely.LineString([(x0 + a, y0 + b), (x0 + a + 100, y0 + b)])
        for a in (0, 100)
        for b in (0, 100, 200)
    ] + [
        shapely.LineString([(x0 + a, y0 + b), (x0 + a, y0 + b + 100)])
        for a in (0, 100, 200)
        for b in (0, 100)
    ]
    roads = gpd.GeoDataFrame(
        {"class": ["村道"] * len(lines), "oneway": [False] * len(lines)},
        geometry=lines,
        crs=4549,
    )
    network = build_network(roads, cache=False)
    demand = np.array([[x0 + 40, y0 + 5], [x0 + 150, y0 + 110], [x0 + 5000, y0]])
    facilities = np.array([[x0 + 60, y0 - 5], [x0 + 200, y0 + 150]])
    for limit in (None, 300.0):
        res, snapped = nearest_facility(network, demand, facilities, mode="ebike", limit_s=limit)
    points = demand.shape[0] + np.flatnonzero(snapped.on_network[demand.shape[0] :])
    facility_reach(res.routing, points, limit_s=300.0)
    return time.perf_counter() - start
