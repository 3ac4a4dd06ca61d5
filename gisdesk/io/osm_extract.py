"""Read the ways of an OpenStreetMap extract (.osm.pbf / .osm) with GDAL's OSM driver.

Only reading lives here; turning ways into a road layer is
:func:`gisdesk.analysis.osm.roads_from_osm`.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import pyogrio

from gisdesk.core.errors import InputError
from gisdesk.io.input_file import require_file

__all__ = ["MAX_OSM_BYTES", "is_osm_file", "read_osm_lines"]

MAX_OSM_BYTES = 1024**3
"""Extracts above this are refused: cut a district out first (osmium extract)."""


def is_osm_file(path: str | Path) -> bool:
    """Return whether the file name is an OpenStreetMap extract."""
    name = Path(path).name.lower()
    return name.endswith((".osm.pbf", ".pbf", ".osm"))


def read_osm_lines(path: str | Path, *, max_bytes: int = MAX_OSM_BYTES) -> gpd.GeoDataFrame:
    """Return the ``lines`` layer of an OSM extract (ways with ``highway``, ``other_tags``).

    Raises
    ------
    InputError
        The file is missing, empty, too large or not a readable OSM extract.
    """
    path = Path(path)
    size = require_file(path)
    if size > max_bytes:
        raise InputError(
            f"OSM 文件 {path.name} 过大（{size / 1024**2:.0f} MB）。请先裁剪出所需区域。",
            f"The OSM file {path.name} is too large ({size / 1024**2:.0f} MB); cut out the "
            "area you need first.",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lines = pyogrio.read_dataframe(path, layer="lines", use_arrow=False)
    except Exception as exc:  # GDAL raises many kinds; the user needs one message
        text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else "?"
        raise InputError(
            f"无法读取 OSM 文件 {path.name}（文件可能已损坏或被截断）：{text}",
            f"Cannot read the OSM file {path.name} (damaged or truncated?): {text}",
        ) from None
    if not isinstance(lines, gpd.GeoDataFrame) or "highway" not in lines.columns:
        raise InputError(
            f"OSM 文件 {path.name} 中没有道路（highway）。",
            f"The OSM file {path.name} holds no roads (highway ways).",
        )
    if lines.crs is None:
        lines = lines.set_crs(4326)
    return lines
