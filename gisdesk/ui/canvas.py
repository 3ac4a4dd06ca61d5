"""The map canvas: frames rendered off the GUI thread, instant pan/zoom from the last frame.

Every view change is shown at once by drawing the last finished frame moved and scaled to
the new view; a new frame is requested after a short pause and replaces it when it
arrives. A frame still being drawn for an older view is cancelled.

Why one module (over 700 lines): :class:`MapCanvas` is one state machine (the frame shown,
the frame being drawn, the view asked for, the active tool) that its paint, mouse, wheel and
key handlers all read and change; split up, each part would reach into the others' state.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from gisdesk.core.crs import METRIC_CRS, STORAGE_CRS, metric_crs_for_frames, transformer
from gisdesk.core.layer import Layer
from gisdesk.core.progress import CancelToken
from gisdesk.core.project import Project
from gisdesk.render.painter import DrawItem, RenderStats, render_map
from gisdesk.render.prepared import PreparedLayer, prepare_layer
from gisdesk.render.viewport import Viewport
from gisdesk.ui.workers import Task, run_task

__all__ = ["CanvasTool", "MapCanvas"]

RENDER_DELAY_MS = 120
PICK_TOLERANCE_PX = 5.0
_HIGHLIGHT = QColor("#ff00a0")  # the identified feature, over any map colour
_HIGHLIGHT_HALO = QColor(255, 255, 255, 220)
_HIGHLIGHT_FILL = QColor(255, 0, 160, 50)


class CanvasTool:
    """What the mouse and keys do on the map: one tool is active at a time.

    The canvas hands the active tool every press, move, release, double-click and key
    event and lets it draw over the map in :meth:`paint`. Wheel zoom, the middle button and
    arrow keys keep moving the map whatever the tool. This base class does nothing: it is
    the canvas's tool until the window chooses one (navigation tools are in
    :mod:`gisdesk.ui.tools.navigation`, editing tools in :mod:`gisdesk.ui.digitize`).
    """

    name_zh = ""
    name_en = ""
    on_layer = False  # True: the tool works on the current layer (the status bar names it)

    def __init__(self, canvas: MapCanvas) -> None:
        self.canvas = canvas

    def press(self, event: QMouseEvent) -> None:
        """A mouse button went down."""

    def move(self, event: QMouseEvent) -> None:
        """The mouse moved (buttons up or down)."""

    def release(self, event: QMouseEvent) -> None:
        """A mouse button came up."""

    def double_click(self, event: QMouseEvent) -> None:
        """A double click."""

    def key(self, event: QKeyEvent) -> bool:
        """A key; return True when the tool used it."""
        return False

    def paint(self, painter: QPainter) -> None:
        """Draw the tool's sketch over the map."""

    def deactivate(self) -> None:
        """The user chose another tool: drop unfinished work."""


@dataclass
class _Frame:
    image: QImage
    viewport: Viewport


def _unfilled(layer: Layer) -> bool:
    """Whether a layer's style fills none of its features (outlines only)."""
    style = layer.style
    if style is None:
        return False
    symbols = [c.symbol for c in style.classes] or [style.symbol]
    if style.default is not None:
        symbols.append(style.default)
    return all(symbol.fill is None for symbol in symbols)


def display_crs_for(project: Project) -> CRS:
    """Return the metric CRS the project is drawn in (EPSG:4549 for Haimen)."""
    return metric_crs_for_frames(layer.data for layer in project)


def _redone(prep: PreparedLayer | None, layer: Layer, crs: CRS) -> PreparedLayer | None:
    """A layer prepared again when ``prep`` is missing or out of date (None: it is current).

    Changed data means projecting and indexing it again; a changed style only restyles.
    """
    if prep is None or prep.revision != layer.revision:
        return prepare_layer(layer, crs)
    if prep.style is not layer.style:
        return prep.restyled(layer.style, layer.data)
    return None


def _render_frame(
    viewport: Viewport,
    layers: list[Layer],
    prepared: dict[str, PreparedLayer],
    crs: CRS,
    ratio: float,
    *,
    progress: object = None,
    cancel: CancelToken | None = None,
) -> tuple[QImage, Viewport, dict[str, PreparedLayer], RenderStats]:
    """Prepare what is missing and paint one frame (runs in a worker thread)."""
    fresh: dict[str, PreparedLayer] = {}
    items = []
    for layer in layers:
        prep = prepared.get(layer.name)
        redone = _redone(prep, layer, crs)
        if redone is not None:
            prep = fresh[layer.name] = redone
        assert prep is not None
        items.append(DrawItem(prep, opacity=layer.opacity, selected=layer.selection))
    image = QImage(
        int(viewport.width * ratio),
        int(viewport.height * ratio),
        QImage.Format.Format_ARGB32_Premultiplied,
    )
    image.setDevicePixelRatio(ratio)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    try:
        painter.scale(ratio, ratio)
        stats = render_map(painter, viewport, items, cancel=cancel)
    finally:
        painter.end()
    return image, viewport, fresh, stats


class MapCanvas(QWidget):
    """The map widget.

    Signals
    -------
    view_changed(Viewport)
        The view moved (for the scale box and extent history).
    cursor_moved(float, float)
        The cursor's map position in the display CRS (metres).
    frame_rendered(object)
        A frame finished, with its :class:`RenderStats`.
    identified(list)
        Identify results: ``[(layer, row), ...]`` top layer first: only the topmost visible
        layer with a feature under the click, or every visible layer when
        :attr:`identify_all_layers` is set.
    measured(float, str)
        A measurement in metres or square metres with its kind ("length" / "area").
    """

    view_changed = Signal(object)
    cursor_moved = Signal(float, float)
    frame_rendered = Signal(object)
    identified = Signal(list)
    measured = Signal(float, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(200, 150)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.project: Project | None = None
        self.crs: CRS = METRIC_CRS
        self.viewport = Viewport(0.0, 0.0, 10.0, max(1, self.width()), max(1, self.height()))
        self.tool = CanvasTool(self)
        self._middle_start: QPointF | None = None
        self.current_layer: str | None = None
        self.background = QColor("#ffffff")
        # frames are sequential: one worker; a newer frame cancels the older
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gisdesk-render")
        self._prepared: dict[str, PreparedLayer] = {}
        self._frame: _Frame | None = None
        self._task: Task | None = None
        self._pending = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.refresh_now)
        self._drag_view: Viewport | None = None
        self._history: list[Viewport] = []
        self._history_pos = -1
        self._unsubscribe: list[Callable[[], None]] = []
        self.last_stats: RenderStats | None = None
        self.identify_all_layers = False
        self.highlight: tuple[str, int] | None = None  # (layer name, row) drawn over the map

    # --- project ----------------------------------------------------------------------

    def set_project(self, project: Project | None) -> None:
        """Show a project (or nothing), fitted to its full extent."""
        for off in self._unsubscribe:
            off()
        self._unsubscribe = []
        self.project = project
        self._prepared.clear()
        self._frame = None
        self.highlight = None
        self._history.clear()
        self._history_pos = -1
        if project is None:
            self.update()
            return
        self.crs = display_crs_for(project)
        self._unsubscribe.append(project.layers_changed.connect(lambda *_: self.refresh()))
        self._unsubscribe.append(project.layer_changed.connect(self._on_layer_changed))
        self.zoom_full()

    def _on_layer_changed(self, layer: Layer, reason: str) -> None:
        if reason == "data":
            self._prepared.pop(layer.name, None)
            if self.highlight is not None and self.highlight[0] == layer.name:
                self.highlight = None  # its row may now be another feature
        self.refresh()

    def visible_layers(self) -> list[Layer]:
        """Return the project's visible layers, bottom to top."""
        return [layer for layer in (self.project or []) if layer.visible]

    def prepared(self, name: str) -> PreparedLayer | None:
        """Return the prepared (projected, indexed) form of a layer, preparing it if needed."""
        if self.project is None or name not in self.project:
            return None
        prep = self._prepared.get(name)
        redone = _redone(prep, self.project.layer(name), self.crs)
        if redone is not None:
            prep = self._prepared[name] = redone
        return prep

    # --- extents ----------------------------------------------------------------------

    def layer_extent(self, name: str) -> tuple[float, float, float, float] | None:
        """Return a layer's extent in display metres (None when empty)."""
        prep = self.prepared(name)
        if prep is None or not np.all(np.isfinite(prep.bounds)):
            return None
        return prep.bounds

    def full_extent(self) -> tuple[float, float, float, float] | None:
        """Return the extent of all layers."""
        extents = [
            e
            for e in (self.layer_extent(layer.name) for layer in (self.project or []))
            if e is not None
        ]
        if not extents:
            return None
        arr = np.array(extents)
        return (
            float(arr[:, 0].min()),
            float(arr[:, 1].min()),
            float(arr[:, 2].max()),
            float(arr[:, 3].max()),
        )

    def set_viewport(self, viewport: Viewport, *, record: bool = True) -> None:
        """Show another view: instantly from the last frame, refined when rendered."""
        self.viewport = viewport.resized(max(1, self.width()), max(1, self.height()))
        if record:
            del self._history[self._history_pos + 1 :]
            self._history.append(self.viewport)
            self._history = self._history[-50:]
            self._history_pos = len(self._history) - 1
        self.view_changed.emit(self.viewport)
        self.update()
        self.refresh()

    def zoom_to_extent(self, extent: tuple[float, float, float, float] | None) -> None:
        """Fit the view to an extent in display metres."""
        if extent is None:
            return
        self.set_viewport(self.viewport.fitted(extent))

    def zoom_full(self) -> None:
        """Show all layers."""
        self.zoom_to_extent(self.full_extent())

    def zoom_to_layer(self, name: str) -> None:
        """Show a whole layer."""
        self.zoom_to_extent(self.layer_extent(name))

    def zoom_to_selection(self, name: str | None = None) -> None:
        """Show the selected features of a layer (default: the current layer)."""
        name = name or self.current_layer
        prep = self.prepared(name) if name else None
        if prep is None or self.project is None:
            return
        sel = self.project.layer(name).selection  # type: ignore[arg-type]
        if not len(sel):
            return
        b = shapely.total_bounds(prep.geoms[sel])
        pad = max(b[2] - b[0], b[3] - b[1], 200.0) * 0.1
        self.zoom_to_extent((b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad))

    def set_scale(self, scale: float) -> None:
        """Show the map at 1:scale around the same centre."""
        if scale > 0:
            self.set_viewport(self.viewport.with_scale(scale))

    def zoom_by(self, factor: float, anchor: tuple[float, float] | None = None) -> None:
        """Zoom in (factor > 1) or out around an anchor pixel."""
        self.set_viewport(self.viewport.zoomed(factor, anchor))

    def can_go_back(self) -> bool:
        """Whether there is a previous extent."""
        return self._history_pos > 0

    def can_go_forward(self) -> bool:
        """Whether there is a next extent."""
        return self._history_pos < len(self._history) - 1

    def previous_extent(self) -> None:
        """Go back to the previous extent."""
        if self.can_go_back():
            self._history_pos -= 1
            self.set_viewport(self._history[self._history_pos], record=False)

    def next_extent(self) -> None:
        """Go forward to the next extent."""
        if self.can_go_forward():
            self._history_pos += 1
            self.set_viewport(self._history[self._history_pos], record=False)

    # --- rendering ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Ask for a new frame after a short pause (coalescing quick changes)."""
        self._timer.start(RENDER_DELAY_MS)

    def refresh_now(self) -> None:
        """Start rendering a frame for the current view, cancelling an older one."""
        if self.project is None:
            return
        if self._task is not None:
            self._task.cancel()
        task = Task(
            _render_frame,
            self.viewport,
            self.visible_layers(),
            dict(self._prepared),
            self.crs,
            self.devicePixelRatioF(),
        )
        task.signals.finished.connect(self._on_frame)
        self._task = task
        run_task(task, self.pool)

    def _on_frame(
        self, result: tuple[QImage, Viewport, dict[str, PreparedLayer], RenderStats]
    ) -> None:
        image, viewport, fresh, stats = result
        for name, prep in fresh.items():
            if (
                self.project is not None
                and name in self.project
                and (self.project.layer(name).revision == prep.revision)
            ):
                self._prepared[name] = prep
        self._frame = _Frame(image, viewport)
        self.last_stats = stats
        self.update()
        self.frame_rendered.emit(stats)

    def wait_for_frame(self, timeout_ms: int = 20000) -> bool:
        """Block until pending frames are done (for tests and plate export)."""
        from PySide6.QtCore import QCoreApplication, QElapsedTimer

        clock = QElapsedTimer()
        clock.start()
        if self._timer.isActive():
            self._timer.stop()
            self.refresh_now()
        while clock.elapsed() < timeout_ms:
            QCoreApplication.processEvents()
            idle = (self._task is None or self._task.done()) and not self._timer.isActive()
            if idle and self._frame is not None and self._frame.viewport == self.viewport:
                QCoreApplication.processEvents()
                return True
            if self._task is not None and not self._task.done():
                with contextlib.suppress(TimeoutError):
                    self._task.wait(0.02)
        return False

    def shutdown(self) -> None:
        """Stop rendering and wait for the worker, so no frame arrives after the widget is gone."""
        self._timer.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(RuntimeError, TypeError):
                self._task.signals.finished.disconnect(self._on_frame)
            with contextlib.suppress(TimeoutError):
                self._task.wait(10.0)
        self._task = None
        self.pool.shutdown(wait=False)  # its thread ends; a later frame makes a new pool
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gisdesk-render")

    def closeEvent(self, event: QCloseEvent) -> None:
        """Finish the frame in flight before the widget goes away."""
        self.shutdown()
        super().closeEvent(event)

    def grab_frame(self) -> QImage | None:
        """Return the last rendered frame image."""
        return None if self._frame is None else self._frame.image

    # --- painting -----------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        """Draw the last frame moved and scaled to the current view, then the overlays."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.background)
        if self._frame is not None:
            src = self._frame.viewport
            dst = self.viewport
            k = src.resolution / dst.resolution
            sx0, _sy0, _sx1, sy1 = src.extent
            dx0, _dy0, _dx1, dy1 = dst.extent
            left = (sx0 - dx0) / dst.resolution
            top = (dy1 - sy1) / dst.resolution
            target = QRectF(left, top, src.width * k, src.height * k)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, bool(k != 1.0))
            painter.drawImage(target, self._frame.image)
        self._paint_highlight(painter)
        self.tool.paint(painter)
        painter.end()

    def set_highlight(self, name: str | None, row: int | None = None) -> None:
        """Draw one feature (a layer's row) highlighted over the map; None clears it."""
        self.highlight = None if name is None or row is None else (name, int(row))
        self.update()

    def _paint_highlight(self, painter: QPainter) -> None:
        """Outline the highlighted feature twice (white halo, then colour) over the frame."""
        if self.highlight is None or self.project is None:
            return
        name, row = self.highlight
        layer = self.project.layer(name) if name in self.project else None
        prep = self.prepared(name) if layer is not None and layer.visible else None
        if prep is None or not 0 <= row < len(prep):
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for part in shapely.get_parts(prep.geoms[row]):
            kind = shapely.get_type_id(part)
            if kind == 0:  # a point: a ring around it
                px, py = self.viewport.to_pixels(shapely.get_coordinates(part))[0]
                for pen in (QPen(_HIGHLIGHT_HALO, 6), QPen(_HIGHLIGHT, 3)):
                    painter.setPen(pen)
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.drawEllipse(QPointF(float(px), float(py)), 9.0, 9.0)
                continue
            polygon = kind == 3
            rings = [part.exterior, *part.interiors] if polygon else [part]
            for i, ring in enumerate(rings):
                pts = self.viewport.to_pixels(shapely.get_coordinates(ring))
                line = QPolygonF([QPointF(float(x), float(y)) for x, y in pts])
                if polygon and i == 0:
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.setBrush(_HIGHLIGHT_FILL)
                    painter.drawPolygon(line)
                for pen in (QPen(_HIGHLIGHT_HALO, 6), QPen(_HIGHLIGHT, 3)):
                    painter.setPen(pen)
                    painter.drawPolyline(line)
        painter.restore()

    # --- input --------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the centre and resolution; render for the new size."""
        self.viewport = self.viewport.resized(max(1, self.width()), max(1, self.height()))
        self.view_changed.emit(self.viewport)
        self.refresh()
        super().resizeEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Zoom around the cursor: one notch is a factor of 1.25."""
        steps = event.angleDelta().y() / 120.0
        if steps:
            pos = event.position()
            self.zoom_by(1.25**steps, (pos.x(), pos.y()))

    def set_tool(self, tool: CanvasTool) -> None:
        """Hand the mouse to a tool; the one it replaces drops its unfinished work."""
        if self.tool is not tool:
            self.tool.deactivate()
        self.tool = tool
        self.update()

    def begin_drag(self) -> None:
        """Remember the view a drag starts from (for :meth:`drag_to`)."""
        self._drag_view = self.viewport

    def drag_to(self, dx: float, dy: float, *, done: bool = False) -> None:
        """Show the view the drag started from moved by (dx, dy) pixels.

        While dragging only the last frame moves; ``done`` sets the view (and renders it).
        """
        if self._drag_view is None:
            return
        moved = self._drag_view.panned(dx, dy)
        if done:
            self._drag_view = None
            self.set_viewport(moved)
        else:
            self.viewport = moved
            self.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Arrow keys pan a quarter screen; +/- zoom; other keys go to the tool first."""
        if self.tool.key(event):
            self.update()
            return
        key = event.key()
        w, h = self.width() / 4.0, self.height() / 4.0
        moves: dict[int, tuple[float, float]] = {
            Qt.Key.Key_Left: (w, 0),
            Qt.Key.Key_Right: (-w, 0),
            Qt.Key.Key_Up: (0, h),
            Qt.Key.Key_Down: (0, -h),
        }
        if int(key) in moves:
            self.set_viewport(self.viewport.panned(*moves[int(key)]))
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(2.0)
        elif key == Qt.Key.Key_Minus:
            self.zoom_by(0.5)
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """The middle button pans with any tool; other buttons go to the tool."""
        if event.button() == Qt.MouseButton.MiddleButton:
            self._middle_start = event.position()
            self.begin_drag()
            return
        self.tool.press(event)
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Report the cursor position; pan with the middle button, else tell the tool."""
        pos = event.position()
        self.cursor_moved.emit(*self.viewport.to_map(pos.x(), pos.y()))
        if self._middle_start is not None:
            delta = pos - self._middle_start
            self.drag_to(delta.x(), delta.y())
            return
        self.tool.move(event)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """Finish a middle-button pan, else tell the tool."""
        if event.button() == Qt.MouseButton.MiddleButton and self._middle_start is not None:
            delta = event.position() - self._middle_start
            self._middle_start = None
            self.drag_to(delta.x(), delta.y(), done=True)
            return
        self.tool.release(event)
        self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """Tell the tool (a measurement or a sketch ends)."""
        self.tool.double_click(event)
        self.update()

    # --- identify / select / measure ------------------------------------------------------

    def features_at(self, px: float, py: float, name: str, *, as_drawn: bool = False) -> np.ndarray:
        """Return rows of a layer within the pick tolerance of a pixel, nearest first.

        ``as_drawn``: polygons drawn without a fill (the district outline) are met on their
        outline only, as the eye sees them, not anywhere inside.
        """
        prep = self.prepared(name)
        if prep is None or len(prep) == 0:
            return np.empty(0, dtype=np.intp)
        x, y = self.viewport.to_map(px, py)
        tol = PICK_TOLERANCE_PX * self.viewport.resolution
        point = shapely.Point(x, y)
        hits: np.ndarray = prep.tree.query(point, predicate="dwithin", distance=tol)
        if len(hits) == 0:
            return hits
        geoms = prep.geoms[hits]
        if as_drawn and self.project is not None and _unfilled(self.project.layer(name)):
            areas = np.isin(shapely.get_type_id(geoms), (3, 6))  # Polygon, MultiPolygon
            geoms = np.where(areas, shapely.boundary(geoms), geoms)
        dist = shapely.distance(geoms, point)
        near = dist <= tol
        nearest_first: np.ndarray = hits[near][np.argsort(dist[near], kind="stable")]
        return nearest_first

    def identify_at(
        self, px: float, py: float, *, all_layers: bool | None = None
    ) -> list[tuple[Layer, int]]:
        """Return (layer, row) pairs under a pixel, top layer first, nearest first.

        Only the topmost visible layer with a feature there (as QGIS's "top down, stop at
        first"), unless ``all_layers`` (default :attr:`identify_all_layers`) asks for every
        visible layer; at most 10 features a layer.
        """
        every = self.identify_all_layers if all_layers is None else all_layers
        out: list[tuple[Layer, int]] = []
        for layer in reversed(self.visible_layers()):
            rows = self.features_at(px, py, layer.name, as_drawn=True)[:10]
            out.extend((layer, int(row)) for row in rows)
            if len(rows) and not every:
                break
        return out

    def _current(self) -> Layer | None:
        if self.project is None or self.current_layer not in self.project:
            return None
        return self.project.layer(self.current_layer)  # type: ignore[arg-type]

    def select_at(self, px: float, py: float, *, add: bool = False) -> None:
        """Select the nearest feature of the current layer under a pixel."""
        layer = self._current()
        if layer is None:
            return
        hits = self.features_at(px, py, layer.name)[:1]
        self._apply_selection(layer, hits, add=add)

    def select_in_box(
        self, extent: tuple[float, float, float, float], *, add: bool = False
    ) -> None:
        """Select the current layer's features meeting a box in display metres."""
        layer = self._current()
        prep = self.prepared(layer.name) if layer else None
        if layer is None or prep is None:
            return
        hits = prep.tree.query(shapely.box(*extent), predicate="intersects")
        self._apply_selection(layer, hits, add=add)

    def _apply_selection(self, layer: Layer, rows: np.ndarray, *, add: bool) -> None:
        if add:
            current = set(layer.selection.tolist())
            toggled = current.symmetric_difference(int(r) for r in rows)
            layer.set_selection(sorted(toggled))
        else:
            layer.set_selection(rows)

    def to_lonlat(self, x: float, y: float) -> tuple[float, float]:
        """Convert display metres to CGCS2000 longitude/latitude."""
        lon, lat = transformer(self.crs, STORAGE_CRS).transform(x, y)
        return float(lon), float(lat)

    def to_4549(self, x: float, y: float) -> tuple[float, float]:
        """Convert display metres to EPSG:4549 easting/northing."""
        if self.crs.equals(METRIC_CRS):
            return x, y
        e, n = transformer(self.crs, METRIC_CRS).transform(x, y)
        return float(e), float(n)

    @staticmethod
    def format_length(metres: float) -> str:
        """Return a length for people: metres below 1 km, kilometres above."""
        return f"{metres:,.1f} 米" if metres < 1000 else f"{metres / 1000:,.3f} 千米"

    @staticmethod
    def format_area(m2: float) -> str:
        """Return an area in square metres, hectares and mu (亩, the unit offices use)."""
        mu = m2 / (10000.0 / 15.0)
        if m2 < 10000:
            return f"{m2:,.1f} 平方米（{mu:,.2f} 亩）"
        return f"{m2 / 1e6:,.4f} 平方千米（{m2 / 1e4:,.2f} 公顷，{mu:,.1f} 亩）"

    def scale_text(self) -> str:
        """Return the current scale as 1:N."""
        return f"1:{round(self.viewport.scale):,}"

    @staticmethod
    def parse_scale(text: str) -> float | None:
        """Read "1:25000", "1：25,000" or "25000" into 25000.0 (None if unreadable)."""
        cleaned = text.replace("：", ":").replace(",", "").replace("，", "").strip()
        if ":" in cleaned:
            cleaned = cleaned.split(":", 1)[1]
        try:
            value = float(cleaned)
        except ValueError:
            return None
        return value if math.isfinite(value) and value > 0 else None
