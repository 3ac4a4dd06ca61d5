"""Attribute forms and the per-feature audit trail, driven through their widgets.

The sample opens as a working copy, so every accepted edit lands in a GeoPackage in
GISDESK_RECOVERY_DIR (``window.edits.store.path``); the tests read that file back.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QComboBox, QDialogButtonBox
from shapely.geometry import Point

from gisdesk.core.crs import transformer
from gisdesk.core.editing import GEOMETRY
from gisdesk.core.layer import Layer
from gisdesk.ui.feature_form import (
    FeatureForm,
    attribute_form,
    feature_specs,
    new_feature_values,
)
from gisdesk.ui.feature_history import (
    FeatureHistoryDialog,
    describe_geometry_change,
    show_feature_history,
)
from gisdesk.ui.i18n import set_language


def _file_row(path: Path, table: str, fid: int, columns: list[str]) -> tuple | None:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute(
            f"SELECT {', '.join(columns)} FROM {table} WHERE fid=?", (fid,)
        ).fetchone()
    finally:
        con.close()


def _ok(form: FeatureForm):
    return form.buttons.button(QDialogButtonBox.StandardButton.Ok)


def _choose(combo: QComboBox, value: object) -> None:
    index = combo.findData(value)
    assert index >= 0, value
    combo.setCurrentIndex(index)


def _type(qtbot, editor, text: str) -> None:
    editor.clear()
    qtbot.keyClicks(editor, text)


def _ime(editor, text: str) -> None:
    """Type text as a Chinese input method commits it (QTest only types ASCII)."""
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(editor, event)


def _when_modal(qtbot, act: Callable[[FeatureForm], None]) -> list[str]:
    """Run ``act`` on the form that the next modal exec shows; collect failures."""
    failures: list[str] = []

    def run() -> None:
        form = QApplication.activeModalWidget()
        if not isinstance(form, FeatureForm):
            QTimer.singleShot(20, run)
            return
        try:
            act(form)
        except Exception as exc:  # reported after exec returns, not swallowed by Qt
            failures.append(repr(exc))
            form.reject()

    QTimer.singleShot(0, run)
    return failures


def _tree_rows(dialog: FeatureHistoryDialog) -> list[tuple[list[str], list[list[str]]]]:
    rows = []
    for i in range(dialog.tree.topLevelItemCount()):
        head = dialog.tree.topLevelItem(i)
        children = [[head.child(j).text(c) for c in range(3, 6)] for j in range(head.childCount())]
        rows.append(([head.text(c) for c in range(4)], children))
    return rows


def _check_factory_widgets(form: FeatureForm, original: dict) -> None:
    assert "出租厂房" in form.windowTitle()
    assert "厂房名称" in form.labels["name"].text() and "*" in form.labels["name"].text()
    assert "*" not in form.labels["floors"].text()
    status = form.editors["status"]
    assert isinstance(status, QComboBox)
    assert [status.itemText(i) for i in range(status.count())] == [
        "未整改",
        "整改中",
        "已整改",
        "已关停",
    ]  # required: no empty choice
    industry = form.editors["tenant_industry"]
    assert industry.itemText(0) == "" and industry.itemData(0) is None  # optional: empty first
    assert form.editors["name"].text() == original["name"]
    assert form.editors["floors"].text() == str(original["floors"])


def test_factory_form_refuses_bad_input_commits_and_undoes(window, qtbot, tmp_path):
    layer = window.project.layer("rental_factories")
    fid = layer.fid_at(0)
    original = {k: layer.data[k].iloc[0] for k in ("name", "floors", "status", "deadline")}

    form = attribute_form(window, "rental_factories", fid)
    form.show()
    qtbot.waitExposed(form)
    _check_factory_widgets(form, original)

    # an empty required field and a number below its minimum: refused with the messages
    _type(qtbot, form.editors["name"], "")
    _type(qtbot, form.editors["floors"], "0")
    qtbot.mouseClick(_ok(form), Qt.MouseButton.LeftButton)
    assert form.isVisible() and form.transaction is None
    assert not form.error_labels["name"].isHidden()
    assert form.error_labels["name"].text() == "“厂房名称”为必填项。"
    assert form.error_labels["floors"].text() == "“层数”不能小于 1。"
    assert form.error_labels["status"].isHidden()
    assert "2 项需要修改" in form.summary.text()
    assert form.editors["name"].property("invalid") is True
    form.grab().save(str(tmp_path / "factory_form_errors.png"))

    # correct them through the widgets: messages go as the fields become valid
    _ime(form.editors["name"], "测试厂房")
    assert form.error_labels["name"].isHidden()
    form.editors["floors"].clear()
    _ime(form.editors["floors"], "５")  # a full-width digit, as a Chinese input method gives it
    assert form.editors["floors"].text() == "5"
    assert form.error_labels["floors"].isHidden()
    _choose(form.editors["status"], "已整改")
    form.editors["registered"].setCurrentIndex(2)  # 否
    form.editors["deadline"].date.setDate(QDate(2023, 6, 30))
    assert form.changed_names() == ["name", "floors", "status", "registered", "deadline"]
    qtbot.mouseClick(_ok(form), Qt.MouseButton.LeftButton)
    assert not form.isVisible()
    txn = form.transaction
    assert txn is not None
    assert set(txn.changes[0].after) == {"name", "floors", "status", "registered", "deadline"}

    row = layer.row_of(fid)
    assert layer.data["name"].iloc[row] == "测试厂房"
    assert int(layer.data["floors"].iloc[row]) == 5
    store = window.edits.store
    assert store is not None and store.path.exists()
    columns = ["name", "floors", "status", "registered", "deadline", "tenants"]
    saved = _file_row(store.path, "rental_factories", fid, columns)
    assert saved[:4] == ("测试厂房", 5, "已整改", 0)
    assert str(saved[4]).startswith("2023-06-30")
    assert saved[5] == int(layer.data["tenants"].iloc[row])  # untouched

    window.undo.undo()
    back = _file_row(store.path, "rental_factories", fid, ["name", "floors", "status", "deadline"])
    assert back[:3] == (original["name"], int(original["floors"]), original["status"])
    assert str(back[3]).startswith(original["deadline"].strftime("%Y-%m-%d"))
    assert layer.data["name"].iloc[layer.row_of(fid)] == original["name"]

    _check_factory_history(window, fid, original, store.path, tmp_path)


def _check_factory_history(window, fid, original, path, tmp_path) -> None:
    dialog = show_feature_history(window, "rental_factories", fid)
    assert dialog is not None
    rows = _tree_rows(dialog)
    assert [head[2] for head, _ in rows] == ["撤销", "编辑"]  # newest first
    edit_head, edit_fields = rows[1]
    assert edit_head[1] == window.edits.editor.user
    assert "修改属性" in edit_head[3]
    assert dt.datetime.strptime(edit_head[0], "%Y-%m-%d %H:%M:%S")  # local time, to the second
    by_label = {label: (before, after) for label, before, after in edit_fields}
    assert by_label["厂房名称"] == (original["name"], "测试厂房")
    assert by_label["层数"] == (str(original["floors"]), "5")
    assert by_label["整治状态"] == (original["status"], "已整改")
    assert by_label["已电子登记"][1] == "否"
    assert by_label["整改期限"] == (original["deadline"].strftime("%Y-%m-%d"), "2023-06-30")
    undo_fields = {label: (b, a) for label, b, a in rows[0][1]}
    assert undo_fields["厂房名称"] == ("测试厂房", original["name"])
    dialog.grab().save(str(tmp_path / "history.png"))

    # the open dialog follows new edits of its feature (redo)
    window.undo.redo()
    assert [head[2] for head, _ in _tree_rows(dialog)] == ["重做", "撤销", "编辑"]
    assert _file_row(path, "rental_factories", fid, ["name"]) == ("测试厂房",)
    dialog.close()


def test_station_form_for_a_new_feature(window, qtbot):
    def fill(form: FeatureForm) -> None:
        assert form.fid is None and "新建要素" in form.windowTitle()
        assert form.editors["town"].text() == "海门街道"  # given by the calling tool
        level = form.editors["level"]
        assert level.currentIndex() == -1 and level.placeholderText() == "请选择…"
        assert "0 – 50000" in form.editors["zone_radius_m"].placeholderText()  # schema range
        assert "重点区域半径（m）" in form.labels["zone_radius_m"].text()
        qtbot.mouseClick(_ok(form), Qt.MouseButton.LeftButton)
        assert form.isVisible()
        assert form.error_labels["code"].text() == "“站点编码”为必填项。"
        assert form.error_labels["level"].text() == "“站点级别”为必填项。"
        assert form.error_labels["town"].isHidden()
        qtbot.keyClicks(form.editors["code"], "HM-S99")
        _ime(form.editors["name"], "三厂测试站")
        _choose(level, "省控")
        qtbot.keyClicks(form.editors["zone_radius_m"], "-3000")  # no minus below a 0 minimum
        assert form.editors["zone_radius_m"].text() == "3000"
        qtbot.mouseClick(_ok(form), Qt.MouseButton.LeftButton)

    failures = _when_modal(qtbot, fill)
    values = new_feature_values(window, "monitoring_stations", {"town": "海门街道"})
    assert not failures
    assert values == {
        "code": "HM-S99",
        "name": "三厂测试站",
        "level": "省控",
        "town": "海门街道",
        "zone_radius_m": 3000.0,
    }
    fid = window.edits.add_feature(
        "monitoring_stations", Point(121.30, 31.90), values, label=("新增监测站点", "Add station")
    )
    assert fid is not None
    path = window.edits.store.path
    columns = ["code", "name", "level", "zone_radius_m"]
    assert _file_row(path, "monitoring_stations", fid, columns) == (
        "HM-S99",
        "三厂测试站",
        "省控",
        3000.0,
    )
    dialog = FeatureHistoryDialog(window.edits, window.project.layer("monitoring_stations"), fid)
    ((head, fields),) = _tree_rows(dialog)
    assert head[2] == "编辑" and "新增" in head[3]
    assert ["几何", "", "新建点"] in fields
    assert ["站点级别", "", "省控"] in fields
    dialog.close()

    window.undo.undo()
    assert _file_row(path, "monitoring_stations", fid, ["code"]) is None

    failures = _when_modal(qtbot, lambda form: form.reject())
    assert new_feature_values(window, "monitoring_stations") is None
    assert not failures


def test_actions_open_the_form_and_history_on_the_selected_feature(window, qtbot):
    layer = window.project.layer("rental_factories")
    window.layer_tree.select_layer("rental_factories")
    layer.set_selection([])
    window.registry["edit_attributes"].trigger()  # nothing selected: a hint, no dialog
    assert "选中一个要素" in window.statusBar().currentMessage()
    assert window.registry["edit_attributes"].text() == "编辑属性…"

    layer.set_selection([3])
    fid = layer.fid_at(3)
    tenants = int(layer.data["tenants"].iloc[3])

    def change_tenants(form: FeatureForm) -> None:
        assert form.fid == fid
        _type(qtbot, form.editors["tenants"], str(tenants + 2))
        qtbot.mouseClick(_ok(form), Qt.MouseButton.LeftButton)

    failures = _when_modal(qtbot, change_tenants)
    window.registry["edit_attributes"].trigger()
    assert not failures
    assert _file_row(window.edits.store.path, "rental_factories", fid, ["tenants"]) == (
        tenants + 2,
    )

    window.registry["feature_history"].trigger()
    dialogs = [w for w in window.findChildren(FeatureHistoryDialog) if w.isVisible()]
    assert len(dialogs) == 1
    ((_head, fields),) = _tree_rows(dialogs[0])
    assert ["承租户数", str(tenants), str(tenants + 2)] in fields
    dialogs[0].close()


def test_history_measures_a_moved_station_in_metres(window):
    layer = window.project.layer("monitoring_stations")
    fid = layer.fid_at(0)
    point = layer.data.geometry.iloc[0]
    to_metric = transformer(4490, 4549)
    x, y = to_metric.transform(point.x, point.y)
    lon, lat = transformer(4549, 4490).transform(x + 120.0, y + 50.0)
    txn = window.edits.update_feature("monitoring_stations", fid, {GEOMETRY: Point(lon, lat)})
    assert txn is not None
    dialog = FeatureHistoryDialog(window.edits, layer, fid)
    ((head, fields),) = _tree_rows(dialog)
    assert "修改几何" in head[3]
    assert fields == [["几何", "", "移动 130.0 m"]]
    dialog.close()


def test_geometry_change_summaries():
    def lonlat(wkt: str):
        return gpd.GeoSeries.from_wkt([wkt], crs=4549).to_crs(4490)[0]

    line = lonlat("LINESTRING (500000 3500000, 500100 3500000)")
    longer = lonlat("LINESTRING (500000 3500000, 500100 3500000, 500100 3500050)")
    assert describe_geometry_change(None, line, 4490) == "新建线（长 100.0 m）"
    assert describe_geometry_change(line, longer, 4490) == "顶点 2 → 3，长度 100.0 m → 150.0 m"
    assert describe_geometry_change(line, None, 4490) == "删除线"


def test_form_for_a_layer_without_schema_and_values_outside_lists(qtbot):
    frame = gpd.GeoDataFrame(
        {"count": [3], "label": ["甲"], "ratio": [0.25], "geometry": [Point(121.2, 31.9)]},
        crs=4490,
    )
    plain = Layer("plain", frame)
    specs = feature_specs(plain)
    assert [(s.name, s.type) for s in specs] == [
        ("count", "int"),
        ("label", "str"),
        ("ratio", "float"),
    ]
    form = FeatureForm(specs, {"count": 3, "label": "甲", "ratio": 0.25}, title="plain", fid=1)
    qtbot.addWidget(form)
    assert form.labels["count"].text() == "count"
    assert form.editors["ratio"].text() == "0.25"
    _type(qtbot, form.editors["count"], "1.5")  # an int box takes no decimal point
    assert form.editors["count"].text() == "15"
    assert form.values() == {"count": 15, "label": "甲", "ratio": 0.25}
    assert form.changed_values() == {"count": 15}


def test_value_outside_its_list_is_shown_and_must_be_fixed(window, qtbot):
    schema = window.project.layer("rental_factories").schema
    form = FeatureForm(schema, {"building_type": "违建", "tenants": 2}, title="出租厂房")
    qtbot.addWidget(form)
    combo = form.editors["building_type"]
    assert combo.currentText() == "违建（不在允许值内）"
    assert not form.validate()
    assert form.error_labels["building_type"].text().startswith("“出租形式”只能是：")
    _choose(combo, "单一承租")
    assert "building_type" not in form.errors()
    # an optional date can be left empty; ticking it gives a date
    deadline = form.editors["deadline"]
    assert deadline.value() is None and not deadline.date.isEnabled()
    deadline.present.setChecked(True)
    assert isinstance(deadline.value(), dt.datetime)


@pytest.fixture
def english():
    set_language("en", remember=False)
    yield
    set_language("zh", remember=False)


def test_form_in_english(window, qtbot, english):
    schema = window.project.layer("rental_factories").schema
    form = FeatureForm(schema, {}, title="Rental factories")
    qtbot.addWidget(form)
    assert form.labels["floors"].text() == "Floors"
    combo = form.editors["building_type"]
    assert combo.itemText(0) == "一厂多栋（One factory, many buildings）"
    assert form.buttons.button(QDialogButtonBox.StandardButton.Ok).text() == "OK"
    form.validate()
    assert form.error_labels["name"].text() == "'Name' is required."


def test_same_value_typed_differently_is_no_edit(window, qtbot):
    layer = window.project.layer("monitoring_stations")
    fid = layer.fid_at(0)
    form = attribute_form(window, "monitoring_stations", fid)
    qtbot.addWidget(form)
    radius = form.editors["zone_radius_m"]
    assert radius.text() == "3000"
    _type(qtbot, radius, "3000.0")
    assert form.changed_names() == ["zone_radius_m"]
    form.accept()
    assert form.result() == FeatureForm.DialogCode.Accepted
    assert form.transaction is None
    assert window.edits.editor.history_of("monitoring_stations", fid) == []
    assert "没有变化" in window.statusBar().currentMessage()
