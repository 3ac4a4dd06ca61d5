"""The tasks layer: requests with their defaults and checks, results labelled for users."""

from __future__ import annotations

import math
import re
from dataclasses import FrozenInstanceError

import pandas as pd
import pytest

from gisdesk.analysis.service_areas import DEFAULT_MINUTES
from gisdesk.core.errors import InputError
from gisdesk.tasks import TASKS, ProjectSource, request_from_record, run_request, task_for
from gisdesk.tasks.base import Column, SummaryTable, format_value
from gisdesk.tasks.service_areas import ServiceAreasRequest, coverage_table
from gisdesk.tasks.siting import SitingRequest
from gisdesk.tasks.zones import ZonesRequest


@pytest.fixture(scope="module")
def source(sample_project):
    return ProjectSource(sample_project)


@pytest.fixture(scope="module")
def service_20(source):
    return run_request(source, ServiceAreasRequest(minutes=20.0))


def test_the_formatter_shows_counts_whole_and_shares_in_percent():
    assert format_value(232.0, "count") == "232"
    assert format_value(0.928, "share") == "92.8%"
    assert format_value(1, "share") == "100.0%"
    assert format_value(math.inf, "number", "分钟") == "-"
    assert format_value(math.nan, "share") == "-" and format_value(None, "count") == "-"
    assert format_value(12.345, "number", "分钟") == "12.3 分钟"
    table = coverage_table(
        pd.DataFrame(
            {
                "town": ["甲镇"],
                "villages": [250.0],
                "villages_within": [232.0],
                "village_share": [0.928],
            }
        ),
        Column("town", "镇（街道）", "Town"),
    )
    assert table.headers() == ["镇（街道）", "村数", "覆盖村数", "村覆盖率"]
    assert table.headers("en") == ["Town", "Villages", "Villages within", "Village share"]
    assert table.formatted() == [["甲镇", "250", "232", "92.8%"]]
    assert table.records() == [
        {"town": "甲镇", "villages": 250.0, "villages_within": 232.0, "village_share": 0.928}
    ]
    assert isinstance(SummaryTable((), ()).formatted(), list)


def test_requests_hold_their_defaults_once_and_are_frozen():
    sa, siting, zones = ServiceAreasRequest(), SitingRequest(), ZonesRequest()
    assert sa.minutes == siting.minutes == DEFAULT_MINUTES == 15.0
    assert sa.mode == siting.mode == "ebike"
    assert (sa.roads, sa.facilities, sa.demand) == ("roads", "service_points", "villages")
    assert zones.radius_m == 3000.0 and zones.levels == ("国控", "省控")
    assert zones.targets == ("enterprises", "rental_factories", "villages")
    with pytest.raises(FrozenInstanceError):
        sa.minutes = 20  # type: ignore[misc]
    assert {"zones", "service_areas", "siting", "import", "export"} <= set(TASKS)
    for request in (sa, siting, zones, SitingRequest(k=4, target_share=None, minutes=12)):
        assert request_from_record(request.to_record()) == request


def test_older_window_records_still_rebuild():
    # what the window recorded before the tasks layer (a plain dict of options)
    old = {
        "kind": "siting",
        "layers": {"roads": "roads", "facilities": "service_points", "demand": "villages"},
        "options": {"minutes": 20, "mode": "bike", "speed_kmh": None, "target_share": 1.0, "k": 3},
    }
    assert request_from_record(old) == SitingRequest(
        minutes=20, mode="bike", target_share=None, k=3
    )
    zones = {
        "kind": "zones",
        "layers": {"stations": "monitoring_stations"},
        "options": {"radius_m": 2500.0, "targets": ["villages"], "control_only": False},
    }
    assert request_from_record(zones) == ZonesRequest(
        radius_m=2500.0, targets=("villages",), levels=None
    )
    with pytest.raises(InputError, match="未知的分析"):
        task_for("nope")


@pytest.mark.parametrize(
    ("request_", "zh", "en"),
    [
        (ServiceAreasRequest(minutes=math.inf), "时间限值须为大于 0 分钟", "The time limit"),
        (ServiceAreasRequest(minutes=0), "时间限值", "(got 0)"),
        (ServiceAreasRequest(max_snap_m=-1), "最大接入距离", "maximum access distance"),
        (ServiceAreasRequest(speed_kmh=500), "统一车速", "The speed"),
        (ServiceAreasRequest(mode="plane"), "未知的出行方式", "Unknown travel mode"),
        (ServiceAreasRequest(frontage_m=0), "临街宽度", "frontage width"),
        (ServiceAreasRequest(raster_cell_m=0), "栅格单元大小", "raster cell size"),
        (SitingRequest(target_share=80), "1 表示 100%", "at most 1 (got 80)"),
        (SitingRequest(target_share=None, k=-1), "新增站点数", "number of new sites"),
        (SitingRequest(target_share=0.8, k=3), "只给出覆盖率目标或新增点数之一", "not both"),
        (SitingRequest(solver="magic"), "未知的求解方法", "Unknown solver"),  # type: ignore[arg-type]
        (ZonesRequest(radius_m=0), "重点区域半径", "zone radius"),
        (ZonesRequest(radius_m=math.nan), "重点区域半径", "at most 50,000 m"),
        (ZonesRequest(radius_m=None), "按字段取半径", "each station's radius"),
    ],
)
def test_validate_gives_the_bilingual_message(request_, zh, en):
    with pytest.raises(InputError) as caught:
        request_.validate()
    assert zh in caught.value.zh and en in caught.value.en


def test_bad_values_are_refused_before_any_layer_is_read():
    class NoLayers:
        def get(self, name):
            raise AssertionError(f"read {name}")

    with pytest.raises(InputError, match="时间限值"):
        run_request(NoLayers(), ServiceAreasRequest(minutes=-5))  # type: ignore[arg-type]


def test_the_legend_and_titles_follow_the_chosen_time(service_20):
    coverage = service_20.layer("demand")
    labels = {c.value: (c.label_zh, c.label_en) for c in coverage.style.classes}
    assert labels["covered"] == ("20 分钟内", "Within 20 min")
    assert labels["too_far"] == ("超出时间", "Too far")
    assert service_20.layer("areas").title_zh == "20分钟服务圈"
    status = {f.name: f for f in coverage.fields}["status"]
    assert status.value_label("covered") == "20 分钟内"
    assert status.value_label("too_far", "en") == "Too far"


def test_result_layers_speak_chinese_with_units(service_20, source):
    coverage = service_20.layer("demand")
    labels = coverage.labels()
    assert set(labels) == set(coverage.data.columns) - {"geometry"}
    assert labels["minutes"] == "到最近站点时间（分钟）"
    assert labels["snap_m"] == "接入道路距离（米）"
    assert labels["population"] == "人口（人）"  # the villages schema's own label
    assert coverage.labels("en")["minutes"] == "Time to nearest point (min)"
    for layer in service_20.layers:  # every column has a Chinese label (not its key)
        for info in layer.fields:
            assert not re.fullmatch(r"[a-z_]+", info.zh), (layer.name, info)
    assert not coverage.data["minutes"].isin([math.inf]).any()  # inf is "none" in a layer
    zones = run_request(source, ZonesRequest(radius_m=2000.0))
    assert zones.layer("zones").title_zh == "重点区域（2 千米）"
    members = zones.layer("members")
    assert members.labels()["distance_m"] == "到站点距离（米）"
    assert (members.data["distance_m"] <= 2000).all()
    layer_field = {f.name: f for f in members.fields}["layer"]
    assert layer_field.value_label("villages") == "村（社区）"


def test_the_summary_has_chinese_headers_ints_and_percentages(service_20):
    table = service_20.summary
    assert table.headers()[:4] == ["镇（街道）", "村数", "覆盖村数", "村覆盖率"]
    rows = table.formatted()
    assert len(rows) == 12  # one per town of the sample
    for row in rows:
        assert re.fullmatch(r"\d+", row[1]) and re.fullmatch(r"\d+", row[2])
        assert re.fullmatch(r"\d+\.\d%", row[3])
    figures = {f.key: f for f in service_20.district}
    within = sum(int(r[2]) for r in rows)
    assert figures["villages_within"].show() == f"覆盖村数 {within}"
    assert int(service_20.layer("demand").data["within"].sum()) == within
    assert figures["village_share"].show().endswith("%")
    assert service_20.notes[0].show().startswith("20 分钟服务圈（电动自行车）：覆盖村 ")
    assert "village_share" not in " ".join(n.show() for n in service_20.notes)
    assert service_20.citation() == "gisdesk 分析结果（源图层：roads、service_points、villages）"


def _med_file(tmp_path, share_5: int):
    from gisdesk.analysis.targets import default_targets_path

    text = default_targets_path().read_text(encoding="utf-8")
    start = text.index('id = "MED-5"')
    end = text.index("threshold = 80", start)
    changed = text[:end] + f"threshold = {share_5}" + text[end + len("threshold = 80") :]
    path = tmp_path / "targets.toml"
    path.write_text(changed, encoding="utf-8")
    return path


def test_siting_reads_its_thresholds_from_the_targets_file(source, tmp_path):
    request = SitingRequest(target_share=None, k=1)
    shipped = run_request(source, request).layer("targets").data.set_index("target")
    assert shipped.loc["MED-5", "required_share"] == pytest.approx(0.8)
    assert shipped.loc["MED-6", "required_share"] == pytest.approx(1.0)
    assert bool(shipped.loc["MED-5", "met_after"])  # 92.8% and more of the sample's villages
    stricter = SitingRequest(target_share=None, k=1, targets_file=str(_med_file(tmp_path, 99)))
    result = run_request(source, stricter)
    changed = result.layer("targets").data.set_index("target")
    assert changed.loc["MED-5", "required_share"] == pytest.approx(0.99)
    assert not bool(changed.loc["MED-5", "met_after"])  # the same sites no longer meet it
    assert any("MED-5（2023，要求 99.0%）" in n.show() for n in result.notes)
    assert result.summary.headers()[0] == "镇（街道）"
    assert sum(int(r[-1]) for r in result.summary.formatted()) == 1  # the one new site


def test_siting_follows_the_targets_imported_into_the_project(sample_project, tmp_path):
    from gisdesk.analysis.targets import import_targets, load_targets
    from gisdesk.core.layer import Layer
    from gisdesk.core.project import Project

    copy = Project(title="copy")
    for name in ("roads", "service_points", "villages"):
        layer = sample_project.layer(name)
        copy.add_layer(Layer(name, layer.data, schema=layer.schema, title=layer.title))
    import_targets(copy, load_targets(_med_file(tmp_path, 95)))
    result = run_request(ProjectSource(copy), SitingRequest(target_share=None, k=1))
    required = result.layer("targets").data.set_index("target")["required_share"]
    assert required["MED-5"] == pytest.approx(0.95)


def test_zone_summary_counts_each_station_by_its_row_not_its_name():
    import geopandas as gpd
    import shapely

    from gisdesk.analysis.zones import station_zones, zone_members
    from gisdesk.tasks.zones import zones_summary

    x, y = 500_000.0, 3_540_000.0
    stations = gpd.GeoDataFrame(
        {"level": ["国控", "省控", "省控"], "code": ["S1", "S2", "S3"], "name": ["甲", None, "甲"]},
        geometry=[shapely.Point(x, y), shapely.Point(x + 20_000, y), shapely.Point(x + 40_000, y)],
        crs=4549,
    )
    ent = gpd.GeoDataFrame(
        {"name": ["a", "b", "c"]},
        geometry=[shapely.Point(x + d, y) for d in (100, 20_100, 20_200)],
        crs=4549,
    )
    summary = zones_summary(
        station_zones(stations), zone_members(stations, {"e": ent}), {"e": "企业"}
    )
    # by name, the unnamed station showed 0 and the second 甲 the first one's member
    assert [row["total"] for row in summary.rows] == [1, 2, 0]
