"""Read CSV and Excel tables, and turn coordinate columns into points in EPSG:4490.

Offices keep point lists in spreadsheets with headers like 经度/纬度, lng/lat or X/Y, in
UTF-8 or GBK, copied from Amap (GCJ-02), Baidu (BD-09), a GPS (WGS84) or a survey
(EPSG:4549 metres). The user states which; the tool checks the numbers fit it, names the
spreadsheet rows that do not (swapped, outside China, not numbers), converts and records
what it did.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from gisdesk.core import offsets
from gisdesk.core.crs import STORAGE_CRS
from gisdesk.core.errors import CRSError, InputError
from gisdesk.io.crs_options import COORDINATE_SYSTEMS, resolve_system
from gisdesk.io.encodings import EncodingChoice, detect_text_encoding, normalise_encoding
from gisdesk.io.input_file import require_file
from gisdesk.io.spreadsheet import csv_value

__all__ = [
    "MAX_TABLE_BYTES",
    "TABLE_SUFFIXES",
    "guess_coordinate_columns",
    "parse_coordinates",
    "preview_text_table",
    "read_coordinate_table",
    "read_table",
    "text_table_encoding",
]

TABLE_SUFFIXES = {".csv", ".txt", ".xlsx", ".xls"}
MAX_TABLE_BYTES = 200 * 1024**2
"""Tables above this are refused (override with ``max_bytes=``)."""

_X_NAMES = (
    "经度", "lon", "lng", "long", "longitude", "x", "x坐标", "东坐标", "横坐标", "东经",
    "gcj02lng", "bd09lng", "wgs84lng", "lngx", "point_x", "pointx", "坐标x", "东向坐标",
    "easting",
)  # fmt: skip
_Y_NAMES = (
    "纬度", "lat", "latitude", "y", "y坐标", "北坐标", "纵坐标", "北纬", "gcj02lat",
    "bd09lat", "wgs84lat", "laty", "point_y", "pointy", "坐标y", "北向坐标", "northing",
)  # fmt: skip
_CHINA_LON = (73.0, 136.0)
_CHINA_LAT = (3.0, 54.0)
# EPSG:4549 (no zone prefix): eastings around 500 km, northings from the equator.
_GK_X = (100_000.0, 900_000.0)
_GK_Y = (300_000.0, 6_000_000.0)
_MAX_ROWS_LISTED = 10
_HEAD_BYTES = 4 * 1024 * 1024  # what the encoding is weighed on


def _too_big(path: Path, size: int, limit: int) -> InputError:
    return InputError(
        f"表格 {path.name} 过大（{size / 1024**2:.0f} MB，上限 {limit / 1024**2:.0f} MB）。",
        f"The table {path.name} is too large ({size / 1024**2:.0f} MB, limit "
        f"{limit / 1024**2:.0f} MB).",
    )


def _unreadable(path: Path, detail: object) -> InputError:
    text = str(detail).strip().splitlines()[0][:300] if str(detail).strip() else "?"
    return InputError(
        f"无法读取表格 {path.name}：文件可能已损坏或不是表格（{text}）。",
        f"Cannot read the table {path.name}: it may be damaged or not a table ({text}).",
    )


def _decode(path: Path, raw: bytes) -> str:
    if b"\x00" in raw[:65536]:
        if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
            try:
                return raw.decode("utf-16")
            except UnicodeDecodeError:
                pass
        raise InputError(
            f"{path.name} 不是文本表格（含二进制内容）。如为 Excel 文件，请使用 .xlsx 扩展名。",
            f"{path.name} is not a text table (it holds binary data). If it is an Excel file, "
            "give it the .xlsx extension.",
        )
    fits = detect_text_encoding(raw[:_HEAD_BYTES], truncated=len(raw) > _HEAD_BYTES).encoding
    for encoding in dict.fromkeys((fits, "UTF-8", "GB18030")):
        try:
            return raw.decode("utf-8-sig" if encoding == "UTF-8" else encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(
        f"{path.name} 的文字编码无法识别（已尝试 UTF-8、GB18030）。请另存为 UTF-8 CSV。",
        f"The text encoding of {path.name} is not recognised (tried UTF-8, GB18030). Save it "
        "as UTF-8 CSV.",
    )


def _decode_as(path: Path, raw: bytes, encoding: str) -> str:
    codec = normalise_encoding(encoding)
    try:
        return raw.decode("utf-8-sig" if codec == "UTF-8" else codec)
    except UnicodeDecodeError:
        fits = detect_text_encoding(raw[:_HEAD_BYTES], truncated=len(raw) > _HEAD_BYTES).encoding
        hint_zh = f"内容看起来是 {fits}，" if fits != codec else ""
        hint_en = f"the bytes look like {fits}; " if fits != codec else ""
        raise InputError(
            f"{path.name} 不能按 {codec} 读取（有不属于该编码的字节）。{hint_zh}请换一种编码。",
            f"{path.name} cannot be read as {codec} (it holds bytes outside that encoding); "
            f"{hint_en}choose another encoding.",
        ) from None


def text_table_encoding(path: str | Path, *, encoding: str | None = None) -> EncodingChoice | None:
    """Return the encoding a CSV/text table is read with, and why; None for Excel.

    With nothing stated: UTF-16 or UTF-8 by a byte-order mark, else the likelier of UTF-8
    and GB18030 (a superset of GBK) by :func:`gisdesk.io.encodings.weigh_encodings`, the
    rule :func:`read_table` follows. A user's ``encoding`` is followed; when the bytes
    plainly contradict it, the choice's ``conflict`` and ``warning()`` say so.
    """
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".txt"):
        return None
    declared = normalise_encoding(encoding) if encoding else None
    with path.open("rb") as fh:
        raw = fh.read(_HEAD_BYTES + 1)
    return detect_text_encoding(
        raw[:_HEAD_BYTES], declared=declared, source="argument", truncated=len(raw) > _HEAD_BYTES
    )


def preview_text_table(path: str | Path, encoding: str, *, rows: int = 10) -> pd.DataFrame:
    """Return the first rows of a CSV decoded with ``encoding``, all as text.

    Undecodable bytes show as U+FFFD rather than failing, so the user sees what a choice
    of encoding does before importing.
    """
    path = Path(path)
    codec = normalise_encoding(encoding)
    with path.open("rb") as fh:
        raw = fh.read(256 * 1024)
    text = raw.decode("utf-8-sig" if codec == "UTF-8" else codec, errors="replace")
    lines = text.splitlines()[: rows + 1]
    if not lines:
        return pd.DataFrame()
    reader = list(csv.reader(lines, delimiter=_delimiter("\n".join(lines))))
    header = [h.strip() or f"column{i + 1}" for i, h in enumerate(reader[0])]
    body = [(r + [""] * len(header))[: len(header)] for r in reader[1:]]
    return pd.DataFrame(body, columns=pd.Index(header), dtype=object)


def _delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


def _numbers_where_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Turn all-numeric text columns into numbers, but keep codes such as "0512" as text."""
    out = df.copy()
    for col in out.columns:
        values = out[col]
        present = values.dropna()
        if present.empty:
            continue
        text = present.astype(str).str.strip()
        if text.str.match(r"^[+-]?0\d").any():
            continue
        numbers = pd.to_numeric(text, errors="coerce")
        if numbers.notna().all():
            out[col] = pd.to_numeric(values, errors="coerce")
    return out


def read_table(
    path: str | Path,
    *,
    sheet: str | int | None = 0,
    max_bytes: int = MAX_TABLE_BYTES,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read a CSV (UTF-8, GB18030 or UTF-16; comma, tab or semicolon) or an Excel sheet.

    Numbers stay numbers unless a column holds codes with leading zeros, which stay text.

    Parameters
    ----------
    path
        A .csv/.txt or .xlsx/.xls file (.xls needs ``xlrd``).
    sheet
        The Excel sheet (name or position).
    max_bytes
        Refuse larger files.
    encoding
        The text encoding of a CSV (the user's choice); default: detected (see
        :func:`text_table_encoding`).

    Raises
    ------
    InputError
        The file is missing, empty, too large, binary, not decodable or not a table.
    """
    path = Path(path)
    size = require_file(path, what=("表格", "The table"))
    if size > max_bytes:
        raise _too_big(path, size, max_bytes)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        df = _read_excel(path, sheet=sheet)
    else:
        raw = path.read_bytes()
        text = _decode(path, raw) if encoding is None else _decode_as(path, raw, encoding)
        if not text.strip():
            raise InputError(f"表格 {path.name} 中没有内容。", f"The table {path.name} is blank.")
        try:
            with warnings.catch_warnings():
                # more fields than headers: pandas would silently drop or shift data
                warnings.simplefilter("error", pd.errors.ParserWarning)
                df = pd.read_csv(
                    io.StringIO(text),
                    sep=_delimiter(text),
                    dtype=str,
                    skipinitialspace=True,
                    index_col=False,
                    on_bad_lines="error",
                )
        except pd.errors.ParserWarning:
            raise _unreadable(path, "some rows have more fields than the header") from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error) as exc:
            raise _unreadable(path, exc) from None
        # a text a spreadsheet would compute was written with an apostrophe (io.spreadsheet)
        df = df.map(csv_value)
        df.columns = [csv_value(str(c).strip()) for c in df.columns]
    df.columns = [str(c).strip() for c in df.columns]
    if len(set(df.columns)) != len(df.columns):
        dupes = sorted({c for c in df.columns if list(df.columns).count(c) > 1})
        raise InputError(
            f"表格 {path.name} 的表头重复：{'、'.join(dupes)}。",
            f"The table {path.name} repeats the headers {', '.join(dupes)}.",
        )
    return _numbers_where_safe(df)


def sheet_names(path: str | Path) -> list[str]:
    """Return the sheets of an Excel workbook in order; [] for a CSV or an unreadable file.

    Offices often keep notes or a summary on the first sheet and the records on another,
    so the import wizard lets the user choose.
    """
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xls") or not path.is_file():
        return []
    if path.suffix.lower() == ".xlsx" and not zipfile.is_zipfile(path):
        return []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pd.ExcelFile(path) as book:
                return [str(name) for name in book.sheet_names]
    except Exception:  # damaged or unsupported: read_table will say why
        return []


def _read_excel(path: Path, *, sheet: str | int | None) -> pd.DataFrame:
    if path.suffix.lower() == ".xls":
        import importlib.util

        if importlib.util.find_spec("xlrd") is None:
            raise InputError(
                "读取 .xls 需要安装 xlrd（pip install xlrd），或在 Excel/WPS 中另存为 .xlsx。",
                "Reading .xls needs xlrd (pip install xlrd); or save it as .xlsx in Excel/WPS.",
            )
    elif not zipfile.is_zipfile(path):
        raise _unreadable(path, "not an .xlsx workbook")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            df = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, dtype=object)
    except (ValueError, KeyError, IndexError, OSError, zipfile.BadZipFile) as exc:
        raise _unreadable(path, exc) from None
    except Exception as exc:  # openpyxl and xlrd raise their own kinds on damaged files
        raise _unreadable(path, exc) from None
    if not isinstance(df, pd.DataFrame):
        raise _unreadable(path, "no sheet")
    return df


def _norm(name: object) -> str:
    text = unicodedata.normalize("NFKC", str(name))
    return re.sub(r"[\s_()（）\[\]【】/.:-]", "", text).lower()


def guess_coordinate_columns(df: pd.DataFrame) -> tuple[str | None, str | None]:
    """Return the most likely (x, y) columns by common Chinese and English headers.

    Headers are compared without spaces, brackets and case, so "经度(GCJ-02)" is not
    missed: an exact name wins, then a header starting with one (经度gcj02 -> 经度).
    """
    cols = {_norm(c): str(c) for c in df.columns}

    def find(names: tuple[str, ...]) -> str | None:
        keys = [_norm(n) for n in names]
        for key in keys:
            if key in cols:
                return cols[key]
        for key in keys:
            if len(key) >= 2:
                for norm, original in cols.items():
                    if norm.startswith(key):
                        return original
        return None

    x, y = find(_X_NAMES), find(_Y_NAMES)
    return (x, y) if x != y else (x, None)


_DMS = re.compile(
    r"^\s*([+-]?\d+(?:\.\d+)?)\s*[°度]\s*(?:(\d+(?:\.\d+)?)\s*['′分]\s*)?"
    r"(?:(\d+(?:\.\d+)?)\s*(?:\"|″|''|秒)\s*)?([NSEW]?)\s*$",
    re.IGNORECASE,
)


def _parse_one(value: object) -> float:
    if value is None:
        return np.nan
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return float(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = re.sub(r"^(东经|北纬|西经|南纬|[EN])\s*", "", text, flags=re.IGNORECASE)
    if not text or len(text) > 64:
        return np.nan
    match = _DMS.match(text)
    if match:
        deg = float(match.group(1))
        minutes = float(match.group(2) or 0)
        seconds = float(match.group(3) or 0)
        if minutes >= 60 or seconds >= 60:
            return np.nan
        sign = -1.0 if deg < 0 or match.group(4).upper() in ("S", "W") else 1.0
        return sign * (abs(deg) + minutes / 60 + seconds / 3600)
    text = text.rstrip("°度EeNn ").replace(" ", "")
    try:
        number = float(text)
    except ValueError:
        return np.nan
    return number


def parse_coordinates(values: pd.Series) -> npt.NDArray[np.float64]:
    """Return coordinates as numbers: decimals, full-width digits, "121.5°E", 121°30'15".

    Values that are not coordinates become NaN.
    """
    numbers = np.array(
        pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    )
    todo = np.flatnonzero(~np.isfinite(numbers) & values.notna().to_numpy())
    for i in todo:
        numbers[i] = _parse_one(values.iloc[i])
    return np.where(np.isfinite(numbers), numbers, np.nan)


def _rows(mask: npt.NDArray[np.bool_]) -> str:
    idx = np.flatnonzero(mask)
    listed = ", ".join(str(i + 2) for i in idx[:_MAX_ROWS_LISTED])
    return listed + (f" … (+{len(idx) - _MAX_ROWS_LISTED})" if len(idx) > _MAX_ROWS_LISTED else "")


def _between(a: npt.NDArray[np.float64], lo_hi: tuple[float, float]) -> npt.NDArray[np.bool_]:
    return (a >= lo_hi[0]) & (a <= lo_hi[1])


def _check_lonlat(xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64], x: str, y: str) -> None:
    inside = _between(xs, _CHINA_LON) & _between(ys, _CHINA_LAT)
    swapped = ~inside & _between(ys, _CHINA_LON) & _between(xs, _CHINA_LAT)
    metres = ~inside & (np.abs(xs) > 1000) & (np.abs(ys) > 1000)
    if bool(metres.all()):
        raise CRSError(
            f"“{x}”“{y}”两列是米制坐标，不是经纬度。请选择 EPSG:4549（CGCS2000 高斯-克吕格 "
            "120°E）或相应的投影坐标系。",
            f"The columns '{x}' and '{y}' hold metres, not longitudes/latitudes. Choose "
            "EPSG:4549 (CGCS2000 Gauss-Kruger CM 120E) or the matching projected CRS.",
        )
    if bool(swapped.any()):
        every = "全部" if bool(swapped.all()) else f"第 {_rows(swapped)} 行"
        every_en = "every row" if bool(swapped.all()) else f"rows {_rows(swapped)}"
        raise InputError(
            f"经纬度似乎写反了（{every}）：“{x}”列的值像纬度，“{y}”列的值像经度。"
            "请交换两列（或选择 swap_xy）后重试。行号按表格计，表头为第 1 行。",
            f"Longitude and latitude look swapped ({every_en}): '{x}' holds latitudes and "
            f"'{y}' longitudes. Swap the columns (or use swap_xy) and try again. Row numbers "
            "count the header as row 1.",
        )
    if not bool(inside.all()):
        raise InputError(
            f"第 {_rows(~inside)} 行的坐标不在中国范围内（经度 73–136，纬度 3–54），请检查。"
            "行号按表格计，表头为第 1 行。",
            f"Rows {_rows(~inside)} lie outside China (lon 73-136, lat 3-54); check them. "
            "Row numbers count the header as row 1.",
        )


def _check_metres(xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64], x: str, y: str) -> None:
    if bool((_between(xs, (-180, 180)) & _between(ys, (-90, 90))).all()):
        raise CRSError(
            f"“{x}”“{y}”两列像经纬度（度），不是 EPSG:4549 米制坐标。请选择经纬度坐标系。",
            f"The columns '{x}' and '{y}' look like degrees, not EPSG:4549 metres. Choose a "
            "longitude/latitude system.",
        )
    if bool((xs > 1e7).any()) and bool(_between(xs // 1e6, (25, 45)).all()):
        raise CRSError(
            "东坐标带有带号（如 40xxxxxx），属于 3 度带带号坐标（如 EPSG:4528），不是 EPSG:4549。",
            "The eastings carry a zone prefix (e.g. 40xxxxxx): that is a zoned 3-degree CRS "
            "(e.g. EPSG:4528), not EPSG:4549.",
        )
    inside = _between(xs, _GK_X) & _between(ys, _GK_Y)
    swapped = ~inside & _between(ys, _GK_X) & _between(xs, _GK_Y)
    if bool(swapped.any()):
        raise InputError(
            f"第 {_rows(swapped)} 行的 X/Y 似乎写反了：EPSG:4549 的东坐标约 500000，北坐标约 "
            "3500000。请交换两列。",
            f"X and Y look swapped in rows {_rows(swapped)}: EPSG:4549 eastings are about "
            "500000 and northings about 3500000. Swap the columns.",
        )
    if not bool(inside.all()):
        raise InputError(
            f"第 {_rows(~inside)} 行的米制坐标超出 EPSG:4549 的合理范围，请检查。",
            f"Rows {_rows(~inside)} lie outside the plausible range of EPSG:4549; check them.",
        )


def read_coordinate_table(
    df: pd.DataFrame, *, x: str, y: str, system: str, swap_xy: bool = False
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Turn a table with coordinate columns into points in EPSG:4490.

    Parameters
    ----------
    df
        The table (from :func:`read_table`).
    x, y
        The longitude/easting and latitude/northing columns.
    system
        What the numbers are: a key of :data:`COORDINATE_SYSTEMS` or an alias ("gcj02",
        "bd09", "wgs84", "cgcs2000", "epsg:4549").
    swap_xy
        The columns are the wrong way round: read ``x`` as latitude/northing.

    Returns
    -------
    tuple
        The point layer, and the conversions applied (for the layer metadata).

    Raises
    ------
    InputError
        A column is missing, or rows (spreadsheet numbering, header = row 1) are empty, not
        numbers, swapped or outside China.
    CRSError
        The system is unknown or the numbers do not fit it (metres given as degrees...).
    """
    resolved = resolve_system(system)
    if not isinstance(resolved, str) or resolved not in COORDINATE_SYSTEMS:
        raise CRSError(
            f"坐标表只支持：{'、'.join(COORDINATE_SYSTEMS)}（收到 {system}）。",
            f"Coordinate tables support {', '.join(COORDINATE_SYSTEMS)} (got {system}).",
        )
    for col in (x, y):
        if col not in df.columns:
            raise InputError(f"表中没有列“{col}”。", f"The table has no column '{col}'.")
    if len(df) == 0:
        raise InputError("表格没有数据行。", "The table has no data rows.")
    xs, ys = parse_coordinates(df[x]), parse_coordinates(df[y])
    if swap_xy:
        xs, ys = ys, xs
    bad = ~(np.isfinite(xs) & np.isfinite(ys))
    if bool(bad.any()):
        raise InputError(
            f"第 {_rows(bad)} 行的坐标为空或不是数字（行号按表格计，表头为第 1 行）。",
            f"Rows {_rows(bad)} have empty or non-numeric coordinates (spreadsheet rows, "
            "header = 1).",
        )
    conversions: list[str] = ["columns swapped on import (x <-> y)"] if swap_xy else []
    data = pd.DataFrame(df).reset_index(drop=True)
    if "geometry" in data.columns:  # a text column called geometry must not clash
        data = data.rename(columns={"geometry": "geometry_text"})
    if resolved == "EPSG:4549":
        _check_metres(xs, ys, x, y)
        gdf = gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(xs, ys), crs=4549)
        return gdf.to_crs(STORAGE_CRS), [*conversions, "EPSG:4549 -> CGCS2000 (EPSG:4490)"]
    _check_lonlat(xs, ys, x, y)
    xs, ys, shifted = offsets.to_cgcs2000(xs, ys, resolved)
    conversions.extend([shifted] if shifted else [])
    gdf = gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(xs, ys), crs=STORAGE_CRS)
    return gdf, conversions
