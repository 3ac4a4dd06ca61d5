"""Each built-in map tool is a CanvasTool: mouse events on an offscreen canvas give its effect."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from PySide6.QtCore import QPoint, Qt

from gisdesk.ui.canvas import CanvasTool, MapCanvas
from gisdesk.ui.tools.navigation import (
    NAVIGATION_TOOLS,
    IdentifyTool,
    MeasureAreaTool,
    MeasureLineTool,
    PanTool,
    SelectTool,
    ZoomBoxTool,
)
from tests.ui.test_canvas import TO_4549, _square_project

SHIFT = Qt.KeyboardModifier.ShiftModifier
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def canvas(qtbot):
    c = MapCanvas()
    c.resize(600, 400)
    qtbot.addWidget(c)
    c.show()
    c.set_project(_square_project())
    c.current_layer = "square"
    assert c.wait_for_frame()
    yield c
    c.shutdown()


def _px(canvas: MapCanvas, x: float, y: float) -> QPoint:
    px, py = canvas.viewport.to_pixels(np.array([[x, y]]))[0]
    return QPoint(round(float(px)), round(float(py)))


def _centre() -> tuple[float, float]:
    return TO_4549.transform(121.17, 31.90)


def _drag(qtbot, canvas, a: QPoint, b: QPoint, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.mousePress(canvas, LEFT, modifier, a)
    qtbot.mouseMove(canvas, b)
    qtbot.mouseRelease(canvas, LEFT, modifier, b)


def test_every_navigation_tool_is_a_canvas_tool_with_a_name():
    assert set(NAVIGATION_TOOLS) == {
        "tool_pan",
        "tool_zoom_box",
        "tool_identify",
        "tool_select",
        "tool_measure_line",
        "tool_measure_area",
    }
    for cls in NAVIGATION_TOOLS.values():
        assert issubclass(cls, CanvasTool)
        assert cls.name_zh and cls.name_en and not cls.on_layer


def test_a_bare_canvas_tool_leaves_the_view_alone(canvas, qtbot):
    before = canvas.viewport
    _drag(qtbot, canvas, QPoint(300, 200), QPoint(400, 250))
    assert canvas.viewport == before


def test_pan_drags_the_map_and_shift_drag_zooms_to_a_box(canvas, qtbot):
    canvas.set_tool(PanTool(canvas))
    before = canvas.viewport
    _drag(qtbot, canvas, QPoint(300, 200), QPoint(360, 180))
    assert canvas.viewport.center_x == pytest.approx(before.center_x - 60 * before.resolution)
    assert canvas.viewport.center_y == pytest.approx(before.center_y - 20 * before.resolution)
    assert canvas.viewport.resolution == pytest.approx(before.resolution)
    _drag(qtbot, canvas, QPoint(200, 150), QPoint(260, 190), SHIFT)
    assert canvas.viewport.resolution < before.resolution / 5


def test_zoom_box_zooms_to_the_box_and_a_click_does_nothing(canvas, qtbot):
    canvas.set_tool(ZoomBoxTool(canvas))
    before = canvas.viewport
    qtbot.mouseClick(canvas, LEFT, pos=QPoint(300, 200))
    assert canvas.viewport == before
    cx, cy = _centre()
    _drag(qtbot, canvas, _px(canvas, cx - 1000, cy + 1000), _px(canvas, cx + 1000, cy - 1000))
    x0, y0, x1, y1 = canvas.viewport.extent
    assert x0 <= cx - 990 and x1 >= cx + 990 and y0 <= cy - 990 and y1 >= cy + 990
    assert canvas.viewport.resolution < 0.8 * before.resolution  # 2 km tall in 400 px
    assert canvas.viewport.height * canvas.viewport.resolution < 2400


def test_identify_reports_the_features_under_a_click(canvas, qtbot):
    canvas.set_tool(IdentifyTool(canvas))
    found: list[list[tuple[str, int]]] = []
    canvas.identified.connect(lambda hits: found.append([(lay.name, r) for lay, r in hits]))
    cx, cy = _centre()
    qtbot.mouseClick(canvas, LEFT, pos=_px(canvas, cx + 3000, cy))
    qtbot.mouseClick(canvas, LEFT, pos=_px(canvas, cx, cy))
    qtbot.mouseClick(canvas, LEFT, pos=_px(canvas, cx + 1800, cy))
    assert found == [[("point", 0)], [("square", 0)], []]


def test_select_by_click_by_box_and_shift_toggles(canvas, qtbot):
    canvas.set_tool(SelectTool(canvas))
    square = canvas.project.layer("square")
    cx, cy = _centre()
    qtbot.mouseClick(canvas, LEFT, pos=_px(canvas, cx, cy))
    assert square.selection.tolist() == [0]
    qtbot.mouseClick(canvas, LEFT, SHIFT, _px(canvas, cx, cy))
    assert square.selection.tolist() == []
    _drag(qtbot, canvas, _px(canvas, cx - 1500, cy + 500), _px(canvas, cx - 500, cy - 500))
    assert square.selection.tolist() == [0]  # the box meets the square's left edge
    _drag(qtbot, canvas, _px(canvas, cx + 2500, cy + 500), _px(canvas, cx + 2800, cy - 500))
    assert square.selection.tolist() == []  # a box beside it selects nothing of this layer


def test_measure_line_adds_vertices_double_click_ends_and_escape_clears(canvas, qtbot):
    tool = MeasureLineTool(canvas)
    canvas.set_tool(tool)
    measured: list[tuple[float, str]] = []
    canvas.measured.connect(lambda v, k: measured.append((v, k)))
    cx, cy = _centre()
    a, b = _px(canvas, cx - 1000, cy), _px(canvas, cx + 1000, cy)
    qtbot.mouseClick(canvas, LEFT, pos=a)
    qtbot.mouseClick(canvas, LEFT, pos=b)
    value, kind = measured[-1]
    assert kind == "length"
    assert value == pytest.approx(2000, abs=2 * canvas.viewport.resolution)
    qtbot.mouseDClick(canvas, LEFT, pos=b)
    assert tool.finished
    qtbot.mouseClick(canvas, LEFT, pos=a)  # a click after the end starts a new measurement
    assert len(tool.points) == 1
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert tool.points == []


def test_measure_area_measures_the_clicked_polygon(canvas, qtbot):
    canvas.set_tool(MeasureAreaTool(canvas))
    measured: list[tuple[float, str]] = []
    canvas.measured.connect(lambda v, k: measured.append((v, k)))
    cx, cy = _centre()
    corners = [(cx - 1000, cy - 1000), (cx + 1000, cy - 1000), (cx + 1000, cy + 1000)]
    for x, y in corners:
        qtbot.mouseClick(canvas, LEFT, pos=_px(canvas, x, y))
    assert [k for _v, k in measured] == ["area", "length", "area"]
    value, _kind = measured[-1]
    # the clicks land on whole pixels: allow a pixel's width along the triangle's sides
    tolerance = 3 * 2000 * canvas.viewport.resolution
    assert value == pytest.approx(shapely.Polygon(corners).area, abs=tolerance)


def test_choosing_another_tool_drops_the_unfinished_measurement(canvas, qtbot):
    tool = MeasureLineTool(canvas)
    canvas.set_tool(tool)
    cx, cy = _centre()
    qtbot.mouseClick(canvas, LEFT, pos=_px(canvas, cx, cy))
    assert len(tool.points) == 1
    canvas.set_tool(PanTool(canvas))
    assert tool.points == []


def test_the_middle_button_pans_whatever_the_tool(canvas, qtbot):
    canvas.set_tool(IdentifyTool(canvas))
    before = canvas.viewport
    middle = Qt.MouseButton.MiddleButton
    qtbot.mousePress(canvas, middle, pos=QPoint(300, 200))
    qtbot.mouseMove(canvas, QPoint(340, 200))
    qtbot.mouseRelease(canvas, middle, pos=QPoint(340, 200))
    assert canvas.viewport.center_x == pytest.approx(before.center_x - 40 * before.resolution)


def test_the_window_chooses_every_tool_through_one_method(window):
    from gisdesk.ui.digitize import AddFeatureTool

    for key, cls in NAVIGATION_TOOLS.items():
        window.set_tool(key)
        assert type(window.canvas.tool) is cls
        assert window.registry[key].isChecked()
    window.layer_tree.select_layer("monitoring_stations")
    window.set_tool("edit_add")
    assert isinstance(window.canvas.tool, AddFeatureTool)
    assert window.registry["edit_add"].isChecked()
    assert not window.registry["tool_measure_area"].isChecked()
    layer_title = window.project.layer("monitoring_stations").title
    assert layer_title in window.statusBar().currentMessage()
