"""PostGIS shared workspace against a real server: publish, read, edit, conflicts, roles.

Started by ``scripts/test.sh`` (``scripts/postgis.sh start``); skipped with a reason when
the ``GISDESK_PG_*`` variables are absent.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import psycopg
import pytest
import shapely
from psycopg import errors as pg_errors
from psycopg import sql
from shapely.geometry import LineString

from gisdesk.core.editing import GEOMETRY, Editor, EditTransaction, FeatureChange
from gisdesk.core.errors import ConflictError, InputError
from gisdesk.core.project import Project
from gisdesk.io.postgis.profiles import check_connection, connect
from gisdesk.io.postgis.publish import publish_layer
from gisdesk.io.postgis.store import EditNotSavedError, PermissionDeniedError, PostgisEditStore
from gisdesk.io.postgis.tables import layer_name_for, list_layers, open_layer, read_layer
from tests.integration.conftest import (
    SERVER_MISSING,
    SKIP_REASON,
    password_for,
    profile_for,
    sample_layer,
)

pytestmark = pytest.mark.skipif(SERVER_MISSING, reason=SKIP_REASON)


def _values_equal(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, shapely.Geometry):
        return bool(a.equals_exact(b, 0))
    return bool(a == b)


@pytest.fixture
def roads_published(sample_path, schemas, pg_schema, admin_conn):
    layer = sample_layer(sample_path, schemas, "roads", rows=300)
    publish_layer(admin_conn, layer, pg_schema)
    return layer


def _client(role: str, schema: str, user: str, table: str = "roads"):
    store = PostgisEditStore(profile_for(role, schema), password_for(role))
    project = Project(title=f"desktop of {user}")
    layer = store.open_layer(table)
    project.add_layer(layer)
    return store, project, Editor(project, store, user=user)


def _server_row(conn, schema: str, table: str, fid: int):
    return conn.execute(
        sql.SQL("SELECT name, gd_version, ST_AsBinary(geom) FROM {}.{} WHERE fid = %s").format(
            sql.Identifier(schema), sql.Identifier(table)
        ),
        (fid,),
    ).fetchone()


# --- publish and read --------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["arrow", "psycopg"])
@pytest.mark.parametrize("kind", ["roads", "service_points", "sewage_districts"])
def test_publish_and_read_round_trip(sample_path, schemas, pg_schema, admin_conn, kind, engine):
    layer = sample_layer(sample_path, schemas, kind)
    info = publish_layer(admin_conn, layer, pg_schema)
    assert info.srid == 4490
    assert info.kind == kind
    got = read_layer(admin_conn, pg_schema, kind, engine=engine)
    assert got.data.crs.to_epsg() == 4490
    assert np.array_equal(got.fids, layer.fids)
    assert set(got.versions.tolist()) == {1}
    assert got.data.geometry.geom_equals_exact(layer.data.geometry, 0).all()
    for column in layer.data.columns:
        if column == layer.data.geometry.name:
            continue
        assert str(got.data[column].dtype) == str(layer.data[column].dtype), column
        assert got.data[column].equals(layer.data[column]), column
    # The layer comes back with its type, title and style from gisdesk_layers.
    opened, _ = open_layer(admin_conn, pg_schema, kind)
    assert opened.kind == kind
    assert opened.title == layer.title
    assert opened.style is not None
    assert opened.style.to_dict() == layer.style.to_dict()
    assert np.array_equal(opened.fids, layer.fids)
    # Spatial index and server-side triggers are in place.
    indexes = admin_conn.execute(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = %s",
        (pg_schema, kind),
    ).fetchall()
    assert any("USING gist (geom)" in r[0] for r in indexes)
    triggers = {
        r[0]
        for r in admin_conn.execute(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
            " AND tgrelid = to_regclass(format('%%I.%%I', %s::text, %s::text))",
            (pg_schema, kind),
        )
    }
    assert triggers == {"gisdesk_version", "gisdesk_audit"}


def test_publish_refuses_existing_table_unless_replace(sample_path, schemas, pg_schema, admin_conn):
    layer = sample_layer(sample_path, schemas, "monitoring_stations")
    publish_layer(admin_conn, layer, pg_schema)
    with pytest.raises(InputError, match="already has a table"):
        publish_layer(admin_conn, layer, pg_schema)
    smaller = sample_layer(sample_path, schemas, "monitoring_stations", rows=3)
    publish_layer(admin_conn, smaller, pg_schema, replace=True)
    assert len(read_layer(admin_conn, pg_schema, "monitoring_stations").fids) == 3


@pytest.mark.parametrize("engine", ["arrow", "psycopg"])
def test_read_with_bbox_returns_only_features_meeting_it(
    roads_published, pg_schema, admin_conn, engine
):
    bounds = roads_published.data.geometry.bounds.to_numpy()
    minx, miny, maxx, maxy = roads_published.data.total_bounds
    box = (minx, miny, (minx + maxx) / 2, (miny + maxy) / 2)
    got = read_layer(admin_conn, pg_schema, "roads", bbox=box, engine=engine)
    fids = set(got.fids.tolist())

    def overlapping(pad: float) -> set[int]:
        hit = (
            (bounds[:, 0] <= box[2] + pad)
            & (bounds[:, 2] >= box[0] - pad)
            & (bounds[:, 1] <= box[3] + pad)
            & (bounds[:, 3] >= box[1] - pad)
        )
        return set(roads_published.fids[hit].tolist())

    assert 0 < len(fids) < len(roads_published)
    assert overlapping(0.0) <= fids <= overlapping(1e-5)  # the index keeps float4 boxes


def test_hostile_names_are_just_strange_names(sample_path, schemas, pg_schema, admin_conn):
    hostile = 'roads"; drop table x; --'
    admin_conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(pg_schema)))
    admin_conn.execute(sql.SQL("CREATE TABLE {}.x (id int)").format(sql.Identifier(pg_schema)))
    # An unqualified "drop table x" smuggled into a statement would hit the canary first.
    admin_conn.execute(sql.SQL("SET search_path = {}, public").format(sql.Identifier(pg_schema)))
    layer = sample_layer(sample_path, schemas, "roads", rows=20)
    layer.data[hostile] = "值"  # a column with the same name
    info = publish_layer(admin_conn, layer, pg_schema, table=hostile)
    assert info.table == hostile
    assert hostile in info.column_names
    assert [t.table for t in list_layers(admin_conn, pg_schema)] == [hostile]
    got = read_layer(admin_conn, pg_schema, hostile)
    assert got.data[hostile].tolist() == ["值"] * 20
    # A schema with a hostile name too.
    evil_schema = f'{pg_schema}"; drop table x; --'
    try:
        publish_layer(admin_conn, layer, evil_schema, table=hostile)
        assert len(read_layer(admin_conn, evil_schema, hostile).fids) == 20
        # Editing through the store quotes names as well.
        store, project, editor = _client("editor", evil_schema, "测试", table=hostile)
        name = layer_name_for(hostile)
        assert name in project
        fid = int(project.layer(name).fids[0])
        editor.update_feature(name, fid, {hostile: "改'); drop table x; --"})
        editor.delete_features(name, [int(project.layer(name).fids[1])])
        store.close()
        again = read_layer(admin_conn, evil_schema, hostile)
        assert len(again.fids) == 19
        assert again.data[hostile].iloc[0] == "改'); drop table x; --"
    finally:
        admin_conn.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(evil_schema))
        )
    # The canary table is still there.
    assert admin_conn.execute(
        "SELECT to_regclass(format('%%I.x', %s::text)) IS NOT NULL", (pg_schema,)
    ).fetchone() == (True,)


def test_long_table_names_up_to_the_limit_publish(sample_path, schemas, pg_schema, admin_conn):
    """Names as long as PostgreSQL allows (63 bytes: 21 Chinese characters), and long names
    that differ only at the end, each get their table and spatial index."""
    layer = sample_layer(sample_path, schemas, "towns", rows=3)
    long_zh = ["海门区各镇街道行政区划边界二零二二年版本" + c for c in "一二"]
    long_ascii = ["haimen_town_boundaries_as_published_by_the_district_" + c for c in "ab"]
    names = long_zh + long_ascii
    assert all(len(n.encode("utf-8")) == 63 for n in long_zh)
    assert long_ascii[0][:50] == long_ascii[1][:50]
    for name in names:
        publish_layer(admin_conn, layer, pg_schema, table=name)
    assert sorted(t.table for t in list_layers(admin_conn, pg_schema)) == sorted(names)
    for name in names:
        assert len(read_layer(admin_conn, pg_schema, name).fids) == 3
        indexed = admin_conn.execute(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = %s AND tablename = %s "
            "AND indexdef LIKE '%%USING gist (geom)%%'",
            (pg_schema, name),
        ).fetchone()
        assert indexed == (1,), name


def test_check_connection_reports_server_and_access(pg_schema):
    ok = check_connection(profile_for("editor"), password_for("editor"))
    assert ok.ok, ok.message_en
    assert ok.postgis_version.startswith("3.")
    assert "gisdesk_editor" in ok.roles
    assert "编辑" in ok.message_zh
    ro = check_connection(profile_for("reader"), password_for("reader"))
    assert ro.ok and "只读" in ro.message_zh
    bad = check_connection(profile_for("editor"), "wrong password")
    assert not bad.ok
    assert "密码不正确" in bad.message_zh and "password is wrong" in bad.message_en


# --- editing: versions, conflicts, refresh ----------------------------------------------


def test_two_desktops_same_feature_conflict_keeps_both_versions(roads_published, pg_schema):
    store_a, _, editor_a = _client("editor", pg_schema, "交警张三")
    store_b, project_b, editor_b = _client("editor2", pg_schema, "规划李四")
    fid = int(roads_published.fids[4])
    old = project_b.layer("roads").data["name"].iloc[project_b.layer("roads").row_of(fid)]

    editor_a.update_feature("roads", fid, {"name": "A 路"})
    with pytest.raises(ConflictError) as caught:
        editor_b.update_feature("roads", fid, {"name": "B 路"})
    err = caught.value
    assert err.layer == "roads" and err.fid == fid
    assert err.server is not None and err.server["name"] == "A 路"
    assert err.server["gd_version"] == 2
    assert err.local == {"name": "B 路"}
    assert "已被其他用户修改" in err.zh and "gd_editor_a" in err.zh
    assert "changed by another user" in err.en
    # Nothing changed on B's desktop, nothing overwritten on the server.
    layer_b = project_b.layer("roads")
    assert layer_b.data["name"].iloc[layer_b.row_of(fid)] == old
    with connect(profile_for("admin"), password_for("admin"), autocommit=True) as conn:
        assert _server_row(conn, pg_schema, "roads", fid)[:2] == ("A 路", 2)
    assert not store_b.pending

    # B looks at both and keeps theirs on purpose: now it goes through, as version 3.
    store_b.accept_server_version("roads", fid)
    editor_b.update_feature("roads", fid, {"name": "B 路"})
    with connect(profile_for("admin"), password_for("admin"), autocommit=True) as conn:
        assert _server_row(conn, pg_schema, "roads", fid)[:2] == ("B 路", 3)
        history = conn.execute(
            sql.SQL(
                "SELECT db_user, before->>'name', after->>'name' FROM {}.gisdesk_audit "
                "WHERE layer = 'roads' AND fid = %s ORDER BY id"
            ).format(sql.Identifier(pg_schema)),
            (fid,),
        ).fetchall()
    assert history == [("gd_editor_a", old, "A 路"), ("gd_editor_b", "A 路", "B 路")]
    store_a.close()
    store_b.close()


def test_conflicts_on_delete_and_on_the_same_new_id(roads_published, pg_schema):
    store_a, _, editor_a = _client("editor", pg_schema, "A")
    store_b, project_b, editor_b = _client("editor2", pg_schema, "B")
    fid = int(roads_published.fids[7])
    editor_a.delete_features("roads", [fid])
    with pytest.raises(ConflictError) as caught:
        editor_b.update_feature("roads", fid, {"lanes": 6})
    assert caught.value.server is None  # deleted there
    assert caught.value.local == {"lanes": 6}
    assert "已被其他用户删除" in caught.value.zh
    # Both desktops add a feature: they pick the same next id; the second is told.
    line = LineString([(121.2, 31.9), (121.21, 31.91)])
    values = {"road_id": "HM-NEW", "class": "村道"}
    new_fid = editor_a.add_feature("roads", line, values)
    with pytest.raises(ConflictError) as caught:
        editor_b.add_feature("roads", line, {**values, "road_id": "HM-NEW-B"})
    assert caught.value.fid == new_fid
    assert caught.value.server["road_id"] == "HM-NEW"
    assert caught.value.local["road_id"] == "HM-NEW-B"
    assert new_fid not in project_b.layer("roads").fids
    store_a.close()
    store_b.close()


def test_second_desktop_sees_the_change_after_refresh(roads_published, pg_schema):
    store_a, project_a, editor_a = _client("editor", pg_schema, "A")
    store_b, project_b, editor_b = _client("editor2", pg_schema, "B")
    fid = int(roads_published.fids[10])
    moved = LineString([(121.3, 31.8), (121.31, 31.805), (121.32, 31.81)])
    editor_a.update_feature("roads", fid, {"name": "新海路", GEOMETRY: moved, "lanes": 6})
    new_fid = editor_a.add_feature(
        "roads", LineString([(121.4, 31.8), (121.41, 31.8)]), {"road_id": "N1", "class": "乡道"}
    )
    gone = int(roads_published.fids[11])
    editor_a.delete_features("roads", [gone])

    layer_b = project_b.layer("roads")
    revision = layer_b.revision
    store_b.refresh(layer_b)
    assert layer_b.revision > revision  # views were told
    row = layer_b.row_of(fid)
    assert layer_b.data["name"].iloc[row] == "新海路"
    assert layer_b.data["lanes"].iloc[row] == 6
    assert layer_b.data.geometry.iloc[row].equals_exact(moved, 0)
    assert new_fid in layer_b.fids and gone not in layer_b.fids
    assert len(layer_b) == len(project_a.layer("roads"))
    # B's next edit of the same feature is based on A's version: no conflict.
    editor_b.update_feature("roads", fid, {"name": "新海路（东段）"})
    store_a.refresh(project_a.layer("roads"))
    layer_a = project_a.layer("roads")
    assert layer_a.data["name"].iloc[layer_a.row_of(fid)] == "新海路（东段）"
    # Undo on B goes through the server too.
    editor_b.undo()
    store_a.refresh(layer_a)
    assert layer_a.data["name"].iloc[layer_a.row_of(fid)] == "新海路"
    store_a.close()
    store_b.close()


def test_store_only_writes_its_own_layers(roads_published, sample_path, schemas, pg_schema):
    store, project, editor = _client("editor", pg_schema, "A")
    local = sample_layer(sample_path, schemas, "monitoring_stations")
    project.add_layer(local)
    fid_local = int(local.fids[0])
    fid_pg = int(roads_published.fids[0])
    editor.commit(
        "两层同时修改",
        "Edit two layers",
        [
            FeatureChange("monitoring_stations", fid_local, {"name": "旧"}, {"name": "本地站"}),
            FeatureChange("roads", fid_pg, {"name": "旧"}, {"name": "服务器路"}),
        ],
    )
    with connect(profile_for("admin"), password_for("admin"), autocommit=True) as conn:
        assert _server_row(conn, pg_schema, "roads", fid_pg)[0] == "服务器路"
        assert (
            conn.execute(
                "SELECT to_regclass(format('%%I.monitoring_stations', %s::text))", (pg_schema,)
            ).fetchone()[0]
            is None
        )
    assert store.handles("roads") and not store.handles("monitoring_stations")
    store.close()


# --- roles and audit ---------------------------------------------------------------------


def test_read_only_user_is_refused_with_a_clear_message(roads_published, pg_schema):
    store, project, editor = _client("reader", pg_schema, "只读用户")
    layer = project.layer("roads")
    fid = int(layer.fids[0])
    before = layer.data["name"].iloc[0]
    with pytest.raises(PermissionDeniedError) as caught:
        editor.update_feature("roads", fid, {"name": "不该写入"})
    assert caught.value.zh.startswith("您的账户只有只读权限")
    assert "read-only" in caught.value.en
    assert layer.data["name"].iloc[0] == before
    assert not store.pending
    with pytest.raises(PermissionDeniedError):
        editor.add_feature(
            "roads", LineString([(121.2, 31.9), (121.3, 31.9)]), {"road_id": "R", "class": "村道"}
        )
    with pytest.raises(PermissionDeniedError):
        editor.delete_features("roads", [fid])
    assert len(layer) == len(roads_published)
    store.close()


def test_audit_is_written_by_the_server_and_not_writable_by_clients(
    roads_published, pg_schema, admin_conn
):
    store, project, editor = _client("editor", pg_schema, "环保王五")
    fid = int(roads_published.fids[2])
    old_name = project.layer("roads").data["name"].iloc[2]
    editor.update_feature("roads", fid, {"name": "审计路"})
    rows = admin_conn.execute(
        sql.SQL(
            "SELECT db_user, client_user, op, layer, fid, before->>'name', after->>'name', "
            "(after->>'gd_version')::int, after->'geom'->>'type', at <= now() "
            "FROM {}.gisdesk_audit ORDER BY id"
        ).format(sql.Identifier(pg_schema))
    ).fetchall()
    assert rows == [
        (
            "gd_editor_a",
            "环保王五",
            "update",
            "roads",
            fid,
            old_name,
            "审计路",
            2,
            "LineString",
            True,
        )
    ]
    # Clients may read the audit trail but neither write, change nor delete it.
    for role in ("editor", "reader"):
        with connect(profile_for(role), password_for(role), autocommit=True) as conn:
            audit = sql.SQL("{}.gisdesk_audit").format(sql.Identifier(pg_schema))
            assert conn.execute(sql.SQL("SELECT count(*) FROM {}").format(audit)).fetchone() == (1,)
            for statement in (
                sql.SQL(
                    "INSERT INTO {} (db_user, layer, fid, op) VALUES ('someone', 'roads', 1, 'x')"
                ),
                sql.SQL("UPDATE {} SET db_user = 'someone'"),
                sql.SQL("DELETE FROM {}"),
            ):
                with pytest.raises(pg_errors.InsufficientPrivilege):
                    conn.execute(statement.format(audit))
    # A client cannot pass off a version number: the server sets it.
    with connect(profile_for("editor"), password_for("editor"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("UPDATE {}.roads SET gd_version = 1 WHERE fid = %s").format(
                sql.Identifier(pg_schema)
            ),
            (fid,),
        )
        assert _server_row(conn, pg_schema, "roads", fid)[1] == 3
    store.close()


# --- a connection killed mid-transaction ------------------------------------------------


def _wait_for_lock(admin, pid: int, outcome: dict, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not outcome:
        row = admin.execute(
            "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)
        ).fetchone()
        if row and row[0] == "Lock":
            return
        time.sleep(0.05)
    raise AssertionError(f"the client's transaction never reached the locked row: {outcome}")


def test_connection_killed_mid_transaction_rolls_back_and_retry_saves(
    roads_published, pg_schema, admin_conn
):
    store, project, editor = _client("editor", pg_schema, "交警张三")
    layer = project.layer("roads")
    locked_fid = int(roads_published.fids[20])
    new_fid = layer.next_fid()
    old_name = layer.data["name"].iloc[layer.row_of(locked_fid)]
    n_before = len(layer)
    line = LineString([(121.25, 31.85), (121.26, 31.86)])
    changes = [
        FeatureChange("roads", new_fid, None, {GEOMETRY: line, "road_id": "K1", "class": "村道"}),
        FeatureChange("roads", locked_fid, {"name": old_name}, {"name": "断线前的修改"}),
    ]

    # Another session holds the row, so the client's transaction stops half-way:
    # the new feature inserted, the update waiting.
    holder = psycopg.connect(
        host=admin_conn.info.host,
        port=admin_conn.info.port,
        dbname=admin_conn.info.dbname,
        user=admin_conn.info.user,
        password=admin_conn.info.password,
    )
    holder.execute(
        sql.SQL("SELECT 1 FROM {}.roads WHERE fid = %s FOR UPDATE").format(
            sql.Identifier(pg_schema)
        ),
        (locked_fid,),
    )
    outcome: dict[str, BaseException] = {}

    def edit() -> None:
        try:
            editor.commit("添加并修改道路", "Add and edit roads", changes)
        except BaseException as exc:  # handed to the test thread
            outcome["error"] = exc

    store.connection  # noqa: B018 - connect now, so the backend pid is known
    pid = store.backend_pid
    worker = threading.Thread(target=edit)
    worker.start()
    try:
        _wait_for_lock(admin_conn, pid, outcome)
        in_flight = admin_conn.execute(
            "SELECT state, backend_xid IS NOT NULL FROM pg_stat_activity WHERE pid = %s", (pid,)
        ).fetchone()
        assert in_flight == ("active", True)  # a transaction with a write already done
        assert admin_conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
        worker.join(20)
        assert not worker.is_alive()
    finally:
        holder.rollback()
        holder.close()

    err = outcome.get("error")
    assert isinstance(err, EditNotSavedError), repr(err)
    assert "连接中断" in err.zh and "保留在本机" in err.zh and "retried" in err.en
    # Rolled back on the server: neither the insert nor the update is there.
    assert _server_row(admin_conn, pg_schema, "roads", new_fid) is None
    assert _server_row(admin_conn, pg_schema, "roads", locked_fid)[:2] == (old_name, 1)
    assert admin_conn.execute(
        sql.SQL("SELECT count(*) FROM {}.gisdesk_audit").format(sql.Identifier(pg_schema))
    ).fetchone() == (0,)
    # Kept locally, waiting to be retried; the project is as before.
    assert len(store.pending) == 1
    assert len(layer) == n_before and new_fid not in layer.fids

    saved = store.retry(editor)
    assert len(saved) == 1 and not store.pending
    assert new_fid in layer.fids
    assert layer.data["name"].iloc[layer.row_of(locked_fid)] == "断线前的修改"
    assert _server_row(admin_conn, pg_schema, "roads", locked_fid)[:2] == ("断线前的修改", 2)
    row = _server_row(admin_conn, pg_schema, "roads", new_fid)
    assert shapely.from_wkb(row[2]).equals_exact(line, 0)
    users = admin_conn.execute(
        sql.SQL("SELECT DISTINCT db_user, client_user FROM {}.gisdesk_audit").format(
            sql.Identifier(pg_schema)
        )
    ).fetchall()
    assert users == [("gd_editor_a", "交警张三")]
    store.close()


def test_server_unreachable_keeps_the_edit_for_retry(roads_published, pg_schema):
    store, project, editor = _client("editor", pg_schema, "A")
    layer = project.layer("roads")
    fid = int(layer.fids[0])
    reachable = store.profile
    store.close()
    store.profile = profile_for("editor", pg_schema).__class__(
        name="down", host="127.0.0.1", port=1, user=reachable.user, schema=pg_schema
    )
    with pytest.raises(EditNotSavedError):
        editor.update_feature("roads", fid, {"name": "离线修改"})
    assert len(store.pending) == 1
    with pytest.raises(EditNotSavedError):  # still down: stays queued, once
        store.retry(editor)
    assert len(store.pending) == 1
    store.profile = reachable
    assert len(store.retry(editor)) == 1
    assert layer.data["name"].iloc[0] == "离线修改"
    assert not store.pending
    store.close()


def test_retry_of_an_edit_whose_commit_landed_does_not_write_it_twice(
    roads_published, pg_schema, admin_conn
):
    """The line dropped after the server committed: the retry finds the token and stops."""
    from gisdesk.io.postgis.store import _Pending

    store, project, editor = _client("editor", pg_schema, "A")
    layer = project.layer("roads")
    fid = int(layer.fids[5])
    old = layer.data["name"].iloc[5]
    change = FeatureChange("roads", fid, {"name": old}, {"name": "已到达服务器"})
    # What the server saw: the client's transaction, tagged with its token, committed.
    token = "landed-before-the-drop"
    with (
        connect(profile_for("editor", pg_schema), password_for("editor"), autocommit=True) as c,
        c.transaction(),
    ):
        c.execute("SELECT set_config('gisdesk.txn', %s, true)", (token,))
        c.execute(
            sql.SQL("UPDATE {}.roads SET name = %s WHERE fid = %s").format(
                sql.Identifier(pg_schema)
            ),
            ("已到达服务器", fid),
        )
    # What the client kept: the same edit, waiting, because no answer came back.
    waiting = EditTransaction(1, "改名", "Rename", (change,), user="A")
    store.pending.append(_Pending(waiting, (change,), token))
    saved = store.retry(editor)
    assert len(saved) == 1 and not store.pending
    assert layer.data["name"].iloc[5] == "已到达服务器"  # the project shows it now
    assert _server_row(admin_conn, pg_schema, "roads", fid)[:2] == ("已到达服务器", 2)
    assert store.versions["roads"][fid] == 2  # known version renewed, next edit goes through
    editor.update_feature("roads", fid, {"name": "再改"})
    assert _server_row(admin_conn, pg_schema, "roads", fid)[:2] == ("再改", 3)
    store.close()
