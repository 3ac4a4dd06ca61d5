"""Every Excel writer keeps text as text: a value, a header or a layer name starting with
= + - @ is a string cell (never a formula), reads back as the same literal, and characters
XML cannot hold survive through the OOXML escape Excel decodes. Every CSV writer puts an
apostrophe before a text Excel would compute, and keeps line breaks inside their cells."""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from openpyxl import Workbook, load_workbook

from gisdesk.core.errors import InputError
from gisdesk.core.layer import Layer, check_layer_name
from gisdesk.io.spreadsheet import (
    CSV_FORMULA_START,
    FORMULA_START,
    csv_text,
    put,
    sheet_title,
    write_csv,
    write_sheets,
)
from gisdesk.io.targets import write_targets_xlsx
from gisdesk.io.vector_export import export_table
from tests.hostile_strings import HOSTILE, SPREADSHEET, texts

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_NEEDS_ESCAPE = re.compile(r"[\x00-\x08\x0b-\x0d\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")


def excel_text(stored: str) -> str:
    """Return what Excel shows for a stored string (ECMA-376 ST_Xstring: _xHHHH_ escapes)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), stored)


def check_text_cell(cell, text: str) -> None:
    """The cell holds ``text`` as text: a string cell, the literal, quote-prefixed if needed."""
    assert cell.data_type == "s", (text, cell.data_type)
    assert isinstance(cell.value, str)
    assert excel_text(cell.value) == text[:32767]
    if not _NEEDS_ESCAPE.search(text):
        assert cell.value == text  # openpyxl reads the very same string back
    assert bool(cell.quotePrefix) == text.startswith(FORMULA_START)


def no_formulas(path) -> None:
    with zipfile.ZipFile(path) as book:
        for name in book.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in book.read(name).decode("utf-8"), name
                assert "<f " not in book.read(name).decode("utf-8"), name


def _layer_name(text: str) -> str:
    try:
        return check_layer_name(text)
    except InputError:
        return "hostile"


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts(max_size=40))
def test_layer_export_keeps_values_headers_and_names_as_text(tmp_path_factory, text):
    column = text if text != "geometry" else "geometry_"
    frame = gpd.GeoDataFrame(
        {column: [text, "普通"], "数值": [1.5, 2.0]},
        geometry=[shapely.Point(121.2, 31.9), shapely.Point(121.3, 31.9)],
        crs=4490,
    )
    layer = Layer(_layer_name(text), frame, title=text)
    out = tmp_path_factory.mktemp("xlsx") / "table.xlsx"
    export_table(layer, out)
    no_formulas(out)
    ws = load_workbook(out).active
    check_text_cell(ws.cell(row=1, column=1), column)  # the header is data too
    check_text_cell(ws.cell(row=2, column=1), text)
    check_text_cell(ws.cell(row=3, column=1), "普通")
    assert ws.cell(row=2, column=2).value == 1.5 and ws.cell(row=2, column=2).data_type == "n"


def test_the_corpus_in_every_writer(tmp_path):
    table = pd.DataFrame({"值": list(HOSTILE), "序号": range(len(HOSTILE))})
    plain = write_sheets(tmp_path / "plain.xlsx", {"=cmd|' /C calc'!A0": table})
    targets = write_targets_xlsx(tmp_path / "targets.xlsx", {"[*]/明细": table})
    for path in (plain, targets):
        no_formulas(path)
        ws = load_workbook(path).active
        for i, text in enumerate(HOSTILE, start=2):
            check_text_cell(ws.cell(row=i, column=1), text)
            assert ws.cell(row=i, column=2).value == i - 2
    assert load_workbook(plain).sheetnames == ["=cmd|' _C calc'!A0"]  # a title, not a formula
    assert load_workbook(targets).sheetnames == ["____明细"]


@pytest.mark.parametrize("text", SPREADSHEET)
def test_formula_like_text_is_quote_prefixed(text):
    cell = put(Workbook().active["A1"], text)
    assert cell.data_type == "s"
    assert cell.quotePrefix == text.startswith(FORMULA_START)


def test_other_values_keep_their_types():
    ws = Workbook().active
    assert put(ws["A1"], np.int64(3)).value == 3
    assert put(ws["A2"], np.float64("nan")).value is None
    assert put(ws["A3"], pd.NaT).value is None
    assert put(ws["A4"], pd.NA).value is None
    assert put(ws["A5"], np.bool_(True)).value is True
    stamp = put(ws["A6"], pd.Timestamp("2026-01-02 03:04", tz="Asia/Shanghai"))
    assert stamp.value == datetime(2026, 1, 2, 3, 4) and stamp.value.tzinfo is None
    assert put(ws["A7"], date(2026, 1, 2)).number_format == "yyyy-mm-dd"
    assert put(ws["A8"], datetime(2026, 1, 2, tzinfo=UTC)).value.tzinfo is None
    assert put(ws["A9"], b"\x00\xff").value == "00ff"
    assert put(ws["A10"], [1, "=2"]).value == "[1, '=2']"


def test_sheet_titles_excel_accepts():
    taken: set[str] = set()
    assert sheet_title("a[1]:b*?/\\c", taken) == "a_1__b____c"
    assert sheet_title("", taken) == "Sheet"
    assert sheet_title("长" * 40, taken) == "长" * 31
    assert sheet_title("长" * 40, taken) == "长" * 29 + "_2"
    assert sheet_title("SHEET", taken) == "SHEET_2"  # Excel compares titles ignoring case
    assert sheet_title("'quoted'", taken) == "quoted"


def read_csv_cells(path) -> list[list[str]]:
    """The cells of a CSV as a spreadsheet sees them (RFC 4180 quoting, UTF-8 with BOM)."""
    import csv

    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def check_csv_cell(got: str, text: str) -> None:
    """A CSV cell holds ``text``, with an apostrophe before it when Excel would compute it
    (``text`` is not a plain number)."""
    if text.startswith(CSV_FORMULA_START):
        assert got == "'" + text
    else:
        assert got == text


def test_csv_text_defuses_formulas_and_leaves_numbers_and_other_text():
    assert csv_text("=1+1") == "'=1+1"
    assert csv_text("-2+3") == "'-2+3"
    assert csv_text("+cmd|' /C calc'!A0") == "'+cmd|' /C calc'!A0"
    assert csv_text("@SUM(A1)") == "'@SUM(A1)"
    assert csv_text("\t=1+1") == "'\t=1+1"
    assert csv_text("\r=1+1") == "'\r=1+1"
    assert [csv_text(v) for v in ("-12.5", "+3", "-1e3", "＝1+1", "a=b")] == [
        "-12.5",
        "+3",
        "-1e3",
        "＝1+1",
        "a=b",
    ]
    assert csv_text(-3) == -3 and csv_text(None) is None


def test_the_corpus_in_every_csv_writer(tmp_path):
    frame = gpd.GeoDataFrame(
        {'=HYPERLINK("x")': list(HOSTILE), "序号": range(len(HOSTILE))},
        geometry=[shapely.Point(121.2, 31.9)] * len(HOSTILE),
        crs=4490,
    )
    table = pd.DataFrame(frame.drop(columns="geometry"))
    written = {
        "write_csv": write_csv(tmp_path / "plain.csv", table),
        "export_table": export_table(Layer("hostile", frame), tmp_path / "layer.csv").path,
    }
    for how, path in written.items():
        assert path.read_bytes().startswith(b"\xef\xbb\xbf"), how  # BOM: Excel reads UTF-8
        rows = read_csv_cells(path)
        assert len(rows) == len(HOSTILE) + 1, how  # a CR or LF in a value stays in its cell
        assert rows[0][:2] == ['\'=HYPERLINK("x")', "序号"]
        for row, text in zip(rows[1:], HOSTILE, strict=True):
            check_csv_cell(row[0], text)
        assert [r[1] for r in rows[1:]] == [str(i) for i in range(len(HOSTILE))]


def test_an_exported_csv_imports_with_the_texts_it_had(tmp_path):
    """The apostrophe that keeps a spreadsheet from computing a text is gisdesk's own mark:
    reading the CSV back gives every text as it was (also one that began with apostrophes)."""
    from gisdesk.io.tables import read_table

    texts = [*HOSTILE, "'=1+1", "''@x", "'-", "-", "- 5", "'plain", "-12.5"]
    table = pd.DataFrame({"=name": texts, "code": [f"c{i}" for i in range(len(texts))]})
    path = write_csv(tmp_path / "round.csv", table)
    back = read_table(path)
    assert list(back.columns) == ["=name", "code"]
    stripped = [t.strip() if isinstance(t, str) else t for t in texts]  # CSV reading strips
    got = [None if pd.isna(v) else str(v) for v in back["=name"]]
    assert [g.strip() if g else g for g in got] == [s or None for s in stripped]
