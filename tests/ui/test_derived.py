"""Derived results follow their sources: stale marks, background refresh, on-request mode.

Each refreshed layer is compared with the analysis run directly (independently of the
window) on the edited data.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import shapely
from PySide6.QtWidgets import QMessageBox

from gisdesk.analysis.zones import station_zones, zone_members
from gisdesk.tasks import derived as derived_module
from gisdesk.tasks.derived import SETTINGS_KEY
from gisdesk.tasks.service_areas import ServiceAreasRequest
from gisdesk.ui.analysis_dialogs import ZonesDialog
from gisdesk.ui.derived import AUTO_SETTING
from gisdesk.ui.i18n import settings
from gisdesk.ui.layer_tree import ROLE_LAYER

TARGETS = ("enterprises", "rental_factories", "villages")
STATION = {"code": "HM-S09", "name": "新建省控站", "level": "省控", "town": "常乐镇"}


@pytest.fixture
def win(window, monkeypatch):
    warnings: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda _parent, _title, text, *a, **k: warnings.append(text)
    )
    window.warnings = warnings
    return window


def _tree_text(window, name: str) -> str:
    window.layer_tree.rebuild()
    for item in window.layer_tree.layer_items():
        if item.data(0, ROLE_LAYER) == name:
            return item.text(0)
    raise AssertionError(name)


def _expected_zones(window):
    p = window.project
    stations = p.layer("monitoring_stations").data
    targets = {n: p.layer(n).data for n in TARGETS}
    return station_zones(stations, radius_m=3000.0), zone_members(
        stations, targets, radius_m=3000.0
    )


def _check_zones(window) -> None:
    zones, members = _expected_zones(window)
    got_z = window.project.layer("key_zones").data
    got_m = window.project.layer("zone_members").data
    assert list(got_z["code"]) == list(zones["code"])
    assert list(got_z["feature"]) == list(zones["feature"])
    assert got_z.geometry.geom_equals_exact(zones.geometry, 1e-9).all()
    cols = ["station", "station_code", "layer", "row", "name"]
    pd.testing.assert_frame_equal(
        pd.DataFrame(got_m[cols]).reset_index(drop=True),
        pd.DataFrame(members[cols]).reset_index(drop=True),
        check_dtype=False,
    )
    assert np.allclose(got_m["distance_m"], members["distance_m"])


def _run_zones(window) -> None:
    window.analyses.run_analysis(ZonesDialog(window.project, window).request(), wait=True)
    assert "key_zones" in window.project and "zone_members" in window.project


def test_station_placement_updates_its_zone_and_members_at_once(win, qtbot, monkeypatch):
    window = win
    _run_zones(window)
    record = window.project.settings[SETTINGS_KEY][-1]
    assert record["kind"] == "zones"
    assert record["sources"][0] == "monitoring_stations"
    assert set(record["sources"][1:]) == set(TARGETS)
    assert record["outputs"] == ["key_zones", "zone_members"]
    zones_layer = window.project.layer("key_zones")
    assert "monitoring_stations" in zones_layer.metadata.source_zh
    before = len(window.project.layer("zone_members"))
    computed: list[object] = []
    real = derived_module.station_parts

    def spy(*args, **kwargs):
        computed.append(kwargs.get("only"))
        return real(*args, **kwargs)

    monkeypatch.setattr(derived_module, "station_parts", spy)

    # a new provincial station among the enterprises of 常乐镇
    ent = window.project.layer("enterprises").data.geometry
    centre = ent.iloc[int(np.argmin(np.abs(ent.x - 121.26) + np.abs(ent.y - 31.93)))]
    fid = window.edits.add_feature(
        "monitoring_stations", shapely.Point(centre.x + 0.001, centre.y), dict(STATION)
    )
    assert fid is not None
    assert zones_layer.metadata.stale  # marked at once, refreshed in the background
    assert _tree_text(window, "key_zones").endswith("（待更新）")
    qtbot.waitUntil(lambda: not zones_layer.metadata.stale, timeout=20000)
    assert "（待更新）" not in _tree_text(window, "key_zones")
    _check_zones(window)
    assert len(zones_layer) == 5
    members = window.project.layer("zone_members").data
    new = members[members["station_code"] == "HM-S09"]
    assert len(new) > 0 and len(members) == before + len(new)
    # the member counts are shown in the results dock, the status bar and the log
    head = window.results.topLevelItem(0)
    assert head.text(0) == "重点区域（已更新）"
    assert "新建省控站" in {head.child(i).text(0) for i in range(head.childCount())}
    # (the status bar line is soon replaced by the map's drawing note; the log keeps it)
    assert f"重点区域已更新：5 个站点，区内要素 {len(members)} 个" in window.log.toPlainText()

    # moving the station recomputes that station only
    computed.clear()
    window.edits.update_feature(
        "monitoring_stations", fid, {"geometry": shapely.Point(centre.x + 0.02, centre.y)}
    )
    qtbot.waitUntil(lambda: not zones_layer.metadata.stale, timeout=20000)
    assert computed == [{fid}]
    _check_zones(window)
    # deleting it, and undoing the delete
    window.edits.delete_features("monitoring_stations", [fid])
    qtbot.waitUntil(lambda: not zones_layer.metadata.stale, timeout=20000)
    _check_zones(window)
    assert len(zones_layer) == 4 and len(window.project.layer("zone_members")) == before
    window.undo.undo()
    qtbot.waitUntil(lambda: not zones_layer.metadata.stale, timeout=20000)
    _check_zones(window)
    assert len(zones_layer) == 5
    assert not window.warnings


def test_on_request_mode_waits_for_the_command(win, qtbot):
    window = win
    window.registry["derived_auto"].trigger()  # 设置 → 派生结果自动更新: off
    assert not window.derived.auto
    assert settings().value(AUTO_SETTING) == "false"
    _run_zones(window)
    zones_layer = window.project.layer("key_zones")
    old = zones_layer.data
    window.edits.add_feature(
        "monitoring_stations", shapely.Point(121.30, 31.98), {**STATION, "level": "国控"}
    )
    assert zones_layer.metadata.stale
    qtbot.waitUntil(lambda: "待更新" in window.statusBar().currentMessage(), timeout=2000)
    assert "已保存" in window.statusBar().currentMessage()  # after the edit's own message
    qtbot.wait(600)  # nothing happens by itself
    assert zones_layer.metadata.stale and zones_layer.data is old
    assert not window.derived.busy()
    # a stale layer keeps the mark in the saved metadata
    assert zones_layer.metadata.to_dict()["stale"] is True
    window.registry["refresh_derived"].trigger()
    qtbot.waitUntil(lambda: not zones_layer.metadata.stale, timeout=20000)
    assert "stale" not in zones_layer.metadata.to_dict()
    _check_zones(window)
    assert len(zones_layer) == 5
    # switching back on refreshes what is stale at once
    window.edits.add_feature(
        "monitoring_stations", shapely.Point(121.40, 31.90), {**STATION, "code": "HM-S10"}
    )
    assert zones_layer.metadata.stale
    window.registry["derived_auto"].trigger()
    assert window.derived.auto
    qtbot.waitUntil(lambda: not zones_layer.metadata.stale, timeout=20000)
    _check_zones(window)
    assert len(zones_layer) == 6


def test_service_areas_refresh_in_the_background_without_blocking_edits(win, qtbot):
    from gisdesk.analysis.service_areas import service_areas

    window = win
    request = ServiceAreasRequest()
    window.analyses.run_analysis(request, wait=True)
    assert "village_coverage" in window.project, window.log.toPlainText()
    coverage = window.project.layer("village_coverage")
    area = window.project.layer("service_area")
    far = coverage.data[coverage.data["status"] != "covered"]
    assert len(far) >= 2
    values = {"name": "新增服务点", "town": str(far["town"].iloc[0])}
    layer = window.project.layer("service_points")
    required = [f.name for f in layer.schema.fields if f.required] if layer.schema else []
    sample = layer.data.iloc[0]
    values |= {k: sample[k] for k in required if k not in values}
    first = window.edits.add_feature("service_points", far.geometry.iloc[0], values)
    assert first is not None and coverage.metadata.stale and area.metadata.stale
    qtbot.waitUntil(lambda: bool(window.derived._running), timeout=5000)  # a refresh runs
    # a second edit while the first refresh runs is accepted at once
    second = window.edits.add_feature("service_points", far.geometry.iloc[-1], values)
    assert second is not None
    assert coverage.metadata.stale
    qtbot.waitUntil(
        lambda: not coverage.metadata.stale and not window.derived.busy(), timeout=90000
    )
    p = window.project
    direct = service_areas(
        p.layer("roads").data,
        p.layer("service_points").data,
        p.layer("villages").data,
        minutes=15,
        mode="ebike",
    )
    assert list(coverage.data["status"]) == list(direct.demand["status"])
    # both new points count: the first refresh, outdated by the second edit, was redone
    status = coverage.data["status"].to_numpy()
    assert status[far.index[0]] == "covered" and status[far.index[-1]] == "covered"
    assert not area.metadata.stale
    assert not window.warnings


def test_target_statuses_are_reevaluated_after_an_edit(win, qtbot):
    from gisdesk.analysis.targets import evaluate_targets

    window = win
    as_of = dt.date(2022, 12, 31)
    window.outputs.evaluate_targets(as_of, wait=True)
    old = window.dashboard.evaluation
    assert old is not None
    assert "monitoring_stations" in old.layers.values()
    window.edits.add_feature(
        "monitoring_stations", shapely.Point(121.30, 31.98), {**STATION, "level": "国控"}
    )
    assert window.derived.targets_stale
    assert window.dashboard.summary.text().endswith("（待更新）")
    qtbot.waitUntil(lambda: window.dashboard.evaluation is not old, timeout=60000)
    assert not window.derived.targets_stale
    direct = evaluate_targets(window.project, as_of=as_of)
    pd.testing.assert_frame_equal(
        window.dashboard.evaluation.table.reset_index(drop=True),
        direct.table.reset_index(drop=True),
    )
    assert "待更新" not in window.dashboard.summary.text()


def test_a_refresh_keeps_station_radii_and_the_clip_of_the_run(win, qtbot):
    from dataclasses import replace

    from gisdesk.tasks import ProjectSource, run_request

    window = win
    request = replace(
        ZonesDialog(window.project, window).request(),
        radius_m=None,
        radius_field="zone_radius_m",
        clip="towns",
    )
    stations = window.project.layer("monitoring_stations")
    fid = int(stations.fids[2])
    window.edits.update_feature("monitoring_stations", fid, {"zone_radius_m": 1500.0})
    window.analyses.run_analysis(request, wait=True)
    zones_layer = window.project.layer("key_zones")
    point = stations.data.geometry.iloc[2]
    window.edits.update_feature(
        "monitoring_stations", fid, {"geometry": shapely.Point(point.x + 0.03, point.y + 0.03)}
    )
    assert zones_layer.metadata.stale
    qtbot.waitUntil(lambda: not zones_layer.metadata.stale, timeout=20000)
    full = run_request(ProjectSource(window.project), request)
    for got, expected in zip(("key_zones", "zone_members"), full.layers[:2], strict=True):
        data = window.project.layer(got).data
        assert len(data) == len(expected.data)
        assert data.geometry.geom_equals_exact(expected.data.geometry, 1e-9).all()
    members = window.project.layer("zone_members").data
    own = members[members["station_code"] == stations.data["code"].iloc[2]]
    assert 0 < own["distance_m"].max() <= 1500.0
    assert not window.warnings


def test_a_hand_edited_record_is_reported_in_the_log_and_nothing_is_lost(win, qtbot):
    window = win
    _run_zones(window)
    record = window.project.settings[SETTINGS_KEY][-1]
    record["options"]["radius_m"] = "三公里"  # as a hand-edited project file may say
    zones_layer = window.project.layer("key_zones")
    before = zones_layer.data.copy()
    stations = window.project.layer("monitoring_stations")
    point = stations.data.geometry.iloc[0]
    window.edits.update_feature(
        "monitoring_stations",
        int(stations.fids[0]),
        {"geometry": shapely.Point(point.x + 0.01, point.y)},
    )
    qtbot.waitUntil(lambda: "派生结果更新失败" in window.log.toPlainText(), timeout=20000)
    assert "radius_m" in window.log.toPlainText() and "三公里" in window.log.toPlainText()
    assert zones_layer.metadata.stale  # still marked out of date, its last result kept
    assert zones_layer.data.geometry.geom_equals_exact(before.geometry, 0).all()
    assert not window.warnings
