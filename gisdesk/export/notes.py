"""The notes block: data sources, coordinate system, date and map maker."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pyproj import CRS
from PySide6.QtCore import Qt

from gisdesk.core.layer import Layer
from gisdesk.export.paper import INK, Paper, RectMM

__all__ = ["crs_note", "draw_notes", "notes_lines", "today_text"]

_SIZES = (7.5, 7.0, 6.5, 6.0, 5.5, 5.0, 4.5)


def crs_note(crs: CRS) -> str:
    """Return the coordinate-system line, in the words Chinese plates use."""
    if crs.to_epsg() == 4549:
        return (
            "坐标系：2000国家大地坐标系（CGCS2000），高斯-克吕格投影 3° 带，"
            "中央经线 120°E（EPSG:4549）"
        )
    epsg = crs.to_epsg()
    return f"坐标系：{crs.name}" + (f"（EPSG:{epsg}）" if epsg else "")


def today_text(day: dt.date | None = None) -> str:
    """Return a date as 2026年11月28日."""
    d = day or dt.date.today()
    return f"{d.year}年{d.month}月{d.day}日"


def notes_lines(
    layers: Sequence[Layer],
    crs: CRS,
    *,
    sources: Sequence[str] | None = None,
    organisation: str = "",
    date: str | None = None,
    grid: str = "graticule",
) -> list[str]:
    """Return the notes: sources (the layers' own unless given), CRS, maker (when named) and
    date."""
    if sources is None:
        seen: list[str] = []
        for layer in layers:
            text = layer.metadata.source_zh.strip()
            if text and text not in seen:
                seen.append(text)
        sources = seen
    source_text = "；".join(s.rstrip("。；;") for s in sources) if sources else "项目数据"
    return [
        f"数据来源：{source_text}。",
        crs_note(crs) + ("；方里网注记单位：千米。" if grid == "grid" else "。"),
        # no placeholder for a map maker nobody named: the line then gives the date alone
        (f"制图单位：{organisation.strip()}    " if organisation.strip() else "")
        + f"制图日期：{date or today_text()}",
    ]


def draw_notes(paper: Paper, rect: RectMM, lines: Sequence[str]) -> float:
    """Draw the notes wrapped in ``rect``, shrinking type to fit; return the size used."""
    x, y, w, h = rect
    pad = 1.2
    text = "\n".join(lines)
    size = _SIZES[-1]
    for size in _SIZES:
        font = paper.font(size)
        if paper.wrapped_height_mm(text, font, w - 2 * pad) <= h - 2 * pad:
            break
    font = paper.font(size)
    paper.text(
        (x + pad, y + pad, w - 2 * pad, h - 2 * pad),
        text,
        font,
        colour=INK,
        align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
        wrap=True,
    )
    return size
