"""The Excel export of target tables: sheets, Chinese headers, empty NaN, dates, colours."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from openpyxl import load_workbook

from gisdesk.core.errors import ProjectError
from gisdesk.io.targets import write_targets_xlsx


def test_sheets_headers_values_and_fills(tmp_path):
    table = pd.DataFrame(
        {
            "目标编号": ["MED-1", "SEW-1"],
            "现值": [91.66666, math.nan],
            "截止日期": [date(2022, 6, 30), None],
            "状态": ["未达标", "无数据"],
        }
    )
    wide = pd.DataFrame({"目标编号": ["MED-1"], "全区": ["×91.7%"], "海门街道": ["√100.0%"]})
    path = write_targets_xlsx(
        tmp_path / "目标.xlsx",
        {"分镇总览": wide, "评估明细/全部": table},
        fills={"未达标": "FFC7CE", "×": "FFC7CE", "√": "C6EFCE"},
    )
    book = load_workbook(path)
    assert book.sheetnames == ["分镇总览", "评估明细_全部"]
    ws = book["评估明细_全部"]
    assert [c.value for c in ws[1]] == ["目标编号", "现值", "截止日期", "状态"]
    assert ws["B2"].value == pytest.approx(91.66666) and ws["B3"].value is None
    assert ws["C2"].value.date() == date(2022, 6, 30) and ws["C2"].number_format == "yyyy-mm-dd"
    assert ws["D2"].fill.fgColor.rgb.endswith("FFC7CE")
    assert ws.freeze_panes == "A2"
    over = book["分镇总览"]
    assert over["B2"].fill.fgColor.rgb.endswith("FFC7CE")
    assert over["C2"].fill.fgColor.rgb.endswith("C6EFCE")
    assert over.column_dimensions["A"].width >= 10


def test_long_sheet_names_and_replacing(tmp_path):
    frame = pd.DataFrame({"a": [1]})
    path = tmp_path / "t.xlsx"
    write_targets_xlsx(path, {"x" * 40: frame, "x" * 35: frame})
    names = load_workbook(path).sheetnames
    assert len(names) == 2 and all(len(n) <= 31 for n in names) and names[0] != names[1]
    write_targets_xlsx(path, {"only": frame})
    assert load_workbook(path).sheetnames == ["only"]
    assert [p.name for p in tmp_path.iterdir()] == ["t.xlsx"]  # no temporary left behind


def test_missing_folder_is_a_file_error(tmp_path):
    with pytest.raises(ProjectError, match="输出文件夹不存在"):
        write_targets_xlsx(tmp_path / "no" / "t.xlsx", {"s": pd.DataFrame({"a": [1]})})
