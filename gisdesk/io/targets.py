"""Write plan-target tables to an Excel workbook (openpyxl), the way planners hand them on.

The sheets come ready-made (headers already in Chinese or English, e.g. from
:func:`gisdesk.analysis.targets.workbook_sheets`); this module only writes them: bold frozen
headers, filters, column widths that fit Chinese text, dates as dates, missing values as
empty cells, and status cells coloured. The file is written beside the target and renamed
over it, so an interrupted export never leaves half a workbook.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gisdesk.core.errors import ProjectError

__all__ = ["write_targets_xlsx"]

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_MAX_WIDTH = 60


def _cell_value(value: Any) -> Any:
    """Return a value openpyxl can write: NaN/NaT as empty, numpy scalars as Python."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, list | tuple | dict | set):
        return str(value)
    return value


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime | date):
        return 10
    if isinstance(value, float):
        return len(f"{value:.2f}")
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _sheet_title(name: str, taken: set[str]) -> str:
    title = _BAD_SHEET_CHARS.sub("_", name).strip() or "Sheet"
    title = title[:31]
    base, n = title, 2
    while title in taken:
        suffix = f"_{n}"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(title)
    return title


def _write_sheet(ws: Any, frame: pd.DataFrame, patterns: Mapping[str, Any]) -> None:
    """Fill one worksheet: bold frozen header, values, widths, formats and colours."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    columns = [str(c) for c in frame.columns]
    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
    widths = [_width(c) for c in columns]
    for row in frame.itertuples(index=False, name=None):
        values = [_cell_value(v) for v in row]
        ws.append(values)
        widths = [max(w, _width(v)) for w, v in zip(widths, values, strict=True)]
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(_MAX_WIDTH, width + 2)
    for row_cells in ws.iter_rows(min_row=2):
        for cell in row_cells:
            _format_cell(cell, patterns)
    ws.freeze_panes = "A2"
    if columns and len(frame):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(frame) + 1}"


def _format_cell(cell: Any, patterns: Mapping[str, Any]) -> None:
    value = cell.value
    if isinstance(value, float):
        cell.number_format = "0.0#"
    elif isinstance(value, datetime | date):
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, str) and value:
        pattern = patterns.get(value) or patterns.get(value[0])
        if pattern is not None:
            cell.fill = pattern


def write_targets_xlsx(
    path: str | os.PathLike[str],
    sheets: Mapping[str, pd.DataFrame],
    *,
    fills: Mapping[str, str] | None = None,
) -> Path:
    """Write the sheets to an ``.xlsx`` workbook and return its path.

    Parameters
    ----------
    path
        The workbook to write (replaced if it exists).
    sheets
        Sheet name -> table, in order; names are shortened to Excel's 31 characters.
    fills
        Cell text -> background colour (RGB hex, e.g. ``"FFC7CE"``); a one-character key
        also colours cells starting with it (status marks such as ``×93.2%``).

    Raises
    ------
    ProjectError
        When the folder does not exist or the file cannot be written (e.g. open in Excel).
    """
    from openpyxl import Workbook
    from openpyxl.styles import PatternFill

    out = Path(path)
    if not out.parent.is_dir():
        raise ProjectError(
            f"输出文件夹不存在：{out.parent}", f"The output folder does not exist: {out.parent}"
        )
    patterns = {k: PatternFill("solid", fgColor=v) for k, v in (fills or {}).items()}
    book = Workbook()
    first = book.active
    taken: set[str] = set()
    for name, frame in sheets.items():
        _write_sheet(book.create_sheet(_sheet_title(str(name), taken)), frame, patterns)
    if taken and first is not None:
        book.remove(first)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}-", suffix=".xlsx", dir=out.parent)
        os.close(fd)
        try:
            book.save(tmp)
            Path(tmp).replace(out)
        finally:
            Path(tmp).unlink(missing_ok=True)
    except OSError as exc:
        raise ProjectError(
            f"无法写入 {out}（文件可能正在 Excel/WPS 中打开）：{exc}",
            f"Cannot write {out} (is it open in Excel or WPS?): {exc}",
        ) from None
    return out
