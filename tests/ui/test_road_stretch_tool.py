"""The road-stretch tool in the window: two clicks on G328 make an accident segment.

The segment is checked in the GeoPackage the edits go to (``window.edits.store.path``):
geometry along the road, road name and stakes computed by hand from the clicked pixels and
the road pieces' stakes; then undo removes it from the file.
"""

from __future__ import annotations

import numpy as np
import pyogrio
import pytest
import shapely
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from gisdesk.ui.road_stretch_tool import RoadStretchTool

SEGMENT = {
    "segment_id": "HM-SG-90",
    "listed_level": "区级",
    "status": "排查",
    "town": "海门街道",
    "listed_date": "2026-11-20",
    "hazard": "测试：两端点选",
}


@pytest.fixture
def stretch_window(window, monkeypatch):
    """The sample zoomed to two pieces of G328 (~1.5 km apart) with the tool chosen."""
    warnings: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda _parent, _title, text, *a, **k: warnings.append(text)
    )
    window.warnings = warnings
    roads = window.project.layer("roads").data
    g328 = roads[roads["name"] == "G328"].sort_values("from_km")
    first, last = g328.iloc[20], g328.iloc[23]
    metric = g328.iloc[[20, 23]].to_crs(window.canvas.crs)
    a = metric.geometry.iloc[0].interpolate(0.5, normalized=True)
    b = metric.geometry.iloc[1].interpolate(0.5, normalized=True)
    window.canvas.zoom_to_extent(
        (min(a.x, b.x) - 400, min(a.y, b.y) - 400, max(a.x, b.x) + 400, max(a.y, b.y) + 400)
    )
    window.canvas.wait_for_frame()
    window.snapper.enabled = False  # the tool snaps to the road network itself
    window.layer_tree.select_layer("accident_segments")
    window.registry["edit_road_stretch"].trigger()
    tool = window.canvas.tool
    assert isinstance(tool, RoadStretchTool)
    return window, tool, (first, metric.geometry.iloc[0], a), (last, metric.geometry.iloc[1], b)


def _pixel(window, point) -> QPoint:
    px, py = window.canvas.viewport.to_pixels(np.array([[point.x, point.y]]))[0]
    return QPoint(round(float(px)), round(float(py)))


def _km_at(window, pixel: QPoint, piece, line) -> float:
    """The stake where a clicked pixel lies on a road piece, by hand."""
    x, y = window.canvas.viewport.to_map(pixel.x(), pixel.y())
    frac = line.project(shapely.Point(x, y), normalized=True)
    return float(piece["from_km"] + frac * (piece["to_km"] - piece["from_km"]))


def _stored(window):
    return pyogrio.read_dataframe(
        window.edits.store.path, layer="accident_segments", fid_as_index=True
    )


def test_two_clicks_on_g328_make_a_segment_with_stakes_then_undo(stretch_window) -> None:
    window, tool, (first, line_a, a), (last, line_b, b) = stretch_window
    asked: list[dict] = []

    def values(layer, initial):
        asked.append(dict(initial))
        return {**initial, **SEGMENT, "road": "不应采用", "name": "G328 测试路段"}

    window.feature_values = values
    before = len(window.project.layer("accident_segments"))
    pa, pb = _pixel(window, a), _pixel(window, b)
    QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=pa)
    assert tool.start is not None
    assert "G328" in window.statusBar().currentMessage()
    # moving to the second end previews the path along the road and its length in metres
    QTest.mouseMove(window.canvas, pb)
    assert tool.preview is not None and tool.preview_display is not None
    km_a, km_b = _km_at(window, pa, first, line_a), _km_at(window, pb, last, line_b)
    assert tool.preview.length_m == pytest.approx((km_b - km_a) * 1000.0, rel=5e-3)
    assert f"{tool.preview.length_m:,.0f} 米" in window.statusBar().currentMessage()
    QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=pb)
    assert not window.warnings

    # the form was offered the road and the stakes (and a name and the town)
    assert len(asked) == 1
    assert asked[0]["road"] == "G328"
    assert asked[0]["from_km"] == pytest.approx(km_a, abs=2e-3)
    assert asked[0]["to_km"] == pytest.approx(km_b, abs=2e-3)
    assert asked[0]["name"].startswith("G328 K")
    assert asked[0]["town"]

    layer = window.project.layer("accident_segments")
    assert len(layer) == before + 1
    stored = _stored(window)
    row = stored[stored["segment_id"] == "HM-SG-90"]
    assert len(row) == 1
    assert row["road"].iloc[0] == "G328"  # computed values win over the form's
    assert row["from_km"].iloc[0] == pytest.approx(km_a, abs=2e-3)
    assert row["to_km"].iloc[0] == pytest.approx(km_b, abs=2e-3)
    assert row["from_km"].iloc[0] < row["to_km"].iloc[0]
    assert row["name"].iloc[0] == "G328 测试路段"
    geom = row.to_crs(window.canvas.crs).geometry.iloc[0]
    assert geom.geom_type == "LineString"
    assert geom.length == pytest.approx((km_b - km_a) * 1000.0, rel=5e-3)
    # the segment lies along G328: on its vertices and covering it
    g328 = window.project.layer("roads").data
    road = shapely.union_all(g328[g328["name"] == "G328"].to_crs(window.canvas.crs).geometry)
    vertices = shapely.points(shapely.get_coordinates(geom))
    assert float(shapely.distance(vertices, road).max()) < 0.01
    assert road.intersection(geom.buffer(0.01)).length == pytest.approx(geom.length, rel=1e-3)
    assert tool.start is None and tool.preview is None  # ready for the next stretch

    window.undo.undo()
    assert len(window.project.layer("accident_segments")) == before
    assert (_stored(window)["segment_id"] == "HM-SG-90").sum() == 0


def test_form_gets_road_and_stakes_read_only(stretch_window) -> None:
    window, _tool, (_f, _la, a), (_l, _lb, b) = stretch_window
    seen: dict = {}

    def values(layer, initial, *, read_only=()):
        seen["read_only"] = set(read_only)
        return {**initial, **SEGMENT, "name": "只读检查"}

    window.feature_values = values
    QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=_pixel(window, a))
    QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=_pixel(window, b))
    assert seen["read_only"] == {"road", "from_km", "to_km"}
    assert (_stored(window)["name"] == "只读检查").sum() == 1


def test_click_off_the_roads_and_cancelled_form_add_nothing(stretch_window) -> None:
    window, tool, (_f, _la, a), (_l, _lb, b) = stretch_window
    window.feature_values = lambda layer, initial: None  # the user cancels the form
    before = len(window.project.layer("accident_segments"))
    # a pixel well beyond the click tolerance (12 px here) from every road
    away = 2 * 12 * window.canvas.viewport.resolution
    roads = window.project.layer("roads").data.to_crs(window.canvas.crs).geometry.to_numpy()
    tree = shapely.STRtree(roads)
    far = None
    for px in range(40, window.canvas.width() - 40, 20):
        for py in range(40, window.canvas.height() - 40, 20):
            x, y = window.canvas.viewport.to_map(px, py)
            if float(tree.query_nearest(shapely.Point(x, y), return_distance=True)[1][0]) > away:
                far = QPoint(px, py)
                break
        if far is not None:
            break
    assert far is not None
    QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=far)
    assert tool.start is None
    assert "没有道路" in window.statusBar().currentMessage()
    QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=_pixel(window, a))
    QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=_pixel(window, b))
    assert "取消" in window.statusBar().currentMessage()
    assert len(window.project.layer("accident_segments")) == before
    assert tool.start is None
    # Escape drops a first end
    QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=_pixel(window, a))
    assert tool.start is not None
    QTest.keyClick(window.canvas, Qt.Key.Key_Escape)
    assert tool.start is None


# --- typed stakes, proposed numbers, the status bar ----------------------------------------


def test_status_bar_names_the_segments_layer_not_the_current_one(window) -> None:
    window.layer_tree.select_layer("roads")
    window.registry["edit_road_stretch"].trigger()
    message = window.statusBar().currentMessage()
    assert "事故多发路段" in message
    assert window.project.layer("accident_segments").title in message
    assert window.project.layer("roads").title not in message.split("：", 1)[1]


def test_clicked_stretch_gets_the_next_segment_number(stretch_window) -> None:
    window, _tool, (_f, _la, a), (_l, _lb, b) = stretch_window
    asked: list[dict] = []

    def values(layer, initial, *, read_only=()):
        asked.append(dict(initial))
        return {**SEGMENT, **initial}

    window.feature_values = values
    QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=_pixel(window, a))
    QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=_pixel(window, b))
    assert asked[0]["segment_id"] == "HM-SG-11"  # the sample lists HM-SG-01 … HM-SG-10
    assert (_stored(window)["segment_id"] == "HM-SG-11").sum() == 1


def test_stake_dialog_makes_a_segment_from_typed_stakes(window, qtbot) -> None:
    from gisdesk.ui.road_stretch_tool import StakeDialog

    asked: list[dict] = []

    def values(layer, initial, *, read_only=()):
        asked.append({**initial, "read_only": set(read_only)})
        return {**SEGMENT, **initial, "hazard": "测试：桩号输入"}

    window.feature_values = values
    before = len(window.project.layer("accident_segments"))
    dialog = StakeDialog(window)
    qtbot.addWidget(dialog)
    assert dialog.segment_id.text() == "HM-SG-11"
    dialog.set_road("G328")
    dialog.from_stake.setText("K16+600")
    dialog.to_stake.setText("abc")
    assert "无法识别桩号“abc”" in dialog.info.text()
    dialog.to_stake.setText("K99+000")
    assert "超出道路 G328 的桩号范围" in dialog.info.text()
    dialog.to_stake.setText("21.7")
    assert "5,100 米" in dialog.info.text()
    dialog.segment_id.setText("HM-SG-31")  # the proposed number can be changed
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.LeftButton)
    assert dialog.added and dialog.result() == dialog.DialogCode.Accepted
    assert asked[0]["segment_id"] == "HM-SG-31"
    assert asked[0]["read_only"] == {"road", "from_km", "to_km"}
    assert asked[0]["name"] == "G328 K16+600–K21+700"

    assert len(window.project.layer("accident_segments")) == before + 1
    stored = _stored(window)
    row = stored[stored["segment_id"] == "HM-SG-31"]
    assert len(row) == 1
    assert row["road"].iloc[0] == "G328"
    assert row["from_km"].iloc[0] == pytest.approx(16.6, abs=1e-3)
    assert row["to_km"].iloc[0] == pytest.approx(21.7, abs=1e-3)
    geom = row.to_crs(window.canvas.crs).geometry.iloc[0]
    # the sample's stakes are the pieces' lengths in km: the segment is the stake difference
    assert geom.length == pytest.approx(5100.0, rel=2e-3)
    g328 = window.project.layer("roads").data
    road = shapely.union_all(g328[g328["name"] == "G328"].to_crs(window.canvas.crs).geometry)
    assert road.intersection(geom.buffer(0.01)).length == pytest.approx(geom.length, rel=1e-3)
    window.undo.undo()
    assert len(window.project.layer("accident_segments")) == before


def test_stake_dialog_stays_open_on_bad_stakes(window, qtbot) -> None:
    from gisdesk.ui.road_stretch_tool import StakeDialog

    window.feature_values = lambda layer, initial, **_k: pytest.fail("form must not open")
    dialog = StakeDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_road("S221")
    dialog.from_stake.setText("K3+000")
    dialog.to_stake.setText("K3+000")
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.LeftButton)
    assert dialog.isVisible() and not dialog.added
    assert "桩号相同" in dialog.info.text()


def test_stake_dialog_buttons_say_create_and_cancel(window, qtbot) -> None:
    from gisdesk.ui.road_stretch_tool import StakeDialog

    window.feature_values = lambda layer, initial, **_k: pytest.fail("form must not open")
    before = len(window.project.layer("accident_segments"))
    dialog = StakeDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    cancel = dialog.buttons.button(dialog.buttons.StandardButton.Cancel)
    assert (ok.text(), cancel.text()) == ("生成路段", "取消")
    qtbot.mouseClick(cancel, Qt.LeftButton)
    assert dialog.result() == dialog.DialogCode.Rejected and not dialog.isVisible()
    assert not dialog.added
    assert len(window.project.layer("accident_segments")) == before


def test_enter_in_the_tool_opens_the_stake_dialog(stretch_window, monkeypatch) -> None:
    import gisdesk.ui.road_stretch_tool as module

    window, tool, (_f, _la, a), _b = stretch_window
    opened: list[object] = []
    monkeypatch.setattr(module, "open_stake_dialog", lambda w: opened.append(w) or False)
    QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=_pixel(window, a))
    assert tool.start is not None
    QTest.keyClick(window.canvas, Qt.Key.Key_Return)
    assert opened == [window]
    assert tool.start is None  # a half-picked stretch is dropped
