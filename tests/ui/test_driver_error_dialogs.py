"""Driver errors reach the user in Chinese first, the driver's English behind 显示详情."""

from __future__ import annotations

import psycopg
import pyogrio
import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QPushButton

from gisdesk.core.errors import GisdeskError
from gisdesk.ui.i18n import install_qt_translations
from gisdesk.ui.workers import Task


@pytest.fixture
def log_dir(tmp_path, monkeypatch):
    folder = tmp_path / "logs"
    monkeypatch.setenv("GISDESK_LOG_DIR", str(folder))
    return folder


@pytest.fixture
def bare_window(qtbot):
    from gisdesk.ui.main_window import MainWindow

    install_qt_translations("zh")
    win = MainWindow()
    win.show()
    yield win
    for box in win.findChildren(QMessageBox, "error_box"):
        box.close()
        box.deleteLater()
    win.modified = False
    win.close()
    win.deleteLater()
    install_qt_translations("en")


REFUSED = ("Connection refused", "拒绝连接")  # libpq words it in the locale's language


def _error_box(window) -> QMessageBox:
    QCoreApplication.processEvents()
    boxes = [b for b in window.findChildren(QMessageBox, "error_box") if b.isVisible()]
    assert boxes, "no error dialog is shown"
    return boxes[-1]


def test_gdal_error_in_a_task(bare_window, log_dir, tmp_path):
    missing = tmp_path / "不存在.gpkg"
    task = Task(pyogrio.read_dataframe, missing, pass_hooks=False)
    bare_window.start_task(task, lambda _r: None, "读取图层", wait=True)
    box = _error_box(bare_window)
    assert box.text() == "数据驱动（GDAL）报告错误：文件不存在，或路径有误。"
    assert "内部错误" not in box.text()  # a driver's refusal is not a fault of gisdesk
    details = box.detailedText()
    assert details.startswith("pyogrio.errors.DataSourceError: ")
    assert "No such file or directory" in details or "没有那个文件或目录" in details
    log = log_dir / "gisdesk.log"
    assert str(log) in details  # where the full record is
    assert "Traceback" not in box.text() + details
    assert "Traceback (most recent call last)" in log.read_text(encoding="utf-8")
    shown = [b.text() for b in box.findChildren(QPushButton)]
    assert "显示详情..." in shown  # Qt's own button, in Chinese
    box.grab().save(str(tmp_path / "gdal_error_box.png"))


def test_postgis_error_quoted_by_gisdesk_moves_to_details(bare_window, log_dir):
    def refuse() -> None:
        try:
            psycopg.connect(host="127.0.0.1", port=1, dbname="x", user="x", connect_timeout=2)
        except psycopg.Error as exc:
            raise GisdeskError(
                f"无法连接到 PostGIS 服务器 127.0.0.1:1。（{str(exc).strip()}）",
                f"Cannot connect to the PostGIS server 127.0.0.1:1. ({str(exc).strip()})",
            ) from None

    bare_window.start_task(Task(refuse, pass_hooks=False), lambda _r: None, "连接", wait=True)
    box = _error_box(bare_window)
    assert box.text().startswith("无法连接到 PostGIS 服务器 127.0.0.1:1。原因：无法连接到服务器")
    assert not any(w in box.text() for w in REFUSED)
    assert "psycopg.OperationalError" in box.detailedText()
    assert any(w in box.detailedText() for w in REFUSED)


def test_adding_a_file_gdal_cannot_read(bare_window, log_dir, tmp_path):
    from gisdesk.core.project import Project

    bare_window.set_project(Project(title="新项目"))
    not_gis = tmp_path / "道路.gpkg"
    not_gis.write_text("这不是 GeoPackage", encoding="utf-8")
    assert bare_window.add_layer_from(not_gis) is None
    box = _error_box(bare_window)
    text = box.text() + box.detailedText()
    assert "Traceback" not in text
    assert box.text()[0] > "\u2e80"  # starts in Chinese, whatever the explanation is
    assert len(bare_window.project.layers) == 0


def test_postgis_server_out_of_reach_when_opening_layers(bare_window, log_dir, tmp_path):
    from gisdesk.io.postgis.profiles import ConnectionProfile

    profile = ConnectionProfile("测试服务器", host="127.0.0.1", port=1, dbname="gis", user="u")
    opened = bare_window.postgis.open_layers(profile, "secret", ["roads"])
    assert opened == []
    box = _error_box(bare_window)
    assert box.windowTitle() == "无法打开 PostGIS 图层"
    assert box.text().startswith("无法连接到 PostGIS 服务器")
    assert not any(w in box.text() for w in REFUSED)  # the server's words are not the message
    assert "connection failed" not in box.text()
    assert box.detailedText().startswith("psycopg.OperationalError: ")
    assert "secret" not in box.text() + box.detailedText()
    box.grab().save(str(tmp_path / "postgis_error_box.png"))
