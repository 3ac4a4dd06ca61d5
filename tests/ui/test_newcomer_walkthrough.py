"""A newcomer's walk through everyday work, with the real window and its real dialogs.

On a copy of the sample project: (a) filter the villages by 户数 > 1500, from the filter bar
and from the expression builder, the title showing shown / total; (b) choose one black-spot
segment in the attribute table and advance it 排查 → 会商 → 整改 → 验收 → 销号 through 分析 →
整治状态流转… with the date and notes each step needs, and with nothing selected the command
asks which segment; (c) run 分析 → 国省道监控卡口间距检查… and find the result layer and table.

Dialogs open modally (``exec``) as they do for a user and are answered through their widgets
when they appear. Each step grabs the window (and the dialog) to PNG in ``GISDESK_SHOTS`` (a
temporary folder when unset) for a person to look at; nothing compares pixels. Under a real X
server (``xvfb-run -a -s "-screen 0 1600x1000x24"`` with ``QT_QPA_PLATFORM=xcb``) the grab is of
the screen, dialogs over the window.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyogrio
import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QWidget

from gisdesk.ui.blackspots_lifecycle import SEGMENTS
from gisdesk.ui.expression_builder import ExpressionBuilder

SHOTS = Path(os.environ.get("GISDESK_SHOTS", tempfile.mkdtemp(prefix="gisdesk-shots-")))
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def newcomer(qtbot, sample_path, tmp_path):
    """The window, as a newcomer sees it, on the test's own copy of the sample project."""
    from gisdesk.render.fonts import cjk_font
    from gisdesk.ui.main_window import MainWindow

    path = tmp_path / "haimen.gpkg"
    shutil.copy(sample_path, path)
    QApplication.instance().setFont(cjk_font(9.0))
    win = MainWindow()
    win.resize(1500, 920)
    win.show()
    win.open_path(path, wait=True)
    assert win.project is not None and win.canvas.wait_for_frame()
    yield win
    win.undo.clear()
    win.modified = False
    win.close()
    win.deleteLater()


def shot(window: QWidget, name: str, dialog: QWidget | None = None) -> None:
    """Save what the user sees: the screen under X, else the window (and the dialog)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    if QApplication.platformName() == "xcb":
        image = window.screen().grabWindow(0)
    else:
        image = window.grab()
        if dialog is not None:
            assert dialog.grab().save(str(SHOTS / name.replace(".png", "_dialog.png")))
    assert not image.isNull() and image.save(str(SHOTS / name))


def when_open(match: Callable[[QWidget], bool], answer: Callable[[QDialog], None]) -> list:
    """Answer the next modal dialog ``match`` accepts through its widgets, once it shows.

    A failing answer closes the dialog (so ``exec`` returns) and is kept in the returned list
    for :func:`answered` to raise.
    """
    outcome: list = []

    def look() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or not match(dialog) or not dialog.isVisible():
            QTimer.singleShot(20, look)
            return
        try:
            answer(dialog)
            outcome.append("answered")
        except BaseException as exc:  # close it, or exec() would wait for ever
            outcome.append(exc)
            dialog.reject()

    QTimer.singleShot(0, look)
    return outcome


def answered(outcome: list) -> None:
    """Raise what went wrong inside a dialog's answer; fail when it never opened."""
    assert outcome, "the dialog did not open"
    if isinstance(outcome[0], BaseException):
        raise outcome[0]


def named(name: str) -> Callable[[QWidget], bool]:
    return lambda widget: widget.objectName() == name


def ok_button(dialog: QDialog):
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


def trigger(window, key: str) -> None:
    window.registry.actions[key].trigger()


def households_over(window, n: int) -> int:
    data = window.project.layer("villages").data
    return int((data["households"] > n).sum())


def test_filter_villages_by_households(newcomer, qtbot):
    window = newcomer
    window.layer_tree.select_layer("villages")
    trigger(window, "attribute_table")  # 图层 → 打开属性表 (F6)
    table = window.table
    total = len(window.project.layer("villages"))
    assert table.title.text() == f"村（社区）（{total}）"
    expected = households_over(window, 1500)  # 0 in the sample (its largest village: 1497)
    assert expected < total

    # from the filter bar: the field list inserts the label the table shows
    field = table.picker.field
    index = field.findText("户数（户）")
    field.setCurrentIndex(index)
    field.activated.emit(index)
    assert table.filter_edit.text() == "户数"
    table.filter_edit.end(False)
    qtbot.keyClicks(table.filter_edit, " > 1500")
    qtbot.mouseClick(table.filter_button, LEFT)
    assert table.model.rowCount() == expected
    assert table.title.text() == f"村（社区）（{expected} / {total}）"
    shot(window, "a1_filter_bar.png")

    # from the expression builder (表达式…), a new filter built by clicks and typing
    table.filter_edit.clear()
    qtbot.mouseClick(table.filter_button, LEFT)
    assert table.title.text() == f"村（社区）（{total}）"

    def build(builder: QDialog) -> None:
        assert isinstance(builder, ExpressionBuilder)
        labels = [builder.fields.item(i).text() for i in range(builder.fields.count())]
        households = builder.fields.item(labels.index("户数（户）"))
        builder.fields.setCurrentItem(households)
        builder.fields.itemDoubleClicked.emit(households)
        qtbot.mouseClick(builder.operator_buttons[">"], LEFT)
        qtbot.keyClicks(builder.editor, "1500")
        assert builder.expression() == "户数 > 1500"
        assert builder.preview.text() == f"{expected} 个要素匹配（共 {total} 个）"
        shot(window, "a2_expression_builder.png", builder)
        for _ in "1500":  # then a bound some villages pass
            qtbot.keyClick(builder.editor, Qt.Key.Key_Backspace)
        qtbot.keyClicks(builder.editor, "1400")
        assert builder.preview.text() == f"{over_1400} 个要素匹配（共 {total} 个）"
        shot(window, "a3_expression_builder_1400.png", builder)
        qtbot.mouseClick(ok_button(builder), LEFT)

    over_1400 = households_over(window, 1400)
    assert 0 < over_1400 < total
    outcome = when_open(lambda w: isinstance(w, ExpressionBuilder), build)
    qtbot.mouseClick(table.builder_button, LEFT)
    answered(outcome)
    assert table.filter_edit.text() == "户数 > 1400"
    assert table.title.text() == f"村（社区）（{over_1400} / {total}）"
    column = table.model.columns.index("households")
    shown = [
        int(table.model.data(table.model.index(r, column))) for r in range(table.model.rowCount())
    ]
    assert len(shown) == over_1400 and min(shown) > 1400
    shot(window, "a4_filtered_by_builder.png")


STEPS = (  # the status reached, its date, notes, and the fields 会商 asks for
    ("会商", QDate(2022, 3, 20), "交警大队、公路站、镇政府现场会商", "增设减速带和区间测速"),
    ("整改", QDate(2022, 5, 2), "减速带和测速设备已安装", None),
    ("验收", QDate(2022, 6, 1), "验收合格", None),
    ("销号", QDate(2022, 7, 1), "海交安委〔2022〕12号", None),
)


def test_with_nothing_selected_the_lifecycle_asks_which_segment(newcomer, qtbot):
    window = newcomer
    layer = window.project.layer(SEGMENTS)
    before = layer.data["status"].tolist()
    layer.set_selection([])

    def look_and_cancel(chooser: QDialog) -> None:
        assert "没有选中路段" in chooser.prompt.text()
        assert chooser.segments.count() == len(layer) and chooser.chosen() is None
        assert not ok_button(chooser).isEnabled()
        shot(window, "b0_which_segment.png", chooser)
        chooser.reject()

    outcome = when_open(named("segment_chooser"), look_and_cancel)
    trigger(window, "bs_status")
    answered(outcome)
    assert "未选择路段，状态未变" in window.statusBar().currentMessage()
    assert layer.data["status"].tolist() == before


def test_one_chosen_segment_walks_its_lifecycle(newcomer, qtbot):
    window = newcomer
    layer = window.project.layer(SEGMENTS)
    data = layer.data
    row = int(np.flatnonzero((data["status"] == "排查").to_numpy())[0])
    sid = str(data["segment_id"].iloc[row])
    fid = layer.fid_at(row)
    others = data.drop(index=data.index[row])["status"].tolist()

    # choose the segment in its attribute table, as a user clicks a row
    window.layer_tree.select_layer(SEGMENTS)
    trigger(window, "attribute_table")
    view = window.table.view
    view_row = next(
        r
        for r in range(window.table.model.rowCount())
        if window.table.model.data(
            window.table.model.index(r, window.table.model.columns.index("segment_id"))
        )
        == sid
    )
    rect = view.visualRect(window.table.model.index(view_row, 1))
    qtbot.mouseClick(view.viewport(), LEFT, pos=rect.center())
    assert list(layer.selection) == [row]
    shot(window, "b1_segment_selected.png")

    for status, day, notes, measures in STEPS:

        def step(dialog: QDialog, status=status, day=day, notes=notes, measures=measures):
            assert dialog.fid == fid and sid in dialog.windowTitle()
            assert dialog.target.currentText() == f"下一步：{status}"
            ok = ok_button(dialog)
            qtbot.mouseClick(ok, LEFT)  # nothing filled in: the dialog says what is missing
            assert dialog.isVisible() and "须填写" in dialog.error.text()
            dialog.date.setDate(day)
            dialog.notes.insertPlainText(notes)  # (QTest types Latin-1 only)
            if measures is not None:
                dialog.fields["measures"].setText(measures)
                dialog.fields["responsible_unit"].setText("海门区公安局交警大队")
            shot(window, f"b2_status_{status}.png", dialog)
            qtbot.mouseClick(ok, LEFT)
            assert not dialog.isVisible(), dialog.error.text()

        outcome = when_open(named("status_dialog"), step)
        trigger(window, "bs_status")  # 分析 → 事故多发路段 → 整治状态流转…
        answered(outcome)
        assert layer.data["status"].iloc[row] == status

    on_disk = pyogrio.read_dataframe(window.edits.store.path, layer=SEGMENTS)
    saved = on_disk[on_disk["segment_id"] == sid].iloc[0]
    assert saved["status"] == "销号" and str(saved["closed_date"])[:10] == "2022-07-01"
    assert saved["measures"] == "增设减速带和区间测速"
    after = layer.data.drop(index=layer.data.index[row])["status"].tolist()
    assert after == others  # no other segment moved
    shot(window, "b3_closed.png")


def test_camera_gap_check_from_the_analysis_menu(newcomer, qtbot):
    window = newcomer
    menu = window.registry.menus["analysis"]
    action = next(a for a in menu.actions() if a.text() == "国省道监控卡口间距检查…")

    def start(dialog: QDialog) -> None:
        assert dialog.windowTitle() == "国省道监控卡口间距检查"
        assert dialog.max_gap_km.value() == 10.0
        shot(window, "c1_camera_gaps_dialog.png", dialog)
        ok = ok_button(dialog)
        assert ok.text() == "开始检查"
        qtbot.mouseClick(ok, LEFT)

    outcome = when_open(named("camera_gaps_dialog"), start)
    action.trigger()
    answered(outcome)
    qtbot.waitUntil(lambda: window.task is None and "camera_gaps" in window.project, timeout=60_000)
    layer = window.project.layer("camera_gaps")
    assert layer.visible and window.project.layers[-1].name == "camera_gaps"
    table = window.results_dock.table
    assert window.docks["results"].isVisible() and table.rowCount() > 0
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers[:4] == ["道路", "道路等级", "长度（千米）", "最长间距（千米）"]
    assert sorted(table.item(r, 0).text() for r in range(table.rowCount())) == sorted(
        layer.data["road"].unique()
    )
    assert window.canvas.wait_for_frame()
    shot(window, "c2_camera_gaps_result.png")
    # the layer's features are listed in its attribute table too
    window.layer_tree.select_layer("camera_gaps")
    trigger(window, "attribute_table")
    assert window.table.model.rowCount() == len(layer)
    shot(window, "c3_camera_gaps_table.png")
