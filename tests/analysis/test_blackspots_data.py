"""Generated roads and accidents for the black-spot tests and benchmark (no tests here)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ORIGIN = (600_000.0, 3_530_000.0)  # around Haimen, EPSG:4549 metres


def straight_roads(
    n_roads: int = 6,
    *,
    length_km: float = 20.0,
    piece_km: float = 1.0,
    spacing_m: float = 2_000.0,
    connectors: bool = True,
    stretch: float = 1.0,
    prefix: str = "R",
) -> gpd.GeoDataFrame:
    """Return parallel east-west named roads cut into pieces with km stakes.

    ``stretch`` scales the geometry against the stakes (1.1: a stake km is 1.1 m per m),
    so tests see stakes interpolated within a piece, not metres along the line.
    Unnamed north-south connectors join the roads every 5 km when ``connectors``.
    """
    x0, y0 = ORIGIN
    n_p = round(length_km / piece_km)
    k = np.arange(n_p)
    rows = []
    for r in range(n_roads):
        y = y0 + r * spacing_m
        a = x0 + k * piece_km * 1000 * stretch
        b = a + piece_km * 1000 * stretch
        geoms = shapely.linestrings(
            np.stack(
                [np.column_stack([a, np.full(n_p, y)]), np.column_stack([b, np.full(n_p, y)])], 1
            )
        )
        rows.append(
            pd.DataFrame(
                {
                    "road_id": [f"{prefix}{r + 1}-{i}" for i in k],
                    "name": f"{prefix}{r + 1}",
                    "class": "国道" if r % 2 == 0 else "省道",
                    "from_km": k * piece_km,
                    "to_km": (k + 1) * piece_km,
                    "geometry": geoms,
                }
            )
        )
    if connectors and n_roads > 1:
        xs = x0 + np.arange(0, length_km + 1e-9, 5.0) * 1000 * stretch
        geoms = [
            shapely.LineString([(x, y0 + r * spacing_m), (x, y0 + (r + 1) * spacing_m)])
            for x in xs
            for r in range(n_roads - 1)
        ]
        rows.append(
            pd.DataFrame(
                {
                    "road_id": [f"C{i}" for i in range(len(geoms))],
                    "name": None,
                    "class": "村道",
                    "from_km": np.nan,
                    "to_km": np.nan,
                    "geometry": geoms,
                }
            )
        )
    frame = pd.concat(rows, ignore_index=True)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=4549)


def accidents_at(
    roads: gpd.GeoDataFrame,
    road: np.ndarray,
    km: np.ndarray,
    *,
    seed: int = 0,
    fatal_share: float = 0.05,
    injury_share: float = 0.4,
    offset_m: float = 5.0,
) -> gpd.GeoDataFrame:
    """Return accident points at the given stakes (a few metres off the centre line)."""
    from gisdesk.analysis.blackspots.referencing import place_stakes, road_measures

    rng = np.random.default_rng(seed)
    measures = road_measures(roads)
    pts, _ = place_stakes(measures, np.asarray(road, dtype=object), np.asarray(km, float))
    xy = shapely.get_coordinates(pts)
    xy[:, 1] += rng.uniform(-offset_m, offset_m, len(xy))
    n = len(xy)
    u = rng.random(n)
    deaths = np.where(u < fatal_share, 1, 0)
    injuries = np.where((u >= fatal_share) & (u < fatal_share + injury_share), 1, 0)
    return gpd.GeoDataFrame(
        {
            "case_no": [f"A{i:06d}" for i in range(n)],
            "date": pd.Timestamp("2021-06-01"),
            "deaths": deaths,
            "injuries": injuries,
            "type": "追尾",
            "procedure": "一般程序",
        },
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=measures.crs,
    )


def uniform_accidents(
    roads: gpd.GeoDataFrame, n: int, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Return (road, km) of n accidents spread evenly over the named roads' length."""
    from gisdesk.analysis.blackspots.referencing import road_measures

    rng = np.random.default_rng(seed)
    m = road_measures(roads)
    p = m.road_length_km / m.road_length_km.sum()
    code = rng.choice(len(p), size=n, p=p)
    km = rng.uniform(0, m.road_length_km[code])
    return m.roads[code], km
