"""The add-layer dialog when a stated encoding and the bytes disagree: both readings shown."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
from PySide6.QtCore import Qt
from shapely.geometry import Point

from gisdesk.core.project import Project
from gisdesk.ui.import_dialog import ImportDialog

NAMES = ["海门街道", "三星镇", "常乐镇"]
MOJIBAKE = "娴烽棬琛楅亾"  # 海门街道 written in UTF-8, read as GBK


def _shapefile(folder: Path, *, write_as: str, cpg: str) -> Path:
    gdf = gpd.GeoDataFrame(
        {"名称": NAMES, "人口": [1200, 850, 430]},
        geometry=[Point(121.17, 31.89), Point(121.26, 31.93), Point(121.45, 31.95)],
        crs=4490,
    )
    path = folder / "encoded.shp"  # (not a layer type's name: no schema applies)
    pyogrio.write_dataframe(gdf, path, encoding=write_as)
    path.with_suffix(".cpg").write_text(cpg, encoding="ascii")
    return path


def _first_column(model) -> list[str]:
    return [model.data(model.index(r, 0)) for r in range(model.rowCount())]


def _lines(dialog: ImportDialog) -> list[str]:
    return [dialog.warnings.item(i).text() for i in range(dialog.warnings.count())]


def _dialog(qtbot, path: Path) -> ImportDialog:
    dialog = ImportDialog(path, Project())
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_lying_cpg_shows_both_readings_and_the_users_pick_wins(qtbot, tmp_path: Path) -> None:
    path = _shapefile(tmp_path, write_as="UTF-8", cpg="GBK")
    dialog = _dialog(qtbot, path)
    # read as the bytes fit; the .cpg's reading beside it
    assert dialog.encoding.currentText() == "UTF-8"
    assert dialog.compare_box.isVisible()
    assert dialog.declared_title.text() == ".cpg 文件声明为 GBK"
    assert dialog.detected_title.text() == "按内容检测为 UTF-8（当前选择，将按此导入）"
    assert _first_column(dialog.declared_model)[0] == MOJIBAKE
    assert dialog.detected_model.headers[0] == "名称"
    assert _first_column(dialog.detected_model) == NAMES
    assert _first_column(dialog.preview_model) == NAMES
    assert not dialog.preview_box.isVisible()  # it would repeat the chosen side
    assert dialog.compare_note.text().startswith("文字编码不一致：.cpg 文件声明为 GBK")
    assert dialog.compare_note.textFormat() == Qt.TextFormat.PlainText
    assert any(line.startswith("文字编码不一致：.cpg 文件声明为 GBK") for line in _lines(dialog))
    assert dialog.imported is not None and list(dialog.imported.data["名称"]) == NAMES
    assert not dialog.use_detected.isEnabled() and dialog.use_declared.isEnabled()
    dialog.grab().save(str(tmp_path / "import_encoding_compare.png"))

    # the user takes the .cpg's word: followed, still compared, and warned
    qtbot.mouseClick(dialog.use_declared, Qt.MouseButton.LeftButton)
    assert dialog.encoding.currentText() == "GBK"
    assert dialog.declared_title.text() == "指定的编码为 GBK（当前选择，将按此导入）"
    assert _first_column(dialog.preview_model)[0] == MOJIBAKE
    dialog.refresh_import()
    assert dialog.request().encoding == "GBK"
    assert dialog.imported is not None
    assert MOJIBAKE in set(dialog.imported.data.iloc[:, 0])
    assert any("已按指定的 GBK 导入" in line for line in _lines(dialog))

    qtbot.mouseClick(dialog.use_detected, Qt.MouseButton.LeftButton)
    assert dialog.encoding.currentText() == "UTF-8"
    dialog.refresh_import()
    assert dialog.imported is not None and list(dialog.imported.data["名称"]) == NAMES


def test_honest_file_shows_one_preview(qtbot, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, _shapefile(tmp_path, write_as="GBK", cpg="GBK"))
    assert dialog.encoding.currentText() == "GBK"
    assert not dialog.compare_box.isVisible() and dialog.preview_box.isVisible()
    assert _first_column(dialog.preview_model) == NAMES
    assert not any("不一致" in line for line in _lines(dialog))


def test_csv_pick_that_the_bytes_contradict_is_compared(qtbot, tmp_path: Path) -> None:
    csv = tmp_path / "points.csv"
    csv.write_bytes("name,lon,lat\n海门街道,121.2,31.9\n三星镇区,121.3,31.9\n".encode())
    dialog = _dialog(qtbot, csv)
    assert dialog.encoding.currentText() == "UTF-8" and not dialog.compare_box.isVisible()
    dialog.encoding.setCurrentText("GBK")
    assert dialog.compare_box.isVisible()
    assert dialog.declared_title.text() == "指定的编码为 GBK（当前选择，将按此导入）"
    assert _first_column(dialog.declared_model)[0] == MOJIBAKE
    assert _first_column(dialog.detected_model) == ["海门街道", "三星镇区"]
    dialog.refresh_import()
    assert dialog.imported is not None
    assert dialog.imported.data["name"].iloc[0] == MOJIBAKE
    assert any(line.startswith("文字编码不一致：指定的编码为 GBK") for line in _lines(dialog))
    dialog.encoding.setCurrentText("UTF-8")
    assert not dialog.compare_box.isVisible() and dialog.preview_box.isVisible()


def test_gbk_geojson_shows_its_text_under_both(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "gbk.geojson"
    path.write_bytes(
        (
            '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
            '{"名称":"海门街道"},"geometry":{"type":"Point","coordinates":[121.17,31.89]}}]}'
        ).encode("gbk")
    )
    dialog = _dialog(qtbot, path)
    assert dialog.encoding.currentText() == "GB18030"
    assert dialog.compare_box.isVisible()
    assert dialog.declared_title.text() == "文件格式规定为 UTF-8"
    assert "海门街道" in _first_column(dialog.detected_model)
    assert all("\ufffd" in v for v in _first_column(dialog.declared_model))
    assert dialog.imported is not None and list(dialog.imported.data["名称"]) == ["海门街道"]
    lines = _lines(dialog)
    assert "文字编码：GB18030（按文件内容检测；文件格式规定为 UTF-8，与内容不符）" in lines
    assert not any(line.startswith("Text encoding") for line in lines)  # said once, in Chinese
