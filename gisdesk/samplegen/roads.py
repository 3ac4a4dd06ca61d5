"""Generate Haimen's schematic road network, noded at every junction.

The network has three parts:

* a slightly rotated rectilinear grid, the pattern of the reclaimed delta farmland: county
  (X) and township (Y) roads on fixed grid lines, named streets in the city centre, a dense
  village (C) grid between them whose spacing shrinks with ``scale``, finer streets in town
  centres, and short dead-end lanes to farmsteads;
* national and provincial trunk roads (G328, S221, ...) as polylines across the grid;
* two to four grade separations, where a trunk road bridges another road without a junction.

The grid is noded by construction: its segments are cut at grid nodes where another grid
segment meets them and nowhere else, so shared junctions are bit-identical vertices. The few
grid segments a trunk road crosses are noded against the trunk roads with one GEOS union.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.ops import substring

from gisdesk.samplegen.arrays import BoolArray, FloatArray, GeomArray, IntArray
from gisdesk.samplegen.geo import lonlat_to_metric, to_geographic, to_metric
from gisdesk.samplegen.grid import (
    ALONG_V,
    COUNTY,
    FIXED,
    GRID_ROADS,
    MINOR,
    NATIONAL,
    PROVINCIAL,
    ROAD_CLASSES,
    TOWNSHIP,
    TRUNK,
    VILLAGE,
    GridFrame,
    SegmentAttributes,
    grid_segments,
    haimen_grid_frame,
    in_zones,
    urban_zones,
)

__all__ = [
    "COUNTY",
    "NATIONAL",
    "PROVINCIAL",
    "ROAD_CLASSES",
    "TOWNSHIP",
    "TRUNK_ROADS",
    "VILLAGE",
    "RoadNetwork",
    "build_roads",
]


_LANES = np.array([4, 4, 2, 2, 1], dtype=np.int64)
_SPEED = np.array([80.0, 70.0, 60.0, 40.0, 30.0])

# Schematic trunk roads: (name, class, waypoints lon/lat from the road's start).
TRUNK_ROADS: tuple[tuple[str, int, tuple[tuple[float, float], ...]], ...] = (
    (
        "G328",
        NATIONAL,
        (
            (121.000, 31.9215),
            (121.100, 31.9190),
            (121.170, 31.9165),
            (121.250, 31.9260),
            (121.340, 31.9560),
            (121.420, 31.9910),
            (121.500, 32.0300),
            (121.600, 32.0500),
        ),
    ),
    (
        "S221",
        PROVINCIAL,
        (
            (121.216, 31.800),
            (121.214, 31.840),
            (121.199, 31.905),
            (121.210, 32.000),
            (121.236, 32.140),
        ),
    ),
    (
        "S336",
        PROVINCIAL,
        (
            (121.120, 32.012),
            (121.220, 32.036),
            (121.350, 32.062),
            (121.460, 32.090),
            (121.600, 32.112),
        ),
    ),
    (
        "S222",
        PROVINCIAL,
        ((121.392, 31.740), (121.400, 31.870), (121.415, 31.980), (121.445, 32.170)),
    ),
    (
        "S223",
        PROVINCIAL,
        ((121.070, 31.740), (121.100, 31.860), (121.120, 31.950), (121.140, 32.020)),
    ),
)

_BASE_SPACING_M = 425.0  # village grid spacing at scale 1 (keeps the sample under 5 MB)
_BRIDGE_HALF_M = 60.0
_INSIDE_MARGIN_M = 60.0


@dataclass
class RoadNetwork:
    """The generated roads: stored geometry, metric geometry and attributes per segment."""

    geographic: GeomArray
    metric: GeomArray  # the stored geometry projected back to EPSG:4549
    road_class: IntArray
    name: list[str | None]
    level: IntArray
    lanes: IntArray
    oneway: BoolArray
    speed_kmh: FloatArray
    from_km: FloatArray  # NaN for unnamed roads
    to_km: FloatArray
    road_id: list[str]
    trunk_metric: dict[str, LineString] = field(default_factory=dict)
    bridges: list[int] = field(default_factory=list)

    def class_names(self) -> list[str]:
        """Return the class of every segment as its Chinese domain value."""
        return [ROAD_CLASSES[int(c)] for c in self.road_class]


def _trunk_lines(
    inner: Polygon | MultiPolygon,
) -> tuple[dict[str, LineString], list[LineString], list[int]]:
    """Return full trunk polylines (metres) and their parts inside the district."""
    full: dict[str, LineString] = {}
    parts: list[LineString] = []
    owner: list[int] = []
    for k, (name, _cls, points) in enumerate(TRUNK_ROADS):
        lon, lat = np.array(points).T
        x, y = lonlat_to_metric(lon, lat)
        line = LineString(np.column_stack([x, y]))
        full[name] = line
        clipped = shapely.intersection(line, inner)
        for part in shapely.get_parts(shapely.line_merge(clipped)):
            if isinstance(part, LineString) and part.length > 200.0:
                parts.append(part)
                owner.append(k)
    return full, parts, owner


def _cut(line: LineString, d0: float, d1: float) -> tuple[LineString, LineString, LineString]:
    """Cut a line at distances d0 < d1 into before, middle and after (shared cut points)."""
    xy = shapely.get_coordinates(line)
    dist = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
    p0 = shapely.get_coordinates(shapely.line_interpolate_point(line, d0))[0]
    p1 = shapely.get_coordinates(shapely.line_interpolate_point(line, d1))[0]
    before = np.vstack([xy[dist < d0], p0])
    middle = np.vstack([p0, xy[(dist > d0) & (dist < d1)], p1])
    after = np.vstack([p1, xy[dist > d1]])
    return LineString(before), LineString(middle), LineString(after)


def _choose_bridges(
    parts: list[LineString], owner: list[int], attrs: SegmentAttributes, grid_lines: GeomArray
) -> list[tuple[int, float]]:
    """Pick up to three trunk crossings of county or township roads to grade-separate.

    A crossing qualifies when the bridge span meets no other grid segment and no other
    trunk road; per trunk road the middle qualifying crossing is taken.
    """
    tree = shapely.STRtree(grid_lines)
    chosen: list[tuple[int, float]] = []
    used_roads: set[int] = set()
    for p, part in enumerate(parts):
        if owner[p] in used_roads or len(chosen) >= 3:
            continue
        other_trunk = shapely.union_all([q for k, q in enumerate(parts) if owner[k] != owner[p]])
        hits = tree.query(part, predicate="intersects")
        hits = hits[(attrs.road_class[hits] <= TOWNSHIP) & (attrs.name_code[hits] > 0)]
        hits = hits[[GRID_ROADS[int(attrs.name_code[h]) - 1][4] is None for h in hits]]
        candidates: list[float] = []
        for h in hits:
            where = shapely.intersection(part, grid_lines[h])
            if not isinstance(where, shapely.Point):
                continue
            d = float(shapely.line_locate_point(part, where))
            if d < 500.0 or d > part.length - 500.0:
                continue
            span = substring(part, d - _BRIDGE_HALF_M, d + _BRIDGE_HALF_M)
            crossing = tree.query(span.buffer(5.0), predicate="intersects")
            if len(crossing) == 1 and not shapely.intersects(span.buffer(30.0), other_trunk):
                candidates.append(d)
        if candidates:
            candidates.sort()
            chosen.append((p, candidates[len(candidates) // 2]))
            used_roads.add(owner[p])
    return chosen


def _largest_component(geoms: GeomArray) -> BoolArray:
    """Flag the segments of the largest connected component."""
    first = shapely.get_coordinates(shapely.get_point(geoms, 0))
    last = shapely.get_coordinates(shapely.get_point(geoms, -1))
    _, node = np.unique(np.concatenate([first, last]), axis=0, return_inverse=True)
    node = node.ravel()
    n = len(first)
    graph = coo_matrix((np.ones(n), (node[:n], node[n:])), shape=(int(node.max()) + 1,) * 2)
    _, label = connected_components(graph, directed=False)
    seg_label = label[node[:n]]
    return np.asarray(seg_label == np.bincount(seg_label).argmax())


def _trunk_attributes(owner: npt.ArrayLike) -> SegmentAttributes:
    idx = np.asarray(owner, dtype=np.int64)
    n = len(idx)
    return SegmentAttributes(
        road_class=np.array([TRUNK_ROADS[int(k)][1] for k in idx], dtype=np.int64),
        name_code=-(idx + 1),
        axis=np.full(n, TRUNK, dtype=np.int64),
        line_kind=np.full(n, FIXED, dtype=np.int64),
        line_pos=np.full(n, np.nan),
    )


def _split_bridges(
    parts: list[LineString], owner: list[int], bridges: list[tuple[int, float]]
) -> tuple[list[LineString], list[int], list[LineString], list[int]]:
    """Cut the bridge spans out of the trunk parts; return parts to node and the bridges."""
    noded: list[LineString] = []
    noded_owner: list[int] = []
    spans: list[LineString] = []
    span_owner: list[int] = []
    at = dict(bridges)
    for p, part in enumerate(parts):
        if p not in at:
            noded.append(part)
            noded_owner.append(owner[p])
            continue
        before, middle, after = _cut(part, at[p] - _BRIDGE_HALF_M, at[p] + _BRIDGE_HALF_M)
        noded.extend([before, after])
        noded_owner.extend([owner[p]] * 2)
        spans.append(middle)
        span_owner.append(owner[p])
    return noded, noded_owner, spans, span_owner


def _node_trunks(
    grid_lines: GeomArray, attrs: SegmentAttributes, trunks: list[LineString], owner: list[int]
) -> tuple[GeomArray, SegmentAttributes]:
    """Node trunk roads against each other and the grid segments they cross.

    Returns the whole at-grade network: untouched grid segments plus the noded pieces.
    """
    trunk_arr = np.array(trunks, dtype=object)
    affected = np.unique(shapely.STRtree(grid_lines).query(trunk_arr, predicate="intersects")[1])
    sources = np.concatenate([trunk_arr, grid_lines[affected]])
    source_attrs = SegmentAttributes.concat([_trunk_attributes(owner), attrs.take(affected)])
    pieces = shapely.get_parts(shapely.union_all(sources))
    mids = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    match = shapely.STRtree(sources).query_nearest(mids, max_distance=0.05, all_matches=False)
    if len(match[0]) != len(pieces):  # pragma: no cover - a piece always lies on its source
        raise RuntimeError("road noding lost track of some pieces")
    src = match[1][np.argsort(match[0])]
    untouched = np.ones(len(grid_lines), dtype=bool)
    untouched[affected] = False
    geoms = np.concatenate([grid_lines[untouched], pieces])
    return geoms, SegmentAttributes.concat([attrs.take(untouched), source_attrs.take(src)])


def build_roads(
    outline_m: Polygon | MultiPolygon,
    town_seeds: FloatArray,
    *,
    scale: float,
    rng: np.random.Generator,
) -> RoadNetwork:
    """Generate the noded road network.

    Parameters
    ----------
    outline_m
        District outline in EPSG:4549.
    town_seeds
        Town-centre positions (metres), the city centre first.
    scale
        Density factor: the village grid spacing shrinks with ``1 / sqrt(scale)``, so the
        number of segments grows about linearly with it.
    rng
        Random generator dedicated to the roads.

    Returns
    -------
    RoadNetwork
        Segments in EPSG:4490 (rounded) with their metric twins and attributes.
    """
    frame = haimen_grid_frame()
    inner = shapely.buffer(outline_m, -_INSIDE_MARGIN_M)
    trunk_full, trunk_parts, trunk_owner = _trunk_lines(inner)
    spacing = _BASE_SPACING_M / np.sqrt(scale)
    trunk_union = shapely.union_all(trunk_parts)
    shapely.prepare(trunk_union)
    zones = urban_zones(frame, town_seeds)
    grid_xy, grid_attrs = grid_segments(
        frame,
        inner=inner,
        trunk=trunk_union,
        trunk_zone=shapely.buffer(trunk_union, 0.32 * spacing),
        zones=zones,
        spacing=spacing,
        rng=rng,
    )
    grid_lines = shapely.linestrings(grid_xy)
    bridges = _choose_bridges(trunk_parts, trunk_owner, grid_attrs, grid_lines)
    noded, noded_owner, spans, span_owner = _split_bridges(trunk_parts, trunk_owner, bridges)
    flat, flat_attrs = _node_trunks(grid_lines, grid_attrs, noded, noded_owner)
    geoms = np.concatenate([flat, np.array(spans, dtype=object)])
    attrs = SegmentAttributes.concat([flat_attrs, _trunk_attributes(span_owner)])
    level = np.concatenate([np.zeros(len(flat)), np.ones(len(spans))]).astype(np.int64)
    # Keep the connected network; the inner margin keeps everything inside the outline.
    keep = _largest_component(geoms)
    keep &= shapely.within(geoms, shapely.buffer(outline_m, -10.0))
    keep &= shapely.length(geoms) > 0.0
    sel = np.flatnonzero(keep)
    return _finish(
        geoms[sel], attrs.take(sel), level[sel], frame=frame, zones=zones, trunk_full=trunk_full
    )


def _road_name(code: int) -> str | None:
    if code > 0:
        return GRID_ROADS[code - 1][3]
    if code < 0:
        return TRUNK_ROADS[-code - 1][0]
    return None


def _orientation(
    metric: GeomArray, attrs: SegmentAttributes, frame: GridFrame, trunk_full: dict[str, LineString]
) -> tuple[FloatArray, BoolArray]:
    """Return each segment's position along its road and whether it runs backwards."""
    mids = shapely.line_interpolate_point(metric, 0.5, normalized=True)
    mxy = shapely.get_coordinates(mids)
    mu, mv = frame.to_uv(mxy[:, 0], mxy[:, 1])
    along = np.where(attrs.axis == ALONG_V, mu, mv)
    starts = shapely.get_coordinates(shapely.get_point(metric, 0))
    ends = shapely.get_coordinates(shapely.get_point(metric, -1))
    su, sv = frame.to_uv(starts[:, 0], starts[:, 1])
    eu, ev = frame.to_uv(ends[:, 0], ends[:, 1])
    backwards = np.where(attrs.axis == ALONG_V, eu < su, ev < sv)
    for k, (name, _cls, _pts) in enumerate(TRUNK_ROADS):
        rows = np.flatnonzero(attrs.name_code == -(k + 1))
        ref = trunk_full[name]
        along[rows] = shapely.line_locate_point(ref, mids[rows])
        backwards[rows] = shapely.line_locate_point(
            ref, shapely.points(ends[rows])
        ) < shapely.line_locate_point(ref, shapely.points(starts[rows]))
    return along, backwards


def _oneway_pair(
    attrs: SegmentAttributes, mu: FloatArray, mv: FloatArray
) -> tuple[BoolArray, BoolArray]:
    """Pick two minor streets beside the city centre as a one-way pair.

    Returns the one-way flags and which of them run against the frame's v axis.
    """
    centre = (mu**2 + mv**2 < 900.0**2) & (attrs.line_kind == MINOR) & (attrs.axis != ALONG_V)
    oneway = np.zeros(len(mu), dtype=bool)
    southbound = np.zeros(len(mu), dtype=bool)
    positions = np.unique(attrs.line_pos[centre])
    west, east = positions[positions < 0], positions[positions > 0]
    if len(west) and len(east):
        oneway = centre & np.isin(attrs.line_pos, [west.max(), east.min()])
        southbound = oneway & (attrs.line_pos == west.max())
    return oneway, southbound


def _stakes(name_code: IntArray, length_km: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return kilometre stakes of named segments (rows already in along-road order)."""
    from_km = np.full(len(name_code), np.nan)
    to_km = np.full(len(name_code), np.nan)
    for code in np.unique(name_code[name_code != 0]):
        rows = np.flatnonzero(name_code == code)
        cum = np.concatenate([[0.0], np.cumsum(length_km[rows])])
        from_km[rows] = np.round(cum[:-1], 6)
        to_km[rows] = np.round(cum[1:], 6)
    return from_km, to_km


def _finish(
    metric: GeomArray,
    attrs: SegmentAttributes,
    level: IntArray,
    *,
    frame: GridFrame,
    zones: FloatArray,
    trunk_full: dict[str, LineString],
) -> RoadNetwork:
    """Orient, order, attribute and stake the segments."""
    along, backwards = _orientation(metric, attrs, frame, trunk_full)
    mxy = shapely.get_coordinates(shapely.line_interpolate_point(metric, 0.5, normalized=True))
    mu, mv = frame.to_uv(mxy[:, 0], mxy[:, 1])
    oneway, southbound = _oneway_pair(attrs, mu, mv)
    named = attrs.name_code != 0
    # Named roads run along their stakes; the one-way pair runs north and south.
    flip = np.where(named, backwards, oneway & (backwards != southbound))
    metric = metric.copy()
    metric[flip] = shapely.reverse(metric[flip])

    # Deterministic order: named roads by name and stake, then the rest by place.
    names = [_road_name(int(c)) for c in attrs.name_code]
    rank = np.where(attrs.name_code < 0, 0, np.where(named, 1, 2))
    order = np.lexsort(
        (
            np.round(mxy[:, 0], 3),
            np.round(mxy[:, 1], 3),
            np.where(named, along, 0.0),
            np.array([n or "" for n in names], dtype=object),
            attrs.road_class,
            rank,
        )
    )
    attrs = attrs.take(order)
    level, oneway, mu, mv = level[order], oneway[order], mu[order], mv[order]
    geographic = to_geographic(metric[order])
    stored_metric = to_metric(geographic)
    from_km, to_km = _stakes(attrs.name_code, shapely.length(stored_metric) / 1000.0)

    cls = attrs.road_class
    urban = in_zones(mu, mv, zones)
    street = (cls == TOWNSHIP) & (attrs.name_code > 0) & urban
    lanes = _LANES[cls].copy()
    lanes[((cls == NATIONAL) & urban)] = 6
    lanes[street] = 4
    speed = _SPEED[cls].copy()
    speed[(cls <= PROVINCIAL) & urban] = 60.0
    speed[street] = 50.0
    speed[oneway] = 30.0
    return RoadNetwork(
        geographic=geographic,
        metric=stored_metric,
        road_class=cls,
        name=[names[i] for i in order],
        level=level,
        lanes=lanes,
        oneway=oneway,
        speed_kmh=speed,
        from_km=from_km,
        to_km=to_km,
        road_id=[f"HM-R{k + 1:06d}" for k in range(len(order))],
        trunk_metric=trunk_full,
        bridges=np.flatnonzero(level == 1).tolist(),
    )
