"""Read vector files and coordinate tables into layers, saying what is wrong when it is.

GeoPackage, Shapefile (also zipped), GeoJSON, KML and FlatGeobuf go through pyogrio/GDAL.
CSV and Excel tables with coordinate columns become point layers; the user states the
coordinate system of the numbers (WGS84, CGCS2000, GCJ-02, BD-09 or EPSG:4549 metres) and
the conversion applied is recorded.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from gisdesk.core import offsets
from gisdesk.core.crs import STORAGE_CRS
from gisdesk.core.errors import CRSError, InputError

__all__ = [
    "COORDINATE_SYSTEMS",
    "guess_coordinate_columns",
    "list_layers",
    "read_coordinate_table",
    "read_table",
    "read_vector_file",
]

VECTOR_SUFFIXES = {".gpkg", ".shp", ".geojson", ".json", ".kml", ".kmz", ".fgb", ".zip"}
TABLE_SUFFIXES = {".csv", ".txt", ".xlsx", ".xls"}

COORDINATE_SYSTEMS: dict[str, tuple[str, str]] = {
    "CGCS2000": ("CGCS2000 经纬度（EPSG:4490）", "CGCS2000 lon/lat (EPSG:4490)"),
    "WGS84": ("WGS84 经纬度（GPS，EPSG:4326）", "WGS84 lon/lat (GPS, EPSG:4326)"),
    "GCJ02": ("GCJ-02 经纬度（高德、腾讯）", "GCJ-02 lon/lat (Amap, Tencent)"),
    "BD09": ("BD-09 经纬度（百度）", "BD-09 lon/lat (Baidu)"),
    "EPSG:4549": (
        "CGCS2000 高斯-克吕格 120°E 米制（EPSG:4549）",
        "CGCS2000 Gauss-Kruger CM 120E metres (EPSG:4549)",
    ),
}

_X_NAMES = ("经度", "lon", "lng", "long", "longitude", "x", "x坐标", "东坐标", "横坐标")
_Y_NAMES = ("纬度", "lat", "latitude", "y", "y坐标", "北坐标", "纵坐标")


def _gdal_path(path: Path) -> str:
    return f"/vsizip/{path}" if path.suffix.lower() in (".zip", ".kmz") else str(path)


def list_layers(path: str | Path) -> list[str]:
    """Return the layer names in a vector file."""
    path = Path(path)
    try:
        return [str(name) for name, _geom in pyogrio.list_layers(_gdal_path(path))]
    except Exception as exc:
        raise InputError(
            f"无法读取文件 {path.name}：{exc}",
            f"Cannot read {path.name}: {exc}",
        ) from None


def read_vector_file(path: str | Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector layer; refuse one without a coordinate system instead of guessing."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"文件不存在：{path}", f"The file does not exist: {path}")
    if path.stat().st_size == 0:
        raise InputError(f"文件 {path.name} 是空文件。", f"The file {path.name} is empty.")
    try:
        gdf = pyogrio.read_dataframe(_gdal_path(path), layer=layer, use_arrow=True)
    except Exception as exc:
        raise InputError(
            f"无法读取 {path.name}（文件可能损坏或格式不受支持）：{exc}",
            f"Cannot read {path.name} (damaged or unsupported): {exc}",
        ) from None
    if gdf.crs is None:
        raise CRSError(
            f"“{path.name}”没有坐标系信息（Shapefile 缺少 .prj？）。请在导入时指明坐标系。",
            f"'{path.name}' has no coordinate system (a Shapefile without .prj?). "
            "State it when importing.",
        )
    return gdf


def read_table(path: str | Path, *, sheet: str | int | None = 0) -> pd.DataFrame:
    """Read a CSV (UTF-8 or GB18030) or Excel sheet as text-preserving columns."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        return pd.read_excel(path, sheet_name=sheet if sheet is not None else 0)
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        from io import StringIO

        return pd.read_csv(StringIO(text))
    raise InputError(
        f"{path.name} 的文字编码无法识别（已尝试 UTF-8、GB18030）。",
        f"The text encoding of {path.name} is not recognised (tried UTF-8, GB18030).",
    )


def _norm(name: str) -> str:
    return re.sub(r"[\s_()（）]", "", str(name)).lower()


def guess_coordinate_columns(df: pd.DataFrame) -> tuple[str | None, str | None]:
    """Return the most likely (x, y) columns by common Chinese and English headers."""
    cols = {_norm(c): c for c in df.columns}
    x = next((cols[n] for n in map(_norm, _X_NAMES) if n in cols), None)
    y = next((cols[n] for n in map(_norm, _Y_NAMES) if n in cols), None)
    return x, y


def read_coordinate_table(
    df: pd.DataFrame, *, x: str, y: str, system: str
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Turn a table with coordinate columns into points in EPSG:4490.

    Returns the layer and the conversions applied (recorded in the layer metadata).
    Raises :class:`InputError` naming the rows whose coordinates are missing, swapped or
    outside China.
    """
    if system not in COORDINATE_SYSTEMS:
        raise CRSError(f"未知坐标系：{system}", f"Unknown coordinate system: {system}")
    for col in (x, y):
        if col not in df.columns:
            raise InputError(f"表中没有列“{col}”。", f"The table has no column '{col}'.")
    xs = pd.to_numeric(df[x], errors="coerce").to_numpy(dtype=np.float64)
    ys = pd.to_numeric(df[y], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~(np.isfinite(xs) & np.isfinite(ys))
    if bad.any():
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(bad)[:10])
        raise InputError(
            f"第 {rows} 行的坐标为空或不是数字（行号按表格计，含表头）。",
            f"Rows {rows} have empty or non-numeric coordinates (spreadsheet rows, header = 1).",
        )
    conversions: list[str] = []
    if system == "EPSG:4549":
        gdf = gpd.GeoDataFrame(df.copy(), geometry=gpd.points_from_xy(xs, ys), crs=4549)
        return gdf.to_crs(STORAGE_CRS), ["EPSG:4549 -> CGCS2000 (EPSG:4490)"]
    in_lon = (xs >= 73) & (xs <= 136)
    in_lat = (ys >= 3) & (ys <= 54)
    swapped = ~(in_lon & in_lat) & (ys >= 73) & (ys <= 136) & (xs >= 3) & (xs <= 54)
    if swapped.all():
        raise InputError(
            f"经纬度似乎写反了：“{x}”列像纬度，“{y}”列像经度。请交换两列后重试。",
            f"Longitude and latitude look swapped: '{x}' holds latitudes and '{y}' "
            "longitudes. Swap them and try again.",
        )
    outside = ~(in_lon & in_lat)
    if outside.any():
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(outside)[:10])
        raise InputError(
            f"第 {rows} 行的坐标不在中国范围内（经度 73–136，纬度 3–54），请检查。",
            f"Rows {rows} lie outside China (lon 73-136, lat 3-54); check them.",
        )
    if system == "GCJ02":
        xs, ys = offsets.gcj02_to_wgs84(xs, ys)
        conversions.append("GCJ-02 -> CGCS2000 (gisdesk.core.offsets)")
    elif system == "BD09":
        xs, ys = offsets.bd09_to_wgs84(xs, ys)
        conversions.append("BD-09 -> CGCS2000 (gisdesk.core.offsets)")
    elif system == "WGS84":
        conversions.append("WGS84 = CGCS2000 within centimetres (no shift)")
    gdf = gpd.GeoDataFrame(df.copy(), geometry=gpd.points_from_xy(xs, ys), crs=STORAGE_CRS)
    return gdf, conversions
