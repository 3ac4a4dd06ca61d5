"""The Session: one project_changed per project shown, layers/selection/state signals, the queue."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from PySide6.QtWidgets import QWidget

from gisdesk.core.errors import GisdeskError
from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.ui.project_files import ProjectFiles
from gisdesk.ui.session import Session
from gisdesk.ui.workers import Task


def _points(name: str) -> Layer:
    frame = gpd.GeoDataFrame(
        {"name": ["a", "b"]},
        geometry=[shapely.Point(121.1, 31.9), shapely.Point(121.2, 31.9)],
        crs=4490,
    )
    return Layer(name, frame)


class Recorder:
    """Every signal of a session, in order, with its arguments."""

    def __init__(self, session: Session) -> None:
        self.seen: list[tuple[str, tuple[object, ...]]] = []
        for name in (
            "project_changed",
            "layers_changed",
            "selection_changed",
            "state_changed",
            "task_started",
            "task_ended",
            "logged",
            "error_reported",
        ):
            getattr(session, name).connect(lambda *args, n=name: self.seen.append((n, args)))

    def count(self, name: str) -> int:
        return sum(1 for n, _ in self.seen if n == name)

    def args(self, name: str) -> list[tuple[object, ...]]:
        return [a for n, a in self.seen if n == name]


@pytest.fixture
def session(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    s = Session(parent)
    yield s
    s.close()


def test_project_changed_fires_once_when_a_project_is_set_and_on_new(session, qtbot):
    seen = Recorder(session)
    project = Project(title="p")
    session.set_project(project)
    assert seen.args("project_changed") == [(project,)]
    assert session.project is project and not session.modified
    files = ProjectFiles(session, session.parent())
    files.new_project()  # nothing unsaved: no question
    assert seen.count("project_changed") == 2
    assert session.project is not project and session.project is not None


def test_project_changed_fires_once_on_open(session, sample_path):
    seen = Recorder(session)
    ProjectFiles(session, session.parent()).open_path(sample_path, wait=True)
    assert seen.count("project_changed") == 1
    (opened,) = seen.args("project_changed")[0]
    assert opened is session.project and len(opened) > 0
    assert seen.count("task_started") == 1 and seen.count("task_ended") == 1
    assert session.recent() == [str(sample_path)]


def test_layers_changed_on_add_and_remove_and_the_project_counts_as_modified(session):
    session.set_project(Project(title="p"))
    seen = Recorder(session)
    session.project.add_layer(_points("one"))
    assert seen.count("layers_changed") == 1 and session.modified
    assert seen.count("state_changed") == 1  # the title's * appears once
    session.project.remove_layer("one")
    assert seen.count("layers_changed") == 2
    assert seen.count("project_changed") == 0


def test_selection_changed_names_the_layer_and_leaves_the_project_unmodified(session):
    project = Project(title="p")
    project.add_layer(_points("one"))
    session.set_project(project)
    seen = Recorder(session)
    project.layer("one").set_selection([1])
    assert seen.args("selection_changed") == [("one",)]
    assert not session.modified


def test_a_replaced_project_no_longer_reaches_the_session(session):
    old = Project(title="old")
    session.set_project(old)
    session.set_project(Project(title="new"))
    seen = Recorder(session)
    old.add_layer(_points("one"))
    assert seen.seen == [] and not session.modified


def test_mark_modified_needs_a_project(session):
    session.mark_modified()
    assert not session.modified
    session.set_project(Project(title="p"))
    session.mark_modified()
    assert session.modified


def test_a_task_asked_for_while_another_runs_waits_for_it(session):
    import threading

    gate = threading.Event()
    order: list[str] = []

    def first() -> str:
        gate.wait(10)
        return "first"

    seen = Recorder(session)
    session.start_task(Task(first, pass_hooks=False), order.append, "一")
    assert session.task_label == "一"
    session.start_task(Task(lambda: "second", pass_hooks=False), order.append, "二")
    assert any("等待" in a[0] or "starts when" in a[0] for a in seen.args("logged"))
    gate.set()
    session.start_task(Task(lambda: "third", pass_hooks=False), order.append, "三", wait=True)
    assert order == ["first", "second", "third"]
    assert session.task is None
    assert seen.count("task_started") == 3 and seen.count("task_ended") == 3


def test_a_failed_task_reports_its_error_and_keeps_the_exception(session):
    def refuse() -> None:
        raise GisdeskError("不行", "No")

    seen = Recorder(session)
    failed: list[bool] = []
    session.start_task(
        Task(refuse, pass_hooks=False),
        lambda _r: None,
        "任务",
        wait=True,
        on_failed=lambda: failed.append(True),
    )
    assert failed == [True]
    assert isinstance(session.last_failure, GisdeskError)
    ((title, message, _details),) = seen.args("error_reported")
    assert title == "任务" and session.last_error == message


def test_every_view_of_the_window_follows_the_project_the_session_shows(window):
    shown: list[object] = []
    window.session.project_changed.connect(shown.append)
    window.new_project()  # the sample is unmodified: no question
    project = window.project
    assert shown == [project] and len(project) == 0
    assert window.canvas.project is project
    assert window.dashboard.project is project
    assert window.layer_tree.topLevelItemCount() == 0
    assert window.table.model is None
    assert window.windowTitle().startswith(project.title)
