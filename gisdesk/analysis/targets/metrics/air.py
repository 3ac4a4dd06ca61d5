"""Metrics of the "Wei Lan" air-quality action around control stations (海政办发〔2022〕36号)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from gisdesk.analysis.targets.metrics._common import (
    DISTRICT_ZH,
    as_day,
    days,
    district_count,
    feature_labels,
    flags,
    gaps_of,
    in_window,
    period_window,
    share_unit,
    text,
)
from gisdesk.analysis.targets.metrics._registry import metric
from gisdesk.analysis.targets.result import (
    UNIT_DISTRICT,
    UNIT_STATION_ZONE,
    MetricResult,
    UnitValue,
)
from gisdesk.analysis.zones import CONTROL_LEVELS, DEFAULT_RADIUS_M, zone_members

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "key_zone_fume_upgrades",
    "key_zone_low_efficiency_exits",
    "key_zone_machinery_tested",
    "petrol_vapour_recovery",
]

PROVINCIAL = ("省控",)
"""The station level whose surroundings AIR-6 and AIR-7 measure; the key zone's radius and
AIR-4's levels are those of :mod:`gisdesk.analysis.zones`."""


def _not_exited_before(enterprises: gpd.GeoDataFrame, day: date) -> np.ndarray:
    """Return which enterprises were still there on ``day`` (no exit date: still there)."""
    exited = days(enterprises, "exited_date")
    return np.asarray(np.isnat(exited) | (exited >= as_day(day)))


def _members(
    stations: gpd.GeoDataFrame,
    enterprises: gpd.GeoDataFrame,
    chosen: np.ndarray,
    *,
    levels: Sequence[str],
    radius_m: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (station row, enterprise row) for chosen enterprises within the key zones."""
    rows = np.flatnonzero(chosen)
    if len(rows) == 0 or len(stations) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    found = zone_members(
        stations, {"enterprises": enterprises.iloc[rows]}, radius_m=radius_m, levels=list(levels)
    )
    return (
        found["station"].to_numpy(dtype=np.int64),
        rows[found["row"].to_numpy(dtype=np.int64)],
    )


def _zone_shares(
    stations: gpd.GeoDataFrame,
    enterprises: gpd.GeoDataFrame,
    chosen: np.ndarray,
    good: np.ndarray,
    *,
    levels: Sequence[str],
    radius_m: float,
    counted: np.ndarray | None = None,
    what: tuple[str, str],
    gap: tuple[str, str],
) -> list[UnitValue]:
    """Return the share of the chosen enterprises in the key zones meeting ``good``.

    One row per zone and one over all zones (each enterprise once); only ``counted``
    enterprises count. ``what`` names the enterprises and ``gap`` the reason of those that
    do not meet it, in Chinese and English.
    """
    station, member = _members(stations, enterprises, chosen, levels=levels, radius_m=radius_m)
    counted = np.ones(len(good), dtype=bool) if counted is None else counted
    names, codes, towns = feature_labels(stations, "code")
    zones = np.flatnonzero(np.isin(text(stations, "level"), list(levels)))

    def unit(
        unit_type: str, name: str, rows: np.ndarray, town: str = "", code: str = ""
    ) -> UnitValue:
        mine = np.unique(rows)  # each enterprise once, also where zones overlap
        base = mine[counted[mine]]
        ok, bad = base[good[base]], base[~good[base]]
        return share_unit(
            unit_type,
            name,
            len(ok),
            len(base),
            missing=(f"重点区域内没有{what[0]}", f"no {what[1]} in the key zone"),
            note=(
                f"区内{what[0]} {len(base)} 家，达成 {len(ok)} 家",
                f"{len(ok)} of {len(base)} {what[1]} in the zone",
            ),
            town=town,
            unit_id=code,
            gaps=gaps_of("enterprises", np.sort(bad), *gap),
        )

    units = [
        unit(UNIT_STATION_ZONE, str(names[s]), member[station == s], str(towns[s]), str(codes[s]))
        for s in zones
    ]
    units.append(unit(UNIT_DISTRICT, DISTRICT_ZH, member))
    return units


@metric(
    "key_zone_machinery_tested",
    needs={
        "monitoring_stations": ("level",),
        "enterprises": ("kind", "machinery_tested_date"),
    },
    title_zh="重点区域内工地、企业非道路移动机械年度抽测比例",
    title_en="Sites in key zones whose machinery was tested this year",
)
def key_zone_machinery_tested(
    monitoring_stations: gpd.GeoDataFrame,
    enterprises: gpd.GeoDataFrame,
    *,
    as_of: date,
    deadline: date | None = None,
    levels: Sequence[str] = CONTROL_LEVELS,
    radius_m: float = DEFAULT_RADIUS_M,
    kinds: Sequence[str] = ("建筑工地", "工业企业"),
) -> MetricResult:
    """Return the share of sites in each key zone tested since 1 January (AIR-4).

    Key zones are ``radius_m`` around the national and provincial control stations, by exact
    distance (:func:`~gisdesk.analysis.zones.zone_members`); sites are construction sites
    and enterprises (``kinds``) not exited before the year; a site counts as tested when its
    non-road machinery was last tested within the year up to ``as_of``.
    """
    start, end = period_window(as_of, deadline)
    chosen = np.isin(text(enterprises, "kind"), list(kinds)) & _not_exited_before(
        enterprises, start
    )
    tested = in_window(days(enterprises, "machinery_tested_date"), start, end)
    units = _zone_shares(
        monitoring_stations,
        enterprises,
        chosen,
        tested,
        levels=levels,
        radius_m=radius_m,
        what=("工地和企业", "sites and enterprises"),
        gap=(f"{start.year}年未抽测非道路移动机械", f"machinery not tested in {start.year}"),
    )
    return MetricResult(units)


@metric(
    "key_zone_low_efficiency_exits",
    needs={
        "monitoring_stations": ("level",),
        "enterprises": ("kind", "exited_date"),
    },
    title_zh="省控站点周边低效用地企业退出比例",
    title_en="Low-efficiency land users around provincial stations that exited",
)
def key_zone_low_efficiency_exits(
    monitoring_stations: gpd.GeoDataFrame,
    enterprises: gpd.GeoDataFrame,
    *,
    as_of: date,
    deadline: date | None = None,
    levels: Sequence[str] = PROVINCIAL,
    radius_m: float = DEFAULT_RADIUS_M,
    kind: str = "低效用地",
    cumulative: bool = False,
) -> MetricResult:
    """Return the share of low-efficiency land users around the stations that exited (AIR-6).

    Yearly (default): of those still there on 1 January, the share that exited by ``as_of``;
    ``cumulative``: of all recorded, the share that exited by ``as_of`` (the 2025 goal).
    """
    start, end = period_window(as_of, deadline)
    chosen = text(enterprises, "kind") == kind
    exited = days(enterprises, "exited_date")
    gone = ~np.isnat(exited) & (exited <= as_day(end))
    counted = None if cumulative else _not_exited_before(enterprises, start)
    units = _zone_shares(
        monitoring_stations,
        enterprises,
        chosen,
        gone,
        levels=levels,
        radius_m=radius_m,
        counted=counted,
        what=("低效用地企业", "low-efficiency land users"),
        gap=("尚未退出", "not yet exited"),
    )
    return MetricResult(units)


@metric(
    "key_zone_fume_upgrades",
    needs={
        "monitoring_stations": ("level",),
        "enterprises": ("kind", "fume_upgraded"),
    },
    title_zh="省控站点周边餐饮油烟提标改造数",
    title_en="Catering fume upgrades around provincial stations",
)
def key_zone_fume_upgrades(
    monitoring_stations: gpd.GeoDataFrame,
    enterprises: gpd.GeoDataFrame,
    *,
    as_of: date,
    deadline: date | None = None,
    levels: Sequence[str] = PROVINCIAL,
    radius_m: float = DEFAULT_RADIUS_M,
    kind: str = "餐饮",
) -> MetricResult:
    """Return the number of catering outlets around the stations with upgraded fume treatment.

    AIR-7. The district row counts each outlet once even where zones overlap; outlets not
    yet upgraded are the gap features.
    """
    chosen = text(enterprises, "kind") == kind
    _, member = _members(monitoring_stations, enterprises, chosen, levels=levels, radius_m=radius_m)
    in_zone = np.zeros(len(enterprises), dtype=bool)
    in_zone[member] = True
    unit = district_count(
        "enterprises",
        in_zone,
        flags(enterprises, "fume_upgraded"),
        note=lambda done, total: (
            f"{'、'.join(levels)}站点 {radius_m:g} 米内餐饮 {total} 家，已提标 {done} 家",
            f"{done} of {total} outlets within {radius_m:g} m upgraded",
        ),
        gap=("油烟未提标", "not upgraded"),
    )
    return MetricResult([unit])


@metric(
    "petrol_vapour_recovery",
    needs={"enterprises": ("kind", "vapour_recovery_stage3")},
    title_zh="完成三次油气回收改造的加油站数",
    title_en="Petrol stations with stage-3 vapour recovery",
)
def petrol_vapour_recovery(
    enterprises: gpd.GeoDataFrame,
    *,
    as_of: date,
    deadline: date | None = None,
    kind: str = "加油站",
) -> MetricResult:
    """Return the number of petrol stations with stage-3 vapour recovery (AIR-8)."""
    unit = district_count(
        "enterprises",
        text(enterprises, "kind") == kind,
        flags(enterprises, "vapour_recovery_stage3"),
        note=lambda done, total: (
            f"加油站 {total} 座，已改造 {done} 座",
            f"{done} of {total} stations done",
        ),
        gap=("未完成三次油气回收", "not yet upgraded"),
    )
    return MetricResult([unit])
