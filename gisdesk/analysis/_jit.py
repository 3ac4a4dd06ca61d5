"""Compiling gisdesk's few hand-written loops with numba."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["jit"]


def jit(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Compile ``fn`` in nopython mode, cached on disk where its source file is writable
    (a user cache directory otherwise; no cache where numba finds no place for one)."""
    import numba

    try:
        return numba.njit(cache=True, nogil=True)(fn)  # type: ignore[no-any-return]
    except RuntimeError:  # no cache locator (e.g. a frozen bundle without sources)
        return numba.njit(nogil=True)(fn)  # type: ignore[no-any-return]
