"""The plan-targets dashboard: targets down, the district and towns across, coloured status.

The dashboard is the window's form for :class:`gisdesk.tasks.targets.TargetsRequest` (the
``gisdesk targets`` command is the other): "评估" asks the window to run that request
through the task registry, and the task's Result comes back to :meth:`show_result`.
Clicking a cell selects the features that make the gap (e.g. the uncovered villages) and
zooms the map to them. The date starts at the plan's deadline (the day most targets are due
by), so a finished plan reads as met or missed on its own terms, not as late by today. A
legend names the marks (√ ○ △ × -); "-" is the one mark for no data, and a blank cell is a
target that leaves that town out. Cells sort by their numbers (a click on a header), the target
column by the plan's order. "记录本次评估" stores a dated snapshot in the project; the history tab
lists the snapshots; both export to Excel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gisdesk.analysis.targets import (
    STATUS_COLOURS,
    STATUS_SYMBOLS,
    history_frame,
    record_evaluation,
    wide_frame,
)
from gisdesk.analysis.targets.display import district_count
from gisdesk.core.project import Project
from gisdesk.tasks.base import ProjectSource
from gisdesk.tasks.targets import TargetsRequest, plan_as_of
from gisdesk.ui import plain_text
from gisdesk.ui.history_chart import HistoryChart
from gisdesk.ui.i18n import language, tr
from gisdesk.ui.output_paths import ask_save_path, refuse_project_output
from gisdesk.ui.sort_items import ROLE_SORT, SortItem

if TYPE_CHECKING:
    from gisdesk.analysis.targets import TargetEvaluation
    from gisdesk.tasks import Result

__all__ = ["TargetDashboard"]

ROLE_TARGET = Qt.ItemDataRole.UserRole + 1
ROLE_UNIT = Qt.ItemDataRole.UserRole + 2
ROLE_STATUS = Qt.ItemDataRole.UserRole + 3
FIXED_COLUMNS = 3  # id, title, requirement
NOT_JUDGED = ("不适用：目标不含该镇", "Not applicable: the target leaves this town out")


def legend_entries() -> list[tuple[str, str, str]]:
    """Return the dashboard legend: (mark, label, background colour) per status, then blank."""
    entries = [
        (STATUS_SYMBOLS[status], tr(*_STATUS_TEXT[status]), "#" + STATUS_COLOURS[status])
        for status in _STATUS_TEXT
    ]
    entries.append((tr("空白", "blank"), tr(*NOT_JUDGED), "#ffffff"))
    return entries


class TargetDashboard(QWidget):
    """The dashboard dock's widget.

    Signals: ``evaluate_requested(TargetsRequest)`` (the window runs it in a worker),
    ``gap_requested(str, str)`` (target id, unit: select and zoom to the gap).
    """

    evaluate_requested = Signal(object)
    gap_requested = Signal(str, str)
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.evaluation: TargetEvaluation | None = None
        self.result: Result | None = None
        self.on_modified: Callable[[], None] | None = None
        self.as_of = QDateEdit(QDate.currentDate())
        self.as_of.setObjectName("targets_as_of")
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("yyyy-MM-dd")
        self.as_of.setToolTip(
            tr(
                "按此日期判断各目标：默认为规划截止日期（多数目标的期限），而不是今天",
                "Targets are judged as of this date: by default the plan's deadline, not today",
            )
        )
        self.department = QComboBox()
        self.department.addItem(tr("全部部门", "All departments"), "")
        self.department.currentIndexChanged.connect(lambda _i: self._fill())
        self.evaluate_button = QPushButton(tr("评估", "Evaluate"))
        self.evaluate_button.clicked.connect(lambda: self.evaluate_requested.emit(self.request()))
        self.record_button = QPushButton(tr("记录本次评估", "Record evaluation"))
        self.record_button.clicked.connect(self.record)
        self.export_button = QPushButton(tr("导出 Excel…", "Export Excel…"))
        self.export_button.clicked.connect(self._ask_export)
        self.summary = plain_text.plain_label(tr("尚未评估", "Not evaluated yet"))
        self.table = QTableWidget()
        self.table.setObjectName("targets_table")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.cellClicked.connect(self._cell_clicked)
        self.legend = self._legend()
        self.history = QTableWidget()
        self.history.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.chart = HistoryChart()
        history_page = QWidget()
        history_layout = QVBoxLayout(history_page)
        history_layout.setContentsMargins(0, 0, 0, 0)
        history_layout.addWidget(self.chart, 1)
        history_layout.addWidget(self.history, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.table, tr("目标 × 镇", "Targets × towns"))
        self.tabs.addTab(history_page, tr("历次评估", "History"))
        bar = QHBoxLayout()
        for widget in (
            QLabel(tr("评估日期", "As of")),
            self.as_of,
            self.department,
            self.evaluate_button,
            self.record_button,
            self.export_button,
        ):
            bar.addWidget(widget)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.legend)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs)
        self.record_button.setEnabled(False)
        self.export_button.setEnabled(False)

    def _legend(self) -> QWidget:
        legend = QWidget()
        legend.setObjectName("targets_legend")
        row = QHBoxLayout(legend)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(plain_text.plain_label(tr("图例：", "Legend:")))
        for mark, label, colour in legend_entries():
            swatch = plain_text.plain_label(mark)
            swatch.setObjectName("legend_mark")
            swatch.setAlignment(Qt.AlignmentFlag.AlignCenter)
            swatch.setMinimumWidth(24)
            swatch.setStyleSheet(f"background:{colour}; border:1px solid #b0b0b0; padding:0 4px")
            row.addWidget(swatch)
            row.addWidget(plain_text.plain_label(label))
            row.addSpacing(8)
        row.addStretch(1)
        return legend

    def set_project(self, project: Project | None) -> None:
        """Show a project's targets (cleared until evaluated), dated at the plan's deadline."""
        self.project = project
        deadline = plan_as_of(ProjectSource(project)) if project is not None else None
        day = QDate(deadline.year, deadline.month, deadline.day) if deadline else None
        self.as_of.setDate(day or QDate.currentDate())
        self.evaluation = None
        self.result = None
        self.table.clear()
        self.table.setRowCount(0)
        self.summary.setText(tr("尚未评估", "Not evaluated yet"))
        self.record_button.setEnabled(False)
        self.export_button.setEnabled(False)
        self._fill_history()

    def request(self, as_of: dt.date | TargetsRequest | None = None) -> TargetsRequest:
        """Return the Request the dashboard describes (the date shown, or ``as_of``)."""
        if isinstance(as_of, TargetsRequest):
            return as_of  # already a request (e.g. from the 评估 button)
        day = as_of if as_of is not None else self.as_of.date().toPython()
        return TargetsRequest(as_of=day)  # type: ignore[arg-type]

    def show_result(self, result: Result) -> None:
        """Show a targets task's Result: its evaluation, tally and notes."""
        self.result = result
        self.show_evaluation(result.extras["evaluation"])
        notes = [note.show(language()) for note in result.notes]
        if notes:
            self.summary.setText("\n".join([self.summary.text(), *notes]))

    def show_evaluation(self, evaluation: TargetEvaluation) -> None:
        """Show an evaluation's statuses."""
        self.evaluation = evaluation
        departments = sorted({t.department for t in evaluation.targets if t.department})
        current = self.department.currentData()
        self.department.blockSignals(True)
        self.department.clear()
        self.department.addItem(tr("全部部门", "All departments"), "")
        for d in departments:
            self.department.addItem(d, d)
        self.department.setCurrentIndex(max(0, self.department.findData(current)))
        self.department.blockSignals(False)
        counts = evaluation.table.drop_duplicates("target_id").copy()
        tally = evaluation.target_status()["status"].value_counts()
        parts = [f"{tr(*_STATUS_TEXT[s])} {int(tally.get(s, 0))}" for s in _STATUS_TEXT]
        self.summary.setText(
            tr(f"{len(counts)} 项目标：", f"{len(counts)} targets: ") + "，".join(parts)
        )
        self.record_button.setEnabled(True)
        self.export_button.setEnabled(True)
        self._fill()

    def _fill(self) -> None:
        ev = self.evaluation
        if ev is None:
            return
        lang = language()
        wide = wide_frame(ev, lang=lang)
        records = {(r["target_id"], str(r["unit"])): r for r in ev.table.to_dict("records")}
        target_units = {t.id: t.unit or "" for t in ev.targets}
        order = {t.id: i for i, t in enumerate(ev.targets)}
        department = self.department.currentData()
        wanted = {t.id for t in ev.targets if not department or t.department == department}
        wide = wide[wide.iloc[:, 0].isin(wanted)].reset_index(drop=True)
        units = list(wide.columns[FIXED_COLUMNS:])
        self.table.setSortingEnabled(False)  # rows stay put while they are filled
        self.table.clear()
        self.table.setColumnCount(len(wide.columns))
        self.table.setRowCount(len(wide))
        self.table.setHorizontalHeaderLabels([str(c) for c in wide.columns])
        district_zh = "全区"
        for r, row in enumerate(wide.itertuples(index=False)):
            target_id = str(row[0])
            for c, value in enumerate(row):
                item = SortItem("" if value is None else str(value))
                if c == 0:
                    item.setData(ROLE_SORT, order.get(target_id))  # the plan's order
                if c >= FIXED_COLUMNS:
                    unit = str(units[c - FIXED_COLUMNS])
                    key_unit = district_zh if c == FIXED_COLUMNS else unit
                    self._judge_cell(item, records.get((target_id, key_unit)), lang)
                    item.setData(ROLE_TARGET, target_id)
                    item.setData(ROLE_UNIT, key_unit)
                    rec = records.get((target_id, key_unit))
                    item.setData(ROLE_SORT, _sort_number(rec, target_units.get(target_id, "")))
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(r, c, item)
        self.table.setSortingEnabled(True)  # re-applies the user's sort, if any
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(1, min(self.table.columnWidth(1), 260))
        self.table.setColumnWidth(2, min(self.table.columnWidth(2), 160))

    @staticmethod
    def _judge_cell(item: QTableWidgetItem, record: Mapping[Any, Any] | None, lang: str) -> None:
        """Colour a status cell and explain it in its tooltip (a blank: not judged per town)."""
        if record is None:
            item.setData(ROLE_STATUS, "")
            item.setToolTip(tr(*NOT_JUDGED))
            return
        st = str(record["status"])
        item.setData(ROLE_STATUS, st)
        if st in STATUS_COLOURS:
            item.setBackground(QBrush(QColor("#" + STATUS_COLOURS[st])))
        explanation = record.get(f"explanation_{'zh' if lang == 'zh' else 'en'}")
        head = tr(*_STATUS_TEXT.get(st, (st, st)))
        tip = f"{head}：{explanation}" if explanation else head
        item.setToolTip(plain_text.auto_text(str(tip)))

    def column_numbers(self, unit: str) -> list[tuple[str, float | None]]:
        """Return (target id, sort number) down a unit's column, in the order shown."""
        out: list[tuple[str, float | None]] = []
        for r in range(self.table.rowCount()):
            head = self.table.item(r, 0)
            for c in range(FIXED_COLUMNS, self.table.columnCount()):
                item = self.table.item(r, c)
                if head is not None and item is not None and item.data(ROLE_UNIT) == unit:
                    number = item.data(ROLE_SORT)
                    out.append((head.text(), None if number is None else float(number)))
        return out

    def cell_text(self, target_id: str, unit: str) -> str | None:
        """Return the text of a cell (for tests and for reading the table back)."""
        for r in range(self.table.rowCount()):
            head = self.table.item(r, 0)
            if head is None or head.text() != target_id:
                continue
            for c in range(FIXED_COLUMNS, self.table.columnCount()):
                item = self.table.item(r, c)
                if item is not None and item.data(ROLE_UNIT) == unit:
                    return item.text()
        return None

    def _cell_clicked(self, row: int, column: int) -> None:
        item = self.table.item(row, column)
        if item is None or column < FIXED_COLUMNS or not item.data(ROLE_TARGET):
            return
        target, unit = str(item.data(ROLE_TARGET)), str(item.data(ROLE_UNIT))
        self.show_progress(target, unit)
        self.gap_requested.emit(target, unit)

    def show_progress(self, target_id: str, unit: str) -> None:
        """Chart a target's recorded values for the district and one unit."""
        if self.project is None:
            return
        units = ["全区"] if unit == "全区" else ["全区", unit]
        self.chart.set_history(history_frame(self.project), target_id, units)

    def record(self) -> None:
        """Store the shown evaluation as a dated snapshot in the project."""
        if self.project is None or self.evaluation is None:
            return
        record_evaluation(self.project, self.evaluation, dt.datetime.now())
        if self.on_modified is not None:
            self.on_modified()
        self._fill_history()
        self.message.emit(
            tr("已记录本次评估（保存项目后生效）", "Evaluation recorded (save the project)")
        )

    def _fill_history(self) -> None:
        frame = history_frame(self.project) if self.project is not None else pd.DataFrame()
        self.history.clear()
        self.history.setRowCount(len(frame))
        self.history.setColumnCount(len(frame.columns))
        self.history.setHorizontalHeaderLabels([str(c) for c in frame.columns])
        for r, row in enumerate(frame.itertuples(index=False)):
            for c, value in enumerate(row):
                text = NO_DATA if _missing(value) else str(value)
                self.history.setItem(r, c, QTableWidgetItem(text))

    def export(self, path: Path) -> Path:
        """Write the evaluation and the history to an Excel workbook."""
        from gisdesk.analysis.targets import status_fills, workbook_sheets
        from gisdesk.io.targets import write_targets_xlsx

        assert self.evaluation is not None
        history = history_frame(self.project) if self.project is not None else None
        sheets = workbook_sheets(self.evaluation, history=history, lang=language())
        return write_targets_xlsx(path, sheets, fills=status_fills(language()))

    def _ask_export(self) -> None:
        path = ask_save_path(
            self, tr("导出目标评估", "Export targets"), "目标评估.xlsx", "Excel (*.xlsx)"
        )
        if path is not None and not refuse_project_output(self, self.project, path):
            self.export(path)
            self.message.emit(tr(f"已导出到 {path}", f"Exported to {path}"))


NO_DATA = STATUS_SYMBOLS["no_data"]
"""The one mark for "no data" in the dashboard's tables."""


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _sort_number(record: Mapping[Any, Any] | None, target_unit: str) -> float | None:
    """The number a cell shows (towns meeting for a district count), None for no data."""
    if record is None or record["status"] == "no_data":
        return None
    counted = district_count(record, target_unit)
    if counted is not None:
        return float(counted[0])
    value = record["value"]
    return None if _missing(value) else float(value)


_STATUS_TEXT = {
    "met": ("达标", "met"),
    "on_track": ("进度正常", "on track"),
    "at_risk": ("有风险", "at risk"),
    "missed": ("未达标", "missed"),
    "no_data": ("无数据", "no data"),
}
