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
