"""Table values as plain Python: the one converter for JSON, tables, settings and Excel.

Cells of pandas and numpy arrive as numpy scalars (``np.int64``, ``np.float32``, ``np.bool_``),
``pd.Timestamp``, ``np.datetime64`` and the missing markers ``None``, ``NaN``, ``pd.NA`` and
``pd.NaT``. JSON, SQLite parameters, openpyxl and Qt want plain ``int``, ``float``, ``bool``,
``str``, ``datetime`` and ``None``. :func:`plain_value` converts one value, :func:`plain_record`
a row (keys become text), :func:`plain_data` nested dicts and lists. Geometries, strings and
other objects pass through unchanged.

:func:`local_times` is the one reader of dates and times from files, tables and forms: text in
the forms staff type (``2022-01-05``, ``2022/1/5``, ``2022.1.5``, ``2022年1月5日``,
``20220105``, with or without a time), date and datetime objects, and time stamps with a zone
(a GeoJSON's ``2022-01-01T00:30:00+08:00``, a GeoPackage's UTC ``...Z``), which count in
Beijing time (:data:`LOCAL_TIME`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = [
    "LOCAL_TIME",
    "DateStyle",
    "is_missing",
    "local_times",
    "plain_data",
    "plain_record",
    "plain_value",
]

LOCAL_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")
"""Beijing time (no daylight saving): the clock a time stamp with a zone is read on."""

DateStyle = Literal["keep", "iso", "day"]
"""How :func:`plain_value` gives dates and times: as ``datetime``/``date`` objects (``keep``),
ISO text (``iso``: ``2026-12-04T10:30:00``, a date as ``2026-12-04``) or the day only (``day``:
``2026-12-04``)."""


def is_missing(value: object) -> bool:
    """Return whether a value is a missing marker: None, NaN, pd.NA or pd.NaT."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def plain_value(value: Any, *, finite: bool = True, dates: DateStyle = "keep") -> Any:
    """Return a table value as plain Python data.

    Parameters
    ----------
    value
        Any value from a table, a numpy array or a settings dict.
    finite
        Give infinite floats as None as well as NaN (JSON has no infinity); without it only
        NaN becomes None and ``inf`` stays (for checks that must see and refuse it).
    dates
        How dates and times come out (see :data:`DateStyle`). Timestamps with a time zone keep
        it.

    Returns
    -------
    Any
        None for a missing value; ``bool``, ``int``, ``float`` for numpy numbers; ``datetime``
        or text for timestamps; anything else unchanged.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.datetime64 | np.timedelta64):
        if np.isnat(value):
            return None
        value = pd.Timestamp(value) if isinstance(value, np.datetime64) else pd.Timedelta(value)
    if isinstance(value, pd.Timedelta):
        value = value.to_pytimedelta()
    elif isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value) or (finite and math.isinf(value)):
            return None
        return value
    if dates != "keep" and isinstance(value, date):
        text = value.isoformat()
        return text[:10] if dates == "day" or not isinstance(value, datetime) else text
    return value


def plain_record(
    record: Mapping[Any, Any], *, finite: bool = True, dates: DateStyle = "keep"
) -> dict[str, Any]:
    """Return a row (column -> value) with text keys and :func:`plain_value` values."""
    return {str(k): plain_value(v, finite=finite, dates=dates) for k, v in record.items()}


def plain_data(data: Any, *, finite: bool = True, dates: DateStyle = "iso") -> Any:
    """Return nested dicts, lists and tuples with every value plain (ready for ``json.dumps``).

    Dict keys become text, tuples lists, numpy arrays lists; dates become ISO text by default.
    """
    if isinstance(data, Mapping):
        return {str(k): plain_data(v, finite=finite, dates=dates) for k, v in data.items()}
    if isinstance(data, np.ndarray) and data.ndim == 0:
        data = data[()]
    elif isinstance(data, list | tuple | np.ndarray):
        return [plain_data(v, finite=finite, dates=dates) for v in data]
    return plain_value(data, finite=finite, dates=dates)


_CHINESE_DAY = re.compile(
    r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*[日号]?\s*(.*)$"
)


def local_times(values: pd.Series | Iterable[Any]) -> pd.Series:
    """Read dates and times as naive ``datetime64[ns]`` on Beijing's clock (NaT where unreadable).

    Text may take any of the forms in the module's docstring and may mix them within one
    column; a time stamp with a zone is converted to Beijing time, one without is taken as
    Beijing time already. Numbers count only as ``YYYYMMDD`` (``20220105``); yes/no values,
    other numbers and text that is no date give NaT. A Series keeps its index.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert(LOCAL_TIME).dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(series.dtype):
        return pd.Series(
            series.to_numpy(dtype="datetime64[ns]"), index=series.index, name=series.name
        )
    cells = series.to_numpy(dtype=object)
    out = np.full(len(cells), _NAT, dtype="datetime64[ns]")
    todo = np.ones(len(cells), dtype=bool)
    is_text = np.fromiter((isinstance(c, str) for c in cells), dtype=bool, count=len(cells))
    if is_text.any():  # the common forms at pandas' speed; the rest cell by cell below
        try:
            parsed = pd.to_datetime(
                pd.Series(cells[is_text], dtype=object).str.strip(), errors="coerce", format="mixed"
            )
            if isinstance(parsed.dtype, pd.DatetimeTZDtype):
                parsed = parsed.dt.tz_convert(LOCAL_TIME).dt.tz_localize(None)
            # beyond 1677-2262 (no day of ours) would wrap round in nanoseconds
            parsed = parsed.where(parsed.between(pd.Timestamp.min, pd.Timestamp.max))
            fast = parsed.to_numpy(dtype="datetime64[ns]")
        except (ValueError, TypeError, OverflowError):  # zones mixed with local times
            pass
        else:
            out[is_text] = fast
            todo[np.flatnonzero(is_text)[~np.isnat(fast)]] = False
    # a column repeats its days: read each distinct value once
    read: dict[Any, np.datetime64] = {}
    for i in np.flatnonzero(todo):
        cell = cells[i]
        try:
            out[i] = read[cell]
        except KeyError:
            out[i] = read[cell] = _local_time(cell)
        except TypeError:  # an unhashable cell
            out[i] = _local_time(cell)
    return pd.Series(out, index=series.index, name=series.name)


_NAT = np.datetime64("NaT", "ns")


def _local_time(value: object) -> np.datetime64:
    """One value as a naive ``datetime64[ns]`` on Beijing's clock, or NaT."""
    if is_missing(value) or isinstance(value, bool | np.bool_):
        return _NAT
    if isinstance(value, int | np.integer | float | np.floating):
        number = float(value)
        if not (number.is_integer() and 1_000_01_01 <= number <= 9999_12_31):
            return _NAT
        value = str(int(number))
    if isinstance(value, str):
        text = value.strip()
        match = _CHINESE_DAY.match(text)
        if match:
            year, month, day, rest = match.groups()
            rest = rest.replace("：", ":").replace("时", ":").replace("分", "").strip()
            text = f"{year}-{int(month):02d}-{int(day):02d} {rest}".strip()
        value = text
    if not isinstance(value, str | date | np.datetime64):
        return _NAT
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return _NAT
    if pd.isna(stamp):
        return _NAT
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(LOCAL_TIME).tz_localize(None)
    if not pd.Timestamp.min <= stamp <= pd.Timestamp.max:  # beyond 1677-2262: no day of ours
        return _NAT
    return np.datetime64(stamp.as_unit("ns").value, "ns")
