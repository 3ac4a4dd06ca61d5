"""The csgraph searches give a plain heap Dijkstra's answers on random graphs.

The reference below is the loop of the numba kernels the searches replaced (issue #22), in
plain Python with heapq; it gave those kernels' answers exactly, before they were removed.

Random directed graphs, with whole-number weights in half of them so that many nodes are
reached equally fast from two sources (the tie rule: the lower source id wins), random
seeds (several per source, some on the same node, some at 0 s), leaves and leaf seeds, with
and without a time limit.
"""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np
import pytest
from scipy import sparse

from gisdesk.analysis import dijkstra


def _graph(rng: np.random.Generator, n: int, *, whole: bool) -> sparse.csr_array:
    m = n * 3
    u = rng.integers(0, n, m)
    v = rng.integers(0, n, m)
    w = rng.integers(1, 4, m).astype(float) if whole else rng.uniform(0.5, 30.0, m)
    keep = u != v
    g = sparse.coo_array((w[keep], (u[keep], v[keep])), shape=(n, n)).tocsr()
    g.sum_duplicates()
    return g


def _seeds(
    rng: np.random.Generator, n: int, n_src: int, *, whole: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    k = n_src * 2 + 3
    node = rng.integers(0, n, k)
    time = rng.integers(0, 3, k).astype(float) if whole else rng.uniform(0.0, 10.0, k)
    src = np.concatenate([np.arange(n_src), rng.integers(0, n_src, k - n_src)])
    return node, time, src


def _sorted(r: np.ndarray, c: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, ...]:
    order = np.lexsort((c, r))
    return r[order], c[order], t[order]


def _nearest_reference(
    g: sparse.csr_array,
    node: np.ndarray,
    time: np.ndarray,
    src: np.ndarray,
    limit: float | None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """The numba kernel's multi-source search (ties: the lower source), with heapq."""
    lim = np.inf if limit is None else limit
    n = g.shape[0]
    dist = np.full(n, np.inf)
    owner = np.full(n, -1, dtype=np.int64)
    done = np.zeros(n, dtype=bool)
    heap: list[tuple[float, int]] = []
    for x, t, s in zip(node.tolist(), time.tolist(), src.tolist(), strict=True):
        if t <= lim and (t < dist[x] or (t == dist[x] and s < owner[x])):
            dist[x], owner[x] = t, s
            heapq.heappush(heap, (t, x))
    settled = 0
    while heap:
        d, x = heapq.heappop(heap)
        if done[x] or d > dist[x]:
            continue
        done[x] = True
        settled += 1
        for k in range(g.indptr[x], g.indptr[x + 1]):
            y, t = int(g.indices[k]), d + float(g.data[k])
            if done[y] or t > lim:
                continue
            if t < dist[y] or (t == dist[y] and owner[x] < owner[y]):
                dist[y], owner[y] = t, owner[x]
                heapq.heappush(heap, (t, y))
    return dist, owner, settled


def _lower(leaf: dict[int, float], ids: np.ndarray, times: np.ndarray, limit: float) -> None:
    for w, t in zip(ids.tolist(), times.tolist(), strict=True):
        if t <= limit and t < leaf.get(w, np.inf):
            leaf[w] = t


def _each_reference(
    g: sparse.csr_array,
    node: np.ndarray,
    time: np.ndarray,
    src: np.ndarray,
    n_src: int,
    limit: float,
    leaves: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The numba kernel's per-source searches, in plain Python with heapq."""
    n = g.shape[0]
    out: list[tuple[int, int, float]] = []
    for s in range(n_src):
        dist: dict[int, float] = {}
        leaf: dict[int, float] = {}
        heap: list[tuple[float, int]] = []
        for x, t in zip(node[src == s].tolist(), time[src == s].tolist(), strict=True):
            if t <= limit and t < dist.get(x, np.inf):
                dist[x] = t
                heapq.heappush(heap, (t, x))
        if leaves:
            mine = leaves["leaf_seed_src"] == s
            _lower(leaf, leaves["leaf_seed_id"][mine], leaves["leaf_seed_time"][mine], limit)
        while heap:
            d, x = heapq.heappop(heap)
            if d > dist[x]:
                continue
            if leaves:
                at = leaves["leaf_node"] == x
                _lower(leaf, leaves["leaf_id"][at], d + leaves["leaf_extra"][at], limit)
            for k in range(g.indptr[x], g.indptr[x + 1]):
                y, t = int(g.indices[k]), d + float(g.data[k])
                if t <= limit and t < dist.get(y, np.inf):
                    dist[y] = t
                    heapq.heappush(heap, (t, y))
        out += [(s, x, t) for x, t in dist.items()]
        out += [(s, n + w, t) for w, t in leaf.items()]
    r, c, t = zip(*out, strict=True) if out else ((), (), ())
    return np.array(r, dtype=np.int64), np.array(c, dtype=np.int64), np.array(t, dtype=float)


@pytest.mark.parametrize("seed", range(40))
def test_nearest_source_matches_the_reference(seed):
    rng = np.random.default_rng(seed)
    whole = seed % 2 == 0
    n = int(rng.integers(5, 300))
    g = _graph(rng, n, whole=whole)
    node, time, src = _seeds(rng, n, int(rng.integers(1, 12)), whole=whole)
    src = src * 3 + 1  # source ids need not be 0..k-1
    for limit in (None, 4.0, 15.0, 60.0):
        want = _nearest_reference(g, node, time, src, limit)
        got = dijkstra.nearest_source(g.indptr, g.indices, g.data, node, time, src, limit_s=limit)
        np.testing.assert_array_equal(np.isfinite(got[0]), np.isfinite(want[0]))
        np.testing.assert_allclose(got[0], want[0], rtol=0, atol=1e-9)
        np.testing.assert_array_equal(got[1], want[1])
        assert got[2] == want[2]


@pytest.mark.parametrize("seed", range(40))
def test_each_source_reach_matches_the_reference(seed):
    rng = np.random.default_rng(1000 + seed)
    whole = seed % 2 == 0
    n = int(rng.integers(5, 300))
    g = _graph(rng, n, whole=whole)
    n_src = int(rng.integers(1, 12))
    node, time, src = _seeds(rng, n, n_src, whole=whole)
    n_leaves = int(rng.integers(0, 20))
    k = 2 * n_leaves
    leaves = {}
    if n_leaves:
        leaves = {
            "leaf_node": rng.integers(0, n, k),
            "leaf_id": rng.integers(0, n_leaves, k),
            "leaf_extra": rng.uniform(0.0, 5.0, k),
            "n_leaves": n_leaves,
            "leaf_seed_id": rng.integers(0, n_leaves, 3),
            "leaf_seed_time": rng.uniform(0.0, 8.0, 3),
            "leaf_seed_src": rng.integers(0, n_src, 3),
        }
    calls: list[tuple[int, int]] = []
    for limit in (4.0, 15.0, 1e9):
        args = (g.indptr, g.indices, g.data, node, time, src, n_src)
        want = _each_reference(g, node, time, src, n_src, limit, leaves)
        got = dijkstra.each_source_reach(
            *args, limit_s=limit, chunk=lambda d, t: calls.append((d, t)), chunk_size=3, **leaves
        )
        want, got = _sorted(*want), _sorted(*got)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
        np.testing.assert_allclose(got[2], want[2], rtol=0, atol=1e-9)
    assert calls[-1] == (n_src, n_src)


def test_no_seeds():
    g = _graph(np.random.default_rng(0), 10, whole=True)
    e = np.zeros(0, dtype=np.int64)
    dist, src, settled = dijkstra.nearest_source(g.indptr, g.indices, g.data, e, e.astype(float), e)
    assert np.isinf(dist).all() and (src == -1).all() and settled == 0
    r, c, t = dijkstra.each_source_reach(
        g.indptr, g.indices, g.data, e, e.astype(float), e, 0, limit_s=5.0
    )
    assert r.size == c.size == t.size == 0
