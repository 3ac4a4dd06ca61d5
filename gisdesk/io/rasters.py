"""Write rasters (GeoTIFF) with rasterio: the one place gisdesk writes raster files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from affine import Affine
    from pyproj import CRS

__all__ = ["write_geotiff"]


def write_geotiff(
    path: str | Path,
    array: np.ndarray,
    *,
    transform: Affine,
    crs: CRS,
    description: str = "",
    nodata: float = float("nan"),
) -> Path:
    """Write a single-band float32 GeoTIFF, deflate-compressed, north up."""
    import rasterio

    path = Path(path)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=array.shape[1],
        height=array.shape[0],
        count=1,
        dtype="float32",
        crs=crs.to_wkt(),
        transform=transform,
        nodata=nodata,
        compress="deflate",
    ) as dst:
        dst.write(array.astype(np.float32), 1)
        if description:
            dst.set_band_description(1, description)
    return path
