"""Repeated road names keep the same distance on paper at any resolution."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from PySide6.QtGui import QImage, QPainter

from gisdesk.core.layer import Layer
from gisdesk.core.style import LabelSpec, LayerStyle, StyleClass, Symbol
from gisdesk.render.painter import DrawItem, render_map
from gisdesk.render.prepared import prepare_layer
from gisdesk.render.viewport import Viewport

X0, Y0 = 600_000.0, 3_530_000.0


def _labels_at(dpi: float, qapp) -> int:
    # One straight 12 km road in 60 pieces, all named alike (as a road layer is).
    xs = np.linspace(0, 12_000, 61)
    lines = [shapely.LineString([(X0 + a, Y0), (X0 + b, Y0)]) for a, b in itertools.pairwise(xs)]
    data = gpd.GeoDataFrame({"name": ["海防路"] * len(lines)}, geometry=lines, crs=4549)
    style = LayerStyle(
        kind="single",
        classes=(StyleClass(Symbol(fill=None, stroke="#555555"), "道路", "Road"),),
        label=LabelSpec(field="name", size=9.0),
    )
    prepared = prepare_layer(Layer("roads", data, style=style), pyproj.CRS.from_epsg(4549))
    # The same 1:50,000 map on paper 260 mm wide, at the given resolution.
    width_px = round(260 / 25.4 * dpi)
    view = Viewport(X0 + 6_000, Y0, 50_000 * 25.4 / (1000 * dpi), width_px, width_px // 4, dpi)
    image = QImage(view.width, view.height, QImage.Format.Format_ARGB32)
    dots_per_metre = round(dpi / 0.0254)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    image.fill(0xFFFFFFFF)
    painter = QPainter(image)
    try:
        stats = render_map(painter, view, [DrawItem(prepared)])
    finally:
        painter.end()
    return stats.labels


def test_repeated_names_keep_their_spacing_on_paper(qapp):
    at_96 = _labels_at(96.0, qapp)
    assert 2 <= at_96 <= 6  # 240 mm of road, one name about every 80 mm
    assert _labels_at(192.0, qapp) == at_96
    assert _labels_at(300.0, qapp) == at_96
