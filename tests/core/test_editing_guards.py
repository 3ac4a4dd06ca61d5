"""The editor's per-layer guards: a user's edit passes them, undo, redo and rule steps do not."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from gisdesk.analysis.blackspots.listing import SEGMENTS, check_segment_change
from gisdesk.core.editing import Editor
from gisdesk.core.errors import InputError
from gisdesk.core.layer import Layer
from gisdesk.core.project import Project


@pytest.fixture
def editor():
    data = gpd.GeoDataFrame(
        {"segment_id": ["HM-SG-01"], "status": ["排查"], "hazard": [None]},
        geometry=[shapely.LineString([(121.2, 31.9), (121.21, 31.9)])],
        crs=4490,
    )
    project = Project()
    project.add_layer(Layer(SEGMENTS, data))
    ed = Editor(project, user="测试")
    ed.guards[SEGMENTS] = check_segment_change
    return ed


def test_a_guarded_edit_is_refused_and_changes_nothing(editor):
    layer = editor.project.layer(SEGMENTS)
    fid = int(layer.fids[0])
    with pytest.raises(InputError, match="整治状态流转"):
        editor.update_feature(SEGMENTS, fid, {"status": "销号"})
    assert layer.data["status"].tolist() == ["排查"] and editor.transactions == []
    editor.update_feature(SEGMENTS, fid, {"hazard": "弯道视距不良"})  # other fields are free
    assert layer.data["hazard"].tolist() == ["弯道视距不良"]


def test_rule_steps_undo_and_redo_pass_the_guard(editor):
    layer = editor.project.layer(SEGMENTS)
    fid = int(layer.fids[0])
    change, _label = editor.update_change(SEGMENTS, fid, {"status": "会商"})
    editor.commit("整治状态 HM-SG-01：排查→会商", "Status", [change], guarded=False)
    assert layer.data["status"].tolist() == ["会商"]
    editor.undo()
    assert layer.data["status"].tolist() == ["排查"]
    editor.redo()
    assert layer.data["status"].tolist() == ["会商"]


def test_a_new_feature_is_guarded_too(editor):
    line = shapely.LineString([(121.3, 31.9), (121.31, 31.9)])
    with pytest.raises(InputError, match="排查"):
        editor.add_feature(SEGMENTS, line, {"segment_id": "HM-SG-02", "status": "验收"})
    fid = editor.add_feature(SEGMENTS, line, {"segment_id": "HM-SG-02", "status": "排查"})
    assert fid in editor.project.layer(SEGMENTS).fids
