"""User plate templates kept in the project: one owner of project.settings['plate_templates']."""

from __future__ import annotations

import pytest

from gisdesk.core.project import Project
from gisdesk.export.templates import (
    SETTINGS_KEY,
    PlateTemplate,
    get_template,
    project_templates,
    store_project_template,
)


def test_a_stored_template_reads_back_under_its_name():
    project = Project()
    assert project_templates(project) == {}
    base = get_template("a4-landscape")
    store_project_template(project, "镇街专题", base)
    saved = project_templates(project)
    assert list(saved) == ["镇街专题"]
    again = PlateTemplate.from_dict(saved["镇街专题"])
    assert again.name == "镇街专题"
    assert again.page_mm == base.page_mm and again.items == base.items
    # the stored format: name -> the template's plain data, as earlier versions wrote it
    assert project.settings[SETTINGS_KEY] == {"镇街专题": again.to_dict()}


def test_a_second_template_keeps_the_first_and_a_same_name_replaces():
    project = Project()
    store_project_template(project, "甲", get_template("a4-landscape"))
    store_project_template(project, "乙", get_template("a3-portrait"))
    store_project_template(project, "甲", get_template("a3-landscape"))
    saved = project_templates(project)
    assert sorted(saved) == ["乙", "甲"]
    assert saved["甲"]["page_mm"] == list(get_template("a3-landscape").page_mm)


def test_returned_templates_are_a_copy():
    project = Project()
    store_project_template(project, "甲", get_template("a4-landscape"))
    project_templates(project)["甲"]["name"] = "changed"
    project_templates(project).clear()
    assert project_templates(project)["甲"]["name"] == "甲"


@pytest.mark.parametrize("damaged", [[1, 2], "text", 3, None])
def test_a_damaged_entry_gives_no_templates(damaged):
    project = Project()
    project.settings[SETTINGS_KEY] = damaged
    assert project_templates(project) == {}
    store_project_template(project, "甲", get_template("a4-landscape"))
    assert list(project_templates(project)) == ["甲"]


def test_unreadable_templates_are_left_out():
    project = Project()
    project.settings[SETTINGS_KEY] = {"好": get_template("a4-landscape").to_dict(), "坏": "x"}
    assert list(project_templates(project)) == ["好"]
