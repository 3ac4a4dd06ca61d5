"""Progress and cancel hooks that long work accepts; the GUI bridges them to a worker thread.

The convention, for every function that takes them: ``progress`` is a
:class:`ProgressCallback` the work calls through :func:`report` with a fraction in [0, 1]
and a short message; ``cancel`` is a :class:`CancelToken` the work looks at between steps
through :func:`check_cancel`, which raises :class:`~gisdesk.core.errors.Cancelled`. Both
default to None (no reports, no cancelling). Docstrings list them as ``progress, cancel``
and refer here, saying only what is particular to the function.
"""

from __future__ import annotations

import threading
from typing import Protocol

from gisdesk.core.errors import Cancelled

__all__ = ["CancelToken", "ProgressCallback", "check_cancel", "report"]


class ProgressCallback(Protocol):
    """Receive progress as a fraction in [0, 1] with a short message."""

    def __call__(self, fraction: float, message: str, /) -> None: ...


class CancelToken:
    """A thread-safe flag the caller sets to ask long work to stop at its next check."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the work to stop."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether cancel was asked."""
        return self._event.is_set()


def check_cancel(cancel: CancelToken | None) -> None:
    """Raise :class:`Cancelled` if the token has been cancelled."""
    if cancel is not None and cancel.cancelled:
        raise Cancelled


def report(progress: ProgressCallback | None, fraction: float, message: str) -> None:
    """Call the progress hook if there is one, clamping the fraction to [0, 1]."""
    if progress is not None:
        progress(min(1.0, max(0.0, fraction)), message)
