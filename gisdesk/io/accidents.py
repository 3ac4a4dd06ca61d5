"""Read accident records from the CSV / Excel sheets the traffic police keep.

Columns are recognised by their usual Chinese or English headers (事故时间, 死亡人数, 桩号,
经度 ...); ``mapping`` names the rest. A record is located by lon/lat (in the coordinate
system the user states) or by road name and kilometre stake (桩号 "K12+300" or 12.3); the
stake is placed on the road later, by
:func:`gisdesk.analysis.blackspots.matching.locate_accidents`.

No row is dropped: every row comes back (with ``row``, its spreadsheet row number, header
= 1) and every problem is listed row by row in the issue table.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gisdesk.core import offsets
from gisdesk.core.crs import STORAGE_CRS, transformer
from gisdesk.core.errors import CRSError, InputError
from gisdesk.core.values import local_times, plain_value
from gisdesk.io.files import COORDINATE_SYSTEMS, guess_coordinate_columns, read_table

__all__ = [
    "ACCIDENT_COLUMNS",
    "AccidentImport",
    "parse_stake",
    "read_accidents",
    "recognise_columns",
]

ACCIDENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "case_no": ("事故编号", "案件编号", "编号", "case_no", "case", "id"),
    "datetime": ("事故时间", "发生时间", "事故发生时间", "datetime"),
    "date": ("事故日期", "发生日期", "日期", "date"),
    "time": ("时间", "time"),
    "deaths": ("死亡人数", "死亡", "deaths"),
    "injuries": ("受伤人数", "受伤", "injuries"),
    "property_loss": ("直接财产损失", "直接财产损失元", "财产损失", "property_loss"),
    "type": ("事故形态", "事故类型", "type"),
    "procedure": ("处理程序", "procedure"),
    "vehicles": ("涉事车辆数", "车辆数", "涉及车辆数", "vehicles"),
    "road": ("道路名称", "路名", "道路", "road"),
    "stake_km": ("桩号", "公里桩", "里程桩号", "stake", "stake_km"),
    "lon": (),
    "lat": (),
}
"""Standard fields and the headers recognised for each (matched ignoring spaces, brackets)."""

_STAKE = re.compile(r"^\s*[kK]?\s*(\d+(?:\.\d+)?)\s*(?:\+\s*(\d+(?:\.\d+)?))?\s*$")


@dataclass
class AccidentImport:
    """The outcome of reading an accident table.

    Attributes
    ----------
    accidents
        Every row, in EPSG:4490 (empty geometry where no usable coordinates), with the
        accident schema fields, ``row`` (spreadsheet row) and ``valid`` (no blocking issue).
    issues
        One line per problem: ``row``, ``field``, ``value``, ``issue_zh``, ``issue_en``.
    columns
        The source column used for each standard field.
    conversions
        Coordinate conversions applied (for the layer metadata).
    """

    accidents: gpd.GeoDataFrame
    issues: pd.DataFrame
    columns: dict[str, str]
    conversions: list[str] = field(default_factory=list)


def _norm(name: object) -> str:
    return re.sub(r"[\s_()（）]", "", str(name)).lower()


def recognise_columns(
    df: pd.DataFrame, *, mapping: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Return the source column for each standard field found in the table.

    Parameters
    ----------
    df
        The table as read.
    mapping
        Standard field -> source column, overriding recognition (e.g. ``{"deaths": "亡"}``).

    Returns
    -------
    dict
        Standard field -> column name, for the fields found.
    """
    cols = {_norm(c): str(c) for c in df.columns}
    found: dict[str, str] = {}
    for name, aliases in ACCIDENT_COLUMNS.items():
        hit = next((cols[_norm(a)] for a in aliases if _norm(a) in cols), None)
        if hit is not None:
            found[name] = hit
    x, y = guess_coordinate_columns(df)
    if x is not None and y is not None:
        found["lon"], found["lat"] = str(x), str(y)
    for name, col in (mapping or {}).items():
        if name not in ACCIDENT_COLUMNS:
            raise InputError(
                f"未知字段“{name}”。可用字段：{'、'.join(ACCIDENT_COLUMNS)}",
                f"Unknown field '{name}'. Fields: {', '.join(ACCIDENT_COLUMNS)}",
            )
        if col not in df.columns:
            raise InputError(f"表中没有列“{col}”。", f"The table has no column '{col}'.")
        found[name] = col
    return found


def parse_stake(values: Any) -> np.ndarray:
    """Return stakes in kilometres from "K12+300", "12+300", "K12", 12.3 or "12.3".

    Unreadable values give NaN.
    """
    series = pd.Series(values, dtype=object)
    numeric = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
    text = series.astype("string").str.strip().fillna("")
    parts = text.str.extract(_STAKE)
    km = pd.to_numeric(parts[0], errors="coerce").to_numpy(dtype=np.float64)
    metres = pd.to_numeric(parts[1], errors="coerce").to_numpy(dtype=np.float64)
    with_m = km + np.where(np.isfinite(metres), metres / 1000.0, 0.0)
    return np.where(np.isfinite(numeric), numeric, with_m)


def _times(series: pd.Series) -> pd.Series:
    text = series.astype("string").str.strip()
    parts = text.str.extract(r"(\d{1,2})[:：时](\d{2})")
    hour = pd.to_numeric(parts[0], errors="coerce")
    minute = pd.to_numeric(parts[1], errors="coerce")
    ok = (hour >= 0) & (hour <= 23) & (minute >= 0) & (minute <= 59)
    out = hour.astype("Int64").astype("string").str.zfill(2) + ":"
    out = out + minute.astype("Int64").astype("string").str.zfill(2)
    return out.where(ok.fillna(False))


def read_accidents(
    source: str | Path | pd.DataFrame,
    *,
    system: str = "WGS84",
    mapping: Mapping[str, str] | None = None,
    sheet: str | int | None = 0,
) -> AccidentImport:
    """Read an accident table into a point layer with a row-by-row problem list.

    Parameters
    ----------
    source
        CSV (UTF-8 or GB18030) or Excel file, or a table already read.
    system
        Coordinate system of the lon/lat columns: WGS84, CGCS2000, GCJ02, BD09 or EPSG:4549.
    mapping
        Standard field -> source column for headers not recognised.
    sheet
        Excel sheet name or position.

    Returns
    -------
    AccidentImport
        All rows (none dropped), the issues, the columns used and the conversions applied.
    """
    if system not in COORDINATE_SYSTEMS:
        raise CRSError(f"未知坐标系：{system}", f"Unknown coordinate system: {system}")
    df = source if isinstance(source, pd.DataFrame) else read_table(Path(source), sheet=sheet)
    cols = recognise_columns(df, mapping=mapping)
    _require_columns(cols)
    n = len(df)
    rows = np.arange(n, dtype=np.int64) + 2
    issues: list[tuple[int, str, object, str, str]] = []
    out = pd.DataFrame({"row": rows})

    def raw(name: str) -> pd.Series:
        return df[cols[name]].reset_index(drop=True) if name in cols else pd.Series([None] * n)

    out["case_no"] = raw("case_no").astype("string")
    stamp = local_times(raw("datetime")) if "datetime" in cols else pd.Series([pd.NaT] * n)
    date = local_times(raw("date")) if "date" in cols else stamp
    date = date.fillna(stamp)
    time = _times(raw("time")) if "time" in cols else pd.Series([pd.NA] * n, dtype="string")
    if "datetime" in cols:
        time = time.fillna(_times(raw("datetime")))
    out["date"] = date.dt.normalize()
    out["time"] = time
    source_date = raw("date") if "date" in cols else raw("datetime")
    issues.extend(
        _issues_at(
            rows,
            date.isna().to_numpy(),
            "date",
            source_date,
            "事故日期缺失或不存在（如 2022-13-45）。",
            "The accident date is missing or impossible (e.g. 2022-13-45).",
        )
    )
    for name, zh in (("deaths", "死亡人数"), ("injuries", "受伤人数"), ("vehicles", "车辆数")):
        values = pd.to_numeric(raw(name), errors="coerce")
        bad = values.notna() & ((values < 0) | (values != values.round()))
        unreadable = values.isna() & raw(name).notna()
        if name != "vehicles":
            unreadable |= values.isna() & (name in cols)
        issues.extend(
            _issues_at(
                rows,
                (bad | unreadable).to_numpy(),
                name,
                raw(name),
                f"{zh}应为不小于 0 的整数。",
                f"{name} must be a whole number of at least 0.",
            )
        )
        out[name] = values.where(~bad).astype("Int64")
    loss = pd.to_numeric(raw("property_loss"), errors="coerce")
    issues.extend(
        _issues_at(
            rows,
            (loss < 0).to_numpy(),
            "property_loss",
            loss,
            "直接财产损失不能为负数。",
            "Property loss cannot be negative.",
        )
    )
    out["property_loss"] = loss.where(loss >= 0)
    out["type"] = raw("type").astype("string").str.strip()
    out["procedure"] = raw("procedure").astype("string").str.strip()
    road = raw("road").astype("string").str.strip()
    out["road"] = road.where(road != "")
    stake = parse_stake(raw("stake_km"))
    stake_text = raw("stake_km")
    written = stake_text.astype("string").str.strip().fillna("") != ""
    issues.extend(
        _issues_at(
            rows,
            written.to_numpy() & ~np.isfinite(stake),
            "stake_km",
            stake_text,
            "桩号无法识别（应如 K12+300 或 12.3）。",
            "Stake not understood (write K12+300 or 12.3).",
        )
    )
    out["stake_km"] = stake

    geoms, conversions = _points(raw("lon"), raw("lat"), system=system, rows=rows, issues=issues)
    table = pd.DataFrame(issues, columns=["row", "field", "value", "issue_zh", "issue_en"])
    table = table.sort_values("row", kind="stable").reset_index(drop=True)
    blocking = table.loc[table["field"].isin(["date", "deaths", "injuries"]), "row"]
    out["valid"] = ~out["row"].isin(blocking)
    gdf = gpd.GeoDataFrame(out, geometry=geoms, crs=STORAGE_CRS)
    return AccidentImport(gdf, table, cols, conversions)


def _plain(value: object) -> object:
    """A source cell as an issue's value: a number or text, None when missing."""
    value = plain_value(value, finite=False)
    return value if value is None or isinstance(value, int | float | str) else str(value)


def _issues_at(
    rows: np.ndarray, where: np.ndarray, name: str, cells: pd.Series, zh: str, en: str
) -> Iterator[tuple[int, str, object, str, str]]:
    """Yield one issue about field ``name`` per row where ``where`` holds, with its cell."""
    return ((int(rows[i]), name, _plain(cells.iloc[i]), zh, en) for i in np.flatnonzero(where))


def _points(
    lon: pd.Series,
    lat: pd.Series,
    *,
    system: str,
    rows: np.ndarray,
    issues: list[tuple[int, str, object, str, str]],
) -> tuple[np.ndarray, list[str]]:
    xs = pd.to_numeric(lon, errors="coerce").to_numpy(dtype=np.float64)
    ys = pd.to_numeric(lat, errors="coerce").to_numpy(dtype=np.float64)
    given = lon.notna().to_numpy() | lat.notna().to_numpy()
    finite = np.isfinite(xs) & np.isfinite(ys)
    conversions: list[str] = []
    if system == "EPSG:4549":
        ok = finite
        lon_w, lat_w = transformer(4549, STORAGE_CRS).transform(xs, ys)
        conversions.append("EPSG:4549 -> CGCS2000 (EPSG:4490)")
    else:
        ok = finite & (xs >= 73) & (xs <= 136) & (ys >= 3) & (ys <= 54)
        lon_w, lat_w, shifted = offsets.to_cgcs2000(xs, ys, system)
        conversions.extend([shifted] if shifted else [])
    issues.extend(
        (
            int(rows[i]),
            "lon/lat",
            f"{lon.iloc[i]}, {lat.iloc[i]}",
            "经纬度为空、不是数字或不在中国范围内（经度 73–136，纬度 3–54）。",
            "Coordinates empty, not numbers or outside China (lon 73-136, lat 3-54).",
        )
        for i in np.flatnonzero(given & ~ok)
    )
    pts = gpd.points_from_xy(np.where(ok, lon_w, 0.0), np.where(ok, lat_w, 0.0))
    geoms = np.asarray(pts, dtype=object)
    geoms[~ok] = None
    return geoms, conversions


def _require_columns(cols: dict[str, str]) -> None:
    has_coords = "lon" in cols and "lat" in cols
    has_stakes = "road" in cols and "stake_km" in cols
    if not (has_coords or has_stakes):
        raise InputError(
            "表中找不到位置列：需要经度、纬度两列，或道路名称、桩号两列（可用 mapping 指定）。",
            "No location columns: the table needs longitude and latitude, or road name and "
            "stake (name them with mapping).",
        )
    if "date" not in cols and "datetime" not in cols:
        raise InputError(
            "表中找不到事故日期列（事故时间、发生时间或日期）。",
            "No accident date column (事故时间, 发生时间 or 日期).",
        )
