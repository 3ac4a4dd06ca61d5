"""Default styles for layers that come without one (a plain GeoPackage, a bare layer).

A layer without a style is not drawn. Rather than leave it invisible, gisdesk gives it a
single-symbol style by its geometry (points, lines or polygons) in one of a few distinct
colours, so several such layers can be told apart, and says what it assumed
(:func:`notice`). Qt-free.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from gisdesk.core.i18n import tr
from gisdesk.core.style import LayerStyle, StyleClass, Symbol

if TYPE_CHECKING:
    import geopandas as gpd

    from gisdesk.core.layer import Layer

__all__ = ["PALETTE", "Family", "default_style", "geometry_family", "notice", "style_unstyled"]

Family = Literal["point", "line", "polygon"]

PALETTE = ("#e6550d", "#3182bd", "#31a354", "#756bb1", "#d6616b", "#8c6d31", "#17becf")
"""Distinct colours, taken in turn by the layers styled here."""

_FAMILY_NAMES = {"point": ("点", "points"), "line": ("线", "lines"), "polygon": ("面", "polygons")}


def geometry_family(data: gpd.GeoDataFrame) -> Family | None:
    """Return what the layer's geometries are (polygons win over lines over points).

    None for a layer without geometries (a table).
    """
    try:
        kinds = [str(t) for t in data.geom_type.dropna().unique()]
    except AttributeError:  # no active geometry column
        return None
    if any("Polygon" in k for k in kinds):
        return "polygon"
    if any("LineString" in k for k in kinds):
        return "line"
    if any("Point" in k for k in kinds):
        return "point"
    return None


def default_style(family: Family, index: int, title: str) -> LayerStyle:
    """A single-symbol style for ``family`` in the ``index``-th palette colour."""
    colour = PALETTE[index % len(PALETTE)]
    if family == "point":
        symbol = Symbol(fill=colour, stroke="#ffffff", stroke_width=0.3, size=2.4)
    elif family == "line":
        symbol = Symbol(fill=None, stroke=colour, stroke_width=0.6)
    else:
        symbol = Symbol(fill=f"{colour}59", stroke=colour, stroke_width=0.4)  # 35% fill
    return LayerStyle(kind="single", classes=(StyleClass(symbol, title, title),), symbol=symbol)


def style_unstyled(layers: Iterable[Layer], *, start: int = 0) -> list[tuple[Layer, Family]]:
    """Give each layer without a style its default one; return the layers styled.

    The style is set on the layer's attribute (no change signal): callers styling a layer
    already shown use :meth:`Layer.set_style` with :func:`default_style` instead. Layers
    without geometries stay unstyled (a table has nothing to draw).
    """
    styled: list[tuple[Layer, Family]] = []
    for layer in layers:
        if layer.style is not None:
            continue
        family = geometry_family(layer.data)
        if family is None:
            continue
        layer.style = default_style(family, start + len(styled), layer.title)
        styled.append((layer, family))
    return styled


def notice(title: str, family: Family, language: str | None = None) -> str:
    """What was assumed, for the log and the status bar."""
    zh, en = _FAMILY_NAMES[family]
    return tr(
        f"图层“{title}”没有样式，已按{zh}使用默认样式",
        f"Layer '{title}' has no style; a default style for {en} is used",
        language,
    )
