"""Run long work off the GUI thread with progress and cancel, reporting back by signals.

Work runs in Python threads (``concurrent.futures``), not QThreadPool threads: pyproj keeps
a PROJ context per Python thread, and creating CRSs in Qt-created pool threads crashed the
interpreter here now and then (segfault in ``CRS.__init__``). Signals emitted from a worker
thread reach the GUI thread queued, as with any cross-thread Qt signal.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal

from gisdesk.core.errors import Cancelled, GisdeskError
from gisdesk.core.progress import CancelToken

__all__ = ["Task", "TaskSignals", "executor", "run_task"]


class TaskSignals(QObject):
    """Signals a task emits; delivered in the GUI thread (queued across threads)."""

    progress = Signal(float, str)
    finished = Signal(object)
    failed = Signal(str, str)  # user message, technical details
    cancelled = Signal()


class Task:
    """A function run in a worker thread as ``fn(*args, progress=..., cancel=..., **kw)``."""

    def __init__(
        self, fn: Callable[..., Any], *args: Any, pass_hooks: bool = True, **kwargs: Any
    ) -> None:
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.pass_hooks = pass_hooks
        self.cancel_token = CancelToken()
        self.signals = TaskSignals()
        self.future: Future[None] | None = None

    def cancel(self) -> None:
        """Ask the task to stop at its next check."""
        self.cancel_token.cancel()

    def done(self) -> bool:
        """Whether the worker has finished (or the task never started)."""
        return self.future is None or self.future.done()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the worker has finished (signals may still be queued)."""
        if self.future is not None:
            self.future.exception(timeout)

    def run(self) -> None:
        """Run the function; never lets an exception escape the worker."""
        kwargs = dict(self.kwargs)
        if self.pass_hooks:
            kwargs["progress"] = self.signals.progress.emit
            kwargs["cancel"] = self.cancel_token
        try:
            result = self.fn(*self.args, **kwargs)
        except Cancelled:
            self.signals.cancelled.emit()
        except GisdeskError as exc:
            self.signals.failed.emit(str(exc), traceback.format_exc())
        except Exception as exc:
            self.signals.failed.emit(f"{type(exc).__name__}: {exc}", traceback.format_exc())
        else:
            if self.cancel_token.cancelled:
                self.signals.cancelled.emit()
            else:
                self.signals.finished.emit(result)


_EXECUTOR: ThreadPoolExecutor | None = None


def executor() -> ThreadPoolExecutor:
    """Return the shared pool for project work (open, save, analyses)."""
    global _EXECUTOR  # noqa: PLW0603 - one pool per process
    if _EXECUTOR is None:
        _EXECUTOR = ThreadPoolExecutor(max_workers=2, thread_name_prefix="gisdesk-task")
    return _EXECUTOR


def run_task(task: Task, pool: ThreadPoolExecutor | None = None) -> Task:
    """Start a task in a worker thread and return it."""
    task.future = (pool or executor()).submit(task.run)
    return task
