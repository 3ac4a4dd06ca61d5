"""GeoTIFF reading: metadata, reprojection to EPSG:4549, zonal statistics."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from pyproj import CRS
from shapely.geometry import box

from gisdesk.core.errors import CRSError, InputError
from gisdesk.io.rasters import write_geotiff
from gisdesk.io.rasters_in import read_raster_info, reproject_raster, zonal_statistics

# 0.01-degree pixels over Haimen, value = column index + 10 * row index
ORIGIN = (121.0, 32.0)
RES = 0.01


@pytest.fixture
def grid(tmp_path: Path) -> Path:
    rows, cols = np.mgrid[0:20, 0:30]
    data = (cols + 10 * rows).astype(np.float64)
    data[0, 0] = np.nan
    transform = Affine(RES, 0, ORIGIN[0], 0, -RES, ORIGIN[1])
    return write_geotiff(tmp_path / "grid.tif", data, transform=transform, crs=CRS.from_epsg(4490))


def test_metadata(grid: Path) -> None:
    info = read_raster_info(grid)
    assert (info.width, info.height, info.count) == (30, 20, 1)
    assert info.crs is not None
    assert info.crs.to_epsg() == 4490
    np.testing.assert_allclose(info.bounds, (121.0, 31.8, 121.3, 32.0))
    assert info.resolution == pytest.approx((RES, RES))


def test_reproject_to_4549(grid: Path) -> None:
    data, transform, crs = reproject_raster(grid, resolution=200.0)
    assert crs.to_epsg() == 4549
    assert transform.a == pytest.approx(200.0)
    assert 300_000 < transform.c < 700_000
    assert np.nanmax(data) <= 219.0 + 1e-6
    assert np.isfinite(data).mean() > 0.5


def test_zonal_statistics(grid: Path) -> None:
    zones = gpd.GeoDataFrame(
        {"name": ["a", "b", "outside"]},
        geometry=[
            box(121.0, 31.98, 121.03, 32.0),  # row 0, cols 0-2: nan, 1, 2 and row 1: 10-12
            box(121.1, 31.9, 121.12, 31.92),  # rows 8-9, cols 10-11
            box(100.0, 10.0, 100.1, 10.1),
        ],
        crs=4490,
    ).to_crs(4549)
    stats = zonal_statistics(grid, zones)
    assert list(stats.index) == [0, 1, 2]
    assert stats.loc[0, "count"] == 5
    assert stats.loc[0, "min"] == 1
    assert stats.loc[0, "max"] == 12
    assert stats.loc[0, "mean"] == pytest.approx((1 + 2 + 10 + 11 + 12) / 5)
    assert stats.loc[1, "count"] == 4
    assert stats.loc[1, "mean"] == pytest.approx((90 + 91 + 100 + 101) / 4)
    assert stats.loc[2, "count"] == 0
    assert np.isnan(stats["mean"].to_numpy()[2])


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_bad_rasters(tmp_path: Path) -> None:
    path = tmp_path / "bad.tif"
    path.write_bytes(b"II*\x00garbage")
    with pytest.raises(InputError):
        read_raster_info(path)
    nocrs = tmp_path / "nocrs.tif"
    import rasterio

    with rasterio.open(
        nocrs, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32"
    ) as dst:
        dst.write(np.ones((1, 2, 2), dtype=np.float32))
    with pytest.raises(CRSError):
        reproject_raster(nocrs)
