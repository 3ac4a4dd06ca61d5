"""The snapping index of a road network: every straight segment of its edges, with sample
points along them in a k-d tree (scipy's cKDTree), to find the segments nearest a point.

Each point asks the tree for its k nearest samples and measures their segments (numpy); a
segment within distance D of the point has a sample within D + spacing / 2 of it, so once
the k-th sample lies beyond the best distance + spacing / 2 every segment as near as the
best has been seen, otherwise the point asks again with a larger k. The candidates are the
edges within rounding of the best; the caller measures those exactly with GEOS.
:meth:`gisdesk.analysis.network.RoadNetwork.segment_index` builds the index once per network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

__all__ = ["SegmentIndex"]


@dataclass(frozen=True)
class SegmentIndex:
    """Every straight segment of the edges, with sample points along them in a k-d tree: the
    segments near a point are those with a sample near it.

    Attributes
    ----------
    start, delta
        Segment start (x, y) and end - start, as columns.
    len2
        Squared segment length.
    edge
        Edge of each segment.
    spacing
        Every point of a segment is within ``spacing / 2`` of one of its samples (metres).
    sample_segment
        Segment of each sample.
    tree
        k-d tree of the samples.
    """

    start: tuple[np.ndarray, np.ndarray]
    delta: tuple[np.ndarray, np.ndarray]
    len2: np.ndarray
    edge: np.ndarray
    spacing: float
    sample_segment: np.ndarray
    tree: cKDTree

    @classmethod
    def build(
        cls, xy: np.ndarray, ptr: np.ndarray, *, edges: np.ndarray | None = None
    ) -> SegmentIndex:
        """Build the index of a network's edges from their vertices (``RoadNetwork.vertices``).

        Edge ``e`` owns the vertices ``xy[ptr[e]:ptr[e + 1]]``. With ``edges``, only those
        edges are indexed (a mode's open roads); edge ids stay the network's.
        """
        ids: np.ndarray | None = None
        if edges is not None:
            ids = np.asarray(edges, dtype=np.int64)
            sizes = np.diff(ptr)[ids]
            rows = np.repeat(ptr[ids] - np.cumsum(sizes) + sizes, sizes) + np.arange(sizes.sum())
            xy = xy[rows]
            ptr = np.concatenate([[0], np.cumsum(sizes)])
        counts = np.diff(ptr)
        first = np.ones(xy.shape[0], dtype=bool)
        first[ptr[1:] - 1] = False  # the last vertex of each edge starts no segment
        rows = np.flatnonzero(first)
        start = xy[rows]
        delta = xy[rows + 1] - start
        edge = np.repeat(np.arange(ptr.shape[0] - 1), counts - 1)
        if ids is not None:
            edge = ids[edge]
        length = np.hypot(delta[:, 0], delta[:, 1])
        # Samples are the midpoints of pieces of at most ``spacing``: a point of a segment
        # is within spacing / 2 of one of its samples. Most segments get a single sample.
        spacing = float(max(np.median(length) * 1.05, 1e-3)) if length.size else 1.0
        steps = np.maximum(1, np.ceil(length / spacing)).astype(np.int64)
        seg = np.repeat(np.arange(rows.shape[0]), steps)
        j = np.arange(seg.shape[0]) - np.repeat(np.cumsum(steps) - steps, steps)
        frac = (j + 0.5) / steps[seg]
        samples = start[seg] + delta[seg] * frac[:, None]
        if not samples.shape[0]:
            samples = np.zeros((1, 2))
            seg = np.zeros(1, dtype=np.int64)
        return cls(
            (np.ascontiguousarray(start[:, 0]), np.ascontiguousarray(start[:, 1])),
            (np.ascontiguousarray(delta[:, 0]), np.ascontiguousarray(delta[:, 1])),
            delta[:, 0] ** 2 + delta[:, 1] ** 2,
            edge,
            spacing,
            seg,
            # Sliding-midpoint splits: under half the build time of a balanced tree, and the
            # same (exact) nearest neighbours.
            cKDTree(samples, balanced_tree=False, compact_nodes=False),
        )

    def distance(self, x: np.ndarray, y: np.ndarray, segment: np.ndarray) -> np.ndarray:
        """Return the distance from each point (x, y) to its paired segment."""
        # 1-d columns throughout: numpy is several times slower on (n, 2) rows.
        rx = x - self.start[0][segment]
        ry = y - self.start[1][segment]
        dx = self.delta[0][segment]
        dy = self.delta[1][segment]
        len2 = self.len2[segment]
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.clip((rx * dx + ry * dy) / len2, 0.0, 1.0)
        t[~(len2 > 0)] = 0.0
        ox = rx - dx * t
        oy = ry - dy * t
        return np.asarray(np.sqrt(ox * ox + oy * oy), dtype=np.float64)

    def candidates(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (point, edge) pairs that include every point's nearest edges.

        The pairs are every edge whose segment distance is within rounding of the smallest
        one; the caller measures those few exactly. Every segment within distance D of a
        point has a sample within D + spacing / 2 of it; the nearest segment is no farther
        than any segment found, so the search stops once that radius is covered.
        """
        n = xy.shape[0]
        todo = np.arange(n)
        point_parts: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
        seg_parts: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
        n_samples = self.sample_segment.shape[0]
        k = 8
        while todo.size:  # k nearest samples at a time; the unsettled points ask for more
            k = min(k, n_samples)
            dd, ii = self.tree.query(xy[todo], k=k)
            dd = dd.reshape(todo.shape[0], k)
            seg = self.sample_segment[ii.reshape(todo.shape[0], k)]
            px = np.repeat(xy[todo, 0], k)
            py = np.repeat(xy[todo, 1], k)
            dist = self.distance(px, py, seg.ravel()).reshape(-1, k)
            best = dist.min(axis=1)
            bound = best + self.spacing / 2.0 + 1e-6 * (1.0 + best)
            # The k-th sample within the bound: there may be more, ask again with a larger k.
            full = (dd[:, -1] <= bound) & (k < n_samples)
            near = (dist <= (best * (1.0 + 1e-9) + 1e-6)[:, None]) & ~full[:, None]
            r, c = np.nonzero(near)
            point_parts.append(todo[r])
            seg_parts.append(seg[r, c])
            todo = todo[full]
            k *= 4
        p = np.concatenate(point_parts)
        e = self.edge[np.concatenate(seg_parts)]
        width = int(self.edge.max()) + 1 if self.edge.size else 1
        pe = np.unique(p * width + e)
        if pe.shape[0] and n:
            return pe // width, pe % width
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
