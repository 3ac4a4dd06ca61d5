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
    window.undo.undo()  # one step puts every value back
    assert villages.data["户均人口"].isna().all()
    assert all(v is None for v in _file_column(window, "户均人口"))
    window.undo.redo()
    np.testing.assert_allclose(villages.data["户均人口"].to_numpy(float), expected)


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
