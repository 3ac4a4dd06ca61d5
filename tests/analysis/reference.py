"""An independent reference: a networkx graph with a node at every vertex, brute-force snapping.

It shares nothing with gisdesk.analysis but the rules it checks: lines meet where they share
a vertex (of the same level, or where both end), one-way lines open their digitised
direction, speeds by class with the road's own speed winning (car) or capping (e-bike).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

CAR = {"国道": 80.0, "省道": 70.0, "县道": 60.0, "乡道": 40.0, "村道": 30.0}
WALK_MPS = 5.0 / 3.6
# classes a mode may not use, written out independently of speeds.py
CLOSED = {"walk": {"高速公路"}, "bike": {"高速公路"}, "ebike": {"高速公路"}, "car": {"慢行道"}}


def road_mps(roads: gpd.GeoDataFrame, mode: str) -> np.ndarray:
    """Return metres per second per road, written out independently of speeds.py."""
    own = pd.to_numeric(roads["speed_kmh"], errors="coerce").to_numpy(float)
    out = []
    for cls, sp in zip(roads["class"], own, strict=True):
        if mode == "walk":
            kmh = 5.0
        elif mode == "car":
            kmh = sp if np.isfinite(sp) and sp > 0 else CAR.get(cls, 30.0)
        else:
            base = {"bike": 15.0, "ebike": 20.0}[mode]
            kmh = min(base, sp) if np.isfinite(sp) and sp > 0 else base
        out.append(kmh / 3.6)
    return np.asarray(out)


@dataclass
class Segment:
    a: object
    b: object
    length: float
    mps: float
    back: bool
    road: int


def reference_segments(
    roads: gpd.GeoDataFrame, mode: str
) -> tuple[list[Segment], list[tuple[np.ndarray, np.ndarray]]]:
    """Return every raw segment (vertex to vertex) and its coordinates."""
    mps = road_mps(roads, mode)
    levels = pd.to_numeric(roads.get("level", 0), errors="coerce").fillna(0).astype(int)
    segs: list[Segment] = []
    coords: list[tuple[np.ndarray, np.ndarray]] = []
    closed = CLOSED[mode]
    for i, geom in enumerate(roads.geometry):
        if roads["class"].iloc[i] in closed:
            continue  # neither travelled nor snapped to
        level = int(levels.iloc[i]) if hasattr(levels, "iloc") else 0
        oneway = bool(roads["oneway"].iloc[i]) and mode != "walk"
        for part in shapely.get_parts(geom):
            xy = shapely.get_coordinates(part)
            keep = np.ones(len(xy), dtype=bool)
            keep[1:] = np.any(xy[1:] != xy[:-1], axis=1)
            xy = xy[keep]
            for k in range(len(xy) - 1):
                p, q = xy[k], xy[k + 1]
                segs.append(
                    Segment(
                        (float(p[0]), float(p[1]), level),
                        (float(q[0]), float(q[1]), level),
                        float(np.hypot(*(q - p))),
                        float(mps[i]),
                        not oneway,
                        i,
                    )
                )
                coords.append((p, q))
    return segs, coords


def line_ends(roads: gpd.GeoDataFrame) -> list[tuple[object, object]]:
    """Return zero-time links joining line ends of different levels at one vertex."""
    levels = pd.to_numeric(roads.get("level", 0), errors="coerce").fillna(0).astype(int)
    ends: dict[tuple[float, float], set[int]] = {}
    for i, geom in enumerate(roads.geometry):
        for part in shapely.get_parts(geom):
            xy = shapely.get_coordinates(part)
            for p in (xy[0], xy[-1]):
                ends.setdefault((float(p[0]), float(p[1])), set()).add(int(levels.iloc[i]))
    links = []
    for (x, y), lv in ends.items():
        lv_sorted = sorted(lv)
        for a, b in itertools.pairwise(lv_sorted):
            links.append(((x, y, a), (x, y, b)))
    return links


def snap_brute(coords: list[tuple[np.ndarray, np.ndarray]], pts: np.ndarray):
    """Return (segment, fraction, distance) of the nearest point on any segment, brute force."""
    p = np.array([c[0] for c in coords])
    q = np.array([c[1] for c in coords])
    d = q - p
    dd = (d**2).sum(axis=1)
    out = []
    for x in pts:
        t = np.clip(((x - p) * d).sum(axis=1) / dd, 0, 1)
        proj = p + d * t[:, None]
        dist = np.hypot(*(proj - x).T)
        k = int(np.argmin(dist))
        out.append((k, float(t[k]), float(dist[k])))
    return out


def build_reference(
    roads: gpd.GeoDataFrame, mode: str, points: np.ndarray, *, max_snap: float = 500.0
) -> tuple[list[Segment], list[object | None], list[float]]:
    """Return segments with the points inserted, each point's node and its access time."""
    segs, coords = reference_segments(roads, mode)
    snaps = snap_brute(coords, points)
    by_seg: dict[int, list[tuple[float, int]]] = {}
    nodes: list[object | None] = [None] * len(points)
    access = [np.inf] * len(points)
    for i, (k, t, dist) in enumerate(snaps):
        if dist > max_snap:
            continue
        by_seg.setdefault(k, []).append((t, i))
        access[i] = dist / WALK_MPS
    out = [s for k, s in enumerate(segs) if k not in by_seg]
    for k, items in by_seg.items():
        s = segs[k]
        items.sort()
        prev, prev_t = s.a, 0.0
        for t, i in items:
            if t <= 0:
                nodes[i] = s.a
                continue
            if t >= 1:
                nodes[i] = s.b
                continue
            node = ("pt", k, t)
            nodes[i] = node
            if node != prev:
                out.append(Segment(prev, node, s.length * (t - prev_t), s.mps, s.back, s.road))
            prev, prev_t = node, t
        out.append(Segment(prev, s.b, s.length * (1 - prev_t), s.mps, s.back, s.road))
    return out, nodes, access


def reference_graph(segs: list[Segment], links: list[tuple[object, object]]) -> nx.DiGraph:
    """Return the directed travel-time graph of the segments (parallel arcs: fastest)."""
    g = nx.DiGraph()

    def add(u: object, v: object, w: float) -> None:
        if g.has_edge(u, v):
            g[u][v]["weight"] = min(g[u][v]["weight"], w)
        else:
            g.add_edge(u, v, weight=w)

    for s in segs:
        w = s.length / s.mps
        add(s.a, s.b, w)
        if s.back:
            add(s.b, s.a, w)
    for a, b in links:
        add(a, b, 0.0)
        add(b, a, 0.0)
    return g


def reference_times(
    roads: gpd.GeoDataFrame,
    mode: str,
    demand: np.ndarray,
    facilities: np.ndarray,
    *,
    max_snap: float = 500.0,
) -> tuple[np.ndarray, dict[object, float], list[Segment]]:
    """Return door-to-door seconds to the nearest facility per demand point (networkx)."""
    pts = np.vstack([demand, facilities])
    segs, nodes, access = build_reference(roads, mode, pts, max_snap=max_snap)
    g = reference_graph(segs, line_ends(roads)).reverse(copy=True)
    nd = len(demand)
    doors = []
    for j in range(len(facilities)):
        node = nodes[nd + j]
        if node is None:
            continue
        door = ("door", j)
        g.add_edge(door, node, weight=access[nd + j])
        doors.append(door)
    dist = nx.multi_source_dijkstra_path_length(g, doors, weight="weight") if doors else {}
    out = np.full(nd, np.inf)
    for i in range(nd):
        if nodes[i] is not None and nodes[i] in dist:
            out[i] = dist[nodes[i]] + access[i]
    return out, dist, segs


def reachable_length_by_road(
    segs: list[Segment], dist: dict[object, float], limit: float, n_roads: int
) -> np.ndarray:
    """Return metres of each road within ``limit`` of a facility (towards it), brute force."""
    out = np.zeros(n_roads)
    for s in segs:
        da = dist.get(s.a, np.inf)
        db = dist.get(s.b, np.inf)
        # Towards the facility: from a point one leaves by b (always) or by a (if open back).
        from_b = min(s.length, (limit - db) * s.mps) if db <= limit else -1.0
        from_a = min(s.length, (limit - da) * s.mps) if (s.back and da <= limit) else -1.0
        if from_a >= 0 and from_b >= 0 and from_a + from_b >= s.length:
            out[s.road] += s.length
        else:
            out[s.road] += max(from_a, 0.0) + max(from_b, 0.0)
    return out
