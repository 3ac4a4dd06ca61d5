"""The road-stretch tool: click a stretch's two ends on the roads, get an accident segment.

Traffic police click where a stretch starts and where it ends; each click is snapped to the
road network (:mod:`gisdesk.analysis.road_stretch`). While the second end is chosen the
path along the network is drawn with its length in metres. The second click asks for the
segment's other attributes in the schema form, with the road name and the from/to stakes
filled in from the roads and shown read-only, and adds the segment to the accident-segments
layer (the current layer if it is one, else the project's first) as one undoable edit.
Right click or Escape drops the first end. The form proposes the segment number: the next
free one in the layer's numbering (HM-SG-07 after HM-SG-06), which the user may change.

Stakes can also be typed (编辑 → 按桩号输入事故多发路段…, or Enter while the tool is
active): :class:`StakeDialog` takes a road, two stakes (K16+600, 16.6, K16+600.5) and the
segment number, shows the stretch's length as it is typed and makes the segment along that
road's pieces through the same form.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from pyproj import CRS
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from shapely.geometry.base import BaseGeometry

from gisdesk.analysis.road_stretch import (
    NetworkPosition,
    RoadStretch,
    StretchFinder,
    format_stake,
    next_segment_id,
    parse_stake,
)
from gisdesk.core.crs import transformer
from gisdesk.core.errors import GisdeskError
from gisdesk.core.layer import Layer
from gisdesk.ui.actions import ActionSpec
from gisdesk.ui.digitize import EditTool
from gisdesk.ui.form_widgets import ok_cancel_buttons
from gisdesk.ui.i18n import language, tr
from gisdesk.ui.plain_text import make_plain

if TYPE_CHECKING:
    from gisdesk.ui.window_api import WindowApi

__all__ = ["RoadStretchTool", "StakeDialog", "install_road_stretch", "open_stake_dialog"]

TARGET_KIND = "accident_segments"
ROADS_KIND = "roads"
MIN_TOLERANCE_PX = 12.0
_PATH = QColor(230, 0, 126, 200)
_END = QColor("#e6007e")


def install_road_stretch(window: WindowApi) -> None:
    """Register the tool with the window and add its entry to the Edit menu."""
    window.tools["edit_road_stretch"] = RoadStretchTool
    window.registry.add(
        ActionSpec(
            "edit_road_stretch",
            "选取事故多发路段…",
            "Pick a road stretch…",
            "edit",
            "set_tool",
            None,
            None,
            "编辑",
            checkable=True,
            group="map_tools",
            args=("edit_road_stretch",),
            tip_zh="在道路上单击路段的起点和终点：沿路网生成事故多发路段，自动填写道路名称和起止桩号",
            tip_en="Click a stretch's two ends on the roads: it follows the road network and "
            "becomes an accident segment with road name and stakes filled in",
        )
    )
    window.registry.add(
        ActionSpec(
            "edit_road_stretch_stakes",
            "按桩号输入事故多发路段…",
            "Accident segment by stakes…",
            "edit",
            open_stake_dialog,
            None,
            None,
            None,
            args=(window,),
            tip_zh="选择道路并输入起止桩号（如 K16+600 → K21+700），生成事故多发路段",
            tip_en="Choose a road and type its from and to stakes (e.g. K16+600 → K21+700) "
            "to make an accident segment",
        )
    )


def open_stake_dialog(window: WindowApi) -> bool:
    """Ask for a road and two stakes and add the segment; True when one was added."""
    dialog = StakeDialog(window)
    try:
        return dialog.exec() == QDialog.DialogCode.Accepted and dialog.added
    finally:
        dialog.deleteLater()


def _metres(value: float) -> str:
    return f"{value:,.0f} 米" if language() == "zh" else f"{value:,.0f} m"


def _takes_read_only(provider: Callable[..., Any]) -> bool:
    try:
        return "read_only" in inspect.signature(provider).parameters
    except (TypeError, ValueError):
        return False


class RoadStretchTool(EditTool):
    """Pick an accident-prone stretch by its two ends; it follows the road network."""

    name_zh, name_en = "选取事故多发路段", "Pick a road stretch"
    on_layer = False  # it works on the accident-segments layer, whatever layer is current

    def __init__(self, window: WindowApi, *, announce: bool = True) -> None:
        super().__init__(window)
        self.start: NetworkPosition | None = None
        self.preview: RoadStretch | None = None
        self.preview_display: BaseGeometry | None = None
        self.hover: NetworkPosition | None = None
        self.problem = ""
        self._finder: tuple[tuple[str, int, int], StretchFinder] | None = None
        if announce:
            self.window.status(self.target_text())

    def target_text(self) -> str:
        """The tool's name and the layer the stretch goes to, for the status bar."""
        name = tr(self.name_zh, self.name_en)
        layer = self.target_layer()
        if layer is None:
            return tr(
                f"{name}：项目中没有事故多发路段图层",
                f"{name}: the project has no accident-segments layer",
            )
        return tr(
            f"{name}：{layer.title}（单击起点和终点；Enter 按桩号输入）",
            f"{name}: {layer.title} (click both ends; Enter to type stakes)",
        )

    # --- layers and the prepared network -----------------------------------------------

    def roads_layer(self) -> Layer | None:
        """The road layer the stretch follows (the top-most roads layer)."""
        project = self.window.project
        if project is None:
            return None
        found = project.layers_of_kind(ROADS_KIND)
        if not found and ROADS_KIND in project:
            found = [project.layer(ROADS_KIND)]
        return found[-1] if found else None

    def target_layer(self) -> Layer | None:
        """The accident-segments layer that takes the stretch."""
        current = self.window.current_layer()
        if current is not None and current.kind == TARGET_KIND:
            return current
        project = self.window.project
        found = project.layers_of_kind(TARGET_KIND) if project is not None else []
        return found[-1] if found else None

    def finder(self) -> StretchFinder | None:
        """The road network prepared for the current roads (rebuilt after road edits)."""
        roads = self.roads_layer()
        if roads is None:
            self._say(
                tr(
                    "项目中没有道路图层，无法沿路网选取路段。",
                    "The project has no road layer to follow.",
                )
            )
            return None
        key = (roads.name, roads.revision, id(roads.data))
        if self._finder is None or self._finder[0] != key:
            self.window.status(tr("正在准备路网…", "Preparing the road network…"))
            try:
                self._finder = (key, StretchFinder(roads.data))
            except GisdeskError as exc:
                self._say(exc.message(language()))
                return None
        return self._finder[1]

    def _say(self, text: str) -> None:
        self.problem = text
        self.window.status(text)

    def _to_network(self, finder: StretchFinder) -> Callable[[float, float], tuple[float, float]]:
        if CRS.from_user_input(self.canvas.crs).equals(finder.crs):
            return lambda x, y: (x, y)
        t = transformer(self.canvas.crs, finder.crs)
        return lambda x, y: tuple(float(v) for v in t.transform(x, y))  # type: ignore[return-value]

    def _from_network(self, geom: BaseGeometry, finder: StretchFinder, crs: Any) -> BaseGeometry:
        if CRS.from_user_input(crs).equals(finder.crs):
            return geom
        t = transformer(finder.crs, crs)
        return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))

    def locate(self, event: QMouseEvent) -> NetworkPosition:
        """Snap an event to the road network (raises an InputError off the roads)."""
        finder = self.finder()
        if finder is None:
            raise GisdeskError(self.problem, self.problem)
        roads = self.roads_layer()
        pos = event.position()
        x, y = self.canvas.viewport.to_map(pos.x(), pos.y())
        snapped = self.position(event)  # a road vertex (junction) wins when the snapper has one
        if self.snap_hit is not None and roads is not None and self.snap_hit.layer == roads.name:
            x, y = snapped
        self.cursor = (x, y)
        nx, ny = self._to_network(finder)(x, y)
        tolerance = (
            max(self.snapper.tolerance_px, MIN_TOLERANCE_PX) * self.canvas.viewport.resolution
        )
        return finder.locate(nx, ny, max_distance_m=tolerance)

    # --- mouse and keys ---------------------------------------------------------------

    def press(self, event: QMouseEvent) -> None:
        """Left: place the first end, then the second (which creates the segment)."""
        if event.button() == Qt.MouseButton.RightButton:
            self.reset(tr("已取消选取路段。", "Stretch dropped."))
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        try:
            position = self.locate(event)
            if self.start is None:
                self.start = position
                self.problem = ""
                self.window.status(self._start_text(position))
                return
            finder = self.finder()
            assert finder is not None
            stretch = finder.stretch(self.start, position)
        except GisdeskError as exc:
            self._say(exc.message(language()))
            return
        self.create(stretch)
        self.reset(keep_status=True)  # added, refused or cancelled: the next click starts anew

    def move(self, event: QMouseEvent) -> None:
        """Preview the stretch from the first end to the cursor, with its length."""
        self.preview = self.preview_display = self.hover = None
        try:
            self.hover = self.locate(event)
            self.problem = ""
            if self.start is None:
                return
            finder = self.finder()
            assert finder is not None
            self.preview = finder.stretch(self.start, self.hover)
            self.preview_display = self._from_network(
                self.preview.geometry, finder, self.canvas.crs
            )
        except GisdeskError as exc:
            self.problem = exc.message(language()) if self.start is not None else ""
            return
        self.window.status(self.describe(self.preview))

    def key(self, event: QKeyEvent) -> bool:
        """Escape drops the first end; Enter asks for the stakes instead."""
        if event.key() == Qt.Key.Key_Escape and self.start is not None:
            self.reset(tr("已取消选取路段。", "Stretch dropped."))
            return True
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.reset()
            open_stake_dialog(self.window)
            return True
        return False

    def reset(self, message: str = "", *, keep_status: bool = False) -> None:
        """Forget the first end and the preview."""
        self.start = None
        self.preview = self.preview_display = None
        self.problem = ""
        if message and not keep_status:
            self.window.status(message)

    def deactivate(self) -> None:
        """Drop an unfinished stretch."""
        super().deactivate()
        self.reset()
        self.hover = None

    # --- texts ------------------------------------------------------------------------

    def _start_text(self, position: NetworkPosition) -> str:
        finder = self.finder()
        where = ""
        if finder is not None:
            row = int(finder.network.edge_road[position.edge])
            name = finder.road_name[row]
            where = str(name) if name is not None else tr("无名道路", "an unnamed road")
        return tr(
            f"起点在{where}上。单击终点；右键或 Esc 取消。",
            f"Start on {where}. Click the end; right click or Esc to drop it.",
        )

    @staticmethod
    def describe(stretch: RoadStretch | None) -> str:
        """The preview's length, road and stakes as one line."""
        if stretch is None:
            return ""
        text = tr("长度 ", "Length ") + _metres(stretch.length_m)
        if stretch.road is not None:
            text += f" · {stretch.road}"
            if stretch.from_km is not None and stretch.to_km is not None:
                text += f" {format_stake(stretch.from_km)}–{format_stake(stretch.to_km)}"
        return text

    # --- creating the segment ---------------------------------------------------------

    def _town(self, stretch: RoadStretch, finder: StretchFinder) -> str | None:
        project = self.window.project
        towns = project.layers_of_kind("towns") if project is not None else []
        if not towns or towns[-1].data.crs is None or "name" not in towns[-1].data.columns:
            return None
        data = towns[-1].data
        middle = shapely.line_interpolate_point(stretch.geometry, 0.5, normalized=True)
        point = self._from_network(middle, finder, data.crs)
        hits = np.flatnonzero(data.geometry.covers(point).to_numpy())
        return str(data["name"].iloc[int(hits[0])]) if len(hits) else None

    def ask_values(
        self, layer: Layer, initial: dict[str, Any], fixed: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Ask the schema form for the other attributes; the road and stakes are fixed."""
        provider = self.window.feature_values
        if _takes_read_only(provider):
            values = provider(layer, initial, read_only=tuple(fixed))  # type: ignore[call-arg]
        else:
            values = provider(layer, initial)
        if values is None:
            return None
        return {**dict(values), **fixed}

    def next_id(self, layer: Layer) -> str | None:
        """The next free segment number of the layer (None if it has no segment_id)."""
        if layer.schema is not None and "segment_id" not in {f.name for f in layer.schema.fields}:
            return None
        existing = layer.data["segment_id"] if "segment_id" in layer.data.columns else []
        return next_segment_id(existing)

    def create(self, stretch: RoadStretch, *, segment_id: str | None = None) -> bool:
        """Add the stretch to the accident-segments layer; True when it was accepted.

        The form proposes ``segment_id`` (default: the layer's next free number).
        """
        layer = self.target_layer()
        finder = self.finder()
        if layer is None or finder is None:
            self._say(
                tr(
                    "项目中没有事故多发路段图层，无法保存路段。",
                    "The project has no accident-segments layer to add the stretch to.",
                )
            )
            return False
        if layer.data.crs is None:
            self._say(tr("事故多发路段图层没有坐标系。", "The segments layer has no CRS."))
            return False
        fixed = stretch.values()
        initial: dict[str, Any] = dict(fixed)
        if stretch.title():
            initial["name"] = stretch.title()
        town = self._town(stretch, finder)
        if town is not None:
            initial["town"] = town
        number = segment_id or self.next_id(layer)
        if number:
            initial["segment_id"] = number
        values = self.ask_values(layer, initial, fixed)
        if values is None:
            self.window.status(tr("已取消添加路段。", "Adding the stretch was cancelled."))
            return False
        geometry = self._from_network(stretch.geometry, finder, layer.data.crs)
        what = stretch.title() or _metres(stretch.length_m)
        fid = self.window.edits.add_feature(
            layer.name,
            geometry,
            values,
            label=(f"添加事故多发路段（{what}）", f"Add accident segment ({what})"),
        )
        if fid is None:
            return False
        self.window.status(
            tr(
                f"已添加事故多发路段 {what}，长 {stretch.length_m:,.0f} 米。",
                f"Added accident segment {what}, {stretch.length_m:,.0f} m long.",
            )
        )
        return True

    # --- drawing ----------------------------------------------------------------------

    def paint_text(self, painter: QPainter, text: str) -> None:
        """Draw a line of text by the cursor, kept inside the map (left of it near the edge)."""
        if self.cursor is None or not text:
            return
        p = self.pixel(*self.cursor)
        rect = painter.fontMetrics().boundingRect(text).adjusted(-5, -3, 5, 3)
        x = p.x() + 14 if p.x() + 14 + rect.width() < self.canvas.width() else p.x() - 14
        x = x if x == p.x() + 14 else x - rect.width()
        y = p.y() + 14 if p.y() + 14 + rect.height() < self.canvas.height() else p.y() - 14
        y = y if y == p.y() + 14 else y - rect.height()
        rect.moveTopLeft(QPointF(max(0.0, x), max(0.0, y)).toPoint())
        painter.setPen(QPen(QColor("#404040"), 1))
        painter.setBrush(QColor(255, 255, 255, 235))
        painter.drawRect(rect)
        painter.setPen(QColor("#000000"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def _marker(self, painter: QPainter, position: NetworkPosition, *, filled: bool) -> None:
        finder = self._finder[1] if self._finder is not None else None
        if finder is None:
            return
        point = self._from_network(shapely.Point(position.x, position.y), finder, self.canvas.crs)
        p = self.pixel(point.x, point.y)
        painter.setPen(QPen(QColor("#ffffff"), 2))
        painter.setBrush(_END if filled else Qt.BrushStyle.NoBrush)
        if not filled:
            painter.setPen(QPen(_END, 2))
        painter.drawEllipse(QRectF(p.x() - 6, p.y() - 6, 12, 12))

    def paint(self, painter: QPainter) -> None:
        """The path to the cursor, both ends, and the length (or what is wrong)."""
        if self.preview_display is not None:
            coords = shapely.get_coordinates(self.preview_display)
            pix = self.canvas.viewport.to_pixels(coords)
            line = QPolygonF([QPointF(float(x), float(y)) for x, y in pix])
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor(255, 255, 255, 220), 8))
            painter.drawPolyline(line)
            pen = QPen(_PATH, 5)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.drawPolyline(line)
        if self.start is not None:
            self._marker(painter, self.start, filled=True)
        if self.hover is not None:
            self._marker(painter, self.hover, filled=self.start is not None)
        if self.problem:
            self.paint_text(painter, self.problem)
        elif self.preview is not None:
            self.paint_text(painter, self.describe(self.preview))
        elif self.start is None and self.hover is not None:
            self.paint_text(painter, tr("单击路段起点", "Click the start"))


class StakeDialog(QDialog):
    """Type a road's from and to stakes and the segment number; OK adds the segment.

    The road list holds the roads with stakes and each one's range; the length of the
    stretch is shown as the stakes are typed, and what is wrong with them is said in the
    dialog (it stays open). OK hands the stretch to the schema form (road and stakes fixed,
    the number proposed) and adds it as one undoable edit.
    """

    def __init__(self, window: WindowApi, parent: QWidget | None = None) -> None:
        super().__init__(parent if parent is not None else window.canvas.window())
        self.main = window
        self.tool = RoadStretchTool(window, announce=False)
        self.added = False
        self.stretch: RoadStretch | None = None
        self.setWindowTitle(tr("按桩号输入事故多发路段", "Accident segment by stakes"))
        finder = self.tool.finder()
        self.ranges = finder.staked_roads() if finder is not None else {}
        self.road = QComboBox()
        for name, (lo, hi) in self.ranges.items():
            self.road.addItem(f"{name}（{format_stake(lo)}–{format_stake(hi)}）", name)
        self.from_stake = QLineEdit()
        self.from_stake.setPlaceholderText(tr("如 K16+600 或 16.6", "e.g. K16+600 or 16.6"))
        self.to_stake = QLineEdit()
        self.to_stake.setPlaceholderText(tr("如 K21+700 或 21.7", "e.g. K21+700 or 21.7"))
        self.segment_id = QLineEdit()
        target = self.tool.target_layer()
        self.target = QLabel(target.title if target is not None else tr("（无）", "(none)"))
        proposed = self.tool.next_id(target) if target is not None else None
        self.segment_id.setText(proposed or "")
        self.info = QLabel()
        make_plain(self.target, self.info)
        self.info.setWordWrap(True)
        form = QFormLayout()
        form.addRow(tr("目标图层", "Layer"), self.target)
        form.addRow(tr("道路", "Road"), self.road)
        form.addRow(tr("起点桩号", "From stake"), self.from_stake)
        form.addRow(tr("终点桩号", "To stake"), self.to_stake)
        form.addRow(tr("路段编号", "Segment id"), self.segment_id)
        self.buttons = ok_cancel_buttons(self, tr("生成路段", "Create"))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.info)
        self.setMinimumWidth(420)
        layout.addWidget(self.buttons)
        for edit in (self.from_stake, self.to_stake):
            edit.textChanged.connect(self.update_preview)
        self.road.currentIndexChanged.connect(self.update_preview)
        if not self.ranges:
            self.info.setText(
                self.tool.problem or tr("道路图层中没有带桩号的道路。", "No road has stakes.")
            )
        self.update_preview()

    def set_road(self, name: str) -> None:
        """Choose a road by its name."""
        index = self.road.findData(name)
        if index < 0:
            raise KeyError(name)
        self.road.setCurrentIndex(index)

    def compute(self) -> RoadStretch:
        """The stretch the fields describe (InputError/GisdeskError with what is wrong)."""
        name = self.road.currentData()
        finder = self.tool.finder()
        if name is None or finder is None:
            raise GisdeskError("没有可选的带桩号道路。", "There is no road with stakes to choose.")
        km_range = self.ranges[str(name)]
        a = parse_stake(self.from_stake.text(), road=str(name), km_range=km_range)
        b = parse_stake(self.to_stake.text(), road=str(name), km_range=km_range)
        return finder.stretch_by_stakes(str(name), a, b)

    def update_preview(self) -> None:
        """Show the length of the typed stretch, or what is wrong with the stakes."""
        self.stretch = None
        if not self.ranges:
            return
        if not self.from_stake.text().strip() or not self.to_stake.text().strip():
            self.info.setText(
                tr("输入起点和终点桩号，例如 K16+600 和 K21+700。", "Type both stakes.")
            )
            return
        try:
            self.stretch = self.compute()
        except GisdeskError as exc:
            self.info.setText(exc.message(language()))
            return
        self.info.setText(RoadStretchTool.describe(self.stretch))

    def accept(self) -> None:
        """Add the segment through the form; stay open (saying why) when it cannot be."""
        try:
            stretch = self.compute()
        except GisdeskError as exc:
            self.info.setText(exc.message(language()))
            return
        number = self.segment_id.text().strip() or None
        if self.tool.create(stretch, segment_id=number):
            self.added = True
            super().accept()
            return
        self.info.setText(str(self.main.statusBar().currentMessage()) or self.tool.problem)
