"""Write plan-target tables to an Excel workbook (openpyxl), the way planners hand them on.

The sheets come ready-made (headers already in Chinese or English, e.g. from
:func:`gisdesk.analysis.targets.workbook_sheets`); this module only writes them: bold frozen
headers, filters, column widths that fit Chinese text, dates as dates, missing values as
empty cells, text always as text (never a formula, see :mod:`gisdesk.io.spreadsheet`), and
status cells coloured. The file is written beside the target and renamed over it, so an
interrupted export never leaves half a workbook.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gisdesk.core.errors import ProjectError
from gisdesk.io.spreadsheet import sheet_title, write_frame

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["write_targets_xlsx"]


def _write_sheet(ws: Any, frame: pd.DataFrame, patterns: Mapping[str, Any]) -> None:
    """Fill one worksheet: bold frozen grey header, values, widths, formats, colours, filter."""
    from openpyxl.styles import PatternFill
    from openpyxl.utils import get_column_letter

    write_frame(ws, frame)
    for cell in ws[1]:
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
    for row_cells in ws.iter_rows(min_row=2):
        for cell in row_cells:
            _format_cell(cell, patterns)
    if len(frame.columns) and len(frame):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"


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
        _write_sheet(book.create_sheet(sheet_title(str(name), taken)), frame, patterns)
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
