"""Place generated features: on roads by stake, beside roads, in disks; find their town."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon

from gisdesk.samplegen.arrays import DateArray, FloatArray, GeomArray, IntArray
from gisdesk.samplegen.geo import to_geographic
from gisdesk.samplegen.roads import RoadNetwork
from gisdesk.samplegen.towns import Towns

__all__ = [
    "points_at_stakes",
    "points_beside_roads",
    "random_dates",
    "road_rows",
    "road_stretch",
    "sample_in_disk",
    "to_points",
    "town_index_of",
]


def town_index_of(points_geo: GeomArray, towns: Towns) -> IntArray:
    """Return the index of the town containing each point (EPSG:4490).

    Raises
    ------
    RuntimeError
        If a point lies in no town; the towns tile the outline, so that is a generator bug.
    """
    tree = shapely.STRtree(towns.geographic)
    found = np.full(len(points_geo), -1, dtype=np.int64)
    pts, polys = tree.query(points_geo, predicate="intersects")
    # A point on a shared boundary takes the first town; reversing makes that the winner.
    found[pts[::-1]] = polys[::-1]
    if (found < 0).any():
        raise RuntimeError(f"{int((found < 0).sum())} generated points fall outside every town")
    return found


def road_rows(roads: RoadNetwork, name: str) -> IntArray:
    """Return the segment rows of a named road in stake order."""
    rows = np.flatnonzero(np.array([n == name for n in roads.name]))
    return rows[np.argsort(roads.from_km[rows], kind="stable")]


def points_at_stakes(
    roads: RoadNetwork, name: str, stakes_km: npt.ArrayLike
) -> tuple[FloatArray, IntArray]:
    """Return metric points at kilometre stakes of a named road, and their segment rows."""
    stakes = np.asarray(stakes_km, dtype=np.float64)
    rows = road_rows(roads, name)
    pick = np.clip(np.searchsorted(roads.from_km[rows], stakes, side="right") - 1, 0, len(rows) - 1)
    seg = rows[pick]
    span = roads.to_km[seg] - roads.from_km[seg]
    frac = np.clip((stakes - roads.from_km[seg]) / np.where(span > 0, span, 1.0), 0.0, 1.0)
    pts = shapely.line_interpolate_point(roads.metric[seg], frac, normalized=True)
    return shapely.get_coordinates(pts), seg


def road_stretch(roads: RoadNetwork, name: str, km0: float, km1: float) -> LineString:
    """Return the metric line of a named road between two stakes."""
    rows = road_rows(roads, name)
    inside = rows[(roads.to_km[rows] > km0) & (roads.from_km[rows] < km1)]
    coords: list[FloatArray] = []
    for row in inside:
        xy = shapely.get_coordinates(roads.metric[row])
        cum = (
            roads.from_km[row]
            + np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))]) / 1000.0
        )
        # Rescale so the vertex stakes end exactly at the segment's to_km.
        total = cum[-1] - cum[0]
        if total > 0:
            cum = roads.from_km[row] + (cum - cum[0]) * (
                (roads.to_km[row] - roads.from_km[row]) / total
            )
        keep = (cum > km0) & (cum < km1)
        part = [xy[keep]]
        if roads.from_km[row] <= km0:
            part.insert(
                0, np.array([np.interp(km0, cum, xy[:, 0]), np.interp(km0, cum, xy[:, 1])])[None]
            )
        if roads.to_km[row] >= km1:
            part.append(
                np.array([np.interp(km1, cum, xy[:, 0]), np.interp(km1, cum, xy[:, 1])])[None]
            )
        coords.extend(part)
    stacked = np.vstack(coords)
    keep_pt = np.ones(len(stacked), dtype=bool)
    keep_pt[1:] = np.any(np.diff(stacked, axis=0) != 0, axis=1)
    return LineString(stacked[keep_pt])


def points_beside_roads(
    roads: RoadNetwork,
    rows: IntArray,
    *,
    offset_m: FloatArray,
    rng: np.random.Generator,
) -> FloatArray:
    """Return metric points part-way along segments, offset sideways by `offset_m`."""
    frac = rng.uniform(0.2, 0.8, len(rows))
    lines = roads.metric[rows]
    a = shapely.get_coordinates(shapely.line_interpolate_point(lines, frac, normalized=True))
    b = shapely.get_coordinates(
        shapely.line_interpolate_point(lines, np.minimum(frac + 0.05, 1.0), normalized=True)
    )
    d = b - a
    norm = np.hypot(d[:, 0], d[:, 1])
    norm[norm == 0] = 1.0
    side = np.where(rng.random(len(rows)) < 0.5, -1.0, 1.0)
    normal = np.column_stack([-d[:, 1], d[:, 0]]) / norm[:, None] * (side * offset_m)[:, None]
    return np.asarray(a + normal, dtype=np.float64)


def sample_in_disk(
    centre: FloatArray,
    radius: float,
    count: int,
    region: Polygon | MultiPolygon,
    *,
    rng: np.random.Generator,
    min_radius: float = 0.0,
) -> FloatArray:
    """Return `count` random metric points in a disk (or annulus) that fall in `region`."""
    shapely.prepare(region)
    found: list[FloatArray] = []
    have = 0
    while have < count:
        r = np.sqrt(rng.uniform(min_radius**2, radius**2, count * 2))
        angle = rng.uniform(0.0, 2 * np.pi, count * 2)
        xy = centre[None, :] + np.column_stack([r * np.cos(angle), r * np.sin(angle)])
        xy = xy[shapely.contains_xy(region, xy[:, 0], xy[:, 1])]
        found.append(xy)
        have += len(xy)
    return np.vstack(found)[:count]


def random_dates(start: str, end: str, count: int, *, rng: np.random.Generator) -> DateArray:
    """Return `count` random days between two ISO dates, inclusive."""
    d0 = np.datetime64(start, "D")
    span = int((np.datetime64(end, "D") - d0).astype(np.int64))
    return d0 + rng.integers(0, span + 1, count).astype("timedelta64[D]")


def to_points(xy: FloatArray) -> GeomArray:
    """Return EPSG:4490 points (rounded for storage) from metric coordinates."""
    return np.asarray(to_geographic(shapely.points(xy)), dtype=object)
