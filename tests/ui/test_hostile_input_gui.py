"""Bad input in the window: messages for people, tracebacks only in the log file.

Driven through the real widgets: the error dialog of a failed task and of an exception no
code caught, opening broken and damaged files, and the editor refusing a point far outside
the project and an infinite number in the attribute table and the feature form.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from gisdesk.core.crs import transformer
from gisdesk.core.errors import InputError
from gisdesk.core.validation import project_area
from gisdesk.io.styles import load_styles
from gisdesk.ui.workers import Task
from tests.hostile_inputs import broken_file, damage_style

FACTORY = {
    "factory_id": "HM-CF-9200",
    "name": "远处厂房",
    "town": "海门街道",
    "building_type": "一栋多厂",
    "tenants": 3,
    "category": "提升",
    "status": "未整改",
}


@pytest.fixture
def log_dir(tmp_path, monkeypatch):
    folder = tmp_path / "logs"
    monkeypatch.setenv("GISDESK_LOG_DIR", str(folder))
    return folder


def _error_box(window) -> QMessageBox:
    QCoreApplication.processEvents()  # the box opens from the event loop
    boxes = [b for b in window.findChildren(QMessageBox, "error_box") if b.isVisible()]
    assert boxes, "no error dialog is shown"
    return boxes[-1]


def _close_boxes(window) -> None:
    for box in window.findChildren(QMessageBox, "error_box"):
        box.close()
        box.deleteLater()


def test_a_fault_shows_a_message_and_the_traceback_goes_to_the_log(window, log_dir):
    def fail() -> None:
        raise RuntimeError("boom in a worker")

    window.start_task(Task(fail, pass_hooks=False), lambda _r: None, "测试任务", wait=True)
    box = _error_box(window)
    assert "gisdesk 内部错误：RuntimeError: boom in a worker" in box.text()
    assert "Traceback" not in box.text() + box.detailedText()
    log = log_dir / "gisdesk.log"
    assert str(log) in box.detailedText()
    assert "Traceback (most recent call last)" in log.read_text(encoding="utf-8")
    assert 'raise RuntimeError("boom in a worker")' in log.read_text(encoding="utf-8")
    assert "Traceback" not in window.log.toPlainText()  # nor in the log dock
    _close_boxes(window)


def test_bad_input_shows_its_message_and_no_details(window, log_dir):
    def refuse() -> None:
        raise InputError("时间限值须为大于 0 分钟。", "The time limit must be above 0.")

    window.start_task(Task(refuse, pass_hooks=False), lambda _r: None, "测试任务", wait=True)
    box = _error_box(window)
    assert box.text() == "时间限值须为大于 0 分钟。"
    assert box.detailedText() == ""
    assert "InputError" in (log_dir / "gisdesk.log").read_text(encoding="utf-8")
    _close_boxes(window)


def test_an_exception_no_code_caught_is_shown_without_traceback(window, log_dir):
    from gisdesk.ui.app import _excepthook

    hook = _excepthook(window)
    try:
        {}["missing key"]
    except KeyError:
        hook(*sys.exc_info())
    box = _error_box(window)
    assert "KeyError: 'missing key'" in box.text()
    assert "Traceback" not in box.text() + box.detailedText()
    assert str(log_dir / "gisdesk.log") in box.detailedText()
    _close_boxes(window)


@pytest.mark.parametrize(
    ("kind", "zh"),
    [
        ("text", "不是 GeoPackage 项目文件"),
        ("truncated", "已损坏，无法读取"),
        ("empty", "是空文件（0 字节）"),
        ("sqlite-not-gpkg", "不是 GeoPackage（缺少 gpkg_contents 表）"),
        ("missing", "项目文件不存在"),
    ],
)
def test_opening_a_broken_file_says_why_and_keeps_the_project(
    window, tmp_path, sample_path, log_dir, kind, zh
):
    before = window.project
    path = broken_file(sample_path, tmp_path, kind)
    window.open_path(path, wait=True)
    assert window.project is before
    box = _error_box(window)
    assert zh in box.text() and path.name in box.text()
    # SQLite's own English, if any, is behind the details button, never a traceback
    assert not any(w in box.text() for w in ("malformed", "not a database", "Error:"))
    assert "Traceback" not in box.detailedText()
    _close_boxes(window)


def test_a_damaged_style_opens_with_defaults_and_a_warning(window, tmp_path, sample_path):
    damaged = damage_style(sample_path, tmp_path / "style.gpkg", "villages")
    window.open_path(damaged, wait=True)
    assert window.project is not None and window.project.path == damaged
    assert window.project.layer("villages").style == load_styles()["villages"]
    box = _error_box(window)
    assert "部分内容无法读取" in box.windowTitle()
    assert "[villages]" in box.text() and "图层样式已损坏" in box.text()
    _close_boxes(window)


@pytest.fixture
def warnings(monkeypatch) -> list[str]:
    found: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda _parent, _title, text, *a, **k: found.append(text)
    )
    return found


def test_a_point_digitised_far_outside_the_project_is_refused(window, warnings):
    layer = window.project.layer("rental_factories")
    n = len(layer)
    window.snapper.enabled = False
    window.feature_values = lambda _layer, _initial: dict(FACTORY)
    window.layer_tree.select_layer("rental_factories")
    window.set_tool("edit_add")
    window.canvas.set_scale(20_000_000)  # the district is a few pixels in the middle
    window.canvas.wait_for_frame()
    x, y = window.canvas.viewport.to_map(5, 5)
    lon, lat = transformer(window.canvas.crs, 4490).transform(x, y)
    area = project_area(window.project)
    assert area is not None and not area.contains(np.array([lon, lat, lon, lat]))[0]
    QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert len(layer) == n  # nothing added
    assert warnings and "超出项目范围" in warnings[-1] and "经纬度颠倒" in warnings[-1]
    assert not window.edits.editor.can_undo


def test_attribute_table_refuses_infinite_numbers(window, warnings):
    window.show_table("service_points")
    model = window.table.model
    col = model.columns.index("floor_area_m2")
    row = int(model.rows[0])
    before = window.project.layer("service_points").data["floor_area_m2"].iloc[row]
    for text in ("inf", "1e999", "-Infinity"):
        assert not model.setData(model.index(0, col), text)
    assert len(warnings) == 3
    assert all("建筑面积" in w for w in warnings)
    assert "有限数值" in warnings[1]
    after = window.project.layer("service_points").data["floor_area_m2"].iloc[row]
    assert after == before or (math.isnan(after) and math.isnan(before))  # NaN stays NaN
    assert model.setData(model.index(0, col), "250.5")
    assert window.project.layer("service_points").data["floor_area_m2"].iloc[row] == 250.5


def test_feature_form_explains_an_infinite_number_next_to_the_field(window, qtbot):
    from gisdesk.ui.feature_form import attribute_form

    fid = window.project.layer("service_points").fid_at(0)
    form = attribute_form(window, "service_points", fid)
    form.show()
    qtbot.waitExposed(form)
    editor = form.editors["floor_area_m2"]
    editor.clear()
    qtbot.keyClicks(editor, "1e999")
    ok = form.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert form.isVisible() and form.transaction is None
    label = form.error_labels["floor_area_m2"]
    assert not label.isHidden()
    assert label.text() == "“建筑面积”须为有限数值（收到 1e999）。"
    form.close()


def test_analyses_from_the_window_refuse_what_the_cli_refuses(window, log_dir):
    from gisdesk.tasks.service_areas import ServiceAreasRequest
    from gisdesk.ui.analysis_dialogs import ZonesDialog

    window.analyses.run_analysis(ServiceAreasRequest(minutes=math.inf), wait=True)
    box = _error_box(window)
    assert box.text() == "时间限值须为大于 0 分钟且不大于 240 分钟的数值（收到 inf）。"
    assert box.detailedText() == "" and "village_coverage" not in window.project
    _close_boxes(window)

    request = ZonesDialog(window.project, window).request()
    assert request.stations == "monitoring_stations"
    stations = window.project.layer("monitoring_stations")
    stations.set_data(stations.data.iloc[:0], fids=stations.fids[:0])
    window.analyses.run_analysis(request, wait=True)
    box = _error_box(window)
    assert "监测站点图层“monitoring_stations”没有要素，无法划定重点区域" in box.text()
    assert "key_zones" not in window.project
    _close_boxes(window)
