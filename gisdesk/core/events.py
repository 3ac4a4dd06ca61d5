"""A minimal observer: the model emits, the GUI subscribes; the model never imports Qt."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

__all__ = ["Signal"]


class Signal:
    """A list of callbacks called in order on :meth:`emit`.

    ``connect`` returns a function that disconnects, so each subscription has its teardown
    next to it.
    """

    def __init__(self) -> None:
        self._slots: list[Callable[..., Any]] = []

    def connect(self, slot: Callable[..., Any]) -> Callable[[], None]:
        """Subscribe ``slot`` and return its disconnect function."""
        self._slots.append(slot)

        def disconnect() -> None:
            self.disconnect(slot)

        return disconnect

    def disconnect(self, slot: Callable[..., Any]) -> None:
        """Unsubscribe ``slot`` (no error if it is not subscribed)."""
        with contextlib.suppress(ValueError):
            self._slots.remove(slot)

    def emit(self, *args: Any) -> None:
        """Call every subscriber with ``args``."""
        for slot in list(self._slots):
            slot(*args)

    def __len__(self) -> int:
        return len(self._slots)
