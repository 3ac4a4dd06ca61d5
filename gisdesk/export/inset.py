"""The locator inset: the whole district, its towns, and the main map's frame outlined."""

from __future__ import annotations

import numpy as np
import shapely
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QPen

from gisdesk.core.layer import Layer
from gisdesk.export.frame import MapData
from gisdesk.export.paper import MUTED, Paper, RectMM
from gisdesk.render.paths import geometry_path
from gisdesk.render.symbols import qcolor

__all__ = ["draw_inset", "inset_base", "inset_useful"]

Extent = tuple[float, float, float, float]
FRAME_RED = "#c8102e"


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


def inset_useful(data: MapData, extent: Extent) -> bool:
    """Return whether an inset adds anything: False when the frame shows the whole district."""
    base = inset_base(data)
    if base is None:
        return False
    dist = base[0]
    if not len(dist):
        return False
    b = shapely.total_bounds(dist)
    frame = shapely.box(*extent)
    whole = shapely.box(*b)
    return bool(shapely.area(shapely.intersection(frame, whole)) < 0.95 * shapely.area(whole))


def draw_inset(paper: Paper, rect: RectMM, data: MapData, extent: Extent) -> None:
    """Draw the district and towns in ``rect`` with the main map's frame in red."""
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
    b = shapely.total_bounds(dist)
    bx = (
        min(b[0], extent[0]),
        min(b[1], extent[1]),
        max(b[2], extent[2]),
        max(b[3], extent[3]),
    )
    span_x = (bx[2] - bx[0]) * 1.08
    span_y = (bx[3] - bx[1]) * 1.08
    res = max(span_x / paper.mm(area[2]), span_y / paper.mm(area[3]))  # metres per pixel
    cx, cy = (bx[0] + bx[2]) / 2, (bx[1] + bx[3]) / 2
    ox, oy = paper.mm(area[0] + area[2] / 2), paper.mm(area[1] + area[3] / 2)
    # pixel = ((x - xmin) / res, (ymax - y) / res) with the area's centre on (cx, cy)
    transform = (cx - ox * res, cy + oy * res, res)
    p = paper.painter
    p.save()
    p.setRenderHint(p.RenderHint.Antialiasing, True)
    p.setClipRect(paper.rect(rect))
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
