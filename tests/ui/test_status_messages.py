"""The status bar drops a task's step message once the task has ended."""

from __future__ import annotations

import threading

import pytest

from gisdesk.core.progress import check_cancel
from gisdesk.ui.workers import Task

STEP = "合并服务区面"


@pytest.fixture
def bare_window(qtbot):
    from gisdesk.ui.main_window import MainWindow

    win = MainWindow()
    win.show()
    yield win
    win.modified = False
    win.close()
    win.deleteLater()


def _stepping(release: threading.Event, progress, cancel):
    progress(0.5, STEP)
    while not release.wait(0.01):
        check_cancel(cancel)
    return 1


@pytest.mark.parametrize("how", ["cancel", "finish"])
def test_step_message_cleared_after_the_run(qtbot, bare_window, how):
    release = threading.Event()
    task = Task(_stepping, release)
    done: list[object] = []
    bare_window.start_task(task, done.append, "服务区分析")
    bar = bare_window.statusBar()
    qtbot.waitUntil(lambda: bar.currentMessage() == STEP)
    assert bare_window.indicators.cancel_button.isVisible()
    if how == "cancel":
        bare_window.indicators.cancel_button.click()
    else:
        release.set()
    qtbot.waitUntil(lambda: bare_window.task is None)
    assert bar.currentMessage() != STEP
    assert (done == [1]) == (how == "finish")


def test_a_later_message_is_left_alone(qtbot, bare_window):
    release = threading.Event()
    bare_window.start_task(Task(_stepping, release), lambda _r: None, "服务区分析")
    bar = bare_window.statusBar()
    qtbot.waitUntil(lambda: bar.currentMessage() == STEP)
    bare_window.status("已选择 3 个要素")
    release.set()
    qtbot.waitUntil(lambda: bare_window.task is None)
    assert bar.currentMessage() == "已选择 3 个要素"
