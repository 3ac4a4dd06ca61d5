"""Analyses run from the window: in a worker, results added as styled layers and a summary."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt

from gisdesk.tasks.service_areas import ServiceAreasRequest
from gisdesk.ui.analysis_dialogs import ServiceAreaDialog, ZonesDialog

SERVICE_AREAS = ServiceAreasRequest()  # the sample's 15-minute e-bike question


def test_dialog_defaults_are_the_plan_defaults(window):
    zones = ZonesDialog(window.project, window).request()
    assert zones.stations == "monitoring_stations"
    assert zones.radius_m == 3000 and zones.levels == ("国控", "省控")
    assert set(zones.targets) == {"enterprises", "rental_factories", "villages"}
    sa = ServiceAreaDialog(window.project, window).request()
    assert (sa.roads, sa.facilities, sa.demand) == ("roads", "service_points", "villages")
    assert sa.minutes == 15 and sa.mode == "ebike"


def test_zones_and_service_areas_from_the_window(window):
    window.analyses.run_analysis(ZonesDialog(window.project, window).request(), wait=True)
    members = window.project.layer("zone_members")
    assert members.style is not None and set(members.data["layer"]) <= {
        "enterprises",
        "rental_factories",
        "villages",
    }
    assert (members.data["distance_m"] <= 3000).all()
    assert window.results.topLevelItem(0).text(0) == "重点区域"
    window.analyses.run_analysis(SERVICE_AREAS, wait=True)
    coverage = window.project.layer("village_coverage").data
    from gisdesk.analysis.service_areas import service_areas

    p = window.project
    direct = service_areas(
        p.layer("roads").data,
        p.layer("service_points").data,
        p.layer("villages").data,
        minutes=15,
        mode="ebike",
    )
    assert int(coverage["within"].sum()) == int(direct.demand["within"].sum())
    assert 0 < int(coverage["within"].sum()) < len(coverage)  # some villages are beyond
    assert window.results.topLevelItem(0).childCount() == 12  # one row per town
    assert window.canvas.wait_for_frame()
    assert window.canvas.last_stats.features["village_coverage"] == len(coverage)


def test_saving_during_an_analysis_waits_for_it(window, tmp_path):
    # Before, a second task cancelled the running one: saving during an analysis lost it.
    window.analyses.run_analysis(SERVICE_AREAS)
    analysis = window.task
    assert analysis is not None and not analysis.done()
    target = tmp_path / "during.gpkg"
    assert window.files.save_to(target, wait=True)
    log = window.log.toPlainText()
    assert "等待“分析”完成后开始" in log
    assert "分析已取消" not in log
    assert window.project.layer("village_coverage") is not None  # the analysis finished
    assert window.task is None and window.indicators.progress.isHidden()
    from gisdesk.io.project_store import open_project

    saved = open_project(target)
    assert "village_coverage" in [layer.name for layer in saved]  # saved after it


def test_a_second_run_replaces_the_first_and_the_dock_speaks_chinese(window):
    from gisdesk.ui.attribute_table import LayerTableModel

    before = len(window.project.layers)
    window.analyses.run_analysis(SERVICE_AREAS, wait=True)
    names = [layer.name for layer in window.project]
    assert len(window.project.layers) == before + 2  # the area and the villages
    window.project.move_layer("service_area", 0)  # the user puts it at the bottom
    window.analyses.run_analysis(ServiceAreasRequest(minutes=20), wait=True)
    assert [layer.name for layer in window.project] != names  # moved, and not stacked:
    assert len(window.project.layers) == before + 2
    assert sorted(layer.name for layer in window.project) == sorted(names)
    assert window.project.layers[0].name == "service_area"  # replaced where it was
    assert window.project.layer("service_area").title == "20分钟服务圈"
    coverage = window.project.layer("village_coverage")
    assert {c.value: c.label_zh for c in coverage.style.classes}["covered"] == "20 分钟内"
    records = window.project.settings["derived_results"]
    assert [r["outputs"] for r in records] == [["service_area", "village_coverage"]]
    assert records[0]["options"]["minutes"] == 20

    head = window.results.topLevelItem(0)
    assert head.text(0) == "服务圈" and "覆盖村数" in head.text(1)
    row = head.child(0)
    cells = {row.child(i).text(0): row.child(i).text(1) for i in range(row.childCount())}
    assert "villages_within" not in cells and "village_share" not in cells
    assert cells["村覆盖率"].endswith("%") and "." not in cells["村数"]
    assert ".0/" not in head.text(1)  # counts are whole: 232/250, not 232.0/250.0
    assert not re.search(r"(?<![\d.])0\.\d+(?![\d%])", head.text(1))  # no 0-1 fractions

    model = LayerTableModel(coverage)
    headers = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    model.close()
    assert "到最近站点时间（分钟）" in headers and "状态" in headers
    assert "minutes" not in headers and "snap_m" not in headers


def test_a_user_layer_with_a_result_name_is_kept(window):
    from gisdesk.core.layer import Layer

    villages = window.project.layer("villages")
    window.project.add_layer(Layer("service_area", villages.data, title="我的图层"))
    window.analyses.run_analysis(SERVICE_AREAS, wait=True)
    assert window.project.layer("service_area").title == "我的图层"
    assert window.project.layer("service_area_2").title == "15分钟服务圈"


def test_a_refreshed_siting_is_judged_by_the_projects_targets(window, qtbot, tmp_path):
    from gisdesk.analysis.targets import default_targets_path, import_targets, load_targets
    from gisdesk.tasks.siting import SitingRequest

    text = default_targets_path().read_text(encoding="utf-8")
    start = text.index('id = "MED-5"')
    at = text.index("threshold = 80", start)
    changed = tmp_path / "targets.toml"
    changed.write_text(text[:at] + "threshold = 99" + text[at + 14 :], encoding="utf-8")
    import_targets(window.project, load_targets(changed))
    window.analyses.run_analysis(SitingRequest(target_share=None, k=1), wait=True)
    assert "MED-5（2023，要求 99.0%）" in window.results.topLevelItem(0).text(1)
    sites = window.project.layer("proposed_sites")
    villages = window.project.layer("villages")
    required = [f.name for f in villages.schema.fields if f.required] if villages.schema else []
    values = {k: villages.data.iloc[0][k] for k in required} | {"name": "新村"}
    window.edits.add_feature("villages", villages.data.geometry.iloc[0], values)
    assert sites.metadata.stale
    qtbot.waitUntil(lambda: not sites.metadata.stale and not window.derived.busy(), timeout=90000)
    assert "MED-5（2023，要求 99.0%）" in window.results.topLevelItem(0).text(1)
