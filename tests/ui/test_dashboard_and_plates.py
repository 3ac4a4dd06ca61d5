"""The targets dashboard shows the CLI's numbers; the plate designer previews and exports."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import numpy as np
import pytest

AS_OF = dt.date(2022, 12, 31)


def test_dashboard_shows_the_same_numbers_as_the_cli(window, sample_path, tmp_path):
    window.outputs.evaluate_targets(AS_OF, wait=True)
    dash = window.dashboard
    assert dash.evaluation is not None and dash.table.rowCount() > 20
    out = tmp_path / "targets.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gisdesk",
            "targets",
            str(sample_path),
            "--as-of",
            "2022-12-31",
            "--format",
            "json",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    cli = json.loads(out.read_text(encoding="utf-8"))
    rows = cli["rows"]
    cli_status = {(r["target_id"], str(r["unit"])): r["status"] for r in rows}
    gui_status = {
        (r["target_id"], str(r["unit"])): r["status"]
        for r in dash.evaluation.table.to_dict("records")
    }
    assert gui_status == cli_status
    # the cells say what the table says: MED-1 is missed in 正余镇, met in 海门街道
    assert dash.cell_text("MED-1", "正余镇").startswith("×")
    assert dash.cell_text("MED-1", "海门街道").startswith("√")


def test_clicking_a_gap_selects_and_zooms(window):
    window.outputs.evaluate_targets(AS_OF, wait=True)
    ev = window.dashboard.evaluation
    rows = ev.gap_rows("MED-5", "海永镇")
    assert rows and sum(len(r) for r in rows.values()) > 0
    before = window.canvas.viewport.resolution
    window.outputs.show_gap("MED-5", "海永镇")
    layer, positions = next((n, r) for n, r in rows.items() if len(r))
    assert np.array_equal(window.project.layer(layer).selection, np.sort(positions))
    assert window.canvas.viewport.resolution < before  # zoomed in to the gap


def test_record_evaluation_keeps_history_and_exports(window, tmp_path):
    window.outputs.evaluate_targets(AS_OF, wait=True)
    window.modified = False
    window.dashboard.record()
    assert window.modified  # the snapshot lives in the project: unsaved until saved
    assert window.dashboard.history.rowCount() > 0
    window.outputs.evaluate_targets(dt.date(2023, 6, 30), wait=True)
    window.dashboard.record()
    window.dashboard.show_progress("SEW-1", "海门街道")
    chart = window.dashboard.chart
    assert set(chart.series) <= {"全区", "海门街道"} and len(chart.series["全区"]) == 2
    image = chart.grab().toImage()
    assert image.width() > 100  # painted without error
    out = window.dashboard.export(tmp_path / "targets.xlsx")
    import openpyxl

    assert len(openpyxl.load_workbook(out).sheetnames) >= 2


def test_department_filter(window):
    window.outputs.evaluate_targets(AS_OF, wait=True)
    dash = window.dashboard
    all_rows = dash.table.rowCount()
    dash.department.setCurrentIndex(1)
    chosen = dash.department.currentData()
    assert 0 < dash.table.rowCount() < all_rows
    ids = {dash.table.item(r, 0).text() for r in range(dash.table.rowCount())}
    assert all(t.department == chosen for t in dash.evaluation.targets if t.id in ids)


def test_plate_designer_previews_moves_items_and_exports(window, tmp_path):
    from gisdesk.ui.plate_designer import PlateDesigner

    designer = PlateDesigner(window.project, window, start_task=window.start_task)
    designer.title.setText("海门区医保服务站点分布图")
    assert designer.wait_for_preview()
    first = designer.last_image
    assert first is not None and first.width() > 300
    index = designer.item_box.findData("legend")
    assert index >= 0
    designer.item_box.setCurrentIndex(index)
    x_before = designer.template.items["legend"][0]
    designer.item_spins[0].setValue(x_before - 20)
    assert designer.template.items["legend"][0] == pytest.approx(x_before - 20)
    designer.item_spins[0].setValue(5000)  # off the page: refused, the item stays
    assert designer.template.items["legend"][0] == pytest.approx(x_before - 20)
    designer.last_image = None
    assert designer.wait_for_preview()
    pdf = tmp_path / "plate.pdf"
    designer.export(pdf, wait=True)
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    # a user template is kept in the project, survives save/reopen and is offered again
    designer.save_template("我的A3")
    saved = window.project.settings["plate_templates"]["我的A3"]
    assert saved["items"]["legend"][0] == pytest.approx(x_before - 20)
    target = tmp_path / "with_template.gpkg"
    assert window.files.save_to(target, wait=True)
    from gisdesk.io.project_store import open_project

    reopened = open_project(target)
    again = PlateDesigner(reopened, window)
    assert again.template_box.findData("我的A3") >= 0
    again.template_box.setCurrentIndex(again.template_box.findData("我的A3"))
    assert again.template.items["legend"][0] == pytest.approx(x_before - 20)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gisdesk",
            "plate",
            str(target),
            "--template",
            "我的A3",
            "--title",
            "模板测试",
            "--out",
            str(tmp_path / "t.png"),
            "--dpi",
            "150",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    again.close()
    designer.close()


@pytest.mark.slow
def test_atlas_from_the_gui(window, tmp_path):
    from gisdesk.ui.plate_designer import PlateDesigner

    designer = PlateDesigner(window.project, window, start_task=window.start_task)
    designer.title.setText("海门区 15分钟医保服务圈")
    atlas = tmp_path / "atlas.pdf"
    designer.export_atlas(atlas, dpi=150, wait=True)
    result = subprocess.run(["pdfinfo", str(atlas)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.skip("pdfinfo (poppler-utils) is not installed")
    pages = next(
        int(line.split()[-1]) for line in result.stdout.splitlines() if line.startswith("Pages:")
    )
    assert pages == 12
    designer.close()


def test_web_map_from_the_window(window, tmp_path):
    out = tmp_path / "map.html"
    window.project.layer("accidents").set_visible(False)
    window.outputs.export_webmap(out, wait=True)
    html = out.read_text(encoding="utf-8")
    assert "L.map" in html or "leaflet" in html.lower()
    assert "https://cdn" not in html  # offline: assets inlined
    assert "监测站" in html  # station names as popups/labels
