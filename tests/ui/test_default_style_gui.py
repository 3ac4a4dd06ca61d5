"""A plain GeoPackage (no gisdesk tables) opens drawn, with default styles and a notice."""

from __future__ import annotations

import geopandas as gpd
import pyogrio
import pytest
from PySide6.QtGui import QColor
from shapely.geometry import LineString, Point, Polygon

from gisdesk.core.default_style import PALETTE

X0, Y0 = 40_500_000.0, 3_530_000.0  # EPSG:4549 metres near Haimen


@pytest.fixture
def plain_gpkg(tmp_path):
    path = tmp_path / "外来数据.gpkg"
    crs = "EPSG:4549"
    square = Polygon(
        [(X0 - 500, Y0 - 500), (X0 + 2500, Y0 - 500), (X0 + 2500, Y0 + 1000), (X0 - 500, Y0 + 1000)]
    )
    pyogrio.write_dataframe(
        gpd.GeoDataFrame({"code": [1]}, geometry=[square], crs=crs), path, layer="地块"
    )
    roads = [LineString([(X0, Y0 + i * 300), (X0 + 2000, Y0 + i * 300)]) for i in range(2)]
    pyogrio.write_dataframe(
        gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=roads, crs=crs), path, layer="道路"
    )
    points = [Point(X0 + i * 500, Y0 + 600) for i in range(3)]
    pyogrio.write_dataframe(
        gpd.GeoDataFrame({"名称": ["甲", "乙", "丙"]}, geometry=points, crs=crs),
        path,
        layer="站点",
    )
    assert {str(n) for n, _ in pyogrio.list_layers(path)} == {"地块", "道路", "站点"}
    return path


def _pixels_near(image, colour: str, tolerance: int = 40) -> int:
    want = QColor(colour)
    found = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            c = image.pixelColor(x, y)
            if (
                abs(c.red() - want.red())
                + abs(c.green() - want.green())
                + abs(c.blue() - want.blue())
                <= tolerance
            ):
                found += 1
    return found


def test_plain_geopackage_is_drawn_with_a_notice(qtbot, plain_gpkg):
    from gisdesk.ui.main_window import MainWindow

    win = MainWindow()
    win.resize(1200, 800)
    win.show()
    try:
        win.open_path(plain_gpkg, wait=True)
        project = win.project
        assert project is not None and {layer.name for layer in project} == {"地块", "道路", "站点"}
        assert win.canvas.wait_for_frame()
        stats = win.canvas.last_stats
        assert stats is not None
        assert stats.features == {"地块": 1, "道路": 2, "站点": 3}
        styles = {layer.name: layer.style for layer in project}
        assert all(style is not None for style in styles.values())
        # distinct colours: one per layer
        strokes = {
            style.symbol.stroke if name != "站点" else style.symbol.fill
            for name, style in styles.items()
        }
        assert len(strokes) == 3
        assert styles["道路"].symbol.fill is None  # lines are not filled
        frame = win.canvas.grab_frame()
        assert frame is not None
        for name, colour in (
            ("道路", styles["道路"].symbol.stroke),
            ("站点", styles["站点"].symbol.fill),
        ):
            assert colour in PALETTE
            assert _pixels_near(frame, colour) > 5, f"{name} is not drawn"
        log = win.log.toPlainText()
        assert "图层“地块”没有样式，已按面使用默认样式" in log
        assert "图层“道路”没有样式，已按线使用默认样式" in log
        assert "图层“站点”没有样式，已按点使用默认样式" in log
        assert "没有样式" in win.statusBar().currentMessage()
        assert not win.modified  # nothing the user did; saving would keep the styles
    finally:
        win.modified = False
        win.close()
        win.deleteLater()


def test_layer_added_without_style_gets_one(window):
    from gisdesk.core.layer import Layer

    data = gpd.GeoDataFrame(
        {"n": [1, 2]}, geometry=[Point(X0, Y0), Point(X0 + 100, Y0)], crs="EPSG:4549"
    )
    layer = Layer("bare_points", data, title="临时点")
    assert layer.style is None
    window.project.add_layer(layer)
    assert layer.style is not None and layer.style.kind == "single"
    assert "图层“临时点”没有样式，已按点使用默认样式" in window.log.toPlainText()
    styled_before = [other for other in window.project if other is not layer]
    assert all(other.style is not None for other in styled_before if len(other.data))
