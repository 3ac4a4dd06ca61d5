"""The coordinate systems a user can state for imported data, by name or EPSG code.

Chinese web-map offsets (GCJ-02, BD-09) are not CRSs pyproj knows: they are lon/lat with a
published obfuscation. :func:`resolve_system` turns what the user typed into one of the keys
of :data:`COORDINATE_SYSTEMS` or, for any other CRS, a pyproj :class:`~pyproj.CRS`.
"""

from __future__ import annotations

from pyproj import CRS
from pyproj.exceptions import CRSError as PyprojCRSError

from gisdesk.core.errors import CRSError

__all__ = ["COORDINATE_SYSTEMS", "OFFSET_SYSTEMS", "resolve_system", "system_crs"]

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
"""Key -> (Chinese label, English label) of the systems offered for coordinate tables."""

OFFSET_SYSTEMS = ("GCJ02", "BD09")

_ALIASES = {
    "cgcs2000": "CGCS2000",
    "epsg:4490": "CGCS2000",
    "4490": "CGCS2000",
    "wgs84": "WGS84",
    "epsg:4326": "WGS84",
    "4326": "WGS84",
    "gps": "WGS84",
    "gcj02": "GCJ02",
    "gcj": "GCJ02",
    "amap": "GCJ02",
    "高德": "GCJ02",
    "腾讯": "GCJ02",
    "bd09": "BD09",
    "baidu": "BD09",
    "百度": "BD09",
    "epsg:4549": "EPSG:4549",
    "4549": "EPSG:4549",
}


def resolve_system(name: str) -> str | CRS:
    """Return the :data:`COORDINATE_SYSTEMS` key for a user's CRS text, or a pyproj CRS.

    Parameters
    ----------
    name
        "gcj02", "GCJ-02", "bd09", "wgs84", "cgcs2000", "epsg:4549", "4490", or anything
        pyproj accepts ("EPSG:32651", a WKT string...).

    Raises
    ------
    CRSError
        When the text names no coordinate system.
    """
    key = name.strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    if key in _ALIASES:
        return _ALIASES[key]
    if name.strip() in COORDINATE_SYSTEMS:
        return name.strip()
    try:
        return CRS.from_user_input(name.strip())
    except (PyprojCRSError, TypeError, ValueError):
        raise CRSError(
            f"无法识别坐标系“{name}”。可用：gcj02、bd09、wgs84、cgcs2000、epsg:4549 或 EPSG 代码。",
            f"Unknown coordinate system '{name}'. Use gcj02, bd09, wgs84, cgcs2000, epsg:4549 "
            "or an EPSG code.",
        ) from None


def system_crs(system: str | CRS) -> CRS:
    """Return the CRS the numbers of a system are expressed in (offsets: WGS84 lon/lat)."""
    if isinstance(system, CRS):
        return system
    return CRS.from_epsg(
        {"CGCS2000": 4490, "WGS84": 4326, "GCJ02": 4326, "BD09": 4326, "EPSG:4549": 4549}[system]
    )
