"""The PostGIS connection dialog and the window's PostGIS commands (real server when present)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from shapely.geometry import LineString

from gisdesk.core.editing import GEOMETRY, Editor
from gisdesk.core.project import Project
from gisdesk.io.postgis.profiles import ConnectionProfile, connect, save_profiles
from gisdesk.io.postgis.publish import publish_layer
from gisdesk.io.postgis.store import PostgisEditStore
from gisdesk.ui.postgis_dialog import PostgisDialog
from tests.integration.conftest import (
    SERVER_MISSING,
    SKIP_REASON,
    password_for,
    profile_for,
    sample_layer,
)

needs_server = pytest.mark.skipif(SERVER_MISSING, reason=SKIP_REASON)


@pytest.fixture
def published_roads(sample_path, schemas, pg_schema):
    layer = sample_layer(sample_path, schemas, "roads", rows=50)
    with connect(profile_for("admin"), password_for("admin"), autocommit=True) as conn:
        publish_layer(conn, layer, pg_schema)
    return pg_schema


def _fill(dialog: PostgisDialog, qtbot, role: str, schema: str, password: str) -> None:
    p = profile_for(role, schema)
    dialog.name_edit.setText("测试服务器")  # (QTest types Latin-1 only)
    for edit, text in (
        (dialog.host_edit, p.host),
        (dialog.db_edit, p.dbname),
        (dialog.user_edit, p.user),
        (dialog.schema_edit, schema),
        (dialog.password_edit, password),
    ):
        edit.clear()
        qtbot.keyClicks(edit, text)
    dialog.port_spin.setValue(p.port)


def test_dialog_lists_saved_profiles_and_fills_the_fields(qtbot, tmp_path):
    path = tmp_path / "profiles.json"
    save_profiles(
        [
            ConnectionProfile("区局", host="10.1.2.3", port=5433, dbname="haimen", user="jj"),
            ConnectionProfile("规划", host="db.local", user="gh", schema="plan"),
        ],
        path,
    )
    dialog = PostgisDialog(profiles_file=path)
    qtbot.addWidget(dialog)
    assert dialog.profile_list.count() == 2
    assert dialog.host_edit.text() == "10.1.2.3" and dialog.port_spin.value() == 5433
    dialog.profile_list.setCurrentRow(1)
    assert dialog.profile() == ConnectionProfile("规划", host="db.local", user="gh", schema="plan")
    assert dialog.password_edit.echoMode() == dialog.password_edit.EchoMode.Password
    assert not dialog.ok_button.isEnabled()
    # Nothing answers on port 1: the result says so, in Chinese by default.
    dialog.host_edit.setText("127.0.0.1")
    dialog.port_spin.setValue(1)
    with qtbot.waitSignal(dialog.tested, timeout=20_000):  # the test runs in a worker
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        assert not dialog.test_button.isEnabled()
        assert dialog.result_label.text() == "正在连接…"
    assert dialog.test_button.isEnabled()
    assert "无法连接到 PostGIS 服务器" in dialog.result_label.text()
    assert dialog.table_list.count() == 0 and not dialog.ok_button.isEnabled()


def test_a_refused_connection_is_explained_in_chinese_with_the_driver_text_behind_a_button(
    qtbot, tmp_path
):
    dialog = PostgisDialog(profiles_file=tmp_path / "profiles.json")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.details_button.isVisible() and not dialog.details.isVisible()
    cancel = dialog.buttons.button(dialog.buttons.StandardButton.Cancel)
    assert cancel.text() == "取消" and dialog.ok_button.text() == "打开所选图层"
    dialog.host_edit.setText("127.0.0.1")
    dialog.port_spin.setValue(1)  # nothing answers there
    dialog.user_edit.setText("<b>甲</b>")
    with qtbot.waitSignal(dialog.tested, timeout=20_000):
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    text = dialog.result_label.text()
    assert text.startswith("无法连接到 PostGIS 服务器 <b>甲</b>@127.0.0.1:1/gisdesk")
    assert "服务器未运行、地址或端口有误，或网络不通" in text
    assert "psycopg" not in text and "connection" not in text.lower()  # no driver English
    assert dialog.result_label.textFormat() == Qt.TextFormat.PlainText
    assert dialog.details_button.isVisible() and dialog.details_button.text() == "显示详情"
    assert not dialog.details.isVisible()
    qtbot.mouseClick(dialog.details_button, Qt.MouseButton.LeftButton)
    assert dialog.details.isVisible() and dialog.details_button.text() == "隐藏详情"
    assert dialog.details.toPlainText().startswith("psycopg.OperationalError:")
    shots = Path(os.environ.get("GISDESK_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(shots / "postgis_refused_details.png"))
    assert "port 1" in dialog.details.toPlainText()
    qtbot.mouseClick(dialog.details_button, Qt.MouseButton.LeftButton)
    assert not dialog.details.isVisible()
    dialog.port_spin.setValue(2)
    with qtbot.waitSignal(dialog.tested, timeout=20_000):  # a new test clears the old details
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        assert dialog.result_label.text() == "正在连接…"
        assert not dialog.details_button.isVisible() and dialog.details.toPlainText() == ""
    assert "port 2" in dialog.details.toPlainText() and dialog.details_button.isVisible()


@needs_server
def test_dialog_tests_the_connection_and_lists_layers(qtbot, tmp_path, published_roads):
    path = tmp_path / "profiles.json"
    dialog = PostgisDialog(profiles_file=path)
    qtbot.addWidget(dialog)
    _fill(dialog, qtbot, "editor", published_roads, "wrong")
    with qtbot.waitSignal(dialog.tested, timeout=20_000):
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert "用户名或密码不正确" in dialog.result_label.text()
    assert dialog.table_list.count() == 0

    dialog.password_edit.setText(password_for("editor"))
    with qtbot.waitSignal(dialog.tested, timeout=20_000):
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    text = dialog.result_label.text()
    assert text.startswith("连接成功") and "PostGIS 3." in text and "权限：编辑" in text
    assert "1 个 gisdesk 图层" in text
    assert dialog.table_list.count() == 1
    assert dialog.table_list.item(0).text() == "道路  [roads]"
    assert not dialog.ok_button.isEnabled()
    dialog.table_list.item(0).setSelected(True)
    assert dialog.ok_button.isEnabled()
    assert dialog.selected_tables() == ["roads"]
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["profiles"][0]["user"] == "gd_editor_a"
    assert password_for("editor") not in path.read_text(encoding="utf-8")
    dialog.ok_button.click()
    assert dialog.result() == dialog.DialogCode.Accepted


@needs_server
def test_window_opens_a_postgis_layer_and_a_second_desktop_sees_the_edit(window, published_roads):
    schema = published_roads
    assert window.registry["postgis_connect"].text() == "连接 PostGIS…"
    opened = window.postgis.open_layers(
        profile_for("editor", schema), password_for("editor"), ["roads"]
    )
    assert [layer.name for layer in opened] == ["roads_2"]  # the sample has its own roads
    layer = window.project.layer("roads_2")
    assert len(layer) == 50 and layer.kind == "roads"
    store = window.postgis.store_of("roads_2")
    assert store is not None

    # This desktop edits the shared layer in the window: the edit goes to the server.
    assert window.edits.editor.stores["roads_2"] is store
    fid = int(layer.fids[3])
    line = LineString([(121.3, 31.8), (121.31, 31.81)])
    txn = window.edits.update_feature("roads_2", fid, {"name": "共享路", GEOMETRY: line})
    assert txn is not None, window.log.toPlainText()
    assert store.pending == []  # nothing waiting for a retry: the server took it

    # A second desktop (its own project and connection) reads it again and sees it.
    other = PostgisEditStore(profile_for("editor2", schema), password_for("editor2"))
    project_b = Project(title="second desktop")
    layer_b = project_b.add_layer(other.open_layer("roads"))
    assert layer_b.data["name"].iloc[layer_b.row_of(fid)] == "共享路"
    assert layer_b.data.geometry.iloc[layer_b.row_of(fid)].equals_exact(line, 0)

    # ...and its edit reaches this window on refresh.
    Editor(project_b, other, user="B").update_feature("roads", fid, {"lanes": 8})
    window.registry["postgis_refresh"].trigger()
    assert int(layer.data["lanes"].iloc[layer.row_of(fid)]) == 8
    other.close()
    for s in window.postgis.stores:
        s.close()
