"""The window shows data as text: labels, tooltips, message boxes, menus, window titles and
item views display a layer name, a title or a value written as markup literally, and the
web-map command asks before writing a map too big for a browser."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QTextDocument
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import QLabel, QMessageBox, QTreeWidgetItemIterator, QWidget

from gisdesk.core.layer import Layer
from gisdesk.core.schema import FieldSpec
from gisdesk.export import webmap
from gisdesk.ui import plain_text
from gisdesk.ui.feature_form import FeatureForm
from tests.hostile_strings import HOSTILE, MARKUP, SPREADSHEET, TEMPLATES, texts


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2029", "\n")


def shown(text: str) -> str:
    """Return what a Qt widget that guesses the format (tooltip, message box) displays."""
    if not GuiQt.mightBeRichText(text):
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    return _lines(doc.toRawText())


def label_shows(label: QLabel, text: str) -> bool:
    """Whether a label displays ``text`` literally."""
    if label.textFormat() == Qt.TextFormat.PlainText:
        return label.text() == text
    return shown(label.text()) == _lines(text)


@settings(max_examples=80)
@given(text=texts())
def test_helpers_give_widgets_text_they_show_literally(text):
    assert shown(plain_text.auto_text(text)) == (
        _lines(text) if GuiQt.mightBeRichText(text) else text
    )
    label = plain_text.plain_label(text)
    assert label.textFormat() == Qt.TextFormat.PlainText and label.text() == text
    assert label_shows(label, text)


@pytest.mark.parametrize("text", [s for s in HOSTILE if "..." not in s])
def test_menu_entries_show_ampersands(text):
    action = QAction(plain_text.menu_text(text))
    assert action.iconText() == text.strip()  # Qt's text without mnemonics: the literal


@pytest.mark.parametrize("text", ["[*] title marker", "a[*]b", "<b>[*]</b> & [[*]]"])
def test_window_titles_show_the_modified_mark_literally(qtbot, text):
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.setWindowTitle(plain_text.window_title(text))
    widget.show()
    qtbot.waitExposed(widget)
    assert widget.windowHandle().title() == text
    widget.setWindowModified(True)
    assert widget.windowHandle().title() == text


def test_message_boxes_show_the_literal(monkeypatch):
    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, title, text: seen.append((title, text)))
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda _p, title, text, *_a: seen.append((title, text)) or QMessageBox.StandardButton.No,
    )
    for text in HOSTILE:
        plain_text.warning(None, "[*]" + text[:20], text)
        assert plain_text.question(None, "问题", text) == QMessageBox.StandardButton.No
    for (_title, got), text in zip(seen[::2], HOSTILE, strict=True):
        assert shown(got) == (_lines(text) if GuiQt.mightBeRichText(text) else text)


def _add_hostile_layer(window, title: str, values: list[str]) -> Layer:
    frame = gpd.GeoDataFrame(
        {"name": values, "备注": values},
        geometry=[shapely.Point(121.2 + 0.001 * i, 31.9) for i in range(len(values))],
        crs=4490,
    )
    layer = Layer("<b>层</b>{{ 7*191 }}", frame, title=title)  # a valid layer name
    window.project.add_layer(layer)
    window.layer_tree.rebuild()
    return layer


def _tree_items(tree):
    it = QTreeWidgetItemIterator(tree)
    while it.value() is not None:
        yield it.value()
        it += 1


def test_window_shows_hostile_titles_and_values_as_text(window, monkeypatch, tmp_path):
    title = MARKUP[1] + " [*] " + TEMPLATES[0]
    values = [s for s in HOSTILE if len(s) < 200]
    layer = _add_hostile_layer(window, title, values)

    # layer tree: the name is plain text in the item, the tooltip shows it literally
    item = next(i for i in _tree_items(window.layer_tree) if i.text(0) == title)
    assert GuiQt.mightBeRichText(item.toolTip(0))  # escaped: the name would look like markup
    assert shown(item.toolTip(0)).startswith(layer.name + " · ")

    # attribute table heading
    window.show_table(layer.name)
    assert window.table.title.textFormat() == Qt.TextFormat.PlainText
    assert window.table.title.text().startswith(title)

    # identify: item views draw their text as plain text; the values come through unchanged
    for start in range(0, len(values), 30):  # the panel lists up to 30 features
        window.show_identify([(layer, i) for i in range(start, min(start + 30, len(values)))])
        texts_shown = {i.text(1) for i in _tree_items(window.results)}
        assert set(values[start : start + 30]) <= texts_shown

    # window title
    window.project.title = title
    window._update_title()
    assert window.windowHandle().title().lstrip("*").startswith(title)  # "*": modified

    # error box: plain text
    window.report_error(title, MARKUP[0])
    box = window.findChild(QMessageBox, "error_box")
    assert box is not None and box.textFormat() == Qt.TextFormat.PlainText
    assert box.text() == MARKUP[0]
    box.close()

    # Excel export of the table: every value a text cell, never a formula
    out = window.table.model.export_excel(tmp_path / "table.xlsx")
    ws = load_workbook(out).active
    name_column = [c.value for c in ws[1]].index("name") + 1
    for row, value in enumerate(values, start=2):
        cell = ws.cell(row=row, column=name_column)
        assert cell.data_type == "s"
        if value in SPREADSHEET[:5]:
            assert cell.value == value and cell.quotePrefix


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts(max_size=30))
def test_feature_form_shows_names_labels_and_messages_as_text(qtbot, text):
    assume("\x00" not in text)
    spec = FieldSpec(name="note", type="str", label_zh=text, label_en=text, required=True)
    form = FeatureForm([spec], {"note": text}, title=text, fid=7)
    qtbot.addWidget(form)
    heading = form.findChild(QLabel, "form_heading")
    assert heading.textFormat() == Qt.TextFormat.PlainText and text in heading.text()
    label = form.labels["note"]
    assert label.textFormat() == Qt.TextFormat.RichText  # escaped label + the red star
    doc = QTextDocument()
    doc.setHtml(label.text())
    # beside its buddy the label shows "&&" as "&"
    assert " ".join(doc.toPlainText().split()) == " ".join(
        f"{plain_text.menu_text(text)} *".replace("\u00a0", " ").split()
    )
    assert form.error_labels["note"].textFormat() == Qt.TextFormat.PlainText
    assert form.editors["note"].text() == text  # a line edit: always plain


def test_web_map_too_large_asks_first(window, monkeypatch, tmp_path):
    monkeypatch.setattr(webmap, "MAX_FEATURES", 10)
    asked: list[str] = []
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(
        QMessageBox, "question", lambda _p, _t, text, *_a: asked.append(text) or answers.pop(0)
    )
    out = tmp_path / "big.html"
    window.outputs.export_webmap(out, wait=True)  # answered No: nothing written
    assert len(asked) == 1 and not out.exists()
    assert "个要素" in asked[0] and "10" in asked[0]
    window.outputs.export_webmap(out, wait=True)  # answered Yes: written anyway
    assert len(asked) == 2 and out.is_file()
    assert asked[0] == asked[1]
