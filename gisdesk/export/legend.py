"""The plate legend: only the classes the map frame shows, laid out to fit its box.

Every layer drawn on the map is in the legend. Each layer with several classes has its own
heading (graduated classes name the field and its unit: 村（社区）：人口（人）); layers drawn
with one symbol are gathered under :data:`SINGLES_HEADING`. When the lines do not fit the
box, the legend tries, in this order: more columns at the designed type size, smaller type
(down to :data:`MIN_SIZE` points before the template's scale) with as many columns as the
labels allow, and finally leaves the remaining lines in :attr:`LegendLayout.rest`: the plate
continues them under its statistics table when they all fit there, and otherwise on a
continuation page (:func:`gisdesk.export.plate.render_legend_page`), noting so in the box.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QFont, QPainter

from gisdesk.core.style import Symbol
from gisdesk.export.frame import FrameLayer
from gisdesk.export.paper import INK, Paper, RectMM
from gisdesk.render.paths import marker_path
from gisdesk.render.symbols import symbol_brush, symbol_pen

__all__ = [
    "LegendEntry",
    "LegendLayout",
    "draw_legend",
    "draw_swatch",
    "legend_entries",
    "legend_height",
    "legend_overflow",
]

OTHER_LABEL = "其他"
SINGLES_HEADING = "其他图层"
"""The heading of the layers drawn with a single symbol (海门区界, 镇（街道）...)."""
_SIZES = (8.5, 8.0, 7.5, 7.0, 6.5, 6.0, 5.5)
MIN_SIZE = _SIZES[-1]
_MAX_COLUMNS = 6
_SWATCH_W = 7.0  # mm
_SWATCH_H = 3.8
_PAD = 2.5
_GAP = 1.0


@dataclass(frozen=True)
class LegendEntry:
    """One legend line: a symbol and its text, under its layer's heading."""

    layer: str
    group: str
    label: str
    symbol: Symbol
    family: str
    class_index: int
    single: bool = False  # the layer's only line: drawn without a heading


@dataclass
class LegendLayout:
    """Where a legend put its entries (millimetres on the page); returned for checks."""

    font_size: float
    columns: int
    swatches: list[tuple[LegendEntry, RectMM]] = field(default_factory=list)
    headings: list[tuple[str, RectMM]] = field(default_factory=list)
    overflow: int = 0  # entries that did not fit (they are in ``rest``)
    rest: list[LegendEntry] = field(default_factory=list)  # for a continuation page


def _field_heading(fl: FrameLayer, language: str) -> str:
    """Return a graduated layer's heading: its title, the field and the field's unit."""
    layer = fl.layer
    style = layer.style
    title = layer.title
    if style is None or style.kind != "graduated" or not style.field:
        return title
    label = layer.metadata.field_label(style.field, language)
    if label is None and layer.schema is not None:
        try:
            label = layer.schema.field(style.field).label(language)
        except (KeyError, ValueError):
            label = None
    return f"{title}：{label or style.field}"


def legend_entries(layers: Sequence[FrameLayer], *, language: str = "zh") -> list[LegendEntry]:
    """Return the legend lines for the classes present in the frame, top layer first.

    Layers drawn with a single symbol come last, under :data:`SINGLES_HEADING`.
    """
    out: list[LegendEntry] = []
    singles: list[LegendEntry] = []
    for fl in reversed(list(layers)):
        style = fl.layer.style
        if style is None or not fl.shown:
            continue
        present = set(np.unique(fl.present).tolist())
        family = fl.prepared.family
        title = _field_heading(fl, language)
        lines: list[LegendEntry] = []
        for i, cls in enumerate(style.classes):
            if i in present:
                label = cls.label(language) or title
                lines.append(LegendEntry(fl.layer.name, title, label, cls.symbol, family, i))
        if -1 in present and style.default is not None:
            lines.append(LegendEntry(fl.layer.name, title, OTHER_LABEL, style.default, family, -1))
        if len(lines) == 1 and (style.kind == "single" or len(style.classes) == 1):
            e = lines[0]
            label = e.label if e.label else title
            singles.append(
                LegendEntry(e.layer, SINGLES_HEADING, label, e.symbol, family, e.class_index, True)
            )
            continue
        out.extend(lines)
    return out + singles


def draw_swatch(
    painter: QPainter, rect: QRectF, symbol: Symbol, family: str, px_per_mm: float
) -> None:
    """Draw a symbol's legend swatch in a pixel rectangle, at its true size where it fits."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setOpacity(symbol.opacity)
    pen = symbol_pen(symbol, px_per_mm, min_width=0.2 * px_per_mm, round_joins=True)
    c = rect.center()
    if family == "point":
        size = min(rect.height(), max(1.6 * px_per_mm, symbol.size * px_per_mm))
        painter.setPen(pen)
        painter.setBrush(symbol_brush(symbol))
        painter.drawPath(marker_path(np.array([[c.x(), c.y()]]), symbol.marker, size))
    elif family == "line":
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        painter.setPen(pen)
        painter.drawLine(QPointF(rect.left(), c.y()), QPointF(rect.right(), c.y()))
    else:
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        painter.setPen(pen)
        painter.setBrush(symbol_brush(symbol) if symbol.fill else QBrush(Qt.BrushStyle.NoBrush))
        painter.drawRect(rect)
    painter.restore()


@dataclass(frozen=True)
class _Type:
    """A legend's type and line measures at one size and column count (mm)."""

    font: QFont
    bold: QFont
    line: float  # a text line
    entry_h: float  # a swatch line
    head_h: float  # a layer heading
    col_w: float
    text_w: float  # the label beside a swatch
    swatch_w: float  # a swatch and its gap; narrower with smaller type, like its height

    @classmethod
    def at(cls, paper: Paper, size: float, body_w: float, columns: int) -> _Type:
        font = paper.font(size)
        bold = paper.font(size, bold=True)
        line = paper.line_height_mm(font)
        col_w = (body_w - (columns - 1) * 3.0) / columns
        swatch_w = _SWATCH_W * min(1.0, size / 8.0)
        return cls(
            font,
            bold,
            line,
            entry_h=max(_SWATCH_H * min(1.0, size / 8.0), line) + _GAP * 0.6,
            head_h=paper.line_height_mm(bold) + _GAP * 0.4,
            col_w=col_w,
            text_w=col_w - swatch_w - 1.5,
            swatch_w=swatch_w,
        )


def _plan(
    paper: Paper,
    entries: Sequence[LegendEntry],
    body: RectMM,
    size: float,
    columns: int,
) -> tuple[list[tuple[int, str, float, float, float, object]], int, bool]:
    """Return placements (column, kind, x, y, height, item), overflow and whether text fits."""
    x0, y0, w, h = body
    t = _Type.at(paper, size, w, columns)
    col_w, text_w, entry_h, head_h = t.col_w, t.text_w, t.entry_h, t.head_h
    items: list[tuple[str, object]] = []
    last_group = None
    for e in entries:
        key = e.group if e.single else e.layer
        if key != last_group:
            items.append(("head", e.group))
        last_group = key
        items.append(("entry", e))
    placed: list[tuple[int, str, float, float, float, object]] = []
    col, y = 0, y0
    fits_text = True
    overflow = 0
    for k, (kind, item) in enumerate(items):
        hh = head_h if kind == "head" else entry_h
        if kind == "head":
            # keep a layer's lines together when they fit a column; else at least the first
            group = 0
            for kd, _ in items[k + 1 :]:
                if kd == "head":
                    break
                group += 1
            whole = hh + group * entry_h
            need = whole if whole <= h else hh + entry_h
        else:
            need = hh
        if y + need > y0 + h + 1e-6 and y > y0:
            col += 1
            y = y0
        if col >= columns or y + hh > y0 + h + 1e-6:
            overflow = sum(1 for kd, _ in items[k:] if kd == "entry")
            break
        x = x0 + col * (col_w + 3.0)
        if kind == "head":
            fits_text &= paper.text_width_mm(str(item), t.bold) <= col_w
        else:
            assert isinstance(item, LegendEntry)
            fits_text &= paper.text_width_mm(item.label, t.font) <= text_w
        placed.append((col, kind, x, y, hh, item))
        y += hh
    return placed, overflow, fits_text


TITLE_SIZE = 10.5
CONTINUED_TITLE_SIZE = 8.5  # 图例（续） inside another item's box


def _title_font(paper: Paper, size: float = TITLE_SIZE) -> tuple[QFont, float]:
    font = paper.font(size, bold=True)
    return font, paper.line_height_mm(font) + 1.5


def _choose(
    paper: Paper, rect: RectMM, entries: Sequence[LegendEntry], title_size: float = TITLE_SIZE
) -> tuple[float, int, list[tuple[int, str, float, float, float, object]], int, RectMM]:
    """Pick type size and columns, then the least height that holds them (even columns)."""
    x, y, w, h = rect
    _font, title_h = _title_font(paper, title_size)
    body = (x + _PAD, y + 1.2 + title_h, w - 2 * _PAD, h - title_h - 1.2 - _PAD)
    chosen = None
    # more columns first, at the designed size; then smaller type, with as many columns as
    # the labels allow
    for size in _SIZES:
        for columns in range(1, _MAX_COLUMNS + 1):
            placed, overflow, fits_text = _plan(paper, entries, body, size, columns)
            if not fits_text and columns > 1:
                break  # narrower columns would cut labels (a label wider than the box is cut)
            if overflow == 0:
                chosen = (size, columns)
                break
        if chosen is not None:
            break
    if chosen is None:  # smallest type: the columns that hold most; the rest continues
        best = None
        for columns in range(1, _MAX_COLUMNS + 1):
            placed, overflow, fits_text = _plan(paper, entries, body, MIN_SIZE, columns)
            if best is None or (fits_text and overflow < best[2]):
                best = (columns, placed, overflow)
            if not fits_text:
                break
        assert best is not None
        columns, placed, overflow = best
        return MIN_SIZE, columns, placed, overflow, body
    size, columns = chosen
    lo, hi = 0.0, body[3]
    for _ in range(14):  # the least body height that still holds every line
        mid = (lo + hi) / 2
        _p, over, _f = _plan(paper, entries, (body[0], body[1], body[2], mid), size, columns)
        if over:
            lo = mid
        else:
            hi = mid
    body = (body[0], body[1], body[2], hi)
    placed, overflow, _ = _plan(paper, entries, body, size, columns)
    return size, columns, placed, overflow, body


def legend_height(
    paper: Paper, rect: RectMM, entries: Sequence[LegendEntry], title_size: float = TITLE_SIZE
) -> float:
    """Return the height (mm) the legend needs within ``rect``'s width and height."""
    _size, _cols, placed, _over, body = _choose(paper, rect, entries, title_size)
    bottom = max((py + ph for _c, _k, _x, py, ph, _i in placed), default=body[1])
    return min(rect[3], bottom - rect[1] + _PAD)


def legend_overflow(
    paper: Paper, rect: RectMM, entries: Sequence[LegendEntry], title_size: float = TITLE_SIZE
) -> int:
    """Return how many of ``entries`` a legend in ``rect`` leaves for a continuation."""
    return _choose(paper, rect, entries, title_size)[3]


def draw_legend(
    paper: Paper,
    rect: RectMM,
    entries: Sequence[LegendEntry],
    *,
    title: str = "图  例",
    title_size: float = TITLE_SIZE,
    boxed: bool = True,
    continued: str = "见图例续页",
) -> LegendLayout:
    """Draw the legend box with its entries in columns, shrinking type until they fit.

    ``boxed=False`` leaves out the frame (a continuation inside another item's box);
    ``continued`` says where the lines it cannot hold are (另有 N 项…).
    """
    x, y, w, _h = rect
    if boxed:
        paper.box(rect, stroke="#8a8a8a", width_mm=0.2, fill="#ffffff")
    title_font, title_h = _title_font(paper, title_size)
    paper.text((x, y + 1.2, w, title_h), title, title_font, align=Qt.AlignmentFlag.AlignCenter)
    size, columns, placed, overflow, body = _choose(paper, rect, entries, title_size)
    t = _Type.at(paper, size, body[2], columns)
    font, bold, line, col_w, text_w = t.font, t.bold, t.line, t.col_w, t.text_w
    entry_h, head_h = t.entry_h, t.head_h
    sw_h = min(_SWATCH_H * min(1.0, size / 8.0), entry_h - 0.4)
    layout = LegendLayout(
        size, columns, overflow=overflow, rest=list(entries[len(entries) - overflow :])
    )
    metrics = paper.metrics(font)
    for _col, kind, ex, ey, _h, item in placed:
        if kind == "head":
            text = str(item)
            paper.text((ex, ey, col_w, head_h), text, bold, colour=INK)
            layout.headings.append((text, (ex, ey, col_w, head_h)))
            continue
        assert isinstance(item, LegendEntry)
        sw = (ex + 0.3, ey + (entry_h - sw_h) / 2, t.swatch_w - 1.0, sw_h)
        draw_swatch(paper.painter, paper.rect(sw), item.symbol, item.family, paper.px_per_mm)
        label = metrics.elidedText(item.label, Qt.TextElideMode.ElideRight, paper.mm(text_w))
        paper.text((ex + t.swatch_w + 1.0, ey, text_w, entry_h), label, font)
        layout.swatches.append((item, sw))
    if overflow:
        note = f"另有 {overflow} 项{continued}"
        note_font = paper.font(size)
        # beside the title where there is room (the last column's last line may be full)
        beside = paper.text_width_mm(note, note_font) + paper.text_width_mm(title, title_font) / 2
        where = (
            (x + _PAD, y + 1.2, w - 2 * _PAD, title_h)
            if beside + _PAD + 2.0 <= w / 2
            else (body[0], body[1] + body[3] - line, body[2], line)
        )
        paper.text(
            where,
            note,
            note_font,
            align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
        )
    return layout
