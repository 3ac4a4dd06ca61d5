"""Registering a rental factory by its footprint: site and outline in one edit, in the file."""

from __future__ import annotations

import pyogrio
import pytest
import shapely
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from gisdesk.ui.digitize import to_display

FACTORY = {
    "factory_id": "HM-CF-9200",
    "name": "占地登记厂房",
    "town": "悦来镇",
    "building_type": "一厂多栋",
    "tenants": 2,
    "category": "规范",
    "status": "未整改",
}


def test_footprint_registers_site_and_outline_then_undo(window) -> None:
    canvas = window.canvas
    canvas.set_scale(5000)
    canvas.wait_for_frame()
    window.snapper.enabled = False
    window.feature_values = lambda layer, initial: dict(FACTORY)
    window.layer_tree.select_layer("towns")  # works whatever the current layer is
    window.set_tool("edit_factory")
    corners = [QPoint(300, 200), QPoint(400, 200), QPoint(400, 280), QPoint(300, 280)]
    for p in corners:
        QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=p)
    assert "面积" in window.statusBar().currentMessage()
    QTest.keyClick(canvas, Qt.Key.Key_Return)

    path = window.edits.store.path
    sites = pyogrio.read_dataframe(path, layer="rental_factories", fid_as_index=True)
    outlines = pyogrio.read_dataframe(path, layer="factory_footprints", fid_as_index=True)
    site = sites[sites["factory_id"] == "HM-CF-9200"]
    outline = outlines[outlines["factory_id"] == "HM-CF-9200"]
    assert len(site) == 1 and len(outline) == 1
    assert outline["name"].iloc[0] == "占地登记厂房"
    expected = 100 * 80 * canvas.viewport.resolution**2  # a 100 x 80 px rectangle, m²
    assert outline["area_m2"].iloc[0] == pytest.approx(expected, abs=0.1)
    layer = window.project.layer("factory_footprints")
    drawn = to_display(outline.geometry.iloc[0], canvas, layer)
    assert drawn.area == pytest.approx(expected, rel=1e-6)
    assert shapely.contains(outline.geometry.iloc[0], site.geometry.iloc[0])

    window.undo.undo()  # one step removes both
    sites = pyogrio.read_dataframe(path, layer="rental_factories")
    outlines = pyogrio.read_dataframe(path, layer="factory_footprints")
    assert "HM-CF-9200" not in set(sites["factory_id"])
    assert "HM-CF-9200" not in set(outlines["factory_id"])


def test_cancelled_form_adds_nothing(window) -> None:
    window.snapper.enabled = False
    window.feature_values = lambda layer, initial: None
    window.set_tool("edit_factory")
    count = len(window.project.layer("rental_factories"))
    for p in [QPoint(300, 200), QPoint(400, 200), QPoint(400, 280)]:
        QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=p)
    QTest.keyClick(window.canvas, Qt.Key.Key_Return)
    assert len(window.project.layer("rental_factories")) == count
    assert "取消" in window.statusBar().currentMessage()


def test_footprint_layer_is_created_when_the_project_has_none(window) -> None:
    window.project.remove_layer("factory_footprints")
    window.snapper.enabled = False
    window.feature_values = lambda layer, initial: dict(FACTORY, factory_id="HM-CF-9201")
    window.set_tool("edit_factory")
    for p in [QPoint(300, 200), QPoint(420, 210), QPoint(380, 300)]:
        QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=p)
    QTest.keyClick(window.canvas, Qt.Key.Key_Return)
    assert "factory_footprints" in window.project
    stored = pyogrio.read_dataframe(window.edits.store.path, layer="factory_footprints")
    assert list(stored["factory_id"]) == ["HM-CF-9201"]
