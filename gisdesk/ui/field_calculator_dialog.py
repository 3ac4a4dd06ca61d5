"""字段计算器 (field calculator): 图层 → 字段计算器….

Update an existing field or add a new one (整数 / 小数 / 文本) for all or only the selected
features from a value expression (:mod:`gisdesk.core.value_expressions`: the filter
language's field names plus + - * /, || and area() / length() / round()). The dialog lists
the fields (double-click inserts one) and the functions, previews the first values as the
expression is typed and explains a bad expression in Chinese under it. 确定 commits every
value through the window's editor as one transaction, so it is written to the project file
at once, checked against the schema and the layer's guards, and undone in one step
(Ctrl+Z). A new field's column is added to the layer and the file first, in the same undo
step: undo empties the values and removes the column, redo adds both back. A refusal (a bad
expression, text for a number field, an empty value for a required field, a read-only
project) is explained under the expression and the dialog stays open; no message box.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
)

from gisdesk.core.driver_errors import explain_gisdesk_error
from gisdesk.core.errors import GisdeskError, InputError, ProjectError
from gisdesk.core.expressions import FieldNames
from gisdesk.core.field_calculator import (
    NEW_FIELD_TYPES,
    FieldCalculation,
    calculate,
    check_new_field_name,
)
from gisdesk.core.i18n import language, tr
from gisdesk.core.layer import Layer
from gisdesk.ui.actions import ActionSpec
from gisdesk.ui.form_widgets import ok_cancel_buttons
from gisdesk.ui.plain_text import plain_label
from gisdesk.ui.window_api import WindowApi, window_widget

__all__ = ["ACTION_ID", "FieldCalculatorDialog", "install_field_calculator"]

ACTION_ID = "field_calculator"
PREVIEW_ROWS = 5

_FUNCTIONS: tuple[tuple[str, str, str], ...] = (
    ("+ - * /", " + ", "加减乘除（除以 0 得空值）"),
    ("||", " || ", "连接文字：村名 || '村'"),
    ("area()", "area()", "面积（平方米，EPSG:4549 量算）"),
    ("length()", "length()", "长度（米；面为周长）"),
    ("round(x, n)", "round(, 2)", "四舍五入到 n 位小数"),
    ("null", "null", "空值"),
)


def install_field_calculator(window: WindowApi) -> None:
    """Add 字段计算器… to the 图层 menu."""
    window.registry.add(
        ActionSpec(
            ACTION_ID,
            "字段计算器…",
            "Field calculator…",
            "layer",
            open_field_calculator,
            "Ctrl+I",
            args=(window,),
            tip_zh="用表达式计算当前图层某个字段（或新字段）的值，可撤销",
            tip_en="Compute a field (or a new one) of the current layer from an expression; "
            "undoable",
        )
    )


def open_field_calculator(window: WindowApi) -> int | None:
    """Ask for a calculation on the current layer and run it; the dialog's result code."""
    layer = window.current_layer()
    if layer is None:
        window.status(tr("请先在图层列表中选择一个图层。", "Choose a layer in the layer list."))
        return None
    dialog = FieldCalculatorDialog(window, layer)
    return dialog.exec()


class FieldCalculatorDialog(QDialog):
    """New or existing field, expression with fields and functions, preview, one edit."""

    def __init__(self, window: WindowApi, layer: Layer) -> None:
        super().__init__(window_widget(window))
        self.window_api = window
        self.layer = layer
        self.fields = FieldNames.of_layer(layer)
        self.setObjectName("field_calculator_dialog")
        self.setWindowTitle(tr(f"字段计算器 — {layer.title}", f"Field calculator — {layer.title}"))

        n_selected = len(layer.selection)
        self.selected_only = QCheckBox(
            tr(
                f"只更新所选的 {n_selected} 个要素（共 {len(layer.data)} 个）",
                f"Only the {n_selected} selected features (of {len(layer.data)})",
            )
        )
        self.selected_only.setObjectName("selected_only")
        self.selected_only.setEnabled(n_selected > 0)
        self.selected_only.setChecked(n_selected > 0)

        self.create_new = QRadioButton(tr("新建字段", "Create a new field"))
        self.update_existing = QRadioButton(tr("更新现有字段", "Update an existing field"))
        group = QButtonGroup(self)
        group.addButton(self.create_new)
        group.addButton(self.update_existing)
        self.create_new.setChecked(True)
        self.new_name = QLineEdit()
        self.new_name.setObjectName("new_field_name")
        self.new_name.setPlaceholderText(tr("如 户均人口", "e.g. people_per_household"))
        self.new_kind = QComboBox()
        self.new_kind.setObjectName("new_field_type")
        for key, (zh, en) in NEW_FIELD_TYPES.items():
            self.new_kind.addItem(tr(zh, en), key)
        self.new_kind.setCurrentIndex(self.new_kind.findData("float"))
        self.existing = QComboBox()
        self.existing.setObjectName("existing_field")
        lang = language()
        for ref in self.fields.fields:
            shown = ref.label(lang)
            self.existing.addItem(
                shown if shown == ref.name else f"{shown}（{ref.name}）", ref.name
            )

        self.expression = QPlainTextEdit()
        self.expression.setObjectName("expression")
        self.expression.setPlaceholderText(tr("如 round(人口 / 户数, 2)", "e.g. population / 2"))
        self.expression.setFixedHeight(64)
        self.field_list = QListWidget()
        self.field_list.setObjectName("field_list")
        for ref in self.fields.fields:
            item = QListWidgetItem(ref.label(lang))
            item.setData(256, self.fields.reference(ref.name, lang))  # Qt.UserRole
            item.setToolTip(f"{ref.name}（{ref.kind}）")
            self.field_list.addItem(item)
        self.function_list = QListWidget()
        self.function_list.setObjectName("function_list")
        for shown, insert, tip in _FUNCTIONS:
            item = QListWidgetItem(shown)
            item.setData(256, insert)
            item.setToolTip(tip)
            self.function_list.addItem(item)
        for lst in (self.field_list, self.function_list):
            lst.setMaximumHeight(130)
            lst.itemDoubleClicked.connect(self._insert)

        self.preview = plain_label("")
        self.preview.setObjectName("preview")
        self.preview.setWordWrap(True)
        self.preview.setMinimumHeight(6 * self.preview.fontMetrics().lineSpacing())
        self.error = plain_label("")
        self.error.setObjectName("dialog_error")
        self.error.setStyleSheet("color: #b2182b;")
        self.error.setWordWrap(True)

        target = QGridLayout()
        target.addWidget(self.create_new, 0, 0)
        new_row = QHBoxLayout()
        new_row.addWidget(plain_label(tr("字段名", "Name")))
        new_row.addWidget(self.new_name, 1)
        new_row.addWidget(plain_label(tr("类型", "Type")))
        new_row.addWidget(self.new_kind)
        target.addLayout(new_row, 0, 1)
        target.addWidget(self.update_existing, 1, 0)
        target.addWidget(self.existing, 1, 1)

        lists = QHBoxLayout()
        for title, lst in (
            (tr("字段（双击插入）", "Fields"), self.field_list),
            (tr("函数与运算", "Functions"), self.function_list),
        ):
            column = QVBoxLayout()
            column.addWidget(plain_label(title))
            column.addWidget(lst)
            lists.addLayout(column)

        self.buttons = ok_cancel_buttons(self, tr("计算", "Calculate"))

        form = QFormLayout()
        form.addRow(self.selected_only)
        form.addRow(target)
        form.addRow(tr("表达式", "Expression"), self.expression)
        form.addRow(lists)
        form.addRow(tr("预览", "Preview"), self.preview)
        form.addRow(self.error)
        outer = QVBoxLayout(self)
        outer.addLayout(form)
        outer.addWidget(self.buttons)
        self.setMinimumWidth(560)

        self.expression.textChanged.connect(self.refresh_preview)
        self.create_new.toggled.connect(self._target_changed)
        self.existing.currentIndexChanged.connect(self.refresh_preview)
        self.new_kind.currentIndexChanged.connect(self.refresh_preview)
        self.selected_only.toggled.connect(self.refresh_preview)
        self._target_changed()

    # --- the form -----------------------------------------------------------------------

    def _insert(self, item: QListWidgetItem) -> None:
        self.expression.insertPlainText(str(item.data(256)))
        self.expression.setFocus()

    def _target_changed(self) -> None:
        new = self.create_new.isChecked()
        self.new_name.setEnabled(new)
        self.new_kind.setEnabled(new)
        self.existing.setEnabled(not new)
        self.refresh_preview()

    def calculation(self) -> FieldCalculation:
        """What the dialog describes."""
        new = self.create_new.isChecked()
        return FieldCalculation(
            layer=self.layer.name,
            field=self.new_name.text().strip() if new else str(self.existing.currentData()),
            expression=self.expression.toPlainText().strip(),
            new_field=new,
            kind=str(self.new_kind.currentData()),
            selected_only=self.selected_only.isChecked(),
        )

    def refresh_preview(self) -> bool:
        """Show the first values, or say why the expression cannot be computed."""
        calc = self.calculation()
        self.error.setText("")
        if not calc.expression:
            self.preview.setText(tr("（输入表达式后显示前几个值）", "(type an expression)"))
            return False
        try:
            result = calculate(self.layer, calc, limit=PREVIEW_ROWS)
        except GisdeskError as exc:
            self.preview.setText("")
            self.error.setText(exc.message(language()))
            return False
        label_field = self.layer.schema.label_field if self.layer.schema else None
        lines = []
        for fid, value in zip(result.fids, result.computed, strict=True):
            row = self.layer.row_of(fid)
            name = ""
            if label_field and label_field in self.layer.data.columns:
                name = f" {self.layer.data[label_field].iloc[row]}"
            lines.append(f"#{fid}{name} → {_shown(value)}")
        self.preview.setText("\n".join(lines))
        return True

    # --- running ------------------------------------------------------------------------

    def accept(self) -> None:
        """Compute every value and commit them as one edit; stay open when refused (the
        reason shows under the expression; no message box)."""
        calc = self.calculation()
        edits = self.window_api.edits
        try:
            if calc.new_field:
                check_new_field_name(self.layer, calc.field)
            result = calculate(self.layer, calc)  # every value checked before any change
            if edits.editor is None:
                raise ProjectError("没有打开的项目。", "No project is open.")
            changes = result.changes(edits.editor, calc.layer, calc.field)
            if not changes:
                raise InputError(
                    "所有要素的值都没有变化，没有可保存的编辑。",
                    "No feature's value changes; there is nothing to save.",
                )
            label = (result.label_zh, result.label_en)
            if calc.new_field:  # one undo step empties the values and removes the column
                edits.commit_new_field(label, calc.layer, (calc.field, calc.kind), changes)
            else:
                edits.try_commit(label, changes)
        except GisdeskError as exc:
            zh, en, details = explain_gisdesk_error(exc)
            self.error.setText(tr(zh, en))
            self.error.setToolTip(details)  # a driver's own text, if any
            return
        self.window_api.status(
            tr(
                f"字段计算器：已更新“{self.layer.title}”的 {len(changes)} 个要素（可撤销）。",
                f"Field calculator: {len(changes)} feature(s) of '{self.layer.title}' "
                "updated (undoable).",
            )
        )
        super().accept()


def _shown(value: Any) -> str:
    if value is None:
        return tr("（空）", "(null)")
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)
