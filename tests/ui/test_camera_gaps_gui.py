"""The camera-gap check from the 分析 menu: a dialog that says what it does, a worker with
progress and cancel, the gaps as a layer and a per-road table with Chinese headers; a
re-run replaces the earlier result."""

from __future__ import annotations

import time

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from gisdesk.ui.sort_items import ROLE_SORT

LEFT = Qt.MouseButton.LeftButton
HEADERS = ["道路", "道路等级", "长度（千米）", "最长间距（千米）"]


def _menu_action(window, text):
    """The entry of the 分析 menu itself (not of a submenu) with this text."""
    menu = window.registry.menus["analysis"]
    return next(a for a in menu.actions() if a.text() == text and a.menu() is None)


def _answer(qtbot, seen, max_gap_km=None):
    """Fill in the dialog when it opens, remember what it showed, and press 开始检查."""

    def fill():
        dialog = QApplication.activeModalWidget()
        if dialog is None or dialog.objectName() != "camera_gaps_dialog":
            QTimer.singleShot(20, fill)
            return
        seen.append(
            {
                "title": dialog.windowTitle(),
                "intro": dialog.intro.text(),
                "cameras": dialog.cameras.currentText(),
                "roads": dialog.roads.currentText(),
                "limit": dialog.max_gap_km.value(),
            }
        )
        if max_gap_km is not None:
            dialog.max_gap_km.setValue(max_gap_km)
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        assert ok.text() == "开始检查"
        qtbot.mouseClick(ok, LEFT)

    QTimer.singleShot(0, fill)


def _table(window):
    table = window.results_dock.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    rows = [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]
    return table, headers, rows


def test_a_newcomer_runs_the_check_from_the_analysis_menu(window, qtbot):
    action = _menu_action(window, "国省道监控卡口间距检查…")
    assert "10 千米" in action.toolTip()
    seen: list[dict] = []
    _answer(qtbot, seen)
    action.trigger()
    qtbot.waitUntil(lambda: window.task is None and "camera_gaps" in window.project, timeout=60_000)
    shown = seen[0]
    assert shown["title"] == "国省道监控卡口间距检查" and shown["limit"] == 10.0
    assert "ROAD-6" in shown["intro"] and "结果" in shown["intro"] and "替换" in shown["intro"]
    assert shown["cameras"].startswith("监控与卡口") and shown["roads"].startswith("道路")
    layer = window.project.layer("camera_gaps")
    assert layer.visible and layer.title == "监控卡口间距（上限 10 千米）"
    assert window.project.layers[-1].name == "camera_gaps"  # drawn on top
    table, headers, rows = _table(window)
    assert window.docks["results"].isVisible() and table.isVisible()
    assert headers[:4] == HEADERS and headers[4].startswith("超限")
    roads = sorted(layer.data["road"].unique())
    assert sorted(r[0] for r in rows) == roads
    assert {r[1] for r in rows} <= {"国道", "省道"}
    over = int(layer.data["over"].sum())
    total = sum(int(r[headers.index("超限（全部设备）")]) for r in rows)
    assert total == int(layer.data.loc[layer.data["kind"] == "全部", "over"].sum())
    assert over >= total
    # the longest gap sorts by number (10.8 after 6.6), a click on its header
    column = headers.index("最长间距（千米）")
    header = table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), LEFT, pos=QPoint(x, 5))
    assert header.sortIndicatorSection() == column
    descending = header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    numbers = [table.item(r, column).data(ROLE_SORT) for r in range(table.rowCount())]
    assert None not in numbers and len(set(numbers)) > 1
    assert numbers == sorted(numbers, reverse=descending)
    texts = [table.item(r, column).text() for r in range(table.rowCount())]
    assert texts == [f"{n:.1f}" for n in numbers]


def test_checking_again_replaces_the_layer_and_the_table(window, qtbot):
    action = _menu_action(window, "国省道监控卡口间距检查…")
    for limit in (10.0, 5.0):
        _answer(qtbot, [], max_gap_km=limit)
        action.trigger()
        qtbot.waitUntil(lambda: window.task is None, timeout=60_000)
        qtbot.waitUntil(lambda limit=limit: f"上限 {limit:g} 千米" in _layer_title(window))
    names = [layer.name for layer in window.project.layers]
    assert names.count("camera_gaps") == 1
    layer = window.project.layer("camera_gaps")
    assert layer.title == "监控卡口间距（上限 5 千米）"
    _table_widget, _headers, rows = _table(window)
    assert len(rows) == layer.data["road"].nunique()  # one table, not two runs' rows
    head = window.results.topLevelItem(0)
    assert window.results.topLevelItemCount() == 1 and "上限 5 千米" in head.text(1)


def _layer_title(window):
    project = window.project
    return project.layer("camera_gaps").title if "camera_gaps" in project else ""


def test_the_check_shows_progress_and_can_be_cancelled(window, qtbot, monkeypatch):
    import gisdesk.ui.blackspots_actions as actions

    real = actions.run_analysis

    def held(project, request, *, progress=None, cancel=None):
        deadline = time.monotonic() + 30
        while not cancel.cancelled and time.monotonic() < deadline:
            time.sleep(0.01)  # the worker waits for the user's 取消
        return real(project, request, progress=progress, cancel=cancel)

    monkeypatch.setattr(actions, "run_analysis", held)
    from gisdesk.tasks.camera_gaps import CameraGapsRequest

    window.blackspots.run_camera_gaps(CameraGapsRequest())
    bar = window.indicators
    assert bar.progress.isVisible() and "监控卡口间距检查" in bar.progress.format()
    assert bar.cancel_button.isVisible() and bar.cancel_button.text() == "取消"
    qtbot.mouseClick(bar.cancel_button, LEFT)
    qtbot.waitUntil(lambda: window.task is None, timeout=30_000)
    assert "camera_gaps" not in window.project
    assert "监控卡口间距检查已取消" in window.log.toPlainText()
    assert not bar.cancel_button.isVisible()


def test_the_summary_table_has_the_window_width_below_the_map(window, qtbot):
    """The per-road table sat under the results tree in the side dock, its columns behind a
    sideways scroll bar; it is a bottom tab of its own now, 分析汇总, shown after a run."""
    window.resize(1400, 860)
    _answer(qtbot, [])
    _menu_action(window, "国省道监控卡口间距检查…").trigger()
    qtbot.waitUntil(lambda: window.task is None and "camera_gaps" in window.project, timeout=60_000)
    dock = window.docks["summary"]
    table = window.results_dock.table
    assert dock.windowTitle() == "分析汇总" and dock.widget() is table
    assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.BottomDockWidgetArea
    qtbot.waitUntil(lambda: table.isVisible() and table.columnCount() >= 5)
    assert dock.width() > 0.9 * window.width()
    qtbot.waitUntil(lambda: table.viewport().width() >= table.horizontalHeader().length())
    assert not table.horizontalScrollBar().isVisible()


def test_the_summary_stays_through_identify_and_a_new_project_empties_it(
    window, qtbot, monkeypatch
):
    table = window.results_dock.table
    assert table.columnCount() == 1 and "尚无分析结果" in table.item(0, 0).text()
    _answer(qtbot, [])
    _menu_action(window, "国省道监控卡口间距检查…").trigger()
    qtbot.waitUntil(lambda: window.task is None and "camera_gaps" in window.project, timeout=60_000)
    _table_widget, headers, rows = _table(window)
    assert headers[:4] == HEADERS and rows
    window.show_identify([])  # an identify (here: nothing under the click) empties the tree
    assert window.results.topLevelItemCount() == 0
    assert _table(window)[1:] == (headers, rows)  # the summary is still in its tab
    monkeypatch.setattr(window.files, "confirm_discard", lambda: True)  # (no save prompt)
    window.new_project()
    qtbot.waitUntil(lambda: table.columnCount() == 1)
    assert "尚无分析结果" in table.item(0, 0).text()
