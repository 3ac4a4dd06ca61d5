"""Interactive HTML maps (Leaflet) that work without a network and never run their data.

Layers are styled like the desktop (colours and widths from the style classes), popups
show the fields under their Chinese labels, and a legend and layer control come with the
map. Leaflet's script, stylesheet and images are inlined from ``assets/leaflet`` (Leaflet
1.9.4, BSD-2-Clause), so the file opens offline. Large layers are thinned: roads keep the
国道/省道/县道 classes by default and lines and polygons are simplified to about 10 m.

Data is never code. The page is fixed text written here, not a template (no Jinja2, no
folium): everything that comes from the project (title, layer names, field labels,
attribute values, legend labels) travels as one JSON document in
``<script type="application/json">`` with ``<``, ``>`` and ``&`` escaped, and the page's
own script puts it on screen with ``textContent`` and DOM calls, never ``innerHTML`` (the
one Leaflet call that takes HTML, the layer control, gets the name HTML-escaped). A
Content-Security-Policy lets only the page's two scripts run (by hash) and allows no
network access, so even markup that got into the page could neither run nor call out.

A web map too big to use is refused before it is built (:class:`WebMapTooLargeError`):
more than :data:`MAX_FEATURES` features after thinning, or an estimated page of more than
:data:`MAX_PAGE_BYTES`; ``force=True`` (``gisdesk webmap --force``) writes it anyway.
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
from gisdesk.core.style import LayerStyle, Symbol
from gisdesk.render.prepared import geometry_family

if TYPE_CHECKING:
    import geopandas as gpd

    from gisdesk.core.layer import Layer
    from gisdesk.core.project import Project

__all__ = [
    "ASSETS",
    "DEFAULT_ROAD_CLASSES",
    "MAX_FEATURES",
    "MAX_PAGE_BYTES",
    "WebMap",
    "WebMapInfo",
    "WebMapTooLargeError",
    "build_webmap",
    "export_webmap",
    "json_for_html",
]

ASSETS = resources.leaflet_dir()
DEFAULT_ROAD_CLASSES = ("国道", "省道", "县道")
PX_PER_MM = 96 / 25.4
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
        style["radius"] = round(max(2.5, symbol.size * PX_PER_MM / 2), 2)
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

    def estimated_bytes(self) -> int:
        text = sum(len(v.encode("utf-8", "replace")) + 3 for row in self.rows for v in row if v)
        coords = int(shapely.get_num_coordinates(self.geoms).sum())
        return text + coords * _COORD_BYTES + len(self.classes) * _FEATURE_BYTES


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
    return _Table(
        layer=layer,
        family=family,
        labels=[label for _c, label in fields],
        rows=rows,
        classes=[int(c) for c in classes],
        geoms=_simplify(gdf, family, simplify_m),
        styles=styles,
        legend=legend,
        tooltip=name,
    )


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
        "bounds": [
            [float(bounds[:, 1].min()), float(bounds[:, 0].min())],
            [float(bounds[:, 3].max()), float(bounds[:, 2].max())],
        ],
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
  document.title = data.title || "gisdesk";
  var map = L.map("gd-map", {preferCanvas: true, zoomSnap: 0.25, zoomDelta: 0.5});
  window.gdMap = map;
  L.control.scale().addTo(map);
  var control = L.control.layers(null, null, {collapsed: false, position: "topright"});
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
        return L.circleMarker(latlng, styleOf(f.properties.c));
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
  });
  control.addTo(map);
  map.fitBounds(data.bounds);
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
        sw.className = "gd-sw gd-dot";
        sw.style.background = s.fillColor;
        sw.style.borderColor = border;
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
