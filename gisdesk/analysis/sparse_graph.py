"""Sparse travel graphs: the CSR matrix of a network's arcs keeping the fastest of
parallel ones, and dense ids for node pairs (which arcs may be parallel)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

__all__ = ["min_csr", "pair_ids"]


def min_csr(
    rows: np.ndarray,
    cols: np.ndarray,
    data: np.ndarray,
    n: int,
    *,
    maybe_duplicate: np.ndarray | None = None,
) -> sparse.csr_array:
    """Return an n x n CSR graph keeping the smallest weight of duplicate (row, col) entries.

    scipy sums duplicates, which would make two parallel roads one slow edge. Only entries
    flagged ``maybe_duplicate`` (all when None) are sorted to keep the minimum; the rest go
    straight into scipy's linear-time COO -> CSR conversion. Zero weights stay explicit
    entries: csgraph treats them as edges.
    """
    flag = np.ones(rows.shape[0], dtype=bool) if maybe_duplicate is None else maybe_duplicate
    if flag.any():
        fr, fc, fd = rows[flag], cols[flag], data[flag]
        order = np.lexsort((fd, fc, fr))
        fr, fc, fd = fr[order], fc[order], fd[order]
        first = np.ones(fr.shape[0], dtype=bool)
        first[1:] = (fr[1:] != fr[:-1]) | (fc[1:] != fc[:-1])
        keep = ~flag
        rows = np.concatenate([rows[keep], fr[first]])
        cols = np.concatenate([cols[keep], fc[first]])
        data = np.concatenate([data[keep], fd[first]])
    return sparse.csr_array(
        (data.astype(np.float64), (rows.astype(np.int64), cols.astype(np.int64))), shape=(n, n)
    )


def pair_ids(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return dense ids (0..k-1) of the distinct (a, b) integer pairs, by hashing."""
    ia = pd.factorize(a)[0].astype(np.int64)
    ib = pd.factorize(b)[0].astype(np.int64)
    return pd.factorize(ia * (int(ib.max()) + 1 if ib.size else 1) + ib)[0].astype(np.int64)
