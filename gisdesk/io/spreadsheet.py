"""Write cells to Excel workbooks so that every text stays text, never a formula.

openpyxl stores a string that starts with ``=`` as a formula, and Excel or WPS turn a cell
typed or edited as ``=``, ``+``, ``-`` or ``@`` into one: an attribute value such as
``=HYPERLINK(...)`` or ``+cmd|' /C calc'!A0`` would become live. Every value written by
gisdesk goes through :func:`put`:

- a string is a string cell (data type ``s``), whatever it starts with, and when it starts
  with a character a spreadsheet reads as the start of a formula it also gets the
  ``quotePrefix`` style (Excel's leading apostrophe), so editing the cell keeps it text;
- characters XML cannot carry (control characters other than tab, line feed and carriage
  return) are written in the OOXML escape ``_xHHHH_`` that Excel and WPS decode, and a
  literal ``_xHHHH_`` in the data gets its underscore escaped (``_x005F_``) so it is not
  decoded; carriage returns are escaped too, since XML readers turn them into line feeds;
- missing values (None, NaN, NaT) are empty cells, numpy scalars Python numbers, dates
  dates (time zones dropped: Excel has none).

:func:`write_sheets` writes whole tables with a bold header row.

CSV files are opened in Excel or WPS too, and there a cell is whatever its text says: no
type, no quotePrefix. :func:`write_csv` writes a text (a header or a value) that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return, and is not a plain number such as
``-12.5``, with a leading apostrophe (``'=1+1``), as OWASP advises: the spreadsheet shows it
as text instead of computing it. gisdesk's table reader (:func:`csv_value`) takes the
apostrophe off again, so an exported CSV imports with the texts it had.
Lines end in CR LF (RFC 4180, what Excel writes), so a value holding a carriage return or
a line feed is quoted and stays in its cell.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from gisdesk.core.values import plain_value

__all__ = [
    "CSV_FORMULA_START",
    "FORMULA_START",
    "cell_value",
    "csv_text",
    "csv_value",
    "put",
    "sheet_title",
    "write_csv",
    "write_sheets",
]

# Characters a spreadsheet may read as the start of a formula (OWASP's list, and the
# full-width forms a Chinese input method types).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_XML_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x0d\x0e-\x1f\ud800-\udfff\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)"
)
# What makes a CSV cell a formula in Excel or WPS (full-width signs do not).
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")  # apostrophes before a formula sign
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_MAX_WIDTH = 60


def _ooxml_escape(match: re.Match[str]) -> str:
    return f"_x{ord(match.group(0)):04X}_"


def cell_value(value: Any) -> Any:
    """Return a value openpyxl can write: NaN/NaT/inf as None, numpy scalars as Python."""
    value = plain_value(value)
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, bool | int | float | date | str):
        return value
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def put(cell: Any, value: Any) -> Any:
    """Write a value into an openpyxl cell, text as text (see the module notes); return it."""
    value = cell_value(value)
    if not isinstance(value, str):
        cell.value = value
        if isinstance(value, datetime):
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
        elif isinstance(value, date):
            cell.number_format = "yyyy-mm-dd"
        return cell
    cell.value = _XML_UNSAFE.sub(_ooxml_escape, value)
    cell.data_type = "s"  # openpyxl took a leading "=" for a formula
    if value.startswith(FORMULA_START):
        cell.quotePrefix = True
    return cell


def sheet_title(name: str, taken: set[str]) -> str:
    """Return a worksheet title Excel accepts (31 characters, no []:*?/\\), unique in ``taken``."""
    title = _BAD_SHEET_CHARS.sub("_", name).strip().strip("'") or "Sheet"
    title = title[:31]
    base, n = title, 2
    while title.lower() in {t.lower() for t in taken}:
        suffix = f"_{n}"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(title)
    return title


def text_width(value: Any) -> int:
    """Return the width of a value in Excel columns (CJK characters count two)."""
    if value is None:
        return 0
    if isinstance(value, datetime | date):
        return 10
    if isinstance(value, float):
        return len(f"{value:.2f}")
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(value))


def write_frame(ws: Any, frame: pd.DataFrame) -> None:
    """Fill a worksheet with a bold, frozen header row and the table's values."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    columns = [str(c) for c in frame.columns]
    widths = [text_width(c) for c in columns]
    for j, name in enumerate(columns, start=1):
        put(ws.cell(row=1, column=j), name).font = bold
    for i, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        for j, value in enumerate(row, start=1):
            cell = put(ws.cell(row=i, column=j), value)
            widths[j - 1] = max(widths[j - 1], text_width(cell.value))
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(_MAX_WIDTH, width + 2)
    ws.freeze_panes = "A2"


def write_sheets(path: str | os.PathLike[str], sheets: Mapping[str, pd.DataFrame]) -> Path:
    """Write tables to an ``.xlsx`` workbook, one sheet each, and return its path.

    Sheet names are made acceptable to Excel (see :func:`sheet_title`). The file is written
    in place; callers that need an atomic replace write to a temporary name and rename.
    """
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    taken: set[str] = set()
    for name, frame in sheets.items():
        write_frame(book.create_sheet(sheet_title(str(name), taken)), frame)
    if taken and first is not None:
        book.remove(first)
    out = Path(path)
    book.save(out)
    return out


def csv_text(value: Any) -> Any:
    """A value as a CSV cell that a spreadsheet cannot compute (see the module notes).

    A text that already starts with an apostrophe before such a sign gets one more, so
    :func:`csv_value` gives every text back exactly as it was.
    """
    if not isinstance(value, str) or _PLAIN_NUMBER.fullmatch(value):
        return value
    if value.startswith(CSV_FORMULA_START) or _ESCAPED.match(value):
        return "'" + value
    return value


def csv_value(text: Any) -> Any:
    """A CSV cell as the text :func:`csv_text` was given (its leading apostrophe taken off)."""
    if isinstance(text, str) and _ESCAPED.match(text):
        return text[1:]
    return text


def write_csv(path: str | os.PathLike[str], frame: pd.DataFrame) -> Path:
    """Write a table as CSV for Excel and WPS (UTF-8 with BOM, CR LF), no text a formula."""
    table = frame.copy()
    table.columns = pd.Index([csv_text(str(c)) for c in frame.columns], dtype=object)
    for j in range(table.shape[1]):
        column = table.iloc[:, j]
        if pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column):
            table.isetitem(j, column.map(csv_text).to_numpy(dtype=object))
    out = Path(path)
    table.to_csv(out, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return out
