"""Row-by-row problem lists shared by accident import and matching."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

__all__ = ["ISSUE_COLUMNS", "issue_frame"]

ISSUE_COLUMNS = ("row", "field", "value", "issue_zh", "issue_en")
"""Columns of an issue table: spreadsheet row (header = 1), field, value, message zh / en."""


def issue_frame(rows: Iterable[tuple[Any, str, Any, str, str]] = ()) -> pd.DataFrame:
    """Return an issue table from ``(row, field, value, zh, en)`` tuples."""
    frame = pd.DataFrame(list(rows), columns=list(ISSUE_COLUMNS))
    frame["row"] = frame["row"].astype("int64")
    frame["value"] = frame["value"].astype(object)
    return frame
