"""Start the desktop application."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from gisdesk.render.fonts import cjk_font
from gisdesk.ui.app_icon import app_icon
from gisdesk.ui.i18n import load_language

__all__ = ["run_app"]


def run_app(
    project: Path | None = None,
    *,
    screenshot: Path | None = None,
    size: tuple[int, int] = (1400, 900),
) -> int:
    """Open the main window (on ``project`` if given) and run the event loop.

    With ``screenshot``, wait for the first complete frame, save the window as PNG and quit:
    how the README's screenshot is made and how a machine without a screen checks the GUI.
    """
    if screenshot is not None:  # reproducible: neither read nor write the user's settings
        import tempfile

        from PySide6.QtCore import QSettings

        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(
            QSettings.Format.IniFormat,
            QSettings.Scope.UserScope,
            tempfile.mkdtemp(prefix="gisdesk-settings-"),
        )
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("gisdesk")
    app.setOrganizationName("gisdesk")
    app.setDesktopFileName("gisdesk")  # matches the installed gisdesk.desktop entry
    app.setWindowIcon(app_icon())
    app.setFont(cjk_font(9.0))
    load_language()
    from gisdesk.ui.main_window import MainWindow

    window = MainWindow()
    if screenshot is not None:
        window.resize(*size)
    window.show()
    if screenshot is None and window.offer_recovery():
        project = None  # the recovered work comes first; the user can open others after
    if project is not None:
        window.open_path(project, wait=screenshot is not None)
    if screenshot is not None:
        window.canvas.wait_for_frame()
        layer = window.project.layer(window.project.layers[-1].name) if window.project else None
        if layer is not None:
            window.show_table(layer.name)
        app.processEvents()
        window.canvas.wait_for_frame()
        app.processEvents()
        window.grab().save(str(screenshot))
        window.modified = False
        window.close()
        return 0
    QTimer.singleShot(0, window.raise_)
    return int(app.exec())
