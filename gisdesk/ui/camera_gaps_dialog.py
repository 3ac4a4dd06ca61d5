"""The camera-gap check's dialog: a form for :class:`gisdesk.tasks.camera_gaps.CameraGapsRequest`.

It starts from the Request's defaults (cameras, roads, ROAD-6's 10 km) and :meth:`request`
returns the Request the widgets describe, the same ``gisdesk blackspots cameras`` builds
from its options; the window runs it through the task registry
(:meth:`gisdesk.ui.blackspots_actions.BlackspotsController.run_camera_gaps`).

The dialog says what the check does and what comes back, so it can be run without the
README. :func:`install_camera_gaps` puts it straight into the 分析 menu (besides 分析 →
事故多发路段), where a newcomer looks for analyses.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QCheckBox, QDialog, QFormLayout, QLabel, QWidget

from gisdesk.core.project import Project
from gisdesk.tasks.camera_gaps import MAX_GAP_KM, CameraGapsRequest
from gisdesk.ui.actions import ActionRegistry, ActionSpec
from gisdesk.ui.blackspots_screening import add_footer, refuses
from gisdesk.ui.form_widgets import layer_combo, number_box
from gisdesk.ui.i18n import tr
from gisdesk.ui.plain_text import plain_label

__all__ = ["CameraGapsDialog", "install_camera_gaps"]

ACTION_ID = "camera_gaps"
"""The 分析 menu's entry (the 事故多发路段 submenu keeps its own, ``bs_cameras``)."""


def install_camera_gaps(registry: ActionRegistry, ask: Callable[[], None]) -> None:
    """Add 国省道监控卡口间距检查… to the 分析 menu, after the other analyses' dialogs."""
    action = registry.add(
        ActionSpec(
            ACTION_ID,
            "国省道监控卡口间距检查…",
            "Camera spacing on trunk roads…",
            "analysis",
            ask,
            tip_zh="检查国道、省道上相邻监控、卡口的间距是否超过上限（ROAD-6：10 千米）",
            tip_en="Check that cameras and checkpoints on national and provincial roads are "
            "at most the limit apart (ROAD-6: 10 km)",
        )
    )
    menu = registry.menus["analysis"]
    after = registry.actions.get("siting")
    entries = menu.actions()
    if after is not None and after in entries and entries.index(after) + 1 < len(entries):
        menu.removeAction(action)
        menu.insertAction(entries[entries.index(after) + 1], action)


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
        self.intro = plain_label(
            tr(
                "沿每条国道、省道，按桩号顺序量相邻两个监控或卡口设备之间的距离"
                f"（视频监控、卡口分别量，也合在一起量），超过上限的间距标为超限"
                f"（规划目标 ROAD-6：不超过 {defaults.max_gap_km:g} 千米）。\n"
                "结果：地图上的“监控卡口间距”图层（红色为超限），"
                "以及“查询与分析结果”中按道路汇总的表。再次检查会替换上次的结果。",
                "Along each national and provincial road, in stake order, measures the "
                "distance between neighbouring cameras or checkpoints (each kind and both "
                "together) and marks gaps over the limit (plan target ROAD-6: at most "
                f"{defaults.max_gap_km:g} km).\nResult: the camera-gaps layer on the map (red: "
                "over the limit) and a table per road under Results. Checking again replaces "
                "the earlier result.",
            )
        )
        self.intro.setObjectName("camera_gaps_intro")
        self.intro.setWordWrap(True)
        self.intro.setMinimumWidth(420)
        self.cameras.setToolTip(
            tr("点图层：监控、卡口设备（含设备类型）", "Point layer of cameras and checkpoints")
        )
        self.roads.setToolTip(
            tr(
                "线图层：道路（含道路等级、起止桩号；只检查国道、省道）",
                "Line layer of roads with class and stakes (only trunk roads are checked)",
            )
        )
        form = QFormLayout(self)
        form.addRow(self.intro)
        form.addRow(tr("监控卡口图层", "Cameras"), self.cameras)
        form.addRow(tr("道路图层（带桩号）", "Roads (with stakes)"), self.roads)
        form.addRow(tr("最大间距", "Longest allowed gap"), self.max_gap_km)
        form.addRow("", self.include_ends)
        self.error: QLabel = add_footer(self, form, tr("开始检查", "Check"))

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
