"""Import and export are tasks: the dialog and ``gisdesk import/export`` make one Request.

Each case fills the dialog's widgets (offscreen) and parses the same choices from a command
line; the two requests are equal, and the command's project/file and the request run
through the task registry hold the same features, attributes and file contents.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import Point

from gisdesk.cli.interchange import export_request, import_request
from gisdesk.cli.main import _parser, main
from gisdesk.core import offsets
from gisdesk.core.errors import CRSError, InputError
from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.io.project_store import open_project, save_project
from gisdesk.tasks import ProjectSource, request_from_record, run_request, task_for
from gisdesk.tasks.exports import ExportRequest, written_files
from gisdesk.tasks.imports import ImportRequest, imported_layer
from gisdesk.ui.export_dialog import ExportDialog
from gisdesk.ui.import_dialog import ImportDialog

NAMES = ["海门印染厂", "三星污水站", "常乐镇卫生院"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    p = Project(title="测试")
    p.add_layer(
        Layer(
            "points",
            gpd.GeoDataFrame(
                {"name": ["甲", "乙"], "n": [3, 5]},
                geometry=[Point(121.2, 31.9), Point(121.3, 31.95)],
                crs=4490,
            ),
        )
    )
    return save_project(p, tmp_path / "proj.gpkg")


def _gbk_shapefile(folder: Path) -> Path:
    gdf = gpd.GeoDataFrame(
        {"名称": NAMES, "人数": [12, 8, 30]},
        geometry=[Point(121.17 + 0.01 * i, 31.89) for i in range(3)],
        crs=4490,
    )
    path = folder / "firms.shp"
    pyogrio.write_dataframe(gdf, path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    return path


def _gcj_csv(folder: Path) -> Path:
    lon, lat = np.array([121.17, 121.45, 121.3]), np.array([31.89, 31.95, 31.8])
    gx, gy = offsets.wgs84_to_gcj02(lon, lat)
    path = folder / "amap.csv"
    frame = pd.DataFrame({"名称": NAMES, "经度": gx, "纬度": gy})
    path.write_bytes(frame.to_csv(index=False).encode("gbk"))
    return path


def _shapefile_in_dialog(dialog: ImportDialog) -> None:
    dialog.encoding.setCurrentText("GBK")
    dialog.crs.setCurrentIndex(dialog.crs.findData("CGCS2000"))


def _table_in_dialog(dialog: ImportDialog) -> None:
    dialog.system.setCurrentIndex(dialog.system.findData("GCJ02"))
    dialog.x_column.setCurrentText("经度")
    dialog.y_column.setCurrentText("纬度")


CASES = [
    (
        _gbk_shapefile,
        _shapefile_in_dialog,
        ["--encoding", "GBK", "--crs", "cgcs2000"],
        "Attribute text encoding: GBK (as stated)",
    ),
    (
        _gcj_csv,
        _table_in_dialog,
        ["--crs", "gcj02", "--x", "经度", "--y", "纬度"],
        "Text encoding: GB18030 (detected from the file's bytes)",
    ),
]


@pytest.mark.parametrize(("make", "fill", "argv", "encoding"), CASES)
def test_import_from_the_dialog_and_the_cli_is_one_request_and_one_layer(
    project: Path, tmp_path: Path, make, fill, argv, encoding
) -> None:
    path = make(tmp_path)
    window_copy = tmp_path / "window.gpkg"
    shutil.copy(project, window_copy)
    in_window = open_project(window_copy)
    dialog = ImportDialog(path, in_window)
    try:
        fill(dialog)
        dialog.name.setText("firms")
        from_dialog = dialog.request()
    finally:
        dialog.deleteLater()
    command = ["import", str(project), str(path), "--name", "firms", *argv]
    from_cli = import_request(_parser().parse_args(command))
    assert from_dialog == from_cli
    assert request_from_record(from_cli.to_record()) == from_cli

    assert main(command) == 0
    on_cli = open_project(project).layer("firms")
    result = run_request(ProjectSource(in_window), from_dialog)
    assert [layer.name for layer in result.layers] == ["firms"]
    new = imported_layer(result)
    in_window.add_layer(new)
    save_project(in_window, window_copy)
    saved = open_project(window_copy).layer("firms")
    for layer in (new, saved):
        assert list(layer.data["名称"]) == NAMES
        assert list(layer.data.columns) == list(on_cli.data.columns)
        pd.testing.assert_frame_equal(
            pd.DataFrame(layer.data.drop(columns="geometry")),
            pd.DataFrame(on_cli.data.drop(columns="geometry")),
            check_dtype=False,
        )
        assert shapely.equals_exact(
            layer.data.geometry.to_numpy(), on_cli.data.geometry.to_numpy(), tolerance=1e-9
        ).all()
        assert layer.metadata.conversions == on_cli.metadata.conversions
    assert encoding in [note.show("en") for note in result.notes]  # the encoding and why


def test_import_notes_say_what_was_read_and_converted(project: Path, tmp_path: Path) -> None:
    request = ImportRequest(path=str(_gcj_csv(tmp_path)), crs="GCJ02")
    result = run_request(ProjectSource(open_project(project)), request)
    zh = [note.show("zh") for note in result.notes]
    assert "读取 3 行。" in zh
    assert any(line.startswith("文字编码：GB18030（按文件内容检测）") for line in zh)
    assert any(line.startswith("已把 GCJ-02（高德/腾讯）坐标纠偏转换为 CGCS2000") for line in zh)
    assert result.layers[0].name == "amap"
    assert [f.show("en") for f in result.district] == ["Features 3"]


EXPORTS = [
    ("csv", lambda p: p.read_bytes()),
    ("geojson", lambda p: {k: v for k, v in json.loads(p.read_text()).items() if k != "name"}),
    ("xlsx", lambda p: pd.read_excel(p).to_dict("list")),
]


@pytest.mark.parametrize(("suffix", "read"), EXPORTS)
def test_export_from_the_dialog_and_the_cli_is_one_request_and_one_file(
    project: Path, tmp_path: Path, suffix, read
) -> None:
    on_cli, in_window = tmp_path / f"cli.{suffix}", tmp_path / f"window.{suffix}"
    opened = open_project(project)
    dialog = ExportDialog(opened, "points")
    try:
        dialog.out.setText(str(in_window))
        from_dialog = dialog.request()
    finally:
        dialog.deleteLater()
    command = ["export", str(project), "points", str(on_cli)]
    from_cli = export_request(_parser().parse_args(command))
    assert from_dialog == replace(from_cli, out=str(in_window))
    assert request_from_record(from_cli.to_record()) == from_cli

    assert main(command) == 0
    result = run_request(ProjectSource(opened), from_dialog)
    assert written_files(result) == [in_window]
    assert read(in_window) == read(on_cli)
    assert result.notes[0].show("en") == f"Written: {in_window}"


def test_export_writes_every_shapefile_part_it_lists(project: Path, tmp_path: Path) -> None:
    request = ExportRequest(layer="points", out=str(tmp_path / "pts.shp"))
    result = run_request(ProjectSource(open_project(project)), request)
    files = written_files(result)
    assert tmp_path / "pts.shp" in files and all(f.exists() for f in files)


def test_export_never_writes_over_the_project(project: Path) -> None:
    before = project.read_bytes()
    opened = open_project(project)
    for out in (project, Path(f"{project}-journal")):  # the latter written as .gpkg: the project
        request = ExportRequest(layer="points", out=str(out), format="gpkg")
        with pytest.raises(InputError, match="project"):
            run_request(ProjectSource(opened), request)
    assert project.read_bytes() == before
    lock = Path(f"{project}.lock")  # a GeoPackage is written as p.gpkg.gpkg, the lock untouched
    lock.write_text("held")
    result = run_request(ProjectSource(opened), ExportRequest("points", str(lock), "gpkg"))
    assert lock.read_text() == "held" and project.read_bytes() == before
    assert any(str(project) + ".gpkg" in note.zh for note in result.notes)


@pytest.mark.parametrize(
    ("request_", "error", "match"),
    [
        (ImportRequest(), InputError, "Name the file"),
        (ImportRequest(path="a.shp", layer_type="nope"), InputError, "Unknown layer type"),
        (ImportRequest(path="a.csv", encoding="klingon"), InputError, "Unknown text encoding"),
        (ImportRequest(path="a.csv", crs="nonsense-crs"), CRSError, None),
        (ImportRequest(path="a.csv", name="a/b\x00"), InputError, "cannot be used"),
        (ExportRequest(out="x.csv"), InputError, "Choose the layer"),
        (ExportRequest(layer="points"), InputError, "Name the output"),
        (ExportRequest(layer="points", out="x.csv", format="pdf"), InputError, "Unknown export"),
        (ExportRequest(layer="points", out="x.doc"), InputError, "Cannot tell the export"),
        (ExportRequest(layer="points", out="x.csv", headers="fr"), InputError, "zh or en"),
    ],
)
def test_bad_requests_are_refused_with_a_bilingual_message(request_, error, match) -> None:
    with pytest.raises(error, match=match) as caught:
        request_.validate()
    assert caught.value.message("zh") != caught.value.message("en")


def test_a_table_without_its_coordinate_system_is_refused(project: Path, tmp_path: Path):
    request = ImportRequest(path=str(_gcj_csv(tmp_path)))
    with pytest.raises(InputError, match="coordinate system"):
        run_request(ProjectSource(open_project(project)), request)


def test_an_unknown_layer_is_named_with_those_there_are(project: Path, tmp_path: Path):
    request = ExportRequest(layer="nope", out=str(tmp_path / "x.csv"))
    with pytest.raises(InputError, match="points"):
        run_request(ProjectSource(open_project(project)), request)


def test_both_tasks_are_registered() -> None:
    assert task_for("import").request_type is ImportRequest
    assert task_for("export").request_type is ExportRequest
