"""Compiling gisdesk's few hand-written loops with numba."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["grow_float", "grow_int", "jit"]


def jit(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Compile ``fn`` in nopython mode, cached on disk where its source file is writable
    (a user cache directory otherwise; no cache where numba finds no place for one).

    The helpers below grow buffers with a plain loop instead of slice assignment or
    ``np.concatenate``, whose general implementations numba compiles slowly (the kernels'
    first compilation took 15 s with them, 9 s without).
    """
    import numba

    try:
        return numba.njit(cache=True, nogil=True)(fn)  # type: ignore[no-any-return]
    except RuntimeError:  # no cache locator (e.g. a frozen bundle without sources)
        return numba.njit(nogil=True)(fn)  # type: ignore[no-any-return]


def _grow_int(arr: Any, used: int, cap: int) -> Any:
    """Return an int64 array of ``cap`` items starting with ``arr[:used]``."""
    out = np.empty(cap, dtype=np.int64)
    for i in range(used):  # a loop compiles in a fraction of a slice assignment's time
        out[i] = arr[i]
    return out


def _grow_float(arr: Any, used: int, cap: int) -> Any:
    """Return a float64 array of ``cap`` items starting with ``arr[:used]``."""
    out = np.empty(cap, dtype=np.float64)
    for i in range(used):
        out[i] = arr[i]
    return out


# Growing buffers inside compiled loops (typed per dtype: a generic version compiles slowly).
grow_int = jit(_grow_int)
grow_float = jit(_grow_float)
