"""The window's status bar: cursor position, scale, CRS, read-only flag and task progress.

The indicators follow the canvas (cursor, view, frames, measurements) and the session (the
task running, its progress and the cancel button) by their signals; the window only tells
them the read-only reason when the title changes.
"""

from __future__ import annotations

import html

from PySide6.QtWidgets import QComboBox, QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from gisdesk.render.painter import RenderStats
from gisdesk.render.viewport import NICE_SCALES
from gisdesk.ui.canvas import MapCanvas
from gisdesk.ui.i18n import tr
from gisdesk.ui.session import Session

__all__ = ["MESSAGE_MS", "StatusIndicators"]

MESSAGE_MS = 8000  # how long a status message stays
FRAME_MESSAGE_MS = 3000


class StatusIndicators:
    """The permanent widgets of the status bar and the messages they show."""

    def __init__(self, bar: QStatusBar, canvas: MapCanvas, session: Session) -> None:
        self.bar = bar
        self._frame_text = ""  # the last frame's message (the next frame may replace it)
        self._progress_text = ""  # the running task's step (gone when the task ends)
        self.canvas = canvas
        self.lonlat_label = QLabel("")
        self.lonlat_label.setObjectName("lonlat")
        self.metric_label = QLabel("")
        self.metric_label.setObjectName("metric")
        self.scale_box = QComboBox()
        self.scale_box.setObjectName("scale")
        self.scale_box.setEditable(True)
        self.scale_box.setMinimumWidth(130)
        self.scale_box.addItems([f"1:{s:,}" for s in NICE_SCALES])
        self.crs_label = QLabel("")
        self.read_only_label = QLabel(tr("只读", "Read-only"))  # why: in its tooltip
        self.read_only_label.setObjectName("read_only")
        self.read_only_label.hide()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.cancel_button = QPushButton(tr("取消", "Cancel"))
        self.cancel_button.hide()
        widgets: tuple[QWidget, ...] = (
            self.lonlat_label,
            self.metric_label,
            QLabel(tr("比例尺", "Scale")),
            self.scale_box,
            self.crs_label,
            self.read_only_label,
            self.progress,
            self.cancel_button,
        )
        for widget in widgets:
            bar.addPermanentWidget(widget)
        canvas.cursor_moved.connect(self._cursor_moved)
        canvas.view_changed.connect(self._view_changed)
        canvas.measured.connect(self._measured)
        canvas.frame_rendered.connect(self._frame_rendered)
        edit = self.scale_box.lineEdit()
        assert edit is not None  # the box is editable
        edit.returnPressed.connect(self._scale_entered)
        self.scale_box.activated.connect(lambda _i: self._scale_entered())
        self.cancel_button.clicked.connect(session.cancel_task)
        session.task_started.connect(self._task_started)
        session.task_progress.connect(self._task_progress)
        session.task_ended.connect(self.progress.hide)
        session.task_ended.connect(self.cancel_button.hide)
        session.task_ended.connect(self._task_ended)
        session.message.connect(self.show)

    def show(self, text: str) -> None:
        """Show a short message."""
        self.bar.showMessage(text, MESSAGE_MS)

    def show_crs(self) -> None:
        """Name the coordinate system the map is drawn in."""
        self.crs_label.setText(f"EPSG:{self.canvas.crs.to_epsg()}")

    def show_read_only(self, reason: str) -> None:
        """Show 只读 while edits are refused, the reason as its tooltip ("" hides it)."""
        self.read_only_label.setVisible(bool(reason))
        # always rich text, escaped: a file name in the reason is shown as it is
        self.read_only_label.setToolTip(
            f'<p style="white-space:pre-wrap">{html.escape(reason, quote=False)}</p>'
            if reason
            else ""
        )

    def _cursor_moved(self, x: float, y: float) -> None:
        lon, lat = self.canvas.to_lonlat(x, y)
        e, n = self.canvas.to_4549(x, y)
        self.lonlat_label.setText(f"CGCS2000 {lon:.6f}°E {lat:.6f}°N")
        self.metric_label.setText(f"EPSG:4549 {e:,.1f} {n:,.1f} m")

    def _view_changed(self, _viewport: object) -> None:
        edit = self.scale_box.lineEdit()
        if edit is None or not edit.hasFocus():
            self.scale_box.setEditText(self.canvas.scale_text())

    def _scale_entered(self) -> None:
        scale = MapCanvas.parse_scale(self.scale_box.currentText())
        if scale is None:
            self.show(tr("比例尺格式应为 1:25000", "Enter a scale like 1:25000"))
            return
        self.canvas.set_scale(scale)

    def _measured(self, value: float, kind: str) -> None:
        text = MapCanvas.format_length(value) if kind == "length" else MapCanvas.format_area(value)
        label = tr("距离", "Distance") if kind == "length" else tr("面积", "Area")
        self.show(
            tr(
                f"{label}：{text}（EPSG:4549 平面量算）",
                f"{label}: {text} (measured in EPSG:4549 metres)",
            )
        )

    def _frame_rendered(self, stats: RenderStats) -> None:
        ms = stats.seconds * 1000
        features = sum(stats.features.values())
        current = self.bar.currentMessage()
        if current and current != self._frame_text:
            return  # a message for the user (a notice, a result) outranks frame statistics
        self._frame_text = tr(
            f"绘制 {features:,} 个要素，用时 {ms:.0f} 毫秒",
            f"Drew {features:,} features in {ms:.0f} ms",
        )
        self.bar.showMessage(self._frame_text, FRAME_MESSAGE_MS)

    def _task_started(self, label: str) -> None:
        self.progress.setValue(0)
        self.progress.setFormat(f"{label} %p%")
        self.progress.show()
        self.cancel_button.show()

    def _task_progress(self, percent: int, message: str) -> None:
        self.progress.setValue(percent)
        self._progress_text = message
        self.show(message)

    def _task_ended(self) -> None:
        """A step message ("合并服务区面") must not outlive its task, finished or cancelled."""
        if self._progress_text and self.bar.currentMessage() == self._progress_text:
            self.bar.clearMessage()
        self._progress_text = ""
