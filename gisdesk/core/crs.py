"""The CRS policy in code: store in EPSG:4490, measure in EPSG:4549, never guess.

EPSG:4549 (CGCS2000 3-degree Gauss-Kruger CM 120E) declares northing first; every
transformer here is built with ``always_xy=True`` so x is always easting / longitude.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from pyproj import CRS, Transformer

from gisdesk.core.errors import CRSError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "METRIC_CRS",
    "STORAGE_CRS",
    "metric_crs_for",
    "metric_crs_for_frames",
    "require_crs",
    "to_metric",
    "to_storage",
    "transformer",
]

STORAGE_CRS = CRS.from_epsg(4490)
"""CGCS2000 geographic: how layers are stored and exchanged."""

METRIC_CRS = CRS.from_epsg(4549)
"""CGCS2000 / 3-degree Gauss-Kruger CM 120E: where Haimen is measured, in metres."""


@lru_cache(maxsize=64)
def _transformer(src_wkt: str, dst_wkt: str) -> Transformer:
    return Transformer.from_crs(CRS.from_wkt(src_wkt), CRS.from_wkt(dst_wkt), always_xy=True)


def transformer(src: CRS | int | str, dst: CRS | int | str) -> Transformer:
    """Return a cached x/y-ordered transformer between two CRSs."""
    return _transformer(CRS.from_user_input(src).to_wkt(), CRS.from_user_input(dst).to_wkt())


def require_crs(gdf: gpd.GeoDataFrame, *, layer: str) -> CRS:
    """Return the layer's CRS, or raise a :class:`CRSError` telling the user what to do."""
    if gdf.crs is None:
        raise CRSError(
            f"图层“{layer}”没有坐标系。请在导入时指明坐标系（如 CGCS2000 EPSG:4490、"
            "WGS84 EPSG:4326、或 EPSG:4549 米制坐标），gisdesk 不会猜测。",
            f"Layer '{layer}' has no coordinate reference system. State it when importing "
            "(e.g. CGCS2000 EPSG:4490, WGS84 EPSG:4326 or EPSG:4549 metres); gisdesk does "
            "not guess.",
        )
    return CRS.from_user_input(gdf.crs)


def to_storage(gdf: gpd.GeoDataFrame, *, layer: str) -> gpd.GeoDataFrame:
    """Return the layer in EPSG:4490 (a no-op when it already is)."""
    crs = require_crs(gdf, layer=layer)
    if crs.equals(STORAGE_CRS):
        return gdf
    return gdf.to_crs(STORAGE_CRS)


def metric_crs_for(bounds_lonlat: tuple[float, float, float, float]) -> CRS:
    """Choose the CRS to measure data lying within the given lon/lat bounds.

    EPSG:4549 when the data lies inside its area of use widened by half a degree (Haimen's
    eastern coast reaches 121.54 E, just past the zone edge at 121.5 E, where Gauss-Kruger
    scale error is still about 1/4000); otherwise a UTM zone estimated from the data, so a
    network abroad is never forced into 4549.
    """
    minx, miny, maxx, maxy = bounds_lonlat
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        return METRIC_CRS
    area = METRIC_CRS.area_of_use
    margin = 0.5
    if area is not None and (
        minx >= area.west - margin
        and maxx <= area.east + margin
        and miny >= area.south - margin
        and maxy <= area.north + margin
    ):
        return METRIC_CRS
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_utm_crs_info

    infos = query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=AreaOfInterest(minx, miny, maxx, maxy),
    )
    if not infos:
        raise CRSError(
            "无法为该范围选择米制坐标系。",
            f"No metric CRS covers the bounds {bounds_lonlat}.",
        )
    return CRS.from_epsg(int(infos[0].code))


def _lonlat_bounds(gdf: gpd.GeoDataFrame) -> np.ndarray | None:
    if gdf.crs is None or not len(gdf):
        return None
    b = np.asarray(gdf.total_bounds, dtype=np.float64)
    if not np.isfinite(b).all():
        return None
    crs = CRS.from_user_input(gdf.crs)
    if crs.is_geographic:
        return b
    return np.asarray(transformer(crs, STORAGE_CRS).transform_bounds(*b), dtype=np.float64)


def metric_crs_for_frames(frames: Iterable[gpd.GeoDataFrame]) -> CRS:
    """Choose the metric CRS for a set of layers: the one the canvas and plates draw in.

    Only the layers' bounds are transformed (not their features), so it is cheap to call
    on every project open. EPSG:4549 for Haimen; see :func:`metric_crs_for`.
    """
    bounds = [b for gdf in frames if (b := _lonlat_bounds(gdf)) is not None]
    if not bounds:
        return METRIC_CRS
    arr = np.array(bounds)
    return metric_crs_for(
        (
            float(arr[:, 0].min()),
            float(arr[:, 1].min()),
            float(arr[:, 2].max()),
            float(arr[:, 3].max()),
        )
    )


def to_metric(gdf: gpd.GeoDataFrame, *, layer: str) -> gpd.GeoDataFrame:
    """Return the layer in the metric CRS chosen for its extent (EPSG:4549 around Haimen)."""
    crs = require_crs(gdf, layer=layer)
    if crs.is_projected and crs.equals(METRIC_CRS):
        return gdf
    geo = gdf.to_crs(STORAGE_CRS) if not crs.equals(STORAGE_CRS) else gdf
    if len(geo) == 0:
        return geo.to_crs(METRIC_CRS)
    minx, miny, maxx, maxy = (float(v) for v in geo.total_bounds)
    return geo.to_crs(metric_crs_for((minx, miny, maxx, maxy)))
