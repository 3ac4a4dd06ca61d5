"""``gisdesk targets`` on the sample: table, JSON, Excel, history, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from gisdesk.cli.main import main

AS_OF = ["--as-of", "2022-12-31"]


def test_table_in_chinese(sample_path, capsys):
    assert main(["targets", str(sample_path), *AS_OF]) == 0
    out = capsys.readouterr().out
    assert out.startswith("规划目标评估（截至 2022-12-31）：56 项目标")
    lines = {
        line.split()[0]: line for line in out.splitlines() if line[:1].isalpha() and " " in line
    }
    header = next(line for line in out.splitlines() if line.startswith("目标编号"))
    towns = header.split()[4:]
    assert "悦来镇" in towns and "正余镇" in towns
    med1 = lines["MED-1"].split()
    assert med1[-len(towns) :][towns.index("正余镇")] == "×0.0%"
    road8 = lines["ROAD-8"].split()
    assert road8[-len(towns) :][towns.index("悦来镇")] == "×0个"
    assert "× ROAD-6 G328" in out and "× ROAD-6 S336" in out and "× ROAD-6 S222" in out
    assert "无数据（需补充的数据）" in out and "AIR-1" in out and "空气质量监测数据" in out


def test_long_layout_and_english(sample_path, capsys):
    assert main(["targets", str(sample_path), *AS_OF, "--layout", "long", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Plan targets as of 2022-12-31: 56 targets")
    assert "MED-1 正余镇: 0.0% — missed" in out
    assert "No data (what is needed):" in out


def test_json_and_fail_on_missed(sample_path, tmp_path):
    out = tmp_path / "t.json"
    code = main(
        [
            "targets",
            str(sample_path),
            *AS_OF,
            "--format",
            "json",
            "--out",
            str(out),
            "--fail-on-missed",
        ]
    )
    assert code == 1
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["as_of"] == "2022-12-31" and data["summary"]["missed"] > 0
    sew1 = next(r for r in data["rows"] if r["target_id"] == "SEW-1" and r["unit"] == "全区")
    assert sew1["status"] == "missed"


def test_own_targets_file_exit_codes(sample_path, tmp_path, capsys):
    mine = tmp_path / "mine.toml"
    mine.write_text(
        """[[targets]]
id = "MED-4"
source = "海政办发〔2022〕30号"
title_zh = "示范点"
title_en = "Demonstration points"
description_zh = "不少于 15 个"
description_en = "At least 15"
scope = "district"
metric = "demo_points_count"
comparison = ">="
threshold = 15
unit = "个"
deadline = 2022-12-31
department = "医保"
""",
        encoding="utf-8",
    )
    args = ["targets", str(sample_path), *AS_OF, "--targets", str(mine), "--fail-on-missed"]
    assert main(args) == 0  # the one target is met
    assert "1 项目标" in capsys.readouterr().out
    mine.write_text(mine.read_text(encoding="utf-8").replace('">="', '"=>"'), encoding="utf-8")
    assert main(args) == 3
    assert "第 10 行" in capsys.readouterr().err


def test_usage_and_file_errors(sample_path, tmp_path, capsys):
    assert main(["targets", str(sample_path), "--format", "xlsx"]) == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["targets", str(sample_path), "--as-of", "2022/12/31"])
    assert exit_info.value.code == 2
    assert main(["targets", str(tmp_path / "absent.gpkg")]) == 3
    capsys.readouterr()


def small_project(path: Path) -> Path:
    """Save a two-village project (quick to open and save) and return its path."""
    from gisdesk.core.layer import Layer
    from gisdesk.core.project import Project
    from gisdesk.io.project_store import save_project
    from tests.analysis.test_targets_metrics import layer, pt, towns_layer

    project = Project(title="小项目")
    project.add_layer(Layer("towns", towns_layer("甲镇", "乙镇")))
    villages = {
        "name": ["一村", "二村"],
        "town": ["甲镇", "乙镇"],
        "sewage_treated_share": [70.0, 20.0],
        "sewage_normal_operation_share": [70.0, 20.0],
    }
    project.add_layer(Layer("villages", layer(villages, [pt(0, 0), pt(6000, 0)])))
    save_project(project, path)
    return path


def test_excel_and_recorded_history(tmp_path, capsys):
    from tests.analysis.test_targets_registry import GOOD

    project = small_project(tmp_path / "small.gpkg")
    mine = tmp_path / "mine.toml"
    mine.write_text(GOOD, encoding="utf-8")
    base = ["targets", str(project), "--targets", str(mine)]
    assert main([*base, "--as-of", "2022-06-30", "--record"]) == 0
    out = tmp_path / "目标.xlsx"
    assert main([*base, *AS_OF, "--record", "--format", "xlsx", "--out", str(out)]) == 0
    assert "已写出" in capsys.readouterr().out
    book = load_workbook(out)
    assert book.sheetnames == ["分镇总览", "目标清单", "评估明细", "差距要素", "历史", "说明"]
    history = book["历史"]
    assert [c.value for c in history[1]][:2] == ["评估日期", "记录时间"]
    dates = {row[0].date().isoformat() for row in history.iter_rows(min_row=2, values_only=True)}
    assert dates == {"2022-06-30", "2022-12-31"}
    detail = book["评估明细"]
    header = [c.value for c in detail[1]]
    assert {"目标编号", "评价单元", "现值", "目标值", "状态", "说明"} <= set(header)
    overview = book["分镇总览"]
    assert [c.value for c in overview[2]][3:] == ["√50.0%", "√100.0%", "×0.0%"]
