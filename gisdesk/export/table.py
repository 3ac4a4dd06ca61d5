"""A statistics table on the plate: a DataFrame drawn as a three-line table (三线表).

Rows are never cut while another layout holds them: at each type size from the designed one
down to the smallest, the table first tries splitting its rows into side-by-side blocks
(each with its header; 续表 style), and only when even the smallest type in the most blocks
cannot hold them does it cut rows, saying how many are left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

import pandas as pd
from PySide6.QtCore import Qt

from gisdesk.export.paper import MUTED, Paper, RectMM

__all__ = ["TableLayout", "draw_table", "format_cell"]

_SIZES = (8.0, 7.5, 7.0, 6.5, 6.0, 5.5, 5.0)
_FALLBACK = 6.0
_CELL_PAD = 1.2  # mm each side of a cell
_MAX_BLOCKS = 3
_BLOCK_GAP = 3.0  # mm between side-by-side blocks


@dataclass(frozen=True)
class TableLayout:
    """What a table showed: type size, rows drawn and rows in the data."""

    font_size: float
    rows_shown: int
    rows_total: int
    columns: tuple[str, ...]
    blocks: int = 1  # side-by-side blocks the rows were split into
    free: RectMM | None = None  # the box's room under the table (above its note), if any


def format_cell(value: object, column: str = "") -> str:
    """Return a cell as text: shares (columns with 率/比例/share) as percent, floats to 0.1."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Integral):
        return str(int(value))
    if isinstance(value, Real):
        v = float(value)
        if not math.isfinite(v):
            return "-"
        if any(k in column for k in ("率", "比例", "share")) and abs(v) <= 1.0:
            return f"{100 * v:.1f}%"
        return f"{v:.0f}" if v.is_integer() else f"{v:.1f}"
    return str(value)


def _numeric(series: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(series)) and not pd.api.types.is_bool_dtype(series)


def _fit(
    paper: Paper, columns: list[str], cells: list[list[str]], avail_w: float, avail_h: float
) -> tuple[float, list[float], int, int]:
    """Return type size, column widths, rows that fit per block and blocks: all rows at the
    largest size, in as few blocks as hold them."""

    def measure(size: float) -> tuple[list[float], int]:
        font = paper.font(size)
        bold = paper.font(size, bold=True)
        widths = [
            max(
                [paper.text_width_mm(columns[j], bold)]
                + [paper.text_width_mm(r[j], font) for r in cells]
            )
            + 2 * _CELL_PAD
            for j in range(len(columns))
        ]
        row_h = paper.line_height_mm(font) + 0.9
        return widths, int((avail_h - row_h - 0.6) // row_h)

    # the largest type that shows every row, in one block or split side by side; failing
    # that, a legible size with rows cut
    for size in _SIZES:
        widths, rows_fit = measure(size)
        for blocks in range(1, _MAX_BLOCKS + 1):
            if blocks * sum(widths) + (blocks - 1) * _BLOCK_GAP > avail_w:
                break
            if rows_fit * blocks >= len(cells):
                return size, widths, rows_fit, blocks
    widths, rows_fit = measure(_FALLBACK)
    return _FALLBACK, widths, rows_fit, 1


def _heading(paper: Paper, rect: RectMM, title: str, note: str) -> tuple[float, float]:
    """Draw the title and the note; return the top and bottom left for the table."""
    x, y, w, h = rect
    pad = 2.0
    top = y + 1.2
    if title:
        tfont = paper.fitted_font(title, w - 2 * pad, 9.5, bold=True, min_size=6.0)
        th = paper.line_height_mm(tfont)
        paper.text(
            (x + pad, top, w - 2 * pad, th), title, tfont, align=Qt.AlignmentFlag.AlignCenter
        )
        top += th + 0.8
    bottom = y + h - pad
    if note:
        nfont = paper.font(6.5)
        nh = paper.line_height_mm(nfont)
        paper.text((x + pad, bottom - nh, w - 2 * pad, nh), note, nfont, colour=MUTED)
        bottom -= nh + 0.6
    return top, bottom


def draw_table(
    paper: Paper,
    rect: RectMM,
    frame: pd.DataFrame,
    *,
    title: str = "",
    note: str = "",
) -> TableLayout:
    """Draw the table in ``rect``, shrinking type and cutting rows until it fits."""
    x, _y, w, _h = rect
    paper.box(rect, stroke="#8a8a8a", width_mm=0.2, fill="#ffffff")
    pad = 2.0
    top, bottom = _heading(paper, rect, title, note)
    columns = [str(c) for c in frame.columns]
    numeric = [_numeric(frame[c]) for c in frame.columns]
    cells = [
        [format_cell(v, columns[j]) for j, v in enumerate(row)]
        for row in frame.itertuples(index=False, name=None)
    ]
    left, avail_w = x + pad, w - 2 * pad
    size, widths, rows_fit, blocks = _fit(paper, columns, cells, avail_w, bottom - top)
    font = paper.font(size)
    bold = paper.font(size, bold=True)
    row_h = paper.line_height_mm(font) + 0.9
    block_w = (avail_w - (blocks - 1) * _BLOCK_GAP) / blocks
    total = sum(widths) or 1.0
    # spread the spare width (or the shortfall) over the columns in proportion
    widths = [wd * block_w / total for wd in widths]
    n = len(cells)
    if blocks > 1:
        per_block = math.ceil(n / blocks)
        shown = n
    else:
        per_block = n if n <= rows_fit else max(0, rows_fit - 1)
        shown = per_block
    metrics = paper.metrics(font)
    bottom_y = top
    for b in range(blocks):
        rows = cells[b * per_block : min(shown, (b + 1) * per_block)]
        bx = left + b * (block_w + _BLOCK_GAP)
        cy = top
        paper.line(bx, cy, bx + block_w, cy, width_mm=0.35)
        cx = bx
        for j, col in enumerate(columns):
            paper.text((cx, cy, widths[j], row_h), col, bold, align=Qt.AlignmentFlag.AlignCenter)
            cx += widths[j]
        cy += row_h
        paper.line(bx, cy, bx + block_w, cy, width_mm=0.18)
        for i, row in enumerate(rows):
            if i % 2 == 1:
                paper.box((bx, cy, block_w, row_h), stroke=None, fill="#f4f4f2")
            cx = bx
            for j, text in enumerate(row):
                inner = widths[j] - 2 * _CELL_PAD
                shown_text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, paper.mm(inner))
                align = (
                    Qt.AlignmentFlag.AlignRight if numeric[j] else Qt.AlignmentFlag.AlignLeft
                ) | Qt.AlignmentFlag.AlignVCenter
                paper.text((cx + _CELL_PAD, cy, inner, row_h), shown_text, font, align=align)
                cx += widths[j]
            cy += row_h
        if b == 0 and shown < n:
            paper.text(
                (bx, cy, block_w, row_h),
                f"……另有 {n - shown} 行，共 {n} 行",
                font,
                colour=MUTED,
                align=Qt.AlignmentFlag.AlignCenter,
            )
            cy += row_h
        bottom_y = max(bottom_y, cy)
    for b in range(blocks):  # the closing rule at one height under every block
        bx = left + b * (block_w + _BLOCK_GAP)
        paper.line(bx, bottom_y, bx + block_w, bottom_y, width_mm=0.35)
    free = (left, bottom_y + 2.0, avail_w, bottom - bottom_y - 2.0)
    return TableLayout(size, shown, n, tuple(columns), blocks, free if free[3] > 0 else None)
