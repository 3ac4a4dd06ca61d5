"""The export dialog: a form for ExportRequest, reachable from the layer tree's menu."""

from __future__ import annotations

import geopandas as gpd
from PySide6.QtWidgets import QDialog
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
