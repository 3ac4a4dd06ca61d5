"""Make sure a Qt GUI application exists before anything is painted (headless or not)."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication

__all__ = ["ensure_gui_app"]

_APP: list[QGuiApplication] = []  # keeps an application created here alive


def ensure_gui_app() -> None:
    """Create a QGuiApplication if the process has none (fonts and painting need one)."""
    if QGuiApplication.instance() is None:
        _APP.append(QGuiApplication(["gisdesk-export"]))
