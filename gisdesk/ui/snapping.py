"""Snapping while digitising: to vertices and segments of chosen layers, within N pixels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QWidget,
)

from gisdesk.core.geometry_edit import nearest_segment
from gisdesk.core.project import Project
from gisdesk.ui.canvas import MapCanvas
from gisdesk.ui.form_widgets import checkable_list, checked_names, ok_cancel_buttons
from gisdesk.ui.i18n import settings, tr

__all__ = ["SnapResult", "SnapSettingsDialog", "Snapper"]

_MAX_CANDIDATES = 64


@dataclass(frozen=True)
class SnapResult:
    """Where the cursor snapped: a point in display metres on a layer's vertex or segment."""

    x: float
    y: float
    kind: str  # "vertex" or "segment"
    layer: str
    row: int


class Snapper:
    """Finds the vertex or segment to snap to near a map position.

    Settings (kept per user): ``snap/enabled``, ``snap/tolerance_px`` (default 10) and
    ``snap/layers`` (names; empty = every visible layer).
    """

    def __init__(self, canvas: MapCanvas) -> None:
        self.canvas = canvas
        s = settings()
        self.enabled = str(s.value("snap/enabled", "true")).lower() != "false"
        self.tolerance_px = float(s.value("snap/tolerance_px", 10.0))  # type: ignore[arg-type]
        layers = s.value("snap/layers", [])
        self.layers: list[str] = [str(v) for v in layers] if isinstance(layers, list) else []

    def save(self) -> None:
        """Remember the settings for the next session."""
        s = settings()
        s.setValue("snap/enabled", "true" if self.enabled else "false")
        s.setValue("snap/tolerance_px", self.tolerance_px)
        s.setValue("snap/layers", list(self.layers))

    def candidate_layers(self) -> list[str]:
        """Layers snapped to: the chosen ones that are visible, or every visible layer."""
        visible = [layer.name for layer in self.canvas.visible_layers()]
        if not self.layers:
            return visible
        return [name for name in visible if name in self.layers]

    def snap(
        self, x: float, y: float, *, exclude: tuple[str, int] | None = None
    ) -> SnapResult | None:
        """Return the nearest vertex within tolerance, else the nearest segment, else None.

        ``exclude`` (layer, row) leaves out the feature being edited.
        """
        if not self.enabled:
            return None
        tol = self.tolerance_px * self.canvas.viewport.resolution
        point = shapely.Point(x, y)
        best_vertex: tuple[float, SnapResult] | None = None
        best_segment: tuple[float, SnapResult] | None = None
        for name in self.candidate_layers():
            prep = self.canvas.prepared(name)
            if prep is None or len(prep) == 0:
                continue
            hits = prep.tree.query(point, predicate="dwithin", distance=tol)
            if exclude is not None and exclude[0] == name:
                hits = hits[hits != exclude[1]]
            if len(hits) == 0:
                continue
            if len(hits) > _MAX_CANDIDATES:
                d = shapely.distance(prep.geoms[hits], point)
                hits = hits[np.argsort(d)[:_MAX_CANDIDATES]]
            coords, owner = shapely.get_coordinates(prep.geoms[hits], return_index=True)
            if len(coords):
                d = np.hypot(coords[:, 0] - x, coords[:, 1] - y)
                i = int(np.argmin(d))
                if d[i] <= tol and (best_vertex is None or d[i] < best_vertex[0]):
                    hit = SnapResult(
                        float(coords[i, 0]),
                        float(coords[i, 1]),
                        "vertex",
                        name,
                        int(hits[owner[i]]),
                    )
                    best_vertex = (float(d[i]), hit)
            if prep.family == "point":
                continue
            for row in hits:
                _seg, dist, at = nearest_segment(prep.geoms[row], x, y)
                if dist <= tol and (best_segment is None or dist < best_segment[0]):
                    best_segment = (
                        dist,
                        SnapResult(float(at[0]), float(at[1]), "segment", name, int(row)),
                    )
        if best_vertex is not None:
            return best_vertex[1]
        return best_segment[1] if best_segment is not None else None


class SnapSettingsDialog(QDialog):
    """Choose whether to snap, the tolerance in pixels and the layers snapped to."""

    def __init__(
        self, snapper: Snapper, project: Project | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("捕捉设置", "Snapping"))
        self.snapper = snapper
        self.enabled = QCheckBox(tr("启用捕捉（节点优先，其次线段）", "Snap (vertices first)"))
        self.enabled.setChecked(self.snapper.enabled)
        self.tolerance = QDoubleSpinBox()
        self.tolerance.setRange(1, 50)
        self.tolerance.setSuffix(tr(" 像素", " px"))
        self.tolerance.setValue(self.snapper.tolerance_px)
        self.layers = checkable_list(
            (layer.title, layer.name, not snapper.layers or layer.name in snapper.layers)
            for layer in project or []
        )
        form = QFormLayout(self)
        form.addRow(self.enabled)
        form.addRow(tr("容差", "Tolerance"), self.tolerance)
        form.addRow(tr("捕捉图层", "Layers"), self.layers)
        form.addRow(ok_cancel_buttons(self))

    def accept(self) -> None:
        """Apply and remember the settings."""
        self.snapper.enabled = self.enabled.isChecked()
        self.snapper.tolerance_px = float(self.tolerance.value())
        names = checked_names(self.layers)
        self.snapper.layers = [] if len(names) == self.layers.count() else names
        self.snapper.save()
        super().accept()
