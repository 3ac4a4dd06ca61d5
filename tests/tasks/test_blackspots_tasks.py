"""Black-spot screening and camera gaps: the dialogs and the command line are forms for one Request.

Each case runs ``gisdesk blackspots screen/cameras`` through the command line's ``main`` on a
small project (roads, accidents, towns, cameras and the listed segments of the sample) and
the same Request built by its dialog (offscreen, no window) through the task registry, and
compares what came out: the request recorded in the JSON summary, the candidates or gaps
and their numbers.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pyogrio
import pytest
from PySide6.QtCore import QDate

from gisdesk.cli.main import main
from gisdesk.core.errors import InputError
from gisdesk.io.project_store import open_project
from gisdesk.tasks import ProjectSource, request_from_record, run_request
from gisdesk.tasks.blackspots import ScreeningRequest, last_screening, remember_screening
from gisdesk.tasks.camera_gaps import CameraGapsRequest
from gisdesk.ui.blackspots_screening import ScreeningDialog
from gisdesk.ui.camera_gaps_dialog import CameraGapsDialog

LAYERS = ("roads", "accidents", "towns", "cameras", "accident_segments")
COMPARED = ("rank", "road", "from_km", "to_km", "count", "deaths", "injuries", "equivalent")


@pytest.fixture(scope="module")
def project_path(small_sample):
    return small_sample(LAYERS)


@pytest.fixture(scope="module")
def project(project_path):
    return open_project(project_path)


def _dialog_request(dialog_type, project, change):
    dialog = dialog_type(project)
    try:
        change(dialog)
        return dialog.request()
    finally:
        dialog.deleteLater()


def _cli(argv, out):
    code = main([*argv, "--out", str(out)])
    summary = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    return code, summary


def _period(dialog, start, end, years=0.0):
    dialog.use_period.setChecked(True)
    dialog.date_from.setDate(QDate.fromString(start, "yyyy-MM-dd"))
    dialog.date_to.setDate(QDate.fromString(end, "yyyy-MM-dd"))
    dialog.years.setValue(years)


def _exposure(dialog, name):
    dialog.exposure.setCurrentIndex(dialog.exposure.findData(name))


def _fixed(dialog, count):
    dialog.auto_threshold.setChecked(False)
    dialog.min_count.setValue(count)


SCREENS = [
    ("defaults", lambda d: None, ()),
    (
        "window, step, weights",
        lambda d: (d.window_m.setValue(300), d.step_m.setValue(50), d.weights[0].setValue(12)),
        ("--window", "300", "--step", "50", "--weights", "12,3,1"),
    ),
    (
        "period and exposure",
        lambda d: (_period(d, "2021-01-01", "2021-12-31"), _exposure(d, "speed_kmh")),
        ("--date-from", "2021-01-01", "--date-to", "2021-12-31", "--exposure-field", "speed_kmh"),
    ),
    (
        "fixed threshold, ambiguous, years",
        lambda d: (_fixed(d, 6), d.include_ambiguous.setChecked(True), d.years.setValue(2.5)),
        ("--min-count", "6", "--include-ambiguous", "--years", "2.5"),
    ),
]


@pytest.mark.parametrize(("case", "change", "argv"), SCREENS, ids=[c[0] for c in SCREENS])
def test_screening_from_the_cli_and_the_dialog_is_the_same(
    project, project_path, tmp_path, case, change, argv
):
    from_dialog = _dialog_request(ScreeningDialog, project, change)
    out = tmp_path / "bs.gpkg"
    code, summary = _cli(["blackspots", "screen", str(project_path), *argv], out)
    assert code == 0, case
    assert request_from_record(summary["request"]) == from_dialog
    in_window = run_request(ProjectSource(project), from_dialog)
    assert in_window.request == from_dialog
    ours = in_window.layer("candidates").data
    theirs = pyogrio.read_dataframe(out, layer="candidates")
    assert len(ours) > 0 and len(ours) == len(theirs)
    for column in (*COMPARED, "per_year", "town", "name", "listed"):
        mine, cli = ours[column].tolist(), theirs[column].tolist()
        if isinstance(mine[0], float):
            np.testing.assert_allclose(mine, cli, rtol=1e-9, err_msg=column)
        else:
            assert mine == [None if v is None else v for v in cli], column
    assert summary["min_count"] == in_window.details["min_count"]
    assert summary["screened"] == in_window.details["screened"]
    assert summary["summary_table"]["rows"] == in_window.summary.records()
    assert [n["zh"] for n in summary["notes"]] == [n.zh for n in in_window.notes]
    assert summary["layers"]["candidates"]["fields"]["from_km"]["zh"] == "起点桩号"
    assert summary["layers"]["candidates"]["fields"]["from_km"]["unit"] == "千米"


def test_the_period_and_the_years_change_the_result_the_same_way(project, project_path, tmp_path):
    source = ProjectSource(project)
    whole = run_request(source, ScreeningRequest(exposure_field="speed_kmh"))
    year = _dialog_request(
        ScreeningDialog,
        project,
        lambda d: (_period(d, "2021-01-01", "2021-12-31"), _exposure(d, "speed_kmh")),
    )
    in_window = run_request(source, year)
    code, summary = _cli(
        [
            "blackspots",
            "screen",
            str(project_path),
            "--date-from",
            "2021-01-01",
            "--date-to",
            "2021-12-31",
            "--exposure-field",
            "speed_kmh",
        ],
        tmp_path / "year.gpkg",
    )
    assert code == 0
    # the period keeps only 2021's records: fewer screened, a lower threshold
    assert in_window.details["screened"] == summary["screened"] < whole.details["screened"]
    assert in_window.details["min_count"] == summary["min_count"] < whole.details["min_count"]
    accidents = project.layer("accidents").data
    in_2021 = int((accidents["date"].dt.year == 2021).sum())
    assert in_window.details["screened"] <= in_2021
    # per-year figures over the period's 365 days (the whole set spans 3 years)
    assert summary["years"] == pytest.approx(365 / 365.25)
    assert whole.details["years"] == 3
    cand = in_window.layer("candidates").data
    np.testing.assert_allclose(cand["per_year"], cand["count"] / (365 / 365.25))
    cli = pyogrio.read_dataframe(tmp_path / "year.gpkg", layer="candidates")
    np.testing.assert_allclose(cli["rate_per_mvkm"], cand["rate_per_mvkm"], rtol=1e-9)
    # the years given instead of the period's length scale per-year counts and rates alike
    doubled = run_request(source, ScreeningRequest(**{**year.__dict__, "years": 2 * 365 / 365.25}))
    twice = doubled.layer("candidates").data
    np.testing.assert_allclose(twice["per_year"], cand["per_year"] / 2)
    np.testing.assert_allclose(twice["rate_per_mvkm"], cand["rate_per_mvkm"] / 2)
    assert "2021-01-01 至 2021-12-31" in in_window.notes[1].show("zh")


GAPS = [
    ("defaults", lambda d: None, ()),
    (
        "8 km, road ends",
        lambda d: (d.max_gap_km.setValue(8), d.include_ends.setChecked(True)),
        ("--max-gap-km", "8", "--include-ends"),
    ),
]


@pytest.mark.parametrize(("case", "change", "argv"), GAPS, ids=[c[0] for c in GAPS])
def test_camera_gaps_from_the_cli_and_the_dialog_are_the_same(
    project, project_path, tmp_path, case, change, argv
):
    from_dialog = _dialog_request(CameraGapsDialog, project, change)
    out = tmp_path / "gaps.gpkg"
    code, summary = _cli(["blackspots", "cameras", str(project_path), *argv], out)
    in_window = run_request(ProjectSource(project), from_dialog)
    assert request_from_record(summary["request"]) == from_dialog
    assert code == (0 if in_window.ok else 1)
    ours = in_window.layer("camera_gaps").data
    theirs = pyogrio.read_dataframe(out, layer="camera_gaps")
    for column in ("road", "kind", "from_km", "to_km", "gap_km", "at_end", "exceeds", "over"):
        assert ours[column].tolist() == theirs[column].tolist(), column
    assert summary["over"] == int(ours["over"].sum()) > 0
    assert summary["summary_table"]["rows"] == in_window.summary.records()
    assert in_window.summary.headers()[:4] == [
        "道路",
        "道路等级",
        "长度（千米）",
        "最长间距（千米）",
    ]
    labels = in_window.layer("camera_gaps").labels()
    assert labels["gap_km"] == "间距（千米）" and labels["kind"] == "设备类型"


def test_road_ends_count_only_when_asked(project):
    source = ProjectSource(project)
    inner = run_request(source, CameraGapsRequest(max_gap_km=5)).layer("camera_gaps").data
    ends = run_request(source, CameraGapsRequest(max_gap_km=5, include_ends=True))
    data = ends.layer("camera_gaps").data
    assert not inner.loc[inner["at_end"], "over"].any()
    assert data["over"].tolist() == data["exceeds"].tolist()
    assert data["over"].sum() >= inner["over"].sum()


@pytest.mark.parametrize(
    ("request_", "zh", "en"),
    [
        (ScreeningRequest(window_m=10), "窗口长度", "window length"),
        (ScreeningRequest(window_m=300, step_m=400), "步长", "step"),
        (ScreeningRequest(alpha=0.9), "显著性水平", "significance"),
        (ScreeningRequest(min_count=0), "窗口最少事故数", "window threshold"),
        (ScreeningRequest(weights=(math.nan, 3, 1)), "死亡事故权重", "fatal weight"),
        (ScreeningRequest(years=0.0), "年数", "years"),
        (ScreeningRequest(qualities=("best",)), "匹配质量", "Match qualities"),
        (ScreeningRequest(qualities=()), "匹配质量", "Match qualities"),
        (ScreeningRequest(date_from="2022-13-01"), "年-月-日", "year-month-day"),
        (ScreeningRequest(date_from="2022-06-01", date_to="2022-01-01"), "晚于", "after it ends"),
        (ScreeningRequest(raster_cell_m=-5), "栅格单元", "raster cell"),
        (ScreeningRequest(accidents=""), "事故图层", "accident"),
        (CameraGapsRequest(cameras=""), "监控卡口图层", "camera and road layers"),
        (CameraGapsRequest(max_gap_km=0), "最大间距", "longest allowed gap"),
        (CameraGapsRequest(max_gap_km=math.inf), "最大间距", "longest allowed gap"),
        (CameraGapsRequest(max_gap_km=500), "最大间距", "longest allowed gap"),
    ],
)
def test_bad_values_get_the_bilingual_message(request_, zh, en):
    with pytest.raises(InputError) as caught:
        request_.validate()
    assert zh in caught.value.message("zh")
    assert en in caught.value.message("en")


def test_bad_values_are_refused_by_the_cli_before_reading(tmp_path, capsys):
    missing = tmp_path / "none.gpkg"  # never opened: the request is refused first
    for argv in (
        ["blackspots", "screen", str(missing), "--date-from", "2022-02-30"],
        ["blackspots", "screen", str(missing), "--years", "-1"],
        ["blackspots", "cameras", str(missing), "--max-gap-km", "0"],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "不存在" not in err and ("日期" in err or "年数" in err or "最大间距" in err)


def test_the_dialogs_refuse_what_the_request_refuses(project):
    dialog = ScreeningDialog(project)
    gaps = CameraGapsDialog(project)
    try:
        _period(dialog, "2022-06-01", "2022-01-01")
        dialog.accept()
        assert dialog.result() != dialog.DialogCode.Accepted
        assert "晚于" in dialog.error.text()
        gaps.cameras.clear()  # a project without point layers
        gaps.accept()
        assert gaps.result() != gaps.DialogCode.Accepted
        assert "监控卡口图层" in gaps.error.text()
    finally:
        dialog.deleteLater()
        gaps.deleteLater()


def test_records_round_trip_and_the_settings_keep_the_last_screening(project):
    request = ScreeningRequest(
        towns=None, weights=(8.0, 2.0, 1.0), min_count=7, date_from="2021-01-01", years=1.5
    )
    assert request_from_record(request.to_record()) == request
    gaps = CameraGapsRequest(max_gap_km=7.5, include_ends=True)
    assert request_from_record(gaps.to_record()) == gaps
    remember_screening(project, request)
    assert last_screening(project) == request
    # the flat form of earlier versions still loads; a damaged one is ignored
    older = {"accidents": "police", "window_m": 400, "weights": [10, 3, 1], "notes": []}
    assert ScreeningRequest.from_record(older) == ScreeningRequest(accidents="police", window_m=400)
    project.settings["blackspots"]["screening"] = {"weights": "heavy"}
    assert last_screening(project) is None
    project.settings["blackspots"].pop("screening")
