"""Attribute columns that repeat a point's coordinates, kept true when the points are shifted.

Tables copied from Amap or Baidu carry their coordinates twice: as the geometry (or the
columns the points were made from) and as attribute columns such as 经度/纬度, lng/lat or
x/y. An import that removes the GCJ-02 or BD-09 offset moves the points by about 480 m
around Haimen; columns left with the old numbers would put anyone who reads them (or
re-imports an Excel export) 480 m off.

:func:`follow_offset` finds every column whose values equal the points' offset longitudes or
latitudes (within :data:`TOLERANCE_DEG`, about 1 m, a hundredth of the offset) on every row
that has a value, and rewrites it with the converted coordinates: numbers as numbers, text as
text with the same number of decimals (at least 6, about 0.1 m). A column that matches only
some rows, or holds coordinates in another notation (degrees-minutes-seconds), is left as
it was and named in a caution, since rewriting part of it would mix two datums in one
column. Only point layers are looked at: a line's or polygon's coordinate columns do not
say which vertex they repeat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from gisdesk.core import offsets

__all__ = ["TOLERANCE_DEG", "ColumnShift", "follow_offset"]

TOLERANCE_DEG = 1e-5
"""How close a column value must be to the offset coordinate to count as a copy of it."""

_SYSTEMS = {
    "GCJ02": ("GCJ-02（高德、腾讯）", "GCJ-02 (Amap, Tencent)", offsets.wgs84_to_gcj02),
    "BD09": ("BD-09（百度）", "BD-09 (Baidu)", offsets.wgs84_to_bd09),
}
_DECIMALS = re.compile(r"^\s*[-+]?\d+(?:\.(\d+))?\s*$")
_MIN_DECIMALS = 6
_NUMERIC_DECIMALS = 7  # about 1 cm
_NOTATION_TOLERANCE_DEG = 1e-3  # about 100 m, a fifth of the offset


@dataclass
class ColumnShift:
    """The data with its coordinate columns converted, and what to tell the user.

    ``updated`` maps each rewritten column to the axis it repeats ("lon" or "lat");
    ``told`` and ``cautions`` are (Chinese, English) notes; ``records`` are English lines
    for the layer metadata.
    """

    data: gpd.GeoDataFrame
    updated: dict[str, str] = field(default_factory=dict)
    told: list[tuple[str, str]] = field(default_factory=list)
    cautions: list[tuple[str, str]] = field(default_factory=list)
    records: list[str] = field(default_factory=list)


def _numbers(series: pd.Series) -> tuple[npt.NDArray[np.float64], bool] | None:
    """The column as floats (NaN where empty) and whether it is text; None: not numbers."""
    if pd.api.types.is_bool_dtype(series):
        return None
    if pd.api.types.is_numeric_dtype(series):
        return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64), False
    if not (series.dtype == object or pd.api.types.is_string_dtype(series)):
        return None
    text = series.map(lambda v: None if pd.isna(v) or str(v).strip() == "" else str(v))
    present = text.notna()
    if not present.any():
        return None
    parsed = pd.to_numeric(text, errors="coerce")
    if parsed[present].isna().any():
        return None  # another notation (degrees-minutes-seconds...), or not coordinates
    return parsed.to_numpy(dtype=np.float64), True


def _as_text(original: object, value: float) -> object:
    if original is None or not np.isfinite(value) or str(original).strip() in ("", "nan"):
        return original
    match = _DECIMALS.match(str(original))
    decimals = len(match.group(1) or "") if match else 0
    return f"{value:.{max(decimals, _MIN_DECIMALS)}f}"


def _matches(values: npt.NDArray[np.float64], target: npt.NDArray[np.float64]) -> tuple[int, int]:
    """(rows with a value, rows whose value is the target)."""
    present = np.isfinite(values)
    close = present & (np.abs(values - target) <= TOLERANCE_DEG)
    return int(present.sum()), int(close.sum())


def _written_otherwise(
    series: pd.Series, offset_x: npt.NDArray[np.float64], offset_y: npt.NDArray[np.float64]
) -> bool:
    """Whether a text column writes the offset coordinates in another notation (121°30'15")."""
    from gisdesk.io.tables import parse_coordinates

    values = parse_coordinates(series)
    present = int(np.isfinite(values).sum())
    if present == 0:
        return False
    for offset in (offset_x, offset_y):  # seconds are about 30 m: a loose test
        close = int((np.abs(values - offset) <= _NOTATION_TOLERANCE_DEG).sum())
        if close * 2 >= present:
            return True
    return False


def follow_offset(data: gpd.GeoDataFrame, system: str) -> ColumnShift:
    """Rewrite the columns that repeat the points' GCJ-02/BD-09 coordinates (see module).

    Parameters
    ----------
    data
        The imported features, already converted to true lon/lat (EPSG:4490).
    system
        What the coordinates were: "GCJ02" or "BD09" (anything else changes nothing).
    """
    out = ColumnShift(data)
    if system not in _SYSTEMS or len(data) == 0:
        return out
    geoms = data.geometry
    if not bool((geoms.geom_type == "Point").all()):
        return out
    zh_system, en_system, forward = _SYSTEMS[system]
    true_x = geoms.x.to_numpy(dtype=np.float64)
    true_y = geoms.y.to_numpy(dtype=np.float64)
    offset_x, offset_y = forward(true_x, true_y)  # round trip below 1 mm
    changed = data.copy()
    for column in [c for c in data.columns if c != data.geometry.name]:
        parsed = _numbers(data[column])
        if parsed is None:
            series = data[column]
            is_text = series.dtype == object or pd.api.types.is_string_dtype(series)
            if is_text and _written_otherwise(series, offset_x, offset_y):
                out.cautions.append(_unreadable_note(str(column), zh_system, en_system))
            continue
        values, is_text = parsed
        for axis, offset, true in (("lon", offset_x, true_x), ("lat", offset_y, true_y)):
            present, close = _matches(values, offset)
            if present == 0 or close == 0:
                continue
            if close < present:
                if close * 2 >= present:  # mostly a copy: say it, change nothing
                    out.cautions.append(
                        _partial_note(str(column), close, present, zh_system, en_system)
                    )
                break
            fresh = np.where(np.isfinite(values), true, np.nan)
            if is_text:
                changed[column] = [
                    _as_text(o, v) for o, v in zip(data[column].tolist(), fresh, strict=True)
                ]
            else:
                changed[column] = np.round(fresh, _NUMERIC_DECIMALS)
            out.updated[str(column)] = axis
            break
    if out.updated:
        out.data = gpd.GeoDataFrame(changed, geometry=data.geometry.name, crs=data.crs)
        names = "、".join(f"“{c}”" for c in out.updated)
        names_en = ", ".join(f"'{c}'" for c in out.updated)
        zh = (
            f"坐标列 {names} 原为 {zh_system}坐标（与点位一致），已随点位改为转换后的 "
            "CGCS2000 经纬度。"
        )
        en = (
            f"The coordinate columns {names_en} held the {en_system} coordinates of the "
            "points and now hold the converted CGCS2000 lon/lat, like the points."
        )
        out.told.append((zh, en))
        out.records.append(
            f"coordinate columns {', '.join(out.updated)}: {en_system} values replaced by "
            "the converted CGCS2000 lon/lat"
        )
    return out


def _partial_note(column: str, close: int, present: int, zh: str, en: str) -> tuple[str, str]:
    text_zh = (
        f"“{column}”列在 {present} 行中有 {close} 行与 {zh}点位坐标相同，其余不同，因此未改动："
        "这一列的数值不是转换后的 CGCS2000 坐标，请勿用它定位。"
    )
    text_en = (
        f"Column '{column}' equals the {en} coordinates of the points in {close} of "
        f"{present} rows but not in the others, so it was left unchanged: its values are not "
        "the converted CGCS2000 coordinates; do not locate anything by it."
    )
    return text_zh, text_en


def _unreadable_note(column: str, zh: str, en: str) -> tuple[str, str]:
    text_zh = (
        f"“{column}”列是 {zh}坐标，但写法不是纯数字（如度分秒），未改动："
        "它与转换后的点位相差约数百米，请勿用它定位。"
    )
    text_en = (
        f"Column '{column}' holds the {en} coordinates in another notation than plain "
        "numbers (degrees-minutes-seconds?), so it was left unchanged: it is some hundred "
        "metres off the converted points; do not locate anything by it."
    )
    return text_zh, text_en
