"""Build the farmland road grid, cut into segments at its junctions by construction.

The grid lives in a slightly rotated metric frame (u, v). Lines of constant u run roughly
north, lines of constant v roughly east. There are three kinds of line: fixed lines carrying
county and township roads (their positions do not depend on ``scale``), village lines filling
the gaps between them, and minor lines halfway between those, used only in town centres.

A segment runs along one line between two nodes where another segment meets it, so shared
junctions are bit-identical vertices: both neighbours compute them from the same (u, v).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiLineString, MultiPolygon, Polygon

from gisdesk.samplegen.arrays import BoolArray, FloatArray, IntArray
from gisdesk.samplegen.geo import lonlat_to_metric

__all__ = [
    "COUNTY",
    "GRID_ROADS",
    "NATIONAL",
    "PROVINCIAL",
    "ROAD_CLASSES",
    "TOWNSHIP",
    "VILLAGE",
    "GridFrame",
    "SegmentAttributes",
    "grid_segments",
    "haimen_grid_frame",
    "in_zones",
    "urban_zones",
]


ROAD_CLASSES: tuple[str, ...] = ("国道", "省道", "县道", "乡道", "村道")
NATIONAL, PROVINCIAL, COUNTY, TOWNSHIP, VILLAGE = range(5)

# Fixed grid roads: (axis, offset m, class, name, extent m along the line or None).
# Axis "u" is a line of constant u running roughly north; "v" runs roughly east.
_CENTRE = 2600.0
GRID_ROADS: tuple[tuple[str, float, int, str, tuple[float, float] | None], ...] = (
    ("u", -7200.0, COUNTY, "X201", None),
    ("u", -4000.0, TOWNSHIP, "Y001", None),
    ("u", -1500.0, TOWNSHIP, "长江路", (-_CENTRE, _CENTRE)),
    ("u", 800.0, TOWNSHIP, "秀山路", (-_CENTRE, _CENTRE)),
    ("u", 7000.0, TOWNSHIP, "Y003", None),
    ("u", 11500.0, COUNTY, "X203", None),
    ("u", 16500.0, TOWNSHIP, "Y005", None),
    ("u", 27000.0, COUNTY, "X205", None),
    ("u", 32000.0, TOWNSHIP, "Y007", None),
    ("v", -11000.0, TOWNSHIP, "Y002", None),
    ("v", -6000.0, COUNTY, "X202", None),
    ("v", -1700.0, TOWNSHIP, "人民路", (-_CENTRE, _CENTRE)),
    ("v", -200.0, TOWNSHIP, "解放路", (-_CENTRE, _CENTRE)),
    ("v", 5000.0, TOWNSHIP, "Y004", None),
    ("v", 10000.0, COUNTY, "X204", None),
    ("v", 15000.0, TOWNSHIP, "Y006", None),
    ("v", 20000.0, COUNTY, "X206", None),
    ("v", 24000.0, TOWNSHIP, "Y008", None),
)

_KEEP_NS = 0.9  # village roads run mostly north-south ...
_KEEP_EW = 0.45  # ... with fewer east-west links
_LANE_P = 0.3  # chance of each of two farmstead lanes on a village road link

# Line kinds.
FIXED, MAJOR, MINOR = 0, 1, 2
# Segment axes.
ALONG_U, ALONG_V, TRUNK, LANE = 0, 1, 2, 3

# Dense street grids: the city centre (海门街道, frame origin) and the other town centres,
# radii in TOWN_SPECS order.
_ZONE_RADII = (
    2600.0,
    1400.0,
    1200.0,
    700.0,
    700.0,
    700.0,
    700.0,
    700.0,
    700.0,
    700.0,
    900.0,
    700.0,
)


@dataclass(frozen=True)
class GridFrame:
    """A rotated metric frame (u, v) whose axes the road and canal grid follows."""

    x0: float
    y0: float
    angle_rad: float

    def to_xy(self, u: npt.ArrayLike, v: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Return EPSG:4549 coordinates of frame coordinates."""
        c, s = np.cos(self.angle_rad), np.sin(self.angle_rad)
        ua, va = np.asarray(u, dtype=np.float64), np.asarray(v, dtype=np.float64)
        return self.x0 + ua * c - va * s, self.y0 + ua * s + va * c

    def to_uv(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Return frame coordinates of EPSG:4549 coordinates."""
        c, s = np.cos(self.angle_rad), np.sin(self.angle_rad)
        dx = np.asarray(x, dtype=np.float64) - self.x0
        dy = np.asarray(y, dtype=np.float64) - self.y0
        return dx * c + dy * s, -dx * s + dy * c


def haimen_grid_frame() -> GridFrame:
    """Return the frame of the sample's grid: origin at the city centre, rotated 4 degrees."""
    x, y = lonlat_to_metric(121.17, 31.90)
    return GridFrame(float(x), float(y), float(np.radians(4.0)))


@dataclass
class SegmentAttributes:
    """Per-segment attributes carried through noding."""

    road_class: IntArray
    name_code: IntArray  # 0 unnamed, k + 1 = GRID_ROADS[k], -(k + 1) = trunk road k
    axis: IntArray  # ALONG_U, ALONG_V, TRUNK or LANE
    line_kind: IntArray  # FIXED, MAJOR or MINOR
    line_pos: FloatArray  # u or v of the grid line, NaN off the grid

    def take(self, index: npt.ArrayLike) -> SegmentAttributes:
        """Return the attributes of the segments at `index`."""
        idx = np.asarray(index)
        return SegmentAttributes(
            self.road_class[idx],
            self.name_code[idx],
            self.axis[idx],
            self.line_kind[idx],
            self.line_pos[idx],
        )

    @staticmethod
    def concat(parts: list[SegmentAttributes]) -> SegmentAttributes:
        """Return the attributes of several groups of segments, in order."""
        return SegmentAttributes(
            np.concatenate([p.road_class for p in parts]).astype(np.int64),
            np.concatenate([p.name_code for p in parts]).astype(np.int64),
            np.concatenate([p.axis for p in parts]).astype(np.int64),
            np.concatenate([p.line_kind for p in parts]).astype(np.int64),
            np.concatenate([p.line_pos for p in parts]).astype(np.float64),
        )


@dataclass
class _Lines:
    """Grid lines along one axis, sorted by position."""

    pos: FloatArray
    kind: IntArray
    fixed: IntArray  # index into GRID_ROADS, -1 if none


@dataclass
class _Edges:
    """Edges of one family: rows are its lines, columns the intervals between cross lines."""

    keep: BoolArray
    road_class: IntArray
    name_code: IntArray
    urban: BoolArray


def _grid_lines(
    axis: str, lo: float, hi: float, spacing: float, rng: np.random.Generator
) -> _Lines:
    fixed_idx = [k for k, road in enumerate(GRID_ROADS) if road[0] == axis]
    fixed_pos = np.array([GRID_ROADS[k][1] for k in fixed_idx])
    anchors = np.concatenate([[lo], np.sort(fixed_pos), [hi]])
    major: list[float] = []
    for a, b in itertools.pairwise(anchors):
        n = max(round((b - a) / spacing) - 1, 0)
        if n == 0:
            continue
        step = (b - a) / (n + 1)
        pos = a + step * np.arange(1, n + 1) + rng.uniform(-0.15, 0.15, n) * step
        major.extend(pos.tolist())
    pos = np.concatenate([fixed_pos, np.array(major)])
    kind = np.concatenate([np.full(len(fixed_pos), FIXED), np.full(len(major), MAJOR)])
    fixed = np.concatenate([np.array(fixed_idx), np.full(len(major), -1)])
    order = np.argsort(pos, kind="stable")
    pos, kind, fixed = pos[order], kind[order], fixed[order]
    mids = (pos[:-1] + pos[1:]) / 2
    all_pos = np.concatenate([pos, mids])
    order = np.argsort(all_pos, kind="stable")
    return _Lines(
        all_pos[order],
        np.concatenate([kind, np.full(len(mids), MINOR)])[order].astype(np.int64),
        np.concatenate([fixed, np.full(len(mids), -1)])[order].astype(np.int64),
    )


def urban_zones(frame: GridFrame, town_seeds: FloatArray) -> FloatArray:
    """Return (u, v, radius) of the dense street grids around the town centres."""
    u, v = frame.to_uv(town_seeds[:, 0], town_seeds[:, 1])
    zones = np.column_stack([u, v, np.array(_ZONE_RADII[: len(u)])])
    zones[0, :2] = 0.0  # the frame origin is the city centre
    return zones


def in_zones(u: FloatArray, v: FloatArray, zones: FloatArray) -> BoolArray:
    """Return whether frame points fall in any of the dense street grids."""
    inside = np.zeros(np.broadcast_shapes(np.shape(u), np.shape(v)), dtype=bool)
    for zu, zv, r in zones:
        inside |= (u - zu) ** 2 + (v - zv) ** 2 < r * r
    return inside


def _edges(
    lines: _Lines,
    cross: _Lines,
    *,
    urban: BoolArray,
    keep_p: float,
    rng: np.random.Generator,
) -> _Edges:
    """Decide which edges of `lines` exist, and their class and name.

    A village link between two major cross lines is kept or dropped as a whole, including
    any minor cross line it passes.
    """
    mid_along = (cross.pos[:-1] + cross.pos[1:]) / 2
    shape = (len(lines.pos), len(mid_along))
    cls = np.full(shape, VILLAGE, dtype=np.int64)
    name = np.zeros(shape, dtype=np.int64)
    link = np.maximum(np.cumsum(cross.kind != MINOR)[:-1] - 1, 0)
    draw = rng.random((len(lines.pos), int(link.max()) + 1))[:, link]
    in_extent = np.zeros(shape, dtype=bool)
    for row in np.flatnonzero(lines.kind == FIXED):
        k = int(lines.fixed[row])
        extent = GRID_ROADS[k][4]
        lo, hi = extent if extent is not None else (-np.inf, np.inf)
        in_extent[row] = (mid_along >= lo) & (mid_along <= hi)
        cls[row, in_extent[row]] = GRID_ROADS[k][2]
        name[row, in_extent[row]] = k + 1
    major_like = (lines.kind != MINOR)[:, None] & ~in_extent
    keep = in_extent | (major_like & (urban | (draw < keep_p)))
    keep |= (lines.kind == MINOR)[:, None] & urban
    return _Edges(keep, cls, name, urban)


def _drop_alongside(
    edges: _Edges,
    node_xy: tuple[FloatArray, FloatArray],
    near_trunk: BoolArray,
    trunk: MultiLineString,
) -> None:
    """Drop village edges that run beside a trunk road without crossing it."""
    x, y = node_xy
    candidate = near_trunk[:, :-1] & near_trunk[:, 1:] & edges.keep & (edges.name_code == 0)
    rows, cols = np.nonzero(candidate)
    start = np.column_stack([x[rows, cols], y[rows, cols]])
    end = np.column_stack([x[rows, cols + 1], y[rows, cols + 1]])
    crosses = shapely.intersects(shapely.linestrings(np.stack([start, end], axis=1)), trunk)
    edges.keep[rows[~crosses], cols[~crosses]] = False


def _other_at_node(other: _Edges, n_lines: int, n_cross: int) -> BoolArray:
    """Return, per (line, node), whether an edge of the other family meets there."""
    at = np.zeros((n_lines, n_cross), dtype=bool)
    at[:-1, :] |= other.keep.T
    at[1:, :] |= other.keep.T
    return at


@dataclass
class _Lanes:
    """Farmstead lanes hanging off edges along u-lines."""

    at: FloatArray  # (edges, 2) v of the attachment, NaN if no lane
    lines: npt.NDArray[np.object_]  # the lanes' LineStrings


def _farm_lanes(
    frame: GridFrame,
    ul: _Lines,
    vl: _Lines,
    ns: _Edges,
    *,
    inner: Polygon | MultiPolygon,
    trunk_zone: Polygon | MultiPolygon,
    rng: np.random.Generator,
) -> _Lanes:
    """Add up to two dead-end lanes per rural village edge along u-lines."""
    ei, ej = np.nonzero(ns.keep)
    rural = (ul.kind[ei] != MINOR) & (ns.name_code[ei, ej] == 0) & ~ns.urban[ei, ej]
    lo, length = vl.pos[ej], vl.pos[ej + 1] - vl.pos[ej]
    t = lo[:, None] + rng.uniform((0.15, 0.55), (0.45, 0.85), (len(ei), 2)) * length[:, None]
    has = (rng.random((len(ei), 2)) < _LANE_P) & rural[:, None]
    side = np.where(rng.random((len(ei), 2)) < 0.5, -1, 1)
    n_lines = len(ul.pos)
    here = ul.pos[ei][:, None]
    neighbour = np.clip(ei[:, None] + side, 0, n_lines - 1)
    # A lane stops short of the next line that carries a road there.
    room = np.abs(ul.pos[neighbour] - here)
    beyond = np.abs(ul.pos[np.clip(ei[:, None] + 2 * side, 0, n_lines - 1)] - here)
    room = np.where((ul.kind[neighbour] == MINOR) & ~ns.keep[neighbour, ej[:, None]], beyond, room)
    lane_len = rng.uniform(0.3, 0.8, (len(ei), 2)) * 0.45 * room
    ex, ey = frame.to_xy(here + side * lane_len, t)
    has &= (
        (lane_len > 20.0)
        & shapely.contains_xy(inner, ex, ey)
        & ~shapely.contains_xy(trunk_zone, ex, ey)
    )
    sx, sy = frame.to_xy(np.broadcast_to(here, t.shape), t)
    start = np.stack([sx, sy], axis=-1)[has]
    end = np.stack([ex, ey], axis=-1)[has]
    lines = shapely.linestrings(np.stack([start, end], axis=1))
    clear = ~shapely.intersects(lines, trunk_zone)
    rows = np.flatnonzero(has.ravel())
    has.ravel()[rows[~clear]] = False
    return _Lanes(np.where(has, t, np.nan), np.asarray(lines[clear], dtype=object))


def _cut_family(
    lines: _Lines,
    cross: _Lines,
    edges: _Edges,
    other_at_node: BoolArray,
    lane_at: FloatArray | None,
) -> tuple[IntArray, FloatArray, FloatArray, IntArray, IntArray]:
    """Cut one family's kept edges into segments between junctions.

    Returns the line index, start and end position along the line, class and name code.
    """
    ei, ej = np.nonzero(edges.keep)  # row-major: by line, then along it
    lo, hi = cross.pos[ej], cross.pos[ej + 1]
    extra = lane_at if lane_at is not None else np.empty((len(ei), 0))
    bounds = np.column_stack([lo, extra, hi])
    valid = ~np.isnan(bounds)
    flat_pos = bounds[valid]
    flat_edge = np.broadcast_to(np.arange(len(ei))[:, None], bounds.shape)[valid]
    flat_slot = np.broadcast_to(np.arange(bounds.shape[1])[None, :], bounds.shape)[valid]
    pair = np.flatnonzero(flat_edge[1:] == flat_edge[:-1])
    edge = flat_edge[pair]
    line = ei[edge]
    start, end = flat_pos[pair], flat_pos[pair + 1]
    # A piece starting at a grid node is a junction if the other family meets there; one
    # starting at a lane always is.
    junction = np.where(flat_slot[pair] == 0, other_at_node[line, ej[edge]], True)
    code = edges.road_class[line, ej[edge]] * 1000 + edges.name_code[line, ej[edge]]
    join = np.zeros(len(line), dtype=bool)
    join[1:] = (
        (line[1:] == line[:-1]) & (start[1:] == end[:-1]) & (code[1:] == code[:-1]) & ~junction[1:]
    )
    first = np.flatnonzero(~join)
    last = np.append(first[1:] - 1, len(line) - 1)
    e_first = edge[first]
    return (
        line[first],
        start[first],
        end[last],
        edges.road_class[ei[e_first], ej[e_first]],
        edges.name_code[ei[e_first], ej[e_first]],
    )


def grid_segments(
    frame: GridFrame,
    *,
    inner: Polygon | MultiPolygon,
    trunk: MultiLineString,
    trunk_zone: Polygon | MultiPolygon,
    zones: FloatArray,
    spacing: float,
    rng: np.random.Generator,
) -> tuple[FloatArray, SegmentAttributes]:
    """Build the grid inside `inner` and cut it into segments between junctions.

    Parameters
    ----------
    frame
        The grid frame.
    inner
        Region the grid must stay in (metres).
    trunk, trunk_zone
        Trunk roads and a buffer around them: village edges running beside a trunk road
        are dropped, and no farmstead lane reaches into the buffer.
    zones
        Dense street grids, from :func:`urban_zones`.
    spacing
        Village line spacing in metres.
    rng
        Random generator.

    Returns
    -------
    tuple
        Segment end coordinates, shape (n, 2, 2), and their attributes.
    """
    coords = shapely.get_coordinates(inner)
    us, vs = frame.to_uv(coords[:, 0], coords[:, 1])
    ul = _grid_lines("u", float(us.min()) - 1.0, float(us.max()) + 1.0, spacing, rng)
    vl = _grid_lines("v", float(vs.min()) - 1.0, float(vs.max()) + 1.0, spacing, rng)
    node_x, node_y = frame.to_xy(ul.pos[:, None], vl.pos[None, :])
    shapely.prepare(inner)
    shapely.prepare(trunk_zone)
    inside = shapely.contains_xy(inner, node_x, node_y)
    near = shapely.contains_xy(trunk_zone, node_x, node_y)

    # Family along u-lines: rows i, columns j -> nodes (i, j)-(i, j+1). The family along
    # v-lines is stored transposed: rows j, columns i -> nodes (i, j)-(i+1, j).
    v_mid = (vl.pos[:-1] + vl.pos[1:]) / 2
    u_mid = (ul.pos[:-1] + ul.pos[1:]) / 2
    ns = _edges(
        ul, vl, urban=in_zones(ul.pos[:, None], v_mid[None, :], zones), keep_p=_KEEP_NS, rng=rng
    )
    ew = _edges(
        vl, ul, urban=in_zones(u_mid[None, :], vl.pos[:, None], zones), keep_p=_KEEP_EW, rng=rng
    )
    ns.keep &= inside[:, :-1] & inside[:, 1:]
    ew.keep &= inside.T[:, :-1] & inside.T[:, 1:]
    _drop_alongside(ns, (node_x, node_y), near, trunk)
    _drop_alongside(ew, (node_x.T, node_y.T), near.T, trunk)
    lanes = _farm_lanes(frame, ul, vl, ns, inner=inner, trunk_zone=trunk_zone, rng=rng)

    ns_line, ns_a, ns_b, ns_cls, ns_name = _cut_family(
        ul, vl, ns, _other_at_node(ew, len(ul.pos), len(vl.pos)), lanes.at
    )
    ew_line, ew_a, ew_b, ew_cls, ew_name = _cut_family(
        vl, ul, ew, _other_at_node(ns, len(vl.pos), len(ul.pos)), None
    )
    # Identical (u, v) pairs give bit-identical (x, y), so junctions are shared exactly.
    ns_u, ew_v = ul.pos[ns_line], vl.pos[ew_line]
    ends = [
        frame.to_xy(ns_u, ns_a),
        frame.to_xy(ns_u, ns_b),
        frame.to_xy(ew_a, ew_v),
        frame.to_xy(ew_b, ew_v),
    ]
    ns_xy = np.stack([np.column_stack(ends[0]), np.column_stack(ends[1])], axis=1)
    ew_xy = np.stack([np.column_stack(ends[2]), np.column_stack(ends[3])], axis=1)
    lane_xy = shapely.get_coordinates(lanes.lines).reshape(-1, 2, 2)
    n_lane = len(lane_xy)
    attrs = SegmentAttributes(
        road_class=np.concatenate([ns_cls, ew_cls, np.full(n_lane, VILLAGE)]).astype(np.int64),
        name_code=np.concatenate([ns_name, ew_name, np.zeros(n_lane)]).astype(np.int64),
        axis=np.concatenate(
            [np.full(len(ns_cls), ALONG_U), np.full(len(ew_cls), ALONG_V), np.full(n_lane, LANE)]
        ).astype(np.int64),
        line_kind=np.concatenate(
            [ul.kind[ns_line], vl.kind[ew_line], np.full(n_lane, MAJOR)]
        ).astype(np.int64),
        line_pos=np.concatenate([ns_u, ew_v, np.full(n_lane, np.nan)]),
    )
    return np.concatenate([ns_xy, ew_xy, lane_xy]), attrs
