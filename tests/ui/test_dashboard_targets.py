"""The targets dashboard on the sample: dated at the plan's deadline, a legend, one mark for
no data, counts for count targets, cells that sort by their numbers."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QLabel

from gisdesk.ui.dashboard import FIXED_COLUMNS, ROLE_STATUS, ROLE_UNIT


def _evaluate(window, qtbot):
    dash = window.dashboard
    qtbot.mouseClick(dash.evaluate_button, Qt.MouseButton.LeftButton)  # 评估
    qtbot.waitUntil(lambda: dash.evaluation is not None, timeout=120_000)
    return dash


def test_the_date_starts_at_the_plans_deadline_not_today(window, qtbot):
    dash = window.dashboard
    assert dash.as_of.date() == QDate(2022, 12, 31)
    assert "规划截止日期" in dash.as_of.toolTip()
    _evaluate(window, qtbot)
    assert dash.evaluation.as_of.isoformat() == "2022-12-31"
    assert "达标 7" in dash.summary.text()  # as of the deadline, not "all missed by today"


def test_the_legend_names_every_mark(window):
    legend = window.dashboard.legend
    texts = [label.text() for label in legend.findChildren(QLabel)]
    marks = [label.text() for label in legend.findChildren(QLabel, "legend_mark")]
    assert marks == ["√", "○", "△", "×", "-", "空白"]
    for label in ("达标", "进度正常", "有风险", "未达标", "无数据", "不适用：目标不含该镇"):
        assert label in texts


def test_no_data_is_one_mark_and_count_targets_count_towns(window, qtbot):
    dash = _evaluate(window, qtbot)
    assert dash.cell_text("ROAD-4", "全区") == "×0/12镇"  # not ×0.0%
    assert dash.cell_text("ROAD-8", "全区") == "×11/12镇"
    assert dash.cell_text("ROAD-8", "悦来镇") == "×0个"
    table, seen = dash.table, set()
    for r in range(table.rowCount()):
        for c in range(FIXED_COLUMNS, table.columnCount()):
            item = table.item(r, c)
            status, text = item.data(ROLE_STATUS), item.text()
            seen.add(status)
            if status == "no_data":
                assert text == "-", (table.item(r, 0).text(), item.data(ROLE_UNIT))
            elif status == "":  # the target leaves this town out
                assert text == "" and item.toolTip() == "不适用：目标不含该镇"
            else:
                assert text[:1] in "√○△×" and text != "-"
                assert item.toolTip().startswith(("达标", "进度正常", "有风险", "未达标"))
    assert {"no_data", "", "met", "missed"} <= seen


def test_clicking_a_header_sorts_by_the_numbers(window, qtbot):
    dash = _evaluate(window, qtbot)
    table = dash.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    column = headers.index("海门街道")
    header = table.horizontalHeader()

    def click_header():
        x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=_point(x, 5))

    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        click_header()
        if header.sortIndicatorOrder() != order:
            click_header()
        assert header.sortIndicatorSection() == column and header.sortIndicatorOrder() == order
        numbers = [n for _t, n in dash.column_numbers("海门街道")]
        known = [n for n in numbers if n is not None]
        assert len(known) > 10
        assert numbers[: len(known)] == known  # no number: at the bottom either way
        assert known == sorted(known, reverse=order == Qt.SortOrder.DescendingOrder)
    # text order would put 290.4 m² before 74.4% before 100.0%; the numbers do not
    assert known[0] == max(known) and 290.0 < known[0] < 291.0
    # the target column sorts back to the plan's order
    ids = [t.id for t in dash.evaluation.targets]
    table.sortItems(0, Qt.SortOrder.AscendingOrder)
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == ids


def _point(x, y):
    from PySide6.QtCore import QPoint

    return QPoint(int(x), int(y))


def test_the_history_marks_no_data_the_same_way(window, qtbot):
    dash = _evaluate(window, qtbot)
    dash.record()
    history = dash.history
    headers = [history.horizontalHeaderItem(c).text() for c in range(history.columnCount())]
    value = headers.index("value") if "value" in headers else headers.index("现值")
    texts = [history.item(r, value).text() for r in range(history.rowCount())]
    assert "-" in texts and "" not in texts  # no-data targets: "-", never a blank
