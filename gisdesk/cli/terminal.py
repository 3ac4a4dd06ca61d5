"""What the command line prints shows data as text, never as terminal control sequences.

Names, titles and values reach the terminal in messages and tables (``gisdesk info`` prints
the project's and layers' titles, ``validate`` the values it finds wrong). A value holding
``ESC [ 2 J`` would clear the screen, an OSC sequence set the window title, a carriage
return or a right-to-left override overwrite or reorder what was printed before it, so a
received file could make its report read "all fine". While a command runs, its standard
output and error pass through :class:`TerminalText`, which writes every control character
but line feed and tab (C0, DEL, C1) and the bidirectional embedding, override and isolate
marks as a visible ``\\uXXXX``. That form is also a JSON escape of the same character, so
``targets --format json`` stays valid JSON with the same content.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO, cast

__all__ = ["TerminalText", "terminal_output", "terminal_text"]

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _shown(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group(0)):04x}"


def terminal_text(text: str) -> str:
    """``text`` with the characters a terminal would act on written as ``\\uXXXX``."""
    return _CONTROL.sub(_shown, text)


class TerminalText(io.TextIOBase):
    """A text stream that writes to ``stream`` through :func:`terminal_text`."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(terminal_text(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    def writable(self) -> bool:
        return True

    def close(self) -> None:
        """Leave the wrapped stream open (it belongs to the caller; this one is dropped)."""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._stream.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self._stream.errors


@contextmanager
def terminal_output() -> Iterator[None]:
    """Pass ``sys.stdout`` and ``sys.stderr`` through :class:`TerminalText` inside the block."""
    out, err = sys.stdout, sys.stderr
    if out is not None:
        sys.stdout = cast(TextIO, TerminalText(out))
    if err is not None:
        sys.stderr = cast(TextIO, TerminalText(err))
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
