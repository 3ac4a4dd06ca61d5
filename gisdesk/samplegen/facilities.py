"""Generate air-quality monitoring stations and medical-insurance service points.

Only the two national air-quality control stations are real; everything else is schematic,
laid out so that each plan target has something to find: a town without a standardised
service station, villages beyond a 15-minute reach, sites inside the stations' key zones.
"""

from __future__ import annotations

import numpy as np
import shapely

from gisdesk.samplegen.arrays import Columns, FloatArray, GeomArray, IntArray
from gisdesk.samplegen.geo import lonlat_to_metric
from gisdesk.samplegen.sites import (
    random_dates,
    to_points,
    town_index_of,
)
from gisdesk.samplegen.towns import Towns, Villages

__all__ = [
    "KEY_ZONE_M",
    "NATIONAL_STATIONS",
    "PROVINCIAL_STATIONS",
    "build_monitoring_stations",
    "build_service_points",
    "key_zone_centres",
    "unserved_villages",
]


# Real national control stations (national station list 2022; WGS84 taken as CGCS2000).
NATIONAL_STATIONS: tuple[tuple[str, str, float, float], ...] = (
    ("2008A", "海门市监测站", 121.1730, 31.8960),
    ("2009A", "社会福利院", 121.1518, 31.89708),
)
# Schematic provincial control stations.
PROVINCIAL_STATIONS: tuple[tuple[str, str, float, float], ...] = (
    ("HM-S01", "海门经济技术开发区", 121.2180, 31.8560),
    ("HM-S02", "海门港新区", 121.4760, 32.0560),
)
KEY_ZONE_M = 3000.0
STATION_SOURCE_ZH = (
    "国控站点 2008A 海门市监测站、2009A 社会福利院为真实点位（2022 年国家站点名录，WGS84 视同 "
    "CGCS2000）；省控与镇级站点为示意数据"
)
STATION_SOURCE_EN = (
    "National control stations 2008A (海门市监测站) and 2009A (社会福利院) are real (national "
    "station list 2022, WGS84 taken as CGCS2000); provincial and town stations are schematic"
)


def _station_xy(table: tuple[tuple[str, str, float, float], ...]) -> FloatArray:
    x, y = lonlat_to_metric([t[2] for t in table], [t[3] for t in table])
    return np.asarray(np.column_stack([x, y]), dtype=np.float64)


def key_zone_centres() -> tuple[FloatArray, FloatArray]:
    """Return metric positions of the national and of the provincial control stations."""
    return _station_xy(NATIONAL_STATIONS), _station_xy(PROVINCIAL_STATIONS)


def _town_centre(towns: Towns, k: int, offset: tuple[float, float]) -> FloatArray:
    """Return a point near a town's centre that is inside the town."""
    region = towns.metric[k]
    point: FloatArray = towns.seeds_metric[k] + np.asarray(offset, dtype=np.float64)
    if shapely.contains_xy(region, point[0], point[1]):
        return point
    surface: FloatArray = shapely.get_coordinates(shapely.point_on_surface(region))[0]
    return surface


def build_monitoring_stations(
    towns: Towns, *, rng: np.random.Generator
) -> tuple[Columns, GeomArray]:
    """Return the two real national stations, two provincial and one per other town.

    Parameters
    ----------
    towns
        The town partition.
    rng
        Random generator dedicated to the stations.

    Returns
    -------
    tuple
        Columns by schema field, and EPSG:4490 points (real ones unrounded but stored at
        their published precision).
    """
    codes = [t[0] for t in NATIONAL_STATIONS + PROVINCIAL_STATIONS]
    names = [t[1] for t in NATIONAL_STATIONS + PROVINCIAL_STATIONS]
    levels = ["国控"] * len(NATIONAL_STATIONS) + ["省控"] * len(PROVINCIAL_STATIONS)
    radius: list[float] = [KEY_ZONE_M] * len(codes)
    points = list(shapely.points([(t[2], t[3]) for t in NATIONAL_STATIONS])) + list(
        to_points(_station_xy(PROVINCIAL_STATIONS))
    )
    covered = set(town_index_of(np.array(points, dtype=object), towns).tolist())
    town_xy: list[FloatArray] = []
    for k, name in enumerate(towns.names):
        if k in covered:
            continue
        town_xy.append(_town_centre(towns, k, (float(rng.uniform(-400, 400)), 300.0)))
        codes.append(f"HM-T{len(town_xy):02d}")
        names.append(f"{name}空气自动监测站")
        levels.append("镇级")
        radius.append(np.nan if len(town_xy) % 2 else 0.0)
    points.extend(to_points(np.array(town_xy)))
    geoms = np.array(points, dtype=object)
    town_idx = town_index_of(geoms, towns)
    columns: Columns = {
        "code": codes,
        "name": names,
        "level": levels,
        "town": [towns.names[int(t)] for t in town_idx],
        "zone_radius_m": np.array(radius),
    }
    return columns, geoms


def unserved_villages(towns: Towns, villages: Villages) -> tuple[IntArray, FloatArray]:
    """Return villages deliberately left far from any service point, and the anchor points.

    In 包场镇 and 海永镇 the village farthest from the town centre anchors a pocket: no
    service point is placed within 6 km of the anchor.
    """
    anchors: list[FloatArray] = []
    members: list[IntArray] = []
    for town in ("包场镇", "海永镇"):
        k = towns.index(town)
        rows = np.flatnonzero(villages.town_index == k)
        d = np.hypot(*(villages.xy[rows] - towns.seeds_metric[k]).T)
        anchor = villages.xy[rows[int(np.argmax(d))]]
        anchors.append(anchor)
        near = np.hypot(*(villages.xy - anchor).T) < 2500.0
        members.append(np.flatnonzero(near))
    return np.unique(np.concatenate(members)), np.array(anchors)


def build_service_points(
    towns: Towns, villages: Villages, *, rng: np.random.Generator
) -> tuple[Columns, GeomArray]:
    """Generate town medical-insurance stations and village service points.

    Parameters
    ----------
    towns, villages
        The generated towns and villages.
    rng
        Random generator dedicated to the service points.

    Returns
    -------
    tuple
        Columns by schema field, and EPSG:4490 points.
    """
    _, anchors = unserved_villages(towns, villages)
    n_towns = len(towns.names)
    town_demo = {
        "海门街道": "省级示范",
        "三厂街道": "省级示范",
        "包场镇": "市级示范",
        "滨江街道": "市级示范",
        "常乐镇": "市级示范",
        "四甲镇": "市级示范",
        "余东镇": "市级示范",
        "临江镇": "市级示范",
        "悦来镇": "市级示范",
        "三星镇": "无",
        "海永镇": "无",
        "正余镇": "无",
    }
    xy = [_town_centre(towns, k, (150.0, -120.0)) for k in range(n_towns)]
    names = [f"{t}医保工作站" for t in towns.names]
    levels = ["镇级服务站"] * n_towns
    village_of: list[str | None] = [None] * n_towns
    standardised = [t != "正余镇" for t in towns.names]
    demo = [town_demo[t] for t in towns.names]
    area = np.round(rng.uniform(120, 380, n_towns), 1).tolist()
    area[towns.index("悦来镇")] = 85.0  # a city-level demonstration site below 100 m2 (MED-7)
    opened = list(random_dates("2021-01-04", "2022-06-20", n_towns, rng=rng))

    far = np.min(
        np.hypot(
            villages.xy[:, None, 0] - anchors[None, :, 0],
            villages.xy[:, None, 1] - anchors[None, :, 1],
        ),
        axis=1,
    )
    candidates = np.flatnonzero(far > 6000.0)
    chosen = np.sort(rng.choice(candidates, size=min(150, len(candidates)), replace=False))
    n_v = len(chosen)
    grade = np.array(["无"] * n_v, dtype=object)
    picks = rng.permutation(n_v)
    grade[picks[:18]] = "区级示范"
    grade[picks[18:20]] = "市级示范"
    v_area = np.round(rng.uniform(25, 90, n_v), 1)
    v_area[grade == "区级示范"] = np.round(
        rng.uniform(50, 110, int((grade == "区级示范").sum())), 1
    )
    v_area[grade == "市级示范"] = np.round(
        rng.uniform(100, 160, int((grade == "市级示范").sum())), 1
    )
    angle = rng.uniform(0, 2 * np.pi, n_v)
    for j, i in enumerate(chosen):
        xy.append(villages.xy[i] + 60.0 * np.array([np.cos(angle[j]), np.sin(angle[j])]))
        names.append(f"{villages.names[i]}医保服务点")
        levels.append("村级服务点")
        village_of.append(villages.names[i])
        standardised.append(bool(grade[j] != "无" or rng.random() < 0.6))
        demo.append(str(grade[j]))
        area.append(float(v_area[j]))
    opened.extend(random_dates("2021-03-01", "2022-09-30", n_v, rng=rng))
    points = to_points(np.array(xy))
    town_idx = town_index_of(points, towns)
    columns: Columns = {
        "code": [f"HM-YB-Z{k + 1:02d}" for k in range(n_towns)]
        + [f"HM-YB-C{k + 1:03d}" for k in range(n_v)],
        "name": names,
        "level": levels,
        "town": [towns.names[int(t)] for t in town_idx],
        "village": village_of,
        "standardised": np.array(standardised, dtype=bool),
        "demo_grade": demo,
        "floor_area_m2": np.array(area, dtype=np.float64),
        "opened_date": np.array(opened).astype("datetime64[ms]"),
    }
    return columns, points
