"""Write gisdesk layer styles as SLD 1.1 (Symbology Encoding), the ``styleSLD`` of QGIS.

QGIS keeps every style in ``layer_styles`` twice: as QML (what QGIS itself loads,
:mod:`gisdesk.io.qml`) and as SLD, which other programs (GeoServer, ArcGIS Pro, uDig) and
QGIS's "load style from SLD" read. The document follows what QGIS 3.22 exports:

=========== ===================================================================
gisdesk     SLD
=========== ===================================================================
single      one rule without a filter
categorized a rule per class (``PropertyIsEqualTo``); the default symbol is an
            ``ElseFilter`` rule
graduated   a rule per class: ``lower <= x <= upper`` for the first class,
            ``lower < x <= upper`` after it (gisdesk's rule); open ends are left out
rule        gisdesk takes the first matching class, SLD draws every matching rule:
            rule *i* is ``f_i AND NOT (f_0 OR ... f_i-1)``; the default is ``ElseFilter``
labels      a rule of its own with a ``TextSymbolizer``, the label fonts in order of
            preference (:data:`~gisdesk.io.qml.LABEL_FONTS`), the maximum scale as
            ``MaxScaleDenominator``
=========== ===================================================================

Sizes are in SE's standard pixels of 0.28 mm, as QGIS writes them.
"""

from __future__ import annotations

import ast
import copy
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from gisdesk.core.errors import StyleError
from gisdesk.io.qml import (
    LABEL_FONTS,
    OTHER_LABEL,
    class_label,
    filter_tree,
    geometry_kind,
    single_symbol,
    value_text,
    xml_text,
)

if TYPE_CHECKING:
    from gisdesk.core.style import LabelSpec, LayerStyle, Symbol

__all__ = ["filter_to_ogc", "style_to_sld"]

SLD = "http://www.opengis.net/sld"
SE = "http://www.opengis.net/se"
OGC = "http://www.opengis.net/ogc"
XLINK = "http://www.w3.org/1999/xlink"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_PIXEL_MM = 0.28  # SE's standardised rendering pixel
_POINT_MM = 25.4 / 72
_MARKERS = {
    "circle": "circle",
    "square": "square",
    "triangle": "triangle",
    "diamond": "diamond",
    "star": "star",
    "cross": "cross",
    "pin": "circle",
}
_DASH_ARRAYS = {"dash": "4 2", "dot": "1 2", "dashdot": "4 2 1 2"}
_COMPARISONS = {
    ast.Eq: "PropertyIsEqualTo",
    ast.NotEq: "PropertyIsNotEqualTo",
    ast.Lt: "PropertyIsLessThan",
    ast.LtE: "PropertyIsLessThanOrEqualTo",
    ast.Gt: "PropertyIsGreaterThan",
    ast.GtE: "PropertyIsGreaterThanOrEqualTo",
}

for _prefix, _uri in (("", SLD), ("se", SE), ("ogc", OGC), ("xlink", XLINK), ("xsi", XSI)):
    ET.register_namespace(_prefix, _uri)


def _se(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    elem = ET.SubElement(parent, f"{{{SE}}}{tag}", attrs)
    if text is not None:
        elem.text = text
    return elem


def _ogc(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    elem = ET.SubElement(parent, f"{{{OGC}}}{tag}")
    if text is not None:
        elem.text = text
    return elem


def _px(mm: float) -> str:
    return f"{round(mm / _PIXEL_MM, 2):g}"


def _colour(colour: str) -> tuple[str, float]:
    """Return ``#rrggbb`` and the alpha of a ``#rrggbb[aa]`` colour."""
    text = colour.lstrip("#")
    alpha = int(text[6:8], 16) / 255 if len(text) == 8 else 1.0
    return f"#{text[:6]}", alpha


def _param(parent: ET.Element, name: str, value: str) -> None:
    _se(parent, "SvgParameter", value, name=name)


def _paint(parent: ET.Element, what: str, colour: str, opacity: float) -> None:
    """Write ``fill``/``stroke`` and, below 1, its opacity."""
    rgb, alpha = _colour(colour)
    _param(parent, what, rgb)
    if alpha * opacity < 1.0:
        _param(parent, f"{what}-opacity", f"{round(alpha * opacity, 3):g}")


def _fill(parent: ET.Element, colour: str | None, opacity: float) -> None:
    if colour is not None:
        _paint(_se(parent, "Fill"), "fill", colour, opacity)


def _stroke(parent: ET.Element, symbol: Symbol, colour: str | None, *, line: bool) -> None:
    if colour is None:
        return
    stroke = _se(parent, "Stroke")
    _paint(stroke, "stroke", colour, symbol.opacity)
    _param(stroke, "stroke-width", _px(symbol.stroke_width))
    _param(stroke, "stroke-linejoin", "round" if line else "bevel")
    if line:
        _param(stroke, "stroke-linecap", "round")
    if symbol.dash in _DASH_ARRAYS:
        _param(stroke, "stroke-dasharray", _DASH_ARRAYS[symbol.dash])


def _symbolizer(rule: ET.Element, symbol: Symbol, kind: str) -> None:
    if kind == "point":
        graphic = _se(_se(rule, "PointSymbolizer"), "Graphic")
        mark = _se(graphic, "Mark")
        _se(mark, "WellKnownName", _MARKERS.get(symbol.marker, "circle"))
        _fill(mark, symbol.fill, symbol.opacity)
        _stroke(mark, symbol, symbol.stroke, line=False)
        _se(graphic, "Size", _px(symbol.size))
    elif kind == "line":
        _stroke(_se(rule, "LineSymbolizer"), symbol, symbol.stroke or symbol.fill, line=True)
    else:
        polygon = _se(rule, "PolygonSymbolizer")
        _fill(polygon, symbol.fill, symbol.opacity)
        _stroke(polygon, symbol, symbol.stroke, line=False)


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value_text(value)


def _filter_node(parent: ET.Element, node: ast.AST, fields: dict[str, str]) -> None:
    """Write one node of a gisdesk filter's tree as OGC filter elements under ``parent``."""
    if isinstance(node, ast.BoolOp):
        group = _ogc(parent, "And" if isinstance(node.op, ast.And) else "Or")
        for value in node.values:
            _filter_node(group, value, fields)
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _filter_node(_ogc(parent, "Not"), node.operand, fields)
        return
    if isinstance(node, ast.Compare):
        parts: list[tuple[ast.cmpop, ast.expr, ast.expr]] = []
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            parts.append((op, left, right))
            left = right
        target = _ogc(parent, "And") if len(parts) > 1 else parent
        for op, lhs, rhs in parts:
            _comparison(target, op, lhs, rhs, fields)
        return
    if isinstance(node, ast.Name) and node.id not in ("True", "False", "None"):
        # a bare field: true when it is true
        equal = _ogc(parent, "PropertyIsEqualTo")
        _operand(equal, node, fields)
        _ogc(equal, "Literal", "true")
        return
    raise StyleError(
        f"无法转换为 SLD 过滤条件：{type(node).__name__}",
        f"Cannot translate to an SLD filter: {type(node).__name__}",
    )


def _operand(parent: ET.Element, node: ast.AST, fields: dict[str, str]) -> None:
    if isinstance(node, ast.Name) and node.id not in ("True", "False", "None"):
        _ogc(parent, "PropertyName", fields.get(node.id, node.id))
    elif isinstance(node, ast.Constant):
        _ogc(parent, "Literal", _literal(node.value))
    elif isinstance(node, ast.Name):
        _ogc(parent, "Literal", {"True": "true", "False": "false"}.get(node.id, ""))
    elif (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
    ):
        _ogc(parent, "Literal", "-" + _literal(node.operand.value))
    else:
        raise StyleError(
            f"无法转换为 SLD 过滤条件：{type(node).__name__}",
            f"Cannot translate to an SLD filter: {type(node).__name__}",
        )


def _is_null(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and node.value is None) or (
        isinstance(node, ast.Name) and node.id == "None"
    )


def _comparison(
    parent: ET.Element, op: ast.cmpop, lhs: ast.expr, rhs: ast.expr, fields: dict[str, str]
) -> None:
    if isinstance(op, ast.Is | ast.IsNot) or (isinstance(op, ast.Eq | ast.NotEq) and _is_null(rhs)):
        negate = isinstance(op, ast.IsNot | ast.NotEq)
        where = _ogc(parent, "Not") if negate else parent
        _operand(_ogc(where, "PropertyIsNull"), lhs, fields)
        return
    if isinstance(op, ast.In | ast.NotIn):
        items = rhs.elts if isinstance(rhs, ast.List | ast.Tuple) else [rhs]
        where = _ogc(parent, "Not") if isinstance(op, ast.NotIn) else parent
        group = _ogc(where, "Or") if len(items) > 1 else where
        for item in items:
            equal = _ogc(group, "PropertyIsEqualTo")
            _operand(equal, lhs, fields)
            _operand(equal, item, fields)
        return
    name = _COMPARISONS.get(type(op))
    if name is None:
        raise StyleError(
            f"无法转换为 SLD 过滤条件：{type(op).__name__}",
            f"Cannot translate to an SLD filter: {type(op).__name__}",
        )
    compare = _ogc(parent, name)
    _operand(compare, lhs, fields)
    _operand(compare, rhs, fields)


def filter_to_ogc(expr: str) -> ET.Element:
    """Translate a gisdesk filter into an ``ogc:Filter`` element.

    Raises
    ------
    StyleError
        The gisdesk filter language refuses the expression.
    """
    tree, fields = filter_tree(expr)
    root = ET.Element(f"{{{OGC}}}Filter")
    _filter_node(root, tree, fields)
    return root


def _rule(parent: ET.Element, title: str) -> ET.Element:
    rule = _se(parent, "Rule")
    _se(rule, "Name", title)
    _se(_se(rule, "Description"), "Title", title)
    return rule


def _range_filter(field: str, lower: float | None, upper: float | None, first: bool) -> ET.Element:
    root = ET.Element(f"{{{OGC}}}Filter")
    parts: list[tuple[str, float]] = []
    if lower is not None:
        name = "PropertyIsGreaterThanOrEqualTo" if first else "PropertyIsGreaterThan"
        parts.append((name, lower))
    if upper is not None:
        parts.append(("PropertyIsLessThanOrEqualTo", upper))
    target = _ogc(root, "And") if len(parts) > 1 else root
    for name, value in parts:
        compare = _ogc(target, name)
        _ogc(compare, "PropertyName", field)
        _ogc(compare, "Literal", f"{value:g}" if float(value).is_integer() else repr(value))
    if not parts:  # one class over all values: every feature with a value
        _ogc(_ogc(root, "Not"), "PropertyIsNull").append(_property(field))
    return root


def _property(field: str) -> ET.Element:
    elem = ET.Element(f"{{{OGC}}}PropertyName")
    elem.text = field
    return elem


def _else(rule: ET.Element) -> None:
    _se(rule, "ElseFilter")


def _rules(fts: ET.Element, style: LayerStyle, kind: str) -> None:
    if style.kind == "single":
        title = class_label(style.classes[0]) if style.classes else "Single symbol"
        _symbolizer(_rule(fts, title or "Single symbol"), single_symbol(style), kind)
        return
    previous: list[ET.Element] = []
    for i, cls in enumerate(style.classes):
        rule = _rule(fts, class_label(cls))
        if style.kind == "categorized":
            filt = ET.Element(f"{{{OGC}}}Filter")
            equal = _ogc(filt, "PropertyIsEqualTo")
            equal.append(_property(style.field or ""))
            _ogc(equal, "Literal", value_text(cls.value))
        elif style.kind == "graduated":
            filt = _range_filter(style.field or "", cls.lower, cls.upper, i == 0)
        else:
            filt = _exclusive(cls.filter, previous)
        if len(filt):
            rule.append(filt)
        _symbolizer(rule, cls.symbol, kind)
    if style.default is not None:
        rule = _rule(fts, OTHER_LABEL)
        _else(rule)
        _symbolizer(rule, style.default, kind)


def _exclusive(expr: str | None, previous: list[ET.Element]) -> ET.Element:
    """The filter of rule *i*: its own and none of the rules before it (kept in ``previous``)."""
    root = ET.Element(f"{{{OGC}}}Filter")
    own = None if expr is None else filter_to_ogc(expr)[0]
    earlier = [copy.deepcopy(p) for p in previous]
    if own is not None:
        previous.append(own)
    parts: list[ET.Element] = []
    if own is not None:
        parts.append(copy.deepcopy(own))
    if earlier:
        negation = ET.Element(f"{{{OGC}}}Not")
        if len(earlier) == 1:
            negation.append(earlier[0])
        else:
            either = _ogc(negation, "Or")
            either.extend(earlier)
        parts.append(negation)
    if len(parts) == 1:
        root.append(parts[0])
    elif parts:
        _ogc(root, "And").extend(parts)
    return root


def _text_rule(fts: ET.Element, label: LabelSpec, kind: str) -> None:
    rule = _se(fts, "Rule")
    if label.min_scale:
        _se(rule, "MinScaleDenominator", "0")
        _se(rule, "MaxScaleDenominator", f"{label.min_scale:g}")
    text = _se(rule, "TextSymbolizer")
    _ogc(_se(text, "Label"), "PropertyName", label.field)
    font = _se(text, "Font")
    for family in LABEL_FONTS:  # readers take the first family they have
        _param(font, "font-family", family)
    _param(font, "font-size", _px(label.size * _POINT_MM))
    if label.bold:
        _param(font, "font-weight", "bold")
    placement = _se(text, "LabelPlacement")
    if kind == "line":
        _se(_se(placement, "LinePlacement"), "GeneralizeLine", "true")
    else:
        point = _se(placement, "PointPlacement")
        anchor = _se(point, "AnchorPoint")
        _se(anchor, "AnchorPointX", "0" if kind == "point" else "0.5")
        _se(anchor, "AnchorPointY", "0.5")
        if kind == "point":
            displacement = _se(point, "Displacement")
            _se(displacement, "DisplacementX", _px(0.5))
            _se(displacement, "DisplacementY", "0")
    if label.halo:
        halo = _se(text, "Halo")
        _se(halo, "Radius", _px(label.halo_width))
        _fill(halo, label.halo, 1.0)
    _fill(text, label.colour, 1.0)
    _se(text, "VendorOption", str(label.priority), name="priority")


def style_to_sld(style: LayerStyle, *, geometry_type: str, name: str) -> str:
    """Return the SLD 1.1 document (text) of a layer style.

    Parameters
    ----------
    style
        The gisdesk style.
    geometry_type
        "Point", "LineString", "MultiPolygon"...: decides point, line or polygon symbolizers.
    name
        The layer's name (the ``NamedLayer`` and ``UserStyle`` names).

    Raises
    ------
    StyleError
        The geometry type has no symbolizer or a rule's filter cannot be translated.
    """
    kind = geometry_kind(geometry_type)
    root = ET.Element(
        f"{{{SLD}}}StyledLayerDescriptor",
        {
            "version": "1.1.0",
            f"{{{XSI}}}schemaLocation": (
                "http://www.opengis.net/sld "
                "http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd"
            ),
        },
    )
    layer = ET.SubElement(root, f"{{{SLD}}}NamedLayer")
    _se(layer, "Name", name)
    user = ET.SubElement(layer, f"{{{SLD}}}UserStyle")
    _se(user, "Name", name)
    fts = _se(user, "FeatureTypeStyle")
    _rules(fts, style, kind)
    if style.label is not None:
        _text_rule(fts, style.label, kind)
    return xml_text(root, header='<?xml version="1.0" encoding="UTF-8"?>', indent=" ")
