"""The camera-gap check's dialog: a form for :class:`gisdesk.tasks.camera_gaps.CameraGapsRequest`.

It starts from the Request's defaults (cameras, roads, ROAD-6's 10 km) and :meth:`request`
returns the Request the widgets describe, the same ``gisdesk blackspots cameras`` builds
from its options; the window runs it through the task registry
(:meth:`gisdesk.ui.blackspots_actions.BlackspotsController.run_camera_gaps`).
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDialog, QFormLayout, QWidget

from gisdesk.core.project import Project
from gisdesk.tasks.camera_gaps import MAX_GAP_KM, CameraGapsRequest
from gisdesk.ui.blackspots_screening import add_footer, refuses
from gisdesk.ui.form_widgets import layer_combo, number_box
from gisdesk.ui.i18n import tr

__all__ = ["CameraGapsDialog"]


class CameraGapsDialog(QDialog):
    """Which cameras and roads, the longest allowed gap, whether road ends count."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("camera_gaps_dialog")
        defaults = CameraGapsRequest()
        self.setWindowTitle(tr("国省道监控卡口间距检查", "Camera spacing on trunk roads"))
        self.cameras = layer_combo(project, defaults.cameras, "Point")
        self.roads = layer_combo(project, defaults.roads, "Line")
        self.max_gap_km = number_box(
            0.1,
            MAX_GAP_KM,
            defaults.max_gap_km,
            decimals=1,
            suffix=tr(" 千米", " km"),
            name="max_gap_km",
        )
        self.include_ends = QCheckBox(
            tr("路段两端（首个设备之前、末个之后）也计入", "Count the stretches at road ends")
        )
        self.include_ends.setChecked(defaults.include_ends)
        form = QFormLayout(self)
        form.addRow(tr("监控卡口图层", "Cameras"), self.cameras)
        form.addRow(tr("道路图层（带桩号）", "Roads (with stakes)"), self.roads)
        form.addRow(tr("最大间距", "Longest allowed gap"), self.max_gap_km)
        form.addRow("", self.include_ends)
        self.error = add_footer(self, form, tr("开始检查", "Check"))

    def request(self) -> CameraGapsRequest:
        """Return the Request the dialog describes."""
        return CameraGapsRequest(
            cameras=self.cameras.currentData() or "",
            roads=self.roads.currentData() or "",
            max_gap_km=self.max_gap_km.value(),
            include_ends=self.include_ends.isChecked(),
        )

    def accept(self) -> None:
        """Refuse a request the task would refuse, with its message."""
        if not refuses(self.error, self.request()):
            super().accept()
