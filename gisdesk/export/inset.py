"""The locator inset: where the map lies, at every extent.

A map of part of the district shows the whole district, its towns and the map's frame in
red. A map of the whole district shows it among the counties around it (the shipped
outlines of :mod:`gisdesk.export.context`), named, with the frame in red. Where neither can
be drawn (no district or towns layer; a whole-district map far from Haimen, where no
surrounding outlines exist) :func:`plan_inset` says why, and the plate's notes carry it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QPen

from gisdesk.core.crs import STORAGE_CRS, transformer
from gisdesk.core.layer import Layer
from gisdesk.export.context import context_areas
from gisdesk.export.frame import MapData
from gisdesk.export.paper import MUTED, Paper, RectMM
from gisdesk.render.paths import geometry_path
from gisdesk.render.symbols import qcolor

__all__ = ["InsetView", "draw_inset", "inset_base", "plan_inset"]

Extent = tuple[float, float, float, float]
FRAME_RED = "#c8102e"
WHOLE_SHARE = 0.95
"""A frame holding this share of the district's bounding box shows the whole district."""
AROUND = 0.3
"""Surroundings shown beyond the district on each side, as a share of its longer span."""
NO_BASE_NOTE = "位置示意图未绘制：项目中没有区界或镇（街道）图层。"
NO_SURROUNDINGS_NOTE = (
    "位置示意图未绘制：本图已显示全区，而周边区县轮廓只覆盖海门区附近，此范围没有可作参照的轮廓。"
)


@dataclass(frozen=True)
class InsetView:
    """What the inset shows: its window and, for a whole-district map, the counties around.

    ``neighbours`` are (name, geometry) in the display CRS, those reaching into the window;
    the inset box may show a little more than the window (its shape is the box's).
    """

    window: Extent
    neighbours: tuple[tuple[str, shapely.Geometry], ...] = ()


def _find(data: MapData, kind: str) -> Layer | None:
    for layer in data.project:
        if kind in (layer.kind, layer.name):
            return layer
    return None


def inset_base(data: MapData) -> tuple[np.ndarray, np.ndarray] | None:
    """Return (district polygons, town polygons) in the display CRS, or None if neither."""
    district = _find(data, "district")
    towns = _find(data, "towns")
    if district is None and towns is None:
        return None
    town_geoms = data.get(towns).geoms if towns is not None else np.empty(0, dtype=object)
    if district is not None:
        dist_geoms = data.get(district).geoms
    else:
        dist_geoms = np.array([shapely.union_all(town_geoms)], dtype=object)
    return dist_geoms, town_geoms


def _surroundings(data: MapData, window: Extent) -> tuple[tuple[str, shapely.Geometry], ...]:
    """Return the counties around the district inside ``window`` (display CRS)."""
    to_display = transformer(STORAGE_CRS, data.crs)
    box = shapely.box(*window)
    out = []
    for area in context_areas():
        if area.home:
            continue  # the district is drawn from the project's own layers
        geom = shapely.transform(
            area.geometry, lambda xy: np.column_stack(to_display.transform(xy[:, 0], xy[:, 1]))
        )
        if shapely.area(shapely.clip_by_rect(geom, *window)) > 0.01 * box.area:
            out.append((area.name, geom))
    return tuple(out)


def plan_inset(data: MapData, extent: Extent) -> tuple[InsetView | None, str]:
    """Return what the inset shows for a map of ``extent``, or (None, the reason why not)."""
    base = inset_base(data)
    if base is None or not len(base[0]):
        return None, NO_BASE_NOTE
    b = shapely.total_bounds(base[0])
    whole = shapely.box(*b)
    shown = shapely.area(shapely.intersection(shapely.box(*extent), whole))
    window = (
        min(b[0], extent[0]),
        min(b[1], extent[1]),
        max(b[2], extent[2]),
        max(b[3], extent[3]),
    )
    if shown < WHOLE_SHARE * shapely.area(whole):
        return InsetView(window), ""
    grow = AROUND * max(window[2] - window[0], window[3] - window[1])
    around = (window[0] - grow, window[1] - grow, window[2] + grow, window[3] + grow)
    neighbours = _surroundings(data, around)
    if not neighbours:
        return None, NO_SURROUNDINGS_NOTE
    return InsetView(around, neighbours), ""


def draw_inset(paper: Paper, rect: RectMM, data: MapData, extent: Extent, view: InsetView) -> None:
    """Draw ``view`` in ``rect``: the surroundings, the district and towns, the frame in red."""
    base = inset_base(data)
    paper.box(rect, stroke="#8a8a8a", width_mm=0.2, fill="#ffffff")
    if base is None:
        return
    dist, towns = base
    x, y, w, h = rect
    caption_font = paper.font(7.0)
    cap_h = paper.line_height_mm(caption_font)
    pad = 2.0
    area = (x + pad, y + pad, w - 2 * pad, h - 2 * pad - cap_h)
    bx = view.window
    # a window of the surroundings fills the box; the district alone keeps a margin
    margin = 1.0 if view.neighbours else 1.08
    span_x = (bx[2] - bx[0]) * margin
    span_y = (bx[3] - bx[1]) * margin
    res = max(span_x / paper.mm(area[2]), span_y / paper.mm(area[3]))  # metres per pixel
    cx, cy = (bx[0] + bx[2]) / 2, (bx[1] + bx[3]) / 2
    ox, oy = paper.mm(area[0] + area[2] / 2), paper.mm(area[1] + area[3] / 2)
    # pixel = ((x - xmin) / res, (ymax - y) / res) with the area's centre on (cx, cy)
    transform = (cx - ox * res, cy + oy * res, res)
    p = paper.painter
    p.save()
    p.setRenderHint(p.RenderHint.Antialiasing, True)
    p.setClipRect(paper.rect((area[0], y + pad, area[2], area[3])))
    if view.neighbours:
        left, top = transform[0] + paper.mm(area[0]) * res, transform[1] - paper.mm(area[1]) * res
        seen = (left, top - paper.mm(area[3]) * res, left + paper.mm(area[2]) * res, top)
        _draw_neighbours(paper, view.neighbours, seen, extent, transform)
    pen = QPen(qcolor("#7a6f5a"))
    pen.setWidthF(paper.mm(0.25))
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    simplified = shapely.simplify(dist, res / 2)
    p.setPen(pen)
    p.setBrush(QBrush(qcolor("#efe9d9")))
    p.drawPath(geometry_path(simplified, transform))
    if len(towns):
        thin = QPen(qcolor("#b5a98e"))
        thin.setWidthF(paper.mm(0.12))
        p.setPen(thin)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(geometry_path(shapely.simplify(towns, res / 2), transform))
    frame_pen = QPen(qcolor(FRAME_RED))
    frame_pen.setWidthF(paper.mm(0.45))
    frame_pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
    p.setPen(frame_pen)
    p.setBrush(QBrush(qcolor("#c8102e22")))
    p.drawPath(geometry_path(np.array([shapely.box(*extent)], dtype=object), transform))
    p.restore()
    paper.text(
        (x + pad, y + h - pad - cap_h, w - 2 * pad, cap_h),
        "位置示意图",
        caption_font,
        colour=MUTED,
        align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
    )


def _draw_neighbours(
    paper: Paper,
    neighbours: tuple[tuple[str, shapely.Geometry], ...],
    seen: Extent,
    extent: Extent,
    transform: tuple[float, float, float],
) -> None:
    """Draw the counties around the district in grey, each named in its part ``seen``
    (outside the map's frame where it can be)."""
    res = transform[2]
    parts = [(name, shapely.clip_by_rect(g, *seen)) for name, g in neighbours]
    neighbours = tuple((name, g) for name, g in parts if not g.is_empty)
    p = paper.painter
    pen = QPen(qcolor("#a3a3a3"))
    pen.setWidthF(paper.mm(0.15))
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(QBrush(qcolor("#f1f1ef")))
    geoms = np.array([g for _name, g in neighbours], dtype=object)
    p.drawPath(geometry_path(shapely.simplify(geoms, res / 2), transform))
    font = paper.font(5.5)
    p.setFont(font)
    p.setPen(qcolor("#8c8c8c"))
    x0, y0, r = transform
    for name, geom in neighbours:
        outside = shapely.difference(geom, shapely.box(*extent))
        spot = shapely.point_on_surface(outside if shapely.area(outside) > 0 else geom)
        px, py = (spot.x - x0) / r, (y0 - spot.y) / r
        box = p.fontMetrics().boundingRect(name)
        p.drawText(
            round(px - box.width() / 2), round(py + box.height() / 3), name
        )  # plain text: a county name from the shipped outlines
