"""Place feature labels without overlaps and draw them with a halo."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QFontMetricsF, QPainter, QPainterPath, QPen

from gisdesk.core.progress import CancelToken, check_cancel
from gisdesk.render.fonts import cjk_font
from gisdesk.render.prepared import PreparedLayer
from gisdesk.render.symbols import qcolor
from gisdesk.render.viewport import Viewport

__all__ = ["LabelPlacer"]

_CELL = 4  # px: occupancy grid resolution
_MAX_CANDIDATES = 4000


@dataclass
class LabelPlacer:
    """Greedy label placement on an occupancy grid shared by every layer of a frame."""

    viewport: Viewport
    vector: bool = False

    def __post_init__(self) -> None:
        self._grid = np.zeros(
            (self.viewport.height // _CELL + 2, self.viewport.width // _CELL + 2), dtype=bool
        )
        self.placed = 0
        self._last_at: dict[str, list[tuple[float, float]]] = {}

    def occupy_markers(self, centres_px: np.ndarray, size_px: float) -> None:
        """Mark point symbols as taken, so no label covers a feature."""
        half = size_px / 2.0
        ok = np.isfinite(centres_px).all(axis=1)
        c = centres_px[ok]
        x0 = np.clip(((c[:, 0] - half) // _CELL).astype(int), 0, self._grid.shape[1] - 1)
        x1 = np.clip(((c[:, 0] + half) // _CELL).astype(int), 0, self._grid.shape[1] - 1)
        y0 = np.clip(((c[:, 1] - half) // _CELL).astype(int), 0, self._grid.shape[0] - 1)
        y1 = np.clip(((c[:, 1] + half) // _CELL).astype(int), 0, self._grid.shape[0] - 1)
        for dx in range(int(np.max(x1 - x0, initial=0)) + 1):
            for dy in range(int(np.max(y1 - y0, initial=0)) + 1):
                xs, ys = np.minimum(x0 + dx, x1), np.minimum(y0 + dy, y1)
                self._grid[ys, xs] = True

    def _repeats(self, text: str, x: float, y: float, min_px: float) -> bool:
        return any(
            (x - px) ** 2 + (y - py) ** 2 < min_px * min_px
            for px, py in self._last_at.get(text, ())
        )

    def _free(self, rect: QRectF) -> bool:
        x0, y0 = int(rect.left() // _CELL), int(rect.top() // _CELL)
        x1, y1 = int(rect.right() // _CELL) + 1, int(rect.bottom() // _CELL) + 1
        if x0 < 0 or y0 < 0 or y1 >= self._grid.shape[0] or x1 >= self._grid.shape[1]:
            return False
        return not self._grid[y0:y1, x0:x1].any()

    def _occupy(self, rect: QRectF) -> None:
        x0, y0 = max(0, int(rect.left() // _CELL)), max(0, int(rect.top() // _CELL))
        x1, y1 = int(rect.right() // _CELL) + 1, int(rect.bottom() // _CELL) + 1
        self._grid[y0:y1, x0:x1] = True

    def draw_layer(
        self,
        painter: QPainter,
        layer: PreparedLayer,
        visible: np.ndarray,
        *,
        cancel: CancelToken | None = None,
    ) -> None:
        """Place and draw the labels of a layer's visible features."""
        style = layer.style
        if style is None or style.label is None or layer.labels is None or layer.anchors is None:
            return
        spec = style.label
        if spec.min_scale is not None and self.viewport.scale > spec.min_scale:
            return
        idx = (
            visible[np.array([bool(t) for t in layer.labels[visible]], dtype=bool)]
            if len(visible)
            else visible
        )
        if len(idx) == 0:
            return
        # priority: class order first (class 0 is the most important), then feature order
        cls = layer.classes[idx]
        order = np.lexsort((idx, np.where(cls < 0, 1 << 20, cls)))
        idx = idx[order][:_MAX_CANDIDATES]
        px = self.viewport.to_pixels(layer.anchors[idx])
        # repeat_px is screen pixels at 96 dpi: the same distance on paper at any resolution
        repeat = spec.repeat_px * self.viewport.dpi / 96.0
        font = cjk_font(spec.size, bold=spec.bold)
        metrics = QFontMetricsF(font)
        halo = (
            QPen(qcolor(spec.halo), self.viewport.mm_to_px(spec.halo_width) * 2)
            if (spec.halo)
            else None
        )
        if halo is not None:  # round joins only where the viewer strokes (see symbol_pen)
            halo.setJoinStyle(
                Qt.PenJoinStyle.RoundJoin if self.vector else Qt.PenJoinStyle.BevelJoin
            )
        fill = QBrush(qcolor(spec.colour))
        biggest = max((c.symbol.size for c in style.classes), default=style.symbol.size)
        offset = self.viewport.mm_to_px(biggest / 2 + 0.4) if layer.family == "point" else 0.0
        path = QPainterPath()
        placed: list[tuple[QPointF, str]] = []
        for k, (i, (x, y)) in enumerate(zip(idx, px, strict=True)):
            if k % 256 == 0:
                check_cancel(cancel)
            if not (np.isfinite(x) and np.isfinite(y)):
                continue
            text = str(layer.labels[i])
            if layer.family == "line" and self._repeats(text, x, y, repeat):
                continue
            w = metrics.horizontalAdvance(text)
            h = metrics.height()
            candidates: tuple[QRectF, ...]
            if layer.family == "point":
                candidates = (
                    QRectF(x + offset, y - h / 2, w, h),
                    QRectF(x - w / 2, y - offset - h, w, h),
                    QRectF(x - offset - w, y - h / 2, w, h),
                    QRectF(x - w / 2, y + offset, w, h),
                )
            else:
                candidates = (QRectF(x - w / 2, y - h / 2, w, h),)
            for rect in candidates:
                if self._free(rect):
                    self._occupy(rect.adjusted(-2, -1, 2, 1))
                    origin = QPointF(rect.left(), rect.top() + metrics.ascent())
                    if self.vector:
                        path.addText(origin, font, text)
                    placed.append((origin, text))
                    self._last_at.setdefault(text, []).append((x, y))
                    self.placed += 1
                    break
        if not placed:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        if self.vector:  # outlines: the halo stays vector in PDF/SVG
            if halo is not None:
                painter.strokePath(path, halo)
            painter.fillPath(path, fill)
        else:  # glyph cache: a halo of offset copies costs far less than stroking outlines
            painter.setFont(font)
            if spec.halo:
                painter.setPen(qcolor(spec.halo))
                r = max(1.0, self.viewport.mm_to_px(spec.halo_width))
                offsets = [(dx * r, dy * r) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if dx or dy]
                for origin, text in placed:
                    for dx, dy in offsets:
                        painter.drawText(origin + QPointF(dx, dy), text)
            painter.setPen(qcolor(spec.colour))
            for origin, text in placed:
                painter.drawText(origin, text)
        painter.restore()
