"""The import dialog explains a file GDAL cannot read in Chinese; GDAL's text is the tooltip."""

from __future__ import annotations

from gisdesk.core.project import Project
from gisdesk.ui.import_dialog import ImportDialog


def test_broken_geojson_is_explained_and_gdal_text_kept(qtbot, tmp_path):
    broken = tmp_path / "道路.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [}', encoding="utf-8")
    dialog = ImportDialog(broken, Project())
    qtbot.addWidget(dialog)
    assert dialog.imported is None
    item = dialog.warnings.item(0)
    assert item.text().startswith("无法读取 道路.geojson：")
    assert "GeoJSON data" not in item.text()  # the driver's English is not the message
    assert item.toolTip().startswith("pyogrio.errors.DataSourceError: ")
    assert "Failed to read GeoJSON data" in item.toolTip()


def test_an_unforeseen_reading_error_is_logged_and_said_in_chinese(qtbot, tmp_path, monkeypatch):
    import gisdesk.ui.import_dialog as module

    def fails(_request):
        raise ValueError("unexpected token at row 7")

    monkeypatch.setattr(module, "read_file", fails)
    path = tmp_path / "村庄.csv"
    path.write_text("名称,经度,纬度\n甲,121.1,31.9\n", encoding="utf-8")
    dialog = ImportDialog(path, Project())
    qtbot.addWidget(dialog)
    assert dialog.imported is None
    text = dialog.warnings.item(0).text()
    assert text.startswith("gisdesk 内部错误："), text  # not a bare 'ValueError: ...'
    assert "不是您的操作造成的" in text
    assert "日志文件" in dialog.error_details  # the traceback went to the log, not the dialog
    assert "Traceback" not in text + dialog.error_details
