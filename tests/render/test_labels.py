"""The label placement engine: positions around points, along lines, inside polygons,
collisions, priorities, shrinking, and the report of required labels with no room."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from PySide6.QtGui import QFontMetricsF, QImage, QPainter

from gisdesk.core.layer import Layer
from gisdesk.core.style import LabelSpec, LayerStyle, StyleClass, Symbol
from gisdesk.render.fonts import cjk_font
from gisdesk.render.labels import MIN_SHRINK, REQUIRED_PRIORITY, LabelPlacer, PlacedLabel
from gisdesk.render.painter import DrawItem, RenderStats, render_map
from gisdesk.render.prepared import PreparedLayer, prepare_layer
from gisdesk.render.viewport import Viewport

X0, Y0 = 600_000.0, 3_530_000.0
RES = 10.0  # metres per pixel


def _layer(name: str, geoms: list, texts: list[str], *, priority: int = 0, size: float = 9.0):
    data = gpd.GeoDataFrame({"name": texts}, geometry=geoms, crs=4549)
    style = LayerStyle(
        kind="single",
        classes=(StyleClass(Symbol(fill="#cccccc", stroke="#555555", size=2.0), name, name),),
        label=LabelSpec(field="name", size=size, priority=priority),
    )
    return prepare_layer(Layer(name, data, style=style), pyproj.CRS.from_epsg(4549))


def _view(width: int, height: int) -> Viewport:
    return Viewport(X0, Y0, RES, width, height, 96.0)


def _at(view: Viewport, px: float, py: float) -> shapely.Point:
    return shapely.Point(*view.to_map(px, py))


def _render(view: Viewport, layers: list[PreparedLayer]) -> RenderStats:
    image = QImage(view.width, view.height, QImage.Format.Format_ARGB32)
    image.fill(0xFFFFFFFF)
    painter = QPainter(image)
    try:
        return render_map(painter, view, [DrawItem(layer) for layer in layers])
    finally:
        painter.end()


def _place(view: Viewport, layer: PreparedLayer, placer: LabelPlacer | None = None) -> LabelPlacer:
    placer = placer or LabelPlacer(view)
    image = QImage(view.width, view.height, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        placer.draw_layer(painter, layer, np.arange(len(layer)))
    finally:
        painter.end()
    return placer


def _box(p: PlacedLabel, size: float = 9.0) -> shapely.Geometry:
    metrics = QFontMetricsF(cjk_font(size))
    hw = metrics.horizontalAdvance(p.text) * p.shrink / 2
    hh = metrics.height() * p.shrink / 2
    a = math.radians(p.angle)
    c, s = math.cos(a), math.sin(a)
    corners = [(-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh)]
    return shapely.Polygon([(p.x + u * c - v * s, p.y + u * s + v * c) for u, v in corners])


def test_a_free_point_label_goes_top_right_then_around(qapp):
    view = _view(400, 200)
    layer = _layer("pts", [_at(view, 200, 100)], ["海门站"])
    first = _place(view, layer).placements[0]
    assert first.x > 200 and first.y < 100  # top right, as QGIS prefers
    # block the top right: the label moves to the top left
    placer = LabelPlacer(view)
    placer.occupy_markers(np.array([[first.x, first.y]]), 40)
    second = _place(view, layer, placer).placements[0]
    assert second.x < 200 and second.y < 100
    # block every position but the one below the point
    placer = LabelPlacer(view)
    placer.occupy_markers(np.array([[200.0, 60.0], [120.0, 100.0], [280.0, 100.0]]), 80)
    below = _place(view, layer, placer).placements[0]
    assert abs(below.x - 200) < 1 and below.y > 100


def test_labels_never_overlap_and_all_find_room_in_a_cluster(qapp):
    view = _view(600, 400)
    rng = np.random.default_rng(3)
    pts = [_at(view, 150 + x, 100 + y) for x, y in rng.uniform(0, 240, size=(12, 2))]
    texts = [f"监测站{i:02d}" for i in range(12)]
    stats = _render(view, [_layer("stations", pts, texts, priority=REQUIRED_PRIORITY)])
    boxes = [_box(p) for p in stats.placed_labels]
    assert sorted(p.text for p in stats.placed_labels) == texts
    assert stats.missed_labels == []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a.intersection(b).area < 1.0


def test_higher_priority_layers_are_placed_first(qapp):
    view = _view(300, 120)
    spot = _at(view, 150, 60)
    poly = spot.buffer(40 * RES, cap_style="square")
    towns = _layer("towns", [poly], ["常乐镇"], priority=10, size=11)
    other = _layer("districts", [poly], ["片区名称"], priority=0, size=11)
    stats = _render(view, [towns, other])  # towns drawn below, still placed first
    by_layer = {p.layer: p for p in stats.placed_labels}
    assert "towns" in by_layer
    assert abs(by_layer["towns"].x - 150) < 10 and abs(by_layer["towns"].y - 60) < 10


def test_required_label_shrinks_before_it_is_given_up(qapp):
    text = "海门经济技术开发区监测站"
    width = QFontMetricsF(cjk_font(9.0)).horizontalAdvance(text)
    view = _view(int(width * 0.93), 120)
    pt = [_at(view, view.width / 2, 60)]
    required = _place(view, _layer("stations", pt, [text], priority=REQUIRED_PRIORITY))
    assert len(required.placements) == 1
    assert MIN_SHRINK <= required.placements[0].shrink < 1.0
    assert required.missed == []
    optional = _place(view, _layer("stations", pt, [text], priority=0))
    assert optional.placements == [] and optional.missed == []  # optional: dropped quietly


def test_required_label_without_room_is_reported(qapp):
    text = "海门经济技术开发区监测站"
    width = QFontMetricsF(cjk_font(9.0)).horizontalAdvance(text)
    view = _view(int(width * 0.5), 120)
    placer = _place(view, _layer("stations", [_at(view, view.width / 2, 60)], [text], priority=8))
    assert placer.placements == []
    assert [(m.layer, m.text) for m in placer.missed] == [("stations", text)]


def test_polygon_label_sits_inside_a_concave_polygon(qapp):
    view = _view(500, 400)
    # a C shape: its centroid and bounding-box centre lie in the empty middle
    outer = shapely.box(*view.to_map(50, 350), *view.to_map(450, 50))
    hole = shapely.box(*view.to_map(150, 290), *view.to_map(470, 110))
    shape = outer.difference(hole)
    assert not shape.contains(shape.centroid)
    stats = _render(view, [_layer("towns", [shape], ["余东镇"], priority=10, size=11)])
    (placed,) = stats.placed_labels
    box_px = _box(placed, 11)
    box_map = shapely.transform(
        box_px, lambda xy: np.array([view.to_map(x, y) for x, y in xy], dtype=float)
    )
    assert shape.contains(box_map)


def test_polygon_label_moves_off_a_taken_pole(qapp):
    view = _view(400, 300)
    square = shapely.box(*view.to_map(50, 250), *view.to_map(350, 50))
    placer = LabelPlacer(view)
    placer.occupy_markers(np.array([[200.0, 150.0]]), 30)  # a symbol at the pole
    placed = _place(view, _layer("towns", [square], ["悦来镇"], priority=10), placer).placements
    assert len(placed) == 1
    assert shapely.Point(placed[0].x, placed[0].y).within(shapely.box(50, 50, 350, 250))
    assert _box(placed[0]).distance(shapely.Point(200, 150)) > 0


@pytest.mark.parametrize(("dx", "dy", "angle"), [(1, 1, -45.0), (1, -1, 45.0), (0, 1, 90.0)])
def test_line_labels_follow_the_line_and_stay_upright(qapp, dx, dy, angle):
    view = _view(600, 600)
    a = view.to_map(300 - 200 * dx, 300 + 200 * dy)
    b = view.to_map(300 + 200 * dx, 300 - 200 * dy)
    stats = _render(view, [_layer("roads", [shapely.LineString([a, b])], ["海防路"])])
    (placed,) = stats.placed_labels
    if abs(angle) == 90.0:  # upright either way round
        assert abs(placed.angle) == pytest.approx(90.0, abs=1.0)
    else:
        assert placed.angle == pytest.approx(angle, abs=1.0)
    assert abs(placed.x - 300) < 2 and abs(placed.y - 300) < 2  # on the line, at its middle
