"""Default styles by geometry for layers without a style."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from gisdesk.core.default_style import (
    PALETTE,
    default_style,
    geometry_family,
    notice,
    style_unstyled,
)
from gisdesk.core.layer import Layer
from gisdesk.core.style import LayerStyle, StyleClass, Symbol

SQUARE = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])


def _layer(name: str, geoms: list[object]) -> Layer:
    return Layer(name, gpd.GeoDataFrame({"v": range(len(geoms))}, geometry=geoms, crs=4549))


def test_family_by_geometry():
    assert geometry_family(_layer("a", [Point(0, 0)]).data) == "point"
    assert geometry_family(_layer("b", [LineString([(0, 0), (1, 1)])]).data) == "line"
    assert geometry_family(_layer("c", [MultiPolygon([SQUARE]), Point(0, 0)]).data) == "polygon"
    assert geometry_family(_layer("d", [None]).data) is None
    assert geometry_family(pd.DataFrame({"v": [1]})) is None  # type: ignore[arg-type]


def test_styles_only_unstyled_layers_in_distinct_colours():
    own = LayerStyle(kind="single", classes=(StyleClass(Symbol(), "x", "x"),))
    kept = _layer("kept", [Point(0, 0)])
    kept.style = own
    layers = [
        kept,
        _layer("pts", [Point(0, 0)]),
        _layer("roads", [LineString([(0, 0), (1, 1)])]),
        _layer("zones", [SQUARE]),
        _layer("table", [None]),
    ]
    styled = style_unstyled(layers)
    assert [(layer.name, family) for layer, family in styled] == [
        ("pts", "point"),
        ("roads", "line"),
        ("zones", "polygon"),
    ]
    assert kept.style is own and layers[4].style is None
    colours = [
        layers[1].style.symbol.fill,
        layers[2].style.symbol.stroke,
        layers[3].style.symbol.stroke,
    ]
    assert colours == list(PALETTE[:3])
    assert layers[3].style.symbol.fill == PALETTE[2] + "59"  # translucent fill
    assert layers[2].style.symbol.fill is None


def test_palette_wraps_and_notice_names_the_assumption():
    assert default_style("line", len(PALETTE), "t").symbol.stroke == PALETTE[0]
    assert notice("道路", "line", "zh") == "图层“道路”没有样式，已按线使用默认样式"
    assert notice("roads", "polygon", "en") == (
        "Layer 'roads' has no style; a default style for polygons is used"
    )
