"""The 分析汇总 table shows the text of the data as it is: markup, formulas and control
characters in a town's name are never rendered or run, and counts and shares still sort as
numbers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget

from gisdesk.tasks.base import Column, SummaryTable
from gisdesk.ui.results_panel import fill_summary_table
from gisdesk.ui.sort_items import ROLE_SORT

HOSTILE = (
    "<b>粗体镇</b>",
    "<img src=x onerror=alert(1)>",
    '=HYPERLINK("http://x","点我")',
    "{{ 7*7 }}",
    "行一\n行二",
)


def test_hostile_town_names_are_shown_literally_and_numbers_sort(qtbot) -> None:
    columns = (
        Column("town", "镇（街道）", "Town"),
        Column("villages", "村数", "Villages", "count"),
    )
    rows = tuple(
        {"town": name, "villages": n} for n, name in zip((9, 10, 2, 30, 1), HOSTILE, strict=True)
    )
    table = QTableWidget()
    qtbot.addWidget(table)
    fill_summary_table(table, SummaryTable(columns, rows))
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == list(HOSTILE)
    for r in range(table.rowCount()):
        assert table.item(r, 0).data(Qt.ItemDataRole.DisplayRole) == HOSTILE[r]
    table.sortItems(1, Qt.SortOrder.AscendingOrder)
    assert [table.item(r, 1).data(ROLE_SORT) for r in range(5)] == [1, 2, 9, 10, 30]
    assert [table.item(r, 1).text() for r in range(5)] == ["1", "2", "9", "10", "30"]
