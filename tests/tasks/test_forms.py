"""The dialogs and the command line are two forms for one Request: same request, same result.

The dialogs are built on the sample project (offscreen, no window); the command line's
request is built by its own parser and layer source from the sample file.
"""

from __future__ import annotations

import pytest

from gisdesk.cli.analyze import REQUESTS, _Source
from gisdesk.cli.main import _parser
from gisdesk.tasks import ProjectSource, run_request
from gisdesk.ui.analysis_dialogs import ServiceAreaDialog, SitingDialog, ZonesDialog


def _cli(sample_path, *argv):
    args = _parser().parse_args(
        ["analyze", argv[0], str(sample_path), "--out", "x.gpkg", *argv[1:]]
    )
    source = _Source(sample_path)
    return REQUESTS[args.analyze_command](args, source), source


def _same(a, b):
    assert [layer.file_name for layer in a.layers] == [layer.file_name for layer in b.layers]
    for one, other in zip(a.layers, b.layers, strict=True):
        assert len(one.data) == len(other.data), one.file_name
        assert list(one.data.columns) == list(other.data.columns), one.file_name
        assert one.labels() == other.labels(), one.file_name
        assert one.title_zh == other.title_zh
    assert a.summary.headers() == b.summary.headers()
    assert a.summary.formatted() == b.summary.formatted()
    assert [f.show() for f in a.district] == [f.show() for f in b.district]
    assert [n.show() for n in a.notes] == [n.show() for n in b.notes]


def _set_mode(dialog, key):
    dialog.mode.setCurrentIndex(dialog.mode.findData(key))


CASES = [
    ("zones", ZonesDialog, lambda d: None, ()),
    ("zones", ZonesDialog, lambda d: d.radius.setValue(2000), ("--radius", "2000")),
    ("service-areas", ServiceAreaDialog, lambda d: None, ()),
    (
        "service-areas",
        ServiceAreaDialog,
        lambda d: (d.minutes.setValue(20), _set_mode(d, "bike"), d.speed.setValue(14)),
        ("--minutes", "20", "--mode", "bike", "--speed-kmh", "14"),
    ),
    ("siting", SitingDialog, lambda d: None, ()),
    ("siting", SitingDialog, lambda d: d.k.setValue(2), ("--k", "2")),
]


@pytest.mark.parametrize(("action", "dialog_type", "change", "argv"), CASES)
def test_the_dialog_and_the_cli_make_the_same_request_and_result(
    sample_project, sample_path, action, dialog_type, change, argv
):
    dialog = dialog_type(sample_project)
    try:
        change(dialog)
        from_dialog = dialog.request()
    finally:
        dialog.deleteLater()
    from_cli, cli_source = _cli(sample_path, action, *argv)
    assert from_dialog == from_cli
    in_window = run_request(ProjectSource(sample_project), from_dialog)
    on_cli = run_request(cli_source, from_cli)
    _same(in_window, on_cli)
    assert in_window.request == on_cli.request


def test_the_minutes_chosen_name_the_legend_in_the_window(sample_project):
    from gisdesk.ui.analysis_dialogs import run_analysis

    dialog = ServiceAreaDialog(sample_project)
    dialog.minutes.setValue(25)
    result = run_analysis(sample_project, dialog.request())
    dialog.deleteLater()
    coverage = next(layer for layer in result.layers if layer.name == "village_coverage")
    labels = {c.value: c.label_zh for c in coverage.style.classes}
    assert labels["covered"] == "25 分钟内"
    area = next(layer for layer in result.layers if layer.name == "service_area")
    assert area.title == "25分钟服务圈"
    assert coverage.metadata.field_label("minutes") == "到最近站点时间（分钟）"
    assert coverage.metadata.field_label("minutes", "en") == "Time to nearest point (min)"
    assert "源图层：roads、service_points、villages" in coverage.metadata.source_zh


def test_result_labels_and_titles_survive_saving(sample_project, tmp_path):
    from gisdesk.core.project import Project
    from gisdesk.io.project_store import open_project, save_project
    from gisdesk.tasks.zones import ZonesRequest
    from gisdesk.ui.analysis_dialogs import place_layers, run_analysis

    result = run_analysis(sample_project, ZonesRequest(targets=("villages",)))
    project = Project(title="results")
    assert place_layers(project, result.layers, set()) == ["key_zones", "zone_members"]
    save_project(project, tmp_path / "r.gpkg")
    members = open_project(tmp_path / "r.gpkg").layer("zone_members")
    assert members.title == "重点区域内要素"
    assert members.metadata.field_label("distance_m") == "到站点距离（米）"
    assert members.metadata.field_label("distance_m", "en") == "Distance to the station (m)"
    assert members.metadata.field_label("nope") is None
