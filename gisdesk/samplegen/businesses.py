"""Generate rental factories and the enterprises and sites that matter to air quality."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon

from gisdesk.samplegen.arrays import Columns, FloatArray, GeomArray
from gisdesk.samplegen.facilities import KEY_ZONE_M, key_zone_centres
from gisdesk.samplegen.geo import to_geographic, to_metric
from gisdesk.samplegen.names import company_names, industry_words, person_names, syllable_pairs
from gisdesk.samplegen.roads import COUNTY, RoadNetwork
from gisdesk.samplegen.sites import (
    points_beside_roads,
    random_dates,
    sample_in_disk,
    to_points,
    town_index_of,
)
from gisdesk.samplegen.towns import TOWN_SPECS, Towns

__all__ = ["build_enterprises", "build_factory_footprints", "build_rental_factories"]


# Industrial areas: (town, radius m, factories).
_INDUSTRIAL = (
    ("滨江街道", 2600.0, 70),
    ("三厂街道", 2200.0, 55),
    ("海门街道", 3000.0, 40),
    ("临江镇", 2000.0, 35),
    ("包场镇", 2500.0, 35),
)
_BUILDING_TYPES = ("一厂多栋", "一栋多厂", "一层多厂", "单一承租")
_TENANT_INDUSTRIES = ("工业", "仓储物流", "餐饮住宿", "娱乐旅馆", "商贸", "其他")


def _road_midpoints(roads: RoadNetwork) -> FloatArray:
    mids: FloatArray = shapely.get_coordinates(
        shapely.line_interpolate_point(roads.metric, 0.5, normalized=True)
    )
    return mids


def _beside_roads_near(
    roads: RoadNetwork,
    mids: FloatArray,
    centre: FloatArray,
    *,
    radius: float,
    count: int,
    inner: Polygon | MultiPolygon,
    rng: np.random.Generator,
) -> FloatArray:
    """Return `count` metric points beside roads within `radius` of `centre`."""
    rows = np.flatnonzero(np.hypot(*(mids - centre).T) < radius)
    out: list[FloatArray] = []
    have = 0
    while have < count:
        pick = rows[rng.integers(0, len(rows), count)]
        xy = points_beside_roads(roads, pick, offset_m=rng.uniform(30, 70, count), rng=rng)
        xy = xy[shapely.contains_xy(inner, xy[:, 0], xy[:, 1])]
        out.append(xy)
        have += len(xy)
    return np.vstack(out)[:count]


def build_rental_factories(
    towns: Towns,
    roads: RoadNetwork,
    outline_m: Polygon | MultiPolygon,
    *,
    rng: np.random.Generator,
) -> tuple[Columns, GeomArray]:
    """Generate rental factory sites beside roads in industrial areas.

    Parameters
    ----------
    towns, roads
        The generated towns and roads.
    outline_m
        District outline in EPSG:4549.
    rng
        Random generator dedicated to the factories.

    Returns
    -------
    tuple
        Columns by schema field, and EPSG:4490 points.
    """
    inner = shapely.buffer(outline_m, -100.0)
    shapely.prepare(inner)
    mids = _road_midpoints(roads)
    parts: list[FloatArray] = []
    for town, radius, count in _INDUSTRIAL:
        centre = towns.seeds_metric[towns.index(town)]
        parts.append(
            _beside_roads_near(
                roads, mids, centre, radius=radius, count=count, inner=inner, rng=rng
            )
        )
    industrial = {t[0] for t in _INDUSTRIAL}
    for k, spec in enumerate(TOWN_SPECS):
        if spec.name not in industrial:
            centre = towns.seeds_metric[k]
            parts.append(
                _beside_roads_near(
                    roads, mids, centre, radius=1500.0, count=10, inner=inner, rng=rng
                )
            )
    xy = np.vstack(parts)
    n = len(xy)
    btype = rng.choice(4, size=n, p=[0.25, 0.25, 0.2, 0.3])
    floors = np.where(
        btype == 3,
        rng.integers(1, 4, n),
        np.where(btype == 2, rng.integers(2, 7, n), rng.integers(1, 6, n)),
    )
    tenants = np.where(btype == 3, 1, rng.integers(2, 16, n))
    industry = rng.choice(len(_TENANT_INDUSTRIES), size=n, p=[0.5, 0.15, 0.08, 0.05, 0.12, 0.1])
    eff = rng.choice(4, size=n, p=[0.25, 0.35, 0.3, 0.1])
    category = np.where(
        eff == 3,
        rng.choice(3, size=n, p=[0.1, 0.4, 0.5]),
        rng.choice(3, size=n, p=[0.55, 0.35, 0.1]),
    )
    status_clear = rng.choice(4, size=n, p=[0.3, 0.3, 0.0, 0.4])
    status_other = rng.choice(4, size=n, p=[0.15, 0.35, 0.5, 0.0])
    status = np.where(category == 2, status_clear, status_other)
    owners = person_names(n, rng=rng)
    companies = company_names(n, rng=rng)
    stems = syllable_pairs(n, rng=rng)
    use_company = rng.random(n) < 0.5
    efficiency: list[str | None] = ["ABCD"[int(e)] for e in eff]
    for i in np.flatnonzero(rng.random(n) < 0.05):
        efficiency[int(i)] = None
    points = to_points(xy)
    town_idx = town_index_of(points, towns)
    columns: Columns = {
        "factory_id": [f"HM-CF-{k + 1:04d}" for k in range(n)],
        "name": [
            f"{s}工业园{k % 9 + 1}号厂房" if k % 3 else f"{o}出租厂房"
            for k, (s, o) in enumerate(zip(stems, owners, strict=True))
        ],
        "town": [towns.names[int(t)] for t in town_idx],
        "owner": [c if u else o for c, o, u in zip(companies, owners, use_company, strict=True)],
        "building_type": [_BUILDING_TYPES[int(b)] for b in btype],
        "floors": floors.astype(np.int64),
        "tenants": tenants.astype(np.int64),
        "tenant_industry": [_TENANT_INDUSTRIES[int(i)] for i in industry],
        "efficiency_class": efficiency,
        "category": [("规范", "提升", "清理")[int(c)] for c in category],
        "status": [("未整改", "整改中", "已整改", "已关停")[int(s)] for s in status],
        "registered": rng.random(n) < 0.9,
        "deadline": random_dates("2022-03-31", "2022-12-31", n, rng=rng).astype("datetime64[ms]"),
    }
    return columns, points


def build_factory_footprints(
    factories: Any, *, rng: np.random.Generator, share: float = 0.4
) -> tuple[Columns, GeomArray]:
    """Generate building footprints for a share of the rental factories.

    Each is a rectangle of 30-90 m by 20-60 m, turned by a random angle, centred on its
    factory's site; ``area_m2`` is its area in EPSG:4549.
    """
    n = len(factories)
    chosen = np.flatnonzero(rng.random(n) < share)
    sites = to_metric(np.asarray(factories.geometry.to_numpy(), dtype=object)[chosen])
    width = rng.uniform(30.0, 90.0, len(chosen))
    depth = rng.uniform(20.0, 60.0, len(chosen))
    angle = rng.uniform(0.0, np.pi, len(chosen))
    boxes = []
    for site, w, d, a in zip(sites, width, depth, angle, strict=True):
        corners = np.array([[-w, -d], [w, -d], [w, d], [-w, d]]) / 2.0
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        boxes.append(Polygon(corners @ rot.T + np.array([site.x, site.y])))
    metric = np.array(boxes, dtype=object)
    columns: Columns = {
        "factory_id": factories["factory_id"].to_numpy()[chosen].tolist(),
        "name": factories["name"].to_numpy()[chosen].tolist(),
        "area_m2": np.round(shapely.area(metric), 1),
    }
    geoms = to_geographic(np.array([MultiPolygon([b]) for b in metric], dtype=object))
    return columns, geoms


_ENTERPRISE_KINDS = ("建筑工地", "工业企业", "加油站", "餐饮", "低效用地")
_BRANDS = ("中国石化", "中国石油", "")
_EATERIES = ("饭店", "酒家", "面馆", "大酒店", "小吃店", "土菜馆")
_WORKS = ("花园项目工地", "路改造工程", "安置房工程", "厂房新建工程")


def _enterprise_names(kinds: npt.NDArray[np.int64], rng: np.random.Generator) -> list[str]:
    n = len(kinds)
    stems = syllable_pairs(n, rng=rng)
    companies = company_names(n, rng=rng)
    industries = industry_words(n, rng=rng)
    makers = (
        lambda i: f"{stems[i]}{_WORKS[i % len(_WORKS)]}",
        lambda i: companies[i],
        lambda i: f"{_BRANDS[i % len(_BRANDS)]}{stems[i]}加油站",
        lambda i: f"{stems[i]}{_EATERIES[i % len(_EATERIES)]}",
        lambda i: f"原{stems[i]}{industries[i]}厂地块",
    )
    return [makers[int(k)](i) for i, k in enumerate(kinds)]


def _enterprise_positions(
    towns: Towns, roads: RoadNetwork, inner: Polygon | MultiPolygon, rng: np.random.Generator
) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """Return kind codes and metric positions of all enterprises and sites."""
    national, provincial = key_zone_centres()
    key = np.vstack([national, provincial])
    centres = towns.seeds_metric
    mids = _road_midpoints(roads)

    def in_zones(zone_centres: FloatArray, count: int) -> FloatArray:
        split = np.array_split(np.arange(count), len(zone_centres))
        return np.vstack(
            [
                sample_in_disk(c, KEY_ZONE_M * 0.97, len(s), inner, rng=rng, min_radius=150.0)
                for c, s in zip(zone_centres, split, strict=True)
            ]
        )

    def elsewhere(count: int) -> FloatArray:
        per_town = np.bincount(rng.integers(0, len(centres), count), minlength=len(centres))
        return np.vstack(
            [
                _beside_roads_near(
                    roads, mids, centres[k], radius=2500.0, count=int(c), inner=inner, rng=rng
                )
                for k, c in enumerate(per_town)
                if c > 0
            ]
        )

    # Petrol stations beside trunk and county roads, spread along them.
    main = np.flatnonzero(roads.road_class <= COUNTY)
    picks = main[np.sort(rng.choice(len(main), size=19, replace=False))]
    kind_xy = [
        (2, points_beside_roads(roads, picks, offset_m=np.full(19, 30.0), rng=rng)),
        (0, np.vstack([in_zones(key, 36), elsewhere(24)])),
        (1, np.vstack([in_zones(key, 48), elsewhere(47)])),
        (3, np.vstack([in_zones(provincial, 72), in_zones(national, 14), elsewhere(10)])),
        (4, np.vstack([in_zones(provincial, 22), elsewhere(8)])),
    ]
    kinds = np.concatenate([np.full(len(xy), k, dtype=np.int64) for k, xy in kind_xy])
    return kinds, np.vstack([xy for _, xy in kind_xy])


def build_enterprises(
    towns: Towns,
    roads: RoadNetwork,
    outline_m: Polygon | MultiPolygon,
    *,
    rng: np.random.Generator,
) -> tuple[Columns, GeomArray]:
    """Generate construction sites, enterprises, petrol stations, catering and idle land.

    Many sites fall in the 3 km key zones of the control stations; catering outlets and
    low-efficiency land cluster around the provincial stations; there are 19 petrol
    stations beside trunk and county roads.

    Parameters
    ----------
    towns, roads
        The generated towns and roads.
    outline_m
        District outline in EPSG:4549.
    rng
        Random generator dedicated to the enterprises.

    Returns
    -------
    tuple
        Columns by schema field, and EPSG:4490 points.
    """
    kinds, xy = _enterprise_positions(towns, roads, shapely.buffer(outline_m, -100.0), rng)
    n = len(xy)
    names = _enterprise_names(kinds, rng)
    tested = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    machinery = np.isin(kinds, [0, 1]) & (rng.random(n) < 0.8)
    tested[machinery] = random_dates("2022-01-05", "2022-10-31", int(machinery.sum()), rng=rng)
    vapour = np.zeros(n, dtype=bool)
    petrol = np.flatnonzero(kinds == 2)
    vapour[petrol[rng.permutation(len(petrol))[:13]]] = True  # 19 stations, 13 done so far
    exited = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    idle = np.flatnonzero(kinds == 4)
    leave = idle[rng.permutation(len(idle))[:4]]
    exited[leave] = random_dates("2022-03-01", "2022-11-30", len(leave), rng=rng)
    points = to_points(xy)
    town_idx = town_index_of(points, towns)
    columns: Columns = {
        "site_id": [f"HM-QY-{k + 1:04d}" for k in range(n)],
        "name": names,
        "kind": [_ENTERPRISE_KINDS[int(k)] for k in kinds],
        "town": [towns.names[int(t)] for t in town_idx],
        "machinery_tested_date": tested.astype("datetime64[ms]"),
        "fume_upgraded": (kinds == 3) & (rng.random(n) < 0.6),
        "vapour_recovery_stage3": vapour,
        "exited_date": exited.astype("datetime64[ms]"),
    }
    return columns, points
