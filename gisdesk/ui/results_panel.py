"""The results dock: identified features and analysis summary tables, as plain text.

:class:`ResultsPanel` is the tree: identified features (layer, row, every field's label and
value, wrapped so long values are read whole) or an analysis summary (its title and notes,
one row per town or road with its columns). :class:`ResultsDock` is the dock's widget
around it: which layers identify looks at (the topmost visible layer with a feature under
the click, or all visible layers; remembered in the settings), and the analysis summary as
a table with Chinese headers and units that sorts by its numbers.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gisdesk.core.layer import Layer
from gisdesk.ui import plain_text
from gisdesk.ui.attribute_table import coded_value_text
from gisdesk.ui.i18n import language, settings, tr
from gisdesk.ui.sort_items import ROLE_SORT, SortItem

if TYPE_CHECKING:
    from gisdesk.tasks.base import SummaryTable
    from gisdesk.ui.analysis_dialogs import AnalysisResult
    from gisdesk.ui.canvas import MapCanvas

__all__ = [
    "IDENTIFY_ALL_KEY",
    "MAX_IDENTIFIED",
    "ResultsDock",
    "ResultsPanel",
    "fill_summary_table",
]

MAX_IDENTIFIED = 30
IDENTIFY_ALL_KEY = "identify/all_layers"
"""Settings key: whether identify lists every visible layer (else the topmost with a hit)."""
_ROLE_LAYER = Qt.ItemDataRole.UserRole + 1
_ROLE_ROW = Qt.ItemDataRole.UserRole + 2


class _WrappingDelegate(QStyledItemDelegate):
    """Row heights from the text wrapped to its column's width.

    A tree asks its delegate for a size without a width, so wrapped text would keep one
    line and be cut off; this gives the column's width (less the indentation) first.
    """

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self.tree = tree
        self.measuring = False  # True: sizes on one line (the column's natural width)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """Return the size of the cell's text wrapped to its column."""
        if self.measuring:
            return super().sizeHint(option, index)
        width = self.tree.columnWidth(index.column())
        if index.column() == 0:
            depth, parent = 0, index.parent()
            while parent.isValid():
                depth, parent = depth + 1, parent.parent()
            width -= self.tree.indentation() * (depth + 1)
        sized = QStyleOptionViewItem(option)
        sized.rect = QRect(0, 0, max(width, 20), 1)
        return super().sizeHint(sized, index)


class ResultsPanel(QTreeWidget):
    """A two-column tree (item, value) under the 查询与分析结果 dock.

    Signals: ``feature_chosen(str, int)`` (layer name, row: an identified feature became the
    current item), ``summary_shown(object)`` (an :class:`AnalysisResult` is listed),
    ``cleared()`` (the list was emptied, before it is filled anew).
    """

    feature_chosen = Signal(str, int)
    summary_shown = Signal(object)
    cleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("results")
        self.setHeaderLabels([tr("项目", "Item"), tr("值", "Value")])
        self.setWordWrap(True)  # long values wrap in the value column instead of "…"
        self.delegate = _WrappingDelegate(self)
        self.setItemDelegate(self.delegate)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        header = self.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.sectionResized.connect(lambda *_: self.scheduleDelayedItemsLayout())
        self.currentItemChanged.connect(self._current_changed)

    def clear(self) -> None:
        """Empty the list (and tell the dock)."""
        super().clear()
        self.cleared.emit()

    def show_identify(self, hits: list[tuple[Layer, int]]) -> None:
        """List identified features (the first 30) with their field labels and coded values.

        The first feature is the current item; choosing another emits ``feature_chosen``.
        """
        self.clear()
        for layer, row in hits[:MAX_IDENTIFIED]:
            data = layer.data
            head = QTreeWidgetItem(self, [layer.title, tr(f"第 {row + 1} 行", f"row {row + 1}")])
            head.setData(0, _ROLE_LAYER, layer.name)
            head.setData(0, _ROLE_ROW, int(row))
            for column in data.columns:
                if column == data.geometry.name:
                    continue
                spec = layer.schema.field_index.get(column) if layer.schema else None
                label = spec.label(language()) if spec else column
                value = coded_value_text(spec, data[column].iloc[row])
                item = QTreeWidgetItem(head, [label, value])
                item.setToolTip(1, plain_text.auto_text(value))
            head.setExpanded(len(hits) <= 3)
        self.fit_labels()
        first = self.topLevelItem(0)
        if first is not None:
            self.setCurrentItem(first)

    def fit_labels(self) -> None:
        """Make the label column as wide as its labels, but at most 45% of the width."""
        self.delegate.measuring = True
        natural = self.sizeHintForColumn(0)
        self.delegate.measuring = False
        most = max(80, int(self.viewport().width() * 0.45))
        self.setColumnWidth(0, min(max(natural, 60), most))

    def _current_changed(self, item: QTreeWidgetItem | None, _previous: object) -> None:
        while item is not None and item.parent() is not None:
            item = item.parent()
        name = item.data(0, _ROLE_LAYER) if item is not None else None
        if item is not None and name:
            self.feature_chosen.emit(str(name), int(item.data(0, _ROLE_ROW)))

    def show_summary(self, result: AnalysisResult) -> None:
        """List an analysis summary table (Chinese headers, units) under its title.

        One row per town (or station) under the title; its children are the columns, each
        value through the tasks' formatter (whole counts, percentages).
        """
        self.clear()
        head = QTreeWidgetItem(self, [result.title, "；".join(result.notes)])
        table = result.summary
        headers = table.headers()
        for row in table.formatted():
            item = QTreeWidgetItem(head, [row[0], ""])
            for header, value in zip(headers[1:], row[1:], strict=True):
                QTreeWidgetItem(item, [header, value])
        head.setExpanded(True)
        self.fit_labels()
        self.summary_shown.emit(result)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def fill_summary_table(table: QTableWidget, summary: SummaryTable) -> None:
    """Show a summary: its headers (Chinese, with units), its formatted values, numeric sort."""
    table.setSortingEnabled(False)
    table.clear()
    table.setColumnCount(len(summary.columns))
    table.setRowCount(len(summary.rows))
    table.setHorizontalHeaderLabels(summary.headers())
    for r, (row, texts) in enumerate(zip(summary.rows, summary.formatted(), strict=True)):
        for c, (column, text) in enumerate(zip(summary.columns, texts, strict=True)):
            item = SortItem(text)
            number = _number(row.get(column.key)) if column.kind != "text" else None
            item.setData(ROLE_SORT, number)
            if number is not None:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    table.setSortingEnabled(True)
    table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    table.resizeColumnsToContents()


class ResultsDock(QWidget):
    """The results dock's widget: identify scope and the results tree.

    It also owns the summary table of the last analysis (per town, Chinese headers), which
    the window shows in a bottom dock of its own, 分析汇总: five to ten columns need the
    window's width, not a side dock's.
    """

    def __init__(
        self, panel: ResultsPanel, canvas: MapCanvas, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("results_dock")
        self.panel = panel
        self.canvas = canvas
        self.scope = QComboBox()
        self.scope.setObjectName("identify_scope")
        self.scope.addItem(tr("最上层图层", "Topmost layer"), False)
        self.scope.addItem(tr("所有可见图层", "All visible layers"), True)
        self.scope.setToolTip(
            tr(
                "识别要素时：只列出点击处最上层可见图层的要素，或列出所有可见图层的要素",
                "Identify lists the topmost visible layer with a feature there, or every layer",
            )
        )
        every = str(settings().value(IDENTIFY_ALL_KEY, "false")).lower() == "true"
        self.scope.setCurrentIndex(1 if every else 0)
        canvas.identify_all_layers = every
        self.scope.currentIndexChanged.connect(self._scope_changed)
        self.table = QTableWidget()
        self.table.setObjectName("summary_table")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.clear_summary()
        bar = QHBoxLayout()
        bar.addWidget(plain_text.plain_label(tr("识别范围", "Identify")))
        bar.addWidget(self.scope, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(panel, 1)
        panel.cleared.connect(self._cleared)  # (and the highlight of an earlier identify)
        panel.summary_shown.connect(self._summary_shown)
        panel.feature_chosen.connect(canvas.set_highlight)

    def _scope_changed(self, _index: int) -> None:
        every = bool(self.scope.currentData())
        self.canvas.identify_all_layers = every
        settings().setValue(IDENTIFY_ALL_KEY, "true" if every else "false")

    def _cleared(self) -> None:
        self.canvas.set_highlight(None)  # the summary of the last analysis stays in its tab

    def clear_summary(self) -> None:
        """Empty the summary table; it says what will be listed there (a new project)."""
        self.table.setSortingEnabled(False)
        self.table.clear()
        self.table.setColumnCount(1)
        self.table.setRowCount(1)
        self.table.setHorizontalHeaderLabels([tr("分析汇总", "Analysis summary")])
        hint = QTableWidgetItem(
            tr(
                "尚无分析结果。运行“分析”菜单中的分析后，这里按镇（街道）列出汇总，点击表头可排序。",
                "No analysis yet. Run one from the Analysis menu: its summary per town is "
                "listed here; click a header to sort.",
            )
        )
        hint.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self.table.setItem(0, 0, hint)
        self.table.horizontalHeader().setStretchLastSection(True)

    def _summary_shown(self, result: AnalysisResult) -> None:
        fill_summary_table(self.table, result.summary)
