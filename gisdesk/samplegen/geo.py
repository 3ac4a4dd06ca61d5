"""Move sample geometries between CGCS2000 degrees and Gauss-Kruger metres.

The generator builds everything in metres (EPSG:4549, CGCS2000 3-degree Gauss-Kruger CM
120E) and stores it in degrees (EPSG:4490). Stored coordinates are rounded to 1e-7 degree
(about 1 cm): enough for a planning sample and it keeps the GeoPackage small. Identical input
coordinates always give identical output coordinates, so shared road junctions stay shared.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pyproj
import shapely

from gisdesk.samplegen.arrays import FloatArray

__all__ = [
    "GEOGRAPHIC_EPSG",
    "METRIC_EPSG",
    "STORE_DECIMALS",
    "lonlat_to_metric",
    "metric_to_lonlat",
    "to_geographic",
    "to_metric",
]

GEOGRAPHIC_EPSG = 4490
METRIC_EPSG = 4549
STORE_DECIMALS = 7


@cache
def _transformer(source: int, target: int) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def _convert(
    source: int, target: int, a: npt.ArrayLike, b: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    u, v = _transformer(source, target).transform(
        np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    )
    return np.asarray(u, dtype=np.float64), np.asarray(v, dtype=np.float64)


def lonlat_to_metric(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Project CGCS2000 longitude/latitude to EPSG:4549 easting/northing in metres."""
    return _convert(GEOGRAPHIC_EPSG, METRIC_EPSG, lon, lat)


def metric_to_lonlat(x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Unproject EPSG:4549 metres to CGCS2000 longitude/latitude."""
    return _convert(METRIC_EPSG, GEOGRAPHIC_EPSG, x, y)


def _project(coords: FloatArray) -> FloatArray:
    x, y = lonlat_to_metric(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def _unproject_rounded(coords: FloatArray) -> FloatArray:
    lon, lat = metric_to_lonlat(coords[:, 0], coords[:, 1])
    return np.asarray(np.round(np.column_stack([lon, lat]), STORE_DECIMALS), dtype=np.float64)


def _unproject(coords: FloatArray) -> FloatArray:
    lon, lat = metric_to_lonlat(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])


def to_metric(geoms: Any) -> Any:
    """Project geometries (scalar or array) from EPSG:4490 to EPSG:4549."""
    return shapely.transform(geoms, _project)


def to_geographic(geoms: Any, *, rounded: bool = True) -> Any:
    """Unproject geometries from EPSG:4549 to EPSG:4490, rounded for storage by default."""
    return shapely.transform(geoms, _unproject_rounded if rounded else _unproject)
