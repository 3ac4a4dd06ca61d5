"""The targets file: every plan target encoded, problems reported by line and field."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from gisdesk.analysis.targets import (
    METRICS,
    SCOPES,
    TargetsFileError,
    default_targets,
    default_targets_path,
    import_targets,
    load_targets,
    parse_targets,
    project_targets,
    targets_from_records,
)
from gisdesk.core.project import Project

PLAN_TARGETS = Path("/work/shared/domain/PLAN_TARGETS.md")

GOOD = """
format = 1

[[targets]]
id = "MY-1"
source = "海政办发〔2022〕37号"
title_zh = "我的目标"
title_en = "My target"
description_zh = "说明"
description_en = "What it asks"
scope = "village"
metric = "villages_dual_standard"
params = { treated_min = 50.0 }
comparison = ">="
threshold = 40
unit = "%"
deadline = 2022-12-31
department = "住建水务"
"""


def test_the_shipped_file_encodes_every_plan_target():
    targets = default_targets()
    ids = {t.id for t in targets}
    if PLAN_TARGETS.exists():  # the domain notes beside the repository
        listed = set(
            re.findall(r"^\| ((?:ROAD|RENT|MED|AIR|SEW)-\d+) \|", PLAN_TARGETS.read_text(), re.M)
        )
        assert len(listed) >= 40
        assert listed <= ids
    for prefix, n in (("ROAD", 10), ("RENT", 6), ("MED", 7), ("AIR", 12), ("SEW", 6)):
        assert {f"{prefix}-{i}" for i in range(1, n + 1)} <= ids
    assert {"FIRE-1", "STRAW-1"} <= ids
    for t in targets:
        assert t.source.startswith("海政") and "号" in t.source, t.id
        assert t.scope in SCOPES and t.department and t.title_zh and t.description_en
        assert t.metric == "none" or t.metric in METRICS, t.id
        if t.metric == "none":
            assert t.reason_zh and t.reason_en, t.id
        else:
            assert t.threshold is not None and t.layers, t.id
        assert t.origin.startswith("haimen_2022.toml:")


def test_known_entries():
    by_id = {t.id: t for t in default_targets()}
    sew3 = by_id["SEW-3"]
    assert [(m.by, m.value) for m in sew3.schedule] == [
        (date(2022, 6, 30), 30.0),
        (date(2022, 9, 30), 70.0),
    ]
    assert sew3.deadline == date(2022, 11, 30) and sew3.threshold == 100
    assert by_id["MED-6"].deadline == date(2024, 12, 31)
    assert by_id["MED-5"].params == {"minutes": 15.0, "mode": "ebike"}
    assert by_id["ROAD-1"].period and by_id["ROAD-1"].comparison == "<="
    assert by_id["SEW-1"].params["treated_min"] == 60.0
    assert by_id["AIR-1"].metric == "none" and "监测" in by_id["AIR-1"].reason_zh
    # The metric's own needs complete the layers a target lists.
    assert "villages.sewage_treated_share" in by_id["SEW-1"].fields
    assert default_targets_path().name == "haimen_2022.toml"


def test_a_users_own_target_and_round_trip():
    (t,) = parse_targets(GOOD, source="mine.toml")
    assert t.id == "MY-1" and t.params == {"treated_min": 50.0}
    assert t.origin == "mine.toml:4"
    (again,) = targets_from_records([t.to_dict()])
    assert again.to_dict() == t.to_dict()


def test_problems_name_the_line_target_and_field():
    bad = GOOD.replace('comparison = ">="', 'comparison = "=>"').replace(
        "treated_min = 50.0", "treated_minimum = 50.0"
    )
    bad += "deadlnie = 2022-01-01\n"
    with pytest.raises(TargetsFileError) as err:
        parse_targets(bad, source="mine.toml")
    problems = {p.field: p for p in err.value.problems}
    assert problems["comparison"].line == 14 and problems["comparison"].target == "MY-1"
    assert "treated_minimum" in problems["params"].zh and problems["params"].line == 13
    assert problems["deadlnie"].line == 19
    text = err.value.message("zh")
    assert "mine.toml，第 14 行，目标 MY-1，字段 comparison" in text
    assert "line 14, target MY-1, field comparison" in err.value.message("en")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (('metric = "villages_dual_standard"', 'metric = "villages_dual"'), "metric"),
        (('scope = "village"', 'scope = "county"'), "scope"),
        (("threshold = 40", 'threshold = "forty"'), "threshold"),
        (("deadline = 2022-12-31", 'deadline = "end of year"'), "deadline"),
        (("params = { treated_min = 50.0 }", 'params = { treated_min = "fifty" }'), "params"),
        (('department = "住建水务"', 'department = ""'), "department"),
        (('metric = "villages_dual_standard"', 'metric = "none"'), "reason_zh"),
        (("threshold = 40\n", "baseline = 0\n"), "threshold"),
    ],
)
def test_each_kind_of_problem(change, field):
    with pytest.raises(TargetsFileError) as err:
        parse_targets(GOOD.replace(*change))
    assert field in {p.field for p in err.value.problems}


def test_schedule_duplicate_ids_and_syntax():
    sched = GOOD + "schedule = [{ by = 2022-09-30, value = 70 }, { by = 2022-06-30, value = 30 }]\n"
    with pytest.raises(TargetsFileError, match="节点应按日期先后排列"):
        parse_targets(sched)
    with pytest.raises(TargetsFileError) as err:
        parse_targets(GOOD + GOOD.replace("format = 1", ""))
    (dup,) = err.value.problems
    assert dup.field == "id" and dup.line == 22 and "第 4 行" in dup.zh
    with pytest.raises(TargetsFileError) as err:
        parse_targets(GOOD.replace("threshold = 40", "threshold = "))
    assert err.value.problems[0].line == 15
    with pytest.raises(TargetsFileError, match="没有任何"):
        parse_targets("format = 1\n")


def test_load_targets_file_errors(tmp_path):
    with pytest.raises(TargetsFileError, match="无法读取"):
        load_targets(tmp_path / "absent.toml")
    path = tmp_path / "gbk.toml"
    path.write_bytes(GOOD.encode("gbk"))
    with pytest.raises(TargetsFileError):
        load_targets(path)
    path.write_text(GOOD, encoding="utf-8")
    assert load_targets(path)[0].origin == "gbk.toml:4"


def test_import_into_a_project_and_back():
    project = Project(title="t")
    assert project_targets(project) is None
    targets = default_targets()[:5]
    import_targets(project, targets, source="haimen_2022.toml")
    assert project.settings["targets"]["source"] == "haimen_2022.toml"
    import json

    json.dumps(project.settings, ensure_ascii=False)  # storable as the project saves it
    back = project_targets(project)
    assert back is not None
    assert [t.to_dict() for t in back] == [t.to_dict() for t in targets]
