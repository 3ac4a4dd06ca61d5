"""Bounded Dijkstra searches on a CSR travel-time graph, by ``scipy.sparse.csgraph``.

Two searches gisdesk runs on every service-area question:

* the search starts from *seeds*: (node, time already spent, source) triples, so a facility
  in the middle of an edge starts at both end nodes with its access leg plus the partial
  edge, without adding door nodes to the cached graph;
* it stops at a time limit.

Both add one node per source after the graph's own, with arcs to the source's seed nodes
weighing the seed times (only these rows are new: the cached graph's arrays are copied
once, not re-sorted), and start ``csgraph.dijkstra`` from those nodes. The times are the
same float sums as along the graph's arcs, so they equal any other Dijkstra's to the bit.

:func:`nearest_source` is one multi-source search (``min_only``: every node's time to its
nearest source, and which source). csgraph keeps the first of two equally short paths it
settles, which depends on its heap; gisdesk's rule is that a node reached equally fast from
two sources gets the lower source id, so the result does not depend on the limit or the
order of the seeds. A pass over the *tight* arcs (``dist[u] + w == dist[v]``) lowers each
node's source to the smallest over all its shortest paths, in a few vectorised rounds that
touch only where ties change something.

:func:`each_source_reach` is one search per source, returning the sparse reach of each. csgraph
gives each search a dense row over every node, so sources go in blocks of
``_BLOCK_SOURCES``: one multi-source search finds the nodes any of the block reaches within
the limit, and the block's searches run on the subgraph of those nodes only (every node on
a path within the limit is in it, so the times are unchanged). It also times *leaf* nodes
hung off the graph (the demand points inside edges): a leaf is reached from its graph nodes
plus a fixed extra time, or seeded directly, and never leads further, so leaves are timed
after the search from their graph nodes' times.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

__all__ = ["each_source_reach", "nearest_source"]


def _limit(limit_s: float | None) -> float:
    return np.inf if limit_s is None else float(limit_s)


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
    nothing changes (a few rounds, only where two sources tie). Arcs of no time between
    nodes reached at the same moment are tight both ways; the lowest source spreads over
    them too.
    """
    size = dist.shape[0]
    row = np.repeat(np.arange(size), np.diff(graph.indptr))
    col = graph.indices
    reached = np.isfinite(dist[row])
    tight = reached & (dist[row] + graph.data == dist[col]) & (row != col)
    tu, tv = row[tight], col[tight]  # sorted by tu, as the rows are
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


def _seeds_within(
    seed_node: np.ndarray, seed_time: np.ndarray, seed_src: np.ndarray, limit: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the seeds (node, time, source) that start within the time limit."""
    node = np.asarray(seed_node, dtype=np.int64)
    time = np.asarray(seed_time, dtype=np.float64)
    src = np.asarray(seed_src, dtype=np.int64)
    keep = time <= limit
    return node[keep], time[keep], src[keep]


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
    limit = _limit(limit_s)
    node, time, src = _seeds_within(seed_node, seed_time, seed_src, limit)
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
    limit = float(limit_s)
    empty_i = np.zeros(0, dtype=np.int64)
    empty_f = np.zeros(0, dtype=np.float64)
    node, time, src = _seeds_within(seed_node, seed_time, seed_src, limit)
    graph = _with_virtual_rows(indptr, indices, data, src, node, time, n_sources)
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
