"""Generalised (概化) service-area outlines: the area within a frontage of the reachable
lines, contoured on a grid of distances instead of a union of buffers.

1. Split the lines into straight pieces of at most half a cell and burn them into a grid:
   every cell keeps all the pieces that start in it (the pieces are ordered by cell, so a
   cell's pieces are one run of them).
2. A Euclidean distance transform (scipy) gives every cell centre its nearest burnt cell.
   That distance is within half a cell's diagonal of the distance to the lines; near the
   frontage it is replaced by the distance to the nearest piece: the nearest of the pieces
   in the nine cells around that burnt cell, then the next piece along its line while that
   is nearer, then pieces of other straight stretches passed on between neighbouring
   centres until none is nearer (where two roads are about as near, the nearest burnt
   centre may lie on the farther one). Measured against shapely's distances at the centres
   within half a cell of the frontage: on random roads (300 lines, 10 m cell, six seeds,
   121,000 centres) 99 % are within 0.2 mm (float32 metres from the grid's corner) and 4
   more than 1 cm too far, up to 3.6 m: a sliver of centres nearest to a line that neither
   they nor their neighbours found; with a 25 m cell 3 in 16,400 (two seeds), up to 2.4 m.
   On the Haimen sample's default area (25 m cell) one of 277,000 is more than 1 cm too
   far (2.5 cm, beside a junction), 99 % are within 2 mm (float32 across a district); on
   the whole 94k-edge grid and the reachable part of the 188k-edge one none is. No centre
   is nearer than the lines by more than float32 rounding (0.4 mm on the random roads,
   3 mm on the Haimen sample).
3. Contour the field at the frontage (marching squares, contourpy): the outline is
   interpolated between centres, so a band along one road keeps its width whatever its angle
   to the grid, and every line lies a frontage inside the outline.

Measured against the exact union of buffers (tests/analysis/test_generalised_polygons.py):
area within 1 %, boundaries about a metre apart on average with a 25 m cell, the outline
nowhere 5 m inside the exact one on random roads; holes smaller than a cell are filled.
This is how Valhalla's isochrones and ArcGIS's generalised service-area polygons are made.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import shapely

__all__ = ["MAX_CELLS", "generalised_area"]

MAX_CELLS = 25_000_000
"""Cells in the grid at most; the cell grows on larger extents."""
_FOUR = ((-1, 0), (1, 0), (0, -1), (0, 1))
_CHUNK = 1 << 15  # centres measured at once: ten pieces or so each, about 16 MB of temporaries
_MAX_ROUNDS = 64


def generalised_area(lines: np.ndarray, frontage_m: float, cell: float) -> shapely.Geometry:
    """The area within ``frontage_m`` of ``lines`` (projected metres), on a ``cell`` grid."""
    if len(lines) == 0:
        return shapely.Polygon()
    grid = _Grid.around(lines, frontage_m, cell)
    pieces, start = _burn(lines, grid)
    distance = _distance_field(grid, pieces, start, frontage_m)
    return _contour(grid, distance, frontage_m)


@dataclass(frozen=True)
class _Grid:
    """Cell size, south-west corner and shape; row 0 is the southern edge."""

    cell: float
    x0: float
    y0: float
    height: int
    width: int

    @classmethod
    def around(cls, lines: np.ndarray, frontage_m: float, cell: float) -> _Grid:
        minx, miny, maxx, maxy = shapely.total_bounds(lines)
        pad = frontage_m + 3 * cell
        extent = (maxx - minx + 2 * pad) * (maxy - miny + 2 * pad)
        cell = max(cell, float(np.sqrt(extent / MAX_CELLS)))
        # Three cells beyond the frontage: the centres measured against pieces and their
        # neighbours stay inside the grid.
        pad = frontage_m + 3 * cell
        x0 = float(np.floor((minx - pad) / cell) * cell)
        y0 = float(np.floor((miny - pad) / cell) * cell)
        width = int(np.ceil((maxx + pad - x0) / cell))
        height = int(np.ceil((maxy + pad - y0) / cell))
        return cls(cell, x0, y0, height, width)


@dataclass(frozen=True)
class _Pieces:
    """Straight pieces of lines, in float32 metres from the grid's corner, ordered by the
    cell their first vertex lies in; a last entry far away stands for no piece.

    ``before[k]`` and ``after[k]`` are the pieces next to piece k along its line (k itself
    at the line's ends), ``stretch[k]`` numbers the straight stretch of a line piece k is
    on: a line turns only between stretches."""

    ax: np.ndarray
    ay: np.ndarray
    dx: np.ndarray
    dy: np.ndarray
    inv_len2: np.ndarray
    before: np.ndarray
    after: np.ndarray
    stretch: np.ndarray

    def squared_distance(
        self, px: np.ndarray, py: np.ndarray, k: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Squared distance from each point (px[i], py[i]) to piece k[i], and where on the
        piece the nearest point lies (0 its start, 1 its end)."""
        ex: np.ndarray = px - self.ax[k]
        ey: np.ndarray = py - self.ay[k]
        dx = self.dx[k]
        dy = self.dy[k]
        t = (ex * dx + ey * dy) * self.inv_len2[k]
        np.clip(t, 0.0, 1.0, out=t)
        ex -= t * dx
        ey -= t * dy
        ex *= ex
        ey *= ey
        ex += ey
        return ex, t


def _burn(lines: np.ndarray, grid: _Grid) -> tuple[_Pieces, np.ndarray]:
    """The lines' pieces, and where each cell's pieces start in their order: the pieces of
    cell j (flat index row * width + column) are ``start[j]`` to ``start[j + 1]``."""
    # Vertices at most half a cell apart: every cell a line passes through (but for corners
    # it clips) holds one. Piece i runs from vertex i to i + 1 of the same line; the last
    # vertex of a line keeps the piece that ends at it, a lone vertex is a piece of its own.
    xy, line_of = shapely.get_coordinates(
        shapely.segmentize(lines, grid.cell / 2.0), return_index=True
    )
    repeated = np.zeros(line_of.size, dtype=bool)  # a piece of no length would stop a walk
    repeated[1:] = (line_of[1:] == line_of[:-1]) & (xy[1:] == xy[:-1]).all(axis=1)
    if repeated.any():
        xy, line_of = xy[~repeated], line_of[~repeated]
    del repeated
    n = xy.shape[0]
    last = np.ones(n, dtype=bool)
    last[:-1] = line_of[1:] != line_of[:-1]
    del line_of
    first = np.roll(last, 1)
    index_type = np.int32 if n < 2**31 - 1 else np.int64
    nxt = np.arange(1, n + 1, dtype=index_type)
    nxt[last] -= 1
    stretch = _stretches(xy, nxt, first, index_type)
    cells = grid.height * grid.width
    cell = ((xy[:, 1] - grid.y0) / grid.cell).astype(np.int64) * grid.width
    cell += ((xy[:, 0] - grid.x0) / grid.cell).astype(np.int64)
    cell = cell.astype(np.int32 if cells < 2**31 - 1 else np.int64)
    order = np.argsort(cell, kind="stable").astype(index_type)
    cell = cell[order]
    # Piece k in the cells' order is the piece of vertex order[k]; the pieces next to it
    # along its line are found through the inverse order.
    place = np.empty(n, dtype=index_type)
    place[order] = np.arange(n, dtype=index_type)
    stretch = stretch[order]
    # A line's last vertex has the piece that ends at it, the one before's again: going
    # back from it skips that one, or a walk would stop there (it is no nearer).
    ending = last & ~first
    before = np.arange(-1, n - 1, dtype=index_type)
    before[first] += 1
    before[ending] = before[before[ending]]
    before = before[order]
    after = nxt[order]
    del nxt
    begin = order.copy()  # the vertex a piece starts at
    begin[ending[order]] -= 1
    del first, last, ending, order
    pieces = _pieces(xy, begin, after, (grid.x0, grid.y0))
    del xy, begin
    pieces.before[:n] = place[before]
    pieces.after[:n] = place[after]
    pieces.stretch[:n] = stretch
    del place, before, after, stretch
    # Every piece is kept by its cell.
    start = np.zeros(cells + 1, dtype=index_type)
    if n:
        edges = np.flatnonzero(cell[1:] != cell[:-1]) + 1
        start[cell[np.concatenate(([0], edges))] + 1] = np.diff(np.concatenate(([0], edges, [n])))
    np.cumsum(start, out=start)
    return pieces, start


def _stretches(xy: np.ndarray, nxt: np.ndarray, first: np.ndarray, index_type: type) -> np.ndarray:
    """Numbers the straight stretches of the lines: a new one at each line's first vertex
    and at each vertex where the line turns (by more than 1e-4 rad: the vertices segmentize
    adds are straight on)."""
    ax = (xy[nxt, 0] - xy[:, 0]).astype(np.float32)  # zero at a line's last vertex
    ay = (xy[nxt, 1] - xy[:, 1]).astype(np.float32)
    turns = first.copy()
    cross = ax[1:] * ay[:-1]
    cross -= ay[1:] * ax[:-1]
    cross *= cross
    size = ax * ax
    size += ay * ay
    turns[1:] |= cross > 1e-8 * size[1:] * size[:-1]
    del cross, size
    turns[1:] |= ax[1:] * ax[:-1] + ay[1:] * ay[:-1] < 0.0
    stretch: np.ndarray = np.cumsum(turns, dtype=index_type)
    return stretch


def _pieces(
    xy: np.ndarray, start: np.ndarray, end: np.ndarray, origin: tuple[float, float]
) -> _Pieces:
    """Pieces from vertex start[i] to vertex end[i] of ``xy``, in float32 metres from
    ``origin`` (a grid corner: millimetres across a district), and a far entry for no
    piece; their neighbours and stretches are left for the caller."""
    n = start.shape[0]
    ax, ay, dx, dy, inv = (np.empty(n + 1, dtype=np.float32) for _ in range(5))
    for a, d, column in ((ax, dx, 0), (ay, dy, 1)):
        begin = xy[start, column]
        a[:n] = begin - origin[column]
        finish = xy[end, column]
        finish -= begin
        d[:n] = finish
    ax[n] = ay[n] = 1e15
    dx[n] = dy[n] = 0.0
    len2 = dx * dx + dy * dy
    np.divide(1.0, len2, out=inv, where=len2 > 0)
    inv[len2 <= 0] = 0.0
    index_type = start.dtype
    links = [np.full(n + 1, n, dtype=index_type) for _ in range(2)]
    stretch = np.full(n + 1, -1, dtype=index_type)
    return _Pieces(ax, ay, dx, dy, inv, links[0], links[1], stretch)


class _Centres:
    """The cell centres measured against pieces: where they are (float32 metres from the
    grid's corner, as the pieces), the nearest piece found so far, its squared distance and
    where on it the nearest point lies (-1 its start, 1 its end, 0 between)."""

    def __init__(self, pieces: _Pieces, px: np.ndarray, py: np.ndarray, index_type: type):
        self.pieces = pieces
        self.px = px
        self.py = py
        self.best: np.ndarray = np.empty(px.size, dtype=np.float32)
        self.piece: np.ndarray = np.empty(px.size, dtype=index_type)
        self.end: np.ndarray = np.empty(px.size, dtype=np.int8)
        self._seen = np.zeros(px.size, dtype=bool)

    def take(self, i: np.ndarray, k: np.ndarray, d2: np.ndarray, t: np.ndarray) -> None:
        """Centres i take piece k at squared distance d2, the nearest point at t on it."""
        self.best[i] = d2
        self.piece[i] = k
        self.end[i] = (t >= 1.0).view(np.int8) - (t <= 0.0).view(np.int8)

    def follow(
        self, i: np.ndarray, k: np.ndarray, within: np.ndarray | None = None
    ) -> list[np.ndarray]:
        """Offer centres i piece k (if nearer than the squared distances ``within``), then
        the pieces beyond it along its line, past its end nearest to the centre, while they
        come nearer; a centre takes each that is nearer than its own. Returns those that
        took one (a list of arrays)."""
        took = [i[:0]]
        last = np.full(i.size, np.inf, dtype=np.float32) if within is None else within
        while i.size:
            d2, t = self.pieces.squared_distance(self.px[i], self.py[i], k)
            nearer = d2 < last
            i, k, d2, t = i[nearer], k[nearer], d2[nearer], t[nearer]
            better = d2 < self.best[i]
            took.append(i[better])
            self.take(took[-1], k[better], d2[better], t[better])
            back = t <= 0.0
            on = back | (t >= 1.0)
            k = np.where(back, self.pieces.before[k], self.pieces.after[k])[on]
            i = i[on]
            last = d2[on]
        return took

    def walk(self, i: np.ndarray) -> None:
        """Move centres i along the lines of their pieces while that comes nearer."""
        i = i[self.end[i] != 0]
        k = self.piece[i]
        k = np.where(self.end[i] < 0, self.pieces.before[k], self.pieces.after[k])
        self.follow(i, k, self.best[i])

    def distinct(self, parts: list[np.ndarray]) -> np.ndarray:
        """The centres in ``parts``, each once, in order."""
        i = np.concatenate(parts)
        self._seen[i] = True
        i = np.flatnonzero(self._seen)
        self._seen[i] = False
        return i


def _distance_field(
    grid: _Grid, pieces: _Pieces, start: np.ndarray, frontage_m: float
) -> np.ndarray:
    """Distance of every cell centre to the lines: near the frontage, to the nearest piece
    found (see the module's note)."""
    from scipy import ndimage

    near_r, near_c = ndimage.distance_transform_edt(
        (start[1:] == start[:-1]).reshape(grid.height, grid.width),
        sampling=grid.cell,
        return_distances=False,
        return_indices=True,
    )
    distance = _grid_distance(grid, near_r, near_c)
    # The outline is interpolated between centres less than a cell from the frontage; the
    # transform is within half a cell's diagonal of the true distance.
    off = distance - frontage_m  # one temporary, not two
    np.abs(off, out=off)
    # Cells by their flat index (row * width + column): one take per neighbour, not two.
    at = np.flatnonzero(off <= 1.75 * grid.cell)
    del off
    near = near_r.ravel()[at].astype(np.int64) * grid.width + near_c.ravel()[at]
    # The cells next to these keep the first piece of their nearest burnt cell, to pass on
    # (a centre may be nearest to a line that only centres nearer to it find).
    four = [dr * grid.width + dc for dr, dc in _FOUR]
    rim = np.zeros(start.size - 1, dtype=bool)
    for d in four:
        rim[at + d] = True
    rim[at] = False
    rim_cells = np.flatnonzero(rim)
    del rim
    rim_near = near_r.ravel()[rim_cells].astype(np.int64) * grid.width
    rim_near += near_c.ravel()[rim_cells]
    rim_pieces = start[rim_near]
    del near_r, near_c, rim_near  # the grid-sized indices are not needed past here
    r, c = np.divmod(at, grid.width)
    centres = _Centres(
        pieces,
        ((c + 0.5) * grid.cell).astype(np.float32),
        ((r + 0.5) * grid.cell).astype(np.float32),
        start.dtype.type,
    )
    del r, c
    for lo in range(0, at.size, _CHUNK):
        _nearest_of_nine(centres, start, near[lo : lo + _CHUNK], grid.width, lo)
    del near
    every = np.arange(at.size)
    centres.walk(every)
    # Each centre passes its piece on to the four around it, each cell next to them the
    # first piece of its nearest burnt cell. Once walked, a centre's piece is the nearest of
    # its straight stretch, so only pieces of other stretches are offered, and followed
    # along their lines. Then again from the centres that took one, until none does.
    index = np.full(start.size + grid.width, -1, dtype=np.int32 if at.size < 2**31 else np.int64)
    index[at] = every  # -1 past the grid's last row and, by wrapping round, before its first
    cells = np.concatenate([at, rim_cells])
    k = np.concatenate([centres.piece, rim_pieces])
    del rim_cells, rim_pieces, every
    for _ in range(_MAX_ROUNDS):
        stretch = pieces.stretch[k]
        held = np.append(pieces.stretch[centres.piece], -1)  # as the round starts
        took = []
        for d in four:
            i = index[cells + d]
            other = held[i] != stretch
            other &= i >= 0
            took += centres.follow(i[other], k[other])
        moved = centres.distinct(took)
        if moved.size == 0:
            break
        centres.walk(moved)
        cells = at[moved]
        k = centres.piece[moved]
    np.put(distance, at, np.sqrt(centres.best, dtype=np.float64))
    field: np.ndarray = distance
    return field


def _nearest_of_nine(
    centres: _Centres, start: np.ndarray, near: np.ndarray, width: int, lo: int
) -> None:
    """Centres from ``lo`` take the nearest of the pieces in the nine cells around their
    nearest burnt cells ``near`` (flat indices).

    The three cells of a row are consecutive in the pieces' order, so the nine cells are
    three runs of pieces; every piece of the runs is measured and the first nearest of each
    centre taken."""
    rows = near[:, None] + np.array([-width - 1, -1, width - 1])
    first = start[rows].ravel()
    count = start[rows + 3].ravel() - first
    per_centre = count.reshape(-1, 3).sum(axis=1)  # one at least: the burnt cell's own
    before = np.cumsum(count) - count  # where each run begins among all measured
    k = np.arange(int(before[-1] + count[-1]), dtype=start.dtype)
    k += np.repeat((first - before).astype(start.dtype), count)
    i = np.repeat(np.arange(lo, lo + near.size, dtype=start.dtype), per_centre)
    d2, t = centres.pieces.squared_distance(centres.px[i], centres.py[i], k)
    nearest = np.minimum.reduceat(d2, np.cumsum(per_centre) - per_centre)
    hit = np.flatnonzero(d2 == np.repeat(nearest, per_centre))
    firsts = np.ones(hit.size, dtype=bool)
    firsts[1:] = i[hit[1:]] != i[hit[:-1]]
    hit = hit[firsts]
    centres.take(i[hit], k[hit], d2[hit], t[hit])


def _grid_distance(grid: _Grid, near_r: np.ndarray, near_c: np.ndarray) -> np.ndarray:
    """Distance from each cell centre to the centre of cell (near_r, near_c): the same sums
    as scipy's distance_transform_edt, in half its memory (no (2, h, w) float64 array)."""
    rows = np.arange(grid.height, dtype=near_r.dtype)[:, None]
    cols = np.arange(grid.width, dtype=near_c.dtype)[None, :]
    distance = (near_r - rows) * grid.cell
    np.square(distance, out=distance)
    across = (near_c - cols) * grid.cell
    np.square(across, out=across)
    distance += across
    del across
    np.sqrt(distance, out=distance)
    field: np.ndarray = distance
    return field


def _contour(grid: _Grid, distance: np.ndarray, frontage_m: float) -> shapely.Geometry:
    """The polygons where the distance is at most the frontage (marching squares)."""
    import contourpy

    xs = grid.x0 + (np.arange(grid.width) + 0.5) * grid.cell
    ys = grid.y0 + (np.arange(grid.height) + 0.5) * grid.cell
    filled = contourpy.contour_generator(
        xs, ys, distance, fill_type=contourpy.FillType.OuterOffset
    ).filled(-1.0, frontage_m)
    polys = [
        shapely.Polygon(
            points[offsets[0] : offsets[1]],
            [points[a:b] for a, b in itertools.pairwise(offsets[1:])],
        )
        for points, offsets in zip(*filled, strict=True)
    ]
    area = shapely.multipolygons(np.asarray(polys, dtype=object))
    # Drop the collinear points of straight stretches (within a tenth of a cell).
    return _simplified(area, grid.cell / 10.0)


def _simplified(area: shapely.Geometry, tolerance: float) -> shapely.Geometry:
    """``area`` with each ring simplified on its own (Douglas-Peucker), or, where a ring
    would collapse or cross another, the whole area by GEOS's topology-preserving simplifier.

    The outline of a district-wide area is one polygon with thousands of holes; the
    topology-preserving simplifier tests every ring against the others and took 2.2 s on
    the Haimen sample's default service area (303,000 points), ring by ring takes 0.15 s
    and the validity check 0.1 s, for the same points kept. Douglas-Peucker on the polygon
    itself is not used: GEOS mends what it breaks with a zero buffer, which may drop parts.
    """
    parts = shapely.get_parts(area)
    if parts.size == 0:
        return area
    rings, owner = shapely.get_rings(parts, return_index=True)  # each shell, then its holes
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    lines = shapely.linestrings(xy, indices=ring)
    simple = shapely.simplify(lines, tolerance, preserve_topology=False)
    # A ring of a few square metres would collapse: it stays as it was.
    simple = np.where(shapely.get_num_coordinates(simple) < 4, lines, simple)
    xy, ring = shapely.get_coordinates(simple, return_index=True)
    polygons = shapely.polygons(shapely.linearrings(xy, indices=ring), indices=owner)
    result = shapely.multipolygons(polygons)
    if shapely.is_valid(result):
        return result
    return shapely.simplify(area, tolerance, preserve_topology=True)
