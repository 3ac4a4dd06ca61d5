"""字段计算器 driven through its widgets in the window: preview, errors, one undo."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from gisdesk.ui.field_calculator_dialog import FieldCalculatorDialog

SHOTS = Path(os.environ.get("GISDESK_SHOTS", tempfile.mkdtemp(prefix="gisdesk-shots-")))


@pytest.fixture
def copy_window(qtbot, sample_path, tmp_path):
    """The window on the test's own copy of the sample (so the file can be checked)."""
    from PySide6.QtWidgets import QApplication

    from gisdesk.render.fonts import cjk_font
    from gisdesk.ui.main_window import MainWindow

    path = tmp_path / "haimen.gpkg"
    shutil.copy(sample_path, path)
    QApplication.instance().setFont(cjk_font(9.0))
    win = MainWindow()
    win.resize(1200, 800)
    win.show()
    win.open_path(path, wait=True)
    assert win.project is not None
    yield win
    win.undo.clear()
    win.modified = False
    win.close()
    win.deleteLater()


def _dialog(window, qtbot) -> FieldCalculatorDialog:
    window.layer_tree.select_layer("villages")
    dialog = FieldCalculatorDialog(window, window.project.layer("villages"))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _file_column(window, name: str) -> list:
    path = window.edits.store.path if window.edits.store is not None else window.project.path
    with sqlite3.connect(path) as con:
        return [r[0] for r in con.execute(f'SELECT "{name}" FROM villages ORDER BY fid')]


def _file_columns(window) -> list[str]:
    path = window.edits.store.path if window.edits.store is not None else window.project.path
    with sqlite3.connect(path) as con:
        return [r[1] for r in con.execute("PRAGMA table_info(villages)")]


def test_people_per_household_into_a_new_field_and_undo(copy_window, qtbot):
    window = copy_window
    villages = window.project.layer("villages")
    before = villages.data.copy()
    dialog = _dialog(window, qtbot)
    assert dialog.create_new.isChecked() and not dialog.selected_only.isEnabled()
    dialog.new_name.setText("户均人口")
    dialog.new_kind.setCurrentIndex(dialog.new_kind.findData("float"))
    # fields and functions by double-click, then typing
    items = {dialog.field_list.item(i).text(): dialog.field_list.item(i) for i in range(8)}
    dialog.function_list.itemDoubleClicked.emit(dialog.function_list.item(4))  # round(, 2)
    dialog.expression.clear()
    dialog.field_list.itemDoubleClicked.emit(items["人口（人）"])
    assert dialog.expression.toPlainText() == "人口"
    qtbot.keyClicks(dialog.expression, " / ")
    dialog.field_list.itemDoubleClicked.emit(items["户数（户）"])
    assert dialog.expression.toPlainText() == "人口 / 户数"
    first = before["population"].iloc[0] / before["households"].iloc[0]
    assert f"→ {first:.10g}" in dialog.preview.text()
    assert dialog.preview.text().count("\n") == 4  # five values
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SHOTS / "field_calculator.png"))

    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    assert not dialog.isVisible()
    expected = before["population"] / before["households"]
    np.testing.assert_allclose(villages.data["户均人口"].to_numpy(float), expected)
    assert np.allclose(_file_column(window, "户均人口"), expected)  # written at once
    assert "字段计算器" in window.undo.undoText()
    assert "250 个要素" in window.statusBar().currentMessage()
    window.undo.undo()  # one step empties the values and removes the new column
    assert "户均人口" not in villages.data.columns
    assert "户均人口" not in _file_columns(window)
    assert villages.data.drop(columns="geometry").equals(before.drop(columns="geometry"))
    window.undo.redo()  # the column and its values come back, in memory and in the file
    np.testing.assert_allclose(villages.data["户均人口"].to_numpy(float), expected)
    assert np.allclose(_file_column(window, "户均人口"), expected)
    window.undo.undo()
    assert "户均人口" not in villages.data.columns and "户均人口" not in _file_columns(window)


def test_update_selected_and_bad_expressions_are_explained(copy_window, qtbot):
    window = copy_window
    villages = window.project.layer("villages")
    villages.set_selection([1, 3])
    old = villages.data["population"].copy()
    dialog = _dialog(window, qtbot)
    assert dialog.selected_only.isChecked() and "所选的 2 个要素" in dialog.selected_only.text()
    dialog.update_existing.setChecked(True)
    dialog.existing.setCurrentIndex(dialog.existing.findData("population"))
    dialog.expression.setPlainText("人口 +")
    assert "计算表达式“人口 +”无效" in dialog.error.text()
    dialog.expression.setPlainText("村名 * 2")
    assert "文字不能做“*”运算" in dialog.error.text()
    dialog.expression.setPlainText("人口 * 2")
    assert dialog.error.text() == ""
    assert dialog.preview.text().count("\n") == 1  # the two selected
    dialog.accept()
    assert villages.data["population"].iloc[1] == old.iloc[1] * 2
    assert villages.data["population"].iloc[0] == old.iloc[0]
    window.undo.undo()
    assert villages.data["population"].tolist() == old.tolist()


@pytest.fixture
def no_message_boxes(monkeypatch):
    """Fail on any message box: in offscreen mode a modal one waits for ever (the hang)."""
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []

    def refuse(*args, **_kwargs):
        shown.append(" ".join(str(a) for a in args[1:3]))
        return QMessageBox.StandardButton.Ok

    for name in ("warning", "information", "critical", "question"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(refuse))
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    return shown


def test_refusals_are_explained_in_the_dialog_and_change_nothing(
    copy_window, qtbot, no_message_boxes
):
    window = copy_window
    villages = window.project.layer("villages")
    before = villages.data.copy()
    households = _file_column(window, "households")
    steps = window.undo.count()
    dialog = _dialog(window, qtbot)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialog.update_existing.setChecked(True)
    dialog.existing.setCurrentIndex(dialog.existing.findData("households"))

    def refused(expression: str, expected: str) -> None:
        dialog.expression.setPlainText(expression)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        assert dialog.isVisible(), expression  # the dialog stays open with the reason
        assert expected in dialog.error.text(), (expression, dialog.error.text())
        assert dialog.error.textFormat() == Qt.TextFormat.PlainText

    refused("户数 *", "计算表达式“户数 *”无效")  # a bad expression
    refused("村名", "算出文字")  # text into the integer field 户数
    refused("村名 || '户'", "不能写入数字字段")
    dialog.expression.setPlainText("户数 / 0")  # division by zero gives empty values...
    assert dialog.preview.text().count("（空）") == 5 and dialog.error.text() == ""
    refused("户数 / 0", "“户数”为必填项")  # ...which the required field refuses at commit
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SHOTS / "field_calculator_refused.png"))
    # hostile text is shown as typed, never as markup
    refused("<b>x</b>", "<b>x</b>")
    refused('=HYPERLINK("x")', '=HYPERLINK("x")')

    assert no_message_boxes == []  # nothing modal: the window's edit-failure box stayed shut
    assert window.undo.count() == steps
    assert villages.data.drop(columns="geometry").equals(before.drop(columns="geometry"))
    assert _file_column(window, "households") == households

    # a new field that would stay empty is refused before the column is added
    dialog.create_new.setChecked(True)
    dialog.new_name.setText("空字段")
    refused("户数 / 0", "没有可保存的编辑")
    assert "空字段" not in villages.data.columns and "空字段" not in _file_columns(window)
    assert no_message_boxes == [] and window.undo.count() == steps


def test_hostile_text_goes_into_a_new_text_field_literally(copy_window, qtbot, no_message_boxes):
    window = copy_window
    villages = window.project.layer("villages")
    villages.set_selection([0, 1])
    dialog = _dialog(window, qtbot)
    dialog.new_name.setText("备注")
    dialog.new_kind.setCurrentIndex(dialog.new_kind.findData("str"))
    dialog.expression.setPlainText("'=HYPERLINK(\"x\")' || '<b>x</b>'")
    assert dialog.error.text() == ""
    assert dialog.preview.textFormat() == Qt.TextFormat.PlainText
    assert '→ =HYPERLINK("x")<b>x</b>' in dialog.preview.text()
    dialog.accept()
    assert not dialog.isVisible() and no_message_boxes == []
    assert villages.data["备注"].tolist()[:3] == ['=HYPERLINK("x")<b>x</b>'] * 2 + [None]
    assert _file_column(window, "备注")[:3] == ['=HYPERLINK("x")<b>x</b>'] * 2 + [None]
    window.undo.undo()
    assert "备注" not in villages.data.columns and "备注" not in _file_columns(window)
