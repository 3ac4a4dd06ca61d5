"""Generate road-safety layers: accidents, listed segments, cameras and persuasion stations.

Accidents cluster on a few stretches of trunk and county roads, where some of the stretches
are listed as accident-prone segments. Trends from 2021 to 2022 differ between stretches on
purpose, so the plan's year-on-year targets have both outcomes in the sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from gisdesk.samplegen.arrays import Columns, FloatArray, GeomArray, IntArray
from gisdesk.samplegen.geo import to_geographic
from gisdesk.samplegen.roads import PROVINCIAL, RoadNetwork
from gisdesk.samplegen.sites import (
    points_at_stakes,
    random_dates,
    road_rows,
    road_stretch,
    to_points,
    town_index_of,
)
from gisdesk.samplegen.towns import Towns, Villages

__all__ = [
    "BLACK_SPOTS",
    "BlackSpot",
    "build_accident_segments",
    "build_accidents",
    "build_cameras",
    "build_persuasion_stations",
]


YEARS = (2020, 2021, 2022)


@dataclass(frozen=True)
class BlackSpot:
    """A stretch where accidents cluster, and how it is listed."""

    road: str
    centre_frac: float  # stretch centre as a fraction of the road's length
    length_km: float
    year_weights: tuple[float, float, float]  # relative accident counts 2020-2022
    listed_levels: tuple[str, ...]  # one listed segment per entry


BLACK_SPOTS: tuple[BlackSpot, ...] = (
    BlackSpot("G328", 0.22, 2.4, (1.0, 1.05, 0.70), ("省级",)),
    BlackSpot("G328", 0.52, 3.2, (0.90, 1.0, 1.30), ("省级", "市级")),
    BlackSpot("G328", 0.80, 2.0, (1.0, 1.10, 0.80), ("市级",)),
    BlackSpot("S221", 0.35, 2.2, (1.0, 0.95, 1.20), ("市级",)),
    BlackSpot("S336", 0.45, 2.8, (1.10, 1.0, 0.60), ("区级", "区级")),
    BlackSpot("S222", 0.55, 2.0, (0.90, 1.0, 0.95), ("区级",)),
    BlackSpot("X204", 0.40, 1.8, (1.0, 1.0, 1.30), ("区级",)),
    BlackSpot("X203", 0.50, 1.6, (1.20, 1.0, 0.80), ("区级",)),
)

_TYPES = (
    "追尾",
    "侧面碰撞",
    "正面碰撞",
    "刮擦",
    "碰撞行人",
    "碰撞非机动车",
    "单车事故",
    "坠河",
    "其他",
)
_TYPE_P = np.array([0.22, 0.2, 0.06, 0.18, 0.06, 0.17, 0.06, 0.01, 0.04])
_HOUR_P = np.array(
    [1, 1, 1, 1, 1, 2, 4, 7, 8, 6, 5, 5, 5, 5, 5, 6, 7, 8, 7, 5, 4, 3, 2, 1], dtype=np.float64
)
_CLASS_WEIGHT = np.array([9.0, 6.0, 3.0, 1.5, 0.35])

_HAZARDS = (
    "平交路口视距不良，非机动车横穿频繁",
    "弯道半径小，超速行驶多发",
    "穿村过镇路段行人密集，缺少减速设施",
    "大货车右转盲区事故多发",
    "路侧停车占道，出入口管理不规范",
    "夜间照明不足，标志标线磨损",
)
_MEASURES = (
    "渠化路口，增设信号灯和视频监控",
    "设置限速标志和区间测速，增设减速带",
    "增设人行横道、警示灯，劝导站值守",
    "实施大货车靠右行驶，设置右转停车让行线",
    "清理占道停车，规范沿线出入口",
    "完善照明，重划标线，更新标志",
)
_WATER_HAZARD = "临水路段无防护设施，存在车辆坠河风险"
_WATER_MEASURES = "落实“三必上”：增设护栏、示警桩和警示标志"
_UNITS = ("区交通运输局", "公安局交警大队", "区公路事业发展中心")
_STEPS = ("排查", "会商", "整改", "验收", "销号")


@dataclass(frozen=True)
class ListedStretch:
    """One listed segment: road, stakes and its black spot."""

    road: str
    km0: float
    km1: float
    level: str
    spot: int


def listed_stretches(roads: RoadNetwork) -> list[ListedStretch]:
    """Return the listed segments implied by the black spots on this network."""
    out: list[ListedStretch] = []
    for k, spot in enumerate(BLACK_SPOTS):
        total = float(np.nanmax(roads.to_km[road_rows(roads, spot.road)]))
        start = round(spot.centre_frac * total - spot.length_km / 2, 1)
        edges = np.round(np.linspace(start, start + spot.length_km, len(spot.listed_levels) + 1), 1)
        for p, level in enumerate(spot.listed_levels):
            out.append(ListedStretch(spot.road, float(edges[p]), float(edges[p + 1]), level, k))
    return out


def _accident_positions(
    roads: RoadNetwork, total: int, rng: np.random.Generator
) -> tuple[FloatArray, IntArray, FloatArray, npt.NDArray[np.datetime64], IntArray]:
    """Return metric points, rows, stakes, dates and black-spot index (-1 = background)."""
    weights = np.array([sum(s.year_weights) for s in BLACK_SPOTS])
    per_unit = 0.46 * total / float(weights.sum())
    xy_parts: list[FloatArray] = []
    row_parts: list[IntArray] = []
    stake_parts: list[FloatArray] = []
    date_parts: list[npt.NDArray[np.datetime64]] = []
    spot_parts: list[IntArray] = []
    for k, spot in enumerate(BLACK_SPOTS):
        rows = road_rows(roads, spot.road)
        length = float(np.nanmax(roads.to_km[rows]))
        km0 = round(spot.centre_frac * length - spot.length_km / 2, 1)
        for year, w in zip(YEARS, spot.year_weights, strict=True):
            n = round(per_unit * w)
            stakes = rng.uniform(km0, km0 + spot.length_km, n)
            xy, seg = points_at_stakes(roads, spot.road, stakes)
            xy_parts.append(xy)
            row_parts.append(seg)
            stake_parts.append(stakes)
            date_parts.append(random_dates(f"{year}-01-01", f"{year}-12-31", n, rng=rng))
            spot_parts.append(np.full(n, k, dtype=np.int64))
    n_bg = max(total - sum(len(p) for p in xy_parts), 0)
    length = shapely.length(roads.metric)
    p = length * _CLASS_WEIGHT[roads.road_class]
    rows = np.sort(rng.choice(len(p), size=n_bg, p=p / p.sum()))
    frac = rng.uniform(0.0, 1.0, n_bg)
    xy = shapely.get_coordinates(
        shapely.line_interpolate_point(roads.metric[rows], frac, normalized=True)
    )
    stakes = roads.from_km[rows] + frac * (roads.to_km[rows] - roads.from_km[rows])
    bg_year = rng.choice(np.array(YEARS), size=n_bg, p=[0.34, 0.35, 0.31])
    start = np.array([np.datetime64(f"{y}-01-01", "D") for y in bg_year])
    days = np.array([366 if y % 4 == 0 else 365 for y in bg_year])
    dates = start + (rng.random(n_bg) * days).astype("timedelta64[D]")
    return (
        np.vstack([*xy_parts, xy]),
        np.concatenate([*row_parts, rows]).astype(np.int64),
        np.concatenate([*stake_parts, stakes]),
        np.concatenate([*date_parts, dates]),
        np.concatenate([*spot_parts, np.full(n_bg, -1, dtype=np.int64)]),
    )


def _severity(
    spot: IntArray, dates: npt.NDArray[np.datetime64], rng: np.random.Generator
) -> tuple[IntArray, IntArray, npt.NDArray[np.bool_]]:
    """Return deaths, injuries and the general-procedure flag.

    On black spots the shares are fixed per stretch and year, so each stretch's trend in
    general-procedure and fatal accidents follows its year weights exactly.
    """
    n = len(spot)
    general = np.zeros(n, dtype=bool)
    fatal = np.zeros(n, dtype=bool)
    year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    for k in range(len(BLACK_SPOTS)):
        for y in YEARS:
            rows = np.flatnonzero((spot == k) & (year == y))
            rows = rows[rng.permutation(len(rows))]
            n_general = round(len(rows) * 0.45)
            n_fatal = round(len(rows) * 0.09)
            general[rows[:n_general]] = True
            fatal[rows[:n_fatal]] = True
    bg = spot < 0
    draw = rng.random(n)
    fatal[bg] = draw[bg] < 0.05
    general[bg] = draw[bg] < 0.42
    deaths = np.where(fatal, np.where(rng.random(n) < 0.9, 1, 2), 0)
    hurt = rng.choice(np.array([1, 2, 3]), size=n, p=[0.62, 0.28, 0.10])
    injuries = np.where(fatal, rng.integers(0, 3, n), np.where(general, hurt, 0))
    # Some property-only accidents still go through the general procedure.
    general |= ~general & (rng.random(n) < 0.05)
    return deaths.astype(np.int64), injuries.astype(np.int64), general


def build_accidents(
    roads: RoadNetwork, *, count: int, rng: np.random.Generator
) -> tuple[Columns, GeomArray]:
    """Generate accident records for 2020-2022 on the roads.

    Parameters
    ----------
    roads
        The road network.
    count
        Number of records.
    rng
        Random generator dedicated to the accidents.

    Returns
    -------
    tuple
        Columns by schema field, and EPSG:4490 points.
    """
    xy, rows, stakes, dates, spot = _accident_positions(roads, count, rng)
    n = len(xy)
    hours = rng.choice(24, size=n, p=_HOUR_P / _HOUR_P.sum())
    minutes = rng.integers(0, 60, n)
    order = np.lexsort((minutes, hours, dates))
    xy, rows, stakes, dates, spot = xy[order], rows[order], stakes[order], dates[order], spot[order]
    hours, minutes = hours[order], minutes[order]
    deaths, injuries, general = _severity(spot, dates, rng)
    types = rng.choice(len(_TYPES), size=n, p=_TYPE_P)
    single = np.isin(types, [4, 5, 6, 7])  # pedestrian, non-motor, single vehicle, into water
    vehicles = np.where(single, 1, np.where(rng.random(n) < 0.12, 3, 2))
    loss = np.where(
        general, np.round(rng.uniform(2000, 80000, n), -2), np.round(rng.uniform(300, 8000, n), -2)
    ).astype(np.float64)
    loss[rng.random(n) < 0.04] = np.nan
    year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    seq = np.zeros(n, dtype=np.int64)
    for y in YEARS:
        mask = year == y
        seq[mask] = np.arange(1, int(mask.sum()) + 1)
    names = [roads.name[int(r)] for r in rows]
    columns: Columns = {
        "case_no": [f"HMJG{y}{s:05d}" for y, s in zip(year, seq, strict=True)],
        "date": dates.astype("datetime64[ms]"),
        "time": [f"{h:02d}:{m:02d}" for h, m in zip(hours, minutes, strict=True)],
        "deaths": deaths,
        "injuries": injuries,
        "property_loss": loss,
        "type": [_TYPES[int(t)] for t in types],
        "procedure": np.where(general, "一般程序", "简易程序").tolist(),
        "vehicles": vehicles.astype(np.int64),
        "road": names,
        "stake_km": np.where([nm is None for nm in names], np.nan, np.round(stakes, 3)),
    }
    return columns, to_points(xy)


def _stake_label(km: float) -> str:
    metres = round(km * 1000)
    return f"K{metres // 1000}+{metres % 1000:03d}"


def _step_dates(status: int, rng: np.random.Generator) -> list[np.datetime64 | None]:
    listed = random_dates("2022-01-10", "2022-03-31", 1, rng=rng)[0]
    gaps = (rng.integers(10, 40), rng.integers(30, 110), rng.integers(10, 40), rng.integers(5, 30))
    cap = np.datetime64("2022-12-20", "D")
    dates: list[np.datetime64 | None] = [listed]
    current = listed
    for step, gap in enumerate(gaps, start=1):
        current = min(current + np.timedelta64(int(gap), "D"), cap)
        dates.append(current if step <= status else None)
    return dates


def build_accident_segments(
    roads: RoadNetwork,
    towns: Towns,
    rivers_metric: GeomArray,
    *,
    rng: np.random.Generator,
) -> tuple[Columns, GeomArray]:
    """Generate the listed accident-prone segments on the black spots.

    Parameters
    ----------
    roads
        The road network.
    towns
        The town partition (the town of a segment contains its midpoint).
    rivers_metric
        Main river reaches in EPSG:4549; a segment running beside one is water-adjacent.
    rng
        Random generator dedicated to the listed segments.

    Returns
    -------
    tuple
        Columns by schema field, and EPSG:4490 lines.
    """
    stretches = listed_stretches(roads)
    n = len(stretches)
    lines = np.array([road_stretch(roads, s.road, s.km0, s.km1) for s in stretches], dtype=object)
    geographic = np.asarray(to_geographic(lines), dtype=object)
    mids = shapely.line_interpolate_point(geographic, 0.5, normalized=True)
    town = town_index_of(mids, towns)
    # Water-adjacent: at least 30% of the stretch runs within 100 m of a main river.
    water = shapely.buffer(shapely.union_all(rivers_metric), 100.0)
    share = shapely.length(shapely.intersection(lines, water)) / shapely.length(lines)
    near = share >= 0.3
    if near.sum() < 2:
        near[np.argsort(-share, kind="stable")[:2]] = True
    statuses = np.array([0, 1, 1, 2, 2, 2, 3, 3, 4, 4])[:n]
    statuses = statuses[rng.permutation(len(statuses))]
    hazard_pick = rng.permutation(n) % len(_HAZARDS)
    step_dates = [_step_dates(int(s), rng) for s in statuses]
    town_names = [towns.names[int(t)] for t in town]
    columns: Columns = {
        "segment_id": [f"HM-SG-{k + 1:02d}" for k in range(n)],
        "name": [f"{s.road} 海门段 {_stake_label(s.km0)}–{_stake_label(s.km1)}" for s in stretches],
        "road": [s.road for s in stretches],
        "from_km": [s.km0 for s in stretches],
        "to_km": [s.km1 for s in stretches],
        "listed_level": [s.level for s in stretches],
        "status": [_STEPS[int(s)] for s in statuses],
        "town": town_names,
        "water_adjacent": near,
        "hazard": [
            _WATER_HAZARD if w else _HAZARDS[int(h)] for w, h in zip(near, hazard_pick, strict=True)
        ],
        "measures": [
            _WATER_MEASURES if w else _MEASURES[int(h)]
            for w, h in zip(near, hazard_pick, strict=True)
        ],
        "responsible_unit": [
            f"{t}人民政府（办事处）" if k % 3 == 0 else _UNITS[k % len(_UNITS)]
            for k, t in enumerate(town_names)
        ],
        "listed_date": [d[0] for d in step_dates],
        "reviewed_date": [d[1] for d in step_dates],
        "rectified_date": [d[2] for d in step_dates],
        "accepted_date": [d[3] for d in step_dates],
        "closed_date": [d[4] for d in step_dates],
    }
    return columns, geographic


# Stretches (fraction of road length, gap length km, kinds) left without cameras.
_CAMERA_GAPS: dict[str, tuple[float, float, tuple[str, ...]]] = {
    "G328": (0.62, 12.0, ("视频监控",)),
    "S336": (0.30, 11.0, ("卡口",)),
    "S222": (0.40, 10.8, ("视频监控", "卡口")),
}


def _camera_stakes(
    length: float, first: tuple[float, float], step: tuple[float, float], rng: np.random.Generator
) -> FloatArray:
    stakes = [rng.uniform(*first)]
    while stakes[-1] < length:
        stakes.append(stakes[-1] + rng.uniform(*step))
    out = np.array(stakes[:-1])
    if length - out[-1] > 4.0:
        out = np.append(out, length - rng.uniform(0.5, 2.0))
    return out


def build_cameras(roads: RoadNetwork, *, rng: np.random.Generator) -> tuple[Columns, GeomArray]:
    """Generate video cameras and checkpoints along national and provincial roads.

    Most stretches have a camera every 3-7 km and a checkpoint every 4-8 km; a few
    deliberate gaps exceed 10 km. Listed segments get extra cameras at their ends.

    Parameters
    ----------
    roads
        The road network.
    rng
        Random generator dedicated to the cameras.

    Returns
    -------
    tuple
        Columns by schema field, and EPSG:4490 points.
    """
    trunk_names = sorted(
        {n for n, c in zip(roads.name, roads.road_class, strict=True) if n and c <= PROVINCIAL}
    )
    kinds: list[str] = []
    road_names: list[str] = []
    stakes_all: list[float] = []
    for name in trunk_names:
        length = float(np.nanmax(roads.to_km[road_rows(roads, name)]))
        for kind, first, step in (
            ("视频监控", (0.5, 2.5), (3.0, 6.5)),
            ("卡口", (1.0, 3.5), (4.0, 8.0)),
        ):
            stakes = _camera_stakes(length, first, step, rng)
            gap = _CAMERA_GAPS.get(name)
            if gap is not None and kind in gap[2]:
                a = round(gap[0] * length, 1)
                b = a + gap[1]
                stakes = np.sort(np.concatenate([stakes[(stakes < a) | (stakes > b)], [a, b]]))
            kinds.extend([kind] * len(stakes))
            road_names.extend([name] * len(stakes))
            stakes_all.extend(np.round(stakes, 3).tolist())
    for k, stretch in enumerate(listed_stretches(roads)):
        if k % 4 == 3:
            continue  # some listed segments are not fully covered yet (ROAD-7)
        for km in (stretch.km0, stretch.km1):
            kinds.append("视频监控")
            road_names.append(stretch.road)
            stakes_all.append(round(km, 3))
    xy_parts: list[FloatArray] = []
    names_arr = np.array(road_names, dtype=object)
    stakes_arr = np.array(stakes_all)
    for name in dict.fromkeys(road_names):
        mask = names_arr == name
        xy, _ = points_at_stakes(roads, name, stakes_arr[mask])
        xy_parts.append(xy)
    order = np.concatenate(
        [np.flatnonzero(names_arr == name) for name in dict.fromkeys(road_names)]
    )
    xy = np.empty((len(road_names), 2))
    xy[order] = np.vstack(xy_parts)
    n = len(kinds)
    online = rng.random(n) > 0.06
    counters = {"视频监控": 0, "卡口": 0}
    ids: list[str] = []
    for kind in kinds:
        counters[kind] += 1
        prefix = "JK" if kind == "视频监控" else "KK"
        ids.append(f"HM-{prefix}-{counters[kind]:04d}")
    columns: Columns = {
        "camera_id": ids,
        "kind": kinds,
        "road": road_names,
        "stake_km": stakes_arr,
        "online": online,
    }
    return columns, to_points(xy)


def build_persuasion_stations(
    towns: Towns,
    villages: Villages,
    roads: RoadNetwork,
    *,
    rng: np.random.Generator,
    town_without: str = "悦来镇",
) -> tuple[Columns, GeomArray]:
    """Generate traffic persuasion stations: level 1-2 in towns, level 3 in villages.

    Every town but `town_without` has a level-1 or level-2 station near its centre; most
    villages have a level-3 station beside the committee seat.

    Parameters
    ----------
    towns, villages, roads
        The generated towns, villages and roads.
    rng
        Random generator dedicated to the stations.
    town_without
        The town left without a level-1/2 station.

    Returns
    -------
    tuple
        Columns by schema field, and EPSG:4490 points.
    """
    xy: list[FloatArray] = []
    names: list[str] = []
    levels: list[int] = []
    village_of: list[str | None] = []
    tree = shapely.STRtree(roads.metric)
    for k, town in enumerate(towns.names):
        if town == town_without:
            continue
        seed = shapely.points(towns.seeds_metric[k])
        near = int(tree.nearest(seed))
        line = roads.metric[near]
        point = shapely.get_coordinates(
            shapely.line_interpolate_point(line, shapely.line_locate_point(line, seed))
        )[0]
        road_name = roads.name[near] or ""
        level = 1 if k % 3 == 0 else 2
        xy.append(point)
        names.append(f"{town}{road_name}交通安全劝导站")
        levels.append(level)
        village_of.append(None)
    has_station = rng.random(len(villages.names)) < 0.86
    angle = rng.uniform(0, 2 * np.pi, len(villages.names))
    for i in np.flatnonzero(has_station):
        xy.append(villages.xy[i] + 40.0 * np.array([np.cos(angle[i]), np.sin(angle[i])]))
        names.append(f"{villages.names[i]}劝导站")
        levels.append(3)
        village_of.append(villages.names[i])
    points = to_points(np.array(xy))
    town_idx = town_index_of(points, towns)
    columns: Columns = {
        "station_id": [f"HM-QD-{k + 1:04d}" for k in range(len(points))],
        "name": names,
        "level": np.array(levels, dtype=np.int64),
        "town": [towns.names[int(t)] for t in town_idx],
        "village": village_of,
    }
    return columns, points
