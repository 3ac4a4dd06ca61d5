"""Black-spot screening from the window: the parameters dialog and the candidates panel.

The dialog collects the sliding-window parameters of
:func:`gisdesk.analysis.blackspots.screening.screen_accidents` (window, step, severity
weights, threshold, match qualities, period of the records, exposure); the window runs the
screening in a worker with progress and cancel. The candidates come back ranked in a table
and as a map layer; each can be listed (挂牌) as an accident-prone segment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gisdesk.analysis.blackspots.screening import (
    ScreeningResult,
    SeverityWeights,
    screen_accidents,
)
from gisdesk.core.layer import Layer, LayerMetadata
from gisdesk.core.progress import CancelToken, ProgressCallback
from gisdesk.core.project import Project
from gisdesk.core.style import LabelSpec, LayerStyle, StyleClass, Symbol
from gisdesk.ui.i18n import tr
from gisdesk.ui.import_dialog import FrameModel

__all__ = [
    "CANDIDATES_LAYER",
    "CandidatesPanel",
    "ScreeningDialog",
    "ScreeningRequest",
    "candidates_layer",
    "listed_overlaps",
    "run_screening",
    "screening_inputs",
]

CANDIDATES_LAYER = "blackspot_candidates"
_LISTED = QColor("#d9d9d9")


@dataclass
class ScreeningRequest:
    """What to screen with which parameters (plain data: kept in the project settings)."""

    accidents: str = "accidents"
    roads: str = "roads"
    towns: str | None = "towns"
    window_m: float = 500.0
    step_m: float = 100.0
    weights: tuple[float, float, float] = (10.0, 3.0, 1.0)
    min_count: int | None = None  # None: the Poisson critical count at ``alpha``
    alpha: float = 0.01
    min_equivalent: float = 0.0
    qualities: tuple[str, ...] = ("good", "fair")
    date_from: str | None = None  # ISO dates; None = all records
    date_to: str | None = None
    exposure_field: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the project settings."""
        out = asdict(self)
        out.pop("notes")
        out["weights"] = list(self.weights)
        out["qualities"] = list(self.qualities)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScreeningRequest:
        """Rebuild a request from the settings (unknown keys ignored)."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "notes"}
        if "weights" in known:
            w = [float(v) for v in known["weights"]]
            known["weights"] = (w[0], w[1], w[2])
        if "qualities" in known:
            known["qualities"] = tuple(known["qualities"])
        return cls(**known)


def screening_inputs(
    project: Project, request: ScreeningRequest
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """Copies of the layers to screen, taken in the GUI thread (the worker reads only these)."""
    accidents = project.layer(request.accidents).data.copy()
    roads = project.layer(request.roads).data.copy()
    towns = (
        project.layer(request.towns).data.copy()
        if request.towns and request.towns in project
        else None
    )
    return accidents, roads, towns


def run_screening(
    accidents: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    towns: gpd.GeoDataFrame | None,
    request: ScreeningRequest,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ScreeningResult:
    """Screen the accidents of the request's period (run in a worker thread)."""
    years = None
    if request.date_from or request.date_to:
        when = pd.to_datetime(accidents.get("date"), errors="coerce")
        keep = np.ones(len(accidents), dtype=bool)
        if request.date_from:
            keep &= (when >= pd.Timestamp(request.date_from)).to_numpy()
        if request.date_to:
            keep &= (when <= pd.Timestamp(request.date_to)).to_numpy()
        accidents = accidents.loc[keep]
        if request.date_from and request.date_to:
            span = pd.Timestamp(request.date_to) - pd.Timestamp(request.date_from)
            years = max(span.days + 1, 1) / 365.25
    fatal, injury, prop = request.weights
    return screen_accidents(
        accidents,
        roads,
        window_m=request.window_m,
        step_m=request.step_m,
        weights=SeverityWeights(fatal, injury, prop),
        min_count=request.min_count,
        min_equivalent=request.min_equivalent,
        alpha=request.alpha,
        qualities=request.qualities,
        towns=towns,
        exposure_field=request.exposure_field,
        years=years,
        progress=progress,
        cancel=cancel,
    )


def listed_overlaps(candidates: pd.DataFrame, segments: pd.DataFrame | None) -> list[str]:
    """For each candidate, the listed segments on the same road whose km ranges overlap it."""
    out = [""] * len(candidates)
    if segments is None or len(segments) == 0 or len(candidates) == 0:
        return out
    need = {"road", "from_km", "to_km", "segment_id"}
    if not need <= set(segments.columns):
        return out
    s_road = segments["road"].astype(str).to_numpy()
    s_from = pd.to_numeric(segments["from_km"], errors="coerce").to_numpy(np.float64)
    s_to = pd.to_numeric(segments["to_km"], errors="coerce").to_numpy(np.float64)
    s_id = segments["segment_id"].astype(str).to_numpy()
    for i, (road, a, b) in enumerate(
        zip(candidates["road"], candidates["from_km"], candidates["to_km"], strict=True)
    ):
        hit = (s_road == str(road)) & (s_from < float(b)) & (s_to > float(a))
        out[i] = "、".join(s_id[hit])
    return out


def candidates_layer(result: ScreeningResult, listed: list[str]) -> Layer:
    """The ranked candidates as a map layer (thick red lines labelled with their rank)."""
    cand = result.candidates.copy()
    cand["listed"] = listed
    symbol = Symbol(fill=None, stroke="#e31a1c", stroke_width=2.2)
    listed_symbol = Symbol(fill=None, stroke="#969696", stroke_width=1.6, dash="dash")
    style = LayerStyle(
        "categorized",
        (
            StyleClass(symbol, "候选路段", "Candidate", value=False),
            StyleClass(listed_symbol, "已挂牌", "Already listed", value=True),
        ),
        field="is_listed",
        label=LabelSpec(field="candidate_id", size=8, colour="#b10026", bold=True),
    )
    cand["is_listed"] = [bool(x) for x in listed]
    settings = result.settings
    return Layer(
        CANDIDATES_LAYER,
        gpd.GeoDataFrame(cand, geometry=cand.geometry.name, crs=cand.crs),
        style=style,
        title=tr("事故多发路段候选", "Black-spot candidates"),
        group=tr("分析结果", "Results"),
        metadata=LayerMetadata(
            source_zh=(
                f"滑动窗口筛查：窗口 {settings['window_m']:g} 米、步长 {settings['step_m']:g} 米，"
                f"阈值 {result.min_count} 起"
            ),
            source_en=(
                f"sliding-window screening: window {settings['window_m']:g} m, step "
                f"{settings['step_m']:g} m, threshold {result.min_count}"
            ),
        ),
    )


def _layer_combo(
    project: Project, kind: str, geometry: str, *, optional: bool = False
) -> QComboBox:
    combo = QComboBox()
    if optional:
        combo.addItem(tr("（不使用）", "(none)"), None)
    for layer in reversed(project.layers):
        types = {str(t) for t in layer.data.geom_type.dropna().unique()}
        if any(geometry in t for t in types):
            combo.addItem(f"{layer.title}（{layer.name}）", layer.name)
    index = combo.findData(kind)
    if index >= 0:
        combo.setCurrentIndex(index)
    return combo


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
        self.accidents = _layer_combo(project, req.accidents, "Point")
        self.roads = _layer_combo(project, req.roads, "Line")
        self.towns = _layer_combo(project, req.towns or "towns", "Polygon", optional=True)
        self.window_m = QDoubleSpinBox()
        self.window_m.setObjectName("window_m")
        self.window_m.setRange(50, 10000)
        self.window_m.setDecimals(0)
        self.window_m.setSingleStep(50)
        self.window_m.setSuffix(tr(" 米", " m"))
        self.window_m.setValue(req.window_m)
        self.step_m = QDoubleSpinBox()
        self.step_m.setObjectName("step_m")
        self.step_m.setRange(10, 10000)
        self.step_m.setDecimals(0)
        self.step_m.setSingleStep(10)
        self.step_m.setSuffix(tr(" 米", " m"))
        self.step_m.setValue(req.step_m)
        self.weights = []
        weight_row = QHBoxLayout()
        for value, (zh, en) in zip(
            req.weights, (("死亡", "fatal"), ("受伤", "injury"), ("财损", "property")), strict=True
        ):
            box = QDoubleSpinBox()
            box.setRange(0, 100)
            box.setDecimals(1)
            box.setValue(value)
            weight_row.addWidget(QLabel(tr(zh, en)))
            weight_row.addWidget(box)
            self.weights.append(box)
        self.auto_threshold = QCheckBox(
            tr("按泊松分布自动确定阈值", "Threshold from the Poisson distribution")
        )
        self.auto_threshold.setChecked(req.min_count is None)
        self.alpha = QDoubleSpinBox()
        self.alpha.setRange(0.0001, 0.2)
        self.alpha.setDecimals(4)
        self.alpha.setSingleStep(0.005)
        self.alpha.setValue(req.alpha)
        self.min_count = QSpinBox()
        self.min_count.setObjectName("min_count")
        self.min_count.setRange(1, 10000)
        self.min_count.setValue(req.min_count or 5)
        self.min_count.setSuffix(tr(" 起", ""))
        self.min_equivalent = QDoubleSpinBox()
        self.min_equivalent.setRange(0, 100000)
        self.min_equivalent.setDecimals(1)
        self.min_equivalent.setValue(req.min_equivalent)
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
        form.addRow(tr("交通量字段（事故率）", "Traffic field (rates)"), self.exposure)
        note = QLabel(
            tr(
                "默认 500 米窗口、每次移动 100 米；当量事故数按死亡 10、受伤 3、财损 1 加权。",
                "Default: 500 m windows moved 100 m; equivalent accidents weight fatal 10, "
                "injury 3, property damage 1.",
            )
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        form.addRow(note)
        self.error = QLabel("")
        self.error.setObjectName("dialog_error")
        self.error.setStyleSheet("color: #b2182b;")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("开始筛查", "Screen"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消", "Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.auto_threshold.toggled.connect(self._threshold_mode)
        self._threshold_mode(self.auto_threshold.isChecked())

    def _data_period(self) -> tuple[str, str]:
        name = self.accidents.currentData()
        today = dt.date.today().isoformat()
        if not name or name not in self.project:
            return today, today
        data = self.project.layer(name).data
        when = pd.to_datetime(data.get("date"), errors="coerce").dropna()
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
        """The screening the dialog describes."""
        qualities = (
            ("good", "fair", "ambiguous")
            if self.include_ambiguous.isChecked()
            else (
                "good",
                "fair",
            )
        )
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
            qualities=qualities,
            date_from=self.date_from.date().toString("yyyy-MM-dd") if use_period else None,
            date_to=self.date_to.date().toString("yyyy-MM-dd") if use_period else None,
            exposure_field=self.exposure.currentData(),
        )

    def accept(self) -> None:
        """Refuse impossible parameters on the dialog itself."""
        req = self.request()
        if not req.accidents or not req.roads:
            self.error.setText(
                tr("请选择事故图层和道路图层。", "Choose the accident and road layers.")
            )
            return
        if req.step_m > req.window_m:
            self.error.setText(
                tr("步长不能大于窗口长度。", "The step cannot be longer than the window.")
            )
            return
        if req.date_from and req.date_to and req.date_from > req.date_to:
            self.error.setText(tr("期间的起点晚于终点。", "The period starts after it ends."))
            return
        super().accept()


class CandidatesPanel(QWidget):
    """The ranked candidates of the last screening, with "list this segment"."""

    list_requested = Signal(int)  # candidate position
    zoom_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("blackspot_candidates_panel")
        self.result: ScreeningResult | None = None
        self.listed: list[str] = []
        self.summary = QLabel(tr("尚未筛查。", "Not screened yet."))
        self.summary.setObjectName("screening_summary")
        self.summary.setWordWrap(True)
        self.model = FrameModel(parent=self)
        self.view = QTableView()
        self.view.setObjectName("candidates_table")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
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

    def show_result(self, result: ScreeningResult, listed: list[str]) -> None:
        """Show a screening's candidates (those already listed greyed)."""
        self.result = result
        self.listed = listed
        s = result.settings
        self.summary.setText(
            tr(
                f"窗口 {s['window_m']:g} 米、步长 {s['step_m']:g} 米；参与筛查事故 "
                f"{result.screened} 起；窗口阈值 {result.min_count} 起（均匀分布期望 "
                f"{result.expected_per_window:.2f} 起）；候选路段 {len(result.candidates)} 处。",
                f"Window {s['window_m']:g} m, step {s['step_m']:g} m; {result.screened} "
                f"accidents screened; threshold {result.min_count} per window (even spread "
                f"{result.expected_per_window:.2f}); {len(result.candidates)} candidates.",
            )
        )
        cand = result.candidates
        frame = pd.DataFrame(
            {
                "rank": cand["rank"],
                "name": cand["name"],
                "town": cand["town"],
                "count": cand["count"],
                "deaths": cand["deaths"].astype(int),
                "injuries": cand["injuries"].astype(int),
                "equivalent": cand["equivalent"],
                "length_km": cand["length_km"],
                "rank_town": cand["rank_town"],
                "listed": listed,
            }
        )
        headers = [
            tr("排名", "Rank"),
            tr("路段", "Segment"),
            tr("镇街", "Town"),
            tr("事故数", "Accidents"),
            tr("死亡", "Deaths"),
            tr("受伤", "Injuries"),
            tr("当量", "Equivalent"),
            tr("长度（千米）", "Length (km)"),
            tr("镇内排名", "Rank in town"),
            tr("已挂牌", "Listed as"),
        ]
        colours = {i: _LISTED for i, x in enumerate(listed) if x}
        self.model.set_frame(frame, headers, colours)
        self.view.resizeColumnsToContents()
        self.view.horizontalHeader().setStretchLastSection(True)
        self._update_buttons()

    def clear(self) -> None:
        """Forget the shown screening (another project was opened)."""
        self.result = None
        self.listed = []
        self.summary.setText(tr("尚未筛查。", "Not screened yet."))
        self.model.set_frame(pd.DataFrame())
        self._update_buttons()

    def mark_listed(self, row: int, segment_id: str) -> None:
        """Show a candidate as listed now."""
        if self.result is None:
            return
        self.listed[row] = segment_id
        self.show_result(self.result, self.listed)
        self.view.selectRow(row)
        self.view.scrollTo(self.model.index(row, 0))
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)
