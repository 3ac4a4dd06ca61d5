"""The date the targets are judged on by default: the deadline of the plan that applies."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from gisdesk.analysis.targets import default_targets, import_targets
from gisdesk.core.project import Project
from gisdesk.tasks.base import ProjectSource
from gisdesk.tasks.targets import TargetsRequest, plan_as_of


def test_the_shipped_plan_the_projects_own_and_a_file_given():
    project = Project(title="空项目")
    assert plan_as_of(ProjectSource(project)) == date(2022, 12, 31)  # the shipped 2022 plan
    first = default_targets()[0]
    import_targets(project, [replace(first, deadline=date(2025, 6, 30))])
    assert plan_as_of(ProjectSource(project)) == date(2025, 6, 30)  # the project's own plan
    import_targets(project, [replace(first, deadline=None)])
    assert plan_as_of(ProjectSource(project)) is None  # standing requirements only


def test_an_unreadable_targets_file_gives_no_date(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[[targets]\nid = ", encoding="utf-8")
    request = TargetsRequest(targets_file=str(broken))
    assert plan_as_of(ProjectSource(Project(title="p")), request) is None
    missing = TargetsRequest(targets_file=str(tmp_path / "none.toml"))
    assert plan_as_of(ProjectSource(Project(title="p")), missing) is None
