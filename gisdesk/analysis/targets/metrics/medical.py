"""Metrics of the 15-minute medical-insurance service circle (海政办发〔2022〕30号, MED-1..7)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from gisdesk.analysis.targets.metrics._common import (
    DISTRICT_ZH,
    VILLAGES,
    as_day,
    days,
    flags,
    gaps_of,
    numbers,
    pct,
    positions,
    resolve_towns,
    share_by_town,
    text,
    town_gap,
    town_names,
    town_of,
)
from gisdesk.analysis.targets.metrics._registry import metric
from gisdesk.analysis.targets.result import (
    UNIT_DISTRICT,
    UNIT_TOWN,
    Gap,
    MetricResult,
    UnitValue,
)

if TYPE_CHECKING:
    import geopandas as gpd

    from gisdesk.analysis.network import RoadNetwork

__all__ = [
    "demo_points_count",
    "demo_site_floor_area",
    "towns_at_demo_grade",
    "towns_with_standardised_station",
    "villages_within_minutes",
]

TOWN_STATION = "镇级服务站"
VILLAGE_POINT = "村级服务点"


def _opened(points: gpd.GeoDataFrame, as_of: date) -> np.ndarray:
    """Return which service points were open on ``as_of`` (no opening date: open)."""
    opened = days(points, "opened_date")
    return np.asarray(np.isnat(opened) | (opened <= as_day(as_of)))


def _per_town_presence(
    service_points: gpd.GeoDataFrame,
    towns: gpd.GeoDataFrame | None,
    wanted: np.ndarray,
    *,
    only: Sequence[str] | None,
    as_of: date,
    gap: tuple[str, str],
) -> MetricResult:
    """Return 100 for each town whose town station meets ``wanted``, else 0 with its gap."""
    station = (text(service_points, "level") == TOWN_STATION) & _opened(service_points, as_of)
    where = town_of(service_points, towns)
    names = town_names(towns, where[station])
    if only is not None:
        names = list(dict.fromkeys(resolve_towns(only, towns)))
    units: list[UnitValue] = []
    for name in names:
        here = station & (where == name)
        good = here & wanted
        if good.any():
            units.append(UnitValue(UNIT_TOWN, name, value=100.0, town=name))
            continue
        if here.any():
            note = ("镇级服务站未达要求", "the town station falls short")
            gaps = gaps_of("service_points", here, *gap)
        else:
            note = ("没有镇级医保服务站", "no town station")
            gaps = town_gap(towns, name, *note)
        units.append(
            UnitValue(
                UNIT_TOWN, name, value=0.0, note_zh=note[0], note_en=note[1], town=name, gaps=gaps
            )
        )
    return MetricResult(units)


@metric(
    "towns_with_standardised_station",
    needs={"service_points": ("level", "town", "standardised")},
    optional={"towns": ("name",)},
    district="share_of_units",
    title_zh="设有标准化医保服务站的镇（街道）",
    title_en="Towns with a standardised medical-insurance station",
)
def towns_with_standardised_station(
    service_points: gpd.GeoDataFrame,
    towns: gpd.GeoDataFrame | None = None,
    *,
    as_of: date,
    deadline: date | None = None,
) -> MetricResult:
    """Return, per town, 100 when it has a standardised town station open on ``as_of``.

    MED-1. A town without any station (or whose station is not standardised) gets 0 and the
    station (or the town) as its gap feature.
    """
    return _per_town_presence(
        service_points,
        towns,
        flags(service_points, "standardised"),
        only=None,
        as_of=as_of,
        gap=("镇级服务站未标准化", "town station not standardised"),
    )


@metric(
    "towns_at_demo_grade",
    needs={"service_points": ("level", "town", "demo_grade")},
    optional={"towns": ("name",)},
    district="share_of_units",
    title_zh="镇级服务站达到示范等级的镇（街道）",
    title_en="Towns whose station reaches a demonstration grade",
)
def towns_at_demo_grade(
    service_points: gpd.GeoDataFrame,
    towns: gpd.GeoDataFrame | None = None,
    *,
    as_of: date,
    deadline: date | None = None,
    grades: Sequence[str] = ("市级示范", "省级示范"),
    only_towns: Sequence[str] | None = None,
) -> MetricResult:
    """Return, per town, 100 when its town station holds one of ``grades``.

    MED-2 (every town at the Nantong city-level standard) and, with ``only_towns`` and
    ``grades = ["省级示范"]``, the provincial demonstration sites of three named towns; a park
    name (海门港新区) resolves to its town through the towns layer's ``alias``.
    """
    wanted = np.isin(text(service_points, "demo_grade"), list(grades))
    label = "、".join(grades)
    return _per_town_presence(
        service_points,
        towns,
        wanted,
        only=only_towns,
        as_of=as_of,
        gap=(f"镇级服务站未达到{label}", f"town station not at {', '.join(grades)}"),
    )


@metric(
    "demo_points_count",
    needs={"service_points": ("level", "demo_grade")},
    title_zh="村级医保示范服务点数量",
    title_en="Village demonstration service points",
)
def demo_points_count(
    service_points: gpd.GeoDataFrame,
    *,
    as_of: date,
    deadline: date | None = None,
    grades: Sequence[str] = ("区级示范",),
    level: str = VILLAGE_POINT,
) -> MetricResult:
    """Return the number of village service points of the demonstration ``grades`` (MED-4)."""
    chosen = (
        (text(service_points, "level") == level)
        & np.isin(text(service_points, "demo_grade"), list(grades))
        & _opened(service_points, as_of)
    )
    n = int(chosen.sum())
    return MetricResult(
        [
            UnitValue(
                UNIT_DISTRICT,
                DISTRICT_ZH,
                value=float(n),
                note_zh=f"{'、'.join(grades)} {n} 个",
                note_en=f"{n} at {', '.join(grades)}",
            )
        ]
    )


@metric(
    "villages_within_minutes",
    needs={
        "villages": ("town",),
        "service_points": (),
        "roads": (),
    },
    optional={"towns": ("name",)},
    title_zh="15 分钟可达医保服务点的村（社区）比例",
    title_en="Share of villages within N minutes of a service point",
)
def villages_within_minutes(
    villages: gpd.GeoDataFrame,
    service_points: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | RoadNetwork,
    towns: gpd.GeoDataFrame | None = None,
    *,
    as_of: date,
    deadline: date | None = None,
    minutes: float = 15.0,
    mode: str = "ebike",
    max_snap_m: float = 500.0,
    levels: Sequence[str] | None = None,
) -> MetricResult:
    """Return the share of villages within ``minutes`` of a service point, per town.

    MED-5 / MED-6. Travel time is door to door over the road network by ``mode`` (walk,
    bike, ebike, car; e-bike by default), through
    :func:`~gisdesk.analysis.service_areas.service_areas`; service points opened after
    ``as_of`` do not count. Notes give the household and population shares.

    Parameters
    ----------
    levels
        Service point levels that count (default: every level).
    """
    from gisdesk.analysis.service_areas import service_areas

    open_now = _opened(service_points, as_of)
    if levels is not None:
        open_now &= np.isin(text(service_points, "level"), list(levels))
    points = service_points[open_now]
    where = town_of(villages, towns)
    if len(points) == 0 or len(villages) == 0:
        within = np.zeros(len(villages), dtype=bool)
        extra = ""
    else:
        result = service_areas(
            roads,
            points,
            villages,
            minutes=minutes,
            mode=mode,
            max_snap_m=max_snap_m,
            polygons="none",
            town_field=None,
        )
        within = np.asarray(result.demand["within"].to_numpy(dtype=bool))
        off = int((result.demand["status"] == "off_network").sum())
        extra = f"；{off} 个村离路网过远" if off else ""
    hh = numbers(villages, "households")
    pop = numbers(villages, "population")

    def coverage(name: str, here: np.ndarray) -> tuple[str, str] | None:
        h = pct(float(np.nansum(hh[here & within])), float(np.nansum(hh[here])))
        p = pct(float(np.nansum(pop[here & within])), float(np.nansum(pop[here])))
        if not (np.isfinite(h) or np.isfinite(p)):
            return None
        return (
            f"户数覆盖 {h:.1f}%，人口覆盖 {p:.1f}%（{mode}，{minutes:g} 分钟）"
            + (extra if name == DISTRICT_ZH else ""),
            f"households {h:.1f}%, population {p:.1f}% ({mode}, {minutes:g} min)",
        )

    units = share_by_town(
        where,
        within,
        towns,
        layer="villages",
        what=VILLAGES,
        gap=(f"{minutes:g} 分钟内无医保服务点", f"no service point within {minutes:g} minutes"),
        note=coverage,
    )
    return MetricResult(units)


@metric(
    "demo_site_floor_area",
    needs={"service_points": ("demo_grade", "floor_area_m2", "town")},
    optional={"towns": ("name",)},
    title_zh="市级示范点最小建筑面积",
    title_en="Smallest floor area of city-level demonstration sites",
)
def demo_site_floor_area(
    service_points: gpd.GeoDataFrame,
    towns: gpd.GeoDataFrame | None = None,
    *,
    as_of: date,
    deadline: date | None = None,
    grades: Sequence[str] = ("市级示范", "省级示范"),
    min_area_m2: float = 100.0,
) -> MetricResult:
    """Return the smallest floor area of the demonstration sites per town (MED-7).

    Only towns having a site of ``grades`` get a row; sites below ``min_area_m2`` (or
    without an area) are the gap features.
    """
    site = np.isin(text(service_points, "demo_grade"), list(grades)) & _opened(
        service_points, as_of
    )
    area = numbers(service_points, "floor_area_m2")
    where = town_of(service_points, towns)
    small = site & ~(area >= min_area_m2)
    units: list[UnitValue] = []
    for name in town_names(towns, where[site]):
        here = site & (where == name)
        if not here.any():
            continue
        units.append(_area_unit(UNIT_TOWN, name, here, area, small))
    if site.any():
        units.append(_area_unit(UNIT_DISTRICT, DISTRICT_ZH, site, area, small))
    return MetricResult(units)


def _area_unit(
    unit_type: str, name: str, here: np.ndarray, area: np.ndarray, small: np.ndarray
) -> UnitValue:
    known = here & np.isfinite(area)
    rows = positions(here & small)
    gaps = (Gap("service_points", rows, "示范点面积不足或未填", "area too small or unknown"),)
    town = name if unit_type == UNIT_TOWN else ""
    if not known.any():
        return UnitValue(
            unit_type,
            name,
            missing_zh="示范点未填建筑面积",
            missing_en="no floor area recorded",
            town=town,
            gaps=gaps if rows else (),
        )
    unknown = int((here & ~np.isfinite(area)).sum())
    return UnitValue(
        unit_type,
        name,
        value=float(np.min(area[known])),
        ok=False if unknown else None,
        note_zh=f"示范点 {int(here.sum())} 个" + (f"，{unknown} 个未填面积" if unknown else ""),
        note_en=f"{int(here.sum())} sites" + (f", {unknown} without area" if unknown else ""),
        town=town,
        gaps=gaps if rows else (),
    )
