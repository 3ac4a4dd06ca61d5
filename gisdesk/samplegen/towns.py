"""Generate the schematic town partition and the villages of Haimen.

Towns: the 12 real names, their real kinds and park aliases, placed at approximate seed
locations; boundaries are an additively weighted, gently perturbed Voronoi partition of the
real district outline, so they tile it exactly but are not official boundaries.

Villages: about 250 committee seats spread evenly inside the towns (best-candidate
sampling), with generated names, households and population.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from gisdesk.samplegen.arrays import FloatArray, GeomArray, IntArray
from gisdesk.samplegen.geo import lonlat_to_metric, to_geographic, to_metric
from gisdesk.samplegen.names import village_names

__all__ = ["TOWN_SPECS", "TownSpec", "Towns", "Villages", "build_towns", "build_villages"]


@dataclass(frozen=True)
class TownSpec:
    """One of Haimen's 12 towns: real name, kind and alias; schematic seed and size."""

    name: str
    kind: str
    alias: str | None
    lon: float
    lat: float
    weight_m: float  # additive Voronoi weight: a larger one gives a larger town


TOWN_SPECS: tuple[TownSpec, ...] = (
    TownSpec("海门街道", "街道", None, 121.170, 31.900, 1500.0),
    TownSpec("滨江街道", "街道", "海门经济技术开发区", 121.215, 31.852, 1100.0),
    TownSpec("三厂街道", "街道", "三厂工业园区", 121.095, 31.935, 700.0),
    TownSpec("临江镇", "镇", "临江新区", 121.080, 31.810, 900.0),
    TownSpec("海永镇", "镇", None, 121.408, 31.818, 0.0),
    TownSpec("常乐镇", "镇", None, 121.255, 31.930, 500.0),
    TownSpec("悦来镇", "镇", None, 121.330, 31.880, 300.0),
    TownSpec("四甲镇", "镇", None, 121.215, 32.010, 1400.0),
    TownSpec("余东镇", "镇", None, 121.330, 32.030, 600.0),
    TownSpec("正余镇", "镇", None, 121.410, 31.950, 0.0),
    TownSpec("包场镇", "镇", "海门港新区", 121.480, 32.060, 2200.0),
    TownSpec("三星镇", "镇", None, 121.125, 31.875, 600.0),
)

TOWN_CODE_PREFIX = "320614"


@dataclass(frozen=True)
class Towns:
    """The generated town partition, in degrees and in metres."""

    names: tuple[str, ...]
    codes: tuple[str, ...]
    geographic: GeomArray  # MultiPolygons, EPSG:4490
    metric: GeomArray  # the same, EPSG:4549
    seeds_metric: FloatArray  # (12, 2) town-centre positions

    def index(self, name: str) -> int:
        """Return the position of a town by name."""
        return self.names.index(name)


@dataclass(frozen=True)
class Villages:
    """Village committee seats and their base attributes (sewage shares come later)."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    town_index: IntArray
    kinds: tuple[str, ...]
    households: IntArray
    population: IntArray
    xy: FloatArray  # (n, 2) in EPSG:4549


def _town_seeds_metric() -> FloatArray:
    lon = np.array([spec.lon for spec in TOWN_SPECS])
    lat = np.array([spec.lat for spec in TOWN_SPECS])
    x, y = lonlat_to_metric(lon, lat)
    return np.column_stack([x, y])


def _smooth_noise(xy: FloatArray, rng: np.random.Generator, *, amplitude: float) -> FloatArray:
    """Return one smooth random field per town at the given points (metres)."""
    n_towns = len(TOWN_SPECS)
    waves = 3
    kx = rng.uniform(-1.0, 1.0, size=(n_towns, waves)) * 2 * np.pi / 9000.0
    ky = rng.uniform(-1.0, 1.0, size=(n_towns, waves)) * 2 * np.pi / 9000.0
    phase = rng.uniform(0, 2 * np.pi, size=(n_towns, waves))
    arg = (
        xy[:, 0, None, None] * kx[None] + xy[:, 1, None, None] * ky[None] + phase[None]
    )  # (points, towns, waves)
    return np.asarray(amplitude * np.sin(arg).sum(axis=2) / np.sqrt(waves), dtype=np.float64)


def _merge_fragments(parts_by_town: list[list[Polygon]]) -> list[Polygon]:
    """Keep each town's largest part; hand stray fragments to the neighbour sharing most edge."""
    mains = [max(parts, key=lambda p: p.area) for parts in parts_by_town]
    merged: list[list[Polygon]] = [[m] for m in mains]
    for town, parts in enumerate(parts_by_town):
        for part in parts:
            if part is mains[town]:
                continue
            shared = [
                shapely.length(shapely.intersection(part.boundary, other.boundary))
                if k != town
                else -1.0
                for k, other in enumerate(mains)
            ]
            merged[int(np.argmax(shared))].append(part)
    result: list[Polygon] = []
    for pieces in merged:
        union = shapely.union_all(pieces)
        if not isinstance(union, Polygon):
            union = max(shapely.get_parts(union), key=lambda p: p.area)
        result.append(union)
    return result


def build_towns(outline: MultiPolygon, *, rng: np.random.Generator) -> Towns:
    """Partition the outline into the 12 towns.

    Parameters
    ----------
    outline
        The district outline in EPSG:4490.
    rng
        Random generator dedicated to the towns.

    Returns
    -------
    Towns
        MultiPolygons that tile `outline` without gaps or overlaps.
    """
    outline_m = to_metric(outline)
    x0, y0, x1, y1 = outline_m.bounds
    n_sub = 2600
    sub = np.column_stack(
        [rng.uniform(x0 - 500, x1 + 500, n_sub), rng.uniform(y0 - 500, y1 + 500, n_sub)]
    )
    seeds = _town_seeds_metric()
    weights = np.array([spec.weight_m for spec in TOWN_SPECS])
    dist = np.hypot(sub[:, 0, None] - seeds[None, :, 0], sub[:, 1, None] - seeds[None, :, 1])
    score = dist - weights[None, :] + _smooth_noise(sub, rng, amplitude=700.0)
    owner = np.argmin(score, axis=1)
    envelope = shapely.box(x0 - 5000, y0 - 5000, x1 + 5000, y1 + 5000)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(sub), extend_to=envelope, ordered=True)
    )
    parts_by_town: list[list[Polygon]] = []
    for town in range(len(TOWN_SPECS)):
        cell_union = shapely.union_all(cells[owner == town])
        # Clip in degrees so the outer edges are the outline's own vertices.
        clipped = shapely.intersection(to_geographic(cell_union, rounded=False), outline)
        parts = [p for p in shapely.get_parts(clipped) if isinstance(p, Polygon) and p.area > 0]
        parts_by_town.append(parts)
    polygons = _merge_fragments(parts_by_town)
    geographic = np.empty(len(polygons), dtype=object)
    for k, poly in enumerate(polygons):
        geographic[k] = MultiPolygon([poly])
    return Towns(
        names=tuple(spec.name for spec in TOWN_SPECS),
        codes=tuple(f"{TOWN_CODE_PREFIX}{k + 1:03d}" for k in range(len(TOWN_SPECS))),
        geographic=geographic,
        metric=to_metric(geographic),
        seeds_metric=seeds,
    )


def _village_counts(towns: Towns, total: int) -> IntArray:
    areas = shapely.area(towns.metric)
    boost = np.array([1.3 if spec.kind == "街道" else 1.0 for spec in TOWN_SPECS])
    share = areas * boost / float(np.sum(areas * boost))
    counts: IntArray = np.floor(share * total).astype(np.int64)
    remainder = share * total - counts
    for k in np.argsort(-remainder, kind="stable")[: total - int(counts.sum())]:
        counts[k] += 1
    return counts


def _best_candidates(
    region: Polygon | MultiPolygon, count: int, rng: np.random.Generator, *, tries: int = 14
) -> FloatArray:
    """Spread `count` points evenly over `region` (Mitchell's best-candidate sampling)."""
    x0, y0, x1, y1 = region.bounds
    shapely.prepare(region)
    chosen: list[FloatArray] = []
    while len(chosen) < count:
        cand = np.column_stack([rng.uniform(x0, x1, tries * 8), rng.uniform(y0, y1, tries * 8)])
        cand = cand[shapely.contains_xy(region, cand[:, 0], cand[:, 1])][:tries]
        if len(cand) == 0:
            continue
        if not chosen:
            chosen.append(cand[0])
            continue
        have = np.array(chosen)
        gap = np.min(np.hypot(cand[:, 0, None] - have[:, 0], cand[:, 1, None] - have[:, 1]), 1)
        chosen.append(cand[int(np.argmax(gap))])
    return np.array(chosen)


def build_villages(
    towns: Towns, outline_m: Polygon | MultiPolygon, *, rng: np.random.Generator, total: int = 250
) -> Villages:
    """Place village committee seats inside the towns.

    Seats keep at least 400 m from town boundaries, so features placed within 150 m of a seat
    fall in the same town.

    Parameters
    ----------
    towns
        The town partition.
    outline_m
        The district outline in EPSG:4549.
    rng
        Random generator dedicated to the villages.
    total
        Number of villages and communities.

    Returns
    -------
    Villages
        Seats ordered by town, then north to south, then west to east.
    """
    counts = _village_counts(towns, total)
    names = village_names(total, rng=rng)
    xy_parts: list[FloatArray] = []
    town_parts: list[IntArray] = []
    for k in range(len(TOWN_SPECS)):
        region = shapely.intersection(
            shapely.buffer(towns.metric[k], -400.0), shapely.buffer(outline_m, -600.0)
        )
        pts = _best_candidates(region, int(counts[k]), rng)
        order = np.lexsort((np.round(pts[:, 0], -2), -np.round(pts[:, 1], -2)))
        xy_parts.append(pts[order])
        town_parts.append(np.full(len(pts), k, dtype=np.int64))
    xy = np.concatenate(xy_parts)
    town_index = np.concatenate(town_parts)
    near_centre = (
        np.hypot(
            xy[:, 0] - towns.seeds_metric[town_index, 0],
            xy[:, 1] - towns.seeds_metric[town_index, 1],
        )
        < 1600.0
    )
    street = np.array([TOWN_SPECS[k].kind == "街道" for k in town_index])
    community = near_centre | (street & (rng.random(len(xy)) < 0.6))
    kinds = tuple("社区" if c else "村" for c in community)
    households = np.where(
        community,
        rng.integers(1000, 1501, len(xy)),
        np.round(rng.triangular(550, 1450, 1500, len(xy))),
    ).astype(np.int64)
    population = np.round(households * rng.uniform(2.7, 3.25, len(xy))).astype(np.int64)
    codes: list[str] = []
    full_names: list[str] = []
    for k in range(len(TOWN_SPECS)):
        n_comm = 0
        n_vill = 0
        for i in np.flatnonzero(town_index == k):
            if community[i]:
                n_comm += 1
                codes.append(f"{TOWN_CODE_PREFIX}{k + 1:03d}{n_comm:03d}")
            else:
                n_vill += 1
                codes.append(f"{TOWN_CODE_PREFIX}{k + 1:03d}{200 + n_vill:03d}")
            full_names.append(names[i] + kinds[i])
    return Villages(
        codes=tuple(codes),
        names=tuple(full_names),
        town_index=town_index,
        kinds=kinds,
        households=households,
        population=population,
        xy=xy,
    )
