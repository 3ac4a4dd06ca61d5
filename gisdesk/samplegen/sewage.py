"""Group neighbouring villages into rural sewage treatment districts (示意数据).

Each district joins a few neighbouring villages of one town, as the plan organises treatment
(海政办发〔2022〕37号); its outline is the union of the villages' Voronoi cells within the
town. Village treatment shares follow the districts' progress.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from gisdesk.samplegen.arrays import Columns, FloatArray, GeomArray
from gisdesk.samplegen.geo import to_geographic
from gisdesk.samplegen.sites import random_dates
from gisdesk.samplegen.towns import Towns, Villages

__all__ = ["SEWAGE_PLAN", "SewagePlan", "SewageResult", "build_sewage_districts"]


@dataclass(frozen=True)
class SewagePlan:
    """A sewage district to generate: its town and optional sub-office name."""

    town: str
    name: str | None
    members: int


SEWAGE_PLAN: tuple[SewagePlan, ...] = (
    SewagePlan("常乐镇", "麒麟片区", 5),
    SewagePlan("四甲镇", "货隆片区", 4),
    SewagePlan("余东镇", "树勋片区", 5),
    SewagePlan("正余镇", "王浩片区", 4),
    SewagePlan("包场镇", "包场片区", 5),
    SewagePlan("临江镇", None, 4),
    SewagePlan("悦来镇", None, 4),
    SewagePlan("三星镇", None, 3),
    SewagePlan("滨江街道", "开发区片区", 3),
    SewagePlan("海永镇", None, 3),
)
_SEWAGE_STATUS = (
    "已验收",
    "已验收",
    "已验收",
    "完工",
    "完工",
    "完工",
    "在建",
    "在建",
    "规划设计",
    "规划设计",
)


@dataclass(frozen=True)
class SewageResult:
    """Sewage districts plus the village treatment shares they imply."""

    columns: Columns
    geometry: GeomArray
    treated_share: FloatArray
    operation_share: FloatArray


def _village_cells(
    villages: Villages, towns: Towns, outline_m: Polygon | MultiPolygon
) -> GeomArray:
    """Return each village's Voronoi cell clipped to its town, in EPSG:4490."""
    x0, y0, x1, y1 = outline_m.bounds
    envelope = shapely.box(x0 - 5000, y0 - 5000, x1 + 5000, y1 + 5000)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(villages.xy), extend_to=envelope, ordered=True)
    )
    geo = np.asarray(to_geographic(cells, rounded=False), dtype=object)
    return np.asarray(
        shapely.intersection(geo, towns.geographic[villages.town_index]), dtype=object
    )


def build_sewage_districts(
    towns: Towns,
    villages: Villages,
    outline_m: Polygon | MultiPolygon,
    *,
    rng: np.random.Generator,
) -> SewageResult:
    """Group neighbouring villages of a town into sewage districts and set village shares.

    Parameters
    ----------
    towns, villages
        The generated towns and villages.
    outline_m
        District outline in EPSG:4549.
    rng
        Random generator dedicated to the sewage districts.

    Returns
    -------
    SewageResult
        The districts and the villages' treatment and operation shares (percent).
    """
    cells = _village_cells(villages, towns, outline_m)
    statuses = np.array(_SEWAGE_STATUS, dtype=object)[rng.permutation(len(_SEWAGE_STATUS))]
    used = np.zeros(len(villages.names), dtype=bool)
    status_of_village = np.full(len(villages.names), "", dtype=object)
    columns: Columns = {
        k: []
        for k in (
            "district_id",
            "name",
            "town",
            "villages",
            "households_planned",
            "households_treated",
            "status",
            "completed_date",
        )
    }
    geoms: list[MultiPolygon] = []
    for d, plan in enumerate(SEWAGE_PLAN):
        k = towns.index(plan.town)
        rows = np.flatnonzero((villages.town_index == k) & ~used)
        rural = rows[[villages.kinds[i] == "村" for i in rows]]
        pool = rural if len(rural) >= plan.members else rows
        anchor = villages.xy[pool[rng.integers(0, len(pool))]]
        dist = np.hypot(*(villages.xy[pool] - anchor).T)
        members = np.sort(pool[np.argsort(dist)[: plan.members]])
        used[members] = True
        status = str(statuses[d])
        status_of_village[members] = status
        shape = shapely.union_all(cells[members])
        polys = [p for p in shapely.get_parts(shape) if isinstance(p, Polygon)]
        geoms.append(MultiPolygon(polys))
        households = int(villages.households[members].sum())
        planned = round(households * rng.uniform(0.55, 0.85))
        treated = {
            "已验收": planned,
            "完工": planned,
            "在建": round(planned * rng.uniform(0.35, 0.8)),
            "规划设计": 0,
        }[status]
        stem = villages.names[members[0]][:2]
        columns["district_id"].append(f"HM-WS-{d + 1:02d}")
        columns["name"].append(f"{plan.town}{plan.name or stem + '片区'}")
        columns["town"].append(plan.town)
        columns["villages"].append("、".join(villages.names[i] for i in members))
        columns["households_planned"].append(planned)
        columns["households_treated"].append(treated)
        columns["status"].append(status)
        finished = status in ("完工", "已验收")
        columns["completed_date"].append(
            random_dates("2022-06-15", "2022-12-15", 1, rng=rng)[0] if finished else None
        )
    n = len(villages.names)
    treated_share = np.round(rng.uniform(5, 70, n), 1)
    operation = np.round(rng.uniform(20, 95, n), 1)
    high = rng.random(n) < 0.27
    treated_share[high] = np.round(rng.uniform(60, 95, int(high.sum())), 1)
    operation[high] = np.round(rng.uniform(60, 98, int(high.sum())), 1)
    done = np.isin(status_of_village, ["完工", "已验收"])
    treated_share[done] = np.round(rng.uniform(66, 96, int(done.sum())), 1)
    operation[done] = np.round(rng.uniform(62, 99, int(done.sum())), 1)
    building = status_of_village == "在建"
    treated_share[building] = np.round(rng.uniform(30, 62, int(building.sum())), 1)
    unknown = rng.choice(np.flatnonzero(~used), size=4, replace=False)
    treated_share[unknown] = np.nan
    operation[unknown] = np.nan
    geometry = np.array(geoms, dtype=object)
    return SewageResult(columns, geometry, treated_share, operation)
