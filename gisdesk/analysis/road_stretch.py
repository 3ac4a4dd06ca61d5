"""Road stretches picked by their two ends: the path along the road network, road and stakes.

Traffic police list an accident-prone segment (事故多发路段) by clicking where it starts and
where it ends. Each click is snapped to the nearest position on the road network (an edge
and a distance along it); the stretch is the shortest path *by length* between the two
positions, including the partial first and last edges, as one LineString in the network's
metric CRS. The stretch's road is the named road carrying most of its length, and its
kilometre stakes are interpolated along that road's stake-referenced pieces (each piece has
``from_km`` and ``to_km`` and is digitised in the direction of increasing stake), ordered so
that ``from_km < to_km``.

Direction does not matter for a listed stretch, so one-way rules are ignored; junctions are
those of :func:`gisdesk.analysis.network.build_network` (shared vertices; bridges join only
at their ends).
"""

from __future__ import annotations

import re
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csgraph
from shapely import ops

from gisdesk.analysis._checks import to_crs_checked
from gisdesk.analysis.network import RoadNetwork, build_network
from gisdesk.analysis.sparse_graph import min_csr
from gisdesk.core.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    from pyproj import CRS

__all__ = [
    "NetworkPosition",
    "RoadStretch",
    "StretchFinder",
    "format_stake",
    "next_segment_id",
    "parse_stake",
    "road_stretch",
]

DEFAULT_MAX_DISTANCE_M = 30.0
_ORIGINS = 4  # single-source searches kept per finder (the start of the stretch being drawn)


def format_stake(km: float) -> str:
    """Return a kilometre measure as a stake, e.g. 8.7 -> "K8+700"."""
    metres = round(km * 1000.0)
    return f"K{metres // 1000}+{metres % 1000:03d}"


_STAKE = re.compile(r"^K?(\d+)\+(\d+(?:\.\d*)?)$")
_KM = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)(?:KM)?$")


def parse_stake(
    text: str, *, road: str | None = None, km_range: tuple[float, float] | None = None
) -> float:
    """Return the kilometre measure of a typed stake.

    Accepted: ``K16+600``, ``k16+600.5``, ``16+600`` (kilometres + metres), ``16.6`` or
    ``16.6km`` (kilometres); spaces and full-width characters (``Ｋ１６＋６００``) are allowed.

    Parameters
    ----------
    text
        What the user typed.
    road
        The road's name, for the messages.
    km_range
        The road's first and last stake: a stake outside it is refused.

    Raises
    ------
    InputError
        For empty or malformed text, metres of 1000 or more, or a stake outside ``km_range``.
    """
    raw = str(text)
    norm = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw)).upper()
    shown = raw.strip()
    if not norm:
        raise InputError(
            "请输入桩号，例如 K16+600 或 16.6。", "Type a stake, e.g. K16+600 or 16.6."
        )
    match = _STAKE.match(norm)
    if match is not None:
        metres = float(match.group(2))
        if metres >= 1000.0:
            raise InputError(
                f"桩号“{shown}”的米数应小于 1000（K16+600 表示 16 公里 600 米）。",
                f"The metres of stake '{shown}' must be below 1000 (K16+600 is 16 km 600 m).",
            )
        km = int(match.group(1)) + metres / 1000.0
    else:
        plain = _KM.match(norm)
        if plain is None:
            raise InputError(
                f"无法识别桩号“{shown}”，请写成 K16+600、K16+600.5 或 16.6（公里）。",
                f"Cannot read the stake '{shown}'; write it as K16+600, K16+600.5 or 16.6 (km).",
            )
        km = float(plain.group(1))
    if km_range is not None:
        _check_range(km, road, km_range)
    return km


def _check_range(km: float, road: str | None, km_range: tuple[float, float]) -> None:
    lo, hi = km_range
    if km < lo - 1e-9 or km > hi + 1e-9:
        on_zh = f"道路 {road} 的" if road else "道路的"
        on_en = f"road {road}" if road else "the road"
        raise InputError(
            f"桩号 {format_stake(km)} 超出{on_zh}桩号范围"
            f"（{format_stake(lo)}–{format_stake(hi)}）。",
            f"Stake {format_stake(km)} lies outside {on_en} "
            f"({format_stake(lo)}–{format_stake(hi)}).",
        )


_NUMBERED = re.compile(r"^(.*?)(\d+)$")


def next_segment_id(existing: Iterable[object], *, default: str = "HM-SG-01") -> str:
    """Return the next free number in the numbering pattern of ``existing`` ids.

    The pattern is the prefix most ids share before their trailing number (ties: the one
    with the highest number); the result is that prefix with the highest number + 1, padded
    to the widest number seen: ``HM-SG-06`` -> ``HM-SG-07``, ``HM-SG-99`` -> ``HM-SG-100``.
    ``default`` when no id ends in a number.
    """
    taken = {str(v).strip() for v in existing if v is not None and str(v).strip()}
    counts: dict[str, int] = {}
    highest: dict[str, int] = {}
    width: dict[str, int] = {}
    for ident in taken:
        match = _NUMBERED.match(ident)
        if match is None:
            continue
        prefix, digits = match.group(1), match.group(2)
        counts[prefix] = counts.get(prefix, 0) + 1
        highest[prefix] = max(highest.get(prefix, 0), int(digits))
        width[prefix] = max(width.get(prefix, 0), len(digits))
    if not counts:
        candidate = default
        match = _NUMBERED.match(default)
        while candidate in taken and match is not None:
            n = int(match.group(2)) + 1
            candidate = f"{match.group(1)}{n:0{len(match.group(2))}d}"
            match = _NUMBERED.match(candidate)
        return candidate
    prefix = max(counts, key=lambda p: (counts[p], highest[p]))
    number = highest[prefix] + 1
    candidate = f"{prefix}{number:0{width[prefix]}d}"
    while candidate in taken:  # e.g. a wider, zero-padded id of the same number
        number += 1
        candidate = f"{prefix}{number:0{width[prefix]}d}"
    return candidate


@dataclass(frozen=True)
class NetworkPosition:
    """A position on the network: an edge, the distance along it from its start node.

    Attributes
    ----------
    edge
        Edge index in the network.
    offset_m
        Metres from the edge's start node (``edge_u``) along its line.
    x, y
        The position's coordinates (network CRS).
    distance_m
        How far the clicked point lay from the road.
    """

    edge: int
    offset_m: float
    x: float
    y: float
    distance_m: float


@dataclass(frozen=True)
class RoadStretch:
    """A stretch along the road network between two positions.

    Attributes
    ----------
    geometry
        One LineString from the start to the end position (network CRS).
    crs
        The network's metric CRS.
    length_m
        Length of the stretch in metres.
    pieces
        ``(edge, from_offset_m, to_offset_m)`` in travel order; offsets along each edge
        from its start node, decreasing where the edge is travelled backwards.
    road
        Name of the road carrying most of the stretch's length (None if no piece is named).
    road_lengths
        Metres of the stretch on each named road.
    from_km, to_km
        Stakes of the stretch on ``road`` (None where that road has no stakes).
    road_rows
        Row positions (in the roads layer) of the road pieces the stretch runs along.
    """

    geometry: shapely.LineString
    crs: CRS
    length_m: float
    pieces: tuple[tuple[int, float, float], ...]
    road: str | None
    road_lengths: dict[str, float]
    from_km: float | None
    to_km: float | None
    road_rows: tuple[int, ...]
    start: NetworkPosition
    end: NetworkPosition

    def values(self, *, digits: int = 3) -> dict[str, Any]:
        """Return the attributes an accident segment takes from the stretch."""
        out: dict[str, Any] = {}
        if self.road is not None:
            out["road"] = self.road
        if self.from_km is not None and self.to_km is not None:
            out["from_km"] = round(self.from_km, digits)
            out["to_km"] = round(self.to_km, digits)
        return out

    def title(self) -> str:
        """Return a name for the stretch like "G328 K8+700–K11+100"."""
        if self.road is None:
            return ""
        if self.from_km is None or self.to_km is None:
            return self.road
        return f"{self.road} {format_stake(self.from_km)}–{format_stake(self.to_km)}"


@dataclass
class _Origin:
    """Shortest lengths and predecessors from both end nodes of the start edge."""

    nodes: tuple[int, int]
    dist: np.ndarray  # (2, n_nodes)
    pred: np.ndarray  # (2, n_nodes)


class StretchFinder:
    """A road layer prepared for picking stretches (network, length graph, stakes).

    Build it once per road layer version and ask it many times: the tool asks it at every
    mouse move while the user chooses the second end, so the search from the first end is
    kept and each move only walks its predecessors.

    Parameters
    ----------
    roads
        Road lines with a CRS; optional ``name``, ``from_km``, ``to_km`` fields.
    crs
        Metric CRS to work in (default EPSG:4549, or a UTM zone outside its area of use).
    """

    def __init__(self, roads: gpd.GeoDataFrame, *, crs: CRS | None = None) -> None:
        self.roads = roads
        self.network: RoadNetwork = build_network(roads, crs=crs)
        self.crs: CRS = self.network.crs
        self._origins: OrderedDict[tuple[int, int], _Origin] = OrderedDict()
        net = self.network
        both_u = np.concatenate([net.edge_u, net.edge_v])
        both_v = np.concatenate([net.edge_v, net.edge_u])
        self.graph = min_csr(both_u, both_v, np.concatenate([net.edge_length] * 2), net.n_nodes)
        # The shortest edge between each pair of nodes, for turning node paths into edges.
        lo = np.minimum(net.edge_u, net.edge_v)
        hi = np.maximum(net.edge_u, net.edge_v)
        pair = lo * np.int64(max(1, net.n_nodes)) + hi
        order = np.lexsort((net.edge_length, pair))
        first = np.ones(order.shape[0], dtype=bool)
        first[1:] = pair[order][1:] != pair[order][:-1]
        self._pair_keys = pair[order][first]
        self._pair_edge = order[first]
        n = len(self.roads)

        def column(name: str) -> pd.Series:
            if name in self.roads.columns:
                series: pd.Series = self.roads[name].reset_index(drop=True)
                return series
            return pd.Series([None] * n, dtype=object)

        names = column("name").astype("string").str.strip()
        self.road_name = np.asarray(
            names.astype(object).where(names.notna() & (names != ""), None), dtype=object
        )
        self.from_km = pd.to_numeric(column("from_km"), errors="coerce").to_numpy(np.float64)
        self.to_km = pd.to_numeric(column("to_km"), errors="coerce").to_numpy(np.float64)
        self.staked = (
            np.isfinite(self.from_km) & np.isfinite(self.to_km) & (self.to_km > self.from_km)
        )
        self._row_geoms: dict[int, shapely.Geometry] = {}

    # --- positions --------------------------------------------------------------------

    def locate(
        self, x: float, y: float, *, max_distance_m: float = DEFAULT_MAX_DISTANCE_M
    ) -> NetworkPosition:
        """Snap a point (network CRS) to the nearest position on the network.

        Raises
        ------
        InputError
            When no road lies within ``max_distance_m``.
        """
        net = self.network
        point = shapely.Point(x, y)
        if net.n_edges == 0:
            raise InputError("道路图层没有可用的路段。", "The road layer has no usable roads.")
        idx, dist = net.tree.query_nearest(point, return_distance=True, all_matches=False)
        if len(idx) == 0 or float(dist[0]) > max_distance_m:
            away = f"（最近的道路在 {float(dist[0]):,.0f} 米外）" if len(dist) else ""
            away_en = f" (the nearest road is {float(dist[0]):,.0f} m away)" if len(dist) else ""
            raise InputError(
                f"单击处 {max_distance_m:,.0f} 米内没有道路{away}，请在道路上单击。",
                f"No road within {max_distance_m:,.0f} m of the click{away_en}; click on a road.",
            )
        edge = int(idx[0])
        line = net.edge_geometry[edge]
        offset = float(shapely.line_locate_point(line, point))
        offset = min(max(offset, 0.0), float(net.edge_length[edge]))
        at = shapely.line_interpolate_point(line, offset)
        return NetworkPosition(edge, offset, float(at.x), float(at.y), float(dist[0]))

    # --- stakes -----------------------------------------------------------------------

    def staked_roads(self) -> dict[str, tuple[float, float]]:
        """Return each named road with stakes and its first and last stake, by name."""
        out: dict[str, tuple[float, float]] = {}
        for row in np.flatnonzero(self.staked):
            name = self.road_name[row]
            if name is None:
                continue
            lo, hi = float(self.from_km[row]), float(self.to_km[row])
            if name in out:
                lo, hi = min(lo, out[name][0]), max(hi, out[name][1])
            out[str(name)] = (lo, hi)
        return dict(sorted(out.items()))

    def stake_range(self, road: str) -> tuple[float, float]:
        """Return the first and last stake of a road (InputError if it has none)."""
        found = self.staked_roads().get(road)
        if found is None:
            raise InputError(
                f"道路图层中没有带桩号的道路“{road}”。",
                f"The road layer has no road '{road}' with stakes.",
            )
        return found

    def stretch_by_stakes(self, road: str, from_km: float, to_km: float) -> RoadStretch:
        """Return the stretch of ``road`` between two stakes, along that road's own pieces.

        The path keeps to the named road (a shorter way over other roads is not taken), so
        the stretch's stakes are the ones asked for. ``pieces``, ``start`` and ``end`` refer
        to a network of that road alone; ``road_rows`` to rows of the whole road layer.

        Raises
        ------
        InputError
            When the road has no stakes, a stake lies outside them, the stakes are equal, or
            the road's pieces between them do not connect.
        """
        lo, hi = self.stake_range(road)
        for km in (from_km, to_km):
            _check_range(km, road, (lo, hi))
        if abs(to_km - from_km) < 1e-6:
            raise InputError(
                "起点桩号和终点桩号相同，请输入不同的桩号。",
                "The from and to stakes are equal; type two different stakes.",
            )
        rows = np.flatnonzero((self.road_name == road) & self.staked)
        sub = StretchFinder(self.roads.iloc[rows], crs=self.crs)
        ends = [sub._position_at(km) for km in (from_km, to_km)]
        stretch = sub.stretch(ends[0], ends[1])
        return replace(stretch, road_rows=tuple(int(rows[r]) for r in stretch.road_rows))

    def _position_at(self, km: float) -> NetworkPosition:
        """The network position of a stake on this finder's (single, staked) road."""
        inside = np.flatnonzero(
            self.staked & (self.from_km <= km + 1e-9) & (self.to_km >= km - 1e-9)
        )
        if len(inside) == 0:
            raise InputError(
                f"桩号 {format_stake(km)} 处没有道路（桩号不连续）。",
                f"No road piece carries stake {format_stake(km)} (the stakes have a gap).",
            )
        row = int(inside[0])
        geom = self._metric_row(row)
        frac = (km - self.from_km[row]) / (self.to_km[row] - self.from_km[row])
        point = shapely.line_interpolate_point(geom, float(frac), normalized=True)
        return self.locate(point.x, point.y, max_distance_m=1.0)

    # --- paths ------------------------------------------------------------------------

    def _origin(self, a: NetworkPosition) -> _Origin:
        net = self.network
        nodes = (int(net.edge_u[a.edge]), int(net.edge_v[a.edge]))
        found = self._origins.get(nodes)
        if found is None:
            dist, pred = csgraph.dijkstra(
                self.graph, directed=True, indices=list(nodes), return_predecessors=True
            )
            found = _Origin(nodes, np.asarray(dist), np.asarray(pred))
            self._origins[nodes] = found
            while len(self._origins) > _ORIGINS:
                self._origins.popitem(last=False)
        else:
            self._origins.move_to_end(nodes)
        return found

    def _edge_between(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        key = np.minimum(i, j) * np.int64(max(1, self.network.n_nodes)) + np.maximum(i, j)
        pos = np.searchsorted(self._pair_keys, key)
        return np.asarray(self._pair_edge[pos], dtype=np.int64)

    def stretch(self, a: NetworkPosition, b: NetworkPosition) -> RoadStretch:
        """Return the shortest stretch (by length) from position ``a`` to position ``b``.

        Raises
        ------
        InputError
            When the two ends lie on parts of the network that do not connect, or coincide.
        """
        net = self.network
        comp_a = net.component[net.edge_u[a.edge]]
        comp_b = net.component[net.edge_u[b.edge]]
        if comp_a != comp_b:
            raise InputError(
                "两端位于互不连通的路网部分，无法沿道路连成一段。请检查道路是否在路口处相连。",
                "The two ends lie on parts of the road network that do not connect; check "
                "that the roads meet at shared junction vertices.",
            )
        la, lb = float(net.edge_length[a.edge]), float(net.edge_length[b.edge])
        origin = self._origin(a)
        ub, vb = int(net.edge_u[b.edge]), int(net.edge_v[b.edge])
        # (total, source 0/1 = leave a towards edge_u/edge_v, target node, enter b from it)
        lead = (a.offset_m, la - a.offset_m)
        tail = {ub: b.offset_m, vb: lb - b.offset_m}
        best: tuple[float, int, int] | None = None
        for s in (0, 1):
            for node, rest in tail.items():
                total = lead[s] + float(origin.dist[s, node]) + rest
                if np.isfinite(total) and (best is None or total < best[0]):
                    best = (total, s, node)
        direct = abs(a.offset_m - b.offset_m) if a.edge == b.edge else np.inf
        pieces: list[tuple[int, float, float]]
        if a.edge == b.edge and (best is None or direct <= best[0]):
            pieces = [(a.edge, a.offset_m, b.offset_m)]
        else:
            if best is None:  # same component but no path: cannot happen on an undirected graph
                raise InputError("两端之间没有道路连通。", "No road connects the two ends.")
            _total, s, node = best
            nodes = [node]
            pred = origin.pred[s]
            while nodes[-1] != origin.nodes[s]:
                nodes.append(int(pred[nodes[-1]]))
            nodes.reverse()
            pieces = [(a.edge, a.offset_m, 0.0 if s == 0 else la)]
            if len(nodes) > 1:
                path = np.asarray(nodes, dtype=np.int64)
                edges = self._edge_between(path[:-1], path[1:])
                for e, i in zip(edges, path[:-1], strict=True):
                    full = float(net.edge_length[e])
                    forward = int(net.edge_u[e]) == int(i)
                    pieces.append((int(e), 0.0, full) if forward else (int(e), full, 0.0))
            pieces.append((b.edge, 0.0 if node == ub else lb, b.offset_m))
        pieces = [p for p in pieces if p[1] != p[2]]
        length = float(sum(abs(t - f) for _e, f, t in pieces))
        if length <= 0.0:
            raise InputError(
                "起点和终点重合，请在道路的另一处单击终点。",
                "The two ends coincide; click the end somewhere else along the road.",
            )
        return self._describe(a, b, pieces, length)

    def _describe(
        self,
        a: NetworkPosition,
        b: NetworkPosition,
        pieces: list[tuple[int, float, float]],
        length: float,
    ) -> RoadStretch:
        net = self.network
        coords: list[np.ndarray] = []
        for e, f, t in pieces:
            part = ops.substring(net.edge_geometry[e], f, t)
            xy = shapely.get_coordinates(part)
            if coords and len(xy) and np.allclose(coords[-1][-1], xy[0]):
                xy = xy[1:]
            coords.append(xy)
        line = shapely.LineString(np.vstack(coords))
        rows = np.asarray([net.edge_road[e] for e, _f, _t in pieces], dtype=np.int64)
        lengths = np.asarray([abs(t - f) for _e, f, t in pieces])
        names = self.road_name[rows]
        by_road: dict[str, float] = {}
        for name, metres in zip(names, lengths, strict=True):
            if name is not None:
                by_road[str(name)] = by_road.get(str(name), 0.0) + float(metres)
        road = max(by_road, key=lambda k: by_road[k]) if by_road else None
        from_km = to_km = None
        if road is not None:
            kms = []
            for (e, f, t), row, name in zip(pieces, rows, names, strict=True):
                if name != road or not self.staked[row]:
                    continue
                ends = shapely.line_interpolate_point(net.edge_geometry[e], [f, t])
                kms.extend(self._km(int(row), ends))
            if kms:
                from_km, to_km = float(min(kms)), float(max(kms))
        return RoadStretch(
            geometry=line,
            crs=net.crs,
            length_m=length,
            pieces=tuple(pieces),
            road=road,
            road_lengths=by_road,
            from_km=from_km,
            to_km=to_km,
            road_rows=tuple(dict.fromkeys(int(r) for r in rows)),
            start=a,
            end=b,
        )

    def _metric_row(self, row: int) -> shapely.Geometry:
        """A road piece's line in the network CRS (cached)."""
        geom = self._row_geoms.get(row)
        if geom is None:
            metric = to_crs_checked(self.roads.iloc[[row]], self.network.crs, layer="roads")
            geom = shapely.line_merge(metric.geometry.to_numpy()[0])
            self._row_geoms[row] = geom
        return geom

    def _km(self, row: int, points: np.ndarray) -> list[float]:
        """Return the stakes of points on a stake-referenced road piece."""
        geom = self._metric_row(row)
        frac = shapely.line_locate_point(geom, points, normalized=True)
        f0, f1 = self.from_km[row], self.to_km[row]
        return [float(f0 + v * (f1 - f0)) for v in np.asarray(frac, dtype=np.float64)]


def road_stretch(
    roads: gpd.GeoDataFrame,
    start: tuple[float, float],
    end: tuple[float, float],
    *,
    crs: CRS | None = None,
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
) -> RoadStretch:
    """Return the stretch along the road network between two clicked points.

    Parameters
    ----------
    roads
        Road lines with a CRS; ``name``, ``from_km`` and ``to_km`` give road and stakes.
    start, end
        The clicked points as (x, y) in the metric CRS of the result.
    crs
        That metric CRS (default: the one :func:`build_network` chooses, EPSG:4549 in
        Haimen).
    max_distance_m
        How far from a road a click may be.

    Raises
    ------
    InputError
        When a click is not near a road, the ends do not connect, or they coincide.
    """
    finder = StretchFinder(roads, crs=crs)
    a = finder.locate(*start, max_distance_m=max_distance_m)
    b = finder.locate(*end, max_distance_m=max_distance_m)
    return finder.stretch(a, b)
