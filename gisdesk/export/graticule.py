"""Coordinate lines on the map: a CGCS2000 graticule or a kilometre grid, with edge labels.

Meridians and parallels are curves in the Gauss-Kruger plane, so each is densified in
longitude/latitude and projected; labels sit where a line crosses the frame edge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import shapely
from pyproj import CRS
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPen

from gisdesk.core.crs import STORAGE_CRS, transformer
from gisdesk.export.paper import INK, Paper, RectMM
from gisdesk.render.paths import path_from_arrays
from gisdesk.render.symbols import qcolor

__all__ = [
    "GridLine",
    "GridTick",
    "draw_grid",
    "format_dms",
    "graticule_lines",
    "km_grid_lines",
]

Extent = tuple[float, float, float, float]
Side = Literal["top", "bottom", "left", "right"]
_MINUTES = (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600)
_DENSIFY = 48
_LINE_COLOUR = "#5f7f99"


@dataclass(frozen=True)
class GridLine:
    """One coordinate line: its value, its label text, and vertices in the display CRS."""

    axis: Literal["x", "y"]  # "x": meridian / easting line (labelled top and bottom)
    value: float
    text: str
    xy: np.ndarray


@dataclass(frozen=True)
class GridTick:
    """A label where a coordinate line meets the frame: side, text, page position (mm)."""

    side: Side
    text: str
    at_mm: float


def format_dms(value: float, axis: Literal["lon", "lat"]) -> str:
    """Return a degree-minute label such as 121°10′E or 31°55′N (seconds when needed)."""
    hemi = ("E" if value >= 0 else "W") if axis == "lon" else ("N" if value >= 0 else "S")
    total = round(abs(value) * 3600)
    d, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    if s:
        return f"{d}°{m:02d}′{s:02d}″{hemi}"
    if m:
        return f"{d}°{m:02d}′{hemi}"
    return f"{d}°{hemi}"


def _lonlat_box(extent: Extent, crs: CRS) -> Extent:
    xmin, ymin, xmax, ymax = extent
    t = np.linspace(0.0, 1.0, 25)
    xs = np.concatenate([xmin + (xmax - xmin) * t, np.full(25, xmax), xmin + (xmax - xmin) * t])
    ys = np.concatenate([np.full(25, ymin), ymin + (ymax - ymin) * t, np.full(25, ymax)])
    xs = np.concatenate([xs, np.full(25, xmin)])
    ys = np.concatenate([ys, ymin + (ymax - ymin) * t])
    lon, lat = transformer(crs, STORAGE_CRS).transform(xs, ys)
    return float(np.min(lon)), float(np.min(lat)), float(np.max(lon)), float(np.max(lat))


def _step(span: float, steps: tuple[float, ...], max_lines: int) -> float:
    for s in steps:
        if span / s <= max_lines:
            return s
    return steps[-1]


def graticule_lines(extent: Extent, crs: CRS, *, max_lines: int = 6) -> list[GridLine]:
    """Return meridians and parallels crossing ``extent`` (display CRS metres) as curves."""
    lon0, lat0, lon1, lat1 = _lonlat_box(extent, crs)
    step = _step(max(lon1 - lon0, lat1 - lat0) * 60.0, tuple(float(m) for m in _MINUTES), max_lines)
    step_deg = step / 60.0
    tr = transformer(STORAGE_CRS, crs)
    pad = step_deg
    lines: list[GridLine] = []
    for lon in np.arange(math.ceil(lon0 / step_deg) * step_deg, lon1 + 1e-9, step_deg):
        lats = np.linspace(lat0 - pad, lat1 + pad, _DENSIFY)
        x, y = tr.transform(np.full(_DENSIFY, lon), lats)
        lines.append(
            GridLine("x", float(lon), format_dms(float(lon), "lon"), np.column_stack([x, y]))
        )
    for lat in np.arange(math.ceil(lat0 / step_deg) * step_deg, lat1 + 1e-9, step_deg):
        lons = np.linspace(lon0 - pad, lon1 + pad, _DENSIFY)
        x, y = tr.transform(lons, np.full(_DENSIFY, lat))
        lines.append(
            GridLine("y", float(lat), format_dms(float(lat), "lat"), np.column_stack([x, y]))
        )
    return lines


def km_grid_lines(extent: Extent, *, max_lines: int = 6) -> list[GridLine]:
    """Return a square grid of round kilometre lines in the display CRS."""
    xmin, ymin, xmax, ymax = extent
    span = max(xmax - xmin, ymax - ymin)
    steps = tuple(m * 10.0**e for e in range(2, 7) for m in (1.0, 2.0, 5.0))
    step = _step(span, steps, max_lines)
    lines: list[GridLine] = []
    for x in np.arange(math.ceil(xmin / step) * step, xmax + 1e-6, step):
        xy = np.array([[x, ymin - step], [x, ymax + step]])
        lines.append(GridLine("x", float(x), f"{x / 1000:g}", xy))
    for y in np.arange(math.ceil(ymin / step) * step, ymax + 1e-6, step):
        xy = np.array([[xmin - step, y], [xmax + step, y]])
        lines.append(GridLine("y", float(y), f"{y / 1000:g}", xy))
    return lines


def _crossing(xy: np.ndarray, coord: int, value: float) -> float | None:
    """Return the other coordinate where a polyline crosses ``xy[:, coord] == value``."""
    a = xy[:, coord] - value
    sign = np.signbit(a)
    idx = np.flatnonzero(sign[:-1] != sign[1:])
    if not len(idx):
        return None
    i = int(idx[0])
    t = a[i] / (a[i] - a[i + 1])
    other = 1 - coord
    return float(xy[i, other] + t * (xy[i + 1, other] - xy[i, other]))


def _draw_lines(paper: Paper, inner: RectMM, extent: Extent, lines: list[GridLine]) -> None:
    x0, y0, w, h = inner
    xmin, ymin, xmax, ymax = extent
    sx, sy = w / (xmax - xmin), h / (ymax - ymin)
    p = paper.painter
    k = paper.px_per_mm
    frame = paper.rect(inner)
    p.save()
    p.setClipRect(frame)
    pen = QPen(qcolor(_LINE_COLOUR))
    pen.setWidthF(paper.mm(0.13))
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setOpacity(0.75)
    for line in lines:
        px = np.column_stack(
            [(x0 + (line.xy[:, 0] - xmin) * sx) * k, (y0 + (ymax - line.xy[:, 1]) * sy) * k]
        )
        # cut at the frame as well as clipped: SVG viewers that ignore clip paths (Qt's
        # own reader among them) would otherwise draw the lines across the whole page
        inside = shapely.clip_by_rect(
            shapely.linestrings(px), frame.left(), frame.top(), frame.right(), frame.bottom()
        )
        coords, index = shapely.get_coordinates(shapely.get_parts(inside), return_index=True)
        if len(coords) < 2:
            continue
        starts = np.ones(len(index), dtype=bool)
        starts[1:] = index[1:] != index[:-1]
        p.drawPath(path_from_arrays(coords, starts))
    p.restore()


def _label(paper: Paper, side: Side, at: float, edge: float, text: str, tick: float) -> None:
    """Draw a tick out of the frame edge and its label; left and right labels read upwards."""
    font = paper.font(6.5)
    th = paper.line_height_mm(font)
    tw = paper.text_width_mm(text, font)
    out = -1.0 if side in ("top", "left") else 1.0
    if side in ("top", "bottom"):
        paper.line(at, edge, at, edge + out * tick, colour=INK, width_mm=0.15)
        ty = edge - tick - th if side == "top" else edge + tick
        box = (at - tw / 2 - 0.5, ty, tw + 1.0, th)
        paper.text(box, text, font, align=Qt.AlignmentFlag.AlignCenter)
        return
    paper.line(edge, at, edge + out * tick, at, colour=INK, width_mm=0.15)
    k = paper.px_per_mm
    cx = edge + out * (tick + th / 2)
    p = paper.painter
    p.save()
    p.translate(QPointF(cx * k, at * k))
    p.rotate(-90.0)
    p.setFont(font)
    p.setPen(QPen(qcolor(INK)))
    p.drawText(
        QRectF(-(tw / 2 + 0.5) * k, -th / 2 * k, (tw + 1.0) * k, th * k),
        int(Qt.AlignmentFlag.AlignCenter),
        text,
    )
    p.restore()


def draw_grid(
    paper: Paper,
    inner: RectMM,
    extent: Extent,
    lines: list[GridLine],
    *,
    band_mm: float,
) -> list[GridTick]:
    """Draw coordinate lines inside the frame and their labels in the band around it."""
    _draw_lines(paper, inner, extent, lines)
    x0, y0, w, h = inner
    xmin, ymin, xmax, ymax = extent
    sx, sy = w / (xmax - xmin), h / (ymax - ymin)
    tick = min(1.2, band_mm * 0.3)
    room = 4.0  # mm kept clear at the corners
    ticks: list[GridTick] = []
    for line in lines:
        if line.axis == "x":
            edges: tuple[tuple[Side, float, float], ...] = (
                ("top", ymax, y0),
                ("bottom", ymin, y0 + h),
            )
        else:
            edges = (("left", xmin, x0), ("right", xmax, x0 + w))
        for side, value, edge in edges:
            other = _crossing(line.xy, 1 if line.axis == "x" else 0, value)
            if other is None:
                continue
            if line.axis == "x":
                at = x0 + (other - xmin) * sx
                inside = x0 + room <= at <= x0 + w - room
            else:
                at = y0 + (ymax - other) * sy
                inside = y0 + room <= at <= y0 + h - room
            if inside:
                _label(paper, side, at, edge, line.text, tick)
                ticks.append(GridTick(side, line.text, at))
    return ticks
