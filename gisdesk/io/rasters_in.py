"""Read GeoTIFF rasters: metadata, reprojection for display, statistics per zone.

rasterio is imported inside the functions (an optional, heavy dependency).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pyproj import CRS

from gisdesk.core.crs import METRIC_CRS
from gisdesk.core.errors import CRSError, InputError
from gisdesk.io.input_file import require_file

if TYPE_CHECKING:
    import geopandas as gpd
    from affine import Affine

__all__ = ["RasterInfo", "read_raster_info", "reproject_raster", "zonal_statistics"]


@dataclass(frozen=True)
class RasterInfo:
    """What a raster file holds.

    Attributes
    ----------
    width, height, count
        Columns, rows and bands.
    dtype
        Data type of the first band.
    crs
        Its CRS (None when the file declares none).
    bounds
        (left, bottom, right, top) in the raster's CRS.
    resolution
        Pixel (width, height) in CRS units.
    nodata
        The no-data value of the first band, if any.
    transform
        Pixel -> CRS affine transform.
    """

    width: int
    height: int
    count: int
    dtype: str
    crs: CRS | None
    bounds: tuple[float, float, float, float]
    resolution: tuple[float, float]
    nodata: float | None
    transform: Affine


def _open(path: Path) -> Any:
    try:
        import rasterio
    except ImportError:  # pragma: no cover - rasterio is a dependency of the full install
        raise InputError(
            "读取栅格需要 rasterio（pip install rasterio）。",
            "Reading rasters needs rasterio (pip install rasterio).",
        ) from None
    require_file(path)
    try:
        return rasterio.open(path)
    except Exception as exc:  # rasterio/GDAL raise their own kinds on damaged files
        raise InputError(
            f"无法读取栅格 {path.name}（文件可能已损坏）：{exc}",
            f"Cannot read the raster {path.name} (damaged?): {exc}",
        ) from None


def read_raster_info(path: str | Path) -> RasterInfo:
    """Return a raster's size, bands, CRS, bounds, resolution and no-data value."""
    with _open(Path(path)) as src:
        return RasterInfo(
            width=int(src.width),
            height=int(src.height),
            count=int(src.count),
            dtype=str(src.dtypes[0]),
            crs=None if src.crs is None else CRS.from_user_input(src.crs.to_wkt()),
            bounds=tuple(float(v) for v in src.bounds),  # type: ignore[arg-type]
            resolution=(float(src.res[0]), float(src.res[1])),
            nodata=None if src.nodata is None else float(src.nodata),
            transform=src.transform,
        )


def reproject_raster(
    path: str | Path,
    *,
    dst_crs: CRS | int | str = METRIC_CRS,
    band: int = 1,
    resolution: float | None = None,
) -> tuple[np.ndarray, Affine, CRS]:
    """Return one band warped to ``dst_crs`` (default EPSG:4549) as float64, NaN = no data.

    Parameters
    ----------
    path
        The raster.
    dst_crs
        Target CRS.
    band
        Band number (1-based).
    resolution
        Target pixel size in ``dst_crs`` units; default GDAL's estimate.

    Raises
    ------
    CRSError
        The raster declares no CRS.
    """
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    target = CRS.from_user_input(dst_crs)
    with _open(Path(path)) as src:
        if src.crs is None:
            raise CRSError(
                f"栅格 {Path(path).name} 没有坐标系，无法重投影。",
                f"The raster {Path(path).name} has no CRS; it cannot be reprojected.",
            )
        if not 1 <= band <= src.count:
            raise InputError(
                f"栅格只有 {src.count} 个波段。", f"The raster has only {src.count} band(s)."
            )
        kwargs = {} if resolution is None else {"resolution": resolution}
        transform, width, height = calculate_default_transform(
            src.crs, target.to_wkt(), src.width, src.height, *src.bounds, **kwargs
        )
        data = src.read(band, out_dtype="float64", masked=True).filled(np.nan)
        out = np.full((height, width), np.nan, dtype=np.float64)
        reproject(
            source=data,
            destination=out,
            src_transform=src.transform,
            src_crs=src.crs,
            src_nodata=np.nan,
            dst_transform=transform,
            dst_crs=target.to_wkt(),
            dst_nodata=np.nan,
            resampling=Resampling.bilinear,
        )
    return out, transform, target


def zonal_statistics(
    path: str | Path,
    zones: gpd.GeoDataFrame,
    *,
    band: int = 1,
    all_touched: bool = False,
) -> pd.DataFrame:
    """Return mean, min, max and count of valid pixels per zone polygon.

    Zones are reprojected to the raster's CRS; a pixel belongs to a zone when its centre
    lies inside (or it touches the zone, with ``all_touched``). Overlapping zones each count
    their pixels. Zones with no valid pixel get count 0 and NaN statistics.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``zones``, columns ``mean``, ``min``, ``max``, ``count``.
    """
    from rasterio.features import geometry_mask
    from rasterio.windows import Window, from_bounds

    if zones.crs is None:
        raise CRSError("分区图层没有坐标系。", "The zone layer has no CRS.")
    stats = np.full((len(zones), 3), np.nan)
    counts = np.zeros(len(zones), dtype=np.int64)
    with _open(Path(path)) as src:
        if src.crs is None:
            raise CRSError(
                f"栅格 {Path(path).name} 没有坐标系。", f"The raster {Path(path).name} has no CRS."
            )
        local = zones.to_crs(src.crs.to_wkt())
        full = Window(0, 0, src.width, src.height)  # type: ignore[no-untyped-call]
        for i, geom in enumerate(local.geometry.to_numpy()):
            if geom is None or geom.is_empty:
                continue
            try:
                win = (
                    from_bounds(*geom.bounds, transform=src.transform)
                    .round_offsets(op="floor")
                    .round_lengths(op="ceil")
                    .intersection(full)
                )
            except Exception:  # rasterio raises WindowError when the zone misses the raster
                continue
            if win.width <= 0 or win.height <= 0:
                continue
            data = src.read(band, window=win, masked=True, out_dtype="float64")
            inside = ~geometry_mask(
                [geom],
                out_shape=data.shape,
                transform=src.window_transform(win),
                all_touched=all_touched,
            )
            valid = inside & ~np.ma.getmaskarray(data) & np.isfinite(data.filled(np.nan))
            values = data.data[valid]
            counts[i] = values.size
            if values.size:
                stats[i] = (values.mean(), values.min(), values.max())
    return pd.DataFrame(
        {"mean": stats[:, 0], "min": stats[:, 1], "max": stats[:, 2], "count": counts},
        index=zones.index,
    )
