"""The layer tree: groups, visibility, drawing order by drag and drop, and the legend inline."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QMetaMethod, QPoint, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QDropEvent, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QInputDialog,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.core.style import Symbol
from gisdesk.render.paths import geometry_path, marker_path
from gisdesk.render.prepared import geometry_family
from gisdesk.render.symbols import symbol_brush, symbol_pen
from gisdesk.ui import plain_text
from gisdesk.ui.i18n import language, tr

__all__ = ["LayerTree", "symbol_icon"]

ROLE_LAYER = Qt.ItemDataRole.UserRole + 1
ROLE_KIND = Qt.ItemDataRole.UserRole + 2  # "group", "layer", "legend"


def symbol_icon(symbol: Symbol | None, family: str, size: int = 18) -> QIcon:
    """Draw a legend swatch for a symbol: a marker, a line or a filled box."""
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    if symbol is None:
        return QIcon(pix)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    px_per_mm = 3.78  # 96 dpi
    pen = symbol_pen(symbol, px_per_mm, min_width=1.0)
    painter.setOpacity(symbol.opacity)
    if family == "point":
        marker_size = min(size - 2.0, max(6.0, symbol.size * px_per_mm))
        painter.setPen(pen)
        painter.setBrush(symbol_brush(symbol))
        painter.drawPath(marker_path(np.array([[size / 2, size / 2]]), symbol.marker, marker_size))
    elif family == "line":
        pen.setWidthF(min(5.0, max(1.5, symbol.stroke_width * px_per_mm)))
        painter.setPen(pen)
        painter.drawLine(QPointF(2, size - 4), QPointF(size - 2, 4))
    else:
        import shapely

        box = np.array([shapely.box(2, 2, size - 2, size - 2)], dtype=object)
        painter.setPen(pen)
        painter.setBrush(symbol_brush(symbol))
        painter.drawPath(geometry_path(box, (0.0, float(size), 1.0)))
    painter.end()
    return QIcon(pix)


class LayerTree(QTreeWidget):
    """A tree of the project's layers, top of the drawing order first.

    Signals: ``current_layer_changed(str)``, ``zoom_requested(str)``,
    ``style_requested(str)``, ``table_requested(str)``, ``export_requested(str)`` (the
    context menu offers 导出图层… once something listens to it).
    """

    current_layer_changed = Signal(str)
    zoom_requested = Signal(str)
    style_requested = Signal(str)
    table_requested = Signal(str)
    export_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layer_tree")
        self.setHeaderHidden(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.itemChanged.connect(self._item_changed)
        self.currentItemChanged.connect(self._current_changed)
        self.itemDoubleClicked.connect(self._double_clicked)
        self.project: Project | None = None
        self._unsubscribe: list[Callable[[], None]] = []
        self._building = False
        self._rebuild_pending = False

    def set_project(self, project: Project | None) -> None:
        """Show a project's layers."""
        for off in self._unsubscribe:
            off()
        self._unsubscribe = []
        self.project = project
        if project is not None:
            self._unsubscribe.append(
                project.layers_changed.connect(lambda *_: self.schedule_rebuild())
            )
            self._unsubscribe.append(project.layer_changed.connect(self._layer_changed))
        self.rebuild()

    def schedule_rebuild(self) -> None:
        """Rebuild once control returns to the event loop.

        Never rebuild inside a signal from one of the tree's own items: clearing the tree
        there deletes the item Qt is still handling (a crash seen with the visibility box).
        """
        if not self._rebuild_pending:
            self._rebuild_pending = True
            QTimer.singleShot(0, self.rebuild)

    def _layer_changed(self, layer: Layer, reason: str) -> None:
        if reason in ("style", "stale"):
            self.schedule_rebuild()
        elif reason == "display":
            for item in self.layer_items():
                if item.data(0, ROLE_LAYER) == layer.name:
                    self._building = True
                    try:
                        item.setCheckState(
                            0, Qt.CheckState.Checked if layer.visible else Qt.CheckState.Unchecked
                        )
                    finally:
                        self._building = False

    # --- building -----------------------------------------------------------------------

    def rebuild(self) -> None:
        """Rebuild the tree from the project, keeping the current layer and expansion."""
        self._rebuild_pending = False
        current = self.current_layer()
        self._building = True
        try:
            self.clear()
            if self.project is None:
                return
            groups: dict[str, QTreeWidgetItem] = {}
            for layer in reversed(self.project.layers):
                parent: QTreeWidget | QTreeWidgetItem = self
                if layer.group:
                    if layer.group not in groups:
                        g = QTreeWidgetItem(self, [layer.group])
                        g.setData(0, ROLE_KIND, "group")
                        g.setFlags(
                            Qt.ItemFlag.ItemIsEnabled
                            | Qt.ItemFlag.ItemIsDropEnabled
                            | Qt.ItemFlag.ItemIsDragEnabled
                            | Qt.ItemFlag.ItemIsSelectable
                        )
                        g.setExpanded(True)
                        font = g.font(0)
                        font.setBold(True)
                        g.setFont(0, font)
                        groups[layer.group] = g
                    parent = groups[layer.group]
                self._add_layer_item(parent, layer)
            for g in groups.values():
                g.setExpanded(True)
        finally:
            self._building = False
        if current is not None:
            self.select_layer(current)

    def _add_layer_item(self, parent: QTreeWidget | QTreeWidgetItem, layer: Layer) -> None:
        stale = tr("（待更新）", " (out of date)") if layer.metadata.stale else ""
        item = QTreeWidgetItem(parent, [layer.title + stale])
        item.setData(0, ROLE_LAYER, layer.name)
        item.setData(0, ROLE_KIND, "layer")
        item.setFlags(
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsUserCheckable
            | Qt.ItemFlag.ItemIsDragEnabled
        )
        item.setCheckState(0, Qt.CheckState.Checked if layer.visible else Qt.CheckState.Unchecked)
        tip = f"{layer.name} · {len(layer)} " + tr("个要素", "features")
        if layer.metadata.schematic:
            tip += " · " + tr("示意数据", "schematic data")
        if layer.metadata.stale:
            tip += " · " + tr("源图层已修改，结果待更新", "sources edited since it was computed")
        if layer.opacity < 1.0:
            tip += f" · {tr('不透明度', 'opacity')} {layer.opacity:.0%}"
        item.setToolTip(0, plain_text.auto_text(tip))
        style = layer.style
        family = (
            geometry_family(np.asarray(layer.data.geometry.values[:50], dtype=object))
            if (len(layer))
            else "point"
        )
        if style is None:
            return
        if style.kind == "single" and style.classes:
            item.setIcon(0, symbol_icon(style.classes[0].symbol, family))
            return
        counts = (
            np.bincount(
                np.clip(style.assign(layer.data), -1, None) + 1, minlength=len(style.classes) + 1
            )
            if len(layer)
            else None
        )
        for i, cls in enumerate(style.classes):
            text = cls.label(language())
            if counts is not None:
                text += f"  ({counts[i + 1]})"
            child = QTreeWidgetItem(item, [text])
            child.setData(0, ROLE_KIND, "legend")
            child.setData(0, ROLE_LAYER, layer.name)
            child.setFlags(Qt.ItemFlag.ItemIsEnabled)
            child.setIcon(0, symbol_icon(cls.symbol, family))
        item.setExpanded(len(style.classes) <= 8)

    # --- queries ------------------------------------------------------------------------

    def _top_items(self) -> list[QTreeWidgetItem]:
        items = (self.topLevelItem(i) for i in range(self.topLevelItemCount()))
        return [item for item in items if item is not None]

    @staticmethod
    def _children(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
        children = (item.child(j) for j in range(item.childCount()))
        return [child for child in children if child is not None]

    def layer_items(self) -> list[QTreeWidgetItem]:
        """Return the layer items from top to bottom."""
        out: list[QTreeWidgetItem] = []
        for top in self._top_items():
            if top.data(0, ROLE_KIND) == "layer":
                out.append(top)
            else:
                out.extend(c for c in self._children(top) if c.data(0, ROLE_KIND) == "layer")
        return out

    def current_layer(self) -> str | None:
        """Return the name of the layer selected in the tree."""
        item = self.currentItem()
        if item is None:
            return None
        name = item.data(0, ROLE_LAYER)
        return str(name) if name else None

    def select_layer(self, name: str) -> None:
        """Make a layer the current one."""
        for item in self.layer_items():
            if item.data(0, ROLE_LAYER) == name:
                self.setCurrentItem(item)
                return

    # --- reactions ----------------------------------------------------------------------

    def _current_changed(self, current: QTreeWidgetItem | None, _prev: object) -> None:
        if current is not None and not self._building:
            name = current.data(0, ROLE_LAYER)
            if name:
                self.current_layer_changed.emit(str(name))

    def _item_changed(self, item: QTreeWidgetItem, _column: int) -> None:
        if self._building or self.project is None or item.data(0, ROLE_KIND) != "layer":
            return
        name = str(item.data(0, ROLE_LAYER))
        visible = item.checkState(0) == Qt.CheckState.Checked
        if name in self.project and self.project.layer(name).visible != visible:
            self.project.layer(name).set_visible(visible)

    def _double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        name = item.data(0, ROLE_LAYER)
        if name:
            self.style_requested.emit(str(name))

    def dropEvent(self, event: QDropEvent) -> None:
        """Reorder the project's layers (and regroup them) to match the tree after a drop."""
        super().dropEvent(event)
        QTimer.singleShot(0, self.apply_tree_order)

    def apply_tree_order(self) -> None:
        """Make the project's drawing order and groups follow the tree."""
        if self.project is None:
            return
        names: list[tuple[str, str]] = []
        for top in self._top_items():
            if top.data(0, ROLE_KIND) == "layer":
                names.append((str(top.data(0, ROLE_LAYER)), ""))
            elif top.data(0, ROLE_KIND) == "group":
                names.extend(
                    (str(child.data(0, ROLE_LAYER)), top.text(0))
                    for child in self._children(top)
                    if child.data(0, ROLE_KIND) == "layer"
                )
        bottom_up = list(reversed(names))
        for index, (name, group) in enumerate(bottom_up):
            if name in self.project:
                self.project.layer(name).group = group
                if self.project.layers.index(self.project.layer(name)) != index:
                    self.project.move_layer(name, index)
        self.rebuild()

    def _context_menu(self, pos: QPoint) -> None:
        item = self.itemAt(pos)
        if item is None or self.project is None:
            return
        name = item.data(0, ROLE_LAYER)
        if not name or name not in self.project:
            return
        self.layer_menu(str(name)).exec(self.viewport().mapToGlobal(pos))

    def layer_menu(self, name: str) -> QMenu:
        """The context menu of the layer ``name`` (a layer of the project shown)."""
        assert self.project is not None
        layer = self.project.layer(name)
        menu = QMenu(self)
        menu.addAction(tr("缩放到图层", "Zoom to layer"), lambda: self.zoom_requested.emit(name))
        menu.addAction(tr("属性表…", "Attribute table…"), lambda: self.table_requested.emit(name))
        menu.addAction(tr("样式…", "Style…"), lambda: self.style_requested.emit(name))
        menu.addAction(tr("不透明度…", "Opacity…"), lambda: self.ask_opacity(layer))
        if self.isSignalConnected(QMetaMethod.fromSignal(self.export_requested)):
            export = tr("导出图层…", "Export layer…")
            menu.addAction(export, lambda: self.export_requested.emit(name))
        menu.addSeparator()
        menu.addAction(tr("移除图层", "Remove layer"), lambda: self.remove_layer(layer))
        return menu

    def ask_opacity(self, layer: Layer) -> None:
        """Ask for a layer's opacity in percent."""
        value, ok = QInputDialog.getInt(
            self,
            tr("不透明度", "Opacity"),
            tr("不透明度（%）：", "Opacity (%):"),
            round(layer.opacity * 100),
            0,
            100,
            5,
        )
        if ok:
            layer.set_opacity(value / 100.0)

    def remove_layer(self, layer: Layer) -> None:
        """Remove a layer from the project (the window asks about unsaved work on close)."""
        if self.project is not None and layer.name in self.project:
            self.project.remove_layer(layer.name)
