"""Widgets under pytest-qt, offscreen, with settings kept out of the user's real profile."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from tests.integration.conftest import pg_schema  # noqa: F401  (PostGIS UI tests)


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch):
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    monkeypatch.setenv("GISDESK_RECOVERY_DIR", str(tmp_path / "recovery"))
    yield


@pytest.fixture
def window(qtbot, sample_path):
    from PySide6.QtWidgets import QApplication

    from gisdesk.render.fonts import cjk_font
    from gisdesk.ui.main_window import MainWindow

    QApplication.instance().setFont(cjk_font(9.0))
    win = MainWindow()
    win.resize(1200, 800)
    win.show()  # not qtbot.addWidget: its teardown closes first and would meet the save prompt
    win.open_path(sample_path, wait=True)
    assert win.project is not None
    assert win.canvas.wait_for_frame()
    yield win
    win.undo.clear()  # (emits indexChanged, which marks the project modified)
    win.modified = False
    win.close()
    win.deleteLater()
