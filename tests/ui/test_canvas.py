"""The canvas on real frames: pixels where features are, pan, zoom, identify, select, measure."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor

from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.core.style import LayerStyle, StyleClass, Symbol
from gisdesk.ui.canvas import MapCanvas
from gisdesk.ui.tools.navigation import (
    MeasureAreaTool,
    MeasureLineTool,
    PanTool,
    SelectTool,
    ZoomBoxTool,
)

TO_4549 = Transformer.from_crs(4490, 4549, always_xy=True)


def _square_project() -> Project:
    """A red square 2 km wide, centred on Haimen's centre, and a blue point beside it."""
    cx, cy = TO_4549.transform(121.17, 31.90)
    square = gpd.GeoDataFrame(
        {"name": ["red"]},
        geometry=[shapely.box(cx - 1000, cy - 1000, cx + 1000, cy + 1000)],
        crs=4549,
    ).to_crs(4490)
    point = gpd.GeoDataFrame(
        {"name": ["blue"]}, geometry=[shapely.Point(cx + 3000, cy)], crs=4549
    ).to_crs(4490)
    red = Symbol(fill="#ff0000", stroke=None)
    blue = Symbol(fill="#0000ff", stroke=None, size=4.0, marker="square")
    p = Project(title="squares")
    p.add_layer(
        Layer(
            "square", square, style=LayerStyle("single", (StyleClass(red, "r", "r"),), symbol=red)
        )
    )
    p.add_layer(
        Layer(
            "point", point, style=LayerStyle("single", (StyleClass(blue, "b", "b"),), symbol=blue)
        )
    )
    return p


@pytest.fixture
def canvas(qtbot):
    c = MapCanvas()
    c.resize(600, 400)
    qtbot.addWidget(c)
    c.show()
    c.set_tool(PanTool(c))
    c.set_project(_square_project())
    assert c.wait_for_frame()
    yield c
    c.shutdown()


def _pixel(canvas: MapCanvas, x: float, y: float) -> QColor:
    """Colour of the last frame at a map position in EPSG:4549."""
    image = canvas.grab_frame()
    px, py = canvas.viewport.to_pixels(np.array([[x, y]]))[0]
    ratio = image.devicePixelRatio()
    return image.pixelColor(int(px * ratio), int(py * ratio))


def test_frame_has_features_where_they_are(canvas):
    cx, cy = TO_4549.transform(121.17, 31.90)
    assert _pixel(canvas, cx, cy).name() == "#ff0000"
    assert _pixel(canvas, cx + 3000, cy).name() == "#0000ff"
    assert _pixel(canvas, cx + 1800, cy).alpha() == 0  # between the two: nothing drawn
    assert canvas.crs.to_epsg() == 4549


def test_pan_by_drag_moves_the_map_by_the_drag(canvas, qtbot):
    before = canvas.viewport
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(300, 200))
    qtbot.mouseMove(canvas, QPoint(400, 250))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(400, 250))
    after = canvas.viewport
    assert after.center_x == pytest.approx(before.center_x - 100 * before.resolution)
    assert after.center_y == pytest.approx(before.center_y + 50 * before.resolution)
    assert canvas.wait_for_frame()
    cx, cy = TO_4549.transform(121.17, 31.90)
    assert _pixel(canvas, cx, cy).name() == "#ff0000"


def test_keys_and_wheel_zoom(canvas, qtbot):
    res = canvas.viewport.resolution
    qtbot.keyClick(canvas, Qt.Key.Key_Plus)
    assert canvas.viewport.resolution == pytest.approx(res / 2)
    anchor = QPointF(150, 100)
    fixed = canvas.viewport.to_map(150, 100)
    from PySide6.QtGui import QWheelEvent

    event = QWheelEvent(
        anchor,
        canvas.mapToGlobal(anchor),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    canvas.wheelEvent(event)
    assert canvas.viewport.resolution == pytest.approx(res / 2 / 1.25)
    assert canvas.viewport.to_map(150, 100) == pytest.approx(fixed)  # cursor point stays put
    canvas.previous_extent()
    assert canvas.viewport.resolution == pytest.approx(res / 2)
    canvas.next_extent()
    assert canvas.viewport.resolution == pytest.approx(res / 2 / 1.25)


def test_zoom_box(canvas, qtbot):
    canvas.set_tool(ZoomBoxTool(canvas))
    res = canvas.viewport.resolution
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(200, 150))
    qtbot.mouseMove(canvas, QPoint(260, 190))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(260, 190))
    assert canvas.viewport.resolution < res / 5


def test_cached_frame_gives_instant_feedback(canvas):
    """After a pan, paintEvent shows the old frame shifted before a new one arrives."""
    canvas.set_viewport(canvas.viewport.panned(40, 0))
    shown = canvas.grab()  # paints now, from the cached frame
    cx, cy = TO_4549.transform(121.17, 31.90)
    px, py = canvas.viewport.to_pixels(np.array([[cx, cy]]))[0]
    image = shown.toImage()
    ratio = image.devicePixelRatio()
    assert image.pixelColor(int(px * ratio), int(py * ratio)).name() == "#ff0000"


def test_identify_select_and_measure(canvas, qtbot):
    cx, cy = TO_4549.transform(121.17, 31.90)
    px, py = canvas.viewport.to_pixels(np.array([[cx + 3000, cy]]))[0]
    hits = canvas.identify_at(px, py)
    assert [(layer.name, row) for layer, row in hits] == [("point", 0)]
    canvas.set_tool(SelectTool(canvas))
    canvas.current_layer = "square"
    sx, sy = canvas.viewport.to_pixels(np.array([[cx, cy]]))[0]
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(sx), int(sy)))
    assert canvas.project.layer("square").selection.tolist() == [0]
    qtbot.mouseClick(
        canvas,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ShiftModifier,
        QPoint(int(sx), int(sy)),
    )
    assert canvas.project.layer("square").selection.tolist() == []  # shift toggles
    measured = []
    canvas.measured.connect(lambda v, k: measured.append((v, k)))
    canvas.set_tool(MeasureLineTool(canvas))
    a = canvas.viewport.to_pixels(np.array([[cx - 1000, cy]]))[0]
    b = canvas.viewport.to_pixels(np.array([[cx + 1000, cy]]))[0]
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(a[0]), round(a[1])))
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(b[0]), round(b[1])))
    value, kind = measured[-1]
    assert kind == "length"
    assert value == pytest.approx(2000, abs=2 * canvas.viewport.resolution)


def test_area_measure_matches_an_independent_projection(canvas):
    tool = MeasureAreaTool(canvas)
    canvas.set_tool(tool)
    lonlat = [(121.16, 31.89), (121.18, 31.89), (121.18, 31.91)]
    xy = [TO_4549.transform(lon, lat) for lon, lat in lonlat]
    tool.points = list(xy)
    values = []
    canvas.measured.connect(lambda v, k: values.append(v))
    tool.emit()
    x = np.array([p[0] for p in xy])
    y = np.array([p[1] for p in xy])
    shoelace = 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))
    assert values[-1] == pytest.approx(shoelace)
    assert 2.0e6 < values[-1] < 2.2e6  # about 1.9 km x 2.2 km / 2: metres, not degrees


def test_scale_text_round_trip():
    assert MapCanvas.parse_scale("1:25,000") == 25000
    assert MapCanvas.parse_scale("1：5000") == 5000
    assert MapCanvas.parse_scale("abc") is None
    assert "亩" in MapCanvas.format_area(666.67)
