"""Make sure a Qt GUI application exists, and the resolution plates are laid out at.

Plates are laid out at the screen's logical resolution whatever the output device, then
scaled to it: the map painter measures label text without a device (so at the screen's
resolution) and draws PDF/SVG labels as outlines made the same way, so only a layout at
that resolution keeps labels their intended size and free of overlaps on every output.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication

__all__ = ["ensure_gui_app", "layout_dpi"]

_APP: list[QGuiApplication] = []  # keeps an application created here alive


def ensure_gui_app() -> None:
    """Create a QGuiApplication if the process has none (fonts and painting need one)."""
    if QGuiApplication.instance() is None:
        _APP.append(QGuiApplication(["gisdesk-export"]))


def layout_dpi() -> int:
    """Return the resolution (dots per inch) plates are laid out at: the screen's logical one."""
    ensure_gui_app()
    screen = QGuiApplication.primaryScreen()
    dpi = screen.logicalDotsPerInchY() if screen is not None else 96.0
    return max(48, round(dpi))
