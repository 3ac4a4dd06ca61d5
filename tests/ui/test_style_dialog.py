"""The style dialog's class table: manual breaks, per-class colours, the ramp in use, undo."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QColorDialog

from gisdesk.analysis.classify import RAMPS, interpolate_ramp
from gisdesk.ui.style_dialog import (
    COL_COLOUR,
    COL_COUNT,
    COL_LABEL,
    COL_UPPER,
    COL_VALUE,
    StyleDialog,
    ramp_in_use,
)


@pytest.fixture
def villages_dialog(window, qtbot):
    layer = window.project.layer("villages")
    dialog = StyleDialog(layer, window.undo, window)
    qtbot.addWidget(dialog)
    return window, layer, dialog


def _counts(layer, field, classes) -> list[int]:
    """Features per class by hand: lower < x <= upper, the first class closed below."""
    x = pd.to_numeric(layer.data[field], errors="coerce").to_numpy(dtype=float)
    out = []
    for i, c in enumerate(classes):
        hit = (x > c.lower) & (x <= c.upper) if i else (x >= c.lower) & (x <= c.upper)
        out.append(int(hit.sum()))
    return out


def test_table_shows_the_classes_in_use_and_the_ramp_is_custom_for_oranges(villages_dialog):
    _window, layer, dialog = villages_dialog
    style = layer.style
    assert style.kind == "graduated" and style.field == "population"
    # the sample draws villages in oranges, which is none of the named ramps
    assert ramp_in_use(style) is None
    assert dialog.ramp.currentText() == "自定义"
    assert dialog.table.rowCount() == len(style.classes)
    for row, cls in enumerate(style.classes):
        assert dialog.table.item(row, COL_COLOUR).text() == cls.symbol.fill
        assert dialog.table.item(row, COL_LABEL).text() == cls.label_zh
    counts = [int(dialog.table.item(r, COL_COUNT).text().replace(",", "")) for r in range(4)]
    assert counts == _counts(layer, "population", style.classes)
    assert sum(counts) == len(layer)
    headers = [dialog.table.horizontalHeaderItem(c).text() for c in range(5)]
    assert headers == ["下限", "上限", "标签", "颜色", "数量"]


def test_named_ramp_is_recognised_from_the_class_colours(villages_dialog):
    window, layer, dialog = villages_dialog
    dialog.field.setCurrentIndex(dialog.field.findData("households"))
    dialog.ramp.setCurrentIndex(dialog.ramp.findData("Reds"))
    colours = [dialog.table.item(r, COL_COLOUR).text() for r in range(dialog.table.rowCount())]
    assert colours == interpolate_ramp(RAMPS["Reds"], len(colours))
    assert dialog.apply()
    again = StyleDialog(layer, window.undo, window)
    assert again.ramp.currentText() == "Reds"
    again.deleteLater()


def test_edit_a_break_on_households_apply_and_undo(villages_dialog):
    window, layer, dialog = villages_dialog
    before = layer.style
    dialog.field.setCurrentIndex(dialog.field.findData("households"))  # 户数
    assert dialog.field.currentText().startswith("户数")
    dialog.method.setCurrentIndex(dialog.method.findData("equal_interval"))
    dialog.classes.setValue(4)
    assert dialog.table.rowCount() == 4
    old = list(dialog.draft)
    # a break typed into the table: between the 2nd and 3rd class
    new_break = round((old[1].lower + old[2].upper) / 2.0 + 7.0)
    assert old[1].lower < new_break < old[2].upper and new_break != old[1].upper
    dialog.table.item(1, COL_UPPER).setText(str(new_break))
    assert dialog.draft[1].upper == new_break
    assert dialog.draft[2].lower == new_break  # the next class follows
    assert dialog.table.item(2, COL_VALUE).text() == f"{new_break:,.0f}"
    assert dialog.method.currentData() == "manual"
    counts = [int(dialog.table.item(r, COL_COUNT).text().replace(",", "")) for r in range(4)]
    assert counts == _counts(layer, "households", dialog.draft)
    # a break outside its neighbours is refused, the table unchanged
    dialog.table.item(0, COL_UPPER).setText(str(old[2].upper + 1))
    assert "须大于" in dialog.message.text() and "且小于" in dialog.message.text()
    assert dialog.draft[0].upper == old[0].upper
    assert dialog.table.item(0, COL_UPPER).text() == f"{old[0].upper:,.0f}"

    assert dialog.apply()
    style = layer.style
    assert style.kind == "graduated" and style.field == "households"
    assert style.method == "manual"
    assert [c.upper for c in style.classes] == [c.upper for c in dialog.draft]
    assert style.classes[1].upper == new_break and style.classes[2].lower == new_break
    assert style.classes[1].label_zh == f"{old[1].lower:,.0f} – {new_break:,.0f}"
    index = style.assign(layer.data)
    assert np.bincount(index[index >= 0], minlength=4).tolist() == counts
    window.undo.undo()
    assert layer.style == before
    window.undo.redo()
    assert layer.style.classes[1].upper == new_break


def test_change_one_class_colour(villages_dialog, monkeypatch):
    window, layer, dialog = villages_dialog
    dialog.ramp.setCurrentIndex(dialog.ramp.findData("Blues"))
    assert dialog.ramp.currentText() == "Blues"
    monkeypatch.setattr(QColorDialog, "getColor", staticmethod(lambda *a, **k: QColor("#00ff00")))
    dialog.show()
    rect = dialog.table.visualItemRect(dialog.table.item(2, COL_COLOUR))
    QTest.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert dialog.draft[2].symbol.fill == "#00ff00"
    dialog.set_class_colour(0, "#123456")  # and programmatically
    assert dialog.table.item(0, COL_COLOUR).text() == "#123456"
    assert dialog.table.item(0, COL_COLOUR).background().color().name() == "#123456"
    assert dialog.ramp.currentText() == "自定义"
    before = layer.style
    assert dialog.apply()
    fills = [c.symbol.fill for c in layer.style.classes]
    blues = interpolate_ramp(RAMPS["Blues"], len(fills))
    assert fills[0] == "#123456" and fills[2] == "#00ff00"
    assert fills[1] == blues[1] and fills[3] == blues[3]
    assert layer.style.method == "manual"  # kept as drawn, not recomputed
    window.undo.undo()
    assert layer.style == before


def test_categorised_table_lists_values_and_counts(villages_dialog):
    _window, layer, dialog = villages_dialog
    dialog.kind.setCurrentIndex(dialog.kind.findData("categorized"))
    dialog.field.setCurrentIndex(dialog.field.findData("town"))
    assert dialog.table.isColumnHidden(COL_UPPER)
    assert dialog.table.horizontalHeaderItem(COL_VALUE).text() == "值"
    by_town = layer.data["town"].value_counts()
    for row in range(dialog.table.rowCount()):
        town = dialog.table.item(row, COL_VALUE).text()
        assert int(dialog.table.item(row, COL_COUNT).text()) == int(by_town.get(town, 0))
    dialog.set_class_label(0, "<b>改名</b>")
    dialog.set_class_colour(1, "#abcdef")
    assert dialog.apply()
    assert layer.style.classes[0].label_zh == "<b>改名</b>"
    assert layer.style.classes[1].symbol.fill == "#abcdef"
