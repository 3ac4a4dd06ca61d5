"""Convert between WGS84/CGCS2000 and the offset coordinates of Chinese web maps.

Amap (高德) and Tencent publish GCJ-02 coordinates; Baidu publishes BD-09, a further
rotation of GCJ-02. Around Haimen both are roughly 480 m away from true positions. The
forward transform (WGS84 -> GCJ-02) is the published obfuscation formula; the inverse has no
closed form and is solved here by fixed-point iteration to well below a millimetre.

CGCS2000 and WGS84 differ by a few centimetres, so the functions treat them as one datum.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

__all__ = [
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "in_china",
    "to_cgcs2000",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

FloatArray = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by the GCJ-02 formula
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    return np.broadcast_arrays(lon_a, lat_a)  # type: ignore[return-value]


def in_china(lon: ArrayLike, lat: ArrayLike) -> npt.NDArray[np.bool_]:
    """Return whether points fall in the rough box where GCJ-02 offsets apply.

    Outside it the web maps publish unshifted coordinates, so no offset is applied.
    """
    lon_a, lat_a = _as_arrays(lon, lat)
    return (lon_a >= 72.004) & (lon_a <= 137.8347) & (lat_a >= 0.8293) & (lat_a <= 55.8271)


def _transform_lat(x: FloatArray, y: FloatArray) -> FloatArray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: FloatArray, y: FloatArray) -> FloatArray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _gcj_delta(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Shift true (WGS84/CGCS2000) coordinates to GCJ-02 as Amap and Tencent show them."""
    lon_a, lat_a = _as_arrays(lon, lat)
    dlon, dlat = _gcj_delta(lon_a, lat_a)
    return lon_a + dlon, lat_a + dlat


def gcj02_to_wgs84(
    lon: ArrayLike, lat: ArrayLike, *, tolerance_deg: float = 1e-10, max_iter: int = 30
) -> tuple[FloatArray, FloatArray]:
    """Recover true (WGS84/CGCS2000) coordinates from GCJ-02 ones.

    Iterates ``w <- w - (f(w) - g)`` from ``w = g``; the offset field is smooth, so this
    converges to about 1e-10 degrees (0.01 mm) in a handful of steps.
    """
    g_lon, g_lat = _as_arrays(lon, lat)
    return _invert(
        wgs84_to_gcj02, (g_lon, g_lat), (g_lon.copy(), g_lat.copy()), tolerance_deg, max_iter
    )


def _invert(
    forward: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]],
    target: tuple[FloatArray, FloatArray],
    start: tuple[FloatArray, FloatArray],
    tolerance_deg: float,
    max_iter: int,
) -> tuple[FloatArray, FloatArray]:
    """Return where ``forward`` lands on ``target``: ``w <- w - (forward(w) - target)``."""
    t_lon, t_lat = target
    w_lon, w_lat = start
    for _ in range(max_iter):
        f_lon, f_lat = forward(w_lon, w_lat)
        e_lon, e_lat = f_lon - t_lon, f_lat - t_lat
        w_lon, w_lat = w_lon - e_lon, w_lat - e_lat
        if (
            e_lon.size == 0
            or max(np.nanmax(np.abs(e_lon)), np.nanmax(np.abs(e_lat))) < tolerance_deg
        ):
            break
    return w_lon, w_lat


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 coordinates to Baidu's BD-09."""
    x, y = _as_arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(
    lon: ArrayLike, lat: ArrayLike, *, tolerance_deg: float = 1e-10, max_iter: int = 30
) -> tuple[FloatArray, FloatArray]:
    """Convert Baidu BD-09 coordinates to GCJ-02.

    Starts from Baidu's approximate closed-form inverse (about 0.1 m off) and refines it by
    fixed-point iteration on the forward transform, like :func:`gcj02_to_wgs84`.
    """
    bx, by = _as_arrays(lon, lat)
    x = bx - 0.0065
    y = by - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    start = (z * np.cos(theta), z * np.sin(theta))
    return _invert(gcj02_to_bd09, (bx, by), start, tolerance_deg, max_iter)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Shift true coordinates to Baidu's BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Recover true coordinates from Baidu's BD-09."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def to_cgcs2000(
    lon: ArrayLike, lat: ArrayLike, system: str
) -> tuple[FloatArray, FloatArray, str | None]:
    """Return lon/lat given in ``system`` as true CGCS2000 lon/lat, and a note of what was done.

    ``system`` is ``"GCJ02"`` (Amap, Tencent) or ``"BD09"`` (Baidu), which are shifted
    back; ``"WGS84"`` is taken as CGCS2000 (they differ by centimetres) and noted; anything
    else (CGCS2000 itself) is returned as it is, with no note.
    """
    if system == "GCJ02":
        return (*gcj02_to_wgs84(lon, lat), "GCJ-02 -> CGCS2000 (gisdesk.core.offsets)")
    if system == "BD09":
        return (*bd09_to_wgs84(lon, lat), "BD-09 -> CGCS2000 (gisdesk.core.offsets)")
    xs, ys = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    if system == "WGS84":
        return xs, ys, "WGS84 = CGCS2000 within centimetres (no shift)"
    return xs, ys, None
