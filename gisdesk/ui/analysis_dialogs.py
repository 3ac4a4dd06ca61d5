"""Analysis dialogs: 3 km station zones, 15-minute service areas, siting new service points.

Each dialog collects the inputs with sensible defaults (3 km; 15 min; e-bike), and the
main window runs the analysis in a worker with progress and cancel; results come back as
styled layers and a summary in the results dock. "Run again" repeats the last analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QWidget,
)

from gisdesk.core.layer import Layer, LayerMetadata
from gisdesk.core.progress import CancelToken, ProgressCallback
from gisdesk.core.project import Project
from gisdesk.core.style import LabelSpec, LayerStyle, StyleClass, Symbol
from gisdesk.ui.i18n import tr

__all__ = [
    "AnalysisRequest",
    "AnalysisResult",
    "ServiceAreaDialog",
    "SitingDialog",
    "ZonesDialog",
    "request_sources",
    "run_analysis",
]

MODES = (
    ("ebike", "电动自行车", "E-bike"),
    ("bike", "自行车", "Bicycle"),
    ("walk", "步行", "Walking"),
    ("car", "小汽车", "Car"),
)


@dataclass
class AnalysisRequest:
    """What to run, on which layers, with which options (plain data, so it can re-run)."""

    kind: str  # "zones", "service_areas", "siting"
    layers: dict[str, str]
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class AnalysisResult:
    """Layers to add and a summary table for the results dock."""

    title: str
    layers: list[Layer]
    summary: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    request: AnalysisRequest | None = None  # what made the layers (to re-run after edits)


def request_sources(request: AnalysisRequest) -> list[str]:
    """Return the names of the layers an analysis reads (its results follow their edits)."""
    names = [*request.layers.values(), *request.options.get("targets", [])]
    return [str(n) for n in dict.fromkeys(names) if n]


def _layer_combo(
    project: Project, kinds: tuple[str, ...], geometry: str | None = None
) -> QComboBox:
    combo = QComboBox()
    for layer in reversed(project.layers):
        types = set(layer.data.geom_type.dropna().unique())
        if geometry is not None and not any(geometry in t for t in types):
            continue
        combo.addItem(f"{layer.title}（{layer.name}）", layer.name)
    for kind in kinds:  # prefer the layer of the expected type
        index = combo.findData(kind)
        if index >= 0:
            combo.setCurrentIndex(index)
            break
    return combo


def _buttons(dialog: QDialog, form: QFormLayout) -> None:
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    form.addRow(box)


class ZonesDialog(QDialog):
    """Key zones around national/provincial stations and what lies inside them."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("监测站点重点区域（3 千米）", "Station key zones (3 km)"))
        self.stations = _layer_combo(project, ("monitoring_stations",), "Point")
        self.radius = QDoubleSpinBox()
        self.radius.setRange(10, 50000)
        self.radius.setValue(3000)
        self.radius.setSuffix(" 米")
        self.control_only = QCheckBox(tr("仅国控、省控站点", "National and provincial only"))
        self.control_only.setChecked(True)
        self.targets = QListWidget()
        for layer in reversed(project.layers):
            if not (layer.data.geom_type == "Point").any():
                continue
            item = QListWidgetItem(layer.title)
            item.setData(Qt.ItemDataRole.UserRole, layer.name)
            wanted = layer.name in ("enterprises", "rental_factories", "villages")
            item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)
            self.targets.addItem(item)
        form = QFormLayout(self)
        form.addRow(tr("站点图层", "Stations"), self.stations)
        form.addRow(tr("半径", "Radius"), self.radius)
        form.addRow("", self.control_only)
        form.addRow(tr("统计区内要素", "List features of"), self.targets)
        _buttons(self, form)

    def request(self) -> AnalysisRequest:
        """Return the analysis the dialog describes."""
        targets = [
            self.targets.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.targets.count())
            if self.targets.item(i).checkState() == Qt.CheckState.Checked
        ]
        return AnalysisRequest(
            "zones",
            {"stations": self.stations.currentData()},
            {
                "radius_m": self.radius.value(),
                "targets": targets,
                "control_only": self.control_only.isChecked(),
            },
        )


class ServiceAreaDialog(QDialog):
    """The 15-minute medical-insurance service circle."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("15 分钟医保服务圈", "15-minute service areas"))
        self.roads = _layer_combo(project, ("roads",), "Line")
        self.facilities = _layer_combo(project, ("service_points",), "Point")
        self.demand = _layer_combo(project, ("villages",), "Point")
        self.minutes = QDoubleSpinBox()
        self.minutes.setRange(1, 180)
        self.minutes.setValue(15)
        self.minutes.setSuffix(tr(" 分钟", " min"))
        self.mode = QComboBox()
        for key, zh, en in MODES:
            self.mode.addItem(tr(zh, en), key)
        self.speed = QDoubleSpinBox()
        self.speed.setRange(0, 120)
        self.speed.setSpecialValueText(tr("按道路等级", "by road class"))
        self.speed.setSuffix(" km/h")
        form = QFormLayout(self)
        form.addRow(tr("道路", "Roads"), self.roads)
        form.addRow(tr("服务站点", "Service points"), self.facilities)
        form.addRow(tr("需求点（村）", "Demand (villages)"), self.demand)
        form.addRow(tr("时间", "Time"), self.minutes)
        form.addRow(tr("出行方式", "Mode"), self.mode)
        form.addRow(tr("统一车速", "Fixed speed"), self.speed)
        _buttons(self, form)

    def request(self) -> AnalysisRequest:
        """Return the analysis the dialog describes."""
        return AnalysisRequest(
            "service_areas",
            {
                "roads": self.roads.currentData(),
                "facilities": self.facilities.currentData(),
                "demand": self.demand.currentData(),
            },
            {
                "minutes": self.minutes.value(),
                "mode": self.mode.currentData(),
                "speed_kmh": self.speed.value() or None,
            },
        )


class SitingDialog(ServiceAreaDialog):
    """Where to put new service points to reach a share of villages (or the best k)."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(project, parent)
        self.setWindowTitle(tr("新增服务点选址", "Siting new service points"))
        self.share = QSpinBox()
        self.share.setRange(1, 100)
        self.share.setValue(100)
        self.share.setSuffix(" %")
        self.k = QSpinBox()
        self.k.setRange(0, 500)
        self.k.setSpecialValueText(tr("（按覆盖率目标）", "(by target share)"))
        form = self.layout()
        assert isinstance(form, QFormLayout)
        form.insertRow(form.rowCount() - 1, tr("目标覆盖率", "Target share"), self.share)
        form.insertRow(form.rowCount() - 1, tr("或新增点数", "Or number of sites"), self.k)

    def request(self) -> AnalysisRequest:
        """Return the analysis the dialog describes."""
        base = super().request()
        base.kind = "siting"
        base.options["target_share"] = self.share.value() / 100.0
        base.options["k"] = self.k.value() or None
        return base


# --- running ------------------------------------------------------------------------------


def _style(
    kind: str,
    field_name: str | None = None,
    classes: tuple[tuple[Any, str, str, Symbol], ...] = (),
    symbol: Symbol | None = None,
    label: str | None = None,
) -> LayerStyle:
    label_spec = LabelSpec(field=label, size=8) if label else None
    if kind == "single":
        assert symbol is not None
        return LayerStyle("single", (StyleClass(symbol, "", ""),), symbol=symbol, label=label_spec)
    return LayerStyle(
        "categorized",
        tuple(StyleClass(sym, zh, en, value=value) for value, zh, en, sym in classes),
        field=field_name,
        label=label_spec,
    )


def _result_layer(
    project: Project, base: str, gdf: gpd.GeoDataFrame, title: str, style: LayerStyle
) -> Layer:
    return Layer(
        project.unique_name(base),
        gdf.to_crs(4490),
        style=style,
        title=title,
        group=tr("分析结果", "Results"),
        metadata=LayerMetadata(
            schematic=any(layer.metadata.schematic for layer in project),
            source_zh="gisdesk 分析结果",
            source_en="gisdesk analysis",
        ),
    )


def run_analysis(
    project: Project,
    request: AnalysisRequest,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> AnalysisResult:
    """Run an analysis on the project's layers (in a worker thread) and build result layers.

    Each result layer's metadata names its source layers; the result carries the request,
    so the window can record it and refresh the layers when the sources are edited.
    """
    result = _run_analysis(project, request, progress=progress, cancel=cancel)
    sources = "、".join(request_sources(request))
    for layer in result.layers:
        layer.metadata.source_zh = f"gisdesk 分析结果（源图层：{sources}）"
        layer.metadata.source_en = f"gisdesk analysis (source layers: {sources})"
    result.request = request
    return result


def _run_analysis(
    project: Project,
    request: AnalysisRequest,
    *,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> AnalysisResult:

    def data(role: str) -> gpd.GeoDataFrame:
        return project.layer(request.layers[role]).data

    opts = request.options
    if request.kind == "zones":
        from gisdesk.analysis.zones import (
            CONTROL_LEVELS,
            check_zone_inputs,
            station_zones,
            zone_members,
        )

        levels = CONTROL_LEVELS if opts["control_only"] else None
        stations = data("stations")
        targets = {name: project.layer(name).data for name in opts["targets"]}
        check_zone_inputs(
            stations, targets, levels=levels, stations_layer=request.layers["stations"]
        )
        zones = station_zones(stations, radius_m=opts["radius_m"], levels=levels)
        members = zone_members(
            stations,
            targets,
            radius_m=opts["radius_m"],
            levels=levels,
            progress=progress,
            cancel=cancel,
        )
        zone_symbol = Symbol(fill="#31a35426", stroke="#006d2c", stroke_width=0.6, dash="dash")
        member_symbols = tuple(
            (
                name,
                project.layer(name).title,
                name,
                Symbol(fill=colour, stroke="#ffffff", stroke_width=0.15, size=2.2),
            )
            for name, colour in zip(
                opts["targets"],
                ("#d7301f", "#6a51a3", "#ff7f00", "#1f78b4", "#33a02c", "#b15928"),
                strict=False,
            )
        )
        layers = [
            _result_layer(
                project,
                "key_zones",
                zones,
                tr("重点区域（3 千米）", "Key zones"),
                _style("single", symbol=zone_symbol),
            ),
            _result_layer(
                project,
                "zone_members",
                members,
                tr("重点区域内要素", "Zone members"),
                _style("categorized", "layer", member_symbols),
            ),
        ]
        name_col = "station_name" if "station_name" in members.columns else members.columns[0]
        summary = (
            pd.crosstab(members[name_col], members["layer"]) if len(members) else pd.DataFrame()
        )
        return AnalysisResult(
            tr("重点区域", "Key zones"),
            layers,
            summary,
            [
                tr(
                    f"区内要素 {len(members)} 个（按精确距离判定）",
                    f"{len(members)} features inside (exact distance)",
                )
            ],
        )
    if request.kind == "service_areas":
        from gisdesk.analysis.service_areas import service_areas

        result = service_areas(
            data("roads"),
            data("facilities"),
            data("demand"),
            minutes=opts["minutes"],
            mode=opts["mode"],
            speed_kmh=opts["speed_kmh"],
            progress=progress,
            cancel=cancel,
        )
        status = (
            ("covered", "15 分钟内", "Within limit", Symbol(fill="#1a9850", size=2.2)),
            ("too_far", "超出时间", "Too far", Symbol(fill="#d73027", size=2.6)),
            ("unreachable", "不可达", "Unreachable", Symbol(fill="#000000", size=2.6)),
            ("off_network", "远离道路", "Off network", Symbol(fill="#7b3294", size=2.6)),
        )
        area_symbol = Symbol(fill="#1a985033", stroke="#1a9850", stroke_width=0.3)
        layers = [
            _result_layer(
                project,
                "service_area",
                result.areas,
                tr(f"{opts['minutes']:g}分钟服务圈", f"{opts['minutes']:g}-min area"),
                _style("single", symbol=area_symbol),
            ),
            _result_layer(
                project,
                "village_coverage",
                result.demand,
                tr("村覆盖情况", "Village coverage"),
                _style("categorized", "status", status),
            ),
        ]
        district = result.district.iloc[0].to_dict() if len(result.district) else {}
        notes = [
            tr(
                f"覆盖村 {district.get('villages_within', '?')}/{district.get('villages', '?')}",
                f"Villages covered {district.get('villages_within', '?')}/"
                f"{district.get('villages', '?')}",
            )
        ]
        return AnalysisResult(tr("服务圈", "Service areas"), layers, result.by_town, notes)
    if request.kind == "siting":
        from gisdesk.analysis.siting import default_candidates, site_facilities

        facilities, demand = data("facilities"), data("demand")
        siting = site_facilities(
            data("roads"),
            facilities,
            demand,
            default_candidates(demand, facilities),
            minutes=opts["minutes"],
            mode=opts["mode"],
            speed_kmh=opts["speed_kmh"],
            target_share=opts["target_share"],
            k=opts["k"],
            progress=progress,
            cancel=cancel,
        )
        chosen_symbol = Symbol(
            fill="#e7298a", stroke="#000000", stroke_width=0.3, size=4.0, marker="star"
        )
        layers = [
            _result_layer(
                project,
                "proposed_sites",
                siting.chosen,
                tr("建议新增服务点", "Proposed sites"),
                _style(
                    "single",
                    symbol=chosen_symbol,
                    label="name" if "name" in siting.chosen.columns else None,
                ),
            )
        ]
        return AnalysisResult(
            tr("选址", "Siting"),
            layers,
            pd.DataFrame(siting.targets),
            [
                tr(
                    f"建议新增 {len(siting.chosen)} 个服务点",
                    f"{len(siting.chosen)} new sites proposed",
                )
            ],
        )
    raise ValueError(request.kind)
