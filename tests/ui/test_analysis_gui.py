"""Analyses run from the window: in a worker, results added as styled layers and a summary."""

from __future__ import annotations

from gisdesk.ui.analysis_dialogs import AnalysisRequest, ServiceAreaDialog, ZonesDialog

SERVICE_AREAS = AnalysisRequest(  # the sample's 15-minute e-bike question
    "service_areas",
    {"roads": "roads", "facilities": "service_points", "demand": "villages"},
    {"minutes": 15, "mode": "ebike", "speed_kmh": None},
)


def test_dialog_defaults_are_the_plan_defaults(window):
    zones = ZonesDialog(window.project, window).request()
    assert zones.layers == {"stations": "monitoring_stations"}
    assert zones.options["radius_m"] == 3000 and zones.options["control_only"]
    assert set(zones.options["targets"]) == {"enterprises", "rental_factories", "villages"}
    sa = ServiceAreaDialog(window.project, window).request()
    assert sa.layers == {"roads": "roads", "facilities": "service_points", "demand": "villages"}
    assert sa.options["minutes"] == 15 and sa.options["mode"] == "ebike"


def test_zones_and_service_areas_from_the_window(window):
    window.run_analysis(ZonesDialog(window.project, window).request(), wait=True)
    members = window.project.layer("zone_members")
    assert members.style is not None and set(members.data["layer"]) <= {
        "enterprises",
        "rental_factories",
        "villages",
    }
    assert (members.data["distance_m"] <= 3000).all()
    assert window.results.topLevelItem(0).text(0) == "重点区域"
    window.run_analysis(SERVICE_AREAS, wait=True)
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
    window.run_analysis(SERVICE_AREAS)
    analysis = window.task
    assert analysis is not None and not analysis.done()
    target = tmp_path / "during.gpkg"
    assert window._save_to(target, wait=True)
    log = window.log.toPlainText()
    assert "等待“分析”完成后开始" in log
    assert "分析已取消" not in log
    assert window.project.layer("village_coverage") is not None  # the analysis finished
    assert window.task is None and window.progress.isHidden()
    from gisdesk.io.project_store import open_project

    saved = open_project(target)
    assert "village_coverage" in [layer.name for layer in saved]  # saved after it
