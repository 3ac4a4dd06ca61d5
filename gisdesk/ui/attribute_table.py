"""The attribute table: a Qt model over a layer's GeoDataFrame, validated edits with undo."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gisdesk.analysis.blackspots.listing import form_locks
from gisdesk.core.errors import GisdeskError
from gisdesk.core.expressions import FieldNames, evaluate_filter
from gisdesk.core.layer import Layer
from gisdesk.core.schema import FieldSpec
from gisdesk.core.validation import check_value as core_check_value
from gisdesk.io.spreadsheet import write_sheets
from gisdesk.ui import plain_text
from gisdesk.ui.expression_builder import ExpressionBuilder, FieldValuePicker
from gisdesk.ui.i18n import language, tr
from gisdesk.ui.output_paths import ask_save_path, refuse_project_output

__all__ = ["AttributeTable", "LayerTableModel", "check_value", "display_value"]

if TYPE_CHECKING:
    from gisdesk.ui.editing import EditController

_Index = QModelIndex | QPersistentModelIndex


def check_value(spec: FieldSpec | None, text: object) -> tuple[object, str | None]:
    """Convert an entered value to the field's type; return (value, error message or None)."""
    try:
        return core_check_value(spec, text), None
    except GisdeskError as exc:
        return None, exc.message(language())


def display_value(value: object) -> str:
    """Return a cell value as the table and identify panel show it."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool | np.bool_):
        return tr("是", "yes") if value else tr("否", "no")
    if isinstance(value, dt.datetime):
        midnight = (value.hour, value.minute, value.second) == (0, 0, 0)
        return value.strftime("%Y-%m-%d") if midnight else value.isoformat(sep=" ")
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return ""
        return f"{number:.6g}" if abs(number) < 1e6 else f"{number:,.0f}"
    return str(value)


def coded_value_text(spec: FieldSpec | None, value: object) -> str:
    """Return a value as :func:`display_value` does, a coded one with its label: 2（二类）."""
    text = display_value(value)
    if spec is None or not spec.domain or not text:
        return text
    shown = spec.domain_label(value, language())
    return text if shown == text else tr(f"{text}（{shown}）", f"{text} ({shown})")


COLUMN_SAMPLE_ROWS = 200
"""Rows whose values size a column when a layer is shown (all of them would take seconds)."""
MAX_COLUMN_PX = 360


class EditCell(QUndoCommand):
    """Set one cell of a layer; undo puts the old value back."""

    def __init__(self, layer: Layer, row: int, column: str, value: object) -> None:
        super().__init__(tr(f"编辑 {layer.title}", f"Edit {layer.title}"))
        self.layer = layer
        self.row = row
        self.column = column
        self.new = value
        self.old = layer.data[column].iloc[row]

    def _set(self, value: object) -> None:
        df = self.layer.data.copy(deep=False)
        col = df[self.column].copy()
        if value is None and str(col.dtype) in ("Int64", "boolean", "float64"):
            col.iloc[self.row] = pd.NA if str(col.dtype) != "float64" else np.nan
        elif value is None:
            col = col.astype(object)
            col.iloc[self.row] = None
        else:
            try:
                col.iloc[self.row] = value
            except (TypeError, ValueError):
                col = col.astype(object)
                col.iloc[self.row] = value
        df[self.column] = col
        self.layer.set_data(df)

    def redo(self) -> None:
        """Apply the new value."""
        self._set(self.new)

    def undo(self) -> None:
        """Restore the old value."""
        self._set(None if pd.isna(self.old) else self.old)  # type: ignore[arg-type]


class LayerTableModel(QAbstractTableModel):
    """Rows of a layer, filtered and sorted through a row-position index (fast at 10^5)."""

    edit_rejected = Signal(str)

    def __init__(
        self, layer: Layer, undo: QUndoStack | None = None, edits: EditController | None = None
    ) -> None:
        super().__init__()
        self.layer = layer
        self.undo = undo or QUndoStack()
        self.edits = edits
        self.columns = [c for c in layer.data.columns if c != layer.data.geometry.name]
        schema = layer.schema
        order = schema.field_names if schema else []
        self.columns = [c for c in order if c in self.columns] + [
            c for c in self.columns if c not in order
        ]
        self.rows = np.arange(len(layer.data))
        # fields changed only by their own command (a segment's status: 整治状态流转)
        self.locked = set(form_locks(layer.name, new=False)[1])
        self.filter_text = ""
        self.selected_only = False
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._off = layer.changed.connect(self._layer_changed)

    def close(self) -> None:
        """Stop following the layer."""
        self._off()

    def spec(self, column: int) -> FieldSpec | None:
        """Return the schema field of a column, if it has one."""
        name = self.columns[column]
        if self.layer.schema and name in self.layer.schema.field_index:
            return self.layer.schema.field_index[name]
        return None

    # --- Qt model API -------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            row = int(self.rows[index.row()])
            col = self.layer.data.columns.get_loc(self.columns[index.column()])
            value = self.layer.data.iat[row, col]
            if role == Qt.ItemDataRole.EditRole:
                return (
                    ""
                    if display_value(value) == ""
                    else (value if isinstance(value, str) else display_value(value))
                )
            return display_value(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            spec = self.spec(index.column())
            if spec is not None and spec.type in ("int", "float"):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(int(self.rows[section]) + 1)
        spec = self.spec(section)
        if spec is not None:
            return spec.label(language())
        name = self.columns[section]
        return self.layer.metadata.field_label(name, language()) or name

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if not index.isValid() or self.columns[index.column()] in self.locked:
            return base
        return base | Qt.ItemFlag.ItemIsEditable

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        spec = self.spec(index.column())
        converted, error = check_value(spec, value)
        if error:
            self.edit_rejected.emit(error)
            return False
        row = int(self.rows[index.row()])
        column = self.columns[index.column()]
        old = self.layer.data[column].iloc[row]
        same = (
            (pd.isna(old) and converted is None) if not isinstance(old, str) else (old == converted)
        )
        if same:
            return True
        if self.edits is not None:  # the window's editor: journaled, saved at once
            fid = self.layer.fid_at(row)
            return self.edits.update_feature(self.layer.name, fid, {column: converted}) is not None
        self.undo.push(EditCell(self.layer, row, column, converted))
        return True

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order)
        self._apply()

    # --- filtering ----------------------------------------------------------------------

    def field_names(self) -> FieldNames:
        """The names and labels (户数, 所属镇 ...) expressions may use for this layer's fields."""
        return FieldNames.of_layer(self.layer)

    def set_filter(self, expression: str) -> None:
        """Show only rows matching an expression (empty shows all); raises StyleError."""
        if expression.strip():
            evaluate_filter(expression, self.layer.data.iloc[:0], self.field_names())
        self.filter_text = expression.strip()
        self._apply()

    def filtered(self) -> bool:
        """Whether rows are hidden by the filter or "selected only"."""
        return bool(self.filter_text) or self.selected_only

    def set_selected_only(self, on: bool) -> None:
        """Show only the selected features."""
        self.selected_only = on
        self._apply()

    def _apply(self) -> None:
        self.beginResetModel()
        df = self.layer.data
        mask = np.ones(len(df), dtype=bool)
        if self.filter_text:
            mask &= evaluate_filter(self.filter_text, df, self.field_names())
        if self.selected_only:
            sel = np.zeros(len(df), dtype=bool)
            sel[self.layer.selection] = True
            mask &= sel
        rows = np.flatnonzero(mask)
        if self._sort is not None:
            column, order = self._sort
            values = df[self.columns[column]].iloc[rows]
            key = values.reset_index(drop=True)
            ranks = key.sort_values(
                kind="stable", na_position="last", ascending=order == Qt.SortOrder.AscendingOrder
            ).index
            rows = rows[ranks.to_numpy()]
        self.rows = rows
        self.endResetModel()

    def _layer_changed(self, _layer: Layer, reason: str) -> None:
        if reason == "data":
            if len(self.rows) and self.rows.max() >= len(self.layer.data):
                self._apply()
            else:
                self.dataChanged.emit(
                    self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1)
                )
        elif reason == "selection" and self.selected_only:
            self._apply()

    def export_excel(self, path: Path) -> Path:
        """Write the visible rows with Chinese headers to an Excel workbook."""
        df = pd.DataFrame(self.layer.data.iloc[self.rows][self.columns])
        headers = [self.headerData(i, Qt.Orientation.Horizontal) for i in range(len(self.columns))]
        df.columns = headers
        for col in df.columns:
            if str(df[col].dtype).startswith("datetime"):
                df[col] = df[col].dt.date
        return write_sheets(path, {self.layer.title: df})  # text stays text, never a formula


class DomainDelegate(QStyledItemDelegate):
    """Edit value-list fields with a drop-down of the allowed values."""

    def __init__(self, model: LayerTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: _Index) -> QWidget:
        spec = self.model.spec(index.column())
        if spec is not None and spec.domain:
            combo = QComboBox(parent)
            if not spec.required:
                combo.addItem("", "")
            for d in spec.domain:
                combo.addItem(
                    f"{d.value}"
                    if str(d.value) == d.label(language())
                    else f"{d.value}（{d.label(language())}）",
                    d.value,
                )
            return combo
        return super().createEditor(parent, option, index)

    def setEditorData(self, editor: QWidget, index: _Index) -> None:
        if isinstance(editor, QComboBox):
            value = index.data(Qt.ItemDataRole.EditRole)
            pos = max(0, editor.findData(value))
            if pos == 0 and value not in ("", None):
                pos = max(0, editor.findText(str(value), Qt.MatchFlag.MatchStartsWith))
            editor.setCurrentIndex(pos)
            return
        super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: Any, index: _Index) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)
            return
        super().setModelData(editor, model, index)


class AttributeTable(QWidget):
    """A layer's table with filter, selected-only, export, and selection synced with the map."""

    message = Signal(str)

    def __init__(
        self,
        undo: QUndoStack,
        parent: QWidget | None = None,
        *,
        edits: EditController | None = None,
    ) -> None:
        super().__init__(parent)
        self.undo = undo
        self.edits = edits
        self.model: LayerTableModel | None = None
        self._off_layer: Any = None
        self._syncing = False
        self.title = plain_text.plain_label(tr("未选择图层", "No layer"))  # shows the layer's title
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("filter_edit")
        self.filter_edit.setPlaceholderText(
            tr(
                "筛选，如：户数 > 1500 and 所属镇 = '常乐镇'（回车应用）",
                "Filter, e.g. households > 1500 and town = '常乐镇' (Enter applies)",
            )
        )
        self.filter_edit.returnPressed.connect(self._apply_filter)
        self.picker = FieldValuePicker(self._insert_text)
        self.filter_button = QPushButton(tr("筛选", "Filter"))
        self.filter_button.setObjectName("filter_apply")
        self.filter_button.clicked.connect(self._apply_filter)
        self.builder_button = QPushButton(tr("表达式…", "Expression…"))
        self.builder_button.setObjectName("filter_builder")
        self.builder_button.setToolTip(tr("打开表达式构建器", "Open the expression builder"))
        self.builder_button.clicked.connect(self.open_builder)
        self.selected_only = QCheckBox(tr("仅显示选中", "Selected only"))
        self.selected_only.toggled.connect(self._selected_only)
        self.select_matching = QPushButton(tr("按条件选择", "Select matching"))
        self.select_matching.clicked.connect(self._select_matching)
        self.export_button = QPushButton(tr("导出 Excel…", "Export Excel…"))
        self.export_button.clicked.connect(self._export)
        self.view = QTableView()
        self.view.setObjectName("attribute_view")
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setDefaultSectionSize(22)
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.picker)
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.filter_button)
        top.addWidget(self.builder_button)
        top.addWidget(self.select_matching)
        top.addWidget(self.selected_only)
        top.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.view)

    def set_layer(self, layer: Layer | None) -> None:
        """Show a layer's attributes (or nothing)."""
        if self.model is not None:
            self.model.close()
        if self._off_layer is not None:
            self._off_layer()
            self._off_layer = None
        if layer is None:
            self.model = None
            self.view.setModel(None)  # type: ignore[arg-type]
            self.title.setText(tr("未选择图层", "No layer"))
            self.picker.set_layer(None)
            return
        self.model = LayerTableModel(layer, self.undo, self.edits)
        self.model.edit_rejected.connect(self._rejected)
        self.view.setModel(self.model)
        self.view.setItemDelegate(DomainDelegate(self.model, self.view))
        self.view.selectionModel().selectionChanged.connect(self._view_selection_changed)
        self._off_layer = layer.changed.connect(self._layer_changed)
        self.picker.set_layer(layer)
        self.selected_only.setChecked(False)
        self.filter_edit.clear()
        self._fit_columns()
        self._show_title()
        self._sync_from_layer()

    def _fit_columns(self) -> None:
        """Widen each column to its header (the Chinese label with its unit) and the values of
        the first rows, up to MAX_COLUMN_PX (a longer value shows in its cell's tooltip)."""
        header = self.view.horizontalHeader()
        header.setResizeContentsPrecision(COLUMN_SAMPLE_ROWS)
        self.view.resizeColumnsToContents()
        for column in range(header.count()):
            if header.sectionSize(column) > MAX_COLUMN_PX:
                header.resizeSection(column, MAX_COLUMN_PX)

    def _show_title(self) -> None:
        """The layer's title with its count: (total), or (shown / total) when filtered."""
        if self.model is None:
            return
        total = len(self.model.layer)
        count = f"{self.model.rowCount()} / {total}" if self.model.filtered() else f"{total}"
        self.title.setText(f"{self.model.layer.title}（{count}）")
        self.title.setToolTip(
            tr(
                f"显示 {self.model.rowCount()} 个，共 {total} 个要素",
                f"{self.model.rowCount()} of {total} shown",
            )
            if self.model.filtered()
            else ""
        )

    def _insert_text(self, text: str) -> None:
        """Insert a field or value at the cursor of the filter line, spaced from its neighbours."""
        line = self.filter_edit.text()
        pos = self.filter_edit.cursorPosition()
        before, after = line[:pos], line[pos:]
        if before and not before[-1].isspace() and before[-1] != "(":
            text = " " + text
        if after and not after[0].isspace():
            text += " "
        self.filter_edit.setText(before + text + after)
        self.filter_edit.setCursorPosition(len(before + text))
        self.filter_edit.setFocus()

    def open_builder(self) -> ExpressionBuilder | None:
        """Open the expression builder on the filter; apply what it returns."""
        if self.model is None:
            return None
        builder = ExpressionBuilder(self.model.layer, self.filter_edit.text(), self)
        if builder.exec():
            self.filter_edit.setText(builder.expression())
            self._apply_filter()
        builder.deleteLater()
        return builder

    def _rejected(self, text: str) -> None:
        self.message.emit(text)
        plain_text.warning(self, tr("输入无效", "Invalid value"), text)

    def _apply_filter(self) -> None:
        if self.model is None:
            return
        try:
            self.model.set_filter(self.filter_edit.text())
        except GisdeskError as exc:
            self.message.emit(exc.message(language()))
            plain_text.warning(self, tr("筛选条件无效", "Invalid filter"), exc.message(language()))
            return
        self._show_title()
        self._sync_from_layer()
        if self.model.filter_text:
            shown, total = self.model.rowCount(), len(self.model.layer)
            self.message.emit(
                tr(f"筛选：显示 {shown} / {total} 个要素", f"Filter: {shown} of {total} shown")
            )

    def _select_matching(self) -> None:
        if self.model is None:
            return
        try:
            mask = evaluate_filter(
                self.filter_edit.text() or "True", self.model.layer.data, self.model.field_names()
            )
        except GisdeskError as exc:
            plain_text.warning(self, tr("筛选条件无效", "Invalid filter"), exc.message(language()))
            return
        self.model.layer.set_selection(np.flatnonzero(mask))
        self.message.emit(tr(f"已选择 {int(mask.sum())} 个要素", f"{int(mask.sum())} selected"))

    def _selected_only(self, on: bool) -> None:
        if self.model is not None:
            self.model.set_selected_only(on)
            self._show_title()
            self._sync_from_layer()

    def _export(self) -> None:
        if self.model is None:
            return
        path = ask_save_path(
            self,
            tr("导出 Excel", "Export Excel"),
            f"{self.model.layer.title}.xlsx",
            "Excel (*.xlsx)",
        )
        if path is not None:
            self.export_excel(path)

    def export_excel(self, path: Path) -> bool:
        """Write the table as shown to ``path``; never over the open project."""
        if self.model is None:
            return False
        project = self.edits.project if self.edits is not None else None
        if refuse_project_output(self, project, path):
            return False
        self.model.export_excel(path)
        self.message.emit(tr(f"已导出到 {path}", f"Exported to {path}"))
        return True

    def _view_selection_changed(self, *_args: object) -> None:
        if self._syncing or self.model is None:
            return
        rows = sorted({self.model.rows[i.row()] for i in self.view.selectionModel().selectedRows()})
        self._syncing = True
        try:
            self.model.layer.set_selection(rows)
        finally:
            self._syncing = False

    def _layer_changed(self, _layer: Layer, reason: str) -> None:
        if reason == "selection" and not self._syncing:
            self._sync_from_layer()
            self._show_title()
        elif reason == "data" and self.model is not None:
            self._show_title()

    def _sync_from_layer(self) -> None:
        if self.model is None:
            return
        selected = np.zeros(len(self.model.layer.data), dtype=bool)
        selected[self.model.layer.selection] = True
        view_rows = np.flatnonzero(selected[self.model.rows])
        selection = QItemSelection()
        last = self.model.columnCount() - 1
        for r in view_rows[:20000]:
            selection.select(self.model.index(int(r), 0), self.model.index(int(r), last))
        self._syncing = True
        try:
            self.view.selectionModel().select(
                selection, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
            if len(view_rows):
                self.view.scrollTo(self.model.index(int(view_rows[0]), 0))
        finally:
            self._syncing = False
