"""Station key zones (AIR-4): the zones around control stations and what lies inside them.

The one definition of the job the 监测站点重点区域 dialog and ``gisdesk analyze zones`` run:
:class:`ZonesRequest` holds the defaults (3 km around 国控 and 省控 stations; members
listed from enterprises, rental factories and villages), :func:`run` computes the zones
and their members by exact distance and labels everything for users.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from gisdesk.analysis.zones import CONTROL_LEVELS, DEFAULT_RADIUS_M
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
    field_infos,
)
from gisdesk.tasks.job import Job, task
from gisdesk.tasks.records import Recorded

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "CONTROL_LEVELS",
    "DEFAULT_TARGETS",
    "KIND",
    "ZonesRequest",
    "default_targets",
    "run",
    "zones_summary",
]

KIND = "zones"
DEFAULT_TARGETS = ("enterprises", "rental_factories", "villages")
"""Layers whose features inside a zone are listed, where the project has them."""
MEMBER_COLOURS = ("#d7301f", "#6a51a3", "#ff7f00", "#1f78b4", "#33a02c", "#b15928")

ZONE_FIELDS = (
    FieldInfo("feature", "站点序号", "Station row"),
    FieldInfo("inner_m", "内半径", "Inner radius", "米"),
    FieldInfo("outer_m", "外半径", "Outer radius", "米"),
    FieldInfo("code", "站点编码", "Station code"),
    FieldInfo("name", "站点名称", "Station"),
    FieldInfo("zone_radius_m", "站点设定半径", "Station's own radius", "米"),
)
MEMBER_FIELDS = (
    FieldInfo("station", "站点序号", "Station row"),
    FieldInfo("station_code", "站点编码", "Station code"),
    FieldInfo("station_name", "站点名称", "Station"),
    FieldInfo("radius_m", "半径", "Radius", "米"),
    FieldInfo("row", "源图层行号", "Row in its layer"),
    FieldInfo("kind", "类型", "Kind"),
    FieldInfo("name", "名称", "Name"),
    FieldInfo("distance_m", "到站点距离", "Distance to the station", "米"),
)


def default_targets(present: Sequence[str]) -> tuple[str, ...]:
    """Return the default member layers among the layer names present, in default order."""
    return tuple(name for name in DEFAULT_TARGETS if name in present)


@dataclass(frozen=True)
class ZonesRequest(Recorded):
    """Key zones: which stations, how far, which layers to list members of.

    ``radius_field``, when given, takes each station's radius from that field (``radius_m``
    is then not used); ``levels`` None takes every station; ``clip`` names a polygon layer
    to clip the zones to.
    """

    kind: ClassVar[str] = KIND
    layer_fields: ClassVar[tuple[str, ...]] = ("stations", "clip")
    stations: str = "monitoring_stations"
    targets: tuple[str, ...] = DEFAULT_TARGETS
    radius_m: float | None = DEFAULT_RADIUS_M
    radius_field: str | None = None
    levels: tuple[str, ...] | None = CONTROL_LEVELS
    clip: str | None = None

    def validate(self) -> None:
        """Raise an :class:`InputError` (Chinese and English) for a bad radius."""
        from gisdesk.analysis.zones import check_radius

        if self.radius_m is None and not self.radius_field:
            raise InputError(
                "请给出重点区域半径，或按字段取半径。",
                "Give a zone radius, or a field holding each station's radius.",
            )
        if self.radius_m is not None:
            check_radius(self.radius_m)

    @classmethod
    def upgrade_record(cls, given: dict[str, Any]) -> dict[str, Any]:
        """Records of an earlier window said ``control_only`` instead of the levels."""
        if "levels" in given or "control_only" not in given:
            return given
        return {**given, "levels": CONTROL_LEVELS if given["control_only"] else None}

    def zone_options(self) -> dict[str, Any]:
        """Return the options of the zone functions this request stands for (radius, radius
        field, levels): the same for a full run and for a refresh after an edit."""
        return {
            "radius_m": None if self.radius_field else self.radius_m,
            "radius_field": self.radius_field,
            "levels": None if self.levels is None else list(self.levels),
        }

    def sources(self) -> list[str]:
        """Return the layers the zones read (stations first)."""
        names = [self.stations, *self.targets, *([self.clip] if self.clip else [])]
        return list(dict.fromkeys(names))

    def title(self, lang: str | None = None) -> str:
        """Return the zones' layer title, which states the radius."""
        if self.radius_m is None:
            return tr("重点区域（按站点半径）", "Key zones (station radii)", lang)
        km = f"{self.radius_m / 1000.0:g}"
        return tr(f"重点区域（{km} 千米）", f"Key zones ({km} km)", lang)


def zones_summary(
    zones: gpd.GeoDataFrame, members: gpd.GeoDataFrame, titles: Mapping[str, str]
) -> SummaryTable:
    """Return members per station and layer: one row per station, a total column.

    ``titles`` maps the member layers' keys (the ``layer`` column) to their titles, which
    become the headers (in that order). Members are counted by their station's row (the
    zones' ``feature``), so two stations of one name, or stations without a name, each
    keep their own count.
    """
    import pandas as pd

    by_row = "feature" in zones.columns and "station" in members.columns
    key = "station" if by_row or "station_name" not in members.columns else "station_name"
    counts = (
        pd.crosstab(members[key], members["layer"])
        if len(members) and "layer" in members.columns
        else pd.DataFrame()
    )
    keys = [k for k in titles if k in counts.columns] + [
        k for k in counts.columns if k not in titles
    ]
    columns = [Column("station", "站点", "Station"), Column("town", "镇（街道）", "Town")]
    columns += [
        Column(f"n:{k}", titles.get(k, str(k)), titles.get(k, str(k)), "count") for k in keys
    ]
    columns.append(Column("total", "合计", "Total", "count"))
    rows = []
    if "feature" in zones.columns:  # a clipped zone is a row per piece: one row per station
        zones = zones.drop_duplicates("feature")
    towns = zones["town"].tolist() if "town" in zones.columns else [None] * len(zones)
    names = zones["name"].tolist() if "name" in zones.columns else list(counts.index)
    lookup = zones["feature"].tolist() if by_row else names
    for station, town, at in zip(names, towns, lookup, strict=False):
        found = counts.loc[at] if at in counts.index else None
        row: dict[str, Any] = {"station": station, "town": town}
        for k in keys:
            row[f"n:{k}"] = int(found[k]) if found is not None else 0
        row["total"] = sum(row[f"n:{k}"] for k in keys)
        rows.append(row)
    return SummaryTable(tuple(columns), tuple(rows))


def _styles(targets: Sequence[str], titles: Mapping[str, str]) -> tuple[LayerStyle, LayerStyle]:
    zone_symbol = Symbol(fill="#31a35426", stroke="#006d2c", stroke_width=0.6, dash="dash")
    zone_style = LayerStyle(
        "single", (StyleClass(zone_symbol, "", ""),), symbol=zone_symbol, label=None
    )
    classes = tuple(
        StyleClass(
            Symbol(fill=colour, stroke="#ffffff", stroke_width=0.15, size=2.2),
            titles[key],
            key,
            value=key,
        )
        for key, colour in zip(targets, MEMBER_COLOURS, strict=False)
    )
    return zone_style, LayerStyle("categorized", classes, field="layer")


@task
def run(job: Job[LayerSource], request: ZonesRequest) -> Result:
    """Compute the key zones and their members; return them labelled for users."""
    from gisdesk.analysis.zones import check_zone_inputs, station_zones, zone_members

    stations = job.source.get(request.stations)
    keys = {name: job.source.key(name) for name in request.targets}
    targets = {keys[name]: job.source.get(name) for name in request.targets}
    titles = {keys[name]: job.source.title(name) for name in request.targets}
    options = request.zone_options()
    levels, radius = options["levels"], options["radius_m"]
    check_zone_inputs(stations, targets, levels=levels, stations_layer=request.stations)
    clip_to = job.source.get(request.clip) if request.clip else None
    zones = station_zones(stations, **options, clip_to=clip_to)
    members = zone_members(stations, targets, **options, **job.hooks)
    zone_style, member_style = _styles(list(titles), titles)
    layer_values = tuple((k, t, k) for k, t in titles.items())
    member_fields = (*MEMBER_FIELDS, FieldInfo("layer", "图层", "Layer", codes=layer_values))
    summary = zones_summary(zones, members, titles)
    return Result.of(
        request,
        job.source,
        title_zh="重点区域",
        title_en="Key zones",
        layers=[
            ResultLayer(
                "key_zones",
                "zones",
                request.title("zh"),
                request.title("en"),
                zones,
                field_infos(zones, ZONE_FIELDS, job.source.fields(request.stations)),
                zone_style,
            ),
            ResultLayer(
                "zone_members",
                "members",
                "重点区域内要素",
                "Zone members",
                members,
                field_infos(members, member_fields),
                member_style,
            ),
        ],
        summary=summary,
        district=(
            Figure("stations", "站点", "Stations", len(summary.rows)),
            Figure("members", "区内要素", "Features inside", len(members)),
        ),
        notes=(
            Note(
                f"区内要素 {len(members)} 个（按精确距离判定）",
                f"{len(members)} features inside (exact distance)",
            ),
        ),
        details={
            "analysis": "zones",
            "radius_m": radius,
            "radius_field": request.radius_field,
            "levels": levels,
            "stations": [
                {
                    "station": row["station"],
                    "members": {
                        c.key[2:]: row[c.key] for c in summary.columns if c.key.startswith("n:")
                    },
                }
                for row in summary.rows
            ],
            "members_total": len(members),
        },
    )
