"""Make sure a Qt GUI application exists, and the resolution plates are laid out at.

Plates are laid out at the screen's logical resolution whatever the output device, then
scaled to it: the map painter measures label text without a device (so at the screen's
resolution) and draws PDF/SVG labels as outlines made the same way, so only a layout at
that resolution keeps labels their intended size and free of overlaps on every output.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtGui import QGuiApplication

from gisdesk.io.network_cache import cache_dir
from gisdesk.render.fonts import use_font_cache

__all__ = ["ensure_gui_app", "headless", "layout_dpi"]

_APP: list[QGuiApplication] = []  # keeps an application created here alive
_FONT_CACHE: list[Path] = []  # the rebuilt fonts' folder, once chosen


def headless() -> bool:
    """Whether Qt has no screen to talk to: Linux/BSD without X11 or Wayland, no platform set.

    Qt would abort the whole process there (no traceback, no message of ours); plates do
    not need a screen, so exports then draw offscreen.
    """
    if os.environ.get("QT_QPA_PLATFORM"):
        return False
    if sys.platform.startswith(("win", "darwin")):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def ensure_gui_app() -> None:
    """Create a QGuiApplication if the process has none (fonts and painting need one).

    Plates keep the CJK font rebuilt for their text layer beside the road networks
    (``<cache>/fonts``, :func:`gisdesk.render.fonts.use_font_cache`).
    """
    if QGuiApplication.instance() is None:
        if headless():
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        _APP.append(QGuiApplication(["gisdesk-export"]))
    if not _FONT_CACHE:
        _FONT_CACHE.append(cache_dir().parent / "fonts")
        use_font_cache(_FONT_CACHE[0])


def layout_dpi() -> int:
    """Return the resolution (dots per inch) plates are laid out at: the screen's logical one."""
    ensure_gui_app()
    screen = QGuiApplication.primaryScreen()
    dpi = screen.logicalDotsPerInchY() if screen is not None else 96.0
    return max(48, round(dpi))
