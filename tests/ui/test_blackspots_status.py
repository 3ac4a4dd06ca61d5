"""整治状态流转 in the window: it acts on the chosen segment only, step by step, with notes.

The widgets are driven as a user would: the 分析 → 事故多发路段 → 整治状态流转… action, the
segment chooser when nothing or several segments are selected, the status dialog's fields,
the new-segment form, the attribute table, and an administrator's correction.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
import shapely
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox

from gisdesk.core.editing import GEOMETRY, row_values
from gisdesk.ui.blackspots_lifecycle import (
    SEGMENTS,
    AdministratorsDialog,
    SegmentChooser,
    StatusDialog,
)
from gisdesk.ui.i18n import settings

SHOTS = Path(os.environ.get("GISDESK_SHOTS", tempfile.mkdtemp(prefix="gisdesk-shots-")))


def _shot(widget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert widget.grab().save(str(SHOTS / name))


def _fid(window, sid: str) -> int:
    layer = window.project.layer(SEGMENTS)
    row = int(layer.data.index[layer.data["segment_id"] == sid][0])
    return layer.fid_at(layer.data.index.get_loc(row))


def _row(window, sid: str):
    layer = window.project.layer(SEGMENTS)
    return layer.data[layer.data["segment_id"] == sid].iloc[0]


def _trigger_status(window) -> None:
    window.registry.actions["bs_status"].trigger()


@pytest.fixture
def errors(window, monkeypatch):
    """What the window told the user (error reports and refused edits' message boxes)."""
    shown: list[str] = []
    monkeypatch.setattr(window, "report_error", lambda _title, text, *_a: shown.append(text))
    monkeypatch.setattr(
        QMessageBox, "warning", staticmethod(lambda _parent, _title, text: shown.append(text))
    )
    return shown


@pytest.fixture
def dialogs(monkeypatch):
    """Records the dialogs opened by the action; each answers through ``answer``."""
    opened: dict[str, list] = {"chooser": [], "status": []}
    answers: dict[str, object] = {}

    def chooser_exec(self: SegmentChooser) -> int:
        opened["chooser"].append(self)
        return answers["chooser"](self)

    def status_exec(self: StatusDialog) -> int:
        opened["status"].append(self)
        return answers["status"](self)

    monkeypatch.setattr(SegmentChooser, "exec", chooser_exec)
    monkeypatch.setattr(StatusDialog, "exec", status_exec)
    opened["answers"] = answers  # type: ignore[assignment]
    return opened


def _cancel(dialog) -> int:
    dialog.reject()
    return QDialog.DialogCode.Rejected


def test_with_nothing_selected_it_asks_which_segment(window, dialogs, qtbot):
    layer = window.project.layer(SEGMENTS)
    layer.set_selection([])
    answers = dialogs["answers"]
    picked = _fid(window, "HM-SG-04")

    def pick(chooser: SegmentChooser) -> int:
        items = [chooser.segments.item(i).text() for i in range(chooser.segments.count())]
        assert len(items) == len(layer) and items[3].startswith("HM-SG-04")
        assert "没有选中路段" in chooser.prompt.text()
        ok = chooser.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert chooser.chosen() is None and not ok.isEnabled()  # nothing chosen for the user
        _shot(chooser, "segment_chooser.png")
        chooser.choose(picked)
        assert ok.isEnabled()
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        return chooser.result()

    answers["chooser"] = pick
    answers["status"] = _cancel
    _trigger_status(window)
    assert len(dialogs["chooser"]) == 1 and len(dialogs["status"]) == 1
    assert dialogs["status"][0].fid == picked
    assert "HM-SG-04" in dialogs["status"][0].windowTitle()

    # cancelling the chooser opens nothing and changes nothing
    answers["chooser"] = _cancel
    _trigger_status(window)
    assert len(dialogs["status"]) == 1
    assert "未选择路段" in window.statusBar().currentMessage()


def test_one_selected_opens_on_it_several_selected_ask_among_them(window, dialogs):
    layer = window.project.layer(SEGMENTS)
    answers = dialogs["answers"]
    answers["status"] = _cancel
    layer.set_selection([5])
    _trigger_status(window)
    assert dialogs["chooser"] == [] and dialogs["status"][0].fid == layer.fid_at(5)

    layer.set_selection([1, 6])

    def among(chooser: SegmentChooser) -> int:
        texts = [chooser.segments.item(i).text() for i in range(chooser.segments.count())]
        assert [t.split()[0] for t in texts] == ["HM-SG-02", "HM-SG-07"]
        assert "选中了 2 个路段" in chooser.prompt.text()
        return _cancel(chooser)

    answers["chooser"] = among
    _trigger_status(window)
    assert len(dialogs["chooser"]) == 1 and len(dialogs["status"]) == 1


def _step(window, qtbot, fid: int, day: QDate, notes: str, *, shot: str = "") -> StatusDialog:
    dialog = StatusDialog(window, fid)
    qtbot.addWidget(dialog)
    dialog.date.setDate(day)
    dialog.notes.insertPlainText(notes)  # typed (QTest types ASCII only)
    if shot:
        dialog.show()
        _shot(dialog, shot)
    dialog.accept()
    return dialog


def test_a_chosen_segment_walks_its_loop_with_dates_and_notes(window, qtbot, errors):
    fid = _fid(window, "HM-SG-04")
    others = window.project.layer(SEGMENTS).data.drop(index=3).copy()

    # 会商: the dialog asks for the minutes, the measures and the responsible unit
    dialog = StatusDialog(window, fid)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.target.currentText() == "下一步：会商"
    assert [dialog.target.itemText(i) for i in range(dialog.target.count())] == ["下一步：会商"]
    assert dialog.notes_label.text() == "会商纪要"
    assert dialog.form.isRowVisible(dialog.fields["measures"])
    assert dialog.form.isRowVisible(dialog.fields["responsible_unit"])
    assert "【排查 2022-03-02】 → 会商 → 整改" in dialog.steps.text()
    dialog.date.setDate(QDate(2022, 3, 20))
    dialog.fields["measures"].clear()
    dialog.accept()
    assert dialog.transaction is None and "须填写会商纪要" in dialog.error.text()
    dialog.notes.insertPlainText("交警大队、公路站、正余镇会商")
    dialog.accept()
    assert dialog.transaction is None and "须填写：整改措施" in dialog.error.text()
    dialog.fields["measures"].insert("增设减速带和区间测速")
    dialog.date.setDate(QDate(2022, 3, 1))
    dialog.accept()
    assert dialog.transaction is None and "早于" in dialog.error.text()
    dialog.date.setDate(QDate.currentDate().addDays(1))
    dialog.accept()
    assert dialog.transaction is None and "晚于今天" in dialog.error.text()
    dialog.date.setDate(QDate(2022, 3, 20))
    _shot(dialog, "status_dialog_review.png")
    dialog.accept()
    assert dialog.transaction is not None
    row = _row(window, "HM-SG-04")
    assert row["status"] == "会商" and row["measures"] == "增设减速带和区间测速"

    # 整改, 验收 and 销号, each with its notes; the form hides the fields they do not ask for
    shown = _step(
        window, qtbot, fid, QDate(2022, 5, 2), "减速带已安装", shot="status_dialog_fix.png"
    )
    assert shown.transaction is not None and shown.notes_label.text() == "整改完成情况"
    accepted = _step(window, qtbot, fid, QDate(2022, 6, 1), "")
    assert accepted.transaction is None and "须填写验收意见" in accepted.error.text()
    assert not accepted.form.isRowVisible(accepted.fields["responsible_unit"])
    assert _step(window, qtbot, fid, QDate(2022, 6, 1), "验收合格").transaction is not None
    closed = _step(window, qtbot, fid, QDate(2022, 7, 1), "海交安委〔2022〕12号")
    assert closed.transaction is not None
    last = StatusDialog(window, fid)
    qtbot.addWidget(last)
    assert last.target.itemText(0) == "退回：验收" and last.notes_label.text() == "退回原因"

    on_disk = pyogrio.read_dataframe(window.edits.store.path, layer=SEGMENTS)
    row = on_disk[on_disk["segment_id"] == "HM-SG-04"].iloc[0]
    assert row["status"] == "销号" and str(row["closed_date"])[:10] == "2022-07-01"
    assert str(row["reviewed_date"])[:10] == "2022-03-20"
    # no other segment moved
    after = window.project.layer(SEGMENTS).data.drop(index=3)
    assert after["status"].tolist() == others["status"].tolist()
    assert errors == []


def test_a_new_segment_starts_at_the_first_status(window, monkeypatch, errors):
    from gisdesk.ui.feature_form import FeatureForm, new_feature_values

    seen: dict = {}

    def look(form: FeatureForm) -> int:
        status = form.editors["status"]
        seen["status"] = (status.currentText(), status.isEnabled())
        closed = form.editors["closed_date"]
        seen["closed"] = (closed.present.isEnabled(), closed.value())
        form.show()
        _shot(form, "new_segment_form.png")
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(FeatureForm, "exec", look)
    new_feature_values(window, SEGMENTS, {"status": "销号"})
    assert seen["status"] == ("排查", False)  # 销号 asked for by a tool is not kept
    assert seen["closed"] == (False, None)  # left empty, cannot be ticked

    layer = window.project.layer(SEGMENTS)
    values = row_values(layer, 3)  # HM-SG-04, as plain values
    values.pop(GEOMETRY)
    values.update(segment_id="HM-SG-99", status="销号")
    line = shapely.LineString([(121.2, 31.9), (121.21, 31.9)])
    n = len(layer)
    assert window.edits.add_feature(SEGMENTS, line, values) is None
    assert len(layer) == n and "只能是“排查”" in errors[-1]

    # editing a status in the table or the attribute form is refused; other fields are not
    window.show_table(SEGMENTS)
    model = window.table.model
    status_col = model.columns.index("status")
    hazard_col = model.columns.index("hazard")
    assert not model.flags(model.index(3, status_col)) & Qt.ItemFlag.ItemIsEditable
    assert model.flags(model.index(3, hazard_col)) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(model.index(3, status_col), "销号")  # even when asked directly
    assert "整治状态流转" in errors[-1] and _row(window, "HM-SG-04")["status"] == "排查"
    assert model.setData(model.index(3, hazard_col), "视距不良")

    from gisdesk.ui.feature_form import attribute_form

    form = attribute_form(window, SEGMENTS, _fid(window, "HM-SG-04"))
    assert not form.editors["status"].isEnabled() and form.editors["measures"].isEnabled()
    form.deleteLater()


def test_an_administrator_corrects_a_status_with_the_reason_in_the_journal(window, qtbot, errors):
    settings().setValue("edit/user_name", "王科长")
    window.edits.editor.user = "王科长"
    fid = _fid(window, "HM-SG-02")  # 销号

    dialog = StatusDialog(window, fid)
    qtbot.addWidget(dialog)
    assert not dialog.correction.isEnabled()  # nobody is an administrator yet
    admins = AdministratorsDialog(window)
    qtbot.addWidget(admins)
    admins.names.setPlainText("王科长\n李主任")
    admins.accept()
    assert admins.result() == QDialog.DialogCode.Accepted

    dialog = StatusDialog(window, fid)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.correction.isEnabled()
    dialog.correction.setChecked(True)
    targets = [dialog.target.itemData(i) for i in range(dialog.target.count())]
    assert targets == ["排查", "会商", "整改", "验收"]
    dialog.target.setCurrentIndex(targets.index("整改"))
    assert dialog.notes_label.text() == "更正原因"
    dialog.date.setDate(QDate(2022, 8, 10))
    dialog.accept()
    assert dialog.transaction is None and "原因" in dialog.error.text()
    dialog.notes.insertPlainText("验收资料不全，误录为销号")
    _shot(dialog, "status_dialog_correction.png")
    dialog.accept()
    txn = dialog.transaction
    assert txn is not None
    row = _row(window, "HM-SG-02")
    assert row["status"] == "整改"
    assert pd.isna(row["accepted_date"]) and pd.isna(row["closed_date"])
    assert str(row["rectified_date"])[:10] == "2022-07-05"  # earlier steps keep their dates

    con = sqlite3.connect(window.edits.store.path)
    try:
        user, label = con.execute(
            "SELECT user, label_zh FROM gisdesk_edits WHERE txn = ?", (txn.id,)
        ).fetchone()
    finally:
        con.close()
    assert user == "王科长"
    assert label == "管理员更正整治状态 HM-SG-02：销号→整改（原因：验收资料不全，误录为销号）"

    # someone else may not change the list
    window.edits.editor.user = "张三"
    settings().setValue("edit/user_name", "张三")
    other = AdministratorsDialog(window)
    qtbot.addWidget(other)
    other.names.setPlainText("张三")
    other.accept()
    assert other.result() != QDialog.DialogCode.Accepted and "王科长" in other.error.text()
