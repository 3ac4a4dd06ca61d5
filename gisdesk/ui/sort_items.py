"""Table cells that sort by a number, not by their text (``√93.2%``, ``12.5``, ``1,200``).

Text sorts ``100.0%`` before ``74.4%`` and ``290.4m²``; a :class:`SortItem` sorts by the number
it carries in :data:`ROLE_SORT`. Cells without a number stay at the bottom whichever way the
column is sorted.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidgetItem

__all__ = ["ROLE_SORT", "SortItem"]

ROLE_SORT = Qt.ItemDataRole.UserRole + 4
"""The item data role holding a cell's number (None: no number)."""


class SortItem(QTableWidgetItem):
    """A cell that sorts by the number in :data:`ROLE_SORT`; cells without one go last."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine, theirs = self.data(ROLE_SORT), other.data(ROLE_SORT)
        if mine is not None and theirs is not None:
            return float(mine) < float(theirs)
        if mine is None and theirs is None:
            return self.text() < other.text()
        # Qt sorts descending by asking other < self: answer so that no number comes last
        table = self.tableWidget()
        order = table.horizontalHeader().sortIndicatorOrder() if table is not None else None
        number_first = theirs is None
        return number_first if order != Qt.SortOrder.DescendingOrder else not number_first
