"""The window's edit controller: refusals reported Chinese first, a driver's text as details;
a new field's column as part of one undo step; refusals a dialog shows itself."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtGui import QUndoStack

from gisdesk.core.errors import GisdeskError, InputError
from gisdesk.io.project_store import open_project
from gisdesk.ui.editing import EditController


class OperationalError(Exception):
    """Stands for psycopg's exception: drivers are recognised by the module of the type."""


OperationalError.__module__ = "psycopg"


class BrokenServer:
    """A server store whose connection drops on every write."""

    def apply(self, txn):
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError as exc:
            raise GisdeskError(
                f"修改未保存到服务器：{exc}", f"The edit was not saved on the server: {exc}"
            ) from exc

    def transactions(self):
        return []


@pytest.fixture
def controller(qtbot, project_file):
    undo = QUndoStack()
    edits = EditController(undo)
    project = open_project(project_file)
    edits.attach(project)
    assert edits.store is not None  # edits go straight into the test's own file
    yield edits
    edits.detach()


def _columns(edits: EditController, table: str) -> list[str]:
    with sqlite3.connect(edits.store.path) as con:
        return [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]


def test_a_driver_failure_is_reported_in_words_with_the_driver_text_as_details(controller):
    edits = controller
    edits.editor.stores["villages"] = BrokenServer()
    told: list[tuple[str, str, str]] = []
    edits.failed.connect(lambda *args: told.append(args))
    fid = int(edits.project.layer("villages").fids[0])
    assert edits.update_feature("villages", fid, {"households": 7}) is None
    (title, message, details) = told[-1]
    assert title == "编辑未保存"
    assert message.startswith("修改未保存到服务器。") and "与服务器的连接中断了" in message
    assert "server closed" not in message
    assert details == "psycopg.OperationalError: server closed the connection unexpectedly"
    assert edits.undo_stack.count() == 0


def test_try_commit_raises_what_commit_reports(controller):
    edits = controller
    told: list[tuple] = []
    edits.failed.connect(lambda *args: told.append(args))
    villages = edits.project.layer("villages")
    fid = int(villages.fids[0])
    change, _label = edits.editor.update_change("villages", fid, {"households": None})
    with pytest.raises(InputError, match="为必填项"):
        edits.try_commit(("清空", "clear"), [change])
    assert told == [] and edits.undo_stack.count() == 0  # raised, not reported
    assert edits.commit(("清空", "clear"), [change]) is None
    assert len(told) == 1 and "为必填项" in told[0][1] and told[0][2] == ""


def test_a_new_field_and_its_values_are_one_undo_step(controller):
    edits = controller
    villages = edits.project.layer("villages")
    fids = [int(f) for f in villages.fids[:2]]
    changes = [edits.editor.update_change("villages", f, {"等级": "甲"})[0] for f in fids]
    edits.commit_new_field(("等级", "grade"), "villages", ("等级", "str"), changes)
    assert villages.data["等级"].tolist()[:3] == ["甲", "甲", None]
    assert "等级" in _columns(edits, "villages")
    assert edits.undo_stack.count() == 1
    edits.undo_stack.undo()
    assert "等级" not in villages.data.columns and "等级" not in _columns(edits, "villages")
    edits.undo_stack.redo()
    assert villages.data["等级"].tolist()[:2] == ["甲", "甲"]
    with sqlite3.connect(edits.store.path) as con:
        assert [r[0] for r in con.execute('SELECT "等级" FROM villages ORDER BY fid LIMIT 3')] == [
            "甲",
            "甲",
            None,
        ]


def test_a_refused_new_field_leaves_no_column(controller):
    edits = controller
    villages = edits.project.layer("villages")
    fid = int(villages.fids[0])
    # the values are refused (a required field emptied in the same edit): no column stays
    change = edits.editor.update_change("villages", fid, {"数值": 1.5, "households": None})[0]
    with pytest.raises(InputError, match="为必填项"):
        edits.commit_new_field(("数值", "value"), "villages", ("数值", "float"), [change])
    assert "数值" not in villages.data.columns and "数值" not in _columns(edits, "villages")
    with pytest.raises(InputError, match="已有字段"):  # a taken name changes nothing either
        edits.commit_new_field(("x", "x"), "villages", ("name", "str"), [change])
    assert edits.undo_stack.count() == 0


def test_the_window_shows_driver_details_behind_a_button(window, qtbot):
    from PySide6.QtWidgets import QMessageBox

    window.edits.failed.emit("编辑未保存", "修改未保存到服务器。", "psycopg.OperationalError: x")
    box = window.findChild(QMessageBox, "error_box")
    qtbot.waitUntil(box.isVisible)
    assert box.text() == "修改未保存到服务器。"
    assert box.detailedText().endswith("OperationalError: x")
    assert window.statusBar().currentMessage() == "修改未保存到服务器。"
    box.close()
