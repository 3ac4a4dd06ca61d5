"""Write gisdesk layer styles as QGIS QML, so an exported GeoPackage opens styled in QGIS.

The mapping, from :class:`~gisdesk.core.style.LayerStyle` to QGIS 3 renderers:

=========== ===================== ==================================================
gisdesk     QGIS renderer-v2      notes
=========== ===================== ==================================================
single      ``singleSymbol``
categorized ``categorizedSymbol`` a ``default`` symbol becomes the "all other values"
                                  category (empty value)
graduated   ``graduatedSymbol``   open ends become +-1.79e308
rule        ``RuleRenderer``      gisdesk takes the first matching class, QGIS draws
                                  every matching rule: rule *i* is written as
                                  ``(f_i) AND NOT (f_0 OR ... f_i-1)``; the default
                                  symbol is an ``ELSE`` rule
=========== ===================== ==================================================

Symbols become one simple symbol layer: ``SimpleMarker`` (points), ``SimpleLine``
(lines, drawn with the stroke) or ``SimpleFill`` (polygons), sizes and widths in
millimetres, opacity as the symbol's alpha. Labels become ``<labeling type="simple">``
on the label field, with a buffer (halo) and the maximum scale; the font is chosen per
platform with fallbacks (:data:`LABEL_FONTS`, :func:`label_font_expression`).

Text from the data (labels, category values, field names, rule filters) is written as
literal text (:func:`xml_text`): ``<``, ``&``, quotes and ``]]>`` are escaped by the XML
writer, a carriage return is written as ``&#13;`` so a reader keeps it, and the control
characters XML 1.0 cannot carry at all (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F,
U+FFFE, U+FFFF, lone surrogates) become U+FFFD, so the document stays well-formed (QGIS
then shows that character as a replacement mark; a category value holding one no longer
matches its features there).
"""

from __future__ import annotations

import ast
import io
import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from gisdesk.core.errors import StyleError
from gisdesk.core.expressions import filter_tree as checked_filter_tree

if TYPE_CHECKING:
    from gisdesk.core.style import LabelSpec, LayerStyle, StyleClass, Symbol

__all__ = [
    "LABEL_FONTS",
    "OTHER_LABEL",
    "QGIS_VERSION",
    "class_label",
    "filter_to_qgis",
    "filter_tree",
    "geometry_kind",
    "label_font_expression",
    "single_symbol",
    "style_to_qml",
    "value_text",
    "xml_safe",
    "xml_text",
]

QGIS_VERSION = "3.34.0-Prizren"
LABEL_FONTS: tuple[str, ...] = ("Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC")
"""Label fonts, most wanted first: Windows' Chinese UI font, then the two names of the same
Simplified Chinese design on Linux (Noto CJK as Debian/Ubuntu/UOS/Kylin package it, Source Han
as Adobe names it). Without an SC face a CJK fallback may pick the Japanese one, where 门 reads
like 内."""
_MARKERS = {
    "circle": "circle",
    "square": "square",
    "triangle": "triangle",
    "diamond": "diamond",
    "star": "star",
    "cross": "cross_fill",
    "pin": "circle",
}
_DASHES = {"solid": "solid", "dash": "dash", "dot": "dot", "dashdot": "dash dot"}
_GEOMETRY_TYPE = {"point": "0", "line": "1", "polygon": "2"}
_SYMBOL_TYPE = {"point": "marker", "line": "line", "polygon": "fill"}
_HUGE = "1.7976931348623157e+308"
OTHER_LABEL = "其他 / other"
"""The legend label of a style's default class (the features no class selects)."""


def geometry_kind(geometry_type: str) -> str:
    """Return "point", "line" or "polygon" for a geometry type name (e.g. "MultiLineString")."""
    name = geometry_type.lower()
    if "point" in name:
        return "point"
    if "line" in name:
        return "line"
    if "polygon" in name:
        return "polygon"
    raise StyleError(
        f"无法为几何类型“{geometry_type}”生成 QGIS 样式。",
        f"Cannot write a QGIS style for geometry type '{geometry_type}'.",
    )


def _rgba(colour: str | None, opacity: float = 1.0) -> str:
    if colour is None:
        return "0,0,0,0"
    text = colour.lstrip("#")
    r, g, b = (int(text[i : i + 2], 16) for i in (0, 2, 4))
    a = int(text[6:8], 16) if len(text) == 8 else 255
    return f"{r},{g},{b},{round(a * opacity)}"


def _options(parent: ET.Element, values: dict[str, str]) -> None:
    opts = ET.SubElement(parent, "Option", type="Map")
    for key, value in values.items():
        ET.SubElement(opts, "Option", name=key, type="QString", value=value)


def _num(value: float) -> str:
    return f"{value:g}"


def _symbol_layer(symbol: Symbol, kind: str) -> ET.Element:
    if kind == "point":
        layer = ET.Element(
            "layer", {"class": "SimpleMarker", "enabled": "1", "locked": "0", "pass": "0"}
        )
        _options(
            layer,
            {
                "name": _MARKERS.get(symbol.marker, "circle"),
                "color": _rgba(symbol.fill),
                "outline_color": _rgba(symbol.stroke),
                "outline_style": "solid" if symbol.stroke else "no",
                "outline_width": _num(symbol.stroke_width),
                "outline_width_unit": "MM",
                "size": _num(symbol.size),
                "size_unit": "MM",
                "angle": "0",
                "joinstyle": "miter",
                "scale_method": "diameter",
            },
        )
    elif kind == "line":
        layer = ET.Element(
            "layer", {"class": "SimpleLine", "enabled": "1", "locked": "0", "pass": "0"}
        )
        _options(
            layer,
            {
                "line_color": _rgba(symbol.stroke or symbol.fill),
                "line_style": _DASHES.get(symbol.dash, "solid"),
                "line_width": _num(symbol.stroke_width),
                "line_width_unit": "MM",
                "capstyle": "round",
                "joinstyle": "round",
                "offset": "0",
                "offset_unit": "MM",
            },
        )
    else:
        layer = ET.Element(
            "layer", {"class": "SimpleFill", "enabled": "1", "locked": "0", "pass": "0"}
        )
        _options(
            layer,
            {
                "color": _rgba(symbol.fill),
                "style": "solid" if symbol.fill else "no",
                "outline_color": _rgba(symbol.stroke),
                "outline_style": _DASHES.get(symbol.dash, "solid") if symbol.stroke else "no",
                "outline_width": _num(symbol.stroke_width),
                "outline_width_unit": "MM",
                "joinstyle": "bevel",
                "offset": "0,0",
                "offset_unit": "MM",
            },
        )
    return layer


def _symbol(symbol: Symbol, kind: str, name: str) -> ET.Element:
    elem = ET.Element(
        "symbol",
        {
            "type": _SYMBOL_TYPE[kind],
            "name": name,
            "alpha": _num(symbol.opacity),
            "clip_to_extent": "1",
            "force_rhr": "0",
            "frame_rate": "10",
            "is_animated": "0",
        },
    )
    elem.append(_symbol_layer(symbol, kind))
    return elem


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


_OPS = {
    ast.Eq: "=",
    ast.NotEq: "<>",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}


def _expr(node: ast.AST, fields: dict[str, str]) -> str:
    if isinstance(node, ast.Constant):
        return _literal(node.value)
    if isinstance(node, ast.Name):
        if node.id in ("True", "False", "None"):
            return {"True": "TRUE", "False": "FALSE", "None": "NULL"}[node.id]
        name = fields.get(node.id, node.id)
        return '"' + name.replace('"', '""') + '"'
    if isinstance(node, ast.UnaryOp):
        operand = _expr(node.operand, fields)
        return f"NOT ({operand})" if isinstance(node.op, ast.Not) else f"-{operand}"
    if isinstance(node, ast.BoolOp):
        joiner = " AND " if isinstance(node.op, ast.And) else " OR "
        return joiner.join(f"({_expr(v, fields)})" for v in node.values)
    if isinstance(node, ast.List | ast.Tuple):
        return "(" + ", ".join(_expr(e, fields) for e in node.elts) + ")"
    if isinstance(node, ast.Compare):
        parts: list[str] = []
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            lhs, rhs = _expr(left, fields), _expr(right, fields)
            if isinstance(op, ast.Is | ast.IsNot):
                parts.append(f"{lhs} IS {'NOT ' if isinstance(op, ast.IsNot) else ''}NULL")
            elif isinstance(op, ast.In | ast.NotIn):
                parts.append(f"{lhs} {'NOT ' if isinstance(op, ast.NotIn) else ''}IN {rhs}")
            else:
                parts.append(f"{lhs} {_OPS[type(op)]} {rhs}")
            left = right
        return " AND ".join(parts)
    raise StyleError(
        f"无法转换为 QGIS 表达式：{type(node).__name__}",
        f"Cannot translate to a QGIS expression: {type(node).__name__}",
    )


def filter_tree(expr: str) -> tuple[ast.expr, dict[str, str]]:
    """Return a gisdesk filter's checked syntax tree and its fields (placeholder -> name).

    Style writers (QGIS expressions here, SLD filters) translate the same tree.

    Raises
    ------
    StyleError
        The gisdesk filter language refuses the expression.
    """
    tree, fields = checked_filter_tree(expr)
    return tree.body, fields


def filter_to_qgis(expr: str) -> str:
    """Translate a gisdesk filter (Python-like) into a QGIS expression.

    ``status != '销号' and deaths >= 1`` -> ``("status" <> '销号') AND ("deaths" >= 1)``.
    """
    tree, fields = filter_tree(expr)
    return _expr(tree, fields)


def single_symbol(style: LayerStyle) -> Symbol:
    """The symbol a single-symbol style draws with: its one class's, else its base symbol."""
    return style.classes[0].symbol if style.classes else style.symbol


# characters XML 1.0 cannot carry, not even as character references
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot carry replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def xml_text(root: ET.Element, *, header: str, indent: str) -> str:
    """Return a style document as text: the ``header`` line, the indented tree, a newline.

    Every text and attribute is made XML-safe (:func:`xml_safe`), and a carriage return in
    a text is written as ``&#13;`` (the writer escapes it in attributes only; a reader would
    turn a raw one into a line feed).
    """
    for elem in root.iter():
        if elem.text:
            elem.text = xml_safe(elem.text)
        if elem.tail:
            elem.tail = xml_safe(elem.tail)
        elem.attrib = {xml_safe(k): xml_safe(v) for k, v in elem.attrib.items()}
    ET.indent(root, space=indent)
    buffer = io.StringIO()
    buffer.write(header + "\n")
    ET.ElementTree(root).write(buffer, encoding="unicode", xml_declaration=False)
    buffer.write("\n")
    return buffer.getvalue().replace("\r", "&#13;")  # a raw one comes only from a text


def class_label(cls: StyleClass) -> str:
    """The legend label a style file carries for a class (Chinese, else English)."""
    return cls.label_zh or cls.label_en


def value_text(value: object) -> str:
    """A category value as QGIS and SLD write it (``true``, ``3`` for 3.0, empty for None)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _renderer(style: LayerStyle, kind: str) -> ET.Element:
    attrs = {"symbollevels": "0", "enableorderby": "0", "forceraster": "0", "referencescale": "-1"}
    symbols = ET.Element("symbols")
    if style.kind == "single":
        renderer = ET.Element("renderer-v2", {"type": "singleSymbol", **attrs})
        symbols.append(_symbol(single_symbol(style), kind, "0"))
        renderer.append(symbols)
        return renderer
    if style.kind == "categorized":
        renderer = ET.Element(
            "renderer-v2", {"type": "categorizedSymbol", "attr": style.field or "", **attrs}
        )
        cats = ET.SubElement(renderer, "categories")
        entries = [(c.value, class_label(c), c.symbol) for c in style.classes]
        if style.default is not None:
            entries.append(("", OTHER_LABEL, style.default))
        for i, (value, label, sym) in enumerate(entries):
            ET.SubElement(
                cats,
                "category",
                {
                    "value": value_text(value),
                    "label": label,
                    "symbol": str(i),
                    "render": "true",
                    "type": "string",
                },
            )
            symbols.append(_symbol(sym, kind, str(i)))
        renderer.append(symbols)
    elif style.kind == "graduated":
        renderer = ET.Element(
            "renderer-v2",
            {
                "type": "graduatedSymbol",
                "attr": style.field or "",
                "graduatedMethod": "GraduatedColor",
                **attrs,
            },
        )
        ranges = ET.SubElement(renderer, "ranges")
        for i, cls in enumerate(style.classes):
            ET.SubElement(
                ranges,
                "range",
                {
                    "lower": f"-{_HUGE}" if cls.lower is None else repr(float(cls.lower)),
                    "upper": _HUGE if cls.upper is None else repr(float(cls.upper)),
                    "label": class_label(cls),
                    "symbol": str(i),
                    "render": "true",
                    "uuid": f"gisdesk-range-{i}",
                },
            )
            symbols.append(_symbol(cls.symbol, kind, str(i)))
        renderer.append(symbols)
        ET.SubElement(renderer, "mode", name="Custom")
    else:
        renderer = ET.Element("renderer-v2", {"type": "RuleRenderer", **attrs})
        rules = ET.SubElement(renderer, "rules", key="{gisdesk-root}")
        previous: list[str] = []
        for i, cls in enumerate(style.classes):
            own = "TRUE" if cls.filter is None else filter_to_qgis(cls.filter)
            exclusive = own if not previous else f"({own}) AND NOT ({' OR '.join(previous)})"
            previous.append(f"({own})")
            ET.SubElement(
                rules,
                "rule",
                {
                    "key": f"{{gisdesk-rule-{i}}}",
                    "filter": exclusive,
                    "symbol": str(i),
                    "label": class_label(cls),
                },
            )
            symbols.append(_symbol(cls.symbol, kind, str(i)))
        if style.default is not None:
            n = len(style.classes)
            ET.SubElement(
                rules,
                "rule",
                {
                    "key": f"{{gisdesk-rule-{n}}}",
                    "filter": "ELSE",
                    "symbol": str(n),
                    "label": OTHER_LABEL,
                },
            )
            symbols.append(_symbol(style.default, kind, str(n)))
        renderer.append(symbols)
        return renderer
    source = ET.SubElement(renderer, "source-symbol")
    source.append(_symbol(style.symbol, kind, "0"))
    return renderer


def label_font_expression() -> str:
    """The QGIS expression that picks the label font family for the platform QGIS runs on.

    A text style has one family, and QGIS 3.22 draws a family it cannot find in the
    application's default font (a Latin face here, CJK glyphs then fall back to whatever
    fontconfig offers first, often the Japanese form). A data-defined family that is missing
    falls back to the style's own family instead (checked with QGIS 3.22). So the family is
    written as the last fallback (Source Han Sans SC) and this expression, the data-defined
    family, names Microsoft YaHei on Windows and Noto Sans CJK SC elsewhere.
    """
    windows, linux = LABEL_FONTS[0], LABEL_FONTS[1]
    return f"CASE WHEN @qgis_os_name = 'windows' THEN '{windows}' ELSE '{linux}' END"


def _data_defined_family(settings: ET.Element) -> None:
    dd = ET.SubElement(settings, "dd_properties")
    collection = ET.SubElement(dd, "Option", type="Map")
    ET.SubElement(collection, "Option", name="name", type="QString", value="")
    properties = ET.SubElement(collection, "Option", name="properties", type="Map")
    family = ET.SubElement(properties, "Option", name="Family", type="Map")
    ET.SubElement(family, "Option", name="active", type="bool", value="true")
    ET.SubElement(
        family, "Option", name="expression", type="QString", value=label_font_expression()
    )
    ET.SubElement(family, "Option", name="type", type="int", value="3")  # an expression
    ET.SubElement(collection, "Option", name="type", type="QString", value="collection")


def _labeling(label: LabelSpec, kind: str) -> ET.Element:
    labeling = ET.Element("labeling", type="simple")
    settings = ET.SubElement(labeling, "settings", calloutType="simple")
    text_style = ET.SubElement(
        settings,
        "text-style",
        {
            "fieldName": label.field,
            "isExpression": "0",
            "fontFamily": LABEL_FONTS[-1],
            "fontSize": _num(label.size),
            "fontSizeUnit": "Point",
            "fontWeight": "75" if label.bold else "50",
            "textColor": _rgba(label.colour),
            "textOpacity": "1",
            "multilineHeight": "1",
        },
    )
    ET.SubElement(
        text_style,
        "text-buffer",
        {
            "bufferDraw": "1" if label.halo else "0",
            "bufferSize": _num(label.halo_width),
            "bufferSizeUnits": "MM",
            "bufferColor": _rgba(label.halo or "#ffffff"),
            "bufferOpacity": "1",
            "bufferJoinStyle": "128",
        },
    )
    # QGIS placement codes: 0 around point, 2 parallel (lines), 1 over point (polygons)
    placement = {"point": "0", "line": "2", "polygon": "1"}[kind]
    ET.SubElement(
        settings,
        "placement",
        {
            "placement": placement,
            "dist": "0.5",
            "distUnits": "MM",
            "repeatDistance": "0",
            "priority": "5",
        },
    )
    ET.SubElement(
        settings,
        "rendering",
        {
            "scaleVisibility": "1" if label.min_scale else "0",
            "scaleMin": "0",
            "scaleMax": _num(label.min_scale) if label.min_scale else "0",
            "obstacle": "1",
            "displayAll": "0",
            "upsidedownLabels": "0",
            "zIndex": _num(label.priority),
        },
    )
    _data_defined_family(settings)
    return labeling


def style_to_qml(style: LayerStyle, *, geometry_type: str) -> str:
    """Return the QML document (text) of a layer style for a geometry type.

    Parameters
    ----------
    style
        The gisdesk style.
    geometry_type
        "Point", "LineString", "MultiPolygon"...: decides marker, line or fill symbols.

    Raises
    ------
    StyleError
        The geometry type has no QGIS symbol or a rule's filter cannot be translated.
    """
    kind = geometry_kind(geometry_type)
    root = ET.Element(
        "qgis",
        {
            "version": QGIS_VERSION,
            "styleCategories": "Symbology|Labeling",
            "labelsEnabled": "1" if style.label is not None else "0",
        },
    )
    root.append(_renderer(style, kind))
    if style.label is not None:
        root.append(_labeling(style.label, kind))
    ET.SubElement(root, "blendMode").text = "0"
    ET.SubElement(root, "featureBlendMode").text = "0"
    ET.SubElement(root, "layerGeometryType").text = _GEOMETRY_TYPE[kind]
    return xml_text(
        root, header="<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>", indent="  "
    )
