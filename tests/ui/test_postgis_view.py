"""Big PostGIS tables open for the map view only, and refresh for the view (real server)."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely
from psycopg import sql
from PySide6.QtWidgets import QMessageBox
from shapely.geometry import LineString

from gisdesk.core.crs import STORAGE_CRS
from gisdesk.io.postgis.profiles import connect
from gisdesk.io.postgis.publish import publish_layer
from gisdesk.io.postgis.tables import TableInfo, row_count
from tests.integration.conftest import (
    SERVER_MISSING,
    SKIP_REASON,
    password_for,
    profile_for,
    sample_layer,
)

needs_server = pytest.mark.skipif(SERVER_MISSING, reason=SKIP_REASON)

ROWS = 6000
LIMIT = 1000  # the "big table" threshold for these tests


@pytest.fixture
def admin(pg_schema):
    conn = connect(profile_for("admin"), password_for("admin"), autocommit=True)
    yield conn
    conn.close()


def _publish(admin, sample_path, schemas, schema, rows):
    layer = sample_layer(sample_path, schemas, "roads", rows=rows)
    publish_layer(admin, layer, schema)
    return layer


def _expected(layer, extent, display_crs, *, slack=0.0):
    """Fids of the published features whose envelope meets the view enlarged by half."""
    to_storage = pyproj.Transformer.from_crs(display_crs, STORAGE_CRS, always_xy=True)
    x0, y0, x1, y1 = to_storage.transform_bounds(*extent, densify_pts=21)
    dx, dy = (x1 - x0) / 2, (y1 - y0) / 2
    box = shapely.box(x0 - dx - slack, y0 - dy - slack, x1 + dx + slack, y1 + dy + slack)
    geoms = np.asarray(layer.data.geometry.values, dtype=object)
    hits = shapely.intersects(shapely.envelope(geoms), box)
    return set(layer.fids[hits].tolist())


def _zoom(window, layer, fx, fy, share=1 / 6):
    """Show a part of the published data: centred at (fx, fy) of its extent, 1/6 across."""
    display = layer.data.to_crs(window.canvas.crs)
    x0, y0, x1, y1 = display.total_bounds
    w, h = (x1 - x0) * share, (y1 - y0) * share
    cx, cy = x0 + (x1 - x0) * fx, y0 + (y1 - y0) * fy
    window.canvas.zoom_to_extent((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
    return window.canvas.viewport.extent


def _check_view(window, published, opened, extent):
    loaded = set(opened.fids.tolist())
    strict = _expected(published, extent, window.canvas.crs)
    # (the server compares single-precision boxes rounded outward: allow a hair more)
    loose = _expected(published, extent, window.canvas.crs, slack=1e-5)
    assert strict, "the test view should show some roads"
    assert strict <= loaded <= loose
    assert len(loaded) < len(published)
    return loaded


@pytest.fixture
def no_warning_box(monkeypatch):
    """A refused edit fails the test with its message (instead of waiting on a modal box)."""

    def refused(_parent, title, message, *args):
        pytest.fail(f"{title}: {message}")

    monkeypatch.setattr(QMessageBox, "warning", refused)


@needs_server
def test_a_big_table_opens_for_the_view_and_refreshes_for_the_new_view(
    window, sample_path, schemas, pg_schema, admin, no_warning_box
):
    published = _publish(admin, sample_path, schemas, pg_schema, ROWS)
    extent = _zoom(window, published, 0.3, 0.3)
    opened = window.postgis.open_layers(
        profile_for("editor", pg_schema), password_for("editor"), ["roads"], large_rows=LIMIT
    )
    assert [layer.name for layer in opened] == ["roads_2"]
    layer = opened[0]
    loaded = _check_view(window, published, layer, extent)
    assert layer.view_limit is not None and layer.view_limit.loaded == len(loaded)
    assert layer.view_limit.total == ROWS  # (the planner's estimate: exact after ANALYZE)
    assert layer.view_limit.exact is False
    assert (
        f"按视图范围部分读取：仅含视图范围内的 {len(loaded):,} 个要素（全表约 {ROWS:,} 个）"
        in layer.metadata.source_zh
    )
    log = window.log.toPlainText()
    told = f"只读取了当前视图范围内的 {len(loaded):,} 个要素（{len(loaded):,} / 约 {ROWS:,}）"
    assert told in log and "刷新 PostGIS 图层" in log
    assert told in window.statusBar().currentMessage()

    # Pan elsewhere and refresh: the layer now holds the new view's features.
    extent2 = _zoom(window, published, 0.7, 0.7)
    window.registry["postgis_refresh"].trigger()
    loaded2 = _check_view(window, published, layer, extent2)
    assert loaded2 != loaded
    assert layer.view_limit.loaded == len(loaded2)
    assert f"已按当前视图重新读取 PostGIS 图层 roads_2：{len(loaded2):,} 个要素" in (
        window.log.toPlainText()
    )
    assert "刷新" in window.statusBar().currentMessage()
    assert f"仅含视图范围内的 {len(loaded2):,} 个要素" in layer.metadata.source_zh

    # Edits of the view-limited layer go to the server, checked per fid as ever.
    fid = sorted(loaded2)[len(loaded2) // 2]
    txn = window.edits.update_feature("roads_2", fid, {"name": "视图内道路"})
    assert txn is not None, window.log.toPlainText()
    store = window.postgis.store_of("roads_2")
    assert store is not None and store.pending == []
    row = admin.execute(
        sql.SQL("SELECT name, gd_version FROM {}.roads WHERE fid = %s").format(
            sql.Identifier(pg_schema)
        ),
        (fid,),
    ).fetchone()
    assert row == ("视图内道路", 2)

    # A new feature takes an id after every id on the server, not only the loaded ones.
    (biggest,) = admin.execute(
        sql.SQL("SELECT max(fid) FROM {}.roads").format(sql.Identifier(pg_schema))
    ).fetchone()
    x0, y0, x1, y1 = layer.view_limit.bbox
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    new_fid = window.edits.add_feature(
        "roads_2",
        LineString([(cx, cy), (cx + 0.001, cy + 0.001)]),
        {"road_id": "R-NEW", "name": "新路", "class": str(layer.data["class"].iloc[0])},
    )
    assert new_fid == biggest + 1, window.log.toPlainText()
    assert store.pending == []
    row = admin.execute(
        sql.SQL("SELECT name FROM {}.roads WHERE fid = %s").format(sql.Identifier(pg_schema)),
        (new_fid,),
    ).fetchone()
    assert row == ("新路",)
    for s in window.postgis.stores:
        s.close()


@needs_server
def test_a_small_table_opens_whole(window, sample_path, schemas, pg_schema, admin):
    published = _publish(admin, sample_path, schemas, pg_schema, 200)
    _zoom(window, published, 0.3, 0.3)
    opened = window.postgis.open_layers(
        profile_for("editor", pg_schema), password_for("editor"), ["roads"], large_rows=LIMIT
    )
    layer = opened[0]
    assert len(layer) == 200 and layer.view_limit is None
    assert set(layer.fids.tolist()) == set(published.fids.tolist())
    assert "部分读取" not in layer.metadata.source_zh
    log = window.log.toPlainText()
    assert "已从 PostGIS 打开图层 roads_2（200 个要素" in log and "只读取" not in log
    for s in window.postgis.stores:
        s.close()


@needs_server
def test_row_count_is_exact_when_the_table_was_never_analysed(pg_schema, admin):
    admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(pg_schema)))
    admin.execute(
        sql.SQL("CREATE TABLE {}.plain AS SELECT g AS fid FROM generate_series(1, 37) g").format(
            sql.Identifier(pg_schema)
        )
    )
    info = TableInfo(pg_schema, "plain", (), "GEOMETRY", 0)
    count, exact = row_count(admin, info)
    assert count == 37
    if exact:  # (PostgreSQL 14+: reltuples -1 until analysed)
        admin.execute(sql.SQL("ANALYZE {}.plain").format(sql.Identifier(pg_schema)))
        assert row_count(admin, info) == (37, False)
