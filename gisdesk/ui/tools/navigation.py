"""The built-in map tools as :class:`~gisdesk.ui.canvas.CanvasTool` subclasses.

Pan, zoom box, identify, select and measure take the mouse the same way the editing tools
(:mod:`gisdesk.ui.digitize`) do: the canvas hands the active tool every press, move, release,
double click and key, and the tool paints its rubber band or measurement over the map. The
wheel, the middle button and the arrow keys move the map whatever tool is active.
"""

from __future__ import annotations

import numpy as np
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPen, QPolygonF

from gisdesk.ui.canvas import CanvasTool, MapCanvas

__all__ = [
    "NAVIGATION_TOOLS",
    "IdentifyTool",
    "MeasureAreaTool",
    "MeasureLineTool",
    "PanTool",
    "SelectTool",
    "ZoomBoxTool",
]

CLICK_SLOP_PX = 3  # a press and release closer than this (Manhattan) is a click, not a drag
_BOX_PEN = QColor("#1f78b4")
_BOX_FILL = QColor(31, 120, 180, 40)
_MEASURE = QColor("#e31a1c")
_MEASURE_FILL = QColor(227, 26, 28, 40)


def _shift(event: QMouseEvent) -> bool:
    return bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)


class _DragTool(CanvasTool):
    """A left-button drag or click; subclasses say what a box, a drag and a click do."""

    def __init__(self, canvas: MapCanvas) -> None:
        super().__init__(canvas)
        self.start: QPointF | None = None
        self.rubber: QRectF | None = None

    def wants_box(self, event: QMouseEvent) -> bool:
        """Whether a drag starting with this press draws a box."""
        return True

    def press(self, event: QMouseEvent) -> None:
        """Remember where the drag starts (and start a box)."""
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position()
        self.start = pos
        self.canvas.begin_drag()
        self.rubber = QRectF(pos, pos) if self.wants_box(event) else None

    def move(self, event: QMouseEvent) -> None:
        """Stretch the box while dragging."""
        if self.start is not None and self.rubber is not None:
            self.rubber = QRectF(self.start, event.position()).normalized()

    def release(self, event: QMouseEvent) -> None:
        """Finish the box, the drag or the click."""
        if event.button() != Qt.MouseButton.LeftButton or self.start is None:
            return
        pos = event.position()
        start, self.start = self.start, None
        rubber, self.rubber = self.rubber, None
        moved = (pos - start).manhattanLength() > CLICK_SLOP_PX
        if rubber is not None and moved:
            x0, y0 = self.canvas.viewport.to_map(rubber.left(), rubber.bottom())
            x1, y1 = self.canvas.viewport.to_map(rubber.right(), rubber.top())
            self.box((x0, y0, x1, y1), event)
        elif moved:
            self.dragged(start, pos)
        else:
            self.click(pos, event)

    def box(self, extent: tuple[float, float, float, float], event: QMouseEvent) -> None:
        """A box was drawn (display metres)."""

    def dragged(self, start: QPointF, end: QPointF) -> None:
        """The mouse was dragged without a box."""

    def click(self, pos: QPointF, event: QMouseEvent) -> None:
        """The left button was clicked in place."""

    def paint(self, painter: QPainter) -> None:
        """Draw the box being dragged."""
        if self.rubber is None:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(_BOX_PEN, 1, Qt.PenStyle.DashLine))
        painter.setBrush(_BOX_FILL)
        painter.drawRect(self.rubber)

    def deactivate(self) -> None:
        """Drop a drag in progress."""
        self.start = None
        self.rubber = None


class PanTool(_DragTool):
    """Drag to move the map; Shift-drag zooms to a box."""

    name_zh = "平移"
    name_en = "Pan"

    def wants_box(self, event: QMouseEvent) -> bool:
        """Only a Shift-drag draws a box."""
        return _shift(event)

    def move(self, event: QMouseEvent) -> None:
        """Move the last frame with the mouse (the new view is set on release)."""
        if self.start is not None and self.rubber is None:
            delta = event.position() - self.start
            self.canvas.drag_to(delta.x(), delta.y())
        else:
            super().move(event)

    def dragged(self, start: QPointF, end: QPointF) -> None:
        """Show the map moved by the drag."""
        delta = end - start
        self.canvas.drag_to(delta.x(), delta.y(), done=True)

    def box(self, extent: tuple[float, float, float, float], event: QMouseEvent) -> None:
        """Zoom to the box."""
        self.canvas.zoom_to_extent(extent)


class ZoomBoxTool(_DragTool):
    """Drag a box to zoom to it."""

    name_zh = "拉框放大"
    name_en = "Zoom to box"

    def box(self, extent: tuple[float, float, float, float], event: QMouseEvent) -> None:
        """Zoom to the box."""
        self.canvas.zoom_to_extent(extent)


class IdentifyTool(_DragTool):
    """Click to list the features under the cursor (``canvas.identified``) and highlight one.

    The first feature found (the topmost layer's nearest) is highlighted on the map until
    another click, another tool, or the window highlights another of the list.
    """

    name_zh = "识别要素"
    name_en = "Identify"

    def wants_box(self, event: QMouseEvent) -> bool:
        """Identify works on clicks only."""
        return False

    def click(self, pos: QPointF, event: QMouseEvent) -> None:
        """Highlight the first feature under the click and emit them all, top layer first."""
        hits = self.canvas.identify_at(pos.x(), pos.y())
        first = hits[0] if hits else None
        self.canvas.set_highlight(*((first[0].name, first[1]) if first else (None, None)))
        self.canvas.identified.emit(hits)

    def deactivate(self) -> None:
        """Another tool: the highlight goes."""
        super().deactivate()
        self.canvas.set_highlight(None)


class SelectTool(_DragTool):
    """Click or drag a box to select features of the current layer; Shift toggles."""

    name_zh = "选择要素"
    name_en = "Select"

    def box(self, extent: tuple[float, float, float, float], event: QMouseEvent) -> None:
        """Select the features meeting the box."""
        self.canvas.select_in_box(extent, add=_shift(event))

    def click(self, pos: QPointF, event: QMouseEvent) -> None:
        """Select the nearest feature under the click."""
        self.canvas.select_at(pos.x(), pos.y(), add=_shift(event))


class MeasureLineTool(_DragTool):
    """Click vertices to measure a distance (``canvas.measured``); double click ends it."""

    name_zh = "量测距离"
    name_en = "Measure distance"
    kind = "length"

    def __init__(self, canvas: MapCanvas) -> None:
        super().__init__(canvas)
        self.points: list[tuple[float, float]] = []
        self.finished = False

    def wants_box(self, event: QMouseEvent) -> bool:
        """Measuring works on clicks only."""
        return False

    def click(self, pos: QPointF, event: QMouseEvent) -> None:
        """Add a vertex (a click after a finished measurement starts a new one)."""
        if self.finished:
            self.points = []
            self.finished = False
        self.points.append(self.canvas.viewport.to_map(pos.x(), pos.y()))
        self.emit()

    def double_click(self, event: QMouseEvent) -> None:
        """Finish the measurement."""
        if self.points:
            self.emit()
            self.finished = True

    def key(self, event: QKeyEvent) -> bool:
        """Escape drops the measurement."""
        if event.key() == Qt.Key.Key_Escape:
            self.deactivate()
            return True
        return False

    def value(self) -> float:
        """The measured length in metres (display CRS)."""
        if len(self.points) < 2:
            return 0.0
        return float(shapely.LineString(self.points).length)

    def emit(self) -> None:
        """Tell the window the measurement so far."""
        self.canvas.measured.emit(self.value(), self.kind)

    def paint(self, painter: QPainter) -> None:
        """Draw the measured line (or area) and its vertices."""
        if not self.points:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pts = self.canvas.viewport.to_pixels(np.array(self.points))
        poly = QPolygonF([QPointF(float(x), float(y)) for x, y in pts])
        painter.setPen(QPen(_MEASURE, 2))
        if self.kind == "area" and len(pts) > 2:
            painter.setBrush(_MEASURE_FILL)
            painter.drawPolygon(poly)
        else:
            painter.drawPolyline(poly)
        painter.setBrush(_MEASURE)
        for x, y in pts:
            painter.drawEllipse(QPointF(float(x), float(y)), 3, 3)

    def deactivate(self) -> None:
        """Forget the measurement."""
        super().deactivate()
        self.points = []
        self.finished = False


class MeasureAreaTool(MeasureLineTool):
    """Click vertices to measure an area; fewer than three vertices give a length."""

    name_zh = "量测面积"
    name_en = "Measure area"
    kind = "area"

    def value(self) -> float:
        """The measured area in square metres (display CRS)."""
        if len(self.points) < 3:
            return 0.0 if len(self.points) < 2 else super().value()
        return float(shapely.Polygon(self.points).area)

    def emit(self) -> None:
        """Tell the window the area (or the length while there are only two vertices)."""
        kind = "area" if len(self.points) >= 3 or len(self.points) < 2 else "length"
        self.canvas.measured.emit(self.value(), kind)


NAVIGATION_TOOLS: dict[str, type[CanvasTool]] = {
    "tool_pan": PanTool,
    "tool_zoom_box": ZoomBoxTool,
    "tool_identify": IdentifyTool,
    "tool_select": SelectTool,
    "tool_measure_line": MeasureLineTool,
    "tool_measure_area": MeasureAreaTool,
}
"""The built-in tools by the key of their action (``tool_pan``...)."""
