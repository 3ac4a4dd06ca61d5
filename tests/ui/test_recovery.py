"""After a crash the window says what it recovered; undo survives saving."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyogrio
import pytest
from PySide6.QtWidgets import QMessageBox

from gisdesk.ui.editing import recoverable_copies


def _crash(window) -> Path:
    """Leave the window's edit store as a killed process would: marker left, file kept."""
    store = window.edits.store
    path = store.path
    store._con.execute(
        "UPDATE gisdesk_project SET value=json_set(value, '$.pid', 999999999) "
        "WHERE key='edit_session'"
    )
    store.close()
    window.edits.store = None
    window.edits.lock.release()  # the system releases a killed process's lock
    window.edits.lock = None
    window.edits.working_copy = None  # a dead process deletes nothing
    return path


@pytest.fixture
def messages(monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "information", lambda _p, _t, text, *a, **k: shown.append(text)
    )
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    return shown


def _new_window(qtbot):
    from gisdesk.ui.main_window import MainWindow

    win = MainWindow()
    win.resize(1000, 700)
    win.show()
    return win


def test_working_copy_of_a_crashed_session_is_offered_and_reopened(window, qtbot, messages) -> None:
    layer = window.project.layer("towns")
    fid = layer.fid_at(0)
    assert window.edits.update_feature("towns", fid, {"name": "恢复测试镇"})
    copy = _crash(window)
    assert recoverable_copies() == [copy]

    second = _new_window(qtbot)
    try:
        assert second.offer_recovery()
        qtbot.waitUntil(lambda: second.project is not None, timeout=20000)
        qtbot.waitUntil(lambda: bool(messages), timeout=5000)
        towns = second.project.layer("towns")
        assert towns.data["name"].iloc[towns.row_of(fid)] == "恢复测试镇"
        assert second.project.path is None and second.edits.working_copy == copy
        assert second.modified  # still to be saved somewhere by the user
        assert "1 项编辑" in messages[0]
        # undo still reaches the edit made before the crash
        second.undo.undo()
        stored = pyogrio.read_dataframe(copy, layer="towns", fid_as_index=True)
        assert stored.loc[fid, "name"] != "恢复测试镇"
    finally:
        second.undo.clear()
        second.modified = False
        second.close()


def test_project_file_reports_a_crashed_session_on_open(window, qtbot, tmp_path, messages) -> None:
    path = tmp_path / "own.gpkg"
    assert window.files.save_to(path, wait=True)
    assert window.edits.store is not None and window.edits.store.path == path
    fid = window.project.layer("villages").fid_at(2)
    assert window.edits.update_feature("villages", fid, {"households": 321})
    _crash(window)
    window.modified = False
    window.open_path(path, wait=True)
    qtbot.waitUntil(lambda: bool(messages), timeout=5000)
    assert "未正常结束" in messages[-1] and "1 项编辑" in messages[-1]
    villages = window.project.layer("villages")
    assert villages.data["households"].iloc[villages.row_of(fid)] == 321


def test_undo_after_save_as_changes_the_saved_file(window, tmp_path) -> None:
    layer = window.project.layer("rental_factories")
    fid = layer.fid_at(4)
    old = layer.data["status"].iloc[4]
    new = "已整改" if old != "已整改" else "未整改"
    assert window.edits.update_feature("rental_factories", fid, {"status": new})
    path = tmp_path / "saved.gpkg"
    assert window.files.save_to(path, wait=True)
    assert window.edits.working_copy is None  # the work moved to the user's file
    window.undo.undo()
    stored = pyogrio.read_dataframe(path, layer="rental_factories", fid_as_index=True)
    assert stored.loc[fid, "status"] == old
    con = sqlite3.connect(path)
    actions = [r[0] for r in con.execute("SELECT action FROM gisdesk_edits ORDER BY txn")]
    con.close()
    assert actions == ["edit", "undo"]
    assert not window.modified  # feature edits in the project's own file are saved
