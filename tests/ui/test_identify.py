"""Identify on the sample: the topmost visible layer (or all, by the dock's setting), the
identified feature highlighted on the map, values wrapped so they are read whole."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from PySide6.QtCore import QPoint, Qt

from gisdesk.core.layer import Layer
from gisdesk.ui.results_panel import ResultsDock, ResultsPanel

LEFT = Qt.MouseButton.LeftButton


def _station(window, code="2009A"):
    canvas = window.canvas
    data = window.project.layer("monitoring_stations").data
    row = int(np.flatnonzero(data["code"] == code)[0])
    point = canvas.prepared("monitoring_stations").geoms[row]
    return row, point.x, point.y


def _click(qtbot, canvas, x, y):
    px, py = canvas.viewport.to_pixels(np.array([[x, y]]))[0]
    qtbot.mouseClick(canvas, LEFT, pos=QPoint(round(float(px)), round(float(py))))


def _titles(window):
    tree = window.results
    return [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]


def _highlight_pixels(window, x, y, radius_px=14):
    """Count pixels of the highlight's colour (#ff00a0) around a map position."""
    canvas = window.canvas
    image = canvas.grab().toImage()
    ratio = image.devicePixelRatio()
    px, py = canvas.viewport.to_pixels(np.array([[x, y]]))[0]
    found = 0
    for dx in range(-radius_px, radius_px + 1):
        for dy in range(-radius_px, radius_px + 1):
            c = image.pixelColor(int((px + dx) * ratio), int((py + dy) * ratio))
            if abs(c.red() - 255) < 40 and c.green() < 60 and abs(c.blue() - 160) < 50:
                found += 1
    return found


def test_identify_lists_the_topmost_layer_or_all_and_remembers(window, qtbot):
    canvas = window.canvas
    row, x, y = _station(window)
    canvas.set_viewport(canvas.viewport.fitted((x - 1500, y - 1000, x + 1500, y + 1000)))
    assert canvas.wait_for_frame()
    window.set_tool("tool_identify")
    dock = window.results_dock
    assert dock.scope.currentText() == "最上层图层"
    _click(qtbot, canvas, x, y)
    assert _titles(window) == ["空气质量监测站点"]  # not the roads and the town beneath
    assert window.results.topLevelItem(0).text(1) == f"第 {row + 1} 行"
    dock.scope.setCurrentIndex(dock.scope.findText("所有可见图层"))
    _click(qtbot, canvas, x, y)
    every = _titles(window)
    assert every[0] == "空气质量监测站点" and len(every) > 1 and "镇（街道）" in every
    assert "区界" not in every  # an outline drawn without a fill is not met inside it
    # the choice is remembered for the next window
    again = ResultsDock(ResultsPanel(), canvas)
    assert again.scope.currentText() == "所有可见图层" and canvas.identify_all_layers
    again.scope.setCurrentIndex(0)
    assert not canvas.identify_all_layers


def test_the_district_outline_is_identified_on_its_line(window):
    canvas = window.canvas
    outline = canvas.prepared("district").geoms[0].boundary
    x0, y0 = shapely.get_coordinates(outline)[0]
    canvas.set_viewport(canvas.viewport.fitted((x0 - 1000, y0 - 700, x0 + 1000, y0 + 700)))
    px, py = canvas.viewport.to_pixels(np.array([[x0, y0]]))[0]
    hits = canvas.identify_at(px, py, all_layers=True)
    assert "district" in [layer.name for layer, _row in hits]


def test_the_identified_feature_is_highlighted_and_follows_the_list(window, qtbot):
    canvas = window.canvas
    row, x, y = _station(window)
    canvas.set_viewport(canvas.viewport.fitted((x - 1500, y - 1000, x + 1500, y + 1000)))
    assert canvas.wait_for_frame()
    assert _highlight_pixels(window, x, y) == 0
    window.set_tool("tool_identify")
    window.results_dock.scope.setCurrentIndex(1)  # all layers
    _click(qtbot, canvas, x, y)
    assert canvas.highlight == ("monitoring_stations", row)
    assert _highlight_pixels(window, x, y) > 20  # a ring around the station
    tree = window.results
    town = next(
        i for i in range(tree.topLevelItemCount()) if tree.topLevelItem(i).text(0) == "镇（街道）"
    )
    tree.setCurrentItem(tree.topLevelItem(town).child(0))  # a field of the town's entry
    assert canvas.highlight[0] == "towns"
    window.set_tool("tool_pan")  # another tool: the highlight goes
    assert canvas.highlight is None
    assert _highlight_pixels(window, x, y) == 0


def test_long_values_wrap_instead_of_being_cut_off(qtbot):
    long = "沿海堤公路东侧，靠近渡口的老旧厂房，" * 6 + "末尾"
    layer = Layer(
        "notes",
        gpd.GeoDataFrame(
            {"note": [long], "short": ["短"]}, geometry=[shapely.Point(121.2, 31.9)], crs=4490
        ),
    )
    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.resize(300, 400)
    panel.show()
    panel.show_identify([(layer, 0)])
    head = panel.topLevelItem(0)
    wrapped, short = head.child(0), head.child(1)
    assert wrapped.text(1) == long and wrapped.toolTip(1) == long
    width = panel.fontMetrics().horizontalAdvance(long)
    assert width > 3 * panel.columnWidth(1)  # it cannot fit on one line
    one_line = panel.visualItemRect(short).height()
    assert panel.visualItemRect(wrapped).height() >= 3 * one_line
