"""Digitising in the window: draw, snap, reshape, split, delete, paste; the file after each step.

Every step is checked in the GeoPackage the edits went to (the sample opens as a working
copy, so that is ``window.edits.store.path``), not only in memory.
"""

from __future__ import annotations

import numpy as np
import pyogrio
import pytest
import shapely
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from gisdesk.core.crs import transformer
from gisdesk.core.geometry_edit import nearest_vertex
from gisdesk.ui.digitize import to_display

FACTORY = {
    "factory_id": "HM-CF-9100",
    "name": "数字化厂房",
    "town": "海门街道",
    "building_type": "一栋多厂",
    "tenants": 3,
    "category": "提升",
    "status": "未整改",
}


@pytest.fixture
def editing(window, monkeypatch):
    """The sample window zoomed to 1:20 000 around the district centre, warnings recorded."""
    warnings: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda _parent, _title, text, *a, **k: warnings.append(text)
    )
    window.warnings = warnings
    window.canvas.set_scale(20000)
    window.canvas.wait_for_frame()
    return window


def _use(window, layer: str, tool: str) -> None:
    window.layer_tree.select_layer(layer)
    assert window.current_layer().name == layer
    window.set_tool(f"edit_{tool}")


def _pt(window, x: float, y: float) -> QPoint:
    px, py = window.canvas.viewport.to_pixels(np.array([[x, y]]))[0]
    return QPoint(round(float(px)), round(float(py)))


def _map(window, px: int, py: int) -> tuple[float, float]:
    return window.canvas.viewport.to_map(px, py)


def _stored(window, layer: str):
    path = window.edits.store.path
    return pyogrio.read_dataframe(path, layer=layer, fid_as_index=True)


def _display(window, geom):
    return to_display(geom, window.canvas, window.project.layer("towns"))


def test_add_point_with_form_values_then_undo_redo(editing) -> None:
    window = editing
    window.snapper.enabled = False
    window.feature_values = lambda layer, initial: dict(FACTORY)
    _use(window, "rental_factories", "add")
    QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=QPoint(300, 200))
    assert window.edits.working_copy is not None  # the sample's edits go to a working copy
    stored = _stored(window, "rental_factories")
    row = stored[stored["factory_id"] == "HM-CF-9100"]
    assert len(row) == 1 and row["name"].iloc[0] == "数字化厂房"
    x, y = _map(window, 300, 200)
    lon, lat = transformer(window.canvas.crs, 4490).transform(x, y)
    assert row.geometry.iloc[0].distance(shapely.Point(lon, lat)) < 1e-7
    window.undo.undo()
    assert "HM-CF-9100" not in set(_stored(window, "rental_factories")["factory_id"])
    window.undo.redo()
    assert "HM-CF-9100" in set(_stored(window, "rental_factories")["factory_id"])


def test_draw_polygon_shows_area_and_stores_it(editing) -> None:
    window = editing
    window.snapper.enabled = False
    window.feature_values = lambda layer, initial: {"code": "T99", "name": "测试镇", "kind": "镇"}
    _use(window, "towns", "add")
    canvas = window.canvas
    corners = [QPoint(200, 150), QPoint(400, 150), QPoint(400, 300)]
    for p in corners:
        QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=p)
    QTest.mouseMove(canvas, QPoint(200, 300))
    status = window.statusBar().currentMessage()
    assert "面积" in status and "平方" in status  # live area while drawing
    # a user's double click: the first click places the vertex, the double click finishes
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(200, 300))
    QTest.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(200, 300))
    stored = _stored(window, "towns")
    new = stored[stored["code"] == "T99"]
    assert len(new) == 1 and new.geometry.iloc[0].geom_type == "MultiPolygon"
    expected = 200 * 150 * canvas.viewport.resolution**2  # a 200 x 150 px rectangle
    area = float(_display(window, new.geometry.iloc[0]).area)
    assert area == pytest.approx(expected, rel=1e-6)


def test_bad_polygon_is_refused_with_a_message_and_nothing_stored(editing) -> None:
    window = editing
    window.snapper.enabled = False
    window.feature_values = lambda layer, initial: {"code": "T98", "name": "坏", "kind": "镇"}
    _use(window, "towns", "add")
    for p in [QPoint(200, 150), QPoint(400, 300), QPoint(400, 150), QPoint(200, 300)]:
        QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=p)
    QTest.keyClick(window.canvas, Qt.Key.Key_Return)
    assert any("几何无效" in w for w in window.warnings)
    assert window.edits.store is None or "T98" not in set(_stored(window, "towns")["code"])


def test_snapping_puts_the_vertex_exactly_on_a_road_vertex(editing) -> None:
    window = editing
    canvas = window.canvas
    window.snapper.enabled = True
    window.snapper.tolerance_px = 10
    window.snapper.layers = ["roads"]
    prep = canvas.prepared("roads")
    x0, y0, x1, y1 = canvas.viewport.extent
    coords = shapely.get_coordinates(prep.geoms[prep.query((x0, y0, x1, y1))])
    inside = coords[
        (coords[:, 0] > x0 + 0.3 * (x1 - x0))
        & (coords[:, 0] < x1 - 0.3 * (x1 - x0))
        & (coords[:, 1] > y0 + 0.3 * (y1 - y0))
        & (coords[:, 1] < y1 - 0.3 * (y1 - y0))
    ]
    target = inside[0]
    click = _pt(window, *target) + QPoint(4, 3)  # 5 px off the vertex
    window.feature_values = lambda layer, initial: {"level": "镇级河道", "name": "捕捉河"}
    _use(window, "rivers", "add")
    QTest.mouseMove(canvas, click)
    assert window.canvas.tool.snap_hit is not None
    assert window.canvas.tool.snap_hit.kind == "vertex"
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=click)
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=click + QPoint(150, 40))
    QTest.keyClick(canvas, Qt.Key.Key_Return)
    stored = _stored(window, "rivers")
    line = stored[stored["name"] == "捕捉河"].geometry.iloc[0]
    first = shapely.get_coordinates(_display(window, line))[0]
    assert np.hypot(*(first - target)) < 1e-4  # on the vertex, to a tenth of a millimetre


def _town_vertex_on_screen(window) -> tuple[int, int, np.ndarray]:
    """(row, vertex index, vertex display xy) of a town-boundary vertex near the view centre."""
    canvas = window.canvas
    prep = canvas.prepared("towns")
    x0, y0, x1, y1 = canvas.viewport.extent
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    best = None
    for row in prep.query((x0, y0, x1, y1)):
        coords = shapely.get_coordinates(prep.geoms[row])
        d = np.hypot(coords[:, 0] - cx, coords[:, 1] - cy)
        i = int(np.argmin(d[:-1]))
        if best is None or d[i] < best[0]:
            best = (d[i], int(row), i, coords[i])
    assert best is not None
    return best[1], best[2], best[3]


def test_vertex_tool_moves_adds_and_deletes_vertices(editing) -> None:
    window = editing
    window.snapper.enabled = False
    canvas = window.canvas
    _row, _index, xy = _town_vertex_on_screen(window)
    _use(window, "towns", "vertex")
    start = _pt(window, *xy)
    QTest.mouseMove(canvas, start)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    end = start + QPoint(12, -9)
    # a drag: move with the button held (QTest.mouseMove sends no buttons)
    canvas.mouseMoveEvent(
        QMouseEvent(
            QMouseEvent.Type.MouseMove,
            QPointF(end),
            QPointF(canvas.mapToGlobal(end)),
            Qt.MouseButton.NoButton,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
    )
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    # the vertex may be shared by two neighbouring towns: the tool edits one of them
    change = window.edits.editor.transactions[-1].changes[0]
    assert change.layer == "towns"
    fid = change.fid
    row = window.project.layer("towns").row_of(fid)
    index, _d = nearest_vertex(_display(window, change.before["geometry"]), *xy)
    stored = _stored(window, "towns").loc[fid].geometry
    moved = shapely.get_coordinates(_display(window, stored))
    target = np.array(_map(window, end.x(), end.y()))
    assert np.hypot(*(moved[index] - target)) < 1e-3
    assert stored.is_valid
    n = len(moved)
    # double-click on the segment after the moved vertex adds one
    mid = (moved[index] + moved[index + 1]) / 2
    QTest.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=_pt(window, *mid))
    added = shapely.get_coordinates(_display(window, _stored(window, "towns").loc[fid].geometry))
    assert len(added) == n + 1
    # right-click on the moved vertex deletes it
    QTest.mouseClick(canvas, Qt.MouseButton.RightButton, pos=_pt(window, *moved[index]))
    after = shapely.get_coordinates(_display(window, _stored(window, "towns").loc[fid].geometry))
    assert len(after) == n
    assert not np.any(np.hypot(*(after - moved[index]).T) < 1e-3)
    # three undos bring the original boundary back, in the file
    for _ in range(3):
        window.undo.undo()
    original = change.before["geometry"]
    assert window.project.layer("towns").data.geometry.iloc[row].equals_exact(original, 1e-9)
    assert _stored(window, "towns").loc[fid].geometry.equals_exact(original, 1e-9)


def test_split_line_and_undo(editing) -> None:
    window = editing
    window.snapper.enabled = False
    canvas = window.canvas
    layer = window.project.layer("roads")
    prep = canvas.prepared("roads")
    x0, y0, x1, y1 = canvas.viewport.extent
    rows = prep.query((x0, y0, x1, y1))
    lengths = shapely.length(prep.geoms[rows])
    row = int(rows[int(np.argmax(lengths))])
    line = prep.geoms[row]
    middle = line.interpolate(0.5, normalized=True)
    fid = layer.fid_at(row)
    count = len(layer)
    _use(window, "roads", "split")
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=_pt(window, middle.x, middle.y))
    stored = _stored(window, "roads")
    assert len(stored) == count + 1
    new_fid = int(stored.index.max())
    a = _display(window, stored.loc[fid].geometry).length
    b = _display(window, stored.loc[new_fid].geometry).length
    assert a + b == pytest.approx(line.length, rel=1e-6)
    assert stored.loc[new_fid, "road_id"] == stored.loc[fid, "road_id"]  # attributes copied
    window.undo.undo()
    stored = _stored(window, "roads")
    assert len(stored) == count and new_fid not in stored.index


def test_delete_copy_paste(editing) -> None:
    window = editing
    layer = window.project.layer("rental_factories")
    window.layer_tree.select_layer("rental_factories")
    layer.set_selection([0, 1])
    fids = [layer.fid_at(0), layer.fid_at(1)]
    window.registry["copy_features"].trigger()
    window.registry["delete_features"].trigger()
    stored = _stored(window, "rental_factories")
    assert not set(fids) & set(stored.index)
    window.registry["paste_features"].trigger()
    stored = _stored(window, "rental_factories")
    assert len(stored) == len(layer)
    pasted = stored.loc[stored.index.max()]
    assert pasted["factory_id"] in set(stored["factory_id"])
    # pasting points into a polygon layer is refused without touching it
    window.layer_tree.select_layer("towns")
    towns_before = len(window.project.layer("towns"))
    window.registry["paste_features"].trigger()
    assert len(window.project.layer("towns")) == towns_before
    assert "相同" in window.statusBar().currentMessage()


def _empty_pixel(window, layer: str) -> QPoint:
    """A pixel of the canvas with no feature of ``layer`` under it."""
    canvas = window.canvas
    for px in range(5, canvas.width(), 25):
        for py in range(5, canvas.height(), 25):
            if len(canvas.features_at(px, py, layer)) == 0:
                return QPoint(px, py)
    raise AssertionError(f"every pixel shows a feature of {layer}")


@pytest.mark.parametrize(
    ("tool", "said"),
    [
        ("move", ("此处没有要素。", "No feature here.")),
        ("split", ("此处没有线要素。", "No line here.")),
    ],
)
def test_a_click_beside_every_feature_says_so_and_changes_nothing(editing, tool, said) -> None:
    window = editing
    window.snapper.enabled = False
    count = len(window.project.layer("roads"))
    shown: list[str] = []
    window.status = shown.append
    _use(window, "roads", tool)
    spot = _empty_pixel(window, "roads")
    QTest.mousePress(window.canvas, Qt.MouseButton.LeftButton, pos=spot)
    QTest.mouseRelease(window.canvas, Qt.MouseButton.LeftButton, pos=spot)
    assert shown and shown[-1] in said
    assert len(window.project.layer("roads")) == count
    assert window.undo.count() == 0 and not window.modified
