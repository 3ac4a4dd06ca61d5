"""A new feature's 所属镇（街道） is proposed from where it was digitised (the form opens with
the town that holds it; the user can still change it)."""

from __future__ import annotations

import numpy as np
import shapely
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from gisdesk.core.crs import transformer
from gisdesk.ui.digitize import layer_crs


def _pixel_in(window, town: str) -> QPoint:
    """A pixel of the canvas inside the named town, the canvas zoomed to that town."""
    towns = window.project.layer("towns")
    row = towns.data[towns.data["name"] == town].iloc[0]
    t = transformer(layer_crs(towns), window.canvas.crs)
    inside = shapely.transform(
        row.geometry.point_on_surface(),
        lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])),
    )
    window.canvas.zoom_to_extent(inside.buffer(3000).bounds)
    window.canvas.wait_for_frame()
    ((px, py),) = window.canvas.viewport.to_pixels(np.array([[inside.x, inside.y]]))
    return QPoint(round(float(px)), round(float(py)))


def _asked(window, monkeypatch, layer: str, tool: str = "edit_add") -> list[dict]:
    """Choose the layer and the tool; the form records what it was offered and cancels."""
    seen: list[dict] = []

    def answer(layer, initial, **_kw) -> dict | None:
        seen.append(dict(initial))
        return None if layer is not None else {}  # cancel: nothing is added

    monkeypatch.setattr(window, "feature_values", answer)
    window.snapper.enabled = False
    window.layer_tree.select_layer(layer)
    window.set_tool(tool)
    window.canvas.tool.values = window.feature_values
    return seen


def test_a_new_village_gets_the_town_it_was_placed_in(window, monkeypatch) -> None:
    seen = _asked(window, monkeypatch, "villages")
    for town in ("常乐镇", "包场镇"):
        QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=_pixel_in(window, town))
    assert [s.get("town") for s in seen] == ["常乐镇", "包场镇"]


def test_a_feature_outside_every_town_gets_no_town(window, monkeypatch) -> None:
    seen = _asked(window, monkeypatch, "villages")
    towns = window.project.layer("towns")
    xmin, ymin, _xmax, _ymax = towns.data.total_bounds
    t = transformer(layer_crs(towns), window.canvas.crs)
    x, y = t.transform(xmin - 0.05, ymin - 0.05)  # beyond the district's south-west corner
    window.canvas.zoom_to_extent((x - 2000, y - 2000, x + 2000, y + 2000))
    window.canvas.wait_for_frame()
    ((px, py),) = window.canvas.viewport.to_pixels(np.array([[x, y]]))
    QTest.mouseClick(
        window.canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(float(px)), round(float(py)))
    )
    assert seen == [{}]


def test_a_registered_factory_gets_the_town_of_its_outline(window, monkeypatch) -> None:
    seen = _asked(window, monkeypatch, "rental_factories", "edit_factory")
    centre = _pixel_in(window, "悦来镇")
    for dx, dy in ((-4, -4), (4, -4), (4, 4), (-4, 4)):
        QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=centre + QPoint(dx, dy))
    QTest.keyClick(window.canvas, Qt.Key.Key_Return)
    assert [s.get("town") for s in seen] == ["悦来镇"]
