"""The camera-gap check's dialog: a form for :class:`gisdesk.tasks.camera_gaps.CameraGapsRequest`.

It starts from the Request's defaults (cameras, roads, ROAD-6's 10 km) and :meth:`request`
returns the Request the widgets describe, the same ``gisdesk blackspots cameras`` builds
from its options; the window runs it through the task registry
(:meth:`gisdesk.ui.blackspots_actions.BlackspotsController.run_camera_gaps`).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QWidget,
)

from gisdesk.analysis.blackspots.cameras import MAX_GAP_KM
from gisdesk.core.errors import GisdeskError
from gisdesk.core.project import Project
from gisdesk.tasks.camera_gaps import CameraGapsRequest
from gisdesk.ui.blackspots_screening import layer_combo
from gisdesk.ui.i18n import language, tr

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
        self.max_gap_km = QDoubleSpinBox()
        self.max_gap_km.setObjectName("max_gap_km")
        self.max_gap_km.setRange(0.1, MAX_GAP_KM)
        self.max_gap_km.setDecimals(1)
        self.max_gap_km.setSuffix(tr(" 千米", " km"))
        self.max_gap_km.setValue(defaults.max_gap_km)
        self.include_ends = QCheckBox(
            tr("路段两端（首个设备之前、末个之后）也计入", "Count the stretches at road ends")
        )
        self.include_ends.setChecked(defaults.include_ends)
        form = QFormLayout(self)
        form.addRow(tr("监控卡口图层", "Cameras"), self.cameras)
        form.addRow(tr("道路图层（带桩号）", "Roads (with stakes)"), self.roads)
        form.addRow(tr("最大间距", "Longest allowed gap"), self.max_gap_km)
        form.addRow("", self.include_ends)
        self.error = QLabel("")
        self.error.setObjectName("dialog_error")
        self.error.setStyleSheet("color: #b2182b;")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("开始检查", "Check"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消", "Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

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
        request = self.request()
        try:
            if not request.cameras or not request.roads:
                raise GisdeskError(
                    "请选择监控卡口图层和道路图层。", "Choose the camera and road layers."
                )
            request.validate()
        except GisdeskError as exc:
            self.error.setText(exc.message(language()))
            return
        super().accept()
