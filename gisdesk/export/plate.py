"""Paint a map plate on any paint device: PDF, image, SVG, or the designer's preview.

:func:`plan_plate` works out the frame (extent, scale, layers clipped to it, legend lines,
whether the 示意数据 label is due) without painting; :func:`render_plate` paints the plate
and returns a :class:`PlateLayout` telling where everything went, in page millimetres.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import shapely
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QPaintDevice, QPainter, QPainterPath, QPen

from gisdesk.core.crs import STORAGE_CRS, transformer
from gisdesk.core.progress import CancelToken, ProgressCallback, check_cancel, report
from gisdesk.export._qt import ensure_gui_app, layout_dpi
from gisdesk.export.decorations import (
    ScaleBar,
    draw_badge,
    draw_north_arrow,
    draw_scale_bar,
    draw_title,
)
from gisdesk.export.frame import (
    FrameLayer,
    MapData,
    clip_layer,
    data_extent,
    fit_scale,
    nice_plate_scale,
    plate_layers,
    prepare_map,
)
from gisdesk.export.graticule import GridTick, draw_grid, graticule_lines, km_grid_lines
from gisdesk.export.inset import InsetView, draw_inset, plan_inset
from gisdesk.export.legend import (
    CONTINUED_TITLE_SIZE,
    LegendEntry,
    LegendLayout,
    draw_legend,
    legend_entries,
    legend_height,
    legend_overflow,
)
from gisdesk.export.notes import draw_notes, notes_lines
from gisdesk.export.paper import INK, Paper, RectMM
from gisdesk.export.table import TableLayout, draw_table
from gisdesk.render.painter import DrawItem, RenderStats, render_map
from gisdesk.render.paths import geometry_path
from gisdesk.render.symbols import qcolor
from gisdesk.render.viewport import Viewport

if TYPE_CHECKING:
    from pathlib import Path

    from pyproj import CRS

    from gisdesk.core.layer import Layer
    from gisdesk.core.project import Project
    from gisdesk.export.spec import PlateSpec
    from gisdesk.export.templates import PlateTemplate

__all__ = ["PlateLayout", "PlatePlan", "plan_plate", "render_legend_page", "render_plate"]

Extent = tuple[float, float, float, float]
_BAND_MM = 5.5  # room outside the map frame for coordinate labels
_FOCUS_COLOUR = "#b03a2e"


@dataclass
class PlatePlan:
    """A plate worked out but not painted: frame, scale, layers and items."""

    spec: PlateSpec
    crs: CRS
    items: dict[str, RectMM]
    map_outer: RectMM
    map_inner: RectMM
    extent: Extent
    scale: float
    layers: list[FrameLayer]
    entries: list[LegendEntry]
    schematic: bool
    focus: shapely.Geometry | None = None
    inset: InsetView | None = None
    inset_note: str = ""  # why a locator inset asked for could not be drawn (in the notes)

    @property
    def template(self) -> PlateTemplate:
        """The spec's template."""
        return self.spec.template


@dataclass
class PlateLayout:
    """What :func:`render_plate` drew and where (page millimetres), for designers and checks."""

    plan: PlatePlan
    dpi: float
    items: dict[str, RectMM] = field(default_factory=dict)
    scalebar: ScaleBar | None = None
    legend: LegendLayout | None = None
    table: TableLayout | None = None
    ticks: list[GridTick] = field(default_factory=list)
    north_rotation_deg: float = 0.0
    stats: RenderStats | None = None
    extra_files: list[Path] = field(default_factory=list)  # legend continuations (PNG, SVG)

    @property
    def scale(self) -> float:
        """Map scale denominator."""
        return self.plan.scale

    @property
    def schematic(self) -> bool:
        """Whether the 示意数据 label was drawn."""
        return self.plan.schematic


def _inner(outer: RectMM, band: float) -> RectMM:
    x, y, w, h = outer
    return (x + band, y + band, w - 2 * band, h - 2 * band)


PANEL_ITEMS = ("inset", "legend", "table", "notes")


def _grow(rect: RectMM, other: RectMM, gap: float = 6.0) -> RectMM | None:
    """Return ``rect`` stretched over ``other`` when they share a column or a row edge to edge."""
    fx, fy, fw, fh = rect
    ax, ay, aw, ah = other
    if abs(ax - fx) <= 0.5 and abs(aw - fw) <= 0.5:  # same column
        if 0.0 <= ay - (fy + fh) <= gap:
            return (fx, fy, fw, ay + ah - fy)
        if 0.0 <= fy - (ay + ah) <= gap:
            return (fx, ay, fw, fy + fh - ay)
    if abs(ay - fy) <= 0.5 and abs(ah - fh) <= 0.5:  # same row
        if 0.0 <= ax - (fx + fw) <= gap:
            return (fx, fy, ax + aw - fx, fh)
        if 0.0 <= fx - (ax + aw) <= gap:
            return (ax, fy, fx + fw - ax, fh)
    return None


def _reflow(items: dict[str, RectMM], absent: set[str], flex: str) -> dict[str, RectMM]:
    """Let the flexible item (then the notes) take the room of panel items left out."""
    out = {k: v for k, v in items.items() if k not in absent}
    free = [k for k in PANEL_ITEMS if k in absent and k in items]
    changed = True
    while changed and free:
        changed = False
        for taker in (flex, "notes"):
            if taker not in out:
                continue
            for key in free:
                grown = _grow(out[taker], items[key])
                if grown is not None:
                    out[taker] = grown
                    free.remove(key)
                    changed = True
                    break
            if changed:
                break
    return out


def _frame_extent(
    spec: PlateSpec,
    data: MapData,
    layers: list[Layer],
    inner: RectMM,
    focus: shapely.Geometry | None,
) -> tuple[Extent, float]:
    w_mm, h_mm = inner[2], inner[3]
    if spec.extent is not None:
        target = spec.extent
    elif focus is not None:
        b = shapely.bounds(focus)
        target = (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
    else:
        target = data_extent(data, layers)
    if spec.scale is not None:
        scale = float(nice_plate_scale(spec.scale))
    else:
        scale = float(fit_scale(target, (w_mm, h_mm)))
    cx, cy = (target[0] + target[2]) / 2, (target[1] + target[3]) / 2
    half_w, half_h = w_mm * scale / 2000.0, h_mm * scale / 2000.0
    return (cx - half_w, cy - half_h, cx + half_w, cy + half_h), scale


def _corners(item: RectMM, inner: RectMM) -> list[RectMM]:
    """Return the item at its own corner of the frame first, then at the other three."""
    x, y, w, h = item
    fx, fy, fw, fh = inner
    mx = max(0.0, min(x - fx, fx + fw - x - w))
    my = max(0.0, min(y - fy, fy + fh - y - h))
    spots = [
        (fx + mx, fy + my, w, h),
        (fx + fw - mx - w, fy + my, w, h),
        (fx + mx, fy + fh - my - h, w, h),
        (fx + fw - mx - w, fy + fh - my - h, w, h),
    ]
    spots.sort(key=lambda r: abs(r[0] - x) + abs(r[1] - y))
    return spots


def _clutter(rect: RectMM, inner: RectMM, extent: Extent, layers: list[FrameLayer]) -> float:
    """Return how busy the map is under a page rectangle (0 empty .. about 2 crowded)."""
    fx, fy, fw, fh = inner
    xmin, ymin, xmax, ymax = extent
    sx, sy = (xmax - xmin) / fw, (ymax - ymin) / fh
    x, y, w, h = rect
    box = shapely.box(
        xmin + (x - fx) * sx,
        ymax - (y + h - fy) * sy,
        xmin + (x + w - fx) * sx,
        ymax - (y - fy) * sy,
    )
    area = shapely.area(box)
    cover = 0.0
    points = lines = 0
    for fl in layers:
        c = fl.clipped
        if not len(c):
            continue
        hits = c.tree.query(box, predicate="intersects")
        if c.family == "polygon" and len(hits):
            geoms = c.geoms[hits]
            filled = c.style is not None and any(
                s is not None and s.fill
                for s in (c.style.symbol_for(int(k)) for k in c.classes[hits])
            )
            inside = shapely.area(shapely.intersection(geoms, box)).sum() if filled else 0.0
            edges = shapely.intersects(shapely.boundary(geoms), box).any()
            cover = max(cover, min(1.0, float(inside) / area + (0.4 if edges else 0.0)))
        elif c.family == "line":
            lines += len(hits)
        else:
            points += len(hits)
    return cover + 0.5 * min(1.0, points / 15.0) + 0.5 * min(1.0, lines / 25.0)


def _place_furniture(
    items: dict[str, RectMM], inner: RectMM, extent: Extent, layers: list[FrameLayer]
) -> dict[str, RectMM]:
    """Move the north arrow and scale bar to the emptiest free corners of the frame."""
    out = dict(items)
    taken: list[RectMM] = []
    for key in ("north", "scalebar"):
        if key not in out:
            continue
        spots = [r for r in _corners(out[key], inner) if not any(_overlaps(r, t) for t in taken)]
        if not spots:
            continue
        scores = [_clutter(r, inner, extent, layers) for r in spots]
        best = int(np.argmin(scores))
        # stay where the template put it unless another corner is clearly emptier
        choice = spots[best] if scores[best] < scores[0] - 0.15 else spots[0]
        out[key] = choice
        taken.append(choice)
    return out


def _overlaps(a: RectMM, b: RectMM) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def plan_plate(project: Project, spec: PlateSpec, *, data: MapData | None = None) -> PlatePlan:
    """Work out a plate's frame, scale, clipped layers and legend lines (no painting).

    Parameters
    ----------
    project
        The project whose layers are drawn.
    spec
        What to show.
    data
        Prepared layers to reuse (an atlas prepares once for all its pages).
    """
    data = data or prepare_map(project)
    tpl = spec.template
    layers = plate_layers(project, spec)
    outer = tpl.items["map"]
    band = _BAND_MM * tpl.font_scale if spec.grid != "none" else 0.0
    inner = _inner(outer, band)
    focus = data.to_display(spec.focus) if spec.focus is not None else None
    extent, scale = _frame_extent(spec, data, layers, inner, focus)
    pad = 3.0 * scale / 1000.0  # 3 mm of map beyond the frame: strokes end outside it
    frame_layers = []
    for layer in layers:
        prep = data.get(layer)
        clipped, present = clip_layer(prep, extent, pad=pad)
        frame_layers.append(FrameLayer(layer, prep, clipped, present))
    entries = legend_entries(frame_layers)
    schematic = (
        spec.schematic
        if spec.schematic is not None
        else any(fl.layer.metadata.schematic and fl.shown for fl in frame_layers)
    )
    absent: set[str] = set()
    if not schematic:
        absent.add("badge")
    if not spec.legend or not entries:
        absent.add("legend")
    if spec.table is None:
        absent.add("table")
    if not spec.notes:
        absent.add("notes")
    if not spec.scalebar:
        absent.add("scalebar")
    if not spec.north_arrow:
        absent.add("north")
    inset, inset_note = plan_inset(data, extent) if spec.inset else (None, "")
    if inset is None:
        absent.add("inset")
    if not (spec.title or project.title):
        absent.add("title")
    items = _reflow(dict(tpl.items), absent, tpl.flex)
    if spec.auto_place:
        items = _place_furniture(items, inner, extent, frame_layers)
    return PlatePlan(
        spec=spec,
        crs=data.crs,
        items=items,
        map_outer=outer,
        map_inner=inner,
        extent=extent,
        scale=scale,
        layers=frame_layers,
        entries=entries,
        schematic=schematic,
        focus=focus,
        inset=inset,
        inset_note=inset_note,
    )


def _convergence_deg(plan: PlatePlan) -> float:
    """Return the angle from grid north to true north at the frame centre (clockwise +)."""
    xmin, ymin, xmax, ymax = plan.extent
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    lon, lat = transformer(plan.crs, STORAGE_CRS).transform(cx, cy)
    nx, ny = transformer(STORAGE_CRS, plan.crs).transform(lon, lat + 0.01)
    return math.degrees(math.atan2(nx - cx, ny - cy))


def _draw_focus(painter: QPainter, vp: Viewport, focus: shapely.Geometry, px_per_mm: float) -> None:
    xmin, _ymin, _xmax, ymax = vp.extent
    shape = geometry_path(np.array([focus], dtype=object), (xmin, ymax, vp.resolution))
    mask = QPainterPath()
    mask.addRect(QRectF(0, 0, vp.width, vp.height))
    mask.addPath(shape)
    mask.setFillRule(Qt.FillRule.OddEvenFill)
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(qcolor("#ffffff")))
    painter.setOpacity(0.5)
    painter.drawPath(mask)
    painter.setOpacity(1.0)
    pen = QPen(qcolor(_FOCUS_COLOUR))
    pen.setWidthF(0.7 * px_per_mm)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(shape)
    painter.restore()


def _draw_map(
    paper: Paper, plan: PlatePlan, *, cancel: CancelToken | None
) -> tuple[RenderStats, list[GridTick]]:
    p = paper.painter
    spec = plan.spec
    inner = plan.map_inner
    rect = paper.rect(inner)
    dpi = paper.dpi
    res = plan.scale * 25.4 / (1000.0 * dpi)
    xmin, ymin, xmax, ymax = plan.extent
    vp = Viewport(
        (xmin + xmax) / 2,
        (ymin + ymax) / 2,
        res,
        max(1, math.ceil(rect.width())),
        max(1, math.ceil(rect.height())),
        dpi,
    )
    p.save()
    p.setClipRect(rect)
    p.fillRect(rect, qcolor("#ffffff"))
    p.translate(rect.topLeft())
    items = [
        DrawItem(fl.clipped, opacity=fl.layer.opacity, labels=spec.labels) for fl in plan.layers
    ]
    stats = render_map(p, vp, items, labels=spec.labels, cancel=cancel)
    if plan.focus is not None:
        _draw_focus(p, vp, plan.focus, paper.px_per_mm)
    p.restore()
    ticks: list[GridTick] = []
    if spec.grid != "none":
        lines = (
            graticule_lines(plan.extent, plan.crs)
            if spec.grid == "graticule"
            else km_grid_lines(plan.extent)
        )
        band = inner[0] - plan.map_outer[0]
        ticks = draw_grid(paper, inner, plan.extent, lines, band_mm=band)
        paper.box(plan.map_outer, stroke=INK, width_mm=0.15)
    paper.box(inner, stroke=INK, width_mm=0.45)
    return stats, ticks


def _fit_legend(
    paper: Paper, items: dict[str, RectMM], entries: list[LegendEntry]
) -> dict[str, RectMM]:
    """Shrink the legend box to its lines; a table just below it takes the room."""
    lx, ly, lw, lh = items["legend"]
    need = max(legend_height(paper, items["legend"], entries), min(lh, 30.0))
    free = lh - need
    if free <= 1.0:
        return items
    out = dict(items)
    out["legend"] = (lx, ly, lw, need)
    table = items.get("table")
    if table is not None and abs(table[0] - lx) <= 0.5 and 0 <= table[1] - (ly + lh) <= 6.0:
        tx, ty, tw, th = table
        out["table"] = (tx, ty - free, tw, th + free)
    return out


def _draw_legend(
    paper: Paper, rect: RectMM, entries: list[LegendEntry], table: TableLayout | None
) -> LegendLayout:
    """Draw the legend; lines its box cannot hold continue under the statistics table when
    they all fit there (an atlas page keeps its legend on the page), else on a continuation
    page (the layout's ``rest``)."""
    over = legend_overflow(paper, rect, entries) if table is not None else 0
    free = table.free if table is not None else None
    if over and free is not None:
        rest = entries[len(entries) - over :]
        if legend_overflow(paper, free, rest, CONTINUED_TITLE_SIZE) == 0:
            need = legend_height(paper, free, rest, CONTINUED_TITLE_SIZE)
            main = draw_legend(paper, rect, entries, continued="续见统计表下方")
            more = draw_legend(
                paper,
                (free[0], free[1], free[2], need),
                rest,
                title="图例（续）",
                title_size=CONTINUED_TITLE_SIZE,
                boxed=False,
            )
            main.swatches.extend(more.swatches)
            main.headings.extend(more.headings)
            main.overflow, main.rest = 0, []
            return main
    return draw_legend(paper, rect, entries)


def _paint(
    paper: Paper,
    project: Project,
    plan: PlatePlan,
    data: MapData,
    *,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> PlateLayout:
    spec = plan.spec
    tpl = plan.template
    items = dict(plan.items)
    if "legend" in items:
        items = _fit_legend(paper, items, plan.entries)
    out = PlateLayout(plan, paper.dpi, items)
    page_w, page_h = tpl.page_mm
    paper.box((0.0, 0.0, page_w, page_h), stroke=None, fill="#ffffff")
    paper.box(tpl.frame_mm(), stroke=INK, width_mm=0.5)
    if "title" in items:
        reserve = 0.0
        if "badge" in items:
            tx, _, tw, _ = items["title"]
            bx = items["badge"][0]
            reserve = max(0.0, (tx + tw) - bx + 6.0)
        draw_title(
            paper, items["title"], spec.title or project.title, spec.subtitle, reserve_mm=reserve
        )
    if "badge" in items:
        draw_badge(paper, items["badge"])
    report(progress, 0.1, "绘制地图")
    out.stats, out.ticks = _draw_map(paper, plan, cancel=cancel)
    check_cancel(cancel)
    report(progress, 0.8, "绘制图例与整饰")
    if "scalebar" in items:
        sb = items["scalebar"]
        mid = plan.map_inner[0] + plan.map_inner[2] / 2
        out.scalebar = draw_scale_bar(paper, sb, plan.scale, right=sb[0] + sb[2] / 2 > mid)
    if "north" in items:
        out.north_rotation_deg = _convergence_deg(plan)
        draw_north_arrow(paper, items["north"], rotation_deg=out.north_rotation_deg)
    if "inset" in items and plan.inset is not None:
        draw_inset(paper, items["inset"], data, plan.extent, plan.inset)
    if "table" in items and spec.table is not None:
        out.table = draw_table(
            paper, items["table"], spec.table, title=spec.table_title, note=spec.table_note
        )
    if "legend" in items:
        out.legend = _draw_legend(paper, items["legend"], plan.entries, out.table)
    if "notes" in items:
        shown = [fl.layer for fl in plan.layers if fl.shown]
        lines = notes_lines(
            shown,
            plan.crs,
            sources=spec.sources,
            organisation=spec.organisation,
            date=spec.date,
            grid=spec.grid,
        )
        if plan.inset_note:
            lines.append(plan.inset_note)
        draw_notes(paper, items["notes"], lines)
    report(progress, 1.0, "完成")
    return out


def render_plate(
    project: Project,
    spec: PlateSpec,
    target: QPainter | QPaintDevice,
    *,
    rect: QRectF | None = None,
    data: MapData | None = None,
    plan: PlatePlan | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> PlateLayout:
    """Paint a plate on an active painter or on a paint device.

    Parameters
    ----------
    project
        The project whose layers are drawn.
    spec
        What the plate shows.
    target
        An active QPainter (its current transform is kept) or a paint device (QImage,
        QPdfWriter, QSvgGenerator, a widget...). The plate is laid out at
        :func:`~gisdesk.export._qt.layout_dpi` and scaled to ``rect``; a raster device
        should report that resolution as its logical dpi (as :func:`render_plate_image`
        arranges) for map labels to keep their size.
    rect
        Where the page goes, in the painter's coordinates; default the page at the
        device's logical dpi from its top-left corner.
    data
        Prepared layers to reuse across plates.
    plan
        A plan from :func:`plan_plate` for this spec, to skip working it out again.
    progress, cancel
        See :mod:`gisdesk.core.progress`.

    Returns
    -------
    PlateLayout
        Where each item went, the scale bar, legend lines and grid ticks.
    """
    ensure_gui_app()
    data = data or prepare_map(project)
    report(progress, 0.0, "准备图层")
    plan = plan or plan_plate(project, spec, data=data)
    check_cancel(cancel)
    with _page(spec.template, target, rect) as paper:
        return _paint(paper, project, plan, data, progress=progress, cancel=cancel)


@contextmanager
def _page(
    template: PlateTemplate, target: QPainter | QPaintDevice, rect: QRectF | None
) -> Iterator[Paper]:
    """Yield the Paper of a page laid out at the layout dpi and scaled to ``rect``."""
    own = not isinstance(target, QPainter)
    painter = QPainter(target) if isinstance(target, QPaintDevice) else target
    try:
        device = painter.device()
        device_dpi = float(device.logicalDpiX())
        dpi = float(layout_dpi())
        page_w, page_h = template.page_mm
        if rect is None:  # the device is the page
            rect = QRectF(0, 0, page_w * device_dpi / 25.4, page_h * device_dpi / 25.4)
        painter.save()
        try:
            painter.translate(rect.topLeft())
            k = dpi / 25.4
            # one factor for both axes: Qt strokes lines many times slower under a
            # transform that scales x and y even slightly differently
            factor = min(rect.width() / (page_w * k), rect.height() / (page_h * k))
            painter.scale(factor, factor)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
            yield Paper(painter, dpi, template.font_scale * dpi / device_dpi)
        finally:
            painter.restore()
    finally:
        if own:
            painter.end()


def render_legend_page(
    spec: PlateSpec,
    entries: Sequence[LegendEntry],
    target: QPainter | QPaintDevice,
    *,
    title: str,
    rect: QRectF | None = None,
) -> LegendLayout:
    """Paint a continuation page of a plate's legend: the lines its legend box could not hold.

    The page has the plate's size and frame, the plate's title with 图例（续）, and the
    lines in as many columns as they need; lines that still do not fit are in the returned
    layout's ``rest`` (for another page).
    """
    ensure_gui_app()
    tpl = spec.template
    with _page(tpl, target, rect) as paper:
        page_w, page_h = tpl.page_mm
        paper.box((0.0, 0.0, page_w, page_h), stroke=None, fill="#ffffff")
        fx, fy, fw, fh = tpl.frame_mm()
        paper.box((fx, fy, fw, fh), stroke=INK, width_mm=0.5)
        title_rect = tpl.items.get("title", (fx + 4, fy + 3, fw - 8, 16.0))
        draw_title(paper, title_rect, title, "图例（续）")
        top = title_rect[1] + title_rect[3] + 4.0
        box = (fx + 6.0, top, fw - 12.0, fy + fh - 6.0 - top)
        return draw_legend(paper, box, entries, title="图  例（续）")
