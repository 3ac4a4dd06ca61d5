"""Bounded Dijkstra searches on a CSR travel-time graph, compiled with numba.

Two searches gisdesk runs on every service-area question, written for it because no graph
library does both of their parts at once:

* the search starts from *seeds*: (node, time already spent, source) triples, so a facility
  in the middle of an edge starts at both end nodes with its access leg plus the partial
  edge, without adding door nodes to the cached graph;
* it stops at a time limit and touches only what it reaches: the work is proportional to
  the nodes within the limit, not to the network (scipy's Dijkstra sets up every node for
  every source).

:func:`nearest_source` is one multi-source search (every node's time to its nearest source).
:func:`each_source_reach` is one search per source, returning the sparse reach of each, and
also times *leaf* nodes hung off the graph (the demand points inside edges): a leaf is
reached from its graph nodes plus a fixed extra time, or seeded directly, and never leads
further.

Ties: a node reached equally fast from two sources gets the lower source id, so the result
does not depend on the limit or the order of the seeds.

:func:`nearest_source_scipy` and :func:`each_source_reach_scipy` give the same answers with
``scipy.sparse.csgraph.dijkstra`` (one extra node per source whose arcs weigh the seed
times; leaves timed after the search; csgraph's ties settled by a pass over the equally
short arcs), to be weighed against these kernels (issue #22).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from gisdesk.analysis._jit import grow_float, grow_int
from gisdesk.analysis._jit import jit as _jit

__all__ = ["each_source_reach", "nearest_source"]


def _push(keys: Any, vals: Any, size: int, key: float, val: int) -> int:
    """Push onto a binary min-heap ordered by (key, val); return the new size."""
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        pk = keys[parent]
        if pk < key or (pk == key and vals[parent] <= val):
            break
        keys[i] = pk
        vals[i] = vals[parent]
        i = parent
    keys[i] = key
    vals[i] = val
    return size + 1


def _pop(keys: Any, vals: Any, size: int) -> int:
    """Remove the heap's top (read it first); return the new size."""
    size -= 1
    if size == 0:
        return 0
    key = keys[size]
    val = vals[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        other = child + 1
        if other < size and (
            keys[other] < keys[child] or (keys[other] == keys[child] and vals[other] < vals[child])
        ):
            child = other
        ck = keys[child]
        if key < ck or (key == ck and val <= vals[child]):
            break
        keys[i] = ck
        vals[i] = vals[child]
        i = child
    keys[i] = key
    vals[i] = val
    return size


_push = _jit(_push)
_pop = _jit(_pop)


@_jit
def _nearest(
    indptr: Any,
    indices: Any,
    data: Any,
    seed_node: Any,
    seed_time: Any,
    seed_src: Any,
    limit: float,
    n: int,
) -> tuple[Any, Any, int]:
    dist = np.full(n, np.inf)
    src = np.full(n, -1, dtype=np.int64)
    done = np.zeros(n, dtype=np.bool_)
    cap = indices.shape[0] + seed_node.shape[0] + 1
    keys = np.empty(cap, dtype=np.float64)
    vals = np.empty(cap, dtype=np.int64)
    size = 0
    for i in range(seed_node.shape[0]):
        x = seed_node[i]
        t = seed_time[i]
        if t > limit:
            continue
        if t < dist[x] or (t == dist[x] and seed_src[i] < src[x]):
            dist[x] = t
            src[x] = seed_src[i]
            size = _push(keys, vals, size, t, x)
    settled = 0
    while size > 0:
        d = keys[0]
        x = vals[0]
        size = _pop(keys, vals, size)
        if done[x] or d > dist[x]:
            continue
        done[x] = True
        settled += 1
        s = src[x]
        for k in range(indptr[x], indptr[x + 1]):
            y = indices[k]
            if done[y]:
                continue
            t = d + data[k]
            if t > limit:
                continue
            if t < dist[y] or (t == dist[y] and s < src[y]):
                dist[y] = t
                src[y] = s
                size = _push(keys, vals, size, t, y)
    return dist, src, settled


@_jit
def _mark(value: Any, touched: Any, count: int, x: int, t: float) -> int:
    """Lower ``value[x]`` to ``t``, remembering ``x`` the first time; return the count."""
    if value[x] == np.inf:
        touched[count] = x
        count += 1
    value[x] = t
    return count


@_jit
def _search_one(
    graph: Any,
    seeds: Any,
    leaves: Any,
    state: Any,
    limit: float,
    s: int,
) -> tuple[int, int]:
    """One source's bounded search; returns how many nodes and leaves it reached."""
    indptr, indices, data = graph
    seed_ptr, seed_node, seed_time, leaf_seed_ptr, leaf_seed_id, leaf_seed_time = seeds
    leaf_ptr, leaf_id, leaf_extra = leaves
    dist, leaf, touched, leaf_touched, keys, vals = state
    size = 0
    n_touched = 0
    n_leaf = 0
    for i in range(seed_ptr[s], seed_ptr[s + 1]):
        x = seed_node[i]
        t = seed_time[i]
        if t <= limit and t < dist[x]:
            n_touched = _mark(dist, touched, n_touched, x, t)
            size = _push(keys, vals, size, t, x)
    for i in range(leaf_seed_ptr[s], leaf_seed_ptr[s + 1]):
        w = leaf_seed_id[i]
        t = leaf_seed_time[i]
        if t <= limit and t < leaf[w]:
            n_leaf = _mark(leaf, leaf_touched, n_leaf, w, t)
    while size > 0:
        d = keys[0]
        x = vals[0]
        size = _pop(keys, vals, size)
        if d > dist[x]:
            continue
        if leaf_ptr.shape[0] > x + 1:  # no leaves: an empty row pointer
            for k in range(leaf_ptr[x], leaf_ptr[x + 1]):
                w = leaf_id[k]
                t = d + leaf_extra[k]
                if t <= limit and t < leaf[w]:
                    n_leaf = _mark(leaf, leaf_touched, n_leaf, w, t)
        for k in range(indptr[x], indptr[x + 1]):
            y = indices[k]
            t = d + data[k]
            if t <= limit and t < dist[y]:
                n_touched = _mark(dist, touched, n_touched, y, t)
                size = _push(keys, vals, size, t, y)
    return n_touched, n_leaf


@_jit
def _each(
    graph: Any,
    seeds: Any,
    leaves: Any,
    limit: float,
    n_leaves: int,
    first: int,
    last: int,
) -> tuple[Any, Any, Any]:
    indptr, indices, _ = graph
    seed_ptr = seeds[0]
    n = indptr.shape[0] - 1
    dist = np.full(n, np.inf)
    leaf = np.full(max(n_leaves, 1), np.inf)
    touched = np.empty(n, dtype=np.int64)
    leaf_touched = np.empty(max(n_leaves, 1), dtype=np.int64)
    cap = indices.shape[0] + (seed_ptr[last] - seed_ptr[first]) + 1
    state = (dist, leaf, touched, leaf_touched, np.empty(cap), np.empty(cap, dtype=np.int64))
    out_cap = 1024
    rows = np.empty(out_cap, dtype=np.int64)
    cols = np.empty(out_cap, dtype=np.int64)
    times = np.empty(out_cap, dtype=np.float64)
    n_out = 0
    for s in range(first, last):
        n_touched, n_leaf = _search_one(graph, seeds, leaves, state, limit, s)
        need = n_out + n_touched + n_leaf
        if need > out_cap:
            while out_cap < need:
                out_cap *= 2
            rows = grow_int(rows, n_out, out_cap)
            cols = grow_int(cols, n_out, out_cap)
            times = grow_float(times, n_out, out_cap)
        for j in range(n_touched):
            x = touched[j]
            rows[n_out] = s
            cols[n_out] = x
            times[n_out] = dist[x]
            n_out += 1
            dist[x] = np.inf
        for j in range(n_leaf):
            w = leaf_touched[j]
            rows[n_out] = s
            cols[n_out] = n + w
            times[n_out] = leaf[w]
            n_out += 1
            leaf[w] = np.inf
    return rows[:n_out], cols[:n_out], times[:n_out]


def _ptr(owner: np.ndarray, count: int) -> np.ndarray:
    """CSR row pointer of items sorted by ``owner`` (0..count-1)."""
    ptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=count), out=ptr[1:])
    return ptr


def _sorted_by(owner: np.ndarray, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    order = np.argsort(owner, kind="stable")
    return tuple(np.ascontiguousarray(a[order]) for a in arrays)


def _limit(limit_s: float | None) -> float:
    return np.inf if limit_s is None else float(limit_s)


def nearest_source(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    seed_node: np.ndarray,
    seed_time: np.ndarray,
    seed_src: np.ndarray,
    *,
    limit_s: float | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Return every node's time from its nearest source, that source (-1) and the count of
    nodes the search settled.

    Parameters
    ----------
    indptr, indices, data
        The graph in CSR form (row = from, column = to; seconds).
    seed_node, seed_time, seed_src
        Where each source starts: at ``seed_node`` with ``seed_time`` already spent. A source
        may have several seeds (a facility inside an edge starts at both its ends).
    limit_s
        Nodes beyond this time get inf and -1; the search stops there.
    """
    n = indptr.shape[0] - 1
    dist, src, settled = _nearest(
        indptr,
        indices,
        data,
        np.asarray(seed_node, dtype=np.int64),
        np.asarray(seed_time, dtype=np.float64),
        np.asarray(seed_src, dtype=np.int64),
        _limit(limit_s),
        n,
    )
    return dist, src, int(settled)


def each_source_reach(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    seed_node: np.ndarray,
    seed_time: np.ndarray,
    seed_src: np.ndarray,
    n_sources: int,
    *,
    limit_s: float,
    leaf_node: np.ndarray | None = None,
    leaf_id: np.ndarray | None = None,
    leaf_extra: np.ndarray | None = None,
    n_leaves: int = 0,
    leaf_seed_id: np.ndarray | None = None,
    leaf_seed_time: np.ndarray | None = None,
    leaf_seed_src: np.ndarray | None = None,
    chunk: Callable[[int, int], None] | None = None,
    chunk_size: int = 256,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (source, node, seconds) of everything each source reaches within ``limit_s``.

    Graph nodes are numbered 0..n-1 and leaves n..n+n_leaves-1 in the result. Leaf ``w`` is
    reached from graph node ``leaf_node[k]`` in ``leaf_extra[k]`` more seconds for every
    ``k`` with ``leaf_id[k] == w``, or directly from a leaf seed. ``chunk(done, total)`` is
    called between chunks of sources (for progress and cancelling).
    """
    n = indptr.shape[0] - 1
    seed_node, seed_time = _sorted_by(
        np.asarray(seed_src, dtype=np.int64),
        np.asarray(seed_node, dtype=np.int64),
        np.asarray(seed_time, dtype=np.float64),
    )
    seed_ptr = _ptr(np.asarray(seed_src, dtype=np.int64), n_sources)
    empty_i = np.zeros(0, dtype=np.int64)
    empty_f = np.zeros(0, dtype=np.float64)
    lnode = empty_i if leaf_node is None else np.asarray(leaf_node, dtype=np.int64)
    lid, lextra = _sorted_by(
        lnode,
        empty_i if leaf_id is None else np.asarray(leaf_id, dtype=np.int64),
        empty_f if leaf_extra is None else np.asarray(leaf_extra, dtype=np.float64),
    )
    # Without leaves the row pointer is left empty (the search then skips leaves).
    leaf_ptr = _ptr(lnode, n) if lnode.size else np.zeros(1, dtype=np.int64)
    lsrc = empty_i if leaf_seed_src is None else np.asarray(leaf_seed_src, dtype=np.int64)
    lsid, lstime = _sorted_by(
        lsrc,
        empty_i if leaf_seed_id is None else np.asarray(leaf_seed_id, dtype=np.int64),
        empty_f if leaf_seed_time is None else np.asarray(leaf_seed_time, dtype=np.float64),
    )
    leaf_seed_ptr = _ptr(lsrc, n_sources)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for first in range(0, n_sources, chunk_size):
        if chunk is not None:
            chunk(first, n_sources)
        last = min(n_sources, first + chunk_size)
        parts.append(
            _each(
                (indptr, indices, data),
                (seed_ptr, seed_node, seed_time, leaf_seed_ptr, lsid, lstime),
                (leaf_ptr, lid, lextra),
                float(limit_s),
                int(n_leaves),
                first,
                last,
            )
        )
    if chunk is not None:
        chunk(n_sources, n_sources)
    if not parts:
        return empty_i, empty_i, empty_f
    rows, cols, times = (np.concatenate(p) for p in zip(*parts, strict=True))
    return rows, cols, times


# --- scipy.sparse.csgraph versions --------------------------------------------------------

_BLOCK_SOURCES = 16  # each_source_reach: sources per csgraph call


def _induced(graph: sparse.csr_array, keep: np.ndarray) -> sparse.csr_array:
    """Return the subgraph on the sorted nodes ``keep`` (renumbered 0..len(keep)-1)."""
    where = np.full(graph.shape[0], -1, dtype=np.int64)
    where[keep] = np.arange(keep.shape[0])
    start = graph.indptr[keep]
    count = graph.indptr[keep + 1] - start
    arc = np.repeat(start - np.cumsum(count) + count, count) + np.arange(int(count.sum()))
    col = where[graph.indices[arc]]
    ok = col >= 0
    row = np.repeat(np.arange(keep.shape[0]), count)[ok]
    ptr = np.zeros(keep.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=keep.shape[0]), out=ptr[1:])
    return sparse.csr_array((graph.data[arc][ok], col[ok], ptr), shape=(keep.size, keep.size))


def _block_reach(
    graph: sparse.csr_array, starts: np.ndarray, limit: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return each start's times (starts x kept nodes) and the kept nodes: those any start
    reaches within ``limit``, found by one multi-source search first, so that the
    per-start search and its dense result cover only them. Every node on a path within
    the limit is kept, so the times are those of the whole graph, to the bit."""
    near = csgraph.dijkstra(graph, indices=starts, limit=limit, min_only=True)
    keep = np.flatnonzero(np.isfinite(near))
    sub = _induced(graph, keep)
    dist = csgraph.dijkstra(
        sub, indices=np.searchsorted(keep, starts), limit=limit, return_predecessors=False
    )
    return dist, keep


def _with_virtual_rows(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    row: np.ndarray,
    col: np.ndarray,
    weight: np.ndarray,
    n_rows: int,
) -> sparse.csr_array:
    """Return the graph with ``n_rows`` new nodes after its own, whose arcs ``row`` (0 =
    the first new node) -> ``col`` (an old node) weigh ``weight``; parallel arcs stay
    parallel (csgraph takes the lightest). Only the new rows are sorted; the old arrays
    are copied once by concatenation."""
    n = indptr.shape[0] - 1
    order = np.argsort(row, kind="stable")
    counts = np.bincount(row, minlength=n_rows)
    ptr = np.concatenate([indptr, indptr[-1] + np.cumsum(counts)])
    size = n + n_rows
    return sparse.csr_array(
        (
            np.concatenate([data, weight[order]]),
            np.concatenate([indices, col[order]]),
            ptr,
        ),
        shape=(size, size),
    )


def _lowest_tied_source(graph: sparse.csr_array, dist: np.ndarray, label: np.ndarray) -> None:
    """Give every node the lowest source over all its shortest paths, in place.

    ``label`` comes from csgraph, which keeps the first of equally short paths it settles;
    any of them is a source whose path is exactly as short. A path is exactly as short when
    each of its arcs is *tight*: ``dist[u] + w == dist[v]`` with the same float sums as the
    search. The lowest label is pushed along tight arcs, from the nodes it lowers, until
    nothing changes (a few rounds, only where two sources tie).
    """
    size = dist.shape[0]
    row = np.repeat(np.arange(size), np.diff(graph.indptr))
    col = graph.indices
    reached = np.isfinite(dist[row])
    tight = reached & (dist[row] + graph.data == dist[col]) & (row != col)
    tu, tv = row[tight], col[tight]
    order = np.argsort(tu, kind="stable")
    tu, tv = tu[order], tv[order]
    tptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(tu, minlength=size), out=tptr[1:])
    eu, ev = tu, tv  # first round: every tight arc
    while eu.size:
        cand = label[eu]
        lower = cand < label[ev]
        if not lower.any():
            break
        changed = np.unique(ev[lower])
        np.minimum.at(label, ev[lower], cand[lower])
        start = tptr[changed]
        count = tptr[changed + 1] - start
        total = int(count.sum())
        if total == 0:
            break
        offset = np.repeat(start - np.cumsum(count) + count, count)
        arc = offset + np.arange(total)
        eu, ev = tu[arc], tv[arc]


def nearest_source_scipy(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    seed_node: np.ndarray,
    seed_time: np.ndarray,
    seed_src: np.ndarray,
    *,
    limit_s: float | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """:func:`nearest_source` by one ``scipy.sparse.csgraph.dijkstra`` call (``min_only``):
    one extra node per source, with arcs to its seed nodes weighing the seed times."""
    n = indptr.shape[0] - 1
    limit = _limit(limit_s)
    node = np.asarray(seed_node, dtype=np.int64)
    time = np.asarray(seed_time, dtype=np.float64)
    src = np.asarray(seed_src, dtype=np.int64)
    keep = time <= limit
    node, time, src = node[keep], time[keep], src[keep]
    if node.size == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64), 0
    ids, which = np.unique(src, return_inverse=True)
    graph = _with_virtual_rows(indptr, indices, data, which, node, time, ids.shape[0])
    # ``sources`` (the source node that reached each node, -9999 none) comes only with the
    # predecessors.
    dist, _, origin = csgraph.dijkstra(
        graph,
        indices=n + np.arange(ids.shape[0]),
        limit=limit,
        min_only=True,
        return_predecessors=True,
    )
    label = np.where(origin >= n, ids[np.maximum(origin - n, 0)], np.iinfo(np.int64).max)
    label[n:] = ids  # each source's own node
    _lowest_tied_source(graph, dist, label)
    dist = dist[:n]
    reached = np.isfinite(dist)
    return dist, np.where(reached, label[:n], -1), int(reached.sum())


def each_source_reach_scipy(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    seed_node: np.ndarray,
    seed_time: np.ndarray,
    seed_src: np.ndarray,
    n_sources: int,
    *,
    limit_s: float,
    leaf_node: np.ndarray | None = None,
    leaf_id: np.ndarray | None = None,
    leaf_extra: np.ndarray | None = None,
    n_leaves: int = 0,
    leaf_seed_id: np.ndarray | None = None,
    leaf_seed_time: np.ndarray | None = None,
    leaf_seed_src: np.ndarray | None = None,
    chunk: Callable[[int, int], None] | None = None,
    chunk_size: int = 256,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`each_source_reach` by ``scipy.sparse.csgraph.dijkstra`` over blocks of
    sources (one extra node per source, as in :func:`nearest_source_scipy`); leaves are timed
    afterwards from their graph nodes' times, since they lead nowhere."""
    n = indptr.shape[0] - 1
    limit = float(limit_s)
    empty_i = np.zeros(0, dtype=np.int64)
    empty_f = np.zeros(0, dtype=np.float64)
    node = np.asarray(seed_node, dtype=np.int64)
    time = np.asarray(seed_time, dtype=np.float64)
    src = np.asarray(seed_src, dtype=np.int64)
    keep = time <= limit
    graph = _with_virtual_rows(indptr, indices, data, src[keep], node[keep], time[keep], n_sources)
    lnode = empty_i if leaf_node is None else np.asarray(leaf_node, dtype=np.int64)
    lid = empty_i if leaf_id is None else np.asarray(leaf_id, dtype=np.int64)
    lextra = empty_f if leaf_extra is None else np.asarray(leaf_extra, dtype=np.float64)
    order = np.argsort(lid, kind="stable")
    lnode, lid, lextra = lnode[order], lid[order], lextra[order]
    group_leaf, group_start = np.unique(lid, return_index=True)
    lsrc = empty_i if leaf_seed_src is None else np.asarray(leaf_seed_src, dtype=np.int64)
    lsid = empty_i if leaf_seed_id is None else np.asarray(leaf_seed_id, dtype=np.int64)
    lstime = empty_f if leaf_seed_time is None else np.asarray(leaf_seed_time, dtype=np.float64)
    block = max(1, min(chunk_size, _BLOCK_SOURCES))
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for first in range(0, n_sources, block):
        if chunk is not None:
            chunk(first, n_sources)
        last = min(n_sources, first + block)
        dist, keep = _block_reach(graph, n + np.arange(first, last), limit)
        where = np.full(n, -1, dtype=np.int64)
        real = keep < n
        where[keep[real]] = np.flatnonzero(real)
        leaf = np.full((last - first, max(n_leaves, 1)), np.inf)
        if lnode.size:
            at = where[lnode]
            t = np.where(at >= 0, dist[:, np.maximum(at, 0)], np.inf) + lextra
            leaf[:, group_leaf] = np.minimum.reduceat(t, group_start, axis=1)
        mine = (lsrc >= first) & (lsrc < last)
        np.minimum.at(leaf, (lsrc[mine] - first, lsid[mine]), lstime[mine])
        leaf[leaf > limit] = np.inf
        r, c = np.nonzero(np.isfinite(dist) & real)
        lr, lc = np.nonzero(np.isfinite(leaf))
        rows = np.concatenate([r, lr]) + first
        order = np.argsort(rows, kind="stable")
        parts.append(
            (
                rows[order],
                np.concatenate([keep[c], n + lc])[order],
                np.concatenate([dist[r, c], leaf[lr, lc]])[order],
            )
        )
    if chunk is not None:
        chunk(n_sources, n_sources)
    if not parts:
        return empty_i, empty_i, empty_f
    rows, cols, times = (np.concatenate(p) for p in zip(*parts, strict=True))
    return rows.astype(np.int64), cols.astype(np.int64), times
