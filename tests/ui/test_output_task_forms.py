"""Targets, plates and the web map: the window's forms and the command line build one Request.

Each test builds the Request from the widgets and from argparse, requires them equal, runs
the command line (``main``) and the window (its worker), and compares what came out: the
same table, the same files and plan (layers, extent, title), not pixels.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QDate, Qt

from gisdesk.cli.main import _parser, main
from gisdesk.cli.plate import plate_request
from gisdesk.cli.targets import targets_request
from gisdesk.cli.webmap import webmap_request
from gisdesk.tasks import ProjectSource, run_request
from gisdesk.tasks.plates import plan_plates


def _args(*argv):
    return _parser().parse_args([str(a) for a in argv])


def test_targets_from_the_cli_and_the_dashboard(window, sample_path, tmp_path):
    dash = window.dashboard
    dash.as_of.setDate(QDate(2022, 12, 31))
    argv = ["targets", sample_path, "--as-of", "2022-12-31", "--format", "json"]
    assert dash.request() == targets_request(_args(*argv))
    window.outputs.evaluate_targets(dash.request(), wait=True)  # what the 评估 button asks for
    shown = dash.result
    assert shown is not None and shown.request == dash.request()
    out = tmp_path / "t.json"
    assert main([str(a) for a in argv] + ["--out", str(out)]) == 0
    cli_rows = json.loads(out.read_text(encoding="utf-8"))["rows"]
    assert cli_rows == shown.extras["evaluation"].to_dict()["rows"]  # the same table
    cli = run_request(ProjectSource(window.project), targets_request(_args(*argv)))
    assert cli.summary.headers() == shown.summary.headers()
    assert cli.summary.formatted() == shown.summary.formatted()
    assert dash.cell_text("MED-1", "正余镇").startswith("×")


def _check_only(designer, names):
    for i in range(designer.layers.count()):
        item = designer.layers.item(i)
        wanted = item.data(Qt.ItemDataRole.UserRole) in names
        item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)


def test_a_plate_from_the_cli_and_the_designer(window, sample_path, tmp_path):
    from gisdesk.ui.plate_designer import PlateDesigner

    designer = PlateDesigner(window.project, window, start_task=window.start_task)
    designer.title.setText("海门区医保服务站点")
    _check_only(designer, {"towns", "service_points"})
    designer.scale.setValue(250_000)
    gui_out, cli_out = tmp_path / "gui" / "plate.png", tmp_path / "cli" / "plate.png"
    gui_out.parent.mkdir()
    cli_out.parent.mkdir()
    argv = [
        "plate",
        sample_path,
        "--out",
        cli_out,
        "--title",
        "海门区医保服务站点",
        "--layers",
        "towns,service_points",
        "--organisation",
        "海门区",
        "--scale",
        "250000",
        "--dpi",
        "50",
    ]
    cli_request = plate_request(_args(*argv))
    assert designer.request(gui_out, dpi=50) == replace(cli_request, out=str(gui_out))
    designer.export(gui_out, dpi=50, wait=True)
    result = designer.result
    assert result is not None and result.details["files"] == [str(gui_out)]
    assert main([str(a) for a in argv]) == 0
    assert sorted(p.name for p in cli_out.parent.iterdir()) == ["plate.png"]
    assert sorted(p.name for p in gui_out.parent.iterdir()) == ["plate.png"]
    gui_plan = result.extras["plan"]
    cli_plan = plan_plates(ProjectSource(window.project), cli_request)
    assert replace(gui_plan, out=cli_plan.out) == cli_plan  # layers, extent, title...
    assert gui_plan.options["layers"] == ("towns", "service_points")
    assert gui_plan.options["title"] == "海门区医保服务站点" and gui_plan.coverage is None
    assert result.details["scale"] == "1:250 000"
    designer.close()


def test_a_web_map_from_the_cli_and_the_window(window, sample_path, tmp_path, capsys):
    for layer in window.project:
        layer.set_visible(layer.name in ("towns", "monitoring_stations", "service_points"))
    gui_out, cli_out = tmp_path / "gui.html", tmp_path / "cli.html"
    window.outputs.export_webmap(gui_out, wait=True)
    result = window.outputs.webmap_result
    visible = ",".join(layer.name for layer in window.project if layer.visible)
    argv = ["webmap", sample_path, "--out", cli_out, "--layers", visible]
    argv += ["--title", window.project.title]
    cli_request = webmap_request(_args(*argv))
    assert result.request == replace(cli_request, out=str(gui_out))
    capsys.readouterr()
    assert main([str(a) for a in argv]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == result.notes[0].show("zh").replace(str(gui_out), str(cli_out))
    assert set(result.details["layers"]) == {"towns", "monitoring_stations", "service_points"}
    assert Path(result.details["files"][0]) == gui_out and cli_out.is_file()
    assert result.summary.formatted()[0][0] in result.details["layers"]
