"""No project is destroyed, no acknowledged write is lost: saves, edits, opening, crashes."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from gisdesk.core.editing import Editor
from gisdesk.core.errors import ProjectBusyError, ProjectError, ProjectReadOnlyError
from gisdesk.io.edit_journal import GpkgEditStore
from gisdesk.io.project_lock import ProjectLock, lock_path_for
from gisdesk.io.project_store import open_project, save_project, update_settings

FACTORY = {
    "factory_id": "HM-CF-S",
    "name": "安全测试厂",
    "town": "海门街道",
    "building_type": "一栋多厂",
    "tenants": 1,
    "category": "提升",
    "status": "未整改",
}


def _state(path: Path) -> tuple[str, int, int]:
    """Content hash, modification time (ns) and permission bits of a file."""
    st = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), st.st_mtime_ns, st.st_mode & 0o7777


def _tables(path: Path) -> set[str]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    finally:
        con.close()


# --- opening writes nothing -------------------------------------------------------------


def test_opening_and_reading_the_journal_change_nothing(project_file: Path) -> None:
    before = _state(project_file)
    project = open_project(project_file)
    store = GpkgEditStore(project_file)
    assert store.begin_session("读者") is None
    assert store.transactions() == []
    store.end_session()
    store.close()
    assert len(project.layer("towns")) > 0
    assert _state(project_file) == before
    assert not lock_path_for(project_file).exists()


def test_a_plain_geopackage_gets_no_tables_and_no_wal_until_an_edit(tmp_path: Path) -> None:
    path = tmp_path / "plain.gpkg"
    gdf = gpd.GeoDataFrame(
        {"name": ["甲", "乙"]}, geometry=[shapely.Point(121.2, 31.9)] * 2, crs=4490
    )
    pyogrio.write_dataframe(gdf, path, layer="points", driver="GPKG")
    before, tables = _state(path), _tables(path)
    project = open_project(path)
    store = GpkgEditStore(path)
    store.begin_session("读者")
    store.close()
    assert _state(path) == before and _tables(path) == tables
    assert "gisdesk_edits" not in tables
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] != "wal"
    con.close()
    # the first edit brings the journal table, in the edit's own transaction
    store = GpkgEditStore(path)
    editor = Editor(project, store, user="编辑")
    store.begin_session("编辑")
    editor.update_feature("points", int(project.layer("points").fids[0]), {"name": "丙"})
    store.end_session()
    store.close()
    assert "gisdesk_edits" in _tables(path)


# --- saving into the project --------------------------------------------------------------


def test_a_save_writes_into_the_project_keeping_mode_inode_and_links(project_file: Path) -> None:
    project_file.chmod(0o640)
    link = project_file.with_name("link.gpkg")
    os.link(project_file, link)
    inode = project_file.stat().st_ino
    project = open_project(project_file)
    project.remove_layer("villages")
    save_project(project)
    assert project_file.stat().st_ino == inode
    assert project_file.stat().st_mode & 0o7777 == 0o640
    assert link.samefile(project_file)
    assert [layer.name for layer in open_project(link)] == ["towns", "rental_factories"]
    assert not lock_path_for(project_file).exists()
    assert sorted(f.name for f in project_file.parent.iterdir()) == ["link.gpkg", "p.gpkg"]


def test_a_read_only_project_or_folder_is_left_untouched(project_file: Path) -> None:
    project = open_project(project_file)
    project.remove_layer("villages")
    project_file.chmod(0o444)
    before = _state(project_file)
    try:
        with pytest.raises(ProjectReadOnlyError) as caught:
            save_project(project, project_file)
        assert "只读" in caught.value.zh and "read-only" in caught.value.en
        with pytest.raises(ProjectReadOnlyError):
            update_settings(project_file, lambda s: s.update(x=1))
        assert _state(project_file) == before
    finally:
        project_file.chmod(0o644)
    folder = project_file.parent
    before = _state(project_file)
    folder.chmod(0o555)
    try:
        with pytest.raises(ProjectReadOnlyError, match="folder"):
            save_project(project, project_file)
        with pytest.raises(ProjectReadOnlyError):  # the edit store refuses too
            editor = Editor(open_project(project_file), GpkgEditStore(project_file))
            editor.add_feature("rental_factories", shapely.Point(121.3, 31.9), FACTORY)
    finally:
        folder.chmod(0o755)
    assert _state(project_file) == before
    assert sorted(f.name for f in folder.iterdir()) == ["p.gpkg"]


def test_a_save_waits_for_or_is_refused_by_another_writer(project_file: Path) -> None:
    project = open_project(project_file)
    project.remove_layer("villages")
    before = _state(project_file)
    with ProjectLock(project_file).acquire(purpose="edit", user="王五"):
        with pytest.raises(ProjectBusyError, match="王五"):
            save_project(project, lock_timeout=0)
        with pytest.raises(ProjectBusyError, match="王五"):
            update_settings(project_file, lambda s: s.update(x=1), lock_timeout=0)
    assert _state(project_file) == before
    settings = update_settings(project_file, lambda s: s.update(note="已记录"), lock_timeout=0)
    assert open_project(project_file).settings["note"] == "已记录" == settings["note"]


# --- a write cut off by a crash ----------------------------------------------------------

CUT_OFF = textwrap.dedent(
    """
    import os, signal, sqlite3, sys
    con = sqlite3.connect(sys.argv[1], isolation_level=None)
    con.execute("PRAGMA cache_size=5")  # spill changed pages into the file before commit
    con.execute("BEGIN IMMEDIATE")
    con.execute("UPDATE gisdesk_project SET value='\\"半途\\"' WHERE key='title'")
    con.execute("CREATE TABLE filler (x BLOB)")
    con.executemany("INSERT INTO filler VALUES (randomblob(4000))", [()] * 400)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def _cut_off_write(path: Path) -> None:
    child = subprocess.run([sys.executable, "-c", CUT_OFF, str(path)], check=False)
    assert child.returncode == -signal.SIGKILL
    journal = Path(f"{path}-journal")
    assert journal.exists() and journal.stat().st_size > 0  # a hot journal is left


def test_a_write_cut_off_by_a_crash_is_rolled_back_on_open(project_file: Path) -> None:
    title = open_project(project_file).title
    _cut_off_write(project_file)
    project = open_project(project_file)  # a read-only opening could not read it
    assert project.title == title and "filler" not in _tables(project_file)
    assert not Path(f"{project_file}-journal").exists()
    store = GpkgEditStore(project_file)
    assert store.rolled_back  # the recovery report can say a write was undone
    store.close()


def test_a_cut_off_write_in_a_read_only_file_is_explained(project_file: Path) -> None:
    _cut_off_write(project_file)
    project_file.chmod(0o444)
    try:
        before = _state(project_file)
        with pytest.raises(ProjectError) as caught:
            open_project(project_file)
        assert "被中断" in caught.value.zh and "cut off" in caught.value.en
        assert _state(project_file) == before
    finally:
        project_file.chmod(0o644)


# --- feature ids and transaction numbers come from the file ------------------------------


def _editor(path: Path, user: str) -> tuple[Editor, GpkgEditStore]:
    project = open_project(path)
    store = GpkgEditStore(path)
    editor = Editor(project, store, user=user)
    store.begin_session(user)
    editor.load_history(store.transactions())
    return editor, store


def test_two_editors_with_stale_memory_never_share_an_id(project_file: Path) -> None:
    a, store_a = _editor(project_file, "甲")
    b, store_b = _editor(project_file, "乙")  # read the same file: the same next id in memory
    layer = "rental_factories"
    assert a.project.layer(layer).next_fid() == b.project.layer(layer).next_fid()
    fid_a = a.add_feature(layer, shapely.Point(121.30, 31.90), {**FACTORY, "name": "甲厂"})
    # while 甲's store holds the project, 乙's edit is refused and changes nothing
    with pytest.raises(ProjectBusyError, match="甲"):
        b.add_feature(layer, shapely.Point(121.31, 31.91), {**FACTORY, "name": "乙厂"})
    assert not b.can_undo and len(b.project.layer(layer)) == len(a.project.layer(layer)) - 1
    store_a.end_session()
    store_a.close()
    fid_b = b.add_feature(layer, shapely.Point(121.31, 31.91), {**FACTORY, "name": "乙厂"})
    store_b.end_session()
    store_b.close()
    assert fid_b != fid_a
    assert b.project.layer(layer).row_of(fid_b) >= 0  # memory follows the file's id
    stored = pyogrio.read_dataframe(project_file, layer=layer, fid_as_index=True)
    assert stored.loc[fid_a, "name"] == "甲厂" and stored.loc[fid_b, "name"] == "乙厂"
    con = sqlite3.connect(project_file)
    txns = con.execute("SELECT txn, user FROM gisdesk_edits ORDER BY txn").fetchall()
    con.close()
    assert [u for _t, u in txns] == ["甲", "乙"] and txns[0][0] != txns[1][0]


def test_an_id_is_never_given_twice_even_after_undo_and_reopen(project_file: Path) -> None:
    editor, store = _editor(project_file, "甲")
    layer = "rental_factories"
    first = editor.add_feature(layer, shapely.Point(121.30, 31.90), FACTORY)
    editor.undo()
    second = editor.add_feature(layer, shapely.Point(121.30, 31.90), FACTORY)
    assert second == first + 1
    editor.undo()
    store.end_session()
    store.close()
    editor, store = _editor(project_file, "乙")
    assert editor.project.layer(layer).next_fid() == first  # memory alone would reuse it
    third = editor.add_feature(layer, shapely.Point(121.30, 31.90), FACTORY)
    store.close()
    assert third == second + 1
    assert [c.fid for t in editor.history_of(layer, third) for c in [t[1]]] == [third]
