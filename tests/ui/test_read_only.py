"""The window opens a project it may not write read-only, says why, and changes nothing."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from gisdesk.cli.main import main
from gisdesk.io.project_lock import ProjectLock, lock_path_for
from gisdesk.io.project_store import open_project

SMALL = ["towns", "villages"]


@pytest.fixture
def small_project(small_sample) -> Path:
    return small_sample(SMALL)


@pytest.fixture
def project_file(small_project: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "projects"
    folder.mkdir()
    path = folder / "p.gpkg"
    shutil.copy(small_project, path)
    return path


@pytest.fixture
def warnings(monkeypatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: shown.append(text))
    return shown


@pytest.fixture
def win(qtbot):
    from gisdesk.ui.main_window import MainWindow

    window = MainWindow()
    window.resize(900, 600)
    window.show()
    yield window
    window.undo.clear()
    window.modified = False
    window.close()
    window.deleteLater()


def _state(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), st.st_mtime_ns, st.st_mode & 0o7777


def _try_an_edit(win) -> object:
    layer = win.project.layer("villages")
    return win.edits.update_feature("villages", layer.fid_at(0), {"households": 4321})


def _assert_read_only(win, warnings: list[str], words: str) -> None:
    assert "只读" in win.windowTitle()
    assert win.indicators.read_only_label.isVisible()
    assert words in win.indicators.read_only_label.toolTip()
    assert _try_an_edit(win) is None  # refused, with the reason
    assert warnings and "只读" in warnings[-1] and words in warnings[-1]
    assert win.project.layer("villages").data["households"].iloc[0] != 4321


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_project_without_write_permission_opens_read_only(
    win, project_file, warnings, what
) -> None:
    target = project_file if what == "file" else project_file.parent
    target.chmod(0o444 if what == "file" else 0o555)
    try:
        before = _state(project_file)
        win.open_path(project_file, wait=True)
        assert win.project is not None
        _assert_read_only(win, warnings, "只读")
        win.close()
        assert _state(project_file) == before
        assert not lock_path_for(project_file).exists()
    finally:
        target.chmod(0o644 if what == "file" else 0o755)


def test_a_project_another_program_writes_opens_read_only_naming_it(
    win, project_file, warnings
) -> None:
    before = _state(project_file)
    holder = ProjectLock(project_file).acquire(purpose="import", user="张三")
    try:
        win.open_path(project_file, wait=True)
        _assert_read_only(win, warnings, "张三@")
        assert f"pid {os.getpid()}" in win.edits.read_only_message("zh")
        win.close()
        assert holder.held  # the other writer keeps its lock
    finally:
        holder.release()
    assert _state(project_file) == before


def test_save_as_to_a_file_of_ones_own_makes_it_editable(
    win, project_file, warnings, tmp_path
) -> None:
    project_file.chmod(0o444)
    try:
        win.open_path(project_file, wait=True)
        assert _try_an_edit(win) is None
        own = tmp_path / "own.gpkg"
        assert win.files.save_to(own, wait=True)
        assert "只读" not in win.windowTitle() and not win.indicators.read_only_label.isVisible()
        assert _try_an_edit(win) is not None
        villages = open_project(own).layer("villages")
        assert villages.data["households"].iloc[0] == 4321
        win.close()
        assert not lock_path_for(own).exists()
    finally:
        project_file.chmod(0o644)


def test_opening_without_editing_changes_nothing_and_keeps_other_writers_out(
    win, project_file, tmp_path, capsys, monkeypatch
) -> None:
    before = _state(project_file)
    win.open_path(project_file, wait=True)
    assert win.edits.store is not None and "只读" not in win.windowTitle()
    # a command-line import meanwhile is told who has the project open
    monkeypatch.setenv("GISDESK_LOCK_TIMEOUT", "0")
    data = tmp_path / "extra.geojson"
    data.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"n":1},'
        '"geometry":{"type":"Point","coordinates":[121.2,31.9]}}]}',
        encoding="utf-8",
    )
    assert main(["import", str(project_file), str(data), "--crs", "cgcs2000"]) == 3
    err = capsys.readouterr().err
    assert "正被" in err and f"pid {os.getpid()}" in err and "起编辑" in err
    win.close()
    assert _state(project_file) == before
    assert sorted(f.name for f in project_file.parent.iterdir()) == ["p.gpkg"]
    assert main(["import", str(project_file), str(data), "--crs", "cgcs2000"]) == 0
