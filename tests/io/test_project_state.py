"""Damaged settings, styles and metadata in a project file: opened with defaults, reported."""

from __future__ import annotations

import json
import math

import pytest

from gisdesk.io.project_state import (
    PROJECT_ENTRY,
    parse_metadata,
    parse_opacity,
    parse_settings,
    parse_style,
)
from gisdesk.io.project_store import open_project, save_project
from gisdesk.io.styles import load_styles
from tests.hostile_inputs import damage_metadata, damage_settings, damage_style


def test_parse_settings_keeps_what_it_can_read():
    settings, problems = parse_settings(
        {
            "format_version": "1",
            "title": '"海门"',
            "settings": '{"language": "zh", "sample": {"sc',
        }
    )
    assert settings == {"format_version": 1, "title": "海门"}
    (issue,) = problems
    assert issue.layer == PROJECT_ENTRY and issue.code == "settings-damaged"
    assert issue.severity == "error" and "“settings”已损坏" in issue.zh
    assert "JSONDecodeError" in issue.en


@pytest.mark.parametrize(
    ("key", "text"), [("settings", "[1, 2]"), ("title", "42"), ("format_version", "true")]
)
def test_parse_settings_refuses_the_wrong_type(key, text):
    settings, (issue,) = parse_settings({key: text})
    assert key not in settings and "类型不对" in issue.zh and "wrong type" in issue.en


@pytest.mark.parametrize(
    ("text", "zh"),
    [
        ('{"classes": [', "JSONDecodeError"),
        ("[]", "a style is a JSON object"),
        ('{"kind": "pie"}', "样式类型“pie”无效"),
        ('{"kind": "single", "symbol": {"size": 1e999}}', "尺寸和线宽须在 0 到 100 毫米之间"),
        ('{"kind": "single", "symbol": {"fill": "红"}}', "颜色“红”无效"),
    ],
)
def test_parse_style_falls_back_to_the_default(text, zh):
    fallback = object()
    style, issue = parse_style(text, layer="villages", source="x", fallback=fallback)  # type: ignore[arg-type]
    assert style is fallback
    assert issue is not None and issue.layer == "villages" and issue.code == "style-damaged"
    assert zh in issue.zh and "default style" in issue.en


def test_parse_metadata_and_opacity():
    metadata, issue = parse_metadata('{"schematic": tru', layer="rivers")
    assert not metadata.schematic and issue is not None and "示意数据" in issue.zh
    assert parse_metadata('{"schematic": true}', layer="rivers")[0].schematic
    assert parse_opacity(0.4, layer="x") == (0.4, None)
    for bad in ("半透明", math.inf, 7, -1):
        value, issue = parse_opacity(bad, layer="x")
        assert value == 1.0 and issue is not None and issue.code == "opacity-damaged"


def test_a_project_with_damaged_state_opens_with_defaults(tmp_path, sample_path):
    path = damage_settings(sample_path, tmp_path / "a.gpkg")
    damaged = damage_style(path, tmp_path / "b.gpkg", "villages")
    damaged = damage_metadata(damaged, tmp_path / "c.gpkg", "rivers")
    project = open_project(damaged)
    assert len(project) == len(open_project(sample_path))
    assert project.settings == {}
    codes = sorted((i.layer, i.code) for i in project.load_problems)
    assert codes == [
        ("rivers", "metadata-damaged"),
        ("villages", "style-damaged"),
        (PROJECT_ENTRY, "settings-damaged"),
    ]
    # the default style of the layer type is used, and saving writes it in place
    assert project.layer("villages").style == load_styles()["villages"]
    saved = save_project(project, tmp_path / "saved.gpkg")
    again = open_project(saved)
    assert again.load_problems == []


def test_an_undamaged_project_has_no_load_problems(sample_path):
    assert open_project(sample_path).load_problems == []


def test_damaged_state_never_reaches_json_dumps_as_text(tmp_path, sample_path):
    """The damaged text is not carried along: what is saved is valid JSON."""
    import sqlite3

    damaged = damage_style(sample_path, tmp_path / "d.gpkg", "villages")
    save_project(open_project(damaged), tmp_path / "e.gpkg")
    con = sqlite3.connect(tmp_path / "e.gpkg")
    try:
        (style,) = con.execute("SELECT style FROM gisdesk_layers WHERE name='villages'").fetchone()
    finally:
        con.close()
    assert isinstance(json.loads(style), dict)


def test_stored_settings_for_a_one_setting_write():
    from gisdesk.io.project_state import stored_settings

    assert stored_settings(None) == {}
    assert stored_settings('{"a": 1}') == {"a": 1}
    assert stored_settings('{"a": ') == {}
    assert stored_settings("[1]") == {}
