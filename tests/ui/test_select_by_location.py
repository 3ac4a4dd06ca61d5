"""按位置选择, driven through its real widgets: results against shapely in metres."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from gisdesk.ui.select_by_location_dialog import SelectByLocationDialog

SHOTS = Path(os.environ.get("GISDESK_SHOTS", tempfile.mkdtemp(prefix="gisdesk-shots-")))


def _near(villages, stations, metres: float) -> np.ndarray:
    """Villages within ``metres`` of any station: pyproj to EPSG:4549, shapely distances."""
    to_m = Transformer.from_crs(4490, 4549, always_xy=True)

    def project(gdf):
        return shapely.transform(
            gdf.geometry.to_numpy(),
            lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1])),
        )

    d = shapely.distance(project(villages)[:, None], project(stations)[None, :]).min(axis=1)
    return np.flatnonzero(d <= metres)


def _pick(combo, data) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


@pytest.fixture
def project(sample_path):
    from gisdesk.io.project_store import open_project

    return open_project(sample_path)


def test_villages_within_3_km_of_stations(qtbot, project):
    dialog = SelectByLocationDialog(project, target="villages", reference="monitoring_stations")
    qtbot.addWidget(dialog)
    dialog.show()
    messages: list[str] = []
    dialog.selected.connect(messages.append)
    assert dialog.target.currentData() == "villages"
    _pick(dialog.predicate, "dwithin")
    assert dialog.distance.isEnabled()
    dialog.distance.setValue(3000)
    assert not dialog.only_selected.isEnabled()  # no station selected yet
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Apply), Qt.MouseButton.LeftButton
    )
    villages = project.layer("villages")
    stations = project.layer("monitoring_stations")
    expected = _near(villages.data, stations.data, 3000)
    np.testing.assert_array_equal(villages.selection, expected)
    assert f"现选中 {len(expected)} 个要素" in dialog.result_line.text()
    assert messages and "3000 米以内" in messages[-1]
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SHOTS / "select_by_location.png"))

    # only the first station, removed from the current selection
    stations.set_selection([0])
    dialog._update_state()
    assert dialog.only_selected.isEnabled() and "已选 1 个" in dialog.only_selected.text()
    dialog.only_selected.setChecked(True)
    _pick(dialog.mode, "remove")
    assert dialog.run() == len(
        np.setdiff1d(expected, _near(villages.data, stations.data.iloc[[0]], 3000))
    )


def test_within_towns_and_a_bad_choice_is_explained(qtbot, project):
    dialog = SelectByLocationDialog(project, target="villages", reference="towns")
    qtbot.addWidget(dialog)
    _pick(dialog.predicate, "within")
    assert not dialog.distance.isEnabled()
    project.layer("towns").set_selection([0])
    dialog._update_state()
    dialog.only_selected.setChecked(True)
    n = dialog.run()
    town = project.layer("towns").data.geometry.iloc[0]
    inside = shapely.contains(town, project.layer("villages").data.geometry.to_numpy())
    assert n == int(inside.sum()) > 0
    # select within the current selection: villages of that town within 3 km of a station
    _pick(dialog.predicate, "dwithin")
    _pick(dialog.reference, "monitoring_stations")
    _pick(dialog.mode, "intersect")
    near = _near(project.layer("villages").data, project.layer("monitoring_stations").data, 3000)
    assert dialog.run() == len(np.intersect1d(np.flatnonzero(inside), near))
    dialog.reference.setCurrentIndex(-1)
    assert dialog.run() is None
    assert "请选择两个图层" in dialog.error.text()


def test_the_window_menu_selection_reaches_map_and_table(window, qtbot):
    from gisdesk.ui.select_by_location_dialog import open_select_by_location

    window.show_table("villages")
    assert "select_by_location" in window.registry.actions
    dialog = open_select_by_location(window)
    assert dialog is not None
    _pick(dialog.target, "villages")
    _pick(dialog.reference, "monitoring_stations")
    _pick(dialog.predicate, "dwithin")
    dialog.distance.setValue(3000)
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    villages = window.project.layer("villages")
    assert len(villages.selection) > 0
    window.table.selected_only.setChecked(True)
    assert window.table.model.rowCount() == len(villages.selection)
    assert "3000 米以内" in window.statusBar().currentMessage()
