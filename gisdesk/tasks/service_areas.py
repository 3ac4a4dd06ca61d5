"""N-minute service areas (MED-5/6): who is within the time limit of a service point.

The one definition of the job the 医保服务圈 dialog and ``gisdesk analyze service-areas``
run. :class:`ServiceAreasRequest` states the defaults once (15 minutes by e-bike, taken
from :mod:`gisdesk.analysis.service_areas`); :func:`run` returns the villages with their
time and status (labelled in Chinese and English; the legend names the chosen time), the
service-area polygons, and the per-town coverage table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from gisdesk.analysis.isochrones import DEFAULT_FRONTAGE_M, DEFAULT_POLYGON_METHOD
from gisdesk.analysis.speeds import DEFAULT_MAX_SNAP_M, DEFAULT_MINUTES, DEFAULT_MODE
from gisdesk.core.errors import InputError
from gisdesk.core.i18n import tr
from gisdesk.core.style import LayerStyle, StyleClass, Symbol
from gisdesk.tasks.base import (
    Column,
    FieldInfo,
    Figure,
    LayerSource,
    Note,
    Result,
    ResultLayer,
    SummaryTable,
    ValueKind,
    field_infos,
    finite_frame,
    format_value,
)
from gisdesk.tasks.job import Job, task
from gisdesk.tasks.records import Recorded

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COVERAGE_COLUMNS",
    "KIND",
    "MODES",
    "ServiceAreasRequest",
    "TravelRequest",
    "coverage_table",
    "mode_label",
    "run",
    "status_labels",
]

KIND = "service_areas"
MODES = (
    ("ebike", "电动自行车", "E-bike"),
    ("bike", "自行车", "Bicycle"),
    ("walk", "步行", "Walking"),
    ("car", "小汽车", "Car"),
)
"""Travel modes with their labels, in the order forms offer them."""
DIRECTIONS = ("to_facility", "from_facility")
POLYGON_METHODS = (
    ("raster", "概化（快）", "Generalised (fast)"),
    ("union", "精确", "Exact"),
)
"""How the service-area outline is made, with its labels, the default first."""

COVERAGE_COLUMNS: tuple[tuple[str, str, str, ValueKind], ...] = (
    ("villages", "村数", "Villages", "count"),
    ("villages_within", "覆盖村数", "Villages within", "count"),
    ("village_share", "村覆盖率", "Village share", "share"),
    ("households", "户数", "Households", "count"),
    ("households_within", "覆盖户数", "Households within", "count"),
    ("household_share", "户数覆盖率", "Household share", "share"),
    ("population", "人口", "Population", "count"),
    ("population_within", "覆盖人口", "Population within", "count"),
    ("population_share", "人口覆盖率", "Population share", "share"),
)
"""The coverage figures of a town or the district: key, headers, how shown."""


def mode_label(mode: str, lang: str | None = None) -> str:
    """Return a travel mode's label (the key itself when unknown)."""
    for key, zh, en in MODES:
        if key == mode:
            return tr(zh, en, lang)
    return mode


def status_labels(minutes: float) -> tuple[tuple[str, str, str], ...]:
    """Return (status, Chinese, English) labels; "within" names the chosen time."""
    from gisdesk.analysis.service_areas import (
        STATUS_COVERED,
        STATUS_OFF_NETWORK,
        STATUS_TOO_FAR,
        STATUS_UNREACHABLE,
    )

    return (
        (STATUS_COVERED, f"{minutes:g} 分钟内", f"Within {minutes:g} min"),
        (STATUS_TOO_FAR, "超出时间", "Too far"),
        (STATUS_UNREACHABLE, "不可达", "Unreachable"),
        (STATUS_OFF_NETWORK, "远离道路", "Off network"),
    )


@dataclass(frozen=True)
class TravelRequest(Recorded):
    """What every network task shares: the layers, the time limit and how people travel.

    :class:`ServiceAreasRequest` and :class:`~gisdesk.tasks.siting.SitingRequest` add their
    own options after these.
    """

    layer_fields: ClassVar[tuple[str, ...]] = ("roads", "facilities", "demand")

    roads: str = "roads"
    facilities: str = "service_points"
    demand: str = "villages"
    minutes: float = DEFAULT_MINUTES
    mode: str = DEFAULT_MODE
    speed_kmh: float | None = None
    max_snap_m: float = DEFAULT_MAX_SNAP_M
    direction: Literal["to_facility", "from_facility"] = "to_facility"

    def validate_travel(self) -> None:
        """Check the time, access distance, mode, speed and direction."""
        from gisdesk.analysis.service_areas import check_travel_params
        from gisdesk.analysis.speeds import WALK_KMH, mode_speeds

        check_travel_params(minutes=self.minutes, max_snap_m=self.max_snap_m, walk_kmh=WALK_KMH)
        mode_speeds(self.mode, speed_kmh=self.speed_kmh)
        if self.direction not in DIRECTIONS:
            raise InputError(
                f"未知的方向“{self.direction}”。可选：{'、'.join(DIRECTIONS)}。",
                f"Unknown direction '{self.direction}'. Choose one of: {', '.join(DIRECTIONS)}.",
            )

    def sources(self) -> list[str]:
        """Return the layers the analysis reads."""
        return list(dict.fromkeys([self.roads, self.facilities, self.demand]))


@dataclass(frozen=True)
class ServiceAreasRequest(TravelRequest):
    """Service areas: which layers, how long, how people travel."""

    kind: ClassVar[str] = KIND
    per_facility: bool = False
    frontage_m: float = DEFAULT_FRONTAGE_M
    polygon_method: Literal["raster", "union"] = DEFAULT_POLYGON_METHOD
    lines: bool = False  # also the reachable network as lines
    raster_cell_m: float | None = None  # also a travel-time grid with this cell size

    def validate(self) -> None:
        """Raise an :class:`InputError` (Chinese and English) for a bad value."""
        self.validate_travel()
        from gisdesk.analysis.service_areas import check_frontage, check_raster_cell

        check_frontage(self.frontage_m)
        if self.polygon_method not in {key for key, _zh, _en in POLYGON_METHODS}:
            raise InputError(
                f"未知的服务区生成方法“{self.polygon_method}”。",
                f"Unknown polygon method '{self.polygon_method}'.",
            )
        if self.raster_cell_m is not None:  # 0 is a wrong cell size, not "no raster"
            check_raster_cell(self.raster_cell_m)


def coverage_table(frame: pd.DataFrame, first: Column) -> SummaryTable:
    """Return coverage rows (villages, households, people within) with the columns present."""
    columns = [first] + [
        Column(key, zh, en, kind) for key, zh, en, kind in COVERAGE_COLUMNS if key in frame
    ]
    rows = tuple({c.key: record.get(c.key) for c in columns} for record in frame.to_dict("records"))
    return SummaryTable(tuple(columns), rows)


DEMAND_FIELDS = (
    FieldInfo("minutes", "到最近站点时间", "Time to nearest point", "分钟"),
    FieldInfo("facility", "最近站点序号（-1 为无）", "Nearest point row (-1 = none)"),
    FieldInfo("within", "时限内", "Within the limit"),
    FieldInfo("snap_m", "接入道路距离", "Access distance", "米"),
)
AREA_FIELDS = (
    FieldInfo("facility", "站点序号（-1 为合并）", "Point row (-1 = merged)"),
    FieldInfo("kind", "类型", "Kind", codes=(("merged", "合并", "Merged"),)),
    FieldInfo("network_km", "可达路网长度", "Reachable network", "千米"),
)
LINE_FIELDS = (
    FieldInfo("road", "道路行号", "Road row"),
    FieldInfo("edge", "路网边号", "Network edge"),
    FieldInfo("from_m", "起点里程", "From", "米"),
    FieldInfo("to_m", "终点里程", "To", "米"),
    FieldInfo("length_m", "长度", "Length", "米"),
)
OFF_FIELDS = (
    FieldInfo("layer", "图层", "Layer"),
    FieldInfo("row", "行号", "Row"),
    FieldInfo("distance_m", "到道路距离", "Distance to a road", "米"),
    FieldInfo("max_snap_m", "最大接入距离", "Maximum access distance", "米"),
)
TOWN_FIELDS = tuple(
    FieldInfo(key, zh, en, "0–1" if kind == "share" else "")
    for key, zh, en, kind in COVERAGE_COLUMNS
)


def _status_style(minutes: float) -> LayerStyle:
    symbols = (
        Symbol(fill="#1a9850", size=2.2),
        Symbol(fill="#d73027", size=2.6),
        Symbol(fill="#000000", size=2.6),
        Symbol(fill="#7b3294", size=2.6),
    )
    classes = tuple(
        StyleClass(symbol, zh, en, value=value)
        for (value, zh, en), symbol in zip(status_labels(minutes), symbols, strict=True)
    )
    return LayerStyle("categorized", classes, field="status")


@task
def run(job: Job[LayerSource], request: ServiceAreasRequest) -> Result:
    """Compute the service areas; return the layers, the per-town table and the totals."""
    from gisdesk.analysis.network import kept_network, remember_network
    from gisdesk.analysis.service_areas import service_areas, travel_time_grid

    facilities = job.source.get(request.facilities)
    demand = job.source.get(request.demand)
    # Roads from a file that has not changed since their network was built: the kept
    # network, without reading them (on a 188,000-road layer 0.4 s and 130 MB).
    token = job.source.token(request.roads)
    others = {"facilities": facilities, "demand": demand}
    network = kept_network(token, others) if token is not None else None
    roads = network if network is not None else job.source.get(request.roads)
    found = service_areas(
        roads,
        facilities,
        demand,
        minutes=request.minutes,
        mode=request.mode,
        speed_kmh=request.speed_kmh,
        direction=request.direction,
        max_snap_m=request.max_snap_m,
        polygons="both" if request.per_facility else "merged",
        frontage_m=request.frontage_m,
        polygon_method=request.polygon_method,
        lines=request.lines,
        **job.hooks,
    )
    if token is not None and network is None:
        remember_network(token, roads, found.network)
    minutes = float(request.minutes)
    labels = job.source.fields(request.demand)
    statuses = status_labels(minutes)
    status_field = FieldInfo("status", "状态", "Status", codes=statuses)
    demand_fields = (*DEMAND_FIELDS, status_field)
    # A translucent fill without an outline: the area follows the roads, so at district
    # scale its thousands of rings drawn with an outline (even a hairline) were a dark green
    # maze over the very roads it covers (55% of its pixels dark); filled only, the roads,
    # names and points under it stay readable, and Qt fills in milliseconds.
    area_symbol = Symbol(fill="#1a985059", stroke=None)
    area_style = LayerStyle("single", (StyleClass(area_symbol, "", ""),), symbol=area_symbol)
    m = f"{minutes:g}"
    town = Column("town", "镇（街道）", "Town")
    summary = coverage_table(found.by_town, town)
    d = found.district.iloc[0].to_dict() if len(found.district) else {}
    district = tuple(
        Figure(key, zh, en, d.get(key), kind) for key, zh, en, kind in COVERAGE_COLUMNS if key in d
    )
    label = {key: (zh, en) for key, zh, en in statuses}
    uncovered = found.uncovered
    notes = [
        Note(
            f"{m} 分钟服务圈（{mode_label(request.mode, 'zh')}）：覆盖村 "
            f"{format_value(d.get('villages_within'), 'count')}/"
            f"{format_value(d.get('villages'), 'count')}"
            f"（{format_value(d.get('village_share'), 'share')}）",
            f"{m}-minute service areas ({request.mode}): villages within "
            f"{format_value(d.get('villages_within'), 'count')}/"
            f"{format_value(d.get('villages'), 'count')} "
            f"({format_value(d.get('village_share'), 'share')})",
        )
    ]
    if len(found.off_network):
        notes.append(
            Note(
                f"离路网过远 {len(found.off_network)} 个",
                f"{len(found.off_network)} points off the network",
            )
        )
    keep = [c for c in ("code", "name", "town", "minutes", "status", "snap_m") if c in uncovered]
    listed = finite_frame(uncovered[keep]).assign(
        status_zh=[label.get(s, (s, s))[0] for s in uncovered["status"]],
        status_en=[label.get(s, (s, s))[1] for s in uncovered["status"]],
    )
    extras: dict[str, Any] = {}
    if request.raster_cell_m is not None:
        extras["travel_time_grid"] = travel_time_grid(found, cell_m=request.raster_cell_m)
    plain = [  # non-geographic tables carry no geometry column
        (found.by_town, "by_town", "各镇覆盖", "Coverage by town", TOWN_FIELDS),
    ]
    layers = [
        ResultLayer(
            "service_area",
            "areas",
            f"{m}分钟服务圈",
            f"{m}-min area",
            found.areas,
            field_infos(found.areas, AREA_FIELDS),
            area_style,
        ),
        ResultLayer(
            "village_coverage",
            "demand",
            "村覆盖情况",
            "Village coverage",
            finite_frame(found.demand),
            field_infos(found.demand, demand_fields, labels),
            _status_style(minutes),
        ),
        ResultLayer(
            "uncovered_villages",
            "uncovered",
            f"{m} 分钟内未覆盖的村",
            f"Villages beyond {m} min",
            finite_frame(uncovered),
            field_infos(uncovered, demand_fields, labels),
            shown=False,
        ),
        ResultLayer(
            "off_network",
            "off_network",
            "远离道路的点",
            "Points off the network",
            found.off_network,
            field_infos(found.off_network, OFF_FIELDS),
            shown=False,
        ),
        *(
            ResultLayer(name, name, zh, en, frame, field_infos(frame, own), shown=False)
            for frame, name, zh, en, own in plain
        ),
    ]
    if found.lines is not None:
        line_symbol = Symbol(fill=None, stroke="#1a985099", stroke_width=0.2)  # hairline
        layers.insert(
            1,
            ResultLayer(
                "reachable_network",
                "lines",
                f"{m}分钟可达路网",
                f"Network within {m} min",
                found.lines,
                field_infos(found.lines, LINE_FIELDS),
                LayerStyle("single", (StyleClass(line_symbol, "", ""),), symbol=line_symbol),
            ),
        )
    return Result.of(
        request,
        job.source,
        title_zh="服务圈",
        title_en="Service areas",
        layers=layers,
        summary=summary,
        district=district,
        notes=tuple(notes),
        details={
            "analysis": "service-areas",
            "params": found.params,
            "district": d,
            "by_town": summary.records(),
            "uncovered": listed.to_dict("records"),
            "off_network": finite_frame(found.off_network.drop(columns="geometry")).to_dict(
                "records"
            ),
            "network": {"nodes": found.network.n_nodes, "edges": found.network.n_edges},
        },
        extras=extras,
    )
