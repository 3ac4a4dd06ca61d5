"""Interactive HTML maps (Leaflet) that work without a network and never run their data.

Layers are styled like the desktop (colours and widths from the style classes; point
symbols in the plate's marker outlines, :mod:`gisdesk.render.marker_shapes`, drawn on
Leaflet's canvas), labelled as the style says (towns and stations always, others while
there is room and the map is at least as detailed as the style's ``min_scale``), popups
show the fields under their Chinese labels, and a legend, layer control and metric scale
bar come with the map. Near Haimen the counties around the district (shipped outlines,
:data:`CONTEXT_FILE`), a grey veil outside the district and its outline are drawn under
everything, not clickable. Leaflet's script, stylesheet and images are inlined from
``assets/leaflet`` (Leaflet 1.9.4, BSD-2-Clause), so the file opens offline. Large layers
are thinned: roads keep the 高速公路/国道/省道/县道 classes by default and lines and polygons are
simplified to about 10 m.

Data is never code. The page is fixed text written here, not a template (no Jinja2, no
folium): everything that comes from the project (title, layer names, field labels,
attribute values, legend labels) travels as one JSON document in
``<script type="application/json">`` with ``<``, ``>`` and ``&`` escaped, and the page's
own script puts it on screen with ``textContent`` and DOM calls, never ``innerHTML`` (labels
are DivIcons handed a DOM element, not HTML; the one Leaflet call that takes HTML, the
layer control, gets the name HTML-escaped). A
Content-Security-Policy lets only the page's two scripts run (by hash) and allows no
network access, so even markup that got into the page could neither run nor call out.

A web map too big to use is refused before it is built (:class:`WebMapTooLargeError`):
more than :data:`MAX_FEATURES` features after thinning, or an estimated page of more than
:data:`MAX_PAGE_BYTES`; ``force=True`` (``gisdesk webmap --force``) writes it anyway.

Why one module (over 700 lines): the page's own script (:data:`_SCRIPT`, about 240 lines of
JavaScript) and the Python that writes its data document must agree on every key, and they
are the one place where project text meets HTML: they are reviewed together.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from gisdesk import resources
from gisdesk.core.crs import METRIC_CRS, STORAGE_CRS
from gisdesk.core.errors import InputError, ProjectError
from gisdesk.core.progress import CancelToken, ProgressCallback, check_cancel, report
from gisdesk.core.style import LabelSpec, LayerStyle, Symbol
from gisdesk.export.context import CONTEXT_FILE, context_areas, context_source
from gisdesk.render.marker_shapes import marker_outline
from gisdesk.render.prepared import geometry_family

if TYPE_CHECKING:
    import geopandas as gpd

    from gisdesk.core.layer import Layer
    from gisdesk.core.project import Project

__all__ = [
    "ASSETS",
    "CONTEXT_FILE",
    "DEFAULT_ROAD_CLASSES",
    "MAX_FEATURES",
    "MAX_PAGE_BYTES",
    "REQUIRED_PRIORITY",
    "WebMap",
    "WebMapInfo",
    "WebMapTooLargeError",
    "build_webmap",
    "export_webmap",
    "json_for_html",
]

ASSETS = resources.leaflet_dir()
DEFAULT_ROAD_CLASSES = ("高速公路", "国道", "省道", "县道")
"""Road classes a web map keeps by default (expressways since OSM motorways became 高速公路)."""
PX_PER_MM = 96 / 25.4
REQUIRED_PRIORITY = 8
"""Labels of this priority or more (towns 10, stations 8) are always shown, as on the plate
(:data:`gisdesk.render.labels.REQUIRED_PRIORITY`, which imports Qt, so not imported here)."""
# Headless Chromium here (2 shared cores) opened a page of 200,000 points (19 MB) in about
# 8 s and one of 33 MB of lines in about 7.5 s; 1,000,000 points took 36 s. Pages beyond
# these limits are refused before they are built, unless forced.
MAX_FEATURES = 200_000
MAX_PAGE_BYTES = 40_000_000
_HEX = re.compile(r"^#([0-9a-fA-F]{6})([0-9a-fA-F]{2})?$")
_SURROGATE = re.compile("[\ud800-\udfff]")
# bytes a feature costs in the page besides its text and coordinates: class, brackets,
# commas and the GeoJSON geometry's keys (measured on the sample: 48-62)
_FEATURE_BYTES = 64
_COORD_BYTES = 22  # "[121.123456,31.123456],"


class WebMapTooLargeError(InputError):
    """A web map that would be too big for a browser; nothing was written.

    Attributes
    ----------
    features
        Features the page would hold (after thinning).
    estimated_bytes
        Estimated size of the page, or 0 when the feature count alone was over the limit
        (then the size was not estimated).
    """

    def __init__(self, features: int, estimated_bytes: int = 0) -> None:
        self.features = features
        self.estimated_bytes = estimated_bytes
        if estimated_bytes:
            size_zh = f"约 {estimated_bytes / 1e6:,.1f} MB（上限 {MAX_PAGE_BYTES / 1e6:,.1f} MB）"
            size_en = (
                f"about {estimated_bytes / 1e6:,.1f} MB (limit {MAX_PAGE_BYTES / 1e6:,.1f} MB)"
            )
            what_zh, what_en = (
                f"{features:,} 个要素、{size_zh}",
                f"{features:,} features, {size_en}",
            )
        else:
            what_zh = f"{features:,} 个要素（上限 {MAX_FEATURES:,}）"
            what_en = f"{features:,} features (limit {MAX_FEATURES:,})"
        super().__init__(
            f"网页地图将有 {what_zh}，浏览器难以打开。请只选需要的图层、保留默认的道路等级或加大"
            "简化容差；大量要素请导出为 GeoPackage。仍要写出可选择继续（命令行加 --force）。",
            f"The web map would have {what_en}: too much for a browser to open. Choose only the "
            "layers needed, keep the default road classes or simplify more; export many "
            "features as GeoPackage instead. To write it anyway, go on (command line: --force).",
        )


@dataclass
class WebMapInfo:
    """What :func:`export_webmap` wrote."""

    path: Path
    bytes: int
    layers: dict[str, int] = field(default_factory=dict)  # layer name -> features written


@dataclass
class WebMap:
    """A built web map: the page and what it holds."""

    html: str
    data: dict[str, Any]  # the JSON document in the page, without the features
    layers: dict[str, int] = field(default_factory=dict)  # layer name -> features written


def _colour(value: str | None) -> tuple[str, float]:
    """Return (#rrggbb, alpha) from a style colour (#rrggbb or #rrggbbaa)."""
    if not value:
        return "#000000", 0.0
    m = _HEX.match(value)
    if not m:
        return "#000000", 1.0
    alpha = int(m.group(2), 16) / 255.0 if m.group(2) else 1.0
    return "#" + m.group(1).lower(), alpha


def _leaflet_style(symbol: Symbol | None, family: str, opacity: float) -> dict[str, Any]:
    if symbol is None:
        return {"opacity": 0, "fillOpacity": 0, "stroke": False, "fill": False, "radius": 0}
    stroke, s_alpha = _colour(symbol.stroke)
    fill, f_alpha = _colour(symbol.fill)
    base = symbol.opacity * opacity
    style: dict[str, Any] = {
        "color": stroke,
        "weight": round(max(0.6, symbol.stroke_width * PX_PER_MM), 2) if symbol.stroke else 0,
        "opacity": round(s_alpha * base, 3) if symbol.stroke else 0,
        "stroke": bool(symbol.stroke),
    }
    if symbol.dash == "dash":
        style["dashArray"] = "6 4"
    elif symbol.dash == "dot":
        style["dashArray"] = "1 3"
    elif symbol.dash == "dashdot":
        style["dashArray"] = "8 3 1 3"
    if family == "line":
        style["fill"] = False
        return style
    style.update(
        {
            "fillColor": fill,
            "fillOpacity": round(f_alpha * base, 3) if symbol.fill else 0,
            "fill": bool(symbol.fill),
        }
    )
    if family == "point":
        radius = max(2.5, symbol.size * PX_PER_MM / 2)
        style["radius"] = round(radius, 2)
        style["marker"] = symbol.marker
        if symbol.marker != "circle":
            # the plate's outline (unit diameter, y down) at the marker's size, in pixels
            outline = np.round(marker_outline(symbol.marker) * 2 * radius, 2)
            style["shape"] = outline.tolist()
    return style


def _text(value: object) -> str | None:
    """Return a value as the text a popup shows (None for missing values)."""
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        if pd.isna(value):  # type: ignore[call-overload]
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, bool | np.bool_):
        return "是" if value else "否"
    if isinstance(value, float | np.floating):
        v = float(value)
        return f"{v:.0f}" if v.is_integer() else f"{v:.6g}"
    return str(value)


def _fields(layer: Layer, frame: pd.DataFrame) -> list[tuple[str, str]]:
    """Return (column, Chinese label) for the popup, in schema order."""
    cols = [c for c in frame.columns if c != frame.geometry.name]
    if layer.schema is not None:
        index = layer.schema.field_index
        known = [c for c in index if c in cols]
        rest = [c for c in cols if c not in index]
        return [(c, index[c].label("zh")) for c in known] + [(c, str(c)) for c in rest]
    return [(c, str(c)) for c in cols]


def _simplify(gdf: gpd.GeoDataFrame, family: str, tolerance_m: float) -> np.ndarray:
    """Return the geometries in lon/lat (EPSG:4326), simplified in metres, rounded to ~0.1 m."""
    out = gdf
    if family != "point" and tolerance_m > 0 and len(gdf):
        metric = gdf.to_crs(METRIC_CRS)
        simple = shapely.simplify(
            np.asarray(metric.geometry.values, dtype=object),
            tolerance_m,
            preserve_topology=family == "polygon",
        )
        out = metric.set_geometry(list(simple), crs=METRIC_CRS)
    geoms = np.asarray(out.to_crs(4326).geometry.values, dtype=object)
    flat = shapely.force_2d(shapely.transform(geoms, lambda xy: np.round(xy, 6)))
    return np.asarray(flat, dtype=object)


def _road_filter(layer: Layer, gdf: gpd.GeoDataFrame, classes: Sequence[str] | None) -> Any:
    if classes is None or layer.kind != "roads" or "class" not in gdf.columns:
        return gdf
    return gdf[gdf["class"].astype(str).isin(list(classes))]


def _chosen(project: Project, layers: Sequence[str] | None) -> list[Layer]:
    if layers is None:
        return [layer for layer in project if layer.visible]
    for name in layers:
        project.layer(name)
    wanted = set(layers)
    return [layer for layer in project if layer.name in wanted]


def _styles(style: LayerStyle | None, family: str, opacity: float) -> dict[int, dict[str, Any]]:
    if style is None:
        return {
            -1: _leaflet_style(Symbol(), family, opacity),
            0: _leaflet_style(Symbol(), family, opacity),
        }
    out = {i: _leaflet_style(c.symbol, family, opacity) for i, c in enumerate(style.classes)}
    out[-1] = _leaflet_style(style.default, family, opacity)
    return out


def _features_of(layer: Layer, road_classes: Sequence[str] | None) -> gpd.GeoDataFrame | None:
    """Return the features of a layer the map would show (CGCS2000), or None."""
    if layer.data.crs is None or not len(layer.data):
        return None
    gdf = _road_filter(layer, layer.data.to_crs(STORAGE_CRS), road_classes)
    gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    return gdf if len(gdf) else None


@dataclass
class _Table:
    """One layer ready for the page: texts, classes, lon/lat geometries, styles, legend."""

    layer: Layer
    family: str
    labels: list[str]
    rows: list[list[str | None]]
    classes: list[int]
    geoms: np.ndarray
    styles: dict[int, dict[str, Any]]
    legend: list[dict[str, Any]]
    tooltip: int | None  # index of the field a hover shows (the name), if any
    label: dict[str, Any] | None = None  # permanent labels: style and anchors (see _labels)

    def estimated_bytes(self) -> int:
        text = sum(len(v.encode("utf-8", "replace")) + 3 for row in self.rows for v in row if v)
        coords = int(shapely.get_num_coordinates(self.geoms).sum())
        anchors = len(self.label["at"]) * 3 * _COORD_BYTES if self.label else 0
        return text + coords * _COORD_BYTES + len(self.classes) * _FEATURE_BYTES + anchors


def _table(layer: Layer, gdf: gpd.GeoDataFrame, simplify_m: float) -> _Table | None:
    family = geometry_family(np.asarray(gdf.geometry.values, dtype=object))
    style = layer.style
    classes = style.assign(gdf) if style is not None else np.zeros(len(gdf), dtype=np.int32)
    # features no class takes are hidden on the desktop too, unless the style has a default
    keep = (classes >= 0) | (style is None or style.default is not None)
    if not keep.any():
        return None
    gdf = gdf[keep]
    classes = classes[keep]
    fields = _fields(layer, gdf)
    columns = [[_text(v) for v in gdf[col].tolist()] for col, _label in fields]
    rows = [list(row) for row in zip(*columns, strict=True)] if columns else [[] for _ in classes]
    styles = _styles(style, family, layer.opacity)
    legend: list[dict[str, Any]] = []
    if style is not None:
        present = set(np.unique(classes).tolist())
        legend = [
            {"label": c.label("zh") or layer.title, "style": styles[i]}
            for i, c in enumerate(style.classes)
            if i in present
        ]
        if -1 in present and style.default is not None:
            legend.append({"label": "其他", "style": styles[-1]})
    name = next((i for i, (c, _l) in enumerate(fields) if c == "name"), None)
    geoms = _simplify(gdf, family, simplify_m)
    spec = style.label if style is not None else None
    column = next((i for i, (c, _l) in enumerate(fields) if spec and c == spec.field), None)
    return _Table(
        layer=layer,
        family=family,
        labels=[label for _c, label in fields],
        rows=rows,
        classes=[int(c) for c in classes],
        geoms=geoms,
        styles=styles,
        legend=legend,
        tooltip=name,
        label=None
        if spec is None or column is None
        else _labels(spec, column, family, geoms, rows, styles, [int(c) for c in classes]),
    )


def _labels(
    spec: LabelSpec,
    column: int,
    family: str,
    geoms: np.ndarray,
    rows: list[list[str | None]],
    styles: dict[int, dict[str, Any]],
    classes: list[int],
) -> dict[str, Any] | None:
    """Return a layer's permanent labels: the style's look and one anchor per label.

    Anchors are ``[lat, lon, row, dx]``: the text is the row's value of the label field (so
    it travels once, as data); ``dx`` is how far right of the anchor (px) the text starts,
    the marker's radius for points, 0 (centred) otherwise. Points and polygons get one label
    a feature (polygons at a point inside them); lines one a name, at the middle of the
    longest line carrying it, as a web map cannot bend text along them.
    """
    at: list[list[float | int]] = []
    if family == "line":
        longest: dict[str, tuple[float, int]] = {}
        lengths = shapely.length(geoms)
        for i, row in enumerate(rows):
            text = row[column]
            if text and lengths[i] > longest.get(text, (-1.0, -1))[0]:
                longest[text] = (float(lengths[i]), i)
        picks = sorted(i for _length, i in longest.values())
        merged = shapely.line_merge(geoms[picks]) if picks else np.array([])
        mids = shapely.line_interpolate_point(merged, 0.5, normalized=True)
        for i, mid in zip(picks, mids, strict=True):
            at.append([round(mid.y, 6), round(mid.x, 6), i, 0])
    else:
        points = geoms if family == "point" else shapely.point_on_surface(geoms)
        for i, (row, pt) in enumerate(zip(rows, points, strict=True)):
            if not row[column] or pt is None or pt.is_empty:
                continue
            dx = styles.get(classes[i], styles[-1]).get("radius", 0) + 2 if family == "point" else 0
            at.append([round(pt.y, 6), round(pt.x, 6), i, round(dx, 1)])
    if not at:
        return None
    colour, _alpha = _colour(spec.colour)
    halo = _colour(spec.halo)[0] if spec.halo else None
    return {
        "field": column,
        "size": round(spec.size * 96 / 72, 1),  # points -> CSS px
        "colour": colour,
        "halo": halo,
        "haloWidth": round(max(0.5, spec.halo_width * PX_PER_MM), 1),
        "bold": spec.bold,
        "priority": spec.priority,
        "minScale": spec.min_scale,
        "at": at,
    }


def _outline_of(project: Project) -> Any:
    """Return the project's district outline (CGCS2000 degrees) or None.

    The ``district`` layer if the project has one (shown or not), else the union of the
    ``towns``; the bundled outline of 海门区 is the last resort (checked by the caller).
    """
    for kind in ("district", "towns"):
        parts = [
            layer.data.to_crs(STORAGE_CRS).geometry
            for layer in project
            if layer.kind == kind and layer.data.crs is not None and len(layer.data)
        ]
        geoms = [g for series in parts for g in series if g is not None and not g.is_empty]
        polygons = [g for g in geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        if polygons:
            return shapely.union_all(polygons)
    return None


def _context(project: Project, bounds: tuple[float, float, float, float]) -> dict[str, Any] | None:
    """Return what is drawn under the map for orientation, or None far from Haimen.

    The counties around the map (from :data:`CONTEXT_FILE`, within half a degree of its
    extent) with their names, a grey veil outside the district and the district's outline.
    """
    west, south, east, north = bounds
    view = shapely.box(west, south, east, north)
    around = view.buffer(0.5, join_style="mitre")
    home = None
    areas: list[dict[str, Any]] = []
    near = view.buffer(0.08, join_style="mitre")
    for area in context_areas():
        geom = area.geometry
        if not geom.intersects(around):
            continue
        if area.home:  # the district itself: the outline of last resort
            home = geom
            continue
        # the name sits in the part of the county next to the map, so it shows
        part = geom.intersection(near)
        spot = shapely.point_on_surface(part if not part.is_empty else geom)
        areas.append(
            {
                "name": area.name,
                "label": [round(spot.y, 5), round(spot.x, 5)],
                "geometry": json.loads(shapely.to_geojson(geom)),
            }
        )
    outline = _outline_of(project)
    if outline is None and home is not None and home.intersects(view):
        outline = home
    if outline is None and not areas:
        return None
    out: dict[str, Any] = {"title": "周边区县", "areas": areas, "source": context_source()}
    if outline is not None:
        simple = shapely.simplify(outline, 0.0001, preserve_topology=True)  # about 10 m
        flat = shapely.transform(simple, lambda xy: np.round(xy, 6))
        world = shapely.box(-180.0, -85.0, 180.0, 85.0)
        out["outline"] = json.loads(shapely.to_geojson(flat.boundary))
        out["mask"] = json.loads(shapely.to_geojson(world.difference(flat)))
    return out


def json_for_html(value: Any) -> str:
    """Return JSON text that can sit inside an HTML ``<script>`` element as inert data.

    ``<``, ``>`` and ``&`` only occur inside JSON strings, where ``\\u003c`` etc. mean the
    same characters, so no ``</script>`` or ``<!--`` can end or change the element; lone
    surrogates (undecodable file names) are escaped too, so the page is valid UTF-8.
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return _escape_json_text(text)


def _escape_json_text(text: str) -> str:
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def _layer_json(table: _Table) -> str:
    """Return one layer as JSON; geometries come as GeoJSON text straight from GEOS."""
    head = {
        "name": table.layer.name,
        "title": table.layer.title,
        "family": table.family,
        "fields": table.labels,
        "tooltip": table.tooltip,
        "styles": {str(k): v for k, v in table.styles.items()},
        "label": table.label,
        "classes": table.classes,
        "values": table.rows,
    }
    geoms = ",".join(shapely.to_geojson(table.geoms).tolist())
    return json_for_html(head)[:-1] + ',"geometries":[' + geoms + "]}"


def build_webmap(
    project: Project,
    *,
    layers: Sequence[str] | None = None,
    title: str | None = None,
    road_classes: Sequence[str] | None = DEFAULT_ROAD_CLASSES,
    simplify_m: float = 10.0,
    force: bool = False,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
) -> WebMap:
    """Return the web map page of the project's layers and the features written per layer.

    Parameters
    ----------
    project
        The project.
    layers
        Layer names (drawn in project order); None takes the visible layers.
    title
        Title shown over the map and as the page title; default the project title.
    road_classes
        Road classes kept on the ``roads`` layer; None keeps every road.
    simplify_m
        Tolerance (metres) lines and polygons are simplified to; 0 keeps every vertex.
    force
        Build the page even when it is over :data:`MAX_FEATURES` or :data:`MAX_PAGE_BYTES`.

    Raises
    ------
    WebMapTooLargeError
        The page would be too big (checked before it is built), unless ``force``.
    InputError
        The chosen layers have no features.
    """
    chosen = [(layer, _features_of(layer, road_classes)) for layer in _chosen(project, layers)]
    present = [(layer, gdf) for layer, gdf in chosen if gdf is not None]
    features = sum(len(gdf) for _layer, gdf in present)
    if features > MAX_FEATURES and not force:
        raise WebMapTooLargeError(features)
    tables: list[_Table] = []
    for k, (layer, gdf) in enumerate(present):
        check_cancel(cancel)
        report(progress, 0.8 * k / max(1, len(present)), f"准备图层 {layer.title}")
        table = _table(layer, gdf, simplify_m)
        if table is not None:
            tables.append(table)
    if not tables:
        raise InputError(
            "所选图层没有可写出的要素。", "The chosen layers have no features to write."
        )
    estimate = sum(t.estimated_bytes() for t in tables) + len(_page("{}").encode("utf-8"))
    if estimate > MAX_PAGE_BYTES and not force:
        raise WebMapTooLargeError(sum(len(t.classes) for t in tables), estimate)
    check_cancel(cancel)
    report(progress, 0.85, "写出网页")
    bounds = np.array([shapely.total_bounds(t.geoms) for t in tables])
    page_title = title if title is not None else project.title
    west, south = float(bounds[:, 0].min()), float(bounds[:, 1].min())
    east, north = float(bounds[:, 2].max()), float(bounds[:, 3].max())
    context = _context(project, (west, south, east, north))
    legend = [
        {"title": t.layer.title, "family": t.family, "rows": t.legend}
        for t in reversed(tables)
        if t.legend
    ]
    data: dict[str, Any] = {
        "title": page_title or "",
        "badge": "示意数据，非正式成果"
        if any(t.layer.metadata.schematic for t in tables)
        else None,
        "legendTitle": "图例",
        "legend": legend,
        "bounds": [[south, west], [north, east]],
        "requiredPriority": REQUIRED_PRIORITY,
        "context": context,
    }
    document = json_for_html(data)[:-1] + ',"layers":[' + ",".join(map(_layer_json, tables)) + "]}"
    report(progress, 1.0, "完成")
    return WebMap(_page(document), data, {t.layer.name: len(t.classes) for t in tables})


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _csp_hash(text: str) -> str:
    return (
        "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"
    )


def _leaflet() -> tuple[str, str]:
    """Return Leaflet's script and stylesheet (images inlined as data URIs)."""
    js = (ASSETS / "leaflet.js").read_text(encoding="utf-8")
    js = js.replace("//# sourceMappingURL=leaflet.js.map", "")
    css = (ASSETS / "leaflet.css").read_text(encoding="utf-8")
    css = re.sub(
        r"url\(images/([\w.-]+\.png)\)",
        lambda mt: f"url({_data_uri(ASSETS / 'images' / mt.group(1))})",
        css,
    )
    return (
        f"/* Leaflet 1.9.4, BSD-2-Clause */\n{js}\n",
        f"/* Leaflet 1.9.4, BSD-2-Clause */\n{css}\n",
    )


_CSS = """
html,body{height:100%;margin:0;padding:0}
#gd-map{position:absolute;top:0;bottom:0;left:0;right:0}
.gd-title{position:absolute;top:10px;left:50%;transform:translateX(-50%);z-index:1000;
 background:rgba(255,255,255,.92);padding:6px 14px;border-radius:4px;white-space:pre-wrap;
 font:bold 18px "Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;
 box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:60%;overflow-wrap:anywhere}
.gd-badge{position:absolute;top:10px;left:60px;z-index:1000;color:#c8102e;background:#fff5f5;
 border:2px solid #c8102e;padding:4px 10px;
 font:bold 14px "Noto Sans CJK SC","Microsoft YaHei",sans-serif}
.gd-legend{position:absolute;bottom:48px;left:10px;z-index:1000;background:rgba(255,255,255,.94);
 padding:8px 10px;max-height:60vh;max-width:40vw;overflow:auto;
 font:12px "Noto Sans CJK SC","Microsoft YaHei",sans-serif;border-radius:4px;
 box-shadow:0 1px 4px rgba(0,0,0,.3);overflow-wrap:anywhere}
.gd-legend-title{font-weight:bold;font-size:14px;text-align:center;margin-bottom:4px}
.gd-legend-group{font-weight:bold;margin-top:6px}
.gd-legend-row{display:flex;align-items:center;gap:6px;margin:2px 0 2px 4px}
.gd-sw{display:inline-block;flex:none;width:18px;height:11px;border:1px solid transparent;
 box-sizing:border-box}
.gd-dot{width:11px;height:11px;border-radius:50%;margin:0 3.5px}
.gd-line{height:0;border:0}
.gd-mark{width:14px;height:14px;border:0;margin:0 2px}
.gd-label-icon{background:none;border:0;width:0;height:0}
.gd-label{position:absolute;left:0;top:0;pointer-events:none}
.gd-label-text{display:block;white-space:nowrap;line-height:1.2}
.leaflet-popup-content table th{text-align:left;padding-right:8px;white-space:nowrap;color:#555;
 vertical-align:top}
.leaflet-popup-content table td{white-space:pre-wrap;overflow-wrap:anywhere}
.leaflet-container{background:#ffffff !important;
 font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif}
"""

# The page's own script: reads the JSON data and builds the map. It is the same for every
# map; nothing from the data is ever parsed as HTML or run.
_SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("gd-data").textContent);
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  var ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"};
  function escapeHtml(text) {  // only for Leaflet's layer control, which sets innerHTML
    return String(text).replace(/[&<>"']/g, function (c) { return ENTITIES[c]; });
  }
  var SVG = "http://www.w3.org/2000/svg";
  // Point symbols with the plate's outlines (triangle, star, cross...): a circle marker
  // (same hit area, popups and tooltips) whose canvas or SVG path is the style's polygon,
  // given in pixels around the point.
  L.Canvas.include({
    _updateGdShape: function (layer) {
      if (!this._drawing || layer._empty()) { return; }
      var p = layer._point, ctx = this._ctx, shape = layer.options.shape;
      ctx.beginPath();
      shape.forEach(function (xy, i) {
        var x = p.x + xy[0], y = p.y + xy[1];
        if (i) { ctx.lineTo(x, y); } else { ctx.moveTo(x, y); }
      });
      ctx.closePath();
      this._fillStroke(ctx, layer);
    }
  });
  L.SVG.include({
    _updateGdShape: function (layer) {
      var p = layer._point;
      this._setPath(layer, layer._empty() ? "M0 0" : layer.options.shape.map(function (xy, i) {
        return (i ? "L" : "M") + (p.x + xy[0]) + " " + (p.y + xy[1]);
      }).join("") + "Z");
    }
  });
  var ShapeMarker = L.CircleMarker.extend({
    _updatePath: function () {
      if (this.options.shape) { this._renderer._updateGdShape(this); }
      else { this._renderer._updateCircle(this); }
    }
  });
  function swatchSvg(s) {  // a legend swatch drawn with the marker's own outline
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "14");
    svg.setAttribute("height", "14");
    svg.setAttribute("class", "gd-sw gd-mark");
    var shape = s.shape, scale = 12 / Math.max(1, 2 * (s.radius || 1)), node;
    if (shape) {
      node = document.createElementNS(SVG, "polygon");
      node.setAttribute("points", shape.map(function (xy) {
        return (7 + xy[0] * scale).toFixed(2) + "," + (7 + xy[1] * scale).toFixed(2);
      }).join(" "));
    } else {
      node = document.createElementNS(SVG, "circle");
      node.setAttribute("cx", "7");
      node.setAttribute("cy", "7");
      node.setAttribute("r", "5.5");
    }
    node.setAttribute("fill", s.fill ? s.fillColor : "none");
    node.setAttribute("fill-opacity", String(s.fill ? Math.max(0.35, s.fillOpacity) : 0));
    node.setAttribute("stroke", s.stroke ? s.color : "none");
    node.setAttribute("stroke-width", s.stroke ? "1" : "0");
    svg.appendChild(node);
    return svg;
  }
  function labelIcon(text, look, dx) {  // the text is set as text, never parsed
    var inner = el("span", "gd-label-text", text);
    var st = inner.style;
    st.font = (look.bold ? "bold " : "") + look.size + "px " +
      '"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif';
    st.color = look.colour;
    if (look.halo) {
      var w = look.haloWidth, c = look.halo, shadows = [];
      [[1, 0], [-1, 0], [0, 1], [0, -1], [0.7, 0.7], [-0.7, 0.7], [0.7, -0.7], [-0.7, -0.7]]
        .forEach(function (d) {
          shadows.push((d[0] * w).toFixed(1) + "px " + (d[1] * w).toFixed(1) + "px 0 " + c);
        });
      st.textShadow = shadows.join(",");
    }
    st.transform = dx ? "translate(" + dx + "px,-50%)" : "translate(-50%,-50%)";
    var box = el("div", "gd-label");
    box.appendChild(inner);
    return L.divIcon({html: box, className: "gd-label-icon", iconSize: null});
  }
  document.title = data.title || "gisdesk";
  var map = L.map("gd-map", {preferCanvas: true, zoomSnap: 0.25, zoomDelta: 0.5});
  window.gdMap = map;
  L.control.scale({metric: true, imperial: false, maxWidth: 150}).addTo(map);
  var control = L.control.layers(null, null, {collapsed: false, position: "topright"});
  map.createPane("gd-context").style.zIndex = 250;
  map.createPane("gd-labels").style.zIndex = 640;
  map.getPane("gd-context").style.pointerEvents = "none";
  map.getPane("gd-labels").style.pointerEvents = "none";
  var context = L.layerGroup(), contextLabels = null;
  if (data.context) {
    var ctx = data.context, under = L.canvas({pane: "gd-context"});
    var plain = {renderer: under, pane: "gd-context", interactive: false};
    ctx.areas.forEach(function (area) {
      context.addLayer(L.geoJSON(area.geometry, L.extend({style: function () {
        return {color: "#a6a6a6", weight: 1, fillColor: "#eeeeee", fillOpacity: 1};
      }}, plain)));
    });
    if (ctx.mask) {
      context.addLayer(L.geoJSON(ctx.mask, L.extend({style: function () {
        return {stroke: false, fillColor: "#7f7f7f", fillOpacity: 0.16};
      }}, plain)));
      context.addLayer(L.geoJSON(ctx.outline, L.extend({style: function () {
        return {color: "#5f5f5f", weight: 1.6, fill: false};
      }}, plain)));
    }
    contextLabels = ctx.areas.map(function (area) {
      var name = L.marker(area.label, {
        icon: labelIcon(area.name, {size: 13, colour: "#8a8a8a", halo: "#ffffff",
                                    haloWidth: 1, bold: false}, 0),
        pane: "gd-context", interactive: false, keyboard: false
      });
      context.addLayer(name);
      return name;
    });
    context.addTo(map);
    control.addOverlay(context, escapeHtml(ctx.title));
  }
  var labelSets = [];
  data.layers.forEach(function (spec) {
    var styles = spec.styles;
    var styleOf = function (c) { return styles[String(c)] || styles["-1"]; };
    var features = spec.geometries.map(function (geometry, i) {
      return {type: "Feature", geometry: geometry,
              properties: {c: spec.classes[i], v: spec.values[i]}};
    });
    var group = L.geoJSON({type: "FeatureCollection", features: features}, {
      style: function (f) { return styleOf(f.properties.c); },
      pointToLayer: function (f, latlng) {
        return new ShapeMarker(latlng, styleOf(f.properties.c));
      }
    });
    if (spec.fields.length) {
      group.bindPopup(function (layer) {
        var table = el("table");
        var values = layer.feature.properties.v;
        spec.fields.forEach(function (label, i) {
          var row = el("tr");
          row.appendChild(el("th", null, label));
          row.appendChild(el("td", null, values[i]));
          table.appendChild(row);
        });
        return table;
      }, {maxWidth: 420});
    }
    if (spec.tooltip !== null) {
      group.bindTooltip(function (layer) {
        return el("span", null, layer.feature.properties.v[spec.tooltip]);
      }, {sticky: true});
    }
    group.addTo(map);
    control.addOverlay(group, escapeHtml(spec.title));
    if (spec.label) {
      var look = spec.label, labels = L.layerGroup();
      look.at.forEach(function (a) {
        labels.addLayer(L.marker([a[0], a[1]], {
          icon: labelIcon(spec.values[a[2]][look.field], look, a[3]),
          pane: "gd-labels", interactive: false, keyboard: false
        }));
      });
      labelSets.push({features: group, labels: labels, look: look});
    }
  });
  control.addTo(map);
  map.fitBounds(data.bounds, {maxZoom: 17});  // one point: a street-level view, not infinity
  // labels of a layer show while the layer is on and the map is at least as detailed as
  // the style's 1:minScale (metres a pixel at 96 dpi, at the map's latitude)
  function showLabels() {
    var z = map.getZoom(), lat = map.getCenter().lat * Math.PI / 180;
    labelSets.forEach(function (set) {
      var min = set.look.minScale;
      var scale = 156543.03392 * Math.cos(lat) / Math.pow(2, z) * 96 / 0.0254;
      var want = map.hasLayer(set.features) && (!min || scale <= min * 1.0001);
      if (want && !map.hasLayer(set.labels)) { set.labels.addTo(map); }
      if (!want && map.hasLayer(set.labels)) { map.removeLayer(set.labels); }
    });
  }
  // Labels compete for room: higher style priority first (towns, then stations...), then
  // the context's county names; a label overlapping one already placed is hidden (kept in
  // the page, shown again when zooming in makes room). Required labels (towns, stations)
  // are never hidden: where two of them overlap both show, as no town name may go missing.
  function declutter() {
    var items = [];
    labelSets.forEach(function (set) {
      if (!map.hasLayer(set.labels)) { return; }
      set.labels.eachLayer(function (m) { items.push({m: m, p: set.look.priority || 0}); });
    });
    if (contextLabels && map.hasLayer(context)) {
      contextLabels.forEach(function (m) { items.push({m: m, p: -1e9}); });
    }
    items.sort(function (a, b) { return b.p - a.p; });
    var rects = items.map(function (it) {
      var node = it.m.getElement();
      return node ? node.firstChild.firstChild.getBoundingClientRect() : null;
    });
    var placed = [];
    items.forEach(function (it, i) {
      var r = rects[i];
      if (!r) { return; }
      var free = it.p >= data.requiredPriority || placed.every(function (q) {
        return r.right + 2 < q.left || q.right + 2 < r.left ||
               r.bottom + 1 < q.top || q.bottom + 1 < r.top;
      });
      if (free) { placed.push(r); }
      it.m.getElement().style.visibility = free ? "" : "hidden";
    });
  }
  map.on("zoomend overlayadd overlayremove", function () { showLabels(); declutter(); });
  showLabels();
  declutter();
  if (data.title) { document.body.appendChild(el("div", "gd-title", data.title)); }
  if (data.badge) { document.body.appendChild(el("div", "gd-badge", data.badge)); }
  var legend = el("div", "gd-legend");
  legend.appendChild(el("div", "gd-legend-title", data.legendTitle));
  data.legend.forEach(function (group) {
    legend.appendChild(el("div", "gd-legend-group", group.title));
    group.rows.forEach(function (row) {
      var s = row.style;
      var sw = el("span", "gd-sw");
      var border = s.stroke ? s.color : "transparent";
      if (group.family === "line") {
        sw.className = "gd-sw gd-line";
        sw.style.borderTop = Math.max(2, s.weight || 1) + "px solid " + s.color;
      } else if (group.family === "point") {
        sw = swatchSvg(s);
      } else if (s.fill) {
        sw.style.background = s.fillColor;
        sw.style.opacity = Math.max(0.35, s.fillOpacity);
        sw.style.borderColor = border;
      } else {
        sw.style.border = "2px " + (s.dashArray ? "dashed " : "solid ") + border;
      }
      var line = el("div", "gd-legend-row");
      line.appendChild(sw);
      line.appendChild(el("span", null, row.label));
      legend.appendChild(line);
    });
  });
  document.body.appendChild(legend);
})();
"""


def _page(document: str) -> str:
    """Return the whole HTML page around the JSON document (already escaped for HTML)."""
    js, css = _leaflet()
    policy = "; ".join(
        [
            "default-src 'none'",
            f"script-src {_csp_hash(js)} {_csp_hash(_SCRIPT)}",
            f"style-src {_csp_hash(css)} {_csp_hash(_CSS)}",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        '<meta name="generator" content="gisdesk">\n'
        f"<style>{css}</style>\n<style>{_CSS}</style>\n"
        f"<script>{js}</script>\n"
        "</head>\n<body>\n"
        '<div id="gd-map"></div>\n'
        f'<script type="application/json" id="gd-data">{document}</script>\n'
        f"<script>{_SCRIPT}</script>\n"
        "</body>\n</html>\n"
    )


def export_webmap(
    project: Project,
    path: str | os.PathLike[str],
    *,
    layers: Sequence[str] | None = None,
    title: str | None = None,
    road_classes: Sequence[str] | None = DEFAULT_ROAD_CLASSES,
    simplify_m: float = 10.0,
    force: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> WebMapInfo:
    """Write a self-contained HTML web map that works offline.

    See :func:`build_webmap` for the options and what is refused.

    Returns
    -------
    WebMapInfo
        The file, its size and the features written per layer.
    """
    out = Path(path)
    if out.suffix.lower() not in (".html", ".htm"):
        raise InputError(
            f"网页地图须保存为 .html 文件（收到“{out.name}”）。",
            f"A web map is saved as an .html file (got '{out.name}').",
        )
    if not out.parent.is_dir():
        raise ProjectError(
            f"输出文件夹不存在：{out.parent}", f"The output folder does not exist: {out.parent}"
        )
    webmap = build_webmap(
        project,
        layers=layers,
        title=title,
        road_classes=road_classes,
        simplify_m=simplify_m,
        force=force,
        progress=progress,
        cancel=cancel,
    )
    tmp = out.with_name(f".{out.stem}.part{out.suffix}")
    try:
        tmp.write_text(webmap.html, encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        raise ProjectError(f"无法写入 {out}：{exc}", f"Cannot write {out}: {exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return WebMapInfo(out, out.stat().st_size, webmap.layers)
