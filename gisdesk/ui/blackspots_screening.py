"""Black-spot screening from the window: the parameters dialog and the candidates panel.

:class:`ScreeningDialog` is a form for :class:`gisdesk.tasks.blackspots.ScreeningRequest`
(its defaults are the Request's: window, step, severity weights, threshold, match
qualities, period of the records, years for per-year figures, exposure); the window runs the
Request through the task registry in a worker (:mod:`gisdesk.ui.blackspots_actions`). The
candidates come back ranked in :class:`CandidatesPanel` (headers are the task's column
labels with units) and as a map layer; each can be listed (挂牌) as an accident-prone segment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gisdesk.core.errors import GisdeskError
from gisdesk.core.project import Project
from gisdesk.core.values import local_times
from gisdesk.tasks.base import Request, ResultLayer
from gisdesk.tasks.blackspots import CANDIDATES_LAYER, DEFAULT_QUALITIES, ScreeningRequest
from gisdesk.ui.form_widgets import layer_combo, number_box, ok_cancel_buttons
from gisdesk.ui.i18n import language, tr
from gisdesk.ui.import_dialog import frame_table

__all__ = ["CANDIDATES_LAYER", "PANEL_COLUMNS", "CandidatesPanel", "ScreeningDialog"]

PANEL_COLUMNS = (
    "rank",
    "name",
    "town",
    "count",
    "deaths",
    "injuries",
    "equivalent",
    "length_km",
    "per_year",
    "rank_town",
    "listed",
)
"""The candidates' columns the panel lists (the layer holds them all)."""
_WHOLE = ("rank", "count", "deaths", "injuries", "rank_town")
_LISTED = QColor("#d9d9d9")


def add_footer(dialog: QDialog, form: QFormLayout, ok_text: str) -> QLabel:
    """Add the error line and the OK / Cancel buttons to a request's form; return the line."""
    error = QLabel("")
    error.setObjectName("dialog_error")
    error.setStyleSheet("color: #b2182b;")
    error.setWordWrap(True)
    form.addRow(error)
    form.addRow(ok_cancel_buttons(dialog, ok_text))
    return error


def refuses(error: QLabel, request: Request) -> bool:
    """Say on the form why the Request's own checks refuse it; return whether they do."""
    try:
        request.validate()
    except GisdeskError as exc:
        error.setText(exc.message(language()))
        return True
    return False


class ScreeningDialog(QDialog):
    """Parameters of the sliding-window screening."""

    def __init__(
        self,
        project: Project,
        parent: QWidget | None = None,
        *,
        previous: ScreeningRequest | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("screening_dialog")
        self.setWindowTitle(tr("事故多发路段筛查", "Accident black-spot screening"))
        self.project = project
        req = previous or ScreeningRequest()
        defaults = ScreeningRequest()
        self.accidents = layer_combo(project, req.accidents, "Point")
        self.roads = layer_combo(project, req.roads, "Line")
        self.towns = layer_combo(project, req.towns or "towns", "Polygon", optional=True)
        metres = tr(" 米", " m")
        self.window_m = number_box(
            50, 10000, req.window_m, decimals=0, step=50, suffix=metres, name="window_m"
        )
        self.step_m = number_box(
            10, 10000, req.step_m, decimals=0, step=10, suffix=metres, name="step_m"
        )
        self.weights = []
        weight_row = QHBoxLayout()
        for value, (zh, en) in zip(
            req.weights, (("死亡", "fatal"), ("受伤", "injury"), ("财损", "property")), strict=True
        ):
            box = number_box(0, 100, value, decimals=1)
            weight_row.addWidget(QLabel(tr(zh, en)))
            weight_row.addWidget(box)
            self.weights.append(box)
        self.auto_threshold = QCheckBox(
            tr("按泊松分布自动确定阈值", "Threshold from the Poisson distribution")
        )
        self.auto_threshold.setChecked(req.min_count is None)
        self.alpha = number_box(0.0001, 0.2, req.alpha, decimals=4, step=0.005)
        self.min_count = QSpinBox()
        self.min_count.setObjectName("min_count")
        self.min_count.setRange(1, 10000)
        self.min_count.setValue(req.min_count or 5)  # a starting value when unticked
        self.min_count.setSuffix(tr(" 起", ""))
        self.min_equivalent = number_box(0, 100000, req.min_equivalent, decimals=1)
        self.include_ambiguous = QCheckBox(tr("包含匹配不确定的事故", "Include ambiguous matches"))
        self.include_ambiguous.setChecked("ambiguous" in req.qualities)
        self.use_period = QCheckBox(tr("只用此期间的事故", "Only accidents of this period"))
        self.date_from = QDateEdit()
        self.date_to = QDateEdit()
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        start, end = self._data_period()
        self.date_from.setDate(QDate.fromString(req.date_from or start, "yyyy-MM-dd"))
        self.date_to.setDate(QDate.fromString(req.date_to or end, "yyyy-MM-dd"))
        self.use_period.setChecked(bool(req.date_from or req.date_to))
        period = QHBoxLayout()
        period.addWidget(self.use_period)
        period.addWidget(self.date_from)
        period.addWidget(QLabel("—"))
        period.addWidget(self.date_to)
        self.years = number_box(
            0,
            100,
            req.years or 0,
            suffix=tr(" 年", " years"),
            name="years",
            special=tr("按期间长度", "the period's length"),
        )
        self.exposure = QComboBox()
        self.exposure.addItem(tr("（不计算事故率）", "(no rates)"), None)
        self.roads.currentIndexChanged.connect(self._fill_exposure)
        self._fill_exposure()
        if req.exposure_field:
            self.exposure.setCurrentIndex(max(0, self.exposure.findData(req.exposure_field)))

        form = QFormLayout(self)
        form.addRow(tr("事故图层", "Accidents"), self.accidents)
        form.addRow(tr("道路图层（带桩号）", "Roads (with stakes)"), self.roads)
        form.addRow(tr("镇街图层", "Towns"), self.towns)
        form.addRow(tr("窗口长度", "Window length"), self.window_m)
        form.addRow(tr("滑动步长", "Step"), self.step_m)
        form.addRow(tr("当量权重", "Severity weights"), weight_row)
        form.addRow("", self.auto_threshold)
        form.addRow(tr("显著性水平", "Significance"), self.alpha)
        form.addRow(
            tr("或固定阈值（每窗口事故数）", "Or fixed threshold (per window)"), self.min_count
        )
        form.addRow(tr("当量事故数下限", "Minimum equivalent"), self.min_equivalent)
        form.addRow("", self.include_ambiguous)
        form.addRow(tr("期间", "Period"), period)
        form.addRow(tr("年均数按年数", "Per-year figures over"), self.years)
        form.addRow(tr("交通量字段（事故率）", "Traffic field (rates)"), self.exposure)
        fatal, injury, prop = (f"{w:g}" for w in defaults.weights)
        note = QLabel(
            tr(
                f"默认 {defaults.window_m:g} 米窗口、每次移动 {defaults.step_m:g} 米；当量事故数"
                f"按死亡 {fatal}、受伤 {injury}、财损 {prop} 加权。",
                f"Default: {defaults.window_m:g} m windows moved {defaults.step_m:g} m; "
                f"equivalent accidents weight fatal {fatal}, injury {injury}, property damage "
                f"{prop}.",
            )
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        form.addRow(note)
        self.error = add_footer(self, form, tr("开始筛查", "Screen"))
        self.auto_threshold.toggled.connect(self._threshold_mode)
        self._threshold_mode(self.auto_threshold.isChecked())

    def _data_period(self) -> tuple[str, str]:
        name = self.accidents.currentData()
        today = dt.date.today().isoformat()
        if not name or name not in self.project:
            return today, today
        data = self.project.layer(name).data
        when = local_times(data["date"] if "date" in data.columns else []).dropna()
        if when.empty:
            return today, today
        return when.min().date().isoformat(), when.max().date().isoformat()

    def _threshold_mode(self, auto: bool) -> None:
        self.alpha.setEnabled(auto)
        self.min_count.setEnabled(not auto)

    def _fill_exposure(self, *_args: object) -> None:
        while self.exposure.count() > 1:
            self.exposure.removeItem(1)
        name = self.roads.currentData()
        if not name or name not in self.project:
            return
        data = self.project.layer(name).data
        for column in data.columns:
            if column in ("from_km", "to_km", "level", "road_id") or column == data.geometry.name:
                continue
            if pd.api.types.is_numeric_dtype(data[column]):
                self.exposure.addItem(str(column), str(column))

    def request(self) -> ScreeningRequest:
        """Return the Request the dialog describes."""
        extra = ("ambiguous",) if self.include_ambiguous.isChecked() else ()
        use_period = self.use_period.isChecked()
        return ScreeningRequest(
            accidents=self.accidents.currentData() or "",
            roads=self.roads.currentData() or "",
            towns=self.towns.currentData(),
            window_m=self.window_m.value(),
            step_m=self.step_m.value(),
            weights=(self.weights[0].value(), self.weights[1].value(), self.weights[2].value()),
            min_count=None if self.auto_threshold.isChecked() else self.min_count.value(),
            alpha=self.alpha.value(),
            min_equivalent=self.min_equivalent.value(),
            qualities=(*DEFAULT_QUALITIES, *extra),
            date_from=self.date_from.date().toString("yyyy-MM-dd") if use_period else None,
            date_to=self.date_to.date().toString("yyyy-MM-dd") if use_period else None,
            years=self.years.value() or None,
            exposure_field=self.exposure.currentData(),
        )

    def accept(self) -> None:
        """Refuse impossible parameters on the dialog itself (the Request's own checks)."""
        if not refuses(self.error, self.request()):
            super().accept()


class CandidatesPanel(QWidget):
    """The ranked candidates of the last screening, with "list this segment"."""

    list_requested = Signal(int)  # candidate position
    zoom_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("blackspot_candidates_panel")
        self.layer: ResultLayer | None = None
        self.listed: list[str] = []
        self.summary = QLabel(tr("尚未筛查。", "Not screened yet."))
        self.summary.setObjectName("screening_summary")
        self.summary.setWordWrap(True)
        self.model, self.view = frame_table(self, "candidates_table")
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.doubleClicked.connect(lambda index: self.zoom_requested.emit(index.row()))
        self.list_button = QPushButton(tr("挂牌…", "List…"))
        self.list_button.setObjectName("list_candidate")
        self.list_button.setToolTip(
            tr("把选中的候选路段挂牌为事故多发路段", "List the chosen candidate as a segment")
        )
        self.list_button.clicked.connect(self._list_clicked)
        self.zoom_button = QPushButton(tr("缩放到", "Zoom to"))
        self.zoom_button.clicked.connect(lambda: self._emit(self.zoom_requested))
        buttons = QHBoxLayout()
        buttons.addWidget(self.list_button)
        buttons.addWidget(self.zoom_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    def current_row(self) -> int | None:
        """The chosen candidate's position, if any."""
        rows = self.view.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def select_row(self, row: int) -> None:
        """Choose a candidate."""
        self.view.selectRow(row)

    def _emit(self, signal: Any) -> None:
        row = self.current_row()
        if row is not None:
            signal.emit(row)

    def _list_clicked(self) -> None:
        self._emit(self.list_requested)

    def _update_buttons(self) -> None:
        row = self.current_row()
        self.zoom_button.setEnabled(row is not None)
        self.list_button.setEnabled(row is not None and not (self.listed and self.listed[row]))

    def show_candidates(self, layer: ResultLayer, summary: str) -> None:
        """Show a screening's candidates (those already listed greyed) under its summary."""
        self.layer = layer
        self.listed = [str(x) for x in layer.data["listed"]]
        self.summary.setText(summary)
        frame = pd.DataFrame(
            {c: layer.data[c] for c in PANEL_COLUMNS if c in layer.data.columns}
        ).reset_index(drop=True)
        for column in _WHOLE:
            if column in frame.columns:
                frame[column] = frame[column].astype("int64")
        labels = layer.labels()
        headers = [labels.get(str(c), str(c)) for c in frame.columns]
        colours = {i: _LISTED for i, x in enumerate(self.listed) if x}
        self.model.set_frame(frame, headers, colours)
        self.view.resizeColumnsToContents()
        self.view.horizontalHeader().setStretchLastSection(True)
        self._update_buttons()

    def clear(self) -> None:
        """Forget the shown screening (another project was opened)."""
        self.layer = None
        self.listed = []
        self.summary.setText(tr("尚未筛查。", "Not screened yet."))
        self.model.set_frame(pd.DataFrame())
        self._update_buttons()

    def mark_listed(self, row: int, segment_id: str) -> None:
        """Show a candidate as listed now."""
        if self.layer is None:
            return
        data = self.layer.data
        data.loc[data.index[row], "listed"] = segment_id
        data.loc[data.index[row], "is_listed"] = True
        self.show_candidates(self.layer, self.summary.text())
        self.view.selectRow(row)
        self.view.scrollTo(self.model.index(row, 0))
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)
