"""Place feature labels without overlaps and draw them with a halo.

The placement engine works on an occupancy grid shared by every layer of a frame (cells of
:data:`CELL` pixels). Layers are placed by label priority (towns and stations first), and
within a layer by class, then feature order. Each feature tries candidate positions until one
is free:

- points: the eight positions around the symbol, in the order QGIS's cartographic placement
  prefers (top right, top left, bottom right, bottom left, right, left, above, below), then
  the same eight further out;
- lines: along the line (its middle, then a third and two thirds of the way), turned to the
  line's direction and kept upright, then just above or below it;
- polygons: inside the polygon, at its pole of inaccessibility first, then at interior points
  farthest from the boundary; a position wholly inside the polygon is preferred to one that
  only starts inside, and the label may then move by half its size.

A *required* label (priority :data:`REQUIRED_PRIORITY` or more: towns and monitoring
stations in the default styles) then tries the same positions again in smaller type (down to
:data:`MIN_SHRINK` of its size) before it is given up, and one that still finds no room is
recorded in :attr:`LabelPlacer.missed`, so plates report it instead of dropping it silently.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import shapely
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QTransform
from shapely.ops import polylabel

from gisdesk.core.progress import CancelToken, check_cancel
from gisdesk.core.style import LabelSpec
from gisdesk.render.fonts import cjk_font
from gisdesk.render.prepared import PreparedLayer
from gisdesk.render.symbols import qcolor
from gisdesk.render.viewport import Viewport

__all__ = ["CELL", "MIN_SHRINK", "REQUIRED_PRIORITY", "LabelPlacer", "MissedLabel", "PlacedLabel"]

CELL = 4  # px: occupancy grid resolution
REQUIRED_PRIORITY = 8
"""Labels of this priority or more must be placed or reported (towns 10, stations 8)."""
MIN_SHRINK = 0.7
"""A required label may shrink to this share of its size before it is reported."""
_SHRINKS = (0.85, MIN_SHRINK)
_MAX_CANDIDATES = 4000
_INTERIOR_POINTS = 10  # polygon candidates besides the pole of inaccessibility
_LINE_STOPS = (0.5, 1 / 3, 2 / 3)
# QGIS's cartographic order around a point: (dx, dy) in units of the label half-size + gap
_AROUND = ((1, -1), (-1, -1), (1, 1), (-1, 1), (1, 0), (-1, 0), (0, -1), (0, 1))


@dataclass(frozen=True)
class MissedLabel:
    """A required label no position could take."""

    layer: str
    text: str


@dataclass(frozen=True)
class PlacedLabel:
    """Where a label went: its box centre and angle in frame pixels, and its type scale."""

    layer: str
    text: str
    x: float
    y: float
    angle: float = 0.0  # degrees, clockwise on screen
    shrink: float = 1.0


@dataclass
class _Box:
    """A label rectangle: centre, half sizes and angle (degrees, clockwise on screen)."""

    cx: float
    cy: float
    hw: float
    hh: float
    angle: float = 0.0

    def cells(self, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray] | None:
        """Return the grid cells the box covers, or None when it leaves the grid."""
        if abs(self.angle) < 1.0:
            x0, x1 = int((self.cx - self.hw) // CELL), int((self.cx + self.hw) // CELL)
            y0, y1 = int((self.cy - self.hh) // CELL), int((self.cy + self.hh) // CELL)
            if x0 < 0 or y0 < 0 or y1 >= shape[0] or x1 >= shape[1]:
                return None
            ys, xs = np.mgrid[y0 : y1 + 1, x0 : x1 + 1]
            return ys.ravel(), xs.ravel()
        # a turned box: sample it at half a cell and take the cells of the samples
        step = CELL / 2.0
        u = np.linspace(-self.hw, self.hw, max(2, math.ceil(2 * self.hw / step) + 1))
        v = np.linspace(-self.hh, self.hh, max(2, math.ceil(2 * self.hh / step) + 1))
        uu, vv = np.meshgrid(u, v)
        a = math.radians(self.angle)
        c, s = math.cos(a), math.sin(a)
        px = self.cx + uu * c - vv * s
        py = self.cy + uu * s + vv * c
        xs = np.floor(px.ravel() / CELL).astype(np.intp)
        ys = np.floor(py.ravel() / CELL).astype(np.intp)
        if xs.min() < 0 or ys.min() < 0 or ys.max() >= shape[0] or xs.max() >= shape[1]:
            return None
        return ys, xs

    def polygon(self) -> shapely.Geometry:
        """Return the box as a polygon in pixels."""
        a = math.radians(self.angle)
        c, s = math.cos(a), math.sin(a)
        corners = [
            (-self.hw, -self.hh),
            (self.hw, -self.hh),
            (self.hw, self.hh),
            (-self.hw, self.hh),
        ]
        return shapely.Polygon(
            [(self.cx + u * c - v * s, self.cy + u * s + v * c) for u, v in corners]
        )


@dataclass
class _Text:
    """A label's text with its size in pixels at full size."""

    text: str
    width: float
    height: float
    ascent: float


@dataclass
class LabelPlacer:
    """Label placement on an occupancy grid shared by every layer of a frame."""

    viewport: Viewport
    vector: bool = False
    placed: int = 0
    placements: list[PlacedLabel] = field(default_factory=list)
    missed: list[MissedLabel] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._grid = np.zeros(
            (self.viewport.height // CELL + 2, self.viewport.width // CELL + 2), dtype=bool
        )
        self._last_at: dict[str, list[tuple[float, float]]] = {}

    # --- the grid -----------------------------------------------------------------------

    def occupy_markers(self, centres_px: np.ndarray, size_px: float) -> None:
        """Mark point symbols as taken, so no label covers a feature."""
        half = size_px / 2.0
        ok = np.isfinite(centres_px).all(axis=1)
        c = centres_px[ok]
        x0 = np.clip(((c[:, 0] - half) // CELL).astype(int), 0, self._grid.shape[1] - 1)
        x1 = np.clip(((c[:, 0] + half) // CELL).astype(int), 0, self._grid.shape[1] - 1)
        y0 = np.clip(((c[:, 1] - half) // CELL).astype(int), 0, self._grid.shape[0] - 1)
        y1 = np.clip(((c[:, 1] + half) // CELL).astype(int), 0, self._grid.shape[0] - 1)
        for dx in range(int(np.max(x1 - x0, initial=0)) + 1):
            for dy in range(int(np.max(y1 - y0, initial=0)) + 1):
                xs, ys = np.minimum(x0 + dx, x1), np.minimum(y0 + dy, y1)
                self._grid[ys, xs] = True

    def is_free(self, box: _Box) -> bool:
        """Return whether a box lies in the frame and meets no placed label or symbol."""
        cells = box.cells(self._grid.shape)
        return cells is not None and not self._grid[cells].any()

    def _occupy(self, box: _Box) -> None:
        # a little room around each label: neighbours never touch
        cells = _Box(box.cx, box.cy, box.hw + 2, box.hh + 1, box.angle).cells(self._grid.shape)
        if cells is None:
            cells = box.cells(self._grid.shape)
        if cells is not None:
            self._grid[cells] = True

    def _repeats(self, text: str, x: float, y: float, min_px: float) -> bool:
        return any(
            (x - px) ** 2 + (y - py) ** 2 < min_px * min_px
            for px, py in self._last_at.get(text, ())
        )

    # --- candidates ---------------------------------------------------------------------

    def _point_boxes(
        self, x: float, y: float, t: _Text, offset: float, shrink: float
    ) -> Iterator[_Box]:
        hw, hh = t.width * shrink / 2, t.height * shrink / 2
        for reach in (1.0, 2.2):
            gap = offset * reach
            for dx, dy in _AROUND:
                # diagonal positions come a little closer: their corner is off the symbol
                g = gap * 0.7 if dx and dy else gap
                cx = x + dx * (g + hw)
                cy = y + dy * (g + hh)
                yield _Box(cx, cy, hw, hh)

    def _line_stops(self, geom: shapely.Geometry, t: _Text) -> list[tuple[float, float, float]]:
        """Return (x, y, angle) in pixels of label centres along a line, best first."""
        vp = self.viewport
        xmin, _ymin, _xmax, ymax = vp.extent
        line = shapely.line_merge(geom) if geom.geom_type == "MultiLineString" else geom
        if line.geom_type == "MultiLineString":  # label the longest piece
            line = max(line.geoms, key=lambda g: g.length)
        length = line.length
        if length <= 0:
            return []
        half = t.width / 2 * vp.resolution
        out = []
        for stop in _LINE_STOPS:
            d = stop * length
            p = line.interpolate(d)
            a = line.interpolate(max(0.0, d - half))
            b = line.interpolate(min(length, d + half))
            dx, dy = b.x - a.x, -(b.y - a.y)  # screen y runs down
            angle = math.degrees(math.atan2(dy, dx)) if (dx or dy) else 0.0
            if angle > 90:
                angle -= 180
            elif angle <= -90:
                angle += 180
            out.append(((p.x - xmin) / vp.resolution, (ymax - p.y) / vp.resolution, angle))
        return out

    def _line_boxes(
        self, stops: list[tuple[float, float, float]], t: _Text, shrink: float
    ) -> Iterator[_Box]:
        hw, hh = t.width * shrink / 2, t.height * shrink / 2
        for x, y, angle in stops:
            yield _Box(x, y, hw, hh, angle)
        for x, y, angle in stops:  # beside the line: above, then below
            a = math.radians(angle)
            nx, ny = math.sin(a), -math.cos(a)  # the box's "up" direction on screen
            for side in (1.0, -1.0):
                d = side * (hh + 1.5)
                yield _Box(x + nx * d, y + ny * d, hw, hh, angle)

    def _interior(
        self, geom: shapely.Geometry
    ) -> tuple[shapely.Geometry, list[tuple[float, float]]]:
        """Return a polygon in pixels and its label centres, farthest from the edge first."""
        vp = self.viewport
        xmin, _ymin, _xmax, ymax = vp.extent
        res = vp.resolution
        px = shapely.transform(
            geom, lambda xy: np.column_stack(((xy[:, 0] - xmin) / res, (ymax - xy[:, 1]) / res))
        )
        px = shapely.clip_by_rect(px, 0, 0, vp.width, vp.height)
        parts = [
            g for g in getattr(px, "geoms", [px]) if g.geom_type == "Polygon" and not g.is_empty
        ]
        if not parts:
            return px, []
        parts.sort(key=lambda g: -g.area)
        centres: list[tuple[float, float]] = []
        for part in parts[:3]:
            pole = polylabel(part, tolerance=1.0)
            centres.append((pole.x, pole.y))
            x0, y0, x1, y1 = part.bounds
            n = 7
            gx, gy = np.meshgrid(np.linspace(x0, x1, n + 2)[1:-1], np.linspace(y0, y1, n + 2)[1:-1])
            pts = shapely.points(gx.ravel(), gy.ravel())
            inside = pts[shapely.contains(part, pts)]
            if len(inside):
                depth = shapely.distance(part.exterior, inside)
                best = inside[np.argsort(-depth)[:_INTERIOR_POINTS]]
                centres.extend(
                    zip(shapely.get_x(best).tolist(), shapely.get_y(best).tolist(), strict=True)
                )
        return px, centres

    def _polygon_boxes(
        self, shape: shapely.Geometry, centres: list[tuple[float, float]], t: _Text, shrink: float
    ) -> Iterator[_Box]:
        hw, hh = t.width * shrink / 2, t.height * shrink / 2
        boxes = [_Box(x, y, hw, hh) for x, y in centres]
        shapely.prepare(shape)
        inside = [b for b in boxes if shapely.contains(shape, b.polygon())]
        yield from inside
        yield from (b for b in boxes if b not in inside)
        for x, y in centres:  # moved by half the label: still starts inside
            for dx, dy in ((0, -1), (0, 1), (-1, 0), (1, 0)):
                yield _Box(x + dx * hw, y + dy * hh * 1.2, hw, hh)

    # --- placing and drawing ------------------------------------------------------------

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
        if style is None or style.label is None or layer.labels is None:
            return
        spec = style.label
        if spec.min_scale is not None and self.viewport.scale > spec.min_scale:
            return  # before the anchors, which a line or polygon layer computes on first use
        anchors = layer.anchors
        if anchors is None:
            return
        idx = (
            visible[np.array([bool(t) for t in layer.labels[visible]], dtype=bool)]
            if len(visible)
            else visible
        )
        if len(idx) == 0:
            return
        required = spec.priority >= REQUIRED_PRIORITY
        # priority: class order first (class 0 is the most important), then feature order
        cls = layer.classes[idx]
        order = np.lexsort((idx, np.where(cls < 0, 1 << 20, cls)))
        idx = idx[order][:_MAX_CANDIDATES]
        px = self.viewport.to_pixels(anchors[idx])
        # repeat_px is screen pixels at 96 dpi: the same distance on paper at any resolution
        repeat = spec.repeat_px * self.viewport.dpi / 96.0
        font = cjk_font(spec.size, bold=spec.bold)
        metrics = QFontMetricsF(font)
        biggest = max((c.symbol.size for c in style.classes), default=style.symbol.size)
        offset = self.viewport.mm_to_px(biggest / 2 + 0.4) if layer.family == "point" else 0.0
        shown: list[PlacedLabel] = []
        for k, (i, (x, y)) in enumerate(zip(idx, px, strict=True)):
            if k % 256 == 0:
                check_cancel(cancel)
            if not (np.isfinite(x) and np.isfinite(y)):
                continue
            text = str(layer.labels[i])
            if layer.family == "line" and self._repeats(text, x, y, repeat):
                continue
            t = _Text(text, metrics.horizontalAdvance(text), metrics.height(), metrics.ascent())
            box = self._place(layer, int(i), float(x), float(y), t, offset, required)
            if box is None:
                if required:
                    self.missed.append(MissedLabel(layer.name, text))
                continue
            self._occupy(box)
            self._last_at.setdefault(text, []).append((x, y))
            shown.append(
                PlacedLabel(layer.name, text, box.cx, box.cy, box.angle, box.hw * 2 / t.width)
            )
        self.placed += len(shown)
        self.placements.extend(shown)
        if shown:
            self._draw(painter, shown, spec)

    def _place(
        self,
        layer: PreparedLayer,
        i: int,
        x: float,
        y: float,
        t: _Text,
        offset: float,
        required: bool,
    ) -> _Box | None:
        shrinks = (1.0, *_SHRINKS) if required else (1.0,)
        if layer.family == "point":
            for s in shrinks:
                for box in self._point_boxes(x, y, t, offset, s):
                    if self.is_free(box):
                        return box
            return None
        geom = layer.geoms[i]
        if layer.family == "line":
            stops = self._line_stops(geom, t) or [(x, y, 0.0)]
            for s in shrinks:
                for box in self._line_boxes(stops, t, s):
                    if self.is_free(box):
                        return box
            return None
        shape, centres = self._interior(geom)
        if not centres:
            centres = [(x, y)]
        for s in shrinks:
            for box in self._polygon_boxes(shape, centres, t, s):
                if self.is_free(box):
                    return box
        return None

    def _draw(self, painter: QPainter, shown: list[PlacedLabel], spec: LabelSpec) -> None:
        fonts: dict[float, tuple[QFont, QFontMetricsF]] = {}

        def font_at(shrink: float) -> tuple[QFont, QFontMetricsF]:
            key = round(shrink, 3)
            if key not in fonts:
                f = cjk_font(spec.size * shrink, bold=spec.bold)
                fonts[key] = (f, QFontMetricsF(f))
            return fonts[key]

        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        if self.vector and spec.halo:
            # the halo as outlines (vector in PDF/SVG), the letters as text (searchable)
            halo = QPen(qcolor(spec.halo), self.viewport.mm_to_px(spec.halo_width) * 2)
            halo.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            path = QPainterPath()
            for lab in shown:
                f, m = font_at(lab.shrink)
                outline = QPainterPath()
                outline.addText(_origin(lab, m), f, lab.text)
                path.addPath(_transform(lab).map(outline))
            painter.strokePath(path, halo)
        r = max(1.0, self.viewport.mm_to_px(spec.halo_width))
        offsets = [(dx * r, dy * r) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if dx or dy]
        for lab in shown:
            f, m = font_at(lab.shrink)
            origin = _origin(lab, m)
            painter.save()
            painter.setTransform(_transform(lab), combine=True)
            painter.setFont(f)
            if spec.halo and not self.vector:
                # glyph cache: a halo of offset copies costs far less than stroking outlines
                painter.setPen(qcolor(spec.halo))
                for dx, dy in offsets:
                    painter.drawText(origin + QPointF(dx, dy), lab.text)
            painter.setPen(qcolor(spec.colour))
            painter.drawText(origin, lab.text)
            painter.restore()
        painter.restore()


def _origin(lab: PlacedLabel, m: QFontMetricsF) -> QPointF:
    """Return the text's baseline start relative to the label centre."""
    return QPointF(-m.horizontalAdvance(lab.text) / 2, -m.height() / 2 + m.ascent())


def _transform(lab: PlacedLabel) -> QTransform:
    t = QTransform()
    t.translate(lab.x, lab.y)
    if lab.angle:
        t.rotate(lab.angle)
    return t
