"""The main window on the Haimen sample: layers, legend, table edits with undo, styles, files."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from gisdesk.io.project_store import open_project
from gisdesk.ui.layer_tree import ROLE_KIND, ROLE_LAYER

THEMATIC = [
    "accident_segments",
    "monitoring_stations",
    "service_points",
    "sewage_districts",
    "rental_factories",
    "villages",
    "towns",
]


def test_sample_opens_with_thematic_layers_visible_styled_and_in_the_legend(window):
    project = window.project
    for name in THEMATIC:
        layer = project.layer(name)
        assert layer.visible and layer.style is not None and len(layer) > 0
    items = {str(i.data(0, ROLE_LAYER)): i for i in window.layer_tree.layer_items()}
    assert set(items) == {layer.name for layer in project}
    seg = items["accident_segments"]
    legend = [seg.child(i).text(0) for i in range(seg.childCount())]
    assert [t.split()[0] for t in legend] == ["排查", "会商", "整改", "验收", "销号"]
    assert all(seg.child(i).data(0, ROLE_KIND) == "legend" for i in range(seg.childCount()))
    assert window.indicators.crs_label.text() == "EPSG:4549"
    assert "示意数据" in items["villages"].toolTip(0)
    stats = window.canvas.last_stats
    assert stats is not None and stats.features["roads"] > 1000


def test_station_pixels_show_the_national_station_symbol(window):
    canvas = window.canvas
    stations = canvas.prepared("monitoring_stations")
    row = int(
        np.flatnonzero(window.project.layer("monitoring_stations").data["code"] == "2008A")[0]
    )
    x, y = stations.geoms[row].x, stations.geoms[row].y
    canvas.set_viewport(
        canvas.viewport.with_scale(20000).fitted((x - 300, y - 300, x + 300, y + 300))
    )
    assert canvas.wait_for_frame()
    image = canvas.grab_frame()
    px, py = canvas.viewport.to_pixels(np.array([[x, y]]))[0]
    ratio = image.devicePixelRatio()
    colour = image.pixelColor(int(px * ratio), int((py + 2) * ratio))
    assert colour.name() == "#006d2c"  # 国控 class fill from styles/monitoring_stations.toml


def test_identify_shows_chinese_field_labels(window):
    canvas = window.canvas
    stations = canvas.prepared("monitoring_stations")
    data = window.project.layer("monitoring_stations").data
    row = int(np.flatnonzero(data["code"] == "2009A")[0])
    x, y = stations.geoms[row].x, stations.geoms[row].y
    canvas.set_viewport(canvas.viewport.fitted((x - 200, y - 200, x + 200, y + 200)))
    px, py = canvas.viewport.to_pixels(np.array([[x, y]]))[0]
    window.show_identify(canvas.identify_at(px, py))
    top = window.results.topLevelItem(0)
    assert top.text(0) == "空气质量监测站点"
    fields = {top.child(i).text(0): top.child(i).text(1) for i in range(top.childCount())}
    assert fields["站点名称"] == "社会福利院"
    assert fields["站点级别"].startswith("国控")


def test_table_edit_is_validated_and_undoable(window, qtbot, monkeypatch):
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: None)
    window.show_table("villages")
    model = window.table.model
    col = model.columns.index("households")
    index = model.index(0, col)
    row = int(model.rows[0])
    before = int(window.project.layer("villages").data["households"].iloc[row])
    rejected = []
    model.edit_rejected.connect(rejected.append)
    assert not model.setData(index, "-5")
    assert not model.setData(index, "很多")
    assert len(rejected) == 2 and "不能小于" in rejected[0]
    assert model.setData(index, "1234")
    assert int(window.project.layer("villages").data["households"].iloc[row]) == 1234
    assert window.modified
    window.undo.undo()
    assert int(window.project.layer("villages").data["households"].iloc[row]) == before
    window.undo.redo()
    assert int(window.project.layer("villages").data["households"].iloc[row]) == 1234
    kind = model.columns.index("kind")
    assert not model.setData(model.index(0, kind), "城堡")  # not in the value list


def test_table_filter_sort_selection_sync_and_excel(window, tmp_path):
    window.show_table("villages")
    table = window.table
    model = table.model
    table.filter_edit.setText("town == '海门街道' and households > 500")
    table._apply_filter()
    data = window.project.layer("villages").data
    expected = set(
        np.flatnonzero(((data["town"] == "海门街道") & (data["households"] > 500)).to_numpy())
    )
    assert set(model.rows.tolist()) == expected and expected
    col = model.columns.index("population")
    model.sort(col, Qt.SortOrder.DescendingOrder)
    pops = data["population"].to_numpy()[model.rows]
    assert (np.diff(pops.astype(float)) <= 0).all()
    table._select_matching()
    assert set(window.project.layer("villages").selection.tolist()) == expected
    assert len(table.view.selectionModel().selectedRows()) == len(expected)
    out = model.export_excel(tmp_path / "villages.xlsx")
    sheet = pd.read_excel(out)
    assert "户数（户）" in sheet.columns and len(sheet) == len(expected)
    table.filter_edit.setText("open('x')")
    from PySide6.QtWidgets import QMessageBox as Box

    Box.warning = staticmethod(lambda *a, **k: None)  # type: ignore[method-assign]
    table._apply_filter()  # refused with a message, table unchanged
    assert set(model.rows.tolist()) == expected


def test_style_change_redraws_saves_and_reopens(window, tmp_path):
    from gisdesk.ui.style_dialog import StyleDialog

    layer = window.project.layer("villages")
    dialog = StyleDialog(layer, window.undo, window)
    dialog.kind.setCurrentIndex(dialog.kind.findData("categorized"))
    dialog.field.setCurrentIndex(dialog.field.findData("town"))
    assert dialog.apply()
    assert layer.style.kind == "categorized" and layer.style.field == "town"
    assert len(layer.style.classes) == 12
    from PySide6.QtCore import QCoreApplication

    QCoreApplication.processEvents()  # the tree rebuilds on the next turn of the event loop
    item = next(i for i in window.layer_tree.layer_items() if i.data(0, ROLE_LAYER) == "villages")
    assert item.childCount() == 12
    assert window.canvas.wait_for_frame()
    window.undo.undo()
    assert layer.style.kind == "graduated"
    window.undo.redo()
    target = tmp_path / "saved.gpkg"
    assert window.files.save_to(target, wait=True)
    assert not window.modified
    reopened = open_project(target)
    assert reopened.layer("villages").style.kind == "categorized"


def test_corrupt_project_gives_a_message_and_keeps_the_current_one(window, tmp_path, qtbot):
    bad = tmp_path / "bad.gpkg"
    bad.write_bytes(b"SQLite format 3\x00" + b"\xff" * 500)
    before = window.project
    window.open_path(bad, wait=True)
    assert window.project is before
    assert "damaged" in window.last_error or "损坏" in window.last_error


def test_add_layer_without_crs_is_refused_and_gcj02_table_is_converted(window, tmp_path):
    import geopandas as gpd
    import shapely

    shp = tmp_path / "nocrs.geojson"
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(121.1, 31.9)]).to_file(shp)
    # GeoJSON is WGS84 by definition; a shapefile without .prj is the real case
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(121.1, 31.9)]).to_file(
        shp_dir / "nocrs.shp"
    )
    (shp_dir / "nocrs.prj").unlink(missing_ok=True)  # GDAL may not have written one
    n = len(window.project)
    assert window.add_layer_from(shp_dir / "nocrs.shp") is None
    assert "坐标系" in window.last_error or "coordinate" in window.last_error
    assert len(window.project) == n
    csv = tmp_path / "points.csv"
    csv.write_text("名称,经度,纬度\n海门市监测站,121.177579,31.894129\n", encoding="utf-8")
    layer = window.add_layer_from(csv, table_choice=("经度", "纬度", "GCJ02"))
    assert layer is not None and "GCJ-02" in layer.metadata.conversions[0]
    pt = layer.data.geometry.iloc[0]
    assert pt.x == pytest.approx(121.1730, abs=2e-6) and pt.y == pytest.approx(31.8960, abs=2e-6)


def test_unsaved_changes_are_not_dropped_without_asking(window, monkeypatch):
    window.project.layer("villages").set_opacity(0.5)
    assert window.modified
    asked = []
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda *a, **k: asked.append(1) or QMessageBox.StandardButton.Cancel,
    )
    window.close()
    assert asked and window.isVisible()
    window.modified = False


def test_layer_tree_reorder_and_visibility(window):
    tree = window.layer_tree
    window.project.layer("roads")
    item = next(i for i in tree.layer_items() if i.data(0, ROLE_LAYER) == "roads")
    item.setCheckState(0, Qt.CheckState.Unchecked)
    assert not window.project.layer("roads").visible
    names_before = [layer.name for layer in window.project]
    window.project.move_layer("roads", len(names_before) - 1)
    assert window.project.layers[-1].name == "roads"
    top = tree.layer_items()
    assert any(i.data(0, ROLE_LAYER) == "roads" for i in top)
    tree.apply_tree_order()  # the tree's order is the project's order
    assert [layer.name for layer in window.project][-1] == "roads" or window.project.layer(
        "roads"
    ).group


def test_screenshot_command(tmp_path, sample_path):
    import subprocess
    import sys

    out = tmp_path / "shot.png"
    result = subprocess.run(
        [sys.executable, "-m", "gisdesk", "open", str(sample_path), "--screenshot", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert image.width() >= 1000 and image.height() >= 700
    colours = {
        image.pixelColor(x, y).name()
        for x in range(0, image.width(), 37)
        for y in range(0, image.height(), 37)
    }
    assert len(colours) > 30  # a drawn map, not an empty window


def test_copy_of_sample_is_untouched(sample_path, tmp_path):
    copy = tmp_path / "copy.gpkg"
    shutil.copy(sample_path, copy)
    assert open_project(copy).layer("towns").data.shape[0] == 12


def test_redo_answers_ctrl_y_and_ctrl_shift_z(window, qtbot, monkeypatch):
    from PySide6.QtGui import QKeySequence
    from PySide6.QtTest import QTest

    redo = window.findChild(QAction, "action_redo")
    keys = {s.toString(QKeySequence.SequenceFormat.PortableText) for s in redo.shortcuts()}
    assert {"Ctrl+Y", "Ctrl+Shift+Z"} <= keys
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: None)
    window.show_table("villages")
    model = window.table.model
    index = model.index(0, model.columns.index("households"))
    row = int(model.rows[0])
    before = int(window.project.layer("villages").data["households"].iloc[row])
    assert model.setData(index, "4321")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
    for key, modifiers in ((Qt.Key.Key_Y, ctrl), (Qt.Key.Key_Z, ctrl | shift)):
        QTest.keyClick(window, Qt.Key.Key_Z, ctrl)  # undo
        assert int(window.project.layer("villages").data["households"].iloc[row]) == before
        QTest.keyClick(window, key, modifiers)  # redo
        assert int(window.project.layer("villages").data["households"].iloc[row]) == 4321
