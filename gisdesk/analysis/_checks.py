"""Boundary checks shared by the analyses: CRS present, geometry types right, metres chosen."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import shapely
from pyproj import CRS

from gisdesk.core.crs import STORAGE_CRS, metric_crs_for, require_crs, transformer
from gisdesk.core.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Collection

    import geopandas as gpd

__all__ = ["check_geometry", "joint_metric_crs", "point_xy", "to_crs_checked"]

_SHOWN = 10


def joint_metric_crs(layers: dict[str, gpd.GeoDataFrame]) -> CRS:
    """Return one metric CRS in which all the named layers can be measured together.

    EPSG:4549 when their joint extent lies in its area of use (Haimen always does), else a
    UTM zone estimated from that extent, so a network abroad is never forced into 4549.
    """
    bounds = []
    for name, gdf in layers.items():
        crs = require_crs(gdf, layer=name)
        if len(gdf) == 0 or gdf.geometry.isna().all():
            continue
        b = np.asarray(gdf.total_bounds, dtype=np.float64)
        if not np.all(np.isfinite(b)):
            continue
        if not crs.equals(STORAGE_CRS):
            # Transform the densified bounding box, not every vertex of the layer.
            b = np.asarray(
                transformer(crs, STORAGE_CRS).transform_bounds(
                    float(b[0]), float(b[1]), float(b[2]), float(b[3]), densify_pts=21
                ),
                dtype=np.float64,
            )
        bounds.append(b)
    if not bounds:
        return metric_crs_for((np.nan, np.nan, np.nan, np.nan))
    arr = np.vstack(bounds)
    # Rounded outward to 0.01 degree so repeated calls hit the cache (the UTM look-up
    # queries the PROJ database); the choice of zone does not change at that scale.
    return _metric_crs(
        (
            float(np.floor(arr[:, 0].min() * 100) / 100),
            float(np.floor(arr[:, 1].min() * 100) / 100),
            float(np.ceil(arr[:, 2].max() * 100) / 100),
            float(np.ceil(arr[:, 3].max() * 100) / 100),
        )
    )


@lru_cache(maxsize=64)
def _metric_crs(bounds: tuple[float, float, float, float]) -> CRS:
    return metric_crs_for(bounds)


def to_crs_checked(gdf: gpd.GeoDataFrame, crs: CRS, *, layer: str) -> gpd.GeoDataFrame:
    """Return the layer in ``crs`` after checking that it states its own CRS."""
    own = require_crs(gdf, layer=layer)
    return gdf if own.equals(crs) else gdf.to_crs(crs)


def check_geometry(gdf: gpd.GeoDataFrame, *, layer: str, allowed: Collection[str]) -> None:
    """Raise an :class:`InputError` naming the rows whose geometry is missing or of a wrong type."""
    geoms = gdf.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    types = np.asarray(gdf.geom_type.to_numpy(), dtype=object)
    wrong = ~missing & ~np.isin(types, list(allowed))
    if missing.any():
        rows = ", ".join(str(i) for i in gdf.index[missing][:_SHOWN])
        raise InputError(
            f"图层“{layer}”有 {int(missing.sum())} 个要素没有几何（行 {rows}）。"
            "请补全或删除后再分析。",
            f"Layer '{layer}' has {int(missing.sum())} features without geometry (rows {rows}). "
            "Complete or delete them before the analysis.",
        )
    if wrong.any():
        found = "、".join(sorted({str(t) for t in types[wrong]}))
        rows = ", ".join(str(i) for i in gdf.index[wrong][:_SHOWN])
        want = "/".join(sorted(allowed))
        raise InputError(
            f"图层“{layer}”应为 {want} 几何，"
            f"但有 {int(wrong.sum())} 个要素是 {found}（行 {rows}）。",
            f"Layer '{layer}' must have {want} geometries but {int(wrong.sum())} features are "
            f"{found} (rows {rows}).",
        )


def point_xy(gdf: gpd.GeoDataFrame, crs: CRS, *, layer: str) -> np.ndarray:
    """Return the (n, 2) coordinates of a point layer in ``crs``, checked at the boundary."""
    check_geometry(gdf, layer=layer, allowed={"Point"})
    metric = to_crs_checked(gdf, crs, layer=layer)
    return np.asarray(shapely.get_coordinates(metric.geometry.to_numpy()), dtype=np.float64)
