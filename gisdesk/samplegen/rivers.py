"""Generate Haimen's schematic rivers and canals.

Regional trunk canals are hand-drawn polylines with real names (their courses are
schematic); district and town canals follow the farmland grid; village ditches are short
straight reaches between them. The Yangtze itself lies outside the outline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon

from gisdesk.samplegen.arrays import GeomArray
from gisdesk.samplegen.geo import lonlat_to_metric
from gisdesk.samplegen.grid import GridFrame
from gisdesk.samplegen.names import syllable_pairs

__all__ = ["RIVER_LEVELS", "TRUNK_CANALS", "Rivers", "build_rivers"]

RIVER_LEVELS: tuple[str, ...] = ("区域性骨干河道", "区级河道", "镇级河道", "村级河道")

# (name, key river, waypoints lon/lat); courses are schematic.
TRUNK_CANALS: tuple[tuple[str, bool, tuple[tuple[float, float], ...]], ...] = (
    (
        "通启运河",
        True,
        (
            (121.000, 31.968),
            (121.120, 31.963),
            (121.220, 31.976),
            (121.320, 31.999),
            (121.420, 32.032),
            (121.500, 32.072),
            (121.600, 32.100),
        ),
    ),
    (
        "海门河",
        True,
        ((121.060, 31.899), (121.170, 31.9065), (121.260, 31.905), (121.335, 31.915)),
    ),
    ("新江海河", False, ((121.142, 31.780), (121.136, 31.900), (121.142, 32.000))),
    ("青龙河", True, ((121.286, 31.860), (121.291, 31.980), (121.302, 32.140))),
    ("圩角河", True, ((121.368, 31.840), (121.374, 31.980), (121.389, 32.150))),
    ("灯杆港", False, ((121.462, 31.925), (121.470, 32.060), (121.480, 32.150))),
)

_DISTRICT_CANAL_NAMES = (
    "中心河",
    "北横河",
    "南横河",
    "东灶河",
    "西灶河",
    "三和港",
    "长兴河",
    "运盐河",
    "团结河",
    "胜利河",
    "幸福河",
    "复兴河",
    "友谊河",
    "红星河",
    "丰收河",
    "新开河",
    "东洪河",
    "西洪河",
    "大新河",
    "北新河",
)


@dataclass(frozen=True)
class Rivers:
    """River reaches in metres with their attributes."""

    metric: GeomArray
    names: list[str | None]
    levels: list[str]
    key_river: npt.NDArray[np.bool_]


def _clip(line: LineString, inner: Polygon | MultiPolygon) -> list[LineString]:
    clipped = shapely.line_merge(shapely.intersection(line, inner))
    return [p for p in shapely.get_parts(clipped) if isinstance(p, LineString) and p.length > 150]


def _grid_line(frame: GridFrame, axis: int, pos: float, lo: float, hi: float) -> LineString:
    if axis == 0:
        x, y = frame.to_xy([pos, pos], [lo, hi])
    else:
        x, y = frame.to_xy([lo, hi], [pos, pos])
    return LineString(np.column_stack([x, y]))


def build_rivers(
    outline_m: Polygon | MultiPolygon, frame: GridFrame, *, rng: np.random.Generator
) -> Rivers:
    """Generate trunk canals, grid canals and village ditches inside the outline.

    Parameters
    ----------
    outline_m
        District outline in EPSG:4549.
    frame
        The farmland grid frame that canals follow.
    rng
        Random generator dedicated to the rivers.

    Returns
    -------
    Rivers
        Reaches in EPSG:4549.
    """
    inner = shapely.buffer(outline_m, -80.0)
    shapely.prepare(inner)
    geoms: list[LineString] = []
    names: list[str | None] = []
    levels: list[str] = []
    keys: list[bool] = []

    def add(parts: list[LineString], name: str | None, level: int, key: bool) -> None:
        geoms.extend(parts)
        names.extend([name] * len(parts))
        levels.extend([RIVER_LEVELS[level]] * len(parts))
        keys.extend([key] * len(parts))

    for name, key, points in TRUNK_CANALS:
        lon, lat = np.array(points).T
        x, y = lonlat_to_metric(lon, lat)
        add(_clip(LineString(np.column_stack([x, y])), inner), name, 0, key)

    coords = shapely.get_coordinates(inner)
    us, vs = frame.to_uv(coords[:, 0], coords[:, 1])
    bounds = ((float(us.min()), float(us.max())), (float(vs.min()), float(vs.max())))
    district_names = iter(_DISTRICT_CANAL_NAMES)
    town_stems = iter(syllable_pairs(120, rng=rng))
    for axis, step in ((0, 3300.0), (1, 3800.0)):
        lo, hi = bounds[axis]
        other_lo, other_hi = bounds[1 - axis]
        positions = np.arange(lo + step / 2, hi, step) + rng.uniform(-300, 300)
        for k, pos in enumerate(positions):
            line = _grid_line(frame, axis, float(pos), other_lo, other_hi)
            if k % 2 == 0:
                add(_clip(line, inner), next(district_names, None), 1, k % 4 == 0)
            # Town canals between the district ones.
            for frac in (0.33, 0.67):
                tpos = float(pos) + frac * step + rng.uniform(-150, 150)
                if tpos < hi:
                    suffix = "竖河" if axis == 0 else "横河"
                    line = _grid_line(frame, axis, tpos, other_lo, other_hi)
                    add(_clip(line, inner), next(town_stems) + suffix, 2, False)
            if k % 2 == 1:
                line = _grid_line(frame, axis, float(pos), other_lo, other_hi)
                add(_clip(line, inner), next(town_stems) + "河", 2, False)

    # Village ditches: short reaches across the grid, mostly east-west.
    n_ditch = 1400
    du = rng.uniform(bounds[0][0], bounds[0][1], n_ditch)
    dv = rng.uniform(bounds[1][0], bounds[1][1], n_ditch)
    length = rng.uniform(300.0, 900.0, n_ditch)
    along_u = rng.random(n_ditch) < 0.7
    u1 = np.where(along_u, du + length, du)
    v1 = np.where(along_u, dv, dv + length)
    x0, y0 = frame.to_xy(du, dv)
    x1, y1 = frame.to_xy(u1, v1)
    ditches = shapely.linestrings(
        np.stack([np.column_stack([x0, y0]), np.column_stack([x1, y1])], axis=1)
    )
    ditches = ditches[shapely.within(ditches, inner)]
    add(list(ditches), None, 3, False)
    return Rivers(
        metric=np.array(geoms, dtype=object),
        names=names,
        levels=levels,
        key_river=np.array(keys, dtype=bool),
    )
