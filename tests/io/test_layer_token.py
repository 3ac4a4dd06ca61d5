"""The token that stands for a file layer's stored state: the same while nothing writes to
the file, a new one after any write, none while a write is under way."""

from __future__ import annotations

import os
import sqlite3

import geopandas as gpd
import pyogrio
import shapely

from gisdesk.io.layer_token import layer_token


def _gpkg(path):
    roads = gpd.GeoDataFrame(
        {"name": ["a", "b"]},
        geometry=[shapely.LineString([(0, 0), (1, 1)]), shapely.LineString([(1, 1), (2, 0)])],
        crs=4490,
    )
    # no R-tree: its triggers call SpatiaLite functions a plain sqlite3 connection lacks
    pyogrio.write_dataframe(roads, path, layer="roads", SPATIAL_INDEX="NO")
    pyogrio.write_dataframe(roads, path, layer="other", SPATIAL_INDEX="NO")
    return path


def test_the_token_stays_while_the_file_is_only_read(tmp_path):
    path = _gpkg(tmp_path / "d.gpkg")
    first = layer_token(path, "roads")
    assert first is not None and len(first) == 32
    pyogrio.read_dataframe(path, layer="roads")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        con.execute("SELECT count(*) FROM roads").fetchone()
    assert layer_token(path, "roads") == first


def test_the_token_names_the_layer_and_how_it_is_read(tmp_path):
    path = _gpkg(tmp_path / "d.gpkg")
    tokens = {
        layer_token(path, "roads"),
        layer_token(path, "other"),
        layer_token(path, "roads", reader="schema roads v1"),
        layer_token(path, "roads", reader="schema roads v2"),
    }
    assert len(tokens) == 4


def test_any_write_gives_a_new_token_even_with_the_old_size_and_time(tmp_path):
    path = _gpkg(tmp_path / "d.gpkg")
    before = layer_token(path, "roads")
    st = path.stat()
    with sqlite3.connect(path) as con:  # same length of text: the file keeps its size
        con.execute("UPDATE roads SET name = 'c' WHERE name = 'a'")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # and its time, put back
    assert path.stat().st_size == st.st_size
    assert layer_token(path, "roads") != before  # SQLite's change counter moved


def test_a_write_in_wal_mode_gives_a_new_token(tmp_path):
    path = _gpkg(tmp_path / "d.gpkg")
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA journal_mode=WAL")
    reader = sqlite3.connect(path)  # keeps the WAL file from being checkpointed away
    try:
        reader.execute("SELECT count(*) FROM roads").fetchone()
        before = layer_token(path, "roads")
        with sqlite3.connect(path) as con:
            con.execute("UPDATE roads SET name = 'c' WHERE name = 'a'")
        assert layer_token(path, "roads") != before
    finally:
        reader.close()


def test_no_token_while_a_write_is_under_way_or_without_a_file(tmp_path):
    path = _gpkg(tmp_path / "d.gpkg")
    journal = tmp_path / "d.gpkg-journal"
    journal.write_bytes(b"")
    assert layer_token(path, "roads") is None
    journal.unlink()
    assert layer_token(path, "roads") is not None
    assert layer_token(tmp_path / "missing.gpkg", "roads") is None
    assert layer_token(tmp_path, "roads") is None  # a folder


def test_a_plain_file_is_named_by_its_size_and_time(tmp_path):
    path = tmp_path / "roads.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    before = layer_token(path, None)
    path.write_text('{"type": "FeatureCollection", "features": [ ]}', encoding="utf-8")
    assert layer_token(path, None) != before
