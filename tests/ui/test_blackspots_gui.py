"""Black spots in the window: import wizard, screening, listing, status changes, history."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDialog

from gisdesk.analysis.blackspots.lifecycle import before_after_counts
from gisdesk.analysis.blackspots.referencing import place_stakes, road_measures
from gisdesk.analysis.blackspots.screening import SeverityWeights, screen_accidents
from gisdesk.core import offsets
from gisdesk.io.project_store import open_project
from gisdesk.ui.blackspots_lifecycle import SEGMENTS, StatusDialog, change_status
from gisdesk.ui.blackspots_screening import CANDIDATES_LAYER, ScreeningDialog

# screenshots for a look at the dialogs: set GISDESK_SHOTS to keep them
SHOTS = Path(os.environ.get("GISDESK_SHOTS", tempfile.mkdtemp(prefix="gisdesk-shots-")))
CLUSTER = [f"K5+{100 + 10 * i:03d}" for i in range(14)]  # S223, not listed in the sample


def _police_table(roads: gpd.GeoDataFrame, folder: Path) -> Path:
    """Police records: a stake cluster on S223, GCJ-02 points on X205 and four bad rows."""
    measures = road_measures(roads)
    pts, _piece = place_stakes(
        measures, np.array(["X205"] * 4, dtype=object), np.array([10.0, 10.02, 10.04, 10.06])
    )
    lonlat = gpd.GeoSeries(pts, crs=measures.crs).to_crs(4490)
    g_lon, g_lat = offsets.wgs84_to_gcj02(lonlat.x.to_numpy(), lonlat.y.to_numpy())
    n = len(CLUSTER)
    rows = {
        "事故编号": [f"A{i:03d}" for i in range(n + 8)],
        "发生时间": [f"2022-0{1 + i % 9}-1{i % 9} 0{i % 10}:30" for i in range(n)]
        + ["2022-04-02 10:00"] * 4
        + ["2022-13-45 10:00", "2022-05-05", "2022-05-06", "2022-05-07"],
        "死亡人数": [1 if i < 2 else 0 for i in range(n)] + [0] * 8,
        "受伤人数": [1] * n + [0] * 8,
        "事故形态": ["追尾"] * (n + 8),
        "道路名称": ["S223"] * n + [None] * 4 + ["S223", "Z999", None, "S223"],
        "桩号": CLUSTER + [None] * 4 + ["K5+150", "K1+000", None, "K99+000"],
        "经度": [None] * n + list(g_lon) + [None] * 4,
        "纬度": [None] * n + list(g_lat) + [None] * 4,
    }
    path = folder / "police.xlsx"
    pd.DataFrame(rows).to_excel(path, index=False)
    return path


def _settings_in_file(path: Path) -> dict:
    con = sqlite3.connect(path)
    try:
        row = con.execute("SELECT value FROM gisdesk_project WHERE key='settings'").fetchone()
    finally:
        con.close()
    return json.loads(row[0])


def _column(model, header: str) -> list[str]:
    col = model.headers.index(header)
    return [model.data(model.index(r, col)) for r in range(model.rowCount())]


@pytest.fixture
def imported(window, tmp_path):
    """The police table brought in through the wizard (its pages driven as a user would)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = _police_table(window.project.layer("roads").data, tmp_path)
    controller = window.blackspots
    wizard = controller.open_import_wizard(path)
    wizard.show()
    page = wizard.file_page
    page.system.setCurrentIndex(page.system.findData("GCJ02"))
    assert page.roads.currentData() == "roads"
    wizard.grab().save(str(SHOTS / "wizard_1_file.png"))
    wizard.next()
    assert wizard.currentPage() is wizard.columns_page
    combos = wizard.columns_page.combos
    found = {k: c.currentData() for k, c in combos.items() if c.currentData()}
    assert found == {
        "case_no": "事故编号",
        "datetime": "发生时间",
        "deaths": "死亡人数",
        "injuries": "受伤人数",
        "type": "事故形态",
        "road": "道路名称",
        "stake_km": "桩号",
        "lon": "经度",
        "lat": "纬度",
    }
    wizard.grab().save(str(SHOTS / "wizard_2_columns.png"))
    wizard.next()
    assert wizard.currentPage() is wizard.result_page
    wizard.grab().save(str(SHOTS / "wizard_3_result.png"))
    yield window, wizard
    wizard.close()
    wizard.deleteLater()


def test_wizard_places_records_and_lists_bad_rows(imported):
    window, wizard = imported
    counts = wizard.counts()
    assert counts["rows"] == 22
    assert counts["stake"] == 15 and counts["coordinates"] == 4
    assert counts["unmatched"] == 3  # unknown road, no location, stake beyond the road
    assert sorted(wizard.unplaced_rows()) == [21, 22, 23]  # header = row 1
    issues = wizard.result_page.issues_model.frame
    by_row = dict(zip(issues["row"], issues["issue"], strict=True))
    assert "日期" in by_row[20]  # 2022-13-45 (placed by its stake, but not valid)
    assert "Z999" in by_row[21] and "没有位置" in by_row[22] and "超出" in by_row[23]
    # rows that could not be placed are highlighted, the others not
    colours = wizard.result_page.issues_model.row_colours
    highlighted = {int(issues["row"].iloc[i]) for i in colours}
    assert highlighted == {21, 22, 23}
    assert "未能定位 3 条" in wizard.result_page.summary.text()
    assert "GCJ-02" in wizard.result_page.summary.text()
    # GCJ-02 input lands on X205 where the WGS84 truth is
    located = wizard.located
    x205 = located[located["located_by"] == "coordinates"]
    assert (x205["match_road"] == "X205").all() and (x205["match_distance_m"] < 1.0).all()
    n = len(window.project)
    wizard.result_page.name.setText("police_2022")
    wizard.accept()
    assert wizard.result() == QDialog.DialogCode.Accepted
    layer = window.blackspots.add_imported(wizard)
    assert layer is not None and len(window.project) == n + 1
    assert len(layer) == 22  # nothing dropped
    assert layer.schema is not None and layer.schema.id == "accidents"
    assert int(layer.data.geometry.isna().sum()) == 3
    assert any("GCJ-02" in c for c in layer.metadata.conversions)
    assert "第 20 行" in window.log.toPlainText()


def test_wizard_refuses_a_table_without_location(window, tmp_path):
    path = tmp_path / "noloc.csv"
    path.write_text("日期,死亡人数,受伤人数\n2022-01-01,0,1\n", encoding="utf-8")
    wizard = window.blackspots.open_import_wizard(path)
    wizard.show()
    wizard.next()
    wizard.next()  # refused: the page shows why and stays
    assert wizard.currentPage() is wizard.columns_page
    assert "位置" in wizard.columns_page.error.text()
    wizard.close()


def _screen(window, layer_name: str):
    dialog = ScreeningDialog(window.project, window)
    dialog.accidents.setCurrentIndex(dialog.accidents.findData(layer_name))
    assert dialog.window_m.value() == 500 and dialog.step_m.value() == 100
    dialog.resize(560, 640)
    dialog.grab().save(str(SHOTS / "screening_dialog.png"))
    request = dialog.request()
    dialog.deleteLater()
    window.blackspots.run_screening(request, wait=True)
    return request


def _check_screening(window, layer):
    """Screening in the worker gives the engine's own candidates, in the table and map."""
    controller = window.blackspots
    _screen(window, layer.name)
    p = window.project
    engine = screen_accidents(
        p.layer(layer.name).data,
        p.layer("roads").data,
        window_m=500,
        step_m=100,
        weights=SeverityWeights(10, 3, 1),
        towns=p.layer("towns").data,
    )
    panel = controller.candidates_panel
    assert controller.candidates_dock.isVisible()
    assert _column(panel.model, "路段") == list(engine.candidates["name"])
    assert [int(v) for v in _column(panel.model, "事故数")] == list(engine.candidates["count"])
    top = engine.candidates.iloc[0]
    assert top["road"] == "S223" and top["count"] == 14  # the planted cluster, ranked first
    # (row 20 lies in the cluster too, but its impossible date keeps it out)
    assert p.layer(CANDIDATES_LAYER).data["name"].tolist() == list(engine.candidates["name"])
    controller.zoom_to_candidate(0)
    assert p.layer(CANDIDATES_LAYER).selection.tolist() == [0]
    assert window.canvas.wait_for_frame()
    assert window.canvas.last_stats.features[CANDIDATES_LAYER] >= 1
    window.grab().save(str(SHOTS / "window_candidates.png"))
    panel.resize(900, 300)
    panel.grab().save(str(SHOTS / "candidates_panel.png"))
    return top


def _list_top(window, top, monkeypatch):
    """List the top candidate through the attribute form; the file has it at once."""
    from gisdesk.ui.feature_form import FeatureForm

    controller, panel, p = window.blackspots, window.blackspots.candidates_panel, window.project

    shown: dict = {}

    def fill(form: FeatureForm) -> QDialog.DialogCode:
        shown.update(form.values())
        form.set_values(
            {
                "hazard": "弯道视距不良",
                "responsible_unit": "区公路事业发展中心",
                "listed_level": "市级",
                "listed_date": dt.datetime(2022, 12, 1),
            }
        )
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(FeatureForm, "exec", fill)
    panel.select_row(0)
    n_segments = len(p.layer(SEGMENTS))
    fid = controller.list_row(panel.current_row())
    assert fid is not None
    assert shown["segment_id"] == "HM-SG-11" and shown["status"] == "排查"
    assert shown["road"] == "S223" and shown["town"] == top["town"]
    segments = p.layer(SEGMENTS)
    assert len(segments) == n_segments + 1
    assert panel.listed[0] == "HM-SG-11"
    assert not panel.list_button.isEnabled()  # already listed

    # the edit went into the project file (a working copy of the sample) at once
    store_path = window.edits.store.path
    on_disk = pyogrio.read_dataframe(store_path, layer=SEGMENTS)
    new = on_disk[on_disk["segment_id"] == "HM-SG-11"].iloc[0]
    assert new["status"] == "排查" and new["listed_level"] == "市级"
    assert new["hazard"] == "弯道视距不良" and new["road"] == "S223"
    assert new.geometry.length > 0
    assert _settings_in_file(store_path)["blackspots"]["listed_from"]["HM-SG-11"]["count"] == 14
    return fid


def _change_statuses(window, fid):
    """One step on with date and notes; refused steps change nothing."""
    store_path = window.edits.store.path
    dialog = StatusDialog(window, fid)
    assert dialog.target.currentData() == "会商"
    dialog.date.setDate(QDate(2023, 1, 10))
    dialog.fields["measures"].setText("增设减速带和警示标志")  # 会商 asks for the measures
    dialog.notes.setPlainText("联合会商：增设减速带和警示标志")
    dialog.grab().save(str(SHOTS / "status_dialog.png"))
    dialog.accept()
    assert dialog.transaction is not None and dialog.result() == QDialog.DialogCode.Accepted
    back = StatusDialog(window, fid)
    back.target.setCurrentIndex(back.target.findData("排查"))
    back.accept()  # going back needs a reason
    assert back.transaction is None and "原因" in back.error.text()
    assert change_status(window, fid, "整改", dt.date(2023, 1, 1)) is None  # before 会商
    assert change_status(window, fid, "验收", dt.date(2023, 3, 1)) is None  # skips 整改
    txn = change_status(window, fid, "整改", dt.date(2023, 2, 20), "护栏已安装")
    assert txn is not None

    on_disk = pyogrio.read_dataframe(store_path, layer=SEGMENTS)
    row = on_disk[on_disk["segment_id"] == "HM-SG-11"].iloc[0]
    assert row["status"] == "整改"
    assert pd.Timestamp(row["reviewed_date"]).date() == dt.date(2023, 1, 10)
    assert pd.Timestamp(row["rectified_date"]).date() == dt.date(2023, 2, 20)
    notes = _settings_in_file(store_path)["blackspots"]["notes"]
    assert {n["reason"] for n in notes.values()} == {"联合会商：增设减速带和警示标志", "护栏已安装"}


def _check_history(window, fid, layer):
    """The segment file: steps, journal with notes, before/after counts, undo."""
    controller, p = window.blackspots, window.project
    segments, store_path = p.layer(SEGMENTS), window.edits.store.path
    history = controller.history_panel
    assert controller.history_dock.isVisible() and history.current_fid() == fid
    steps = [label.text() for label in history.steps]
    assert steps[:3] == ["排查\n2022-12-01", "会商\n2023-01-10", "整改\n2023-02-20"]
    assert steps[3] == "验收\n—"
    frame = history.model.frame
    status_rows = frame[frame["field"] == "整治状态"]
    assert list(status_rows["after"]) == ["排查", "会商", "整改"]
    assert list(status_rows["before"]) == ["", "排查", "会商"]
    assert {"联合会商：增设减速带和警示标志", "护栏已安装"} <= set(status_rows["notes"])
    assert set(frame.loc[frame["field"] == "会商日期", "after"]) == {"2023-01-10"}
    expected = before_after_counts(
        segments.data.iloc[[segments.row_of(fid)]], p.layer(layer.name).data
    ).iloc[0]
    text = history.counts.text()
    assert f"挂牌前一年（{expected['before_from']:%Y-%m-%d}" in text
    assert f"{expected['before']} 起" in text
    # the screened records end before the rectification: no after period yet
    assert f"整改完成于 2023-02-20，事故数据截至 {expected['after_to']:%Y-%m-%d}" in text
    assert "依据" in history.info.text() and "C001" in history.info.text()
    history.resize(900, 520)
    history.grab().save(str(SHOTS / "history_panel.png"))

    # --- undo reverts the last step in the file; the history keeps it -------------------
    window.undo.undo()
    row = pyogrio.read_dataframe(store_path, layer=SEGMENTS).query("segment_id == 'HM-SG-11'")
    assert row["status"].iloc[0] == "会商"
    assert any("撤销" in a for a in history.model.frame["action"])
    window.undo.redo()


def _check_reopen(window, layer, tmp_path):
    """Save as and reopen: journal, notes and listing basis all come back."""
    controller, history = window.blackspots, window.blackspots.history_panel
    target = tmp_path / "haimen_work.gpkg"
    assert window.files.save_to(target, wait=True)
    reopened = open_project(target)
    kept = reopened.settings["blackspots"]
    assert {n["reason"] for n in kept["notes"].values()} == {
        "联合会商：增设减速带和警示标志",
        "护栏已安装",
    }
    assert kept["listed_from"]["HM-SG-11"]["candidate_id"] == "C001"
    assert kept["screening"]["accidents"] == layer.name
    window.open_path(target, wait=True)
    layer_after = window.project.layer(SEGMENTS)
    fid_after = layer_after.fid_at(
        int(np.flatnonzero(layer_after.data["segment_id"] == "HM-SG-11")[0])
    )
    controller.show_history(fid_after)
    frame = history.model.frame
    assert list(frame.loc[frame["field"] == "整治状态", "after"])[-3:] == ["整改", "会商", "整改"]
    assert "护栏已安装" in set(frame["notes"])
    assert "C001" in history.info.text()


def test_screen_list_and_follow_a_segment(imported, tmp_path, monkeypatch):
    window, wizard = imported
    wizard.result_page.name.setText("police_2022")
    wizard.accept()
    layer = window.blackspots.add_imported(wizard)
    top = _check_screening(window, layer)
    fid = _list_top(window, top, monkeypatch)
    _change_statuses(window, fid)
    _check_history(window, fid, layer)
    _check_reopen(window, layer, tmp_path)


def test_before_after_counts_by_hand():
    line = shapely.LineString([(500_000, 3_500_000), (501_000, 3_500_000)])
    segments = gpd.GeoDataFrame(
        {
            "segment_id": ["S1"],
            "listed_date": [pd.Timestamp("2022-03-01")],
            "rectified_date": [pd.Timestamp("2022-06-01")],
        },
        geometry=[line],
        crs=4549,
    )
    xy = [(500_100, 3_500_010), (500_500, 3_500_040), (500_900, 3_500_070), (500_200, 3_500_000)]
    dates = ["2021-05-01", "2022-02-28", "2022-02-01", "2022-07-01"]
    accidents = gpd.GeoDataFrame(
        {"date": pd.to_datetime(dates), "deaths": [1, 0, 0, 2]},
        geometry=[shapely.Point(p) for p in xy],
        crs=4549,
    )
    out = before_after_counts(segments, accidents, radius_m=50, as_of="2022-12-31").iloc[0]
    # the third accident is 70 m away: not counted
    assert (out["before"], out["before_deaths"]) == (2, 1)
    assert (out["after"], out["after_deaths"]) == (1, 2)
    assert out["after_days"] == 214  # 2022-06-01 .. 2022-12-31
    assert out["after_per_year"] == pytest.approx(365 / 214)
    assert out["change_pct"] == pytest.approx((365 / 214 - 2) / 2 * 100)


def test_menu_has_the_black_spot_commands(window):
    titles = [a.text() for a in window.registry.menus["blackspots"].actions() if a.text()]
    assert titles[:3] == ["导入事故记录…", "事故多发路段筛查…", "整治状态流转…"]
    assert window.registry.menus["blackspots"].title() == "事故多发路段"
    # the segment file follows the opened project: the sample's ten listed segments
    history = window.blackspots.history_panel
    assert history.segment.count() == 10
    assert history.segment.currentText().startswith("HM-SG-01")
    assert history.steps[2].text() == "整改\n2022-04-12"
    assert "挂牌前一年（2021-01-28 至 2022-01-27）：31 起" in history.counts.text()


def test_wizard_reads_the_chosen_sheet_of_a_workbook(window, tmp_path):
    # Offices keep a notes sheet first and the records on another.
    single = _police_table(window.project.layer("roads").data, tmp_path)
    records = pd.read_excel(single, dtype=object)
    book = tmp_path / "台账.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"说明": ["2022 年事故台账", "来源：交警大队"]}).to_excel(
            writer, sheet_name="说明", index=False
        )
        records.to_excel(writer, sheet_name="事故", index=False)
    wizard = window.blackspots.open_import_wizard(book)
    wizard.show()
    page = wizard.file_page
    assert [page.sheet.itemText(i) for i in range(page.sheet.count())] == ["说明", "事故"]
    assert page.sheet.isEnabled() and page.sheet.currentText() == "说明"
    page.sheet.setCurrentIndex(1)
    wizard.next()
    assert wizard.currentPage() is wizard.columns_page
    assert len(wizard.table) == len(records)
    assert "桩号" in [str(c) for c in wizard.table.columns]
    wizard.close()
    # A CSV has no sheets: the choice stays empty and off.
    csv = tmp_path / "records.csv"
    records.to_csv(csv, index=False)
    wizard = window.blackspots.open_import_wizard(csv)
    assert wizard.file_page.sheet.count() == 0 and not wizard.file_page.sheet.isEnabled()
    wizard.close()


def test_rerunning_leaves_one_labelled_result(window):
    """Screening and the camera-gap check run their Requests; a re-run replaces the layer."""
    from gisdesk.tasks.blackspots import ScreeningRequest, last_screening
    from gisdesk.ui.camera_gaps_dialog import CameraGapsDialog

    controller, p = window.blackspots, window.project
    for window_m in (500.0, 400.0):
        controller.run_screening(ScreeningRequest(window_m=window_m), wait=True)
    names = [layer.name for layer in p.layers]
    assert names.count(CANDIDATES_LAYER) == 1
    cand = p.layer(CANDIDATES_LAYER)
    assert cand.metadata.field_labels["from_km"] == ("起点桩号（千米）", "From stake (km)")
    assert cand.metadata.field_labels["rank"][0] == "排名"
    assert last_screening(p) == ScreeningRequest(window_m=400.0)
    panel = controller.candidates_panel
    assert panel.model.headers[:4] == ["排名", "路段", "镇（街道）", "事故数"]
    assert "长度（千米）" in panel.model.headers and "窗口 400 米" in panel.summary.text()
    head = window.results.topLevelItem(0)
    assert head.text(0) == "事故多发路段筛查"
    assert head.child(0).child(0).text(0) == "候选路段数"

    dialog = CameraGapsDialog(p, window)
    dialog.max_gap_km.setValue(8)
    request = dialog.request()
    dialog.deleteLater()
    for _ in range(2):
        controller.run_camera_gaps(request, wait=True)
    assert [layer.name for layer in p.layers].count("camera_gaps") == 1
    gaps = p.layer("camera_gaps")
    assert gaps.title == "监控卡口间距（上限 8 千米）"
    assert gaps.metadata.field_labels["gap_km"][0] == "间距（千米）"
    assert int(gaps.data["over"].sum()) > 0
    titles = [a.text() for a in window.registry.menus["blackspots"].actions() if a.text()]
    assert "监控卡口间距检查…" in titles
