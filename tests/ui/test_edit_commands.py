"""The feature commands of the Edit menu and the snapping settings dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt

from gisdesk.ui.i18n import tr
from gisdesk.ui.snapping import SnapSettingsDialog


def test_snap_settings_keep_the_chosen_layers_and_tolerance(window, qtbot):
    dialog = SnapSettingsDialog(window.snapper, window.project, window)
    qtbot.addWidget(dialog)
    assert dialog.layers.count() == len(window.project)
    first = dialog.layers.item(0)
    first.setCheckState(Qt.CheckState.Unchecked)
    dialog.tolerance.setValue(15)
    dialog.accept()
    names = [layer.name for layer in window.project]
    assert window.snapper.layers == names[1:]
    assert window.snapper.tolerance_px == 15.0


def test_commands_on_nothing_selected_say_so_and_change_nothing(window):
    layer = window.project.layers[-1]
    window.layer_tree.select_layer(layer.name)
    layer.set_selection([])
    before = len(layer)
    commands = window.edit_commands
    commands.delete()
    hint = tr("请先选择要删除的要素。", "Select the features to delete first.")
    assert window.statusBar().currentMessage() == hint
    assert commands.copy() == 0 and window.feature_clipboard is None
    assert commands.paste() == 0
    assert len(layer) == before


def test_copy_then_paste_into_the_same_layer_adds_the_copies(window):
    layer = window.project.layer("monitoring_stations")
    window.layer_tree.select_layer(layer.name)
    layer.set_selection([0, 1])
    before = len(layer)
    assert window.edit_commands.copy() == 2
    assert window.edit_commands.paste() == 2
    assert len(layer) == before + 2
