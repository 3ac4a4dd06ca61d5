"""Interactive HTML maps (folium/Leaflet) that work without a network.

Layers are styled like the desktop (colours and widths from the style classes), popups
show the fields under their Chinese labels, and a legend and layer control come with the
map. Leaflet's script, stylesheet and images are inlined from ``assets/leaflet`` (Leaflet
1.9.4, BSD-2-Clause), so the file opens offline; every attribute value is HTML-escaped.
Large layers are thinned: roads keep the 国道/省道/县道 classes by default and lines and
polygons are simplified to about 10 m.
"""

from __future__ import annotations

import base64
import html
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
    import folium
    import geopandas as gpd

    from gisdesk.core.layer import Layer
    from gisdesk.core.project import Project

__all__ = [
    "ASSETS",
    "DEFAULT_ROAD_CLASSES",
    "WebMapInfo",
    "build_webmap",
    "export_webmap",
    "inline_assets",
]

ASSETS = resources.leaflet_dir()
DEFAULT_ROAD_CLASSES = ("国道", "省道", "县道")
PX_PER_MM = 96 / 25.4
_HEX = re.compile(r"^#([0-9a-fA-F]{6})([0-9a-fA-F]{2})?$")
_SCRIPT = re.compile(r'<script[^>]*\bsrc="([^"]+)"[^>]*>\s*</script>', re.IGNORECASE)
_LINK = re.compile(r'<link[^>]*\bhref="([^"]+)"[^>]*/?>', re.IGNORECASE)
_EXTERNAL = re.compile(
    r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=["']?(?:https?:)?//""", re.I
)


@dataclass
class WebMapInfo:
    """What :func:`export_webmap` wrote."""

    path: Path
    bytes: int
    layers: dict[str, int] = field(default_factory=dict)  # layer name -> features written
    dropped_links: list[str] = field(default_factory=list)  # CDN links removed, unused


def _folium() -> Any:
    try:
        import folium
    except ImportError:  # pragma: no cover - folium is a core dependency
        raise InputError(
            "网页地图需要 folium：请安装 gisdesk 的依赖（pip install folium）。",
            "Web maps need folium: install gisdesk's dependencies (pip install folium).",
        ) from None
    return folium


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


def _text(value: object) -> str:
    """Return a value as escaped text for a popup ("" for missing values)."""
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    try:
        if pd.isna(value):  # type: ignore[call-overload]
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, bool | np.bool_):
        return "是" if value else "否"
    if isinstance(value, float | np.floating):
        v = float(value)
        return html.escape(f"{v:.0f}" if v.is_integer() else f"{v:.6g}")
    return html.escape(str(value))


def _fields(layer: Layer, frame: pd.DataFrame) -> list[tuple[str, str]]:
    """Return (column, escaped Chinese label) for the popup, in schema order."""
    cols = [c for c in frame.columns if c != frame.geometry.name]
    if layer.schema is not None:
        index = layer.schema.field_index
        known = [c for c in index if c in cols]
        rest = [c for c in cols if c not in index]
        return [(c, html.escape(index[c].label("zh"))) for c in known] + [
            (c, html.escape(str(c))) for c in rest
        ]
    return [(c, html.escape(str(c))) for c in cols]


def _simplify(gdf: gpd.GeoDataFrame, family: str, tolerance_m: float) -> gpd.GeoDataFrame:
    """Return the layer in lon/lat (EPSG:4326), simplified in metres and rounded to ~0.1 m."""
    out = gdf
    if family != "point" and tolerance_m > 0 and len(gdf):
        metric = gdf.to_crs(METRIC_CRS)
        simple = shapely.simplify(
            np.asarray(metric.geometry.values, dtype=object),
            tolerance_m,
            preserve_topology=family == "polygon",
        )
        out = metric.set_geometry(list(simple), crs=METRIC_CRS)
    out = out.to_crs(4326)
    rounded = shapely.transform(
        np.asarray(out.geometry.values, dtype=object), lambda xy: np.round(xy, 6)
    )
    return out.set_geometry(list(rounded), crs=4326)


def _road_filter(layer: Layer, gdf: gpd.GeoDataFrame, classes: Sequence[str] | None) -> Any:
    if classes is None or layer.kind != "roads" or "class" not in gdf.columns:
        return gdf
    return gdf[gdf["class"].astype(str).isin(list(classes))]


def _legend_html(rows: list[tuple[str, list[LegendRow]]]) -> str:
    parts = [
        '<div class="gd-legend"><div class="gd-legend-title">图例</div>',
    ]
    for title, entries in rows:
        parts.append(f'<div class="gd-legend-group">{html.escape(title)}</div>')
        for label, style, family in entries:
            colour = style.get("fillColor") if family != "line" else style.get("color")
            border = style.get("color", "#333333") if style.get("stroke") else "transparent"
            if family == "line":
                swatch = (
                    f'<span class="gd-sw gd-line" style="border-top:'
                    f'{max(2.0, float(style.get("weight", 1)))}px solid {colour}"></span>'
                )
            elif family == "point":
                swatch = (
                    f'<span class="gd-sw gd-dot" style="background:{colour};'
                    f'border-color:{border}"></span>'
                )
            elif style.get("fill"):
                swatch = (
                    f'<span class="gd-sw" style="background:{colour};'
                    f"opacity:{max(0.35, float(style.get('fillOpacity', 1)))};"
                    f'border-color:{border}"></span>'
                )
            else:  # an outline only
                swatch = (
                    f'<span class="gd-sw" style="border:2px '
                    f'{"dashed" if style.get("dashArray") else "solid"} {border}"></span>'
                )
            parts.append(f'<div class="gd-legend-row">{swatch}{html.escape(label)}</div>')
    parts.append("</div>")
    return "".join(parts)


_CSS = """
<style>
.gd-title{position:absolute;top:10px;left:50%;transform:translateX(-50%);z-index:1000;
 background:rgba(255,255,255,.92);padding:6px 14px;border-radius:4px;
 font:bold 18px "Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;
 box-shadow:0 1px 4px rgba(0,0,0,.3)}
.gd-badge{position:absolute;top:10px;left:60px;z-index:1000;color:#c8102e;background:#fff5f5;
 border:2px solid #c8102e;padding:4px 10px;
 font:bold 14px "Noto Sans CJK SC","Microsoft YaHei",sans-serif}
.gd-legend{position:absolute;bottom:48px;left:10px;z-index:1000;background:rgba(255,255,255,.94);
 padding:8px 10px;max-height:60vh;overflow:auto;font:12px "Noto Sans CJK SC","Microsoft YaHei",
 sans-serif;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3)}
.gd-legend-title{font-weight:bold;font-size:14px;text-align:center;margin-bottom:4px}
.gd-legend-group{font-weight:bold;margin-top:6px}
.gd-legend-row{display:flex;align-items:center;gap:6px;margin:2px 0 2px 4px}
.gd-sw{display:inline-block;width:18px;height:11px;border:1px solid transparent;
 box-sizing:border-box}
.gd-dot{width:11px;height:11px;border-radius:50%;margin:0 3.5px}
.gd-line{height:0;border:0}
.leaflet-popup-content table th{text-align:left;padding-right:8px;white-space:nowrap;color:#555}
.leaflet-container{background:#ffffff !important;
 font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif}
</style>
"""


LegendRow = tuple[str, dict[str, Any], str]  # label, Leaflet style, geometry family


@dataclass
class _Written:
    count: int
    bounds: np.ndarray
    legend: list[LegendRow]


def _layer_table(
    layer: Layer, road_classes: Sequence[str] | None, simplify_m: float
) -> tuple[pd.DataFrame, np.ndarray, list[tuple[str, str]], str] | None:
    """Return a layer's escaped popup values with class index, lon/lat geometries, fields."""
    if layer.data.crs is None or not len(layer.data):
        return None
    gdf = _road_filter(layer, layer.data.to_crs(STORAGE_CRS), road_classes)
    gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    if not len(gdf):
        return None
    family = geometry_family(np.asarray(gdf.geometry.values, dtype=object))
    style = layer.style
    classes = style.assign(gdf) if style is not None else np.zeros(len(gdf), dtype=np.int32)
    fields = _fields(layer, gdf)
    simple = _simplify(gdf, family, simplify_m)
    props = pd.DataFrame(
        {f"f{i}": [_text(v) for v in gdf[col].tolist()] for i, (col, _label) in enumerate(fields)}
    )
    props["_c"] = classes.astype(int)
    # features no class takes are hidden on the desktop too, unless the style has a default
    keep = (classes >= 0) | (style is None or style.default is not None)
    geoms = np.asarray(simple.geometry.values, dtype=object)[keep]
    return props[keep].reset_index(drop=True), geoms, fields, family


def _add_layer(
    fol: Any,
    m: folium.Map,
    layer: Layer,
    *,
    road_classes: Sequence[str] | None,
    simplify_m: float,
) -> _Written | None:
    """Add one layer to the map as a toggleable group; return what was written."""
    table = _layer_table(layer, road_classes, simplify_m)
    if table is None or not len(table[0]):
        return None
    feats, geoms, fields, family = table
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": rec, "geometry": _geojson(g)}
            for rec, g in zip(feats.to_dict("records"), geoms, strict=True)
        ],
    }
    style = layer.style
    styles = _styles(style, family, layer.opacity)
    group = fol.FeatureGroup(name=html.escape(layer.title), show=True)
    keys = [f"f{i}" for i in range(len(fields))]
    aliases = [label for _c, label in fields]
    popup = fol.GeoJsonPopup(fields=keys, aliases=aliases, labels=True) if keys else None
    name_key = next((f"f{i}" for i, (c, _l) in enumerate(fields) if c == "name"), None)
    tooltip = fol.GeoJsonTooltip(fields=[name_key], labels=False) if name_key else None
    fol.GeoJson(
        collection,
        name=html.escape(layer.title),
        style_function=lambda f, s=styles: s.get(int(f["properties"]["_c"]), s[-1]),
        marker=fol.CircleMarker(radius=3) if family == "point" else None,
        popup=popup,
        tooltip=tooltip,
        smooth_factor=1.0,
    ).add_to(group)
    group.add_to(m)
    legend: list[LegendRow] = []
    if style is not None:
        present = set(np.unique(feats["_c"]).tolist())
        legend = [
            (c.label("zh") or layer.title, styles[i], family)
            for i, c in enumerate(style.classes)
            if i in present
        ]
        if -1 in present and style.default is not None:
            legend.append(("其他", styles[-1], family))
    return _Written(len(feats), shapely.total_bounds(geoms), legend)


def build_webmap(
    project: Project,
    *,
    layers: Sequence[str] | None = None,
    title: str | None = None,
    road_classes: Sequence[str] | None = DEFAULT_ROAD_CLASSES,
    simplify_m: float = 10.0,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
) -> tuple[folium.Map, dict[str, int]]:
    """Return a folium map of the project's layers and the features written per layer.

    Parameters
    ----------
    project
        The project.
    layers
        Layer names (drawn in project order); None takes the visible layers.
    title
        Title shown over the map; default the project title.
    road_classes
        Road classes kept on the ``roads`` layer; None keeps every road.
    simplify_m
        Tolerance (metres) lines and polygons are simplified to; 0 keeps every vertex.
    """
    fol = _folium()
    chosen = _chosen(project, layers)
    m = fol.Map(
        tiles=None,
        control_scale=True,
        prefer_canvas=True,
        zoom_control=True,
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    counts: dict[str, int] = {}
    legend_rows: list[tuple[str, list[LegendRow]]] = []
    bounds: list[np.ndarray] = []
    schematic = False
    for k, layer in enumerate(chosen):
        check_cancel(cancel)
        report(progress, k / max(1, len(chosen)), f"写出图层 {layer.title}")
        written = _add_layer(fol, m, layer, road_classes=road_classes, simplify_m=simplify_m)
        if written is None:
            continue
        counts[layer.name] = written.count
        bounds.append(written.bounds)
        schematic |= layer.metadata.schematic
        if written.legend:
            legend_rows.append((layer.title, written.legend))
    if not counts:
        raise InputError(
            "所选图层没有可写出的要素。", "The chosen layers have no features to write."
        )
    fol.LayerControl(collapsed=False, position="topright").add_to(m)
    b = np.array(bounds)
    m.fit_bounds(
        [[float(b[:, 1].min()), float(b[:, 0].min())], [float(b[:, 3].max()), float(b[:, 2].max())]]
    )
    root = m.get_root()
    page_title = title if title is not None else project.title
    root.header.add_child(fol.Element(_CSS), name="gisdesk_css")
    root.header.add_child(
        fol.Element(f"<title>{html.escape(page_title or 'gisdesk')}</title>"), name="gisdesk_title"
    )
    overlay = f'<div class="gd-title">{html.escape(page_title)}</div>' if page_title else ""
    if schematic:
        overlay += '<div class="gd-badge">示意数据，非正式成果</div>'
    overlay += _legend_html(list(reversed(legend_rows)))
    root.html.add_child(fol.Element(overlay), name="gisdesk_overlay")
    report(progress, 1.0, "完成")
    return m, counts


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


def _geojson(geom: shapely.Geometry) -> dict[str, Any]:
    import json

    result: dict[str, Any] = json.loads(shapely.to_geojson(geom))
    return result


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def inline_assets(page: str) -> tuple[str, list[str]]:
    """Return the page with Leaflet inlined and every other CDN script/stylesheet removed.

    folium links Leaflet, jQuery, Bootstrap and font icons from CDNs; these maps use only
    Leaflet, whose files ship in ``assets/leaflet``. Returns the page and the URLs dropped.
    """
    js = (ASSETS / "leaflet.js").read_text(encoding="utf-8")
    js = js.replace("//# sourceMappingURL=leaflet.js.map", "")
    css = (ASSETS / "leaflet.css").read_text(encoding="utf-8")
    css = re.sub(
        r"url\(images/([\w.-]+\.png)\)",
        lambda mt: f"url({_data_uri(ASSETS / 'images' / mt.group(1))})",
        css,
    )
    dropped: list[str] = []

    def script(mt: re.Match[str]) -> str:
        url = mt.group(1)
        if url.rsplit("/", 1)[-1] == "leaflet.js":
            return f"<script>/* Leaflet 1.9.4, BSD-2-Clause */\n{js}\n</script>"
        dropped.append(url)
        return ""

    def link(mt: re.Match[str]) -> str:
        url = mt.group(1)
        if url.rsplit("/", 1)[-1] == "leaflet.css":
            return f"<style>/* Leaflet 1.9.4, BSD-2-Clause */\n{css}\n</style>"
        dropped.append(url)
        return ""

    page = _SCRIPT.sub(script, page)
    page = _LINK.sub(link, page)
    leftover = _EXTERNAL.search(page)
    if leftover:
        raise ProjectError(
            "网页地图仍引用外部资源，离线时无法打开。",
            f"The web map still references an external resource: {leftover.group(0)[:120]}",
        )
    return page, dropped


def export_webmap(
    project: Project,
    path: str | os.PathLike[str],
    *,
    layers: Sequence[str] | None = None,
    title: str | None = None,
    road_classes: Sequence[str] | None = DEFAULT_ROAD_CLASSES,
    simplify_m: float = 10.0,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> WebMapInfo:
    """Write a self-contained HTML web map that works offline.

    See :func:`build_webmap` for the options.

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
    m, counts = build_webmap(
        project,
        layers=layers,
        title=title,
        road_classes=road_classes,
        simplify_m=simplify_m,
        progress=progress,
        cancel=cancel,
    )
    page, dropped = inline_assets(m.get_root().render())
    tmp = out.with_name(f".{out.stem}.part{out.suffix}")
    try:
        tmp.write_text(page, encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        raise ProjectError(f"无法写入 {out}：{exc}", f"Cannot write {out}: {exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return WebMapInfo(out, out.stat().st_size, counts, dropped)
