"""Analysis dialogs: forms for the tasks' Requests (zones, service areas, siting).

Each dialog starts from its Request's defaults (:mod:`gisdesk.tasks`: 3 km; 15 min; e-bike)
and :meth:`request` returns the Request the widgets describe, the same the command line
builds from its options. :func:`run_analysis` runs any Request through the task registry (in
a worker, with progress and cancel) and turns the Result's layers into project layers with
their Chinese titles, column labels and the sources they came from; :func:`place_layers`
adds them, replacing the layers an earlier run of the same analysis made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import geopandas as gpd
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QSpinBox,
    QWidget,
)

from gisdesk.core.layer import Layer, LayerMetadata
from gisdesk.core.progress import CancelToken, ProgressCallback
from gisdesk.core.project import Project
from gisdesk.tasks import ProjectSource, Request, Result, run_request
from gisdesk.tasks.base import ResultLayer, SummaryTable
from gisdesk.tasks.service_areas import MODES, POLYGON_METHODS, ServiceAreasRequest
from gisdesk.tasks.siting import SitingRequest
from gisdesk.tasks.zones import CONTROL_LEVELS, ZonesRequest, default_targets
from gisdesk.ui.form_widgets import (
    checkable_list,
    checked_names,
    layer_combo,
    number_box,
    ok_cancel_buttons,
)
from gisdesk.ui.i18n import tr

__all__ = [
    "AnalysisResult",
    "ServiceAreaDialog",
    "SitingDialog",
    "ZonesDialog",
    "place_layers",
    "run_analysis",
]


@dataclass
class AnalysisResult:
    """What the window adds and shows: project layers, the summary table and notes."""

    title: str
    layers: list[Layer]
    summary: SummaryTable
    notes: list[str] = field(default_factory=list)
    request: Request | None = None  # what made the layers (to re-run after edits)
    result: Result | None = None  # the task's full result


class ZonesDialog(QDialog):
    """Key zones around national/provincial stations and what lies inside them."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        names = [layer.name for layer in project]
        defaults = ZonesRequest(targets=default_targets(names))
        km = f"{(defaults.radius_m or 0) / 1000:g}"
        self.setWindowTitle(tr(f"监测站点重点区域（{km} 千米）", f"Station key zones ({km} km)"))
        self.stations = layer_combo(project, defaults.stations, "Point")
        self.radius = number_box(10, 50000, defaults.radius_m or 0, suffix=tr(" 米", " m"))
        self.control_only = QCheckBox(tr("仅国控、省控站点", "National and provincial only"))
        self.control_only.setChecked(defaults.levels == CONTROL_LEVELS)
        self.targets = checkable_list(
            (layer.title, layer.name, layer.name in defaults.targets)
            for layer in reversed(project.layers)
            if (layer.data.geom_type == "Point").any()
        )
        form = QFormLayout(self)
        form.addRow(tr("站点图层", "Stations"), self.stations)
        form.addRow(tr("半径", "Radius"), self.radius)
        form.addRow("", self.control_only)
        form.addRow(tr("统计区内要素", "List features of"), self.targets)
        form.addRow(ok_cancel_buttons(self))

    def request(self) -> ZonesRequest:
        """Return the Request the dialog describes."""
        checked = set(checked_names(self.targets))
        # the default layers first, in their order (as the command line lists them)
        ordered = [*default_targets(sorted(checked)), *sorted(checked)]
        return ZonesRequest(
            stations=self.stations.currentData(),
            targets=tuple(dict.fromkeys(ordered)),
            radius_m=self.radius.value(),
            levels=CONTROL_LEVELS if self.control_only.isChecked() else None,
        )


class ServiceAreaDialog(QDialog):
    """The N-minute medical-insurance service circle (15 minutes by default)."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        defaults = ServiceAreasRequest()
        m = f"{defaults.minutes:g}"
        self.setWindowTitle(tr(f"{m} 分钟医保服务圈", f"{m}-minute service areas"))
        self.roads = layer_combo(project, defaults.roads, "Line")
        self.facilities = layer_combo(project, defaults.facilities, "Point")
        self.demand = layer_combo(project, defaults.demand, "Point")
        self.minutes = number_box(1, 180, defaults.minutes, suffix=tr(" 分钟", " min"))
        self.mode = QComboBox()
        for key, zh, en in MODES:
            self.mode.addItem(tr(zh, en), key)
        self.mode.setCurrentIndex(max(self.mode.findData(defaults.mode), 0))
        self.speed = number_box(
            0, 120, 0, suffix=" km/h", special=tr("按道路等级", "by road class")
        )
        form = QFormLayout(self)
        form.addRow(tr("道路", "Roads"), self.roads)
        form.addRow(tr("服务站点", "Service points"), self.facilities)
        form.addRow(tr("需求点（村）", "Demand (villages)"), self.demand)
        form.addRow(tr("时间", "Time"), self.minutes)
        form.addRow(tr("出行方式", "Mode"), self.mode)
        form.addRow(tr("统一车速", "Fixed speed"), self.speed)
        self._add_area_options(form, defaults)
        form.addRow(ok_cancel_buttons(self))

    def _add_area_options(self, form: QFormLayout, defaults: ServiceAreasRequest) -> None:
        """The service-area outputs: outline method, per-point areas, reachable lines."""
        self.outline = QComboBox()
        for key, zh, en in POLYGON_METHODS:
            self.outline.addItem(tr(zh, en), key)
        self.outline.setCurrentIndex(max(self.outline.findData(defaults.polygon_method), 0))
        self.outline.setToolTip(
            tr(
                "概化：按栅格生成，边界与精确结果相差约一个栅格（25 米），包含全部可达路网；"
                "精确：逐段缓冲后合并，大路网较慢。",
                "Generalised: made on a grid, within about one cell (25 m) of the exact "
                "outline and containing the whole reachable network; exact: buffers merged, "
                "slow on large networks.",
            )
        )
        self.per_facility = QCheckBox(tr("另生成各站点服务区", "Also each point's own area"))
        self.per_facility.setChecked(defaults.per_facility)
        self.lines = QCheckBox(tr("另输出可达路网（线）", "Also the reachable network (lines)"))
        self.lines.setChecked(defaults.lines)
        form.addRow(tr("服务区面", "Area outline"), self.outline)
        form.addRow("", self.per_facility)
        form.addRow("", self.lines)

    def travel(self) -> dict[str, object]:
        """Return the layers and travel options the widgets hold."""
        return {
            "roads": self.roads.currentData(),
            "facilities": self.facilities.currentData(),
            "demand": self.demand.currentData(),
            "minutes": self.minutes.value(),
            "mode": self.mode.currentData(),
            "speed_kmh": self.speed.value() or None,
        }

    def request(self) -> Request:
        """Return the Request the dialog describes."""
        return ServiceAreasRequest(
            **self.travel(),  # type: ignore[arg-type]
            polygon_method=self.outline.currentData(),
            per_facility=self.per_facility.isChecked(),
            lines=self.lines.isChecked(),
        )


class SitingDialog(ServiceAreaDialog):
    """Where to put new service points to reach a share of villages (or the best k)."""

    def _add_area_options(self, form: QFormLayout, defaults: ServiceAreasRequest) -> None:
        """Siting draws no service areas: no outline options."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(project, parent)
        defaults = SitingRequest()
        self.setWindowTitle(tr("新增服务点选址", "Siting new service points"))
        self.share = QSpinBox()
        self.share.setRange(1, 100)
        self.share.setValue(round(100 * (defaults.target_share or 1.0)))
        self.share.setSuffix(" %")
        self.k = QSpinBox()
        self.k.setRange(0, 500)
        self.k.setValue(defaults.k or 0)
        self.k.setSpecialValueText(tr("（按覆盖率目标）", "(by target share)"))
        form = self.layout()
        assert isinstance(form, QFormLayout)
        form.insertRow(form.rowCount() - 1, tr("目标覆盖率", "Target share"), self.share)
        form.insertRow(form.rowCount() - 1, tr("或新增点数", "Or number of sites"), self.k)

    def request(self) -> Request:
        """Return the Request the dialog describes (a number of sites overrides the share)."""
        k = self.k.value() or None
        share = None if k is not None else self.share.value() / 100.0
        return SitingRequest(**self.travel(), target_share=share, k=k)  # type: ignore[arg-type]


# --- running ------------------------------------------------------------------------------


def _project_layer(project: Project, found: ResultLayer, result: Result) -> Layer:
    """Return a result layer as a project layer (EPSG:4490, titled, labelled, cited)."""
    data = found.data
    assert isinstance(data, gpd.GeoDataFrame), found.name  # tables are not shown as layers
    return Layer(
        found.name,
        data.to_crs(4490),
        style=found.style,
        title=found.title(),
        group=tr("分析结果", "Results"),
        metadata=LayerMetadata(
            schematic=any(layer.metadata.schematic for layer in project),
            source_zh=result.citation("zh"),
            source_en=result.citation("en"),
            field_labels={f.name: (f.label("zh"), f.label("en")) for f in found.fields},
        ),
    )


def run_analysis(
    project: Project,
    request: Request,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> AnalysisResult:
    """Run a Request's task on the project's layers (in a worker) and build the layers to add.

    Each layer's metadata names its source layers and its columns' labels; the result
    carries the request, so the window can record it and refresh the layers after edits.
    """
    result = run_request(ProjectSource(project), request, progress=progress, cancel=cancel)
    layers = [_project_layer(project, found, result) for found in result.layers if found.shown]
    totals = "，".join(f.show() for f in result.district)
    notes = [note.show() for note in result.notes]
    return AnalysisResult(
        result.title(),
        layers,
        result.summary,
        [totals, *notes] if totals else notes,
        request,
        result,
    )


def place_layers(project: Project, layers: Iterable[Layer], replaceable: set[str]) -> list[str]:
    """Add result layers; one named like a layer in ``replaceable`` takes its place.

    ``replaceable`` holds the layers an earlier run of the same analysis made, so running it
    again leaves one result, at the same place in the drawing order. A layer of the user's
    that happens to have the name is kept: the new layer gets a free name instead. Returns
    the names the layers got.
    """
    names = []
    for layer in layers:
        if layer.name in project and layer.name in replaceable:
            index = project.layers.index(project.layer(layer.name))
            project.remove_layer(layer.name)
            project.add_layer(layer, index=index)
        else:
            if layer.name in project:
                layer.name = project.unique_name(layer.name)
            project.add_layer(layer)
        names.append(layer.name)
    return names
