"""The export dialog: a form for ExportRequest, reachable from the layer tree's menu."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QPushButton
from shapely.geometry import Point

from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.tasks.exports import ExportRequest
from gisdesk.ui.export_dialog import ExportDialog
from gisdesk.ui.layer_tree import LayerTree


def _project() -> Project:
    project = Project(title="t")
    data = gpd.GeoDataFrame({"name": ["甲"]}, geometry=[Point(121.2, 31.9)], crs=4490)
    project.add_layer(Layer("points", data))
    project.add_layer(Layer("more", data.copy()))
    return project


def test_the_dialog_states_a_request_and_refuses_a_bad_one(qtbot, tmp_path):
    dialog = ExportDialog(_project(), "points")
    qtbot.addWidget(dialog)
    assert dialog.request() == ExportRequest(layer="points", out="", format=None, headers="zh")
    dialog.accept()  # no output file yet: the reason shows, the dialog stays
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error.text() == "请指明输出文件。"
    dialog.out.setText(str(tmp_path / "pts.xlsx"))
    dialog.format.setCurrentIndex(dialog.format.findData("csv"))
    dialog.headers.setCurrentIndex(dialog.headers.findData("en"))
    assert dialog.request() == ExportRequest(
        layer="points", out=str(tmp_path / "pts.xlsx"), format="csv", headers="en"
    )
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_the_layer_menu_offers_the_export_once_it_is_wired(qtbot):
    tree = LayerTree()
    qtbot.addWidget(tree)
    tree.set_project(_project())
    before = [action.text() for action in tree.layer_menu("points").actions()]
    asked: list[str] = []
    tree.export_requested.connect(asked.append)
    menu = tree.layer_menu("points")
    assert "导出图层…" not in before
    assert [a.text() for a in menu.actions()].count("导出图层…") == 1
    next(a for a in menu.actions() if a.text() == "导出图层…").trigger()
    assert asked == ["points"]


def test_an_existing_output_is_described_instead_of_asking_replace(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from gisdesk.io.vector_export import export_geopackage
    from gisdesk.ui import file_dialogs

    project = _project()
    target = tmp_path / "共享.gpkg"
    export_geopackage([project.layer("points"), Layer("道路", project.layer("more").data)], target)
    dialog = ExportDialog(project, "points")
    qtbot.addWidget(dialog)
    assert dialog.consequence.text() == ""  # no file yet
    asked: list = []

    def save_name(file_dialog: QFileDialog) -> str:
        asked.append(file_dialog.testOption(QFileDialog.Option.DontConfirmOverwrite))
        return str(target)

    monkeypatch.setattr(file_dialogs, "_choose", save_name)
    browse = next(b for b in dialog.findChildren(QPushButton) if b.text() == "浏览…")
    qtbot.mouseClick(browse, Qt.MouseButton.LeftButton)
    assert asked == [True]  # Qt's "replace?" is not asked: the dialog says what happens
    assert dialog.out.text() == str(target)
    assert dialog.consequence.text() == (
        "文件 共享.gpkg 已存在：将替换其中的图层“points”，其他 1 个图层保留：道路。"
    )
    shots = Path(os.environ.get("GISDESK_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    dialog.show()
    assert dialog.grab().save(str(shots / "export_into_geopackage.png"))
    dialog.layer.setCurrentIndex(dialog.layer.findData("more"))
    assert dialog.consequence.text() == (
        "文件 共享.gpkg 已存在：将把图层“more”添加进去，其他 2 个图层保留：points、道路。"
    )
    shp = tmp_path / "pts.shp"
    shp.write_bytes(b"")
    dialog.out.setText(str(shp))
    assert dialog.consequence.text() == "文件 pts.shp 已存在，导出将整个替换它。"
    not_gpkg = tmp_path / "假.gpkg"
    not_gpkg.write_text("<b>不是</b>", encoding="utf-8")
    dialog.out.setText(str(not_gpkg))
    assert "已存在，但不是 GeoPackage" in dialog.consequence.text()
    assert dialog.consequence.textFormat() == Qt.TextFormat.PlainText
    dialog.out.setText(str(tmp_path / "新.gpkg"))
    assert dialog.consequence.text() == ""
