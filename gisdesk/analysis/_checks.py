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
    from collections.abc import Collection, Sequence

    import geopandas as gpd

__all__ = [
    "DPI_RANGE",
    "check_dpi",
    "check_geometry",
    "check_metres",
    "check_not_empty",
    "check_number",
    "check_positive",
    "joint_metric_crs",
    "point_xy",
    "storage_bounds",
    "to_crs_checked",
]

_SHOWN = 10


def storage_bounds(gdf: gpd.GeoDataFrame, *, layer: str) -> np.ndarray | None:
    """Return a layer's bounds in the storage CRS (None when it has no finite geometry)."""
    crs = require_crs(gdf, layer=layer)
    if len(gdf) == 0 or gdf.geometry.isna().all():
        return None
    b = np.asarray(gdf.total_bounds, dtype=np.float64)
    if not np.all(np.isfinite(b)):
        return None
    if not crs.equals(STORAGE_CRS):
        # Transform the densified bounding box, not every vertex of the layer.
        b = np.asarray(
            transformer(crs, STORAGE_CRS).transform_bounds(
                float(b[0]), float(b[1]), float(b[2]), float(b[3]), densify_pts=21
            ),
            dtype=np.float64,
        )
    return b


def joint_metric_crs(layers: dict[str, gpd.GeoDataFrame], bounds: Sequence[np.ndarray] = ()) -> CRS:
    """Return one metric CRS in which all the named layers can be measured together.

    EPSG:4549 when their joint extent lies in its area of use (Haimen always does), else a
    UTM zone estimated from that extent, so a network abroad is never forced into 4549.
    ``bounds`` adds the extents (storage CRS, :func:`storage_bounds`) of layers not read.
    """
    found = [np.asarray(b, dtype=np.float64) for b in bounds]
    for name, gdf in layers.items():
        b = storage_bounds(gdf, layer=name)
        if b is not None:
            found.append(b)
    if not found:
        return metric_crs_for((np.nan, np.nan, np.nan, np.nan))
    arr = np.vstack(found)
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


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() and abs(value) >= 10_000 else f"{value:g}"


def check_number(
    value: object,
    *,
    what_zh: str,
    what_en: str,
    low: float,
    high: float,
    unit_zh: str = "",
    unit_en: str = "",
    low_open: bool = False,
    integer: bool = False,
) -> float:
    """Return ``value`` as a float if it is a finite number within its range, else raise.

    The range is ``[low, high]`` (``(low, high]`` with ``low_open``); the message names the
    parameter, the range with its unit and the value received, so the window and the
    command line say the same thing.
    """
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool):
        number = float("nan")
    ok = (
        np.isfinite(number)
        and (number > low if low_open else number >= low)
        and number <= high
        and (not integer or number.is_integer())
    )
    if ok:
        return number
    u_zh = f" {unit_zh}" if unit_zh else ""
    u_en = f" {unit_en}" if unit_en else ""
    lo, hi = _fmt(low), _fmt(high)
    kind_zh = "整数" if integer else "数值"
    kind_en = "whole number" if integer else "finite number"
    low_zh = f"大于 {lo}{u_zh}" if low_open else f"不小于 {lo}{u_zh}"
    low_en = f"above {lo}{u_en}" if low_open else f"at least {lo}{u_en}"
    gap = "" if unit_zh else " "  # "不小于 100 且", but "不小于 100 米且"
    got = str(value) if not isinstance(value, float) else f"{value:g}"
    raise InputError(
        f"{what_zh}须为{low_zh}{gap}且不大于 {hi}{u_zh}{gap}的{kind_zh}（收到 {got}）。",
        f"{what_en} must be a {kind_en} {low_en} and at most {hi}{u_en} (got {got}).",
    )


def check_metres(value: object, what: tuple[str, str], bounds: tuple[float, float]) -> float:
    """Return a length or coordinate in metres if it lies within ``bounds``, ends included.

    ``what`` names the parameter in Chinese and English; see :func:`check_number`.
    """
    return check_number(
        value,
        what_zh=what[0],
        what_en=what[1],
        low=bounds[0],
        high=bounds[1],
        unit_zh="米",
        unit_en="m",
    )


def check_positive(
    value: object, what: tuple[str, str], high: float, unit: tuple[str, str] = ("", "")
) -> float:
    """Return a quantity as a float if it is above 0 and at most ``high``, else raise.

    ``what`` names the parameter and ``unit`` its unit, each in Chinese and English; see
    :func:`check_number`.
    """
    return check_number(
        value,
        what_zh=what[0],
        what_en=what[1],
        low=0.0,
        high=high,
        unit_zh=unit[0],
        unit_en=unit[1],
        low_open=True,
    )


DPI_RANGE = (50, 1200)
"""Resolutions accepted for raster output (plates as PNG), in dots per inch."""


def check_dpi(dpi: float) -> int:
    """Return a resolution as a whole dpi, or raise an :class:`InputError` outside DPI_RANGE."""
    low, high = DPI_RANGE
    if not low <= dpi <= high:  # NaN fails this too
        raise InputError(
            f"分辨率须在 {low} 到 {high} dpi 之间（收到 {dpi}）。",
            f"The resolution must lie between {low} and {high} dpi (got {dpi}).",
        )
    return round(dpi)


def check_not_empty(
    gdf: gpd.GeoDataFrame,
    *,
    what_zh: str,
    what_en: str,
    needed_zh: str,
    needed_en: str,
    layer: str | None = None,
) -> None:
    """Raise an :class:`InputError` when a layer the analysis needs has no features.

    An empty layer would give a result that looks like a finding (0 of 250 villages
    covered) when it only says the layer is empty. ``what_zh``/``what_en`` name the layer's
    role (服务点 / service points), ``layer`` its name where known.
    """
    if len(gdf) > 0:
        return
    name_zh = f"“{layer}”" if layer else ""
    name_en = f" '{layer}'" if layer else ""
    raise InputError(
        f"{what_zh}图层{name_zh}没有要素，无法{needed_zh}。请先添加或导入要素，或选择另一个图层。",
        f"The {what_en} layer{name_en} has no features, so {needed_en} cannot be computed. "
        "Add or import features first, or choose another layer.",
    )
