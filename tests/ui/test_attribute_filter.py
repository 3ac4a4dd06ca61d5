"""The attribute table's filter bar and the expression builder, driven as a user would."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox

from gisdesk.ui.expression_builder import ExpressionBuilder

# screenshots for a look at the widgets: set GISDESK_SHOTS to keep them
SHOTS = Path(os.environ.get("GISDESK_SHOTS", tempfile.mkdtemp(prefix="gisdesk-shots-")))


def _shot(widget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert widget.grab().save(str(SHOTS / name))


@pytest.fixture
def table(window):
    window.show_table("villages")
    return window.table


@pytest.fixture
def warnings(monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", staticmethod(lambda _parent, _title, text: shown.append(text))
    )
    return shown


def _choose(combo, text: str) -> None:
    index = combo.findText(text)
    assert index > 0, [combo.itemText(i) for i in range(combo.count())]
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def _expected(window, households: int, town: str | None = None) -> set[int]:
    data = window.project.layer("villages").data
    hit = data["households"] > households
    if town is not None:
        hit &= data["town"] == town
    return set(np.flatnonzero(hit.fillna(False).to_numpy()).tolist())


def test_filter_by_chinese_labels_from_the_field_and_value_lists(window, table, qtbot):
    picker, model = table.picker, table.model
    total = len(window.project.layer("villages"))
    assert table.title.text() == f"村（社区）（{total}）"
    fields = [picker.field.itemText(i) for i in range(picker.field.count())]
    assert fields[:3] == ["字段…", "村代码", "村名"] and "户数（户）" in fields

    _choose(picker.field, "户数（户）")  # inserts the label users read
    assert table.filter_edit.text() == "户数"
    assert not picker.value.isEnabled() or picker.value.count() > 1
    table.filter_edit.setFocus()
    table.filter_edit.end(False)
    qtbot.keyClicks(table.filter_edit, " > 1400")
    qtbot.mouseClick(table.filter_button, Qt.MouseButton.LeftButton)
    expected = _expected(window, 1400)
    assert set(model.rows.tolist()) == expected and 0 < len(expected) < total
    assert table.title.text() == f"村（社区）（{len(expected)} / {total}）"

    # 所属镇 from the field list, 常乐镇 from its values (with their counts)
    qtbot.keyClicks(table.filter_edit, " and")
    _choose(picker.field, "所属镇（街道）")
    assert table.filter_edit.text() == "户数 > 1400 and 所属镇"
    qtbot.keyClicks(table.filter_edit, " =")
    n_changle = int((window.project.layer("villages").data["town"] == "常乐镇").sum())
    _choose(picker.value, f"常乐镇（{n_changle}）")
    assert table.filter_edit.text() == "户数 > 1400 and 所属镇 = '常乐镇'"
    qtbot.keyClick(table.filter_edit, Qt.Key.Key_Return)
    both = _expected(window, 1400, "常乐镇")
    assert set(model.rows.tolist()) == both
    assert table.title.text() == f"村（社区）（{len(both)} / {total}）"
    table.resize(1300, 300)
    _shot(table, "attribute_filter_bar.png")

    # the English names still work; clearing shows everything again
    table.filter_edit.setText("households > 1400 and town == '常乐镇'")
    table._apply_filter()
    assert set(model.rows.tolist()) == both
    table.filter_edit.clear()
    qtbot.mouseClick(table.filter_button, Qt.MouseButton.LeftButton)
    assert model.rowCount() == total and table.title.text() == f"村（社区）（{total}）"


def test_a_bad_filter_is_explained_in_chinese_and_changes_nothing(table, qtbot, warnings):
    model = table.model
    rows = model.rows.copy()
    table.filter_edit.setText("户 > 1400")
    qtbot.mouseClick(table.filter_button, Qt.MouseButton.LeftButton)
    assert len(warnings) == 1 and "没有字段“户”" in warnings[0] and "户数（户）" in warnings[0]
    table.filter_edit.setText("户数 > '1400'")
    table._apply_filter()
    assert "比较的两边类型不同" in warnings[1]
    table.filter_edit.setText("__import__('os').system('touch PWNED')")
    table._apply_filter()
    assert "不能用在表达式中" in warnings[2]
    assert not Path("PWNED").exists()
    assert np.array_equal(model.rows, rows)


def test_selected_only_shows_the_count_in_the_title(window, table):
    layer = window.project.layer("villages")
    layer.set_selection([0, 1, 2])
    table.selected_only.setChecked(True)
    assert table.title.text() == f"村（社区）（3 / {len(layer)}）"
    layer.set_selection([0])
    assert table.title.text() == f"村（社区）（1 / {len(layer)}）"
    table.selected_only.setChecked(False)
    assert table.title.text() == f"村（社区）（{len(layer)}）"


def test_expression_builder_builds_with_a_live_count(window, qtbot):
    layer = window.project.layer("villages")
    builder = ExpressionBuilder(layer, "", window)
    qtbot.addWidget(builder)
    builder.show()
    ok = builder.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert builder.preview.text() == f"未设条件：显示全部 {len(layer)} 个要素"
    labels = [builder.fields.item(i).text() for i in range(builder.fields.count())]
    assert "户数（户）" in labels and "所属镇（街道）" in labels
    households = builder.fields.item(labels.index("户数（户）"))
    assert "households" in households.toolTip()

    builder.fields.setCurrentItem(households)
    builder.fields.itemDoubleClicked.emit(households)
    qtbot.mouseClick(builder.operator_buttons[">"], Qt.MouseButton.LeftButton)
    qtbot.keyClicks(builder.editor, "1400")
    assert builder.expression() == "户数 > 1400"
    n = len(_expected(window, 1400))
    assert builder.preview.text() == f"{n} 个要素匹配（共 {len(layer)} 个）" and ok.isEnabled()

    qtbot.mouseClick(builder.operator_buttons["AND"], Qt.MouseButton.LeftButton)
    town = builder.fields.item(labels.index("所属镇（街道）"))
    builder.fields.setCurrentItem(town)
    assert "“所属镇（街道）”的取值" in builder.values_title.text()
    builder.fields.itemDoubleClicked.emit(town)
    qtbot.mouseClick(builder.operator_buttons["="], Qt.MouseButton.LeftButton)
    values = [builder.values.item(i).text() for i in range(builder.values.count())]
    changle = builder.values.item(next(i for i, v in enumerate(values) if v.startswith("常乐镇")))
    builder.values.itemDoubleClicked.emit(changle)
    assert builder.expression() == "户数 > 1400 and 所属镇 = '常乐镇'"
    both = len(_expected(window, 1400, "常乐镇"))
    assert builder.preview.text() == f"{both} 个要素匹配（共 {len(layer)} 个）"
    builder.resize(780, 500)
    _shot(builder, "expression_builder.png")

    builder.editor.setPlainText("户数 > 1400 and (所属镇 = '常乐镇'")
    assert "括号没有配对的右括号" in builder.preview.text() and not ok.isEnabled()
    _shot(builder, "expression_builder_error.png")
    builder.accept()
    assert builder.isVisible()  # stays open on a bad expression


def test_the_builder_opens_from_the_filter_bar_and_applies(window, table, monkeypatch):
    def build(self: ExpressionBuilder) -> QDialog.DialogCode:
        assert self.expression() == "户数 > 1"  # starts from the filter line
        self.editor.setPlainText("户数 > 1400")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ExpressionBuilder, "exec", build)
    table.filter_edit.setText("户数 > 1")
    table.builder_button.click()
    assert table.filter_edit.text() == "户数 > 1400"
    assert set(table.model.rows.tolist()) == _expected(window, 1400)


def test_columns_are_wide_enough_for_their_chinese_headers(window, table):
    """The headers carry the label and the unit (生活污水治理率（%）): none is cut off."""
    header = table.view.horizontalHeader()
    metrics = header.fontMetrics()
    model = table.model
    for layer in ("villages", "monitoring_stations"):
        window.show_table(layer)
        model = table.model
        for column in range(model.columnCount()):
            text = str(model.headerData(column, Qt.Orientation.Horizontal))
            assert header.sectionSize(column) >= metrics.horizontalAdvance(text), (layer, text)
    _shot(table, "attribute_table_columns.png")
