"""Digitising on the map: add, move, reshape and split features (the editing tools).

Deleting, copying and pasting the selection are :mod:`gisdesk.ui.commands.editing`.

Every tool works on the current layer of the layer tree, snaps to the layers chosen in the
snapping settings (vertex first, then segment, within N pixels; the snap target is drawn),
shows lengths and areas in metres while drawing, and hands its result to the window's
:class:`~gisdesk.ui.editing.EditController`, which validates it, writes it to the project
file at once and puts it on the undo stack. Coordinates are handled in the canvas's metric
display CRS and converted to the layer's CRS for storing.

Keys while drawing: Enter or a double click finishes, Backspace removes the last vertex,
Escape drops the sketch. In the vertex tool: drag a vertex to move it, double-click a
segment to add a vertex, right-click a vertex (or hover it and press Delete) to remove it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from pyproj import CRS
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPen, QPolygonF
from shapely.geometry.base import BaseGeometry

from gisdesk.core.crs import transformer
from gisdesk.core.editing import GEOMETRY, FeatureChange, row_values
from gisdesk.core.errors import GisdeskError
from gisdesk.core.geometry_edit import (
    delete_vertex,
    insert_vertex,
    move_vertex,
    nearest_vertex,
    split_line,
    translate,
)
from gisdesk.core.layer import Layer
from gisdesk.ui.canvas import CanvasTool, MapCanvas
from gisdesk.ui.i18n import language, tr
from gisdesk.ui.snapping import Snapper, SnapResult

if TYPE_CHECKING:
    from gisdesk.ui.window_api import WindowApi

__all__ = [
    "AddFeatureTool",
    "MoveFeatureTool",
    "SplitLineTool",
    "VertexTool",
    "geometry_family",
    "layer_crs",
    "to_display",
    "to_layer",
]

_FAMILY = {
    "Point": "point",
    "MultiPoint": "point",
    "LineString": "line",
    "MultiLineString": "line",
    "Polygon": "polygon",
    "MultiPolygon": "polygon",
}
_SKETCH = QColor("#e6007e")
_SNAP_VERTEX = QColor("#ff00ff")
_SNAP_SEGMENT = QColor("#ff7f00")
VERTEX_TOLERANCE_PX = 8.0

ValuesProvider = Callable[[Layer, Mapping[str, Any]], dict[str, Any] | None]


def geometry_family(layer: Layer) -> str | None:
    """ "point", "line" or "polygon" for a layer (from its schema, else its features)."""
    if layer.schema is not None:
        return _FAMILY.get(layer.schema.geometry)
    kinds = {_FAMILY.get(str(t)) for t in layer.data.geom_type.dropna().unique()}
    kinds.discard(None)
    return kinds.pop() if len(kinds) == 1 else None


def layer_crs(layer: Layer) -> CRS:
    """The layer's CRS (a layer without one cannot be edited on the map)."""
    crs = layer.data.crs
    if crs is None:
        raise GisdeskError(
            f"图层“{layer.title}”没有坐标系，不能在地图上编辑。",
            f"Layer '{layer.title}' has no CRS and cannot be edited on the map.",
        )
    return CRS.from_user_input(crs)


def to_layer(geom: BaseGeometry, canvas: MapCanvas, layer: Layer) -> BaseGeometry:
    """Convert a geometry from the canvas's display CRS to the layer's CRS."""
    t = transformer(canvas.crs, layer_crs(layer))
    return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def to_display(geom: BaseGeometry, canvas: MapCanvas, layer: Layer) -> BaseGeometry:
    """Convert a geometry from the layer's CRS to the canvas's display CRS."""
    t = transformer(layer_crs(layer), canvas.crs)
    return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def town_initial(window: WindowApi, layer: Layer, geom: BaseGeometry) -> dict[str, Any]:
    """Return {"town": name} for a new feature of a layer with a 所属镇 field, from the town
    (the project's towns layer) that holds the feature's point, the middle of its line or a
    point inside its polygon; {} where there is no such field, towns layer or town.

    ``geom`` is in the layer's CRS.
    """
    project = window.project
    schema = layer.schema
    if project is None or schema is None or "town" not in {f.name for f in schema.fields}:
        return {}
    towns = project.layers_of_kind("towns")
    if not towns or towns[-1].data.crs is None or "name" not in towns[-1].data.columns:
        return {}
    data = towns[-1].data
    if geom.geom_type in ("LineString", "MultiLineString"):
        point = shapely.line_interpolate_point(geom, 0.5, normalized=True)
    else:
        point = geom if geom.geom_type == "Point" else geom.point_on_surface()
    t = transformer(layer_crs(layer), data.crs)
    x, y = t.transform(point.x, point.y)
    hits = np.flatnonzero(data.geometry.covers(shapely.Point(x, y)).to_numpy())
    return {"town": str(data["name"].iloc[int(hits[0])])} if len(hits) else {}


def _fmt_length(m: float) -> str:
    return MapCanvas.format_length(m)


def _fmt_area(m2: float) -> str:
    return MapCanvas.format_area(m2)


class EditTool(CanvasTool):
    """Shared parts of the editing tools: the layer, snapping, drawing the snap marker."""

    on_layer = True

    def __init__(self, window: WindowApi) -> None:
        super().__init__(window.canvas)
        self.window = window
        self.snapper: Snapper = window.snapper
        self.cursor: tuple[float, float] | None = None
        self.snap_hit: SnapResult | None = None

    def layer(self) -> Layer | None:
        """The current layer, or None (with a hint in the status bar)."""
        layer = self.window.current_layer()
        if layer is None:
            self.window.status(tr("请先在图层列表中选择要编辑的图层。", "Choose a layer first."))
        return layer

    def feature_at(self, event: QMouseEvent, layer: Layer, missing: tuple[str, str]) -> int | None:
        """The row of ``layer``'s feature under the cursor; None, saying ``missing``, if none."""
        pos = event.position()
        hits = self.canvas.features_at(pos.x(), pos.y(), layer.name)
        if len(hits) == 0:
            self.window.status(tr(*missing))
            return None
        return int(hits[0])

    def position(
        self, event: QMouseEvent, *, exclude: tuple[str, int] | None = None
    ) -> tuple[float, float]:
        """The map position of an event (display metres), snapped when a target is near."""
        pos = event.position()
        x, y = self.canvas.viewport.to_map(pos.x(), pos.y())
        self.snap_hit = self.snapper.snap(x, y, exclude=exclude)
        if self.snap_hit is not None:
            return self.snap_hit.x, self.snap_hit.y
        return x, y

    def move(self, event: QMouseEvent) -> None:
        """Follow the cursor (and its snap target)."""
        self.cursor = self.position(event)

    def deactivate(self) -> None:
        """Forget the cursor."""
        self.cursor = None
        self.snap_hit = None

    def pixel(self, x: float, y: float) -> QPointF:
        """A map position (display metres) as a widget pixel."""
        px, py = self.canvas.viewport.to_pixels(np.array([[x, y]]))[0]
        return QPointF(float(px), float(py))

    def paint_snap(self, painter: QPainter) -> None:
        """Draw the snap target: a square on a vertex, a diamond on a segment."""
        hit = self.snap_hit
        if hit is None:
            return
        p = self.pixel(hit.x, hit.y)
        if hit.kind == "vertex":
            painter.setPen(QPen(_SNAP_VERTEX, 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(p.x() - 6, p.y() - 6, 12, 12))
        else:
            painter.setPen(QPen(_SNAP_SEGMENT, 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            diamond = QPolygonF(
                [
                    QPointF(p.x(), p.y() - 7),
                    QPointF(p.x() + 7, p.y()),
                    QPointF(p.x(), p.y() + 7),
                    QPointF(p.x() - 7, p.y()),
                ]
            )
            painter.drawPolygon(diamond)

    def paint_text(self, painter: QPainter, text: str) -> None:
        """Draw a measurement next to the cursor, on a white box."""
        if self.cursor is None or not text:
            return
        p = self.pixel(*self.cursor)
        metrics = painter.fontMetrics()
        rect = metrics.boundingRect(text).adjusted(-4, -2, 4, 2)
        rect.moveTopLeft(QPointF(p.x() + 14, p.y() + 14).toPoint())
        painter.setPen(QPen(QColor("#404040"), 1))
        painter.setBrush(QColor(255, 255, 255, 230))
        painter.drawRect(rect)
        painter.setPen(QColor("#000000"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def paint_geometry(self, painter: QPainter, geom: BaseGeometry, colour: QColor) -> None:
        """Outline a display-CRS geometry (and mark its vertices)."""
        painter.setPen(QPen(colour, 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        family = _FAMILY.get(geom.geom_type)
        if family == "point":
            for x, y in shapely.get_coordinates(geom):
                painter.drawEllipse(self.pixel(x, y), 6, 6)
            return
        parts = shapely.get_parts(shapely.boundary(geom) if family == "polygon" else geom)
        for part in shapely.get_parts(parts):
            coords = shapely.get_coordinates(part)
            pts = self.canvas.viewport.to_pixels(coords)
            painter.drawPolyline(QPolygonF([QPointF(float(x), float(y)) for x, y in pts]))


class AddFeatureTool(EditTool):
    """Digitise a new point, line or polygon on the current layer, then fill its form."""

    name_zh, name_en = "添加要素", "Add feature"

    def __init__(self, window: WindowApi, values: ValuesProvider | None = None) -> None:
        super().__init__(window)
        self.vertices: list[tuple[float, float]] = []
        self.values = values or window.feature_values

    def _family(self) -> tuple[Layer, str] | None:
        layer = self.layer()
        if layer is None:
            return None
        family = geometry_family(layer)
        if family is None:
            self.window.status(
                tr("无法确定该图层的几何类型。", "The layer's geometry type is unknown.")
            )
            return None
        return layer, family

    def press(self, event: QMouseEvent) -> None:
        """Left: place a vertex (or the point); right: finish the line or polygon."""
        found = self._family()
        if found is None:
            return
        layer, family = found
        if event.button() == Qt.MouseButton.RightButton:
            self.finish()
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        x, y = self.position(event)
        if family == "point":
            self._create(layer, shapely.Point(x, y))
            return
        if not self.vertices or self.vertices[-1] != (x, y):
            self.vertices.append((x, y))
        self._report(family)

    def double_click(self, event: QMouseEvent) -> None:
        """Finish the sketch (its first click already placed the last vertex)."""
        self.finish()

    def key(self, event: QKeyEvent) -> bool:
        """Enter finishes, Backspace removes the last vertex, Escape drops the sketch."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish()
            return True
        if event.key() == Qt.Key.Key_Backspace and self.vertices:
            self.vertices.pop()
            return True
        if event.key() == Qt.Key.Key_Escape and self.vertices:
            self.vertices.clear()
            self.window.status(tr("已放弃正在绘制的要素。", "Sketch dropped."))
            return True
        return False

    def move(self, event: QMouseEvent) -> None:
        """Follow the cursor and report the length or area so far."""
        super().move(event)
        found = self.sketch_family()
        if self.vertices and found:
            self._report(found)

    def sketch_family(self) -> str | None:
        """What the sketch draws: the current layer's geometry type."""
        current = self.window.current_layer()
        return geometry_family(current) if current is not None else None

    def sketch(self, *, with_cursor: bool = True) -> list[tuple[float, float]]:
        """The vertices placed so far (and the cursor as the next one)."""
        pts = list(self.vertices)
        if with_cursor and self.cursor is not None and pts:
            pts.append(self.cursor)
        return pts

    def measure_text(self, family: str) -> str:
        """Length (lines) or area and perimeter (polygons) of the sketch, in metres."""
        pts = self.sketch()
        if family == "line" and len(pts) >= 2:
            return tr("长度 ", "Length ") + _fmt_length(shapely.LineString(pts).length)
        if family == "polygon" and len(pts) >= 3:
            poly = shapely.Polygon(pts)
            return tr("面积 ", "Area ") + _fmt_area(abs(poly.area))
        if family == "polygon" and len(pts) == 2:
            return tr("边长 ", "Side ") + _fmt_length(shapely.LineString(pts).length)
        return ""

    def _report(self, family: str) -> None:
        text = self.measure_text(family)
        if text:
            self.window.status(text)

    def finish(self) -> None:
        """Turn the sketch into a feature (needs 2 vertices for a line, 3 for a polygon)."""
        found = self._family()
        if found is None or not self.vertices:
            return
        layer, family = found
        pts = list(self.vertices)
        if family == "line":
            if len(pts) < 2:
                self.window.status(tr("线至少需要两个点。", "A line needs two points."))
                return
            geom: BaseGeometry = shapely.LineString(pts)
        else:
            if len(pts) < 3:
                self.window.status(tr("面至少需要三个点。", "A polygon needs three points."))
                return
            geom = shapely.Polygon(pts)
        if self._create(layer, geom):
            self.vertices.clear()

    def _create(self, layer: Layer, geom_display: BaseGeometry) -> bool:
        try:
            geom = to_layer(geom_display, self.canvas, layer)
        except GisdeskError as exc:
            self.window.status(exc.message(language()))
            return False
        values = self.values(layer, town_initial(self.window, layer, geom))
        if values is None:  # the form was cancelled: the sketch goes too (QGIS does the same)
            self.vertices.clear()
            self.canvas.update()
            self.window.status(tr("已取消添加要素。", "Adding the feature was cancelled."))
            return False
        fid = self.window.edits.add_feature(layer.name, geom, values)
        return fid is not None

    def deactivate(self) -> None:
        """Drop an unfinished sketch."""
        super().deactivate()
        self.vertices.clear()

    def paint(self, painter: QPainter) -> None:
        """The sketch, its measurement and the snap target."""
        family = self.sketch_family()
        pts = self.sketch()
        if pts:
            pix = self.canvas.viewport.to_pixels(np.array(pts))
            poly = QPolygonF([QPointF(float(x), float(y)) for x, y in pix])
            painter.setPen(QPen(_SKETCH, 2, Qt.PenStyle.DashLine))
            if family == "polygon" and len(pts) >= 3:
                painter.setBrush(QColor(230, 0, 126, 40))
                painter.drawPolygon(poly)
            else:
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawPolyline(poly)
            painter.setBrush(_SKETCH)
            painter.setPen(QPen(QColor("#ffffff"), 1))
            for x, y in pix[: len(self.vertices)]:
                painter.drawRect(QRectF(float(x) - 3, float(y) - 3, 6, 6))
        self.paint_snap(painter)
        if family in ("line", "polygon"):
            self.paint_text(painter, self.measure_text(family))


class MoveFeatureTool(EditTool):
    """Drag a feature of the current layer to a new place."""

    name_zh, name_en = "移动要素", "Move feature"

    def __init__(self, window: WindowApi) -> None:
        super().__init__(window)
        self.row: int | None = None
        self.start: tuple[float, float] | None = None

    def press(self, event: QMouseEvent) -> None:
        """Pick the feature under the cursor."""
        layer = self.layer()
        if layer is None or event.button() != Qt.MouseButton.LeftButton:
            return
        row = self.feature_at(event, layer, ("此处没有要素。", "No feature here."))
        if row is None:
            return
        self.row = row
        pos = event.position()
        self.start = self.canvas.viewport.to_map(pos.x(), pos.y())

    def release(self, event: QMouseEvent) -> None:
        """Move the picked feature by the drag (its end snapped)."""
        layer = self.window.current_layer()
        if layer is None or self.row is None or self.start is None:
            return
        row, start = self.row, self.start
        self.row = self.start = None
        x, y = self.position(event, exclude=(layer.name, row))
        dx, dy = x - start[0], y - start[1]
        if abs(dx) + abs(dy) < self.canvas.viewport.resolution:
            return
        prep = self.canvas.prepared(layer.name)
        assert prep is not None
        moved = translate(prep.geoms[row], dx, dy)
        self.window.edits.update_feature(
            layer.name,
            layer.fid_at(row),
            {GEOMETRY: to_layer(moved, self.canvas, layer)},
            label=(f"移动要素（{layer.title}）", f"Move feature ({layer.title})"),
        )

    def move(self, event: QMouseEvent) -> None:
        """Follow the drag."""
        layer = self.window.current_layer()
        exclude = (layer.name, self.row) if layer is not None and self.row is not None else None
        self.cursor = self.position(event, exclude=exclude)
        if self.start is not None and self.cursor is not None:
            d = np.hypot(self.cursor[0] - self.start[0], self.cursor[1] - self.start[1])
            self.window.status(tr("移动 ", "Move ") + _fmt_length(float(d)))

    def paint(self, painter: QPainter) -> None:
        """The feature at its new place while dragging."""
        layer = self.window.current_layer()
        if layer is not None and self.row is not None and self.start and self.cursor:
            prep = self.canvas.prepared(layer.name)
            if prep is not None and self.row < len(prep):
                dx, dy = self.cursor[0] - self.start[0], self.cursor[1] - self.start[1]
                self.paint_geometry(painter, translate(prep.geoms[self.row], dx, dy), _SKETCH)
        self.paint_snap(painter)


class VertexTool(EditTool):
    """Move, add and delete vertices of the feature under the cursor."""

    name_zh, name_en = "编辑节点", "Edit vertices"

    def __init__(self, window: WindowApi) -> None:
        super().__init__(window)
        self.row: int | None = None  # the feature whose vertices are shown
        self.vertex: int | None = None  # the vertex being dragged
        self.hover: int | None = None

    def _geom(self, layer: Layer, row: int) -> BaseGeometry:
        prep = self.canvas.prepared(layer.name)
        assert prep is not None
        return prep.geoms[row]  # type: ignore[no-any-return]

    def _vertex_at(self, layer: Layer, event: QMouseEvent) -> tuple[int, int | None] | None:
        pos = event.position()
        hits = self.canvas.features_at(pos.x(), pos.y(), layer.name)
        if self.row is not None and self.row < len(layer):
            hits = np.concatenate([[self.row], hits])
        if len(hits) == 0:
            return None
        x, y = self.canvas.viewport.to_map(pos.x(), pos.y())
        tol = VERTEX_TOLERANCE_PX * self.canvas.viewport.resolution
        for row in hits:
            index, dist = nearest_vertex(self._geom(layer, int(row)), x, y)
            if dist <= tol:
                return int(row), index
        return int(hits[0]), None

    def press(self, event: QMouseEvent) -> None:
        """Left on a vertex starts a drag; right on a vertex deletes it."""
        layer = self.layer()
        if layer is None:
            return
        found = self._vertex_at(layer, event)
        if found is None:
            self.row = None
            return
        self.row, index = found
        if index is None:
            return
        if event.button() == Qt.MouseButton.RightButton:
            self._delete(layer, self.row, index)
        elif event.button() == Qt.MouseButton.LeftButton:
            self.vertex = index

    def release(self, event: QMouseEvent) -> None:
        """Drop the dragged vertex where the (snapped) cursor is."""
        layer = self.window.current_layer()
        if layer is None or self.row is None or self.vertex is None:
            return
        index, self.vertex = self.vertex, None
        x, y = self.position(event, exclude=(layer.name, self.row))
        geom = self._geom(layer, self.row)
        old = shapely.get_coordinates(geom)[index]
        if np.hypot(old[0] - x, old[1] - y) < self.canvas.viewport.resolution:
            return
        self._store(layer, self.row, move_vertex(geom, index, x, y), ("移动节点", "Move vertex"))

    def double_click(self, event: QMouseEvent) -> None:
        """Add a vertex on the nearest segment."""
        layer = self.window.current_layer()
        if layer is None or self.row is None:
            return
        x, y = self.canvas.viewport.to_map(event.position().x(), event.position().y())
        try:
            geom, _index = insert_vertex(self._geom(layer, self.row), x, y)
        except GisdeskError as exc:
            self.window.status(exc.message(language()))
            return
        self._store(layer, self.row, geom, ("添加节点", "Add vertex"))

    def key(self, event: QKeyEvent) -> bool:
        """Delete removes the hovered vertex."""
        layer = self.window.current_layer()
        deleting = event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
        if deleting and layer is not None and self.row is not None and self.hover is not None:
            self._delete(layer, self.row, self.hover)
            return True
        return False

    def move(self, event: QMouseEvent) -> None:
        """Highlight the vertex under the cursor; follow a drag."""
        layer = self.window.current_layer()
        exclude = (layer.name, self.row) if layer is not None and self.row is not None else None
        self.cursor = self.position(event, exclude=exclude if self.vertex is not None else None)
        if layer is not None and self.vertex is None:
            found = self._vertex_at(layer, event)
            self.hover = found[1] if found is not None and found[0] == self.row else None

    def _delete(self, layer: Layer, row: int, index: int) -> None:
        try:
            geom = delete_vertex(self._geom(layer, row), index)
        except GisdeskError as exc:
            self.window.status(exc.message(language()))
            return
        self.hover = None
        self._store(layer, row, geom, ("删除节点", "Delete vertex"))

    def _store(self, layer: Layer, row: int, geom: BaseGeometry, what: tuple[str, str]) -> None:
        self.window.edits.update_feature(
            layer.name,
            layer.fid_at(row),
            {GEOMETRY: to_layer(geom, self.canvas, layer)},
            label=(f"{what[0]}（{layer.title}）", f"{what[1]} ({layer.title})"),
        )

    def deactivate(self) -> None:
        """Forget the feature."""
        super().deactivate()
        self.row = self.vertex = self.hover = None

    def paint(self, painter: QPainter) -> None:
        """The feature's vertices; the dragged vertex at the cursor."""
        layer = self.window.current_layer()
        if layer is None or self.row is None or self.row >= len(layer):
            return
        geom = self._geom(layer, self.row)
        if self.vertex is not None and self.cursor is not None:
            geom = move_vertex(geom, self.vertex, *self.cursor)
            self.paint_geometry(painter, geom, _SKETCH)
        coords = shapely.get_coordinates(geom)
        pix = self.canvas.viewport.to_pixels(coords)
        for i, (x, y) in enumerate(pix):
            hot = i in (self.hover, self.vertex)
            painter.setPen(QPen(QColor("#000000"), 1))
            painter.setBrush(QColor("#ff0000") if hot else QColor("#ffffff"))
            size = 9 if hot else 7
            painter.drawRect(QRectF(float(x) - size / 2, float(y) - size / 2, size, size))
        self.paint_snap(painter)


class SplitLineTool(EditTool):
    """Split a line of the current layer in two where it is clicked."""

    name_zh, name_en = "打断线", "Split line"

    def press(self, event: QMouseEvent) -> None:
        """Split the line under the cursor at the (snapped) click."""
        layer = self.layer()
        if layer is None or event.button() != Qt.MouseButton.LeftButton:
            return
        if geometry_family(layer) != "line":
            self.window.status(tr("只有线图层可以打断。", "Only line layers can be split."))
            return
        row = self.feature_at(event, layer, ("此处没有线要素。", "No line here."))
        if row is None:
            return
        x, y = self.position(event)
        prep = self.canvas.prepared(layer.name)
        assert prep is not None
        try:
            first, second = split_line(prep.geoms[row], x, y)
        except GisdeskError as exc:
            self.window.status(exc.message(language()))
            return
        split_feature(self.window, layer, row, first, second)

    def paint(self, painter: QPainter) -> None:
        """The snap target."""
        self.paint_snap(painter)


def split_feature(
    window: WindowApi, layer: Layer, row: int, first: BaseGeometry, second: BaseGeometry
) -> None:
    """Store a split: the feature keeps the first piece, a copy takes the second (one step)."""
    canvas = window.canvas
    fid = layer.fid_at(row)
    values = row_values(layer, row)
    old = values.pop(GEOMETRY)
    new_fid = layer.next_fid()
    changes = [
        FeatureChange(layer.name, fid, {GEOMETRY: old}, {GEOMETRY: to_layer(first, canvas, layer)}),
        FeatureChange(
            layer.name, new_fid, None, {**values, GEOMETRY: to_layer(second, canvas, layer)}
        ),
    ]
    window.edits.commit((f"打断线（{layer.title}）", f"Split line ({layer.title})"), changes)
