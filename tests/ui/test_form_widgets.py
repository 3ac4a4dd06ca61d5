"""The dialogs' shared pieces: the OK / Cancel row and the checkable lists of names."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton, QWidget

from gisdesk.io.project_store import open_project
from gisdesk.ui.form_widgets import (
    checkable_list,
    checked_names,
    layer_combo,
    number_box,
    ok_cancel_buttons,
    path_row,
)
from gisdesk.ui.i18n import language, set_language


def test_ok_accepts_and_cancel_rejects_the_dialog(qtbot):
    dialog = QDialog()
    qtbot.addWidget(dialog)
    box = ok_cancel_buttons(dialog)
    results: list[int] = []
    dialog.finished.connect(results.append)
    dialog.open()
    box.button(QDialogButtonBox.StandardButton.Ok).click()
    dialog.open()
    box.button(QDialogButtonBox.StandardButton.Cancel).click()
    assert results == [QDialog.DialogCode.Accepted, QDialog.DialogCode.Rejected]


def test_a_named_ok_is_said_in_the_language_and_may_run_its_own_action(qtbot):
    before = language()
    set_language("en", remember=False)
    try:
        dialog = QDialog()
        qtbot.addWidget(dialog)
        ran: list[str] = []
        box = ok_cancel_buttons(dialog, "Export", on_ok=lambda: ran.append("ok"))
        assert box.button(QDialogButtonBox.StandardButton.Ok).text() == "Export"
        assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "Cancel"
        dialog.open()
        box.button(QDialogButtonBox.StandardButton.Ok).click()
        assert ran == ["ok"]
        assert dialog.isVisible()  # on_ok replaces accept: the dialog decides itself
        set_language("zh", remember=False)
        chinese = ok_cancel_buttons(dialog, "导出")
        assert chinese.button(QDialogButtonBox.StandardButton.Cancel).text() == "取消"
    finally:
        set_language(before, remember=False)


def test_checked_names_are_the_ticked_rows_in_order(qtbot):
    widget = checkable_list(
        [("道路", "roads", True), ("站点", "stations", False), ("镇街", "towns", True)]
    )
    qtbot.addWidget(widget)
    assert [widget.item(i).text() for i in range(widget.count())] == ["道路", "站点", "镇街"]
    assert checked_names(widget) == ["roads", "towns"]
    widget.item(1).setCheckState(Qt.CheckState.Checked)
    widget.item(0).setCheckState(Qt.CheckState.Unchecked)
    assert checked_names(widget) == ["stations", "towns"]
    assert checked_names(checkable_list([])) == []


def test_the_path_row_holds_the_named_line_and_a_browse_button_that_runs(qtbot):
    browsed: list[bool] = []
    line, row = path_row("out", lambda: browsed.append(True))
    host = QWidget()
    qtbot.addWidget(host)
    host.setLayout(row)
    assert line.objectName() == "out"
    assert row.itemAt(0).widget() is line
    button = row.itemAt(1).widget()
    assert isinstance(button, QPushButton)
    button.click()
    assert browsed == [True]


def test_the_layer_combo_offers_one_geometry_top_first_and_picks_the_chosen(qtbot, sample_path):
    project = open_project(sample_path)
    lines = layer_combo(project, "rivers", "Line")
    qtbot.addWidget(lines)
    names = [lines.itemData(i) for i in range(lines.count())]
    expected = [
        layer.name
        for layer in reversed(project.layers)
        if any("Line" in str(t) for t in layer.data.geom_type.dropna().unique())
    ]
    assert names == expected and "roads" in names and "towns" not in names
    assert lines.currentData() == "rivers"
    assert lines.itemText(names.index("roads")).endswith("（roads）")

    towns = layer_combo(project, "no_such_layer", "Polygon", optional=True)
    qtbot.addWidget(towns)
    assert towns.itemData(0) is None and towns.currentIndex() == 0  # 不使用 when not offered
    assert "towns" in [towns.itemData(i) for i in range(towns.count())]
    assert "villages" not in [towns.itemData(i) for i in range(towns.count())]


def test_a_number_box_keeps_its_decimals_range_unit_and_special_text(qtbot):
    alpha = number_box(0.0001, 0.2, 0.01, decimals=4, step=0.005, name="alpha")
    qtbot.addWidget(alpha)
    assert (alpha.minimum(), alpha.maximum(), alpha.value()) == (0.0001, 0.2, 0.01)
    assert (alpha.decimals(), alpha.singleStep(), alpha.objectName()) == (4, 0.005, "alpha")
    alpha.setValue(5)
    assert alpha.value() == 0.2  # held to the range

    speed = number_box(0, 120, 0, suffix=" km/h", special="按道路等级")
    qtbot.addWidget(speed)
    assert speed.text() == "按道路等级"  # at the minimum
    speed.setValue(40)
    assert speed.text().endswith(" km/h") and "按道路等级" not in speed.text()
    assert speed.decimals() == 2 and speed.singleStep() == 1
