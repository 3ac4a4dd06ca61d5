"""Read a QGIS project (.qgs, or .qgz: a zip holding the .qgs): its layers and their styles.

A QGIS project holds no features: each map layer names a data source (a GeoPackage table,
a Shapefile, a PostGIS table...). :func:`read_qgis_project` lists the project's vector
layers with where their data is, resolving paths relative to the project file as QGIS does,
and with what can be carried over of each layer's style (:func:`qml_style`): single symbol,
categorised and graduated renderers with simple markers, lines and fills, and simple labels.
A layer whose data is elsewhere (a database, a web service, a scratch layer that lives only
in QGIS) is listed with the reason it cannot be imported.

The XML is read with :mod:`xml.etree.ElementTree`, which does not expand external entities
or fetch anything; a project over :data:`MAX_QGS_BYTES` is refused.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from gisdesk.core.errors import InputError, StyleError

if TYPE_CHECKING:
    import pandas as pd

    from gisdesk.core.style import LabelSpec, LayerStyle, StyleClass, Symbol

__all__ = [
    "MAX_QGS_BYTES",
    "QGIS_PROJECT_SUFFIXES",
    "QgisLayer",
    "fit_to_data",
    "is_qgis_project",
    "qml_style",
    "read_qgis_project",
]

QGIS_PROJECT_SUFFIXES = (".qgs", ".qgz")
MAX_QGS_BYTES = 200 * 1024**2
_FILE_PROVIDERS = {"ogr"}
_MARKERS = {
    "circle": "circle",
    "square": "square",
    "triangle": "triangle",
    "equilateral_triangle": "triangle",
    "diamond": "diamond",
    "star": "star",
    "cross": "cross",
    "cross_fill": "cross",
    "cross2": "cross",
    "x": "cross",
}
_DASHES = {"solid": "solid", "dash": "dash", "dot": "dot", "dash dot": "dashdot"}


@dataclass(frozen=True)
class QgisLayer:
    """One vector layer of a QGIS project.

    Attributes
    ----------
    name
        The layer's name in QGIS (what its layer panel shows).
    path
        The data file, resolved against the project's folder; None when the data is not a
        file (``reason`` says why).
    table
        The layer (table) inside the file (``|layername=``), or None for the file's first.
    crs
        The layer's coordinate system as QGIS had it (``EPSG:4490``...), or None.
    style
        The layer's style as far as gisdesk can draw it, or None.
    reason
        (Chinese, English) why the layer cannot be imported, or None.
    """

    name: str
    path: Path | None
    table: str | None
    crs: str | None
    style: LayerStyle | None
    reason: tuple[str, str] | None = None


def is_qgis_project(path: str | Path) -> bool:
    """Whether a file is named as a QGIS project (.qgs / .qgz)."""
    return Path(path).suffix.lower() in QGIS_PROJECT_SUFFIXES


def _unreadable(path: Path, detail: object) -> InputError:
    text = str(detail).strip().splitlines()[0][:200] if str(detail).strip() else "?"
    return InputError(
        f"无法读取 QGIS 项目 {path.name}：文件已损坏或不是 QGIS 项目（{text}）。"
        "请在 QGIS 中重新保存项目，或直接导入它引用的数据文件。",
        f"Cannot read the QGIS project {path.name}: the file is damaged or not a QGIS "
        f"project ({text}). Save it again in QGIS, or import the data files it uses.",
    )


def _project_xml(path: Path) -> bytes:
    if not path.is_file():
        raise InputError(f"文件不存在：{path}", f"The file does not exist: {path}")
    if path.stat().st_size > MAX_QGS_BYTES:
        raise InputError(
            f"QGIS 项目 {path.name} 过大。", f"The QGIS project {path.name} is too large."
        )
    if path.suffix.lower() == ".qgs":
        return path.read_bytes()
    try:
        with zipfile.ZipFile(path) as zf:
            inner = [n for n in zf.namelist() if n.lower().endswith(".qgs")]
            if not inner:
                raise _unreadable(path, "no .qgs inside the .qgz")
            info = zf.getinfo(inner[0])
            if info.file_size > MAX_QGS_BYTES:
                raise InputError(
                    f"QGIS 项目 {path.name} 过大。", f"The QGIS project {path.name} is too large."
                )
            return zf.read(inner[0])
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise _unreadable(path, exc) from None


def _text(elem: ET.Element | None, tag: str) -> str:
    found = None if elem is None else elem.find(tag)
    return (found.text or "").strip() if found is not None else ""


_SOURCE_OPTION = re.compile(r"\|(layername|layerid)=([^|]*)")


def _source(project: Path, datasource: str) -> tuple[Path, str | None]:
    """The data file and the table of an OGR data source (``./a.gpkg|layername=roads``)."""
    file_part = datasource.split("|", 1)[0].strip()
    table = None
    for key, value in _SOURCE_OPTION.findall(datasource):
        if key == "layername":
            table = value
    file = Path(file_part)
    if not file.is_absolute():
        file = (project.parent / file).resolve()
    return file, table


def read_qgis_project(path: str | Path) -> list[QgisLayer]:
    """Return the vector layers of a QGIS project, top first as its layer panel lists them.

    Raises
    ------
    InputError
        The file is missing, too large, damaged, or not a QGIS project.
    """
    path = Path(path)
    data = _project_xml(path)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise _unreadable(path, exc) from None
    if root.tag != "qgis":
        raise _unreadable(path, f"the root element is <{root.tag}>, not <qgis>")
    tree = [e.get("id") for e in root.iter("layer-tree-layer")]
    elems = sorted(
        root.iter("maplayer"),
        key=lambda e: tree.index(_text(e, "id")) if _text(e, "id") in tree else len(tree),
    )
    layers: list[QgisLayer] = []
    for elem in elems:
        if elem.get("type") != "vector":
            continue
        name = _text(elem, "layername") or _text(elem, "id")
        provider = _text(elem, "provider")
        datasource = _text(elem, "datasource")
        crs = _text(elem.find("srs/spatialrefsys"), "authid") or None
        try:
            style = qml_style(elem)
        except (StyleError, ValueError):
            style = None
        if provider not in _FILE_PROVIDERS or not datasource:
            elsewhere = (
                f"数据不在文件中（QGIS 数据源类型：{provider or '未知'}），无法导入。",
                (
                    f"its data is not in a file (QGIS provider: {provider or 'unknown'}), so it "
                    "cannot be imported."
                ),
            )
            layers.append(QgisLayer(name, None, None, crs, style, elsewhere))
            continue
        file, table = _source(path, datasource)
        reason: tuple[str, str] | None = None
        if not file.exists():
            reason = (
                f"数据文件 {file} 不存在（项目被单独复制了？请把数据文件一并复制）。",
                (
                    f"the data file {file} does not exist (was the project copied without its "
                    "data? Copy the data files along)."
                ),
            )
        layers.append(QgisLayer(name, file, table, crs, style, reason))
    return layers


# --- styles ----------------------------------------------------------------------------


def _props(layer: ET.Element) -> dict[str, str]:
    """A symbol layer's properties: QGIS 3.22+ writes an Option map, older ones prop k/v."""
    out = {p.get("k", ""): p.get("v", "") for p in layer.findall("prop")}
    options = layer.find("Option")
    if options is not None:
        out.update({o.get("name", ""): o.get("value", "") for o in options.findall("Option")})
    return out


def _colour(text: str | None) -> str | None:
    """``r,g,b,a`` (QGIS) -> ``#rrggbb[aa]``; fully transparent -> None."""
    if not text:
        return None
    parts = [int(float(v)) for v in text.split(",")[:4]]
    if len(parts) < 3:
        return None
    r, g, b = parts[:3]
    a = parts[3] if len(parts) > 3 else 255
    if a == 0:
        return None
    return f"#{r:02x}{g:02x}{b:02x}" + ("" if a == 255 else f"{a:02x}")


def _mm(text: str | None, default: float) -> float:
    try:
        value = float(text) if text else default
    except ValueError:
        return default
    return min(max(value, 0.0), 100.0)


def _symbol(elem: ET.Element | None) -> Symbol:
    from gisdesk.core.style import Symbol

    if elem is None:
        return Symbol()
    layer = elem.find("layer")
    if layer is None:
        return Symbol()
    props = _props(layer)
    kind = layer.get("class", "")
    opacity = _mm(elem.get("alpha"), 1.0)
    opacity = min(opacity, 1.0)
    if kind == "SimpleLine":
        return Symbol(
            fill=None,
            stroke=_colour(props.get("line_color")),
            stroke_width=_mm(props.get("line_width"), 0.26),
            dash=_DASHES.get(props.get("line_style", "solid"), "solid"),
            opacity=opacity,
        )
    stroke = None if props.get("outline_style") == "no" else _colour(props.get("outline_color"))
    fill = None if props.get("style") == "no" else _colour(props.get("color"))
    if kind == "SimpleMarker":
        return Symbol(
            fill=fill,
            stroke=stroke,
            stroke_width=_mm(props.get("outline_width"), 0.0),
            marker=_MARKERS.get(props.get("name", "circle"), "circle"),
            size=_mm(props.get("size"), 2.0),
            opacity=opacity,
        )
    return Symbol(
        fill=fill,
        stroke=stroke,
        stroke_width=_mm(props.get("outline_width"), 0.26),
        dash=_DASHES.get(props.get("outline_style", "solid"), "solid"),
        opacity=opacity,
    )


def _symbols(renderer: ET.Element) -> dict[str, Symbol]:
    block = renderer.find("symbols")
    if block is None:
        return {}
    return {s.get("name", ""): _symbol(s) for s in block.findall("symbol")}


def _label(maplayer: ET.Element) -> LabelSpec | None:
    from gisdesk.core.style import LabelSpec

    if maplayer.get("labelsEnabled") != "1":
        return None
    text = maplayer.find("labeling/settings/text-style")
    if text is None or text.get("isExpression") == "1" or not text.get("fieldName"):
        return None
    buffer = text.find("text-buffer")
    halo = None
    if buffer is not None and buffer.get("bufferDraw") == "1":
        halo = _colour(buffer.get("bufferColor")) or "#ffffff"
    rendering = maplayer.find("labeling/settings/rendering")
    min_scale = None
    if rendering is not None and rendering.get("scaleVisibility") == "1":
        try:
            min_scale = float(rendering.get("scaleMax", "0")) or None
        except ValueError:
            min_scale = None
    return LabelSpec(
        min_scale=min_scale,
        field=text.get("fieldName", ""),
        size=_mm(text.get("fontSize"), 9.0),
        colour=_colour(text.get("textColor")) or "#222222",
        halo=halo,
        halo_width=_mm(buffer.get("bufferSize") if buffer is not None else None, 0.6),
        bold=int(float(text.get("fontWeight", "50") or 50)) >= 63,
    )


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    value = float(text)
    return None if abs(value) >= 1e300 else value


def qml_style(maplayer: ET.Element) -> LayerStyle | None:
    """The gisdesk style of a QGIS layer element (or a QML ``<qgis>`` root), or None.

    Single symbol, categorised and graduated renderers are carried over with the first
    symbol layer of each symbol; labels on one field. Others (rule-based, heatmap...) give
    None: the layer then takes its schema's style or a plain one.

    Raises
    ------
    StyleError
        A colour, size or marker the gisdesk style model refuses.
    """
    from gisdesk.core.style import LayerStyle, StyleClass

    renderer = maplayer.find("renderer-v2")
    if renderer is None:
        return None
    kind = renderer.get("type")
    symbols = _symbols(renderer)
    label = _label(maplayer)
    field = renderer.get("attr")
    if kind == "singleSymbol":
        symbol = symbols.get("0")
        if symbol is None:
            return None
        name = _text(maplayer, "layername") or "全部"
        return LayerStyle(
            kind="single", classes=(StyleClass(symbol, name, name),), symbol=symbol, label=label
        )
    if kind == "categorizedSymbol" and field:
        classes, default = _categories(renderer, symbols)
        if not classes:
            return None
        return LayerStyle(
            kind="categorized", classes=classes, field=field, default=default, label=label
        )
    if kind == "graduatedSymbol" and field:
        classes = _ranges(renderer, symbols)
        if not classes:
            return None
        return LayerStyle(kind="graduated", classes=classes, field=field, label=label)
    return None


def _categories(
    renderer: ET.Element, symbols: dict[str, Symbol]
) -> tuple[tuple[StyleClass, ...], Symbol | None]:
    """A categorised renderer's classes and its "all other values" symbol (or None)."""
    from gisdesk.core.style import StyleClass

    classes: list[StyleClass] = []
    default = None
    for cat in renderer.findall("categories/category"):
        symbol = symbols.get(cat.get("symbol", ""))
        if symbol is None or cat.get("render", "true") == "false":
            continue
        value = cat.get("value", "")
        text = cat.get("label") or value
        if value == "":
            default = symbol
        else:
            classes.append(StyleClass(symbol, text, text, value=value))
    return tuple(classes), default


def _ranges(renderer: ET.Element, symbols: dict[str, Symbol]) -> tuple[StyleClass, ...]:
    from gisdesk.core.style import StyleClass

    classes: list[StyleClass] = []
    for rng in renderer.findall("ranges/range"):
        symbol = symbols.get(rng.get("symbol", ""))
        if symbol is None or rng.get("render", "true") == "false":
            continue
        text = rng.get("label") or f"{rng.get('lower')} - {rng.get('upper')}"
        lower, upper = _number(rng.get("lower")), _number(rng.get("upper"))
        classes.append(StyleClass(symbol, text, text, lower=lower, upper=upper))
    return tuple(classes)


def fit_to_data(style: LayerStyle, data: pd.DataFrame) -> LayerStyle:
    """The style with its category values typed like the field they classify.

    QGIS writes every category value as text; a numeric field's values are numbers.
    """
    import pandas as pd

    if style.kind != "categorized" or style.field not in data.columns:
        return style
    if not pd.api.types.is_numeric_dtype(data[style.field]):
        return style
    classes = []
    for cls in style.classes:
        try:
            number = float(str(cls.value))
        except ValueError:
            return style  # a text category on a numeric field: leave it to the user
        value: int | float = int(number) if number.is_integer() else number
        classes.append(replace(cls, value=value))
    return replace(style, classes=tuple(classes))
