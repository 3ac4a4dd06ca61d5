"""The scipy.sparse.csgraph searches give the numba kernels' answers on random graphs.

Random directed graphs, with whole-number weights in half of them so that many nodes are
reached equally fast from two sources (the tie rule: the lower source id wins), random
seeds (several per source, some on the same node, some at 0 s), leaves and leaf seeds, with
and without a time limit.
"""

from __future__ import annotations

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


@pytest.mark.parametrize("seed", range(40))
def test_nearest_source_matches_the_kernel(seed):
    rng = np.random.default_rng(seed)
    whole = seed % 2 == 0
    n = int(rng.integers(5, 300))
    g = _graph(rng, n, whole=whole)
    node, time, src = _seeds(rng, n, int(rng.integers(1, 12)), whole=whole)
    src = src * 3 + 1  # source ids need not be 0..k-1
    for limit in (None, 4.0, 15.0, 60.0):
        want = dijkstra.nearest_source(g.indptr, g.indices, g.data, node, time, src, limit_s=limit)
        got = dijkstra.nearest_source_scipy(
            g.indptr, g.indices, g.data, node, time, src, limit_s=limit
        )
        np.testing.assert_array_equal(np.isfinite(got[0]), np.isfinite(want[0]))
        np.testing.assert_allclose(got[0], want[0], rtol=0, atol=1e-9)
        np.testing.assert_array_equal(got[1], want[1])
        assert got[2] == want[2]


@pytest.mark.parametrize("seed", range(40))
def test_each_source_reach_matches_the_kernel(seed):
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
        want = dijkstra.each_source_reach(*args, limit_s=limit, **leaves)
        got = dijkstra.each_source_reach_scipy(
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
    dist, src, settled = dijkstra.nearest_source_scipy(
        g.indptr, g.indices, g.data, e, e.astype(float), e
    )
    assert np.isinf(dist).all() and (src == -1).all() and settled == 0
    r, c, t = dijkstra.each_source_reach_scipy(
        g.indptr, g.indices, g.data, e, e.astype(float), e, 0, limit_s=5.0
    )
    assert r.size == c.size == t.size == 0
