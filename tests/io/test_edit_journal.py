"""Continuous save: edits land in the GeoPackage at once, with a journal, and undo survives."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pyogrio
import pytest
import shapely

from gisdesk.core.editing import GEOMETRY, Editor
from gisdesk.core.errors import InputError, ProjectError
from gisdesk.io.edit_journal import GpkgEditStore, gpkg_blob
from gisdesk.io.project_store import open_project, save_project

FACTORY = {
    "factory_id": "HM-CF-9001",
    "name": "测试厂房",
    "town": "海门街道",
    "building_type": "一栋多厂",
    "tenants": 2,
    "category": "提升",
    "status": "未整改",
}
SMALL = ["towns", "rental_factories", "monitoring_stations", "accident_segments", "villages"]


@pytest.fixture
def small_project(small_sample) -> Path:
    """A project with a few sample layers (fast to open and save)."""
    return small_sample(SMALL)


def _stored(path: Path, layer: str, fid: int) -> dict[str, object] | None:
    gdf = pyogrio.read_dataframe(path, layer=layer, fid_as_index=True, where=f"fid = {fid}")
    if len(gdf) == 0:
        return None
    return gdf.iloc[0].to_dict()


def _editor(path: Path) -> tuple[Editor, GpkgEditStore]:
    project = open_project(path)
    store = GpkgEditStore(path)
    editor = Editor(project, store, user="李警官", clock=lambda: "2026-11-28T08:00:00.000+00:00")
    editor.load_history(store.transactions())
    return editor, store


def test_each_edit_is_in_the_file_at_once(project_file: Path) -> None:
    editor, store = _editor(project_file)
    fid = editor.add_feature(
        "rental_factories",
        shapely.Point(121.30, 31.90),
        FACTORY,
    )
    row = _stored(project_file, "rental_factories", fid)
    assert row is not None and row["name"] == "测试厂房"
    assert row["geometry"].equals(shapely.Point(121.30, 31.90))

    editor.update_feature("rental_factories", fid, {"status": "已整改", "floors": 3})
    row = _stored(project_file, "rental_factories", fid)
    assert row is not None and row["status"] == "已整改" and row["floors"] == 3

    moved = shapely.Point(121.31, 31.91)
    editor.update_feature("rental_factories", fid, {GEOMETRY: moved})
    row = _stored(project_file, "rental_factories", fid)
    assert row is not None and row["geometry"].equals(moved)

    # the spatial index follows (R-tree triggers run with the store's ST_ functions)
    found = pyogrio.read_dataframe(
        project_file, layer="rental_factories", bbox=(121.305, 31.905, 121.315, 31.915)
    )
    assert list(found["name"]) == ["测试厂房"]

    editor.delete_features("rental_factories", [fid])
    assert _stored(project_file, "rental_factories", fid) is None
    store.close()


def test_undo_redo_and_reopen_keep_the_history(project_file: Path) -> None:
    editor, store = _editor(project_file)
    layer = editor.project.layer("monitoring_stations")
    fid = int(layer.fids[0])
    old_name = layer.data["name"].iloc[0]
    editor.update_feature("monitoring_stations", fid, {"name": "新名称"})
    editor.undo()
    assert _stored(project_file, "monitoring_stations", fid)["name"] == old_name  # type: ignore[index]
    editor.redo()
    assert _stored(project_file, "monitoring_stations", fid)["name"] == "新名称"  # type: ignore[index]
    store.close()

    # a new session on the same file can still undo the edit of the previous one
    editor2, store2 = _editor(project_file)
    assert editor2.project.layer("monitoring_stations").data["name"].iloc[0] == "新名称"
    assert editor2.can_undo and not editor2.can_redo
    assert "新名称" not in editor2.undo_label() and "修改属性" in editor2.undo_label()
    editor2.undo()
    assert _stored(project_file, "monitoring_stations", fid)["name"] == old_name  # type: ignore[index]
    assert editor2.can_redo
    store2.close()


def test_undo_survives_a_full_save(project_file: Path, tmp_path: Path) -> None:
    editor, store = _editor(project_file)
    fid = int(editor.project.layer("towns").fids[3])
    editor.update_feature("towns", fid, {"name": "改名镇"})
    store.close()
    copy = tmp_path / "copy.gpkg"
    save_project(editor.project, copy)  # save-as carries the journal
    editor2, store2 = _editor(copy)
    assert editor2.can_undo
    editor2.undo()
    assert _stored(copy, "towns", fid)["name"] != "改名镇"  # type: ignore[index]
    store2.close()


def test_audit_trail_records_who_when_before_after(project_file: Path) -> None:
    editor, store = _editor(project_file)
    layer = editor.project.layer("rental_factories")
    fid = int(layer.fids[5])
    before = layer.data["status"].iloc[5]
    editor.update_feature("rental_factories", fid, {"status": "已整改"})
    con = sqlite3.connect(project_file)
    rows = con.execute(
        "SELECT user, at, layer, fid, op, before, after FROM gisdesk_edits WHERE fid=?", (fid,)
    ).fetchall()
    con.close()
    assert len(rows) == 1
    user, at, name, row_fid, op, old, new = rows[0]
    assert (user, name, row_fid, op) == ("李警官", "rental_factories", fid, "update")
    assert at.startswith("2026-11-28")
    assert before in old and "已整改" in new
    history = editor.history_of("rental_factories", fid)
    assert [c.after for _t, c in history] == [{"status": "已整改"}]
    store.close()


def test_invalid_values_are_refused_and_nothing_changes(project_file: Path) -> None:
    editor, store = _editor(project_file)
    layer = editor.project.layer("rental_factories")
    fid = int(layer.fids[0])
    revision = layer.revision
    with pytest.raises(InputError, match="只能是"):
        editor.update_feature("rental_factories", fid, {"status": "随便"})
    with pytest.raises(InputError, match="只接受点要素"):
        editor.update_feature(
            "rental_factories", fid, {GEOMETRY: shapely.LineString([(121, 31), (121.1, 31)])}
        )
    bowtie = shapely.Polygon([(121, 31), (121.1, 31.1), (121.1, 31), (121, 31.1)])
    with pytest.raises(InputError, match="几何无效"):
        editor.add_feature("towns", bowtie, {"code": "x", "name": "x", "kind": "镇"})
    assert layer.revision == revision
    assert store.transactions() == []
    store.close()


def test_store_failure_leaves_memory_unchanged(project_file: Path) -> None:
    editor, store = _editor(project_file)
    layer = editor.project.layer("towns")
    fid = int(layer.fids[0])
    name = layer.data["name"].iloc[0]
    store.close()  # the file can no longer be written: the edit must be refused whole
    with pytest.raises(ProjectError, match="未能写入"):
        editor.update_feature("towns", fid, {"name": "写不进去"})
    assert layer.data["name"].iloc[0] == name
    assert not editor.can_undo


def test_dates_round_trip(project_file: Path) -> None:
    editor, store = _editor(project_file)
    layer = editor.project.layer("rental_factories")
    fid = int(layer.fids[1])
    editor.update_feature("rental_factories", fid, {"deadline": "2023-06-30"})
    store.close()
    reopened = open_project(project_file).layer("rental_factories")
    value = reopened.data["deadline"].iloc[reopened.row_of(fid)]
    assert value.to_pydatetime().date() == dt.date(2023, 6, 30)


def test_crashed_session_is_reported(project_file: Path) -> None:
    editor, store = _editor(project_file)
    store.begin_session("李警官")
    fid = int(editor.project.layer("towns").fids[0])
    editor.update_feature("towns", fid, {"name": "崩溃前"})
    # pretend the process died: rewrite the marker with a pid that cannot exist
    store._con.execute(
        "UPDATE gisdesk_project SET value=json_set(value, '$.pid', 999999999) "
        "WHERE key='edit_session'"
    )
    store.close()
    store2 = GpkgEditStore(project_file)
    report = store2.begin_session("李警官")
    assert report is not None and report.transactions == 1
    assert "1 项编辑" in report.message("zh") and "崩溃前" not in report.message("zh")
    store2.end_session()
    store2.close()
    store3 = GpkgEditStore(project_file)
    assert store3.begin_session("李警官") is None  # a clean close leaves nothing to report
    store3.close()


def test_gpkg_blob_matches_gdal(tmp_path: Path) -> None:
    """Our blob encoder writes what GDAL reads back (point, line, polygon, empty)."""
    geoms = [
        shapely.Point(121.1, 31.8),
        shapely.LineString([(121, 31.7), (121.2, 31.9)]),
        shapely.MultiPolygon([shapely.box(121, 31.7, 121.1, 31.8)]),
    ]
    for geom in geoms:
        blob = gpkg_blob(geom, 4490)
        assert blob is not None and blob[:2] == b"GP"
        assert shapely.from_wkb(blob[8 + (0 if geom.geom_type == "Point" else 32) :]).equals(geom)
