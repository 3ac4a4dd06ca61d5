"""The audit trail of one feature: who changed what, when, with values before and after.

The rows come from the project's edit journal (``Editor.history_of``), which is at once the
undo history and the audit trail, so the dialog shows exactly what was written to the file:
each edit, undo and redo with its local time, user and label, and under it every changed
field with its Chinese label, value-list labels, and geometry changes measured in metres.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shapely.geometry.base import BaseGeometry

from gisdesk.core.crs import to_metric
from gisdesk.core.editing import GEOMETRY, EditTransaction, FeatureChange
from gisdesk.core.errors import GisdeskError
from gisdesk.core.layer import Layer
from gisdesk.core.schema import FieldSpec
from gisdesk.ui import plain_text
from gisdesk.ui.attribute_table import coded_value_text
from gisdesk.ui.i18n import language, tr
from gisdesk.ui.window_api import window_widget

if TYPE_CHECKING:
    from gisdesk.ui.editing import EditController
    from gisdesk.ui.window_api import WindowApi

__all__ = [
    "FeatureHistoryDialog",
    "action_text",
    "describe_geometry_change",
    "local_time",
    "show_feature_history",
]

_ACTIONS = {"edit": ("编辑", "edit"), "undo": ("撤销", "undo"), "redo": ("重做", "redo")}
_KINDS = {
    "Point": ("点", "point"),
    "MultiPoint": ("点", "point"),
    "LineString": ("线", "line"),
    "MultiLineString": ("线", "line"),
    "Polygon": ("面", "polygon"),
    "MultiPolygon": ("面", "polygon"),
}
_SAME_SHIFT_M = 0.01  # vertices moved by the same vector within 1 cm: the feature was moved


def action_text(action: str) -> str:
    """编辑 / 撤销 / 重做 (edit / undo / redo)."""
    zh, en = _ACTIONS.get(action, (action, action))
    return tr(zh, en)


def local_time(at: str) -> str:
    """An ISO 8601 timestamp (UTC when it names no zone) as local time, to the second."""
    try:
        moment = dt.datetime.fromisoformat(at)
    except ValueError:
        return at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _metres(value: float) -> str:
    return f"{value:,.1f} m" if value < 10_000 else f"{value / 1000:,.2f} km"


def _square_metres(value: float) -> str:
    return f"{value:,.0f} m²" if value < 1e6 else f"{value / 1e6:,.3f} km²"


def _kind(geom: BaseGeometry) -> str:
    zh, en = _KINDS.get(str(geom.geom_type), (str(geom.geom_type), str(geom.geom_type)))
    return tr(zh, en)


def _size(geom: BaseGeometry) -> str:
    family = str(geom.geom_type).removeprefix("Multi")
    if family == "LineString":
        return tr(f"长 {_metres(geom.length)}", f"length {_metres(geom.length)}")
    if family == "Polygon":
        return tr(f"面积 {_square_metres(geom.area)}", f"area {_square_metres(geom.area)}")
    return ""


def describe_geometry_change(
    before: BaseGeometry | None, after: BaseGeometry | None, crs: Any, *, layer: str = ""
) -> str:
    """Summarise a geometry change in metres: moved how far, vertices added, new length.

    ``crs`` is the layer's CRS; distances are measured in the metric CRS the project uses
    (EPSG:4549 around Haimen), never in degrees.
    """
    present = [g for g in (before, after) if g is not None]
    if not present:
        return ""
    try:
        frame = gpd.GeoDataFrame(geometry=present, crs=CRS.from_user_input(crs))
        metric = list(to_metric(frame, layer=layer or "layer").geometry)
    except (GisdeskError, ValueError, TypeError):
        return tr("几何已修改", "geometry changed")
    if before is None:
        geom = metric[0]
        size = _size(geom)
        return tr(f"新建{_kind(geom)}", f"new {_kind(geom)}") + (
            tr(f"（{size}）", f" ({size})") if size else ""
        )
    if after is None:
        return tr(f"删除{_kind(metric[0])}", f"deleted {_kind(metric[0])}")
    old, new = metric
    a = shapely.get_coordinates(old)
    b = shapely.get_coordinates(new)
    parts: list[str] = []
    if len(a) == len(b) and str(old.geom_type) == str(new.geom_type):
        shifts = b - a
        distances = np.hypot(shifts[:, 0], shifts[:, 1])
        moved = float(distances.max()) if len(distances) else 0.0
        uniform = len(shifts) == 1 or bool(np.ptp(shifts, axis=0).max() <= _SAME_SHIFT_M)
        if uniform:
            parts.append(tr(f"移动 {_metres(moved)}", f"moved {_metres(moved)}"))
        else:
            count = int((distances > _SAME_SHIFT_M).sum())
            parts.append(
                tr(
                    f"移动 {count} 个顶点，最多 {_metres(moved)}",
                    f"{count} vertices moved, at most {_metres(moved)}",
                )
            )
    else:
        parts.append(tr(f"顶点 {len(a)} → {len(b)}", f"vertices {len(a)} → {len(b)}"))
    family = str(new.geom_type).removeprefix("Multi")
    if family == "LineString" and abs(new.length - old.length) >= _SAME_SHIFT_M:
        parts.append(
            tr(
                f"长度 {_metres(old.length)} → {_metres(new.length)}",
                f"length {_metres(old.length)} → {_metres(new.length)}",
            )
        )
    if family == "Polygon" and abs(new.area - old.area) >= 1.0:
        parts.append(
            tr(
                f"面积 {_square_metres(old.area)} → {_square_metres(new.area)}",
                f"area {_square_metres(old.area)} → {_square_metres(new.area)}",
            )
        )
    if str(old.geom_type) != str(new.geom_type):
        parts.append(f"{old.geom_type} → {new.geom_type}")
    return tr("，", ", ").join(parts)


def _value_text(spec: FieldSpec | None, value: object) -> str:
    return coded_value_text(spec, value) or tr("（空）", "(empty)")


def _field_rows(layer: Layer | None, change: FeatureChange) -> list[tuple[str, str, str]]:
    """(field label, before, after) for each field the change touches."""
    before: Mapping[str, Any] = change.before or {}
    after: Mapping[str, Any] = change.after or {}
    specs = layer.schema.field_index if layer is not None and layer.schema else {}
    order = list(specs) + sorted(k for k in {*before, *after} if k not in specs)
    rows: list[tuple[str, str, str]] = []
    if GEOMETRY in before or GEOMETRY in after:
        crs = layer.data.crs if layer is not None else None
        summary = describe_geometry_change(
            before.get(GEOMETRY),
            after.get(GEOMETRY),
            crs,
            layer=layer.title if layer is not None else change.layer,
        )
        rows.append((tr("几何", "Geometry"), "", summary))
    for name in order:
        if name == GEOMETRY or (name not in before and name not in after):
            continue
        spec = specs.get(name)
        label = spec.label(language()) if spec is not None else name
        if change.op == "insert":
            if after.get(name) is None:
                continue  # a new feature: list only what was filled in
            rows.append((label, "", _value_text(spec, after.get(name))))
        elif change.op == "delete":
            if before.get(name) is None:
                continue
            rows.append((label, _value_text(spec, before.get(name)), tr("（已删除）", "(deleted)")))
        else:
            rows.append(
                (label, _value_text(spec, before.get(name)), _value_text(spec, after[name]))
            )
    return rows


_OPS = {"insert": ("新增要素", "added"), "update": ("", ""), "delete": ("删除要素", "deleted")}


class FeatureHistoryDialog(QDialog):
    """Lists every recorded change of one feature, newest first, and follows new edits."""

    COLUMNS = (
        ("时间", "Time"),
        ("用户", "User"),
        ("操作", "Action"),
        ("说明 / 字段", "Description / field"),
        ("修改前", "Before"),
        ("修改后", "After"),
    )

    def __init__(
        self,
        edits: EditController,
        layer: Layer,
        fid: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("feature_history")
        self.edits = edits
        self.editor = edits.editor  # this project's journal, even if another one opens later
        self.layer = layer
        self.fid = fid
        self.setWindowTitle(
            plain_text.window_title(
                tr(f"要素历史 — {layer.title} #{fid}", f"Feature history — {layer.title} #{fid}")
            )
        )
        layout = QVBoxLayout(self)
        self.heading = plain_text.plain_label("")  # names the layer
        self.heading.setObjectName("history_heading")
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("history_tree")
        self.tree.setHeaderLabels([tr(zh, en) for zh, en in self.COLUMNS])
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        layout.addWidget(self.tree, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("关闭", "Close"))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(980, 460)
        self.edits.edited.connect(self._edited)
        self._connected = True
        self.refresh()

    def entries(self) -> list[tuple[EditTransaction, FeatureChange]]:
        """The feature's recorded changes, oldest first."""
        editor = self.editor
        return [] if editor is None else editor.history_of(self.layer.name, self.fid)

    def refresh(self) -> None:
        """Read the journal again and list it, newest first."""
        self.tree.clear()
        entries = self.entries()
        for txn, change in reversed(entries):
            op_zh, op_en = _OPS[change.op]
            label = txn.label(language())
            op = tr(op_zh, op_en)
            if op and op not in label:
                label = f"{label}（{op}）" if language() == "zh" else f"{label} ({op})"
            head = QTreeWidgetItem(
                self.tree, [local_time(txn.at), txn.user, action_text(txn.action), label, "", ""]
            )
            head.setToolTip(0, tr(f"UTC {txn.at}，编辑号 {txn.id}", f"UTC {txn.at}, edit {txn.id}"))
            font = head.font(0)
            font.setBold(True)
            for column in range(4):
                head.setFont(column, font)
            for label_text, before, after in _field_rows(self.layer, change):
                item = QTreeWidgetItem(head, ["", "", "", label_text, before, after])
                item.setToolTip(4, plain_text.auto_text(before))
                item.setToolTip(5, plain_text.auto_text(after))
            head.setExpanded(True)
        for column in range(4):
            self.tree.resizeColumnToContents(column)
        self.tree.setColumnWidth(4, max(self.tree.columnWidth(4), 140))
        if entries:
            first = local_time(entries[0][0].at)
            self.heading.setText(
                tr(
                    f"{self.layer.title} #{self.fid}：共 {len(entries)} 条记录（最早 {first}），"
                    "最新的在上。",
                    f"{self.layer.title} #{self.fid}: {len(entries)} record(s) since {first}, "
                    "newest first.",
                )
            )
        else:
            self.heading.setText(
                tr(
                    f"{self.layer.title} #{self.fid}：没有编辑记录（自项目建立以来未修改）。",
                    f"{self.layer.title} #{self.fid}: no recorded edits.",
                )
            )
        self.tree.setFocus(Qt.FocusReason.OtherFocusReason)

    def _edited(self, txn: EditTransaction) -> None:
        if self.edits.editor is not self.editor:
            return  # an edit of another project
        if any(c.layer == self.layer.name and c.fid == self.fid for c in txn.changes):
            self.refresh()

    def _disconnect(self) -> None:
        if self._connected:
            self.edits.edited.disconnect(self._edited)
            self._connected = False

    def done(self, result: int) -> None:
        """Stop following edits when closed."""
        self._disconnect()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop following edits when closed."""
        self._disconnect()
        super().closeEvent(event)


def show_feature_history(
    window: WindowApi, layer_name: str | None = None, fid: int | None = None
) -> FeatureHistoryDialog | None:
    """Open the history of a feature (default: the one selected in the current layer)."""
    from gisdesk.ui.feature_form import target_feature

    target = target_feature(window, layer_name, fid)
    if target is None:
        return None
    dialog = FeatureHistoryDialog(window.edits, *target, window_widget(window))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    dialog.raise_()
    return dialog
