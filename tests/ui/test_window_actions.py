"""The window's commands are one table: texts in both languages, unique keys and shortcuts."""

from __future__ import annotations

from operator import attrgetter

from PySide6.QtGui import QAction, QKeySequence

from gisdesk.ui.actions import key_sequences
from gisdesk.ui.i18n import tr
from gisdesk.ui.window_actions import WINDOW_ACTIONS, builtin_tools

PORTABLE = QKeySequence.SequenceFormat.PortableText


def test_every_action_has_chinese_and_english_text_and_a_unique_key():
    keys = [spec.id for spec in WINDOW_ACTIONS]
    assert len(keys) == len(set(keys))
    for spec in WINDOW_ACTIONS:
        assert spec.zh.strip() and spec.en.strip(), spec.id
        assert spec.zh != spec.en, spec.id
        assert isinstance(spec.callback, str), spec.id  # a name, looked up on the window


def test_no_two_actions_share_a_shortcut():
    seen: dict[str, str] = {}
    for spec in WINDOW_ACTIONS:
        if spec.shortcut is None:
            continue
        for sequence in key_sequences(spec.shortcut):
            text = sequence.toString(PORTABLE)
            assert text not in seen, f"{spec.id} and {seen.get(text)} share {text}"
            seen[text] = spec.id


def test_every_map_tool_action_has_a_tool_and_every_tool_an_action():
    tool_actions = {spec.id for spec in WINDOW_ACTIONS if spec.callback == "set_tool"}
    assert tool_actions == set(builtin_tools())
    for spec in WINDOW_ACTIONS:
        if spec.callback == "set_tool":
            assert spec.args == (spec.id,) and spec.checkable and spec.group == "map_tools"


def test_the_window_builds_every_action_with_its_handler_text_and_shortcuts(window):
    for spec in WINDOW_ACTIONS:
        assert callable(attrgetter(spec.callback)(window)), spec.id
        action = window.findChild(QAction, f"action_{spec.id}")
        assert action is not None, spec.id
        assert action.text() == tr(spec.zh, spec.en)
    all_keys = [
        s.toString(PORTABLE)
        for action in window.registry.actions.values()
        for s in action.shortcuts()
    ]
    assert len(all_keys) == len(set(all_keys))  # plug-ins' actions included


def test_the_shortcuts_people_know_are_kept(window):
    expected = {
        "add_layer": "Ctrl+L",
        "attribute_table": "F6",
        "style": "F7",
        "clear_selection": "Ctrl+Shift+A",
        "zoom_full": "Ctrl+Shift+F",
        "zoom_selection": "Ctrl+J",
        "rerun": "Ctrl+R",
        "evaluate_targets": "Ctrl+T",
        "plate": "Ctrl+P",
        "refresh": "F5",
        "tool_pan": "P",
        "tool_zoom_box": "Z",
        "tool_identify": "I",
        "tool_select": "S",
        "tool_measure_line": "M",
        "tool_measure_area": "Shift+M",
        "edit_add": "Ctrl+.",
        "edit_vertex": "V",
        "delete_features": "Del",
        "prev_extent": "Alt+Left",
        "next_extent": "Alt+Right",
    }
    for key, shortcut in expected.items():
        texts = [s.toString(PORTABLE) for s in window.registry[key].shortcuts()]
        assert shortcut in texts, (key, texts)
    assert window.registry["tool_pan"].isChecked()  # the map starts with the pan tool


def test_triggering_an_action_runs_its_handler(window):
    before = window.canvas.viewport.resolution
    window.registry["zoom_in"].trigger()
    assert window.canvas.viewport.resolution < before
    window.registry["tool_measure_line"].trigger()
    assert type(window.canvas.tool).__name__ == "MeasureLineTool"
