"""The expression builder (表达式构建器): fields, operators and values around one expression.

Laid out as QGIS users know it: the layer's fields on the left (double-click inserts one),
operator buttons in the middle, the chosen field's distinct values on the right with their
counts (double-click inserts one, quoted as the language wants), the expression below and a
live preview under it: "N 个要素匹配（共 M 个）", or the Chinese reason why the expression
is not valid. The language is :mod:`gisdesk.core.expressions`; nothing typed here is run.

:class:`FieldValuePicker` is the compact form of the same helpers that sits in the
attribute table's filter bar: a field list and a value list that insert into a line edit.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gisdesk.core.errors import GisdeskError
from gisdesk.core.expressions import FieldNames, distinct_values, evaluate_filter, literal
from gisdesk.core.layer import Layer
from gisdesk.ui import plain_text
from gisdesk.ui.form_widgets import ok_cancel_buttons
from gisdesk.ui.i18n import language, tr

__all__ = ["OPERATORS", "ExpressionBuilder", "FieldValuePicker", "match_summary", "value_text"]

VALUE_LIMIT = 500
"""At most this many distinct values are listed for a field."""

OPERATORS: tuple[tuple[str, str, str], ...] = (
    ("=", " = ", "等于"),
    ("<>", " <> ", "不等于"),
    ("<", " < ", "小于"),
    ("<=", " <= ", "小于等于"),
    (">", " > ", "大于"),
    (">=", " >= ", "大于等于"),
    ("AND", " and ", "并且"),
    ("OR", " or ", "或者"),
    ("NOT", "not ", "不满足"),
    ("IN", " in (", "属于列出的值之一，如 in ('国道', '省道')"),
    ("IS NULL", " is null", "为空"),
    ("IS NOT NULL", " is not null", "不为空"),
    ("(", "(", "左括号"),
    (")", ")", "右括号"),
)
"""The operator buttons: caption, text inserted, what it means (tooltip)."""

_KIND = {
    "str": ("文字", "text"),
    "int": ("整数", "integer"),
    "float": ("数值", "number"),
    "bool": ("是/否", "yes/no"),
    "date": ("日期", "date"),
}


def value_text(value: object, count: int) -> str:
    """A distinct value as listed: the value and how many features hold it."""
    shown = literal(value)
    if shown.startswith("'") and shown.endswith("'"):
        shown = shown[1:-1].replace("''", "'")
    return tr(f"{shown}（{count}）", f"{shown} ({count})")


def match_summary(layer: Layer, names: FieldNames, expression: str) -> tuple[bool, str]:
    """Whether an expression is valid on a layer, and the preview line saying so."""
    total = len(layer.data)
    if not expression.strip():
        return True, tr(f"未设条件：显示全部 {total} 个要素", f"No condition: all {total} shown")
    try:
        n = int(evaluate_filter(expression, layer.data, names).sum())
    except GisdeskError as exc:
        return False, exc.message(language())
    return True, tr(f"{n} 个要素匹配（共 {total} 个）", f"{n} of {total} features match")


def _field_item(names: FieldNames, name: str) -> QListWidgetItem:
    ref = names.field(name)
    zh, en = _KIND.get(ref.kind, _KIND["str"])
    item = QListWidgetItem(ref.label(language()))
    item.setData(Qt.ItemDataRole.UserRole, name)
    item.setToolTip(
        plain_text.auto_text(
            tr(
                f"字段名 {name}，{zh}；在表达式中写作 {names.reference(name, 'zh')}",
                f"field {name}, {en}; written {names.reference(name, 'en')}",
            )
        )
    )
    return item


def _insert(editor: QPlainTextEdit, text: str) -> None:
    cursor = editor.textCursor()
    before = editor.toPlainText()[: cursor.position()]
    spaced = not before or before[-1].isspace() or before[-1] == "("
    if not spaced and not text.startswith((" ", ")")):
        text = " " + text
    cursor.insertText(text)
    editor.setTextCursor(cursor)
    editor.setFocus()


class ExpressionBuilder(QDialog):
    """Build a filter expression for one layer with a live count of matching features."""

    def __init__(self, layer: Layer, expression: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("expression_builder")
        self.layer = layer
        self.names = FieldNames.of_layer(layer)
        self.setWindowTitle(
            plain_text.window_title(
                tr(f"表达式构建器 — {layer.title}", f"Expression builder — {layer.title}")
            )
        )
        self.fields = QListWidget()
        self.fields.setObjectName("builder_fields")
        for ref in self.names.fields:
            self.fields.addItem(_field_item(self.names, ref.name))
        self.fields.currentItemChanged.connect(self._show_values)
        self.fields.itemDoubleClicked.connect(self._insert_field)
        self.values = QListWidget()
        self.values.setObjectName("builder_values")
        self.values.itemDoubleClicked.connect(self._insert_value)
        self.values_title = plain_text.plain_label(tr("取值", "Values"))
        self.values_title.setWordWrap(True)
        self.editor = QPlainTextEdit(expression)
        self.editor.setObjectName("builder_expression")
        self.editor.setFixedHeight(72)
        self.editor.setPlaceholderText(
            tr(
                "双击字段和取值，或直接输入，如：户数 > 1500 and 所属镇 = '常乐镇'",
                "Double-click fields and values, or type: households > 1500 and town = '常乐镇'",
            )
        )
        operators = QGridLayout()
        self.operator_buttons: dict[str, QPushButton] = {}
        for i, (caption, text, meaning) in enumerate(OPERATORS):
            button = QPushButton(caption)
            button.setObjectName(f"op_{caption.replace(' ', '_')}")
            button.setToolTip(tr(meaning, caption))
            button.clicked.connect(lambda _=False, t=text: _insert(self.editor, t))
            operators.addWidget(button, i // 2, i % 2)
            self.operator_buttons[caption] = button
        self.editor.textChanged.connect(self.refresh_preview)
        self.preview = plain_text.plain_label("")
        self.preview.setObjectName("builder_preview")
        self.preview.setWordWrap(True)
        self.buttons = ok_cancel_buttons(self, tr("确定", "OK"))

        left = QVBoxLayout()
        left.addWidget(QLabel(tr("字段（双击插入）", "Fields (double-click)")))
        left.addWidget(self.fields, 1)
        middle = QVBoxLayout()
        middle.addWidget(QLabel(tr("运算符", "Operators")))
        middle.addLayout(operators)
        middle.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.values_title)
        right.addWidget(self.values, 1)
        top = QHBoxLayout()
        top.addLayout(left, 3)
        top.addLayout(middle, 2)
        top.addLayout(right, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addWidget(QLabel(tr("表达式", "Expression")))
        layout.addWidget(self.editor)
        layout.addWidget(self.preview)
        layout.addWidget(self.buttons)
        self.resize(760, 480)
        self.refresh_preview()

    def expression(self) -> str:
        """The expression as written."""
        return self.editor.toPlainText().strip()

    def valid(self) -> bool:
        """Whether the expression is empty or valid on the layer."""
        return match_summary(self.layer, self.names, self.expression())[0]

    def refresh_preview(self) -> None:
        """Count the matching features (or say what is wrong) as the expression changes."""
        ok, text = match_summary(self.layer, self.names, self.expression())
        self.preview.setText(text)
        self.preview.setStyleSheet("" if ok else "color: #b2182b;")
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if button is not None:
            button.setEnabled(ok)

    def select_field(self, name: str) -> None:
        """Make a field current (its values are listed)."""
        for row in range(self.fields.count()):
            if self.fields.item(row).data(Qt.ItemDataRole.UserRole) == name:
                self.fields.setCurrentRow(row)
                return

    def _show_values(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        self.values.clear()
        if item is None:
            return
        name = str(item.data(Qt.ItemDataRole.UserRole))
        found = distinct_values(self.layer.data[name], VALUE_LIMIT)
        for value, count in found:
            row = QListWidgetItem(value_text(value, count))
            row.setData(Qt.ItemDataRole.UserRole, literal(value))
            self.values.addItem(row)
        label = self.names.field(name).label(language())
        more = len(self.layer.data[name].dropna().unique()) > VALUE_LIMIT
        self.values_title.setText(
            tr(
                f"“{label}”的取值（双击插入{'，仅列出前 500 个' if more else ''}）",
                f"Values of '{label}' (double-click{', first 500 only' if more else ''})",
            )
        )

    def _insert_field(self, item: QListWidgetItem) -> None:
        name = str(item.data(Qt.ItemDataRole.UserRole))
        _insert(self.editor, self.names.reference(name, language()))

    def _insert_value(self, item: QListWidgetItem) -> None:
        _insert(self.editor, str(item.data(Qt.ItemDataRole.UserRole)))

    def accept(self) -> None:
        """Close only with a valid (or empty) expression."""
        if self.valid():
            super().accept()


class FieldValuePicker(QWidget):
    """A field list and a value list that insert into a line of text (the filter bar)."""

    def __init__(self, insert: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._insert = insert
        self.layer: Layer | None = None
        self.names: FieldNames | None = None
        self.field = QComboBox()
        self.field.setObjectName("filter_field")
        self.field.setToolTip(tr("插入字段；随后可在“值”中选它的取值", "Insert a field"))
        self.field.activated.connect(self._field_chosen)
        self.value = QComboBox()
        self.value.setObjectName("filter_value")
        self.value.setToolTip(tr("插入所选字段的一个取值", "Insert a value of the field"))
        self.value.activated.connect(self._value_chosen)
        self.value.setMinimumContentsLength(8)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field)
        layout.addWidget(self.value)
        self.set_layer(None)

    def set_layer(self, layer: Layer | None) -> None:
        """List a layer's fields (none without a layer)."""
        self.layer = layer
        self.names = FieldNames.of_layer(layer) if layer is not None else None
        self.field.clear()
        self.field.addItem(tr("字段…", "Field…"), None)
        if self.names is not None:
            for ref in self.names.fields:
                self.field.addItem(ref.label(language()), ref.name)
        self.field.setEnabled(layer is not None)
        self._fill_values(None)

    def _fill_values(self, name: str | None) -> None:
        self.value.clear()
        self.value.addItem(tr("值…", "Value…"), None)
        if name is not None and self.layer is not None:
            for value, count in distinct_values(self.layer.data[name], VALUE_LIMIT):
                self.value.addItem(value_text(value, count), literal(value))
        self.value.setEnabled(self.value.count() > 1)

    def choose_field(self, name: str) -> None:
        """Insert a field and list its values (as choosing it in the list does)."""
        index = self.field.findData(name)
        if index > 0:
            self.field.setCurrentIndex(index)
            self._field_chosen(index)

    def choose_value(self, text: str) -> None:
        """Insert the listed value shown as ``text`` (as choosing it does)."""
        index = self.value.findText(text)
        if index > 0:
            self.value.setCurrentIndex(index)
            self._value_chosen(index)

    def _field_chosen(self, index: int) -> None:
        name = self.field.itemData(index)
        if name is None or self.names is None:
            return
        self._insert(self.names.reference(str(name), language()))
        self._fill_values(str(name))
        self.field.setCurrentIndex(0)

    def _value_chosen(self, index: int) -> None:
        text = self.value.itemData(index)
        if text is None:
            return
        self._insert(str(text))
        self.value.setCurrentIndex(0)
