"""Evaluating targets on a tiny project: rows, statuses, no data, gap features, history."""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

import pytest

from gisdesk.analysis.targets import (
    TABLE_COLUMNS,
    Target,
    TargetEvaluation,
    clear_history,
    evaluate_targets,
    gap_features,
    history_frame,
    parse_targets,
    record_evaluation,
    wide_frame,
    workbook_sheets,
)
from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from tests.analysis.test_targets_metrics import layer, pt, service_points, towns_layer

TARGETS = """
[[targets]]
id = "T-STATION"
source = "海政办发〔2022〕30号"
title_zh = "每镇标准化服务站"
title_en = "A station per town"
description_zh = "各镇建成标准化医保服务站。"
description_en = "Every town has a standardised station."
scope = "town"
metric = "towns_with_standardised_station"
comparison = ">="
threshold = 100
unit = "%"
deadline = 2022-06-30
department = "医保"

[[targets]]
id = "T-DUAL"
source = "海政办发〔2022〕37号"
title_zh = "双60%"
title_en = "Dual 60%"
description_zh = "40% 的村达到双60%。"
description_en = "40% of villages at dual 60%."
scope = "village"
metric = "villages_dual_standard"
comparison = ">="
threshold = 40
unit = "%"
deadline = 2022-12-31
department = "住建水务"

[[targets]]
id = "T-DEMO"
source = "海政办发〔2022〕30号"
title_zh = "示范点"
title_en = "Demonstration points"
description_zh = "不少于 2 个示范点。"
description_en = "At least 2 demonstration points."
scope = "district"
metric = "demo_points_count"
comparison = ">="
threshold = 2
unit = "个"
start = 2022-01-01
baseline = 0
deadline = 2022-12-31
department = "医保"

[[targets]]
id = "T-PM"
source = "海政办发〔2022〕36号"
title_zh = "PM2.5"
title_en = "PM2.5"
description_zh = "PM2.5 不高于 26。"
description_en = "PM2.5 at most 26."
scope = "district"
metric = "none"
comparison = "<="
threshold = 26
unit = "µg/m³"
deadline = 2022-12-31
department = "生态环境"
reason_zh = "需要空气质量监测数据"
reason_en = "needs air-quality data"
"""


def block(i: int) -> str:
    """Return the i-th target of TARGETS as a targets file of its own."""
    return "[[targets]]" + TARGETS.split("[[targets]]")[i + 1]


@pytest.fixture
def targets() -> list[Target]:
    return parse_targets(TARGETS)


def tiny_project(*, villages: bool = True, dual_fields: bool = True) -> Project:
    project = Project(title="小项目")
    project.add_layer(Layer("towns", towns_layer("甲镇", "乙镇", "丙镇")))
    project.add_layer(
        Layer(
            "service_points",
            service_points(
                [
                    {"level": "镇级服务站", "town": "甲镇", "standardised": True},
                    {"level": "镇级服务站", "town": "乙镇", "standardised": False},
                    {"level": "镇级服务站", "town": "丙镇", "standardised": True},
                    {"level": "村级服务点", "town": "甲镇", "demo_grade": "区级示范"},
                ]
            ),
        )
    )
    if villages:
        cols: dict[str, list[Any]] = {
            "name": ["一村", "二村", "三村", "四村", "五村"],
            "town": ["甲镇", "甲镇", "乙镇", "乙镇", "乙镇"],
        }
        if dual_fields:
            cols["sewage_treated_share"] = [60.0, 10.0, 70.0, 20.0, 80.0]
            cols["sewage_normal_operation_share"] = [60.0, 10.0, 70.0, 20.0, 10.0]
        project.add_layer(Layer("villages", layer(cols, [pt(100 * i, 0) for i in range(5)])))
    return project


def rows(evaluation: TargetEvaluation, target_id: str) -> dict[str, dict[str, Any]]:
    t = evaluation.table
    records = t[t["target_id"] == target_id].to_dict("records")
    return {str(r["unit"]): {str(k): v for k, v in r.items()} for r in records}


def test_table_rows_statuses_and_explanations(targets):
    ev = evaluate_targets(tiny_project(), targets, as_of=date(2022, 12, 31))
    assert list(ev.table.columns) == list(TABLE_COLUMNS)
    station = rows(ev, "T-STATION")
    assert list(station) == ["全区", "甲镇", "乙镇", "丙镇"]  # district first, towns in order
    assert station["乙镇"]["status"] == "missed"
    assert "截止 2022-06-30 已过" in station["乙镇"]["explanation_zh"]
    assert station["全区"]["value"] == pytest.approx(200 / 3)
    assert (
        station["全区"]["status"] == "missed" and "未达：乙镇" in station["全区"]["explanation_zh"]
    )
    dual = rows(ev, "T-DUAL")
    # 甲镇 1 of 2 (exactly 60/60), 乙镇 1 of 3; the district 2 of 5 = 40%: exactly enough.
    assert dual["全区"]["value"] == pytest.approx(40.0) and dual["全区"]["status"] == "met"
    assert dual["甲镇"]["status"] == "met" and dual["乙镇"]["status"] == "missed"
    assert dual["丙镇"]["status"] == "no_data" and "没有村" in dual["丙镇"]["explanation_zh"]
    pm = rows(ev, "T-PM")["全区"]
    assert pm["status"] == "no_data" and "空气质量监测数据" in pm["explanation_zh"]
    assert ev.summary() == {"met": 1, "on_track": 0, "at_risk": 0, "missed": 2, "no_data": 1}


def test_progress_before_the_deadline(targets):
    ev = evaluate_targets(tiny_project(), targets, as_of=date(2022, 4, 1))
    station = rows(ev, "T-STATION")
    assert station["乙镇"]["status"] == "at_risk"
    assert "距截止 2022-06-30 还有 90 天" in station["乙镇"]["explanation_zh"]
    demo = rows(ev, "T-DEMO")["全区"]
    # One point by April against two by year end from zero on 1 January: on track.
    assert demo["status"] == "on_track" and demo["expected"] == pytest.approx(2 * 90 / 364)


def test_missing_layer_and_missing_field_are_named(targets):
    ev = evaluate_targets(tiny_project(villages=False), targets, as_of=date(2022, 12, 31))
    (row,) = rows(ev, "T-DUAL").values()
    assert row["status"] == "no_data" and "缺少图层“villages”" in row["explanation_zh"]
    assert math.isnan(row["value"])
    ev = evaluate_targets(tiny_project(dual_fields=False), targets, as_of=date(2022, 12, 31))
    (row,) = rows(ev, "T-DUAL").values()
    assert "缺少字段“sewage_treated_share”" in row["explanation_zh"]
    assert "sewage_normal_operation_share" in row["missing_zh"]


def test_layers_found_by_type_or_mapping(targets):
    project = tiny_project()
    renamed = project.remove_layer("villages")
    project.add_layer(Layer("我的村", renamed.data))
    ev = evaluate_targets(project, targets, as_of=date(2022, 12, 31), layers={"villages": "我的村"})
    assert rows(ev, "T-DUAL")["全区"]["status"] == "met"
    assert ev.layers["villages"] == "我的村"
    assert set(ev.gaps.loc[ev.gaps["target_id"] == "T-DUAL", "layer"]) == {"我的村"}


def test_gap_features_rows_labels_and_geometry(targets):
    project = tiny_project()
    ev = evaluate_targets(project, targets, as_of=date(2022, 12, 31))
    sel = ev.gap_rows("T-DUAL", "乙镇")
    assert sel["villages"].tolist() == [3, 4]
    g = ev.gaps[(ev.gaps["target_id"] == "T-DUAL") & (ev.gaps["unit"] == "乙镇")]
    assert g["label"].tolist() == ["四村", "五村"]
    station_gap = ev.gap_rows("T-STATION", "乙镇")
    assert station_gap == {"service_points": station_gap["service_points"]}
    assert station_gap["service_points"].tolist() == [1]
    feats = gap_features(ev, project, target_id="T-DUAL", unit="乙镇")
    assert len(feats) == 2 and feats.crs.to_epsg() == 4490
    project.layer("villages").set_selection(sel["villages"])  # ready for the map
    assert project.layer("villages").selection.tolist() == [3, 4]
    assert int(rows(ev, "T-DUAL")["乙镇"]["gap_count"]) == 2


def test_json_and_display(targets):
    ev = evaluate_targets(tiny_project(), targets, as_of=date(2022, 12, 31))
    data = json.loads(ev.to_json())
    assert data["as_of"] == "2022-12-31" and data["summary"]["missed"] == 2
    assert any(r["value"] is None for r in data["rows"])  # NaN as null
    wide = wide_frame(ev)
    assert list(wide.columns[:4]) == ["目标编号", "目标", "要求", "全区"]
    assert wide.set_index("目标编号").loc["T-STATION", "乙镇"] == "×0.0%"
    assert wide.set_index("目标编号").loc["T-DUAL", "丙镇"] == "-"
    sheets = workbook_sheets(ev, history=history_frame(tiny_project()))
    assert list(sheets) == ["分镇总览", "目标清单", "评估明细", "差距要素", "历史", "说明"]
    assert "状态" in sheets["评估明细"].columns and "达标" in set(sheets["评估明细"]["状态"])
    english = workbook_sheets(ev, lang="en")
    assert "Evaluation" in english and "status" in english["Evaluation"].columns


def test_history_snapshots_replace_by_date_and_feed_the_baseline(targets):
    project = tiny_project()
    first = evaluate_targets(project, targets, as_of=date(2022, 3, 31))
    record_evaluation(project, first, date(2022, 4, 2), note="一季度")
    record_evaluation(project, first, date(2022, 4, 3))  # same evaluation date: replaces
    frame = history_frame(project)
    assert set(frame["as_of"]) == {date(2022, 3, 31)} and set(frame["recorded"]) == {"2022-04-03"}
    json.dumps(project.settings, ensure_ascii=False)
    # A target without a baseline of its own now progresses from its first recorded value.
    ev = evaluate_targets(project, targets, as_of=date(2022, 12, 31))
    record_evaluation(project, ev)
    assert sorted(set(history_frame(project)["as_of"])) == [date(2022, 3, 31), date(2022, 12, 31)]
    later = parse_targets(
        TARGETS.replace(
            'deadline = 2022-12-31\ndepartment = "住建水务"',
            'deadline = 2023-12-31\ndepartment = "住建水务"',
        )
    )
    mid = evaluate_targets(project, later, as_of=date(2022, 6, 30))
    dual = rows(mid, "T-DUAL")
    # 乙镇 was at 33.3% on 31 March; 40% is due by end of 2023, so 34.0% is expected by June.
    assert dual["乙镇"]["status"] == "at_risk"
    assert dual["乙镇"]["expected"] == pytest.approx(100 / 3 + (40 - 100 / 3) * 91 / 640, rel=1e-3)
    no_history = evaluate_targets(project, later, as_of=date(2022, 6, 30), use_history=False)
    assert math.isnan(rows(no_history, "T-DUAL")["乙镇"]["expected"])
    clear_history(project)
    assert history_frame(project).empty


def test_nothing_to_evaluate(targets):
    project = tiny_project()
    project.layer("service_points").set_data(project.layer("service_points").data.iloc[:0])
    ev = evaluate_targets(project, targets, as_of=date(2022, 12, 31))
    station = rows(ev, "T-STATION")
    # Every town is there, without a station: the layer is empty, not missing.
    assert station["甲镇"]["status"] == "missed"
    demo = rows(ev, "T-DEMO")["全区"]
    assert demo["value"] == 0 and demo["status"] == "missed"
    area = parse_targets(
        block(2)
        .replace('metric = "demo_points_count"', 'metric = "demo_site_floor_area"')
        .replace("threshold = 2", "threshold = 100")
    )
    (row,) = rows(evaluate_targets(project, area, as_of=date(2022, 12, 31)), "T-DEMO").values()
    assert row["status"] == "no_data" and "没有可评价的对象" in row["explanation_zh"]
    empty = evaluate_targets(project, [], as_of=date(2022, 12, 31))
    assert empty.table.empty and empty.summary() == dict.fromkeys(empty.summary(), 0)


def test_a_layer_without_crs_is_reported_not_guessed():
    from tests.analysis.test_targets_metrics import accidents, line, segments

    yoy = parse_targets(
        block(0)
        .replace('metric = "towns_with_standardised_station"', 'metric = "listed_segments_yoy"')
        .replace('scope = "town"', 'scope = "segment"')
        .replace("threshold = 100", "threshold = -10")
        .replace('comparison = ">="', 'comparison = "<="')
    )
    project = Project()
    seg = segments([{"segment_id": "S1", "name": "一号"}], [line((0, 0), (1000, 0))])
    project.add_layer(Layer("accident_segments", seg.set_crs(None, allow_override=True)))
    project.add_layer(Layer("accidents", accidents([(0, 0, "2022-01-05", "一般程序", 0)])))
    (row,) = rows(evaluate_targets(project, yoy, as_of=date(2022, 12, 31)), "T-STATION").values()
    assert row["status"] == "no_data" and "没有坐标系" in row["explanation_zh"]
    assert "coordinate reference system" in row["explanation_en"]
