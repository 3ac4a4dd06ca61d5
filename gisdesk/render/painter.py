"""Paint prepared layers with QPainter onto any paint device: canvas image, PNG, PDF, SVG.

One painter for the screen and the map plate: what you see is what you print. Each frame
culls features through the layer's spatial index, takes geometries simplified to about one
pixel, and draws every class of a layer as one path (built from numpy arrays), so the cost
follows what is visible, not what the layer holds.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QImage, QPaintEngine, QPainter, QPixmap

from gisdesk.core.progress import CancelToken, check_cancel
from gisdesk.core.style import Symbol
from gisdesk.render.labels import LabelPlacer, MissedLabel, PlacedLabel
from gisdesk.render.marker_shapes import marker_outline
from gisdesk.render.paths import geometry_path, marker_path
from gisdesk.render.prepared import PreparedLayer, label_anchors
from gisdesk.render.symbols import symbol_brush, symbol_pen
from gisdesk.render.viewport import Viewport

__all__ = ["SVG_PATH_ELEMENTS", "DrawItem", "RenderStats", "render_map"]

# Qt's SVG reader (Qt-based viewers, image previews) refuses a path of more than 32,767
# elements as corrupt and draws only its first 32,767: "qt.svg: Invalid path data; path
# truncated." An SVG gets each class as several paths of whole features under this size.
SVG_PATH_ELEMENTS = 30_000


@dataclass(frozen=True)
class DrawItem:
    """A layer as the frame should draw it."""

    layer: PreparedLayer
    opacity: float = 1.0
    labels: bool = True
    selected: np.ndarray | None = None  # feature indices to highlight


@dataclass
class RenderStats:
    """What a frame drew and how long it took."""

    features: dict[str, int] = field(default_factory=dict)
    labels: int = 0
    seconds: float = 0.0
    placed_labels: list[PlacedLabel] = field(default_factory=list)
    missed_labels: list[MissedLabel] = field(default_factory=list)  # required, no room


SELECTION_COLOUR = "#ffd400"


def _draw_class(
    painter: QPainter,
    layer: PreparedLayer,
    geoms: np.ndarray,
    symbol: Symbol,
    vp: Viewport,
    opacity: float = 1.0,
    *,
    vector: bool = False,
) -> None:
    px_per_mm = vp.mm_to_px(1.0)
    painter.setOpacity(symbol.opacity * opacity)
    painter.setPen(symbol_pen(symbol, px_per_mm, round_joins=vector))
    if layer.family == "point":
        painter.setBrush(symbol_brush(symbol))
        centres = vp.to_pixels(label_anchors(geoms, "point"))
        size = symbol.size * px_per_mm
        # one marker is its outline closed by its first vertex again
        step = SVG_PATH_ELEMENTS // (len(marker_outline(symbol.marker)) + 1)
        step = step if _is_svg(painter) else max(1, len(centres))
        for i in range(0, len(centres), step):
            painter.drawPath(marker_path(centres[i : i + step], symbol.marker, size))
        return
    xmin, _ymin, _xmax, ymax = vp.extent
    painter.setBrush(
        symbol_brush(symbol) if layer.family == "polygon" else QBrush(Qt.BrushStyle.NoBrush)
    )
    for part in _svg_chunks(geoms) if _is_svg(painter) else (geoms,):
        painter.drawPath(geometry_path(part, (xmin, ymax, vp.resolution)))


def _is_svg(painter: QPainter) -> bool:
    engine = painter.paintEngine()
    return engine is not None and engine.type() == QPaintEngine.Type.SVG


def _svg_chunks(geoms: np.ndarray) -> list[np.ndarray]:
    """Split ``geoms`` into runs of whole features of at most SVG_PATH_ELEMENTS vertices.

    A polygon keeps its holes in its run (a hole alone in another path would be filled);
    one feature larger than the limit is a run of its own.
    """
    counts = shapely.get_num_coordinates(geoms)
    total = np.cumsum(counts)
    if len(total) == 0 or total[-1] <= SVG_PATH_ELEMENTS:
        return [geoms]
    runs: list[np.ndarray] = []
    start, used = 0, 0
    for i, n in enumerate(counts.tolist()):
        if i > start and used + n > SVG_PATH_ELEMENTS:
            runs.append(geoms[start:i])
            start, used = i, 0
        used += n
    runs.append(geoms[start:])
    return runs


def render_map(
    painter: QPainter,
    viewport: Viewport,
    items: Sequence[DrawItem],
    *,
    labels: bool = True,
    cancel: CancelToken | None = None,
) -> RenderStats:
    """Draw the items bottom to top on an active painter; return what was drawn.

    Raises :class:`~gisdesk.core.errors.Cancelled` between classes when cancel is set.
    """
    start = time.perf_counter()
    stats = RenderStats()
    vector = not isinstance(painter.device(), QImage | QPixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    extent = viewport.extent
    visible_sets: list[np.ndarray] = []
    for item in items:
        check_cancel(cancel)
        layer = item.layer
        visible = layer.query(extent)
        visible_sets.append(visible)
        stats.features[layer.name] = len(visible)
        if len(visible) == 0 or layer.style is None:
            continue
        geoms = layer.simplified(viewport.resolution)[visible]
        classes = layer.classes[visible]
        painter.save()
        order = [-1, *range(len(layer.style.classes) - 1, -1, -1)]
        for cls in order:
            symbol = layer.style.symbol_for(cls)
            if symbol is None:
                continue
            hit = classes == cls
            if not hit.any():
                continue
            check_cancel(cancel)
            _draw_class(painter, layer, geoms[hit], symbol, viewport, item.opacity, vector=vector)
        if item.selected is not None and len(item.selected):
            sel = np.intersect1d(item.selected, visible, assume_unique=False)
            if len(sel):
                highlight = _highlight(layer)
                _draw_class(
                    painter,
                    layer,
                    layer.simplified(viewport.resolution)[sel],
                    highlight,
                    viewport,
                    vector=vector,
                )
        painter.restore()
    if labels:
        placer = LabelPlacer(viewport, vector=vector)
        for item, visible in zip(items, visible_sets, strict=True):
            layer = item.layer
            # labelled point layers are the ones that matter at this scale: keep labels off
            # their symbols (unlabelled dots such as accidents may be covered)
            spec = layer.style.label if layer.style is not None else None
            shown = (
                spec is not None
                and item.labels
                and (spec.min_scale is None or viewport.scale <= spec.min_scale)
            )
            if layer.family == "point" and shown and layer.style is not None and len(visible):
                size = max(
                    (c.symbol.size for c in layer.style.classes), default=layer.style.symbol.size
                )
                placer.occupy_markers(
                    viewport.to_pixels(label_anchors(layer.geoms[visible], "point")),
                    viewport.mm_to_px(size),
                )
        # higher label priority first; among equals, upper layers win
        ranked = sorted(
            zip(range(len(items)), items, visible_sets, strict=True),
            key=lambda t: (
                -(
                    t[1].layer.style.label.priority
                    if t[1].layer.style is not None and t[1].layer.style.label is not None
                    else 0
                ),
                -t[0],
            ),
        )
        for _pos, item, visible in ranked:
            if item.labels:
                placer.draw_layer(painter, item.layer, visible, cancel=cancel)
        stats.labels = placer.placed
        stats.placed_labels = placer.placements
        stats.missed_labels = placer.missed
    stats.seconds = time.perf_counter() - start
    return stats


def _highlight(layer: PreparedLayer) -> Symbol:
    if layer.family == "point":
        return Symbol(fill=SELECTION_COLOUR, stroke="#000000", stroke_width=0.3, size=3.0)
    if layer.family == "line":
        return Symbol(fill=None, stroke=SELECTION_COLOUR, stroke_width=1.2)
    return Symbol(fill=SELECTION_COLOUR + "66", stroke=SELECTION_COLOUR, stroke_width=0.8)
