"""The add-layer dialog: detected encoding, live preview, stated CRS and the import warnings."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog

from gisdesk.core import offsets
from gisdesk.ui.import_dialog import ImportDialog

NAMES = ["海门街道", "三星镇", "常乐镇"]


def _gbk_shapefile(folder: Path, *, prj: bool = True) -> Path:
    gdf = gpd.GeoDataFrame(
        {"名称": NAMES, "类别": ["街道", "镇", "镇"], "人口": [1200, 800, 650]},
        geometry=[shapely.Point(121.17 + 0.01 * i, 31.89) for i in range(3)],
        crs=4490,
    )
    path = folder / "towns_gbk.shp"
    pyogrio.write_dataframe(gdf, path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    if not prj:
        path.with_suffix(".prj").unlink()
    return path


def _column(dialog: ImportDialog, header: str) -> list[str]:
    model = dialog.preview_model
    assert header in model.headers, model.headers
    col = model.headers.index(header)
    return [model.data(model.index(r, col)) for r in range(model.rowCount())]


def _lines(dialog: ImportDialog) -> list[str]:
    return [dialog.warnings.item(i).text() for i in range(dialog.warnings.count())]


def test_gbk_shapefile_without_cpg_shows_the_encoding_and_a_readable_preview(
    window, tmp_path, qtbot
):
    path = _gbk_shapefile(tmp_path)
    dialog = ImportDialog(path, window.project, window)
    qtbot.addWidget(dialog)
    assert dialog.encoding.currentText() in ("GBK", "GB18030")
    assert "GB18030" in dialog.encoding_note.text() and "检测" in dialog.encoding_note.text()
    assert _column(dialog, "名称") == NAMES
    lines = _lines(dialog)
    assert lines[0] == "共 3 个要素"
    assert any("属性文字编码：GB18030" in line for line in lines)
    assert any("坐标系按文件声明" in line and "4490" in line for line in lines)
    dialog.resize(820, 640)
    dialog.grab().save(str(tmp_path / "import_gbk.png"))

    # a wrong choice shows as mojibake at once, and the import says what it used
    dialog.encoding.setCurrentText("UTF-8")
    assert "名称" not in dialog.preview_model.headers
    assert not any("海门" in str(v) for v in dialog.preview_model.frame.to_numpy().ravel())
    dialog.refresh_import()
    assert dialog.request().encoding == "UTF-8"
    dialog.encoding.setCurrentText("GBK")
    assert _column(dialog, "名称") == NAMES
    dialog.refresh_import()
    assert any("GBK（按指定）" in line for line in _lines(dialog))
    assert dialog.imported is not None
    assert list(dialog.imported.data["名称"]) == NAMES


def test_add_layer_through_the_dialog_logs_the_warnings(window, tmp_path, monkeypatch):
    path = _gbk_shapefile(tmp_path, prj=False)
    seen: list[ImportDialog] = []

    def run(dialog: ImportDialog) -> int:
        seen.append(dialog)
        assert dialog.imported is None  # no .prj: the CRS must be stated first
        assert "坐标系" in dialog.warnings.item(0).text()
        assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
        dialog.crs.setCurrentIndex(dialog.crs.findData("GCJ02"))
        dialog.refresh_import()
        assert dialog.imported is not None
        QDialog.accept(dialog)
        return 1

    monkeypatch.setattr(ImportDialog, "exec", run)
    n = len(window.project)
    layer = window.add_layer_from(path, ask=True)
    assert seen and layer is not None and len(window.project) == n + 1
    assert list(layer.data["名称"]) == NAMES
    # GCJ-02 numbers were shifted back to CGCS2000 and the layer records it
    assert any("GCJ-02" in c for c in layer.metadata.conversions)
    assert any("CRS stated as GCJ02" in c for c in layer.metadata.conversions)
    x, y = offsets.gcj02_to_wgs84(121.17, 31.89)
    got = layer.data.geometry.iloc[0]
    assert got.x == pytest.approx(float(x), abs=1e-7) and got.y == pytest.approx(float(y), abs=1e-7)
    log = window.log.toPlainText()
    assert "已把 GCJ-02（高德/腾讯）坐标纠偏转换为 CGCS2000" in log
    assert "坐标系按指定" in log and "属性文字编码：GB18030（按 .dbf 内容检测）" in log


def test_gbk_csv_encoding_switch_and_gcj02_columns(window, tmp_path, qtbot):
    csv = tmp_path / "points.csv"
    text = "名称,经度,纬度\n海门市监测站,121.177579,31.894129\n社会福利院,121.170000,31.900000\n"
    csv.write_bytes(text.encode("gbk"))
    dialog = ImportDialog(csv, window.project, window)
    qtbot.addWidget(dialog)
    assert dialog.encoding.currentText() == "GB18030"
    assert _column(dialog, "名称") == ["海门市监测站", "社会福利院"]
    assert (dialog.x_column.currentText(), dialog.y_column.currentText()) == ("经度", "纬度")
    dialog.encoding.setCurrentText("UTF-8")
    assert "名称" not in dialog.preview_model.headers  # replacement characters instead
    dialog.refresh_import()
    assert dialog.imported is None and "UTF-8" in dialog.warnings.item(0).text()
    dialog.encoding.setCurrentText("GBK")
    dialog.system.setCurrentIndex(dialog.system.findData("GCJ02"))
    dialog.refresh_import()
    assert dialog.imported is not None
    lines = _lines(dialog)
    assert any(line.startswith("已把 GCJ-02") for line in lines)
    pt = dialog.imported.data.geometry.iloc[0]
    assert pt.x == pytest.approx(121.1730, abs=2e-6) and pt.y == pytest.approx(31.8960, abs=2e-6)


def test_unreadable_file_keeps_the_project(window, tmp_path, monkeypatch):
    bad = tmp_path / "broken.shp"
    bad.write_bytes(b"\x00" * 100)
    n = len(window.project)
    monkeypatch.setattr(QTimer, "singleShot", lambda *a, **k: None)  # no modal error box
    assert window.add_layer_from(bad) is None
    assert len(window.project) == n
    assert "broken.shp" in window.last_error


def test_english_interface(window, tmp_path, qtbot):
    from gisdesk.ui.i18n import set_language

    path = _gbk_shapefile(tmp_path)
    set_language("en", remember=False)
    try:
        dialog = ImportDialog(path, window.project, window)
        qtbot.addWidget(dialog)
        assert dialog.encoding_note.text() == (
            "Attribute text encoding: GB18030 (detected from the .dbf bytes)"
        )
        assert _lines(dialog)[0] == "3 features"
        assert dialog.windowTitle() == "Add layer: towns_gbk.shp"
    finally:
        set_language("zh", remember=False)


def test_a_qgis_project_layer_is_chosen_and_added_through_the_dialog(window, tmp_path, monkeypatch):
    from gisdesk.ui.import_dialog import FILE_FILTER
    from tests.io.test_qgis_project import _project

    supported = FILE_FILTER.split(";;")[0]
    assert "*.qgs" in supported and "*.qgz" in supported
    assert "QGIS 项目中的图层 / QGIS project layers (*.qgs *.qgz)" in FILE_FILTER.split(";;")
    path = _project(tmp_path, zipped=True)

    def run(dialog: ImportDialog) -> int:
        combo = dialog.layer_combo
        assert dialog.layer_row_visible  # two importable layers: the user chooses
        assert [combo.itemText(i) for i in range(combo.count())] == ["道路", "监测站点"]
        combo.setCurrentIndex(combo.findText("监测站点"))
        dialog.refresh_import()
        assert dialog.imported is not None and dialog.request().layer == "监测站点"
        assert _column(dialog, "name") == ["海门市监测站", "三星镇站"]
        assert any("QGIS 项目图层“监测站点”的数据取自" in line for line in _lines(dialog))
        QDialog.accept(dialog)
        return 1

    monkeypatch.setattr(ImportDialog, "exec", run)
    layer = window.add_layer_from(path, ask=True)
    assert layer is not None and layer.title == "监测站点" and len(layer) == 2
    assert layer.style is not None and layer.style.kind == "categorized"  # QGIS's own style
