"""The results dock: identified features and analysis summary tables, as plain text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from gisdesk.core.layer import Layer
from gisdesk.ui.attribute_table import coded_value_text
from gisdesk.ui.i18n import language, tr

if TYPE_CHECKING:
    from gisdesk.ui.analysis_dialogs import AnalysisResult

__all__ = ["MAX_IDENTIFIED", "ResultsPanel"]

MAX_IDENTIFIED = 30


class ResultsPanel(QTreeWidget):
    """A two-column tree (item, value) under the 查询与分析结果 dock."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("results")
        self.setHeaderLabels([tr("项目", "Item"), tr("值", "Value")])
        self.setColumnWidth(0, 180)

    def show_identify(self, hits: list[tuple[Layer, int]]) -> None:
        """List identified features (the first 30) with their field labels and coded values."""
        self.clear()
        for layer, row in hits[:MAX_IDENTIFIED]:
            data = layer.data
            head = QTreeWidgetItem(self, [layer.title, tr(f"第 {row + 1} 行", f"row {row + 1}")])
            for column in data.columns:
                if column == data.geometry.name:
                    continue
                spec = layer.schema.field_index.get(column) if layer.schema else None
                label = spec.label(language()) if spec else column
                QTreeWidgetItem(head, [label, coded_value_text(spec, data[column].iloc[row])])
            head.setExpanded(len(hits) <= 3)

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
