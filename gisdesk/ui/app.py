"""Start the desktop application."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from gisdesk.core.errors import GisdeskError, ProjectError
from gisdesk.render.fonts import cjk_font
from gisdesk.ui.app_icon import app_icon
from gisdesk.ui.i18n import install_qt_translations, language, load_language, tr
from gisdesk.ui.workers import error_text

if TYPE_CHECKING:
    from gisdesk.ui.main_window import MainWindow

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
    install_qt_translations(load_language())  # Qt's buttons and dialogs in Chinese
    from gisdesk.ui.main_window import MainWindow

    window = MainWindow()
    if screenshot is not None:
        window.resize(*size)
    previous_hook = sys.excepthook
    sys.excepthook = _excepthook(window)
    try:
        return _run_window(app, window, project, screenshot)
    finally:
        sys.excepthook = previous_hook


def _excepthook(window: MainWindow) -> Callable[..., None]:
    """An exception no code caught (in a slot, say): log the traceback, show a short message."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit: Python's way
            sys.__excepthook__(kind, exc, tb)
            return
        if exc.__traceback__ is None:
            exc = exc.with_traceback(tb)
        message, details = error_text("window", exc)  # tracebacks go to the log only
        window.report_error(tr("出错了", "Something went wrong"), message, details)

    return hook


def _run_window(
    app: QApplication, window: MainWindow, project: Path | None, screenshot: Path | None
) -> int:
    window.show()
    if screenshot is None and window.offer_recovery():
        project = None  # the recovered work comes first; the user can open others after
    if project is not None:
        before = window.project
        window.open_path(project, wait=screenshot is not None)
        if screenshot is not None and window.project is before:
            # Opening failed (the window showed why): no screenshot of an empty window.
            window.modified = False
            window.close()
            session = window.session
            if isinstance(session.last_failure, GisdeskError):
                raise session.last_failure
            raise ProjectError(
                f"无法打开 {project}：{session.last_error}",
                f"Cannot open {project}: {session.last_error}",
            )
    if screenshot is not None:
        for issue in window.project.load_problems if window.project is not None else []:
            print(tr("警告：", "Warning: ") + issue.message(language()), file=sys.stderr)
        window.canvas.wait_for_frame()
        layer = window.project.layer(window.project.layers[-1].name) if window.project else None
        if layer is not None:
            window.show_table(layer.name)
        app.processEvents()
        window.canvas.wait_for_frame()
        app.processEvents()
        fmt = None if screenshot.suffix else "PNG"  # the format by the suffix, else PNG
        saved = screenshot.parent.is_dir() and window.grab().save(str(screenshot), fmt)
        window.modified = False
        if not saved:
            window.close()
            raise ProjectError(
                f"无法保存窗口截图 {screenshot}（文件夹不存在、不可写，或同名的是文件夹）。",
                f"Cannot save the window screenshot {screenshot} (the folder does not exist or "
                "cannot be written, or a folder has that name).",
            )
        window.close()
        return 0
    QTimer.singleShot(0, window.raise_)
    return int(app.exec())
