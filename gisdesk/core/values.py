"""Table values as plain Python: the one converter for JSON, tables, settings and Excel.

Cells of pandas and numpy arrive as numpy scalars (``np.int64``, ``np.float32``, ``np.bool_``),
``pd.Timestamp``, ``np.datetime64`` and the missing markers ``None``, ``NaN``, ``pd.NA`` and
``pd.NaT``. JSON, SQLite parameters, openpyxl and Qt want plain ``int``, ``float``, ``bool``,
``str``, ``datetime`` and ``None``. :func:`plain_value` converts one value, :func:`plain_record`
a row (keys become text), :func:`plain_data` nested dicts and lists. Geometries, strings and
other objects pass through unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = ["DateStyle", "is_missing", "plain_data", "plain_record", "plain_value"]

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
