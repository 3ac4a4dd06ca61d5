"""Plate furniture: title, scale bar, north arrow and the 示意数据 label."""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QPainterPath, QPen

from gisdesk.export.paper import INK, MUTED, Paper, RectMM
from gisdesk.render.symbols import qcolor

__all__ = [
    "SCHEMATIC_TEXT",
    "ScaleBar",
    "draw_badge",
    "draw_north_arrow",
    "draw_scale_bar",
    "draw_title",
    "format_scale",
    "scale_bar_for",
]

SCHEMATIC_TEXT = "示意数据，非正式成果"
BADGE_RED = "#c8102e"
_STEPS = (1.0, 2.0, 5.0)


@dataclass(frozen=True)
class ScaleBar:
    """A scale bar worked out for a map scale.

    Attributes
    ----------
    scale
        Denominator N of the map scale 1:N.
    length_m
        Ground length of the whole bar (a 1-2-5 x 10^k number of metres).
    length_mm
        Its length on paper: ``length_m / scale * 1000``.
    segments
        Alternating black and white parts.
    unit
        "米" or "千米".
    label
        The text at the bar's end, e.g. "5 千米".
    rect_mm
        Where the bar itself was drawn (set by :func:`draw_scale_bar`).
    """

    scale: float
    length_m: float
    length_mm: float
    segments: int
    unit: str
    label: str
    rect_mm: RectMM = (0.0, 0.0, 0.0, 0.0)

    @property
    def labelled_m(self) -> float:
        """The ground length the label states, in metres."""
        number = float(self.label.split()[0])
        return number * (1000.0 if self.unit == "千米" else 1.0)


def format_scale(scale: float) -> str:
    """Return "1:200 000" style text for a scale denominator (thin groups of three)."""
    digits = f"{round(scale):,}".replace(",", " ")
    return f"1:{digits}"


def _number(value: float) -> str:
    return f"{value:g}"


def scale_bar_for(scale: float, max_mm: float) -> ScaleBar:
    """Return the longest 1-2-5 x 10^k metre bar no longer than ``max_mm`` on paper."""
    max_m = max_mm * scale / 1000.0
    k = math.floor(math.log10(max_m))
    length_m = max(m * 10.0**k for m in _STEPS if m * 10.0**k <= max_m * (1 + 1e-9))
    unit = "千米" if length_m >= 1000 else "米"
    shown = length_m / 1000.0 if unit == "千米" else length_m
    return ScaleBar(
        scale=scale,
        length_m=length_m,
        length_mm=length_m / scale * 1000.0,
        segments=4,
        unit=unit,
        label=f"{_number(shown)} {unit}",
    )


def draw_scale_bar(paper: Paper, rect: RectMM, scale: float, *, right: bool = False) -> ScaleBar:
    """Draw the numeric scale and a segmented metric bar in ``rect``; return the bar.

    The box shrinks to the bar and keeps to the rectangle's left edge (or its right edge
    with ``right``).
    """
    x, y, w, h = rect
    pad = 2.0
    label_font = paper.font(7.0)
    unit_room = paper.text_width_mm(" 000 千米", label_font)
    bar = scale_bar_for(scale, w - 2 * pad - unit_room)
    box_w = min(w, bar.length_mm + 2 * pad + unit_room)
    if right:
        x += w - box_w
    paper.painter.save()
    paper.painter.setOpacity(0.88)
    paper.box((x, y, box_w, h), stroke=None, fill="#ffffff")
    paper.painter.setOpacity(1.0)
    title_font = paper.font(8.0)
    line = paper.line_height_mm(title_font)
    paper.text(
        (x + pad, y + 1.0, box_w - 2 * pad, line), f"比例尺 {format_scale(scale)}", title_font
    )
    bar_y = y + 1.5 + line + 0.8
    bar_h = 1.6
    seg = bar.length_mm / bar.segments
    for i in range(bar.segments):
        paper.box(
            (x + pad + i * seg, bar_y, seg, bar_h),
            stroke=INK,
            width_mm=0.15,
            fill=INK if i % 2 == 0 else "#ffffff",
        )
    shown = bar.length_m / (1000.0 if bar.unit == "千米" else 1.0)
    label_h = paper.line_height_mm(label_font)
    ly = bar_y + bar_h + 0.4
    for frac in (0.0, 0.5, 1.0):
        text = _number(shown * frac)
        tw = paper.text_width_mm(text, label_font)
        cx = x + pad + bar.length_mm * frac
        paper.text((cx - tw / 2 - 0.5, ly, tw + 1.0, label_h), text, label_font)
        if frac == 1.0:
            paper.text((cx + tw / 2 + 0.6, ly, unit_room, label_h), bar.unit, label_font)
    paper.painter.restore()
    return ScaleBar(
        bar.scale,
        bar.length_m,
        bar.length_mm,
        bar.segments,
        bar.unit,
        bar.label,
        (x + pad, bar_y, bar.length_mm, bar_h),
    )


def draw_north_arrow(paper: Paper, rect: RectMM, *, rotation_deg: float = 0.0) -> None:
    """Draw a north arrow in ``rect``, turned by the meridian convergence at the map centre."""
    x, y, w, h = rect
    p = paper.painter
    p.save()
    p.setOpacity(0.88)
    paper.box(rect, stroke=None, fill="#ffffff")
    p.setOpacity(1.0)
    font = paper.font(9.0, bold=True)
    text_h = paper.line_height_mm(font)
    paper.text((x, y + 0.6, w, text_h), "北", font, align=Qt.AlignmentFlag.AlignCenter)
    cx, top, bottom = x + w / 2, y + 1.0 + text_h, y + h - 1.2
    half = min(w * 0.28, (bottom - top) * 0.3)
    notch = bottom - (bottom - top) * 0.25
    centre = paper.point(cx, (top + bottom) / 2)
    p.translate(centre)
    p.rotate(rotation_deg)
    p.translate(-centre)
    tip = paper.point(cx, top)
    left = paper.point(cx - half, bottom)
    mid = paper.point(cx, notch)
    right = paper.point(cx + half, bottom)
    pen = QPen(qcolor(INK))
    pen.setWidthF(paper.mm(0.2))
    pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
    for a, b, fill in ((left, mid, INK), (mid, right, "#ffffff")):
        path = QPainterPath(tip)
        path.lineTo(a)
        path.lineTo(b)
        path.closeSubpath()
        p.setPen(pen)
        p.setBrush(QBrush(qcolor(fill)))
        p.drawPath(path)
    p.restore()


def draw_badge(paper: Paper, rect: RectMM, text: str = SCHEMATIC_TEXT) -> None:
    """Draw the red-bordered 示意数据 label."""
    w = rect[2]
    paper.box(rect, stroke=BADGE_RED, width_mm=0.7, fill="#fff5f5")
    font = paper.fitted_font(text, w - 4.0, 12.0, bold=True)
    paper.text(rect, text, font, colour=BADGE_RED, align=Qt.AlignmentFlag.AlignCenter)


def draw_title(
    paper: Paper,
    rect: RectMM,
    title: str,
    subtitle: str = "",
    *,
    reserve_mm: float = 0.0,
) -> None:
    """Draw the title (and subtitle) centred in ``rect``, clear of ``reserve_mm`` each side."""
    x, y, w, h = rect
    inner_w = max(20.0, w - 2 * reserve_mm)
    ix = x + (w - inner_w) / 2
    title_font = paper.fitted_font(title, inner_w, 22.0, bold=True, min_size=10.0)
    th = paper.line_height_mm(title_font)
    if subtitle:
        sub_font = paper.fitted_font(subtitle, inner_w, 11.0, min_size=6.0)
        sh = paper.line_height_mm(sub_font)
        top = y + max(0.0, (h - th - sh) / 2)
        paper.text((ix, top, inner_w, th), title, title_font, align=Qt.AlignmentFlag.AlignCenter)
        paper.text(
            (ix, top + th, inner_w, sh),
            subtitle,
            sub_font,
            colour=MUTED,
            align=Qt.AlignmentFlag.AlignCenter,
        )
    else:
        paper.text((ix, y, inner_w, h), title, title_font, align=Qt.AlignmentFlag.AlignCenter)
