"""The road segments nearest to points, by rings of grid cells (compiled with numba).

Each point looks at the cells around its own, ring by ring, measuring the segments whose
sample points lie there. Every segment within distance D of the point has a sample within
D + spacing / 2 of it, and after ring r every sample within r cells has been seen, so the
point is settled once r cells cover its best distance + spacing / 2. Its candidates are the
segments within rounding of the best (the caller measures those exactly with GEOS). Points
the rings cannot settle (far from every road, or off the grid) are returned for the k-d tree.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gisdesk.analysis._jit import grow_float, grow_int, jit

__all__ = ["ring_candidates"]


@jit
def _segment_distance(px: float, py: float, s: int, segments: Any) -> float:
    sx = segments[0]
    sy = segments[1]
    dx = segments[2]
    dy = segments[3]
    rx = px - sx[s]
    ry = py - sy[s]
    len2 = dx[s] * dx[s] + dy[s] * dy[s]
    t = 0.0
    if len2 > 0.0:
        t = min(1.0, max(0.0, (rx * dx[s] + ry * dy[s]) / len2))
    ox = rx - dx[s] * t
    oy = ry - dy[s] * t
    return float(np.sqrt(ox * ox + oy * oy))


@jit
def _ring_cells(i0: int, j0: int, r: int, n_rows: int, n_cells: int, out: Any) -> int:
    """Write the keys of the cells in ring ``r`` around cell (i0, j0) that exist into
    ``out`` (room for 8r + 1); return how many."""
    count = 0
    for di in range(-r, r + 1):
        edge = abs(di) == r
        for dj in range(-r, r + 1):
            if not edge and abs(dj) != r:
                continue
            key = (i0 + di) * n_rows + (j0 + dj)
            if 0 <= key < n_cells:
                out[count] = key
                count += 1
    return count


@jit
def _scan_ring(
    px: float,
    py: float,
    cells: Any,
    n_ring: int,
    grid: Any,
    segments: Any,
    seg_buf: Any,
    dist_buf: Any,
    m: int,
) -> int:
    """Measure the segments sampled in the ring's cells into the buffers from position
    ``m`` (they must have room); return the new count."""
    first = grid[5]
    cell_segment = grid[6]
    for c in range(n_ring):
        key = cells[c]
        for q in range(first[key], first[key + 1]):
            s = cell_segment[q]
            seg_buf[m] = s
            dist_buf[m] = _segment_distance(px, py, s, segments)
            m += 1
    return m


@jit
def _rings(
    x: Any,
    y: Any,
    grid: Any,
    segments: Any,
    half: float,
    rings: int,
) -> tuple[Any, Any, Any]:
    ox, oy, size, n_rows, last_i, first, _ = grid
    n = x.shape[0]
    owner = np.empty(max(16, 4 * n), dtype=np.int64)
    near = np.empty(max(16, 4 * n), dtype=np.int64)
    todo = np.empty(n, dtype=np.int64)
    n_out = 0
    n_todo = 0
    seg_buf = np.empty(256, dtype=np.int64)
    dist_buf = np.empty(256)
    cells = np.empty(8 * rings + 1, dtype=np.int64)
    for p in range(n):
        ci = np.floor((x[p] - ox) / size)
        cj = np.floor((y[p] - oy) / size)
        settled = False
        m = 0
        best = np.inf
        # Inside the grid's empty border no ring wraps around a row.
        if rings <= cj < n_rows - rings and rings <= ci <= last_i + 1:
            i0 = int(ci)
            j0 = int(cj)
            for r in range(rings + 1):
                n_ring = _ring_cells(i0, j0, r, n_rows, first.shape[0] - 1, cells)
                need = m
                for c in range(n_ring):
                    need += first[cells[c] + 1] - first[cells[c]]
                if need > seg_buf.shape[0]:
                    seg_buf = grow_int(seg_buf, m, 2 * need)
                    dist_buf = grow_float(dist_buf, m, 2 * need)
                start = m
                m = _scan_ring(x[p], y[p], cells, n_ring, grid, segments, seg_buf, dist_buf, m)
                for k in range(start, m):
                    best = min(best, dist_buf[k])
                if best + half + 1e-6 * (1.0 + best) + 1e-6 <= r * size:
                    settled = True
                    break
        if not settled:
            todo[n_todo] = p
            n_todo += 1
            continue
        bound = best * (1.0 + 1e-9) + 1e-6
        for k in range(m):
            if dist_buf[k] <= bound:
                if n_out == owner.shape[0]:
                    owner = grow_int(owner, n_out, 2 * n_out)
                    near = grow_int(near, n_out, 2 * n_out)
                owner[n_out] = p
                near[n_out] = seg_buf[k]
                n_out += 1
    return owner[:n_out], near[:n_out], todo[:n_todo]


def ring_candidates(
    xy: np.ndarray,
    grid: tuple[Any, ...],
    segments: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    spacing: float,
    rings: int,
) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """Return ((point, segment) candidate pairs, unsettled points).

    ``grid`` is (origin x, origin y, cell size, rows, last column, first sample of every
    cell (cell ``i * rows + j``, plus the end), segment of each sample in cell order) of a
    grid with ``rings`` empty cells around it;
    ``segments`` the segment starts and deltas (x0, y0, dx, dy).
    """
    x = np.ascontiguousarray(xy[:, 0], dtype=np.float64)
    y = np.ascontiguousarray(xy[:, 1], dtype=np.float64)
    owner, seg, todo = _rings(x, y, grid, segments, spacing / 2.0, rings)
    return (owner, seg), todo
