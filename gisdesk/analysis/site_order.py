"""The order of proposed sites: each by what it adds to those before it, idle ones left out.

A covering solver returns a set of sites; planners build them one after another and read
"建议顺序" and "新覆盖村数" as "first this one, which adds so many villages". :func:`order_sites`
gives that order (lazy greedy on what is still uncovered) and leaves out a site that adds no
village, which a solver with nothing to gain may pick.
"""

from __future__ import annotations

import heapq

import numpy as np
from scipy import sparse

__all__ = ["order_sites"]


def order_sites(
    cover: sparse.csc_array,
    sites: np.ndarray,
    covered: np.ndarray,
    weights: np.ndarray | None,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Order chosen sites by what each adds to those before it; leave out those adding nothing.

    Starting from the ``covered`` rows, the next site is the one newly covering the most
    weight (then the most rows) of what is still uncovered (lazy greedy: what a site adds only
    shrinks as others are taken). A site that covers no row the others leave uncovered is left
    out: it changes no coverage (a solver with nothing to gain may pick it, e.g. a second
    candidate at the same spot). Returns the sites in that order and the rows each adds.
    """
    covered = np.asarray(covered, dtype=bool).copy()
    w = np.ones(covered.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)

    def rows(j: int) -> np.ndarray:
        found = cover.indices[cover.indptr[j] : cover.indptr[j + 1]]
        return np.asarray(found[~covered[found]])

    def key(j: int) -> tuple[float, int, int]:
        new = rows(j)
        return (-float(w[new].sum()), -int(new.size), j)

    heap = [key(int(j)) for j in sites]
    heapq.heapify(heap)
    order: list[int] = []
    added: list[np.ndarray] = []
    while heap:
        _, _, j = heapq.heappop(heap)
        fresh = key(j)
        if heap and fresh > heap[0]:  # it adds less now: back in line
            heapq.heappush(heap, fresh)
            continue
        new = rows(j)
        if new.size == 0:
            continue
        order.append(j)
        added.append(new)
        covered[new] = True
    return np.asarray(order, dtype=np.int64), added
