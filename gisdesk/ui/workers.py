"""Run long work off the GUI thread with progress and cancel, reporting back by signals.

Work runs in Python threads (``concurrent.futures``), not QThreadPool threads: pyproj keeps
a PROJ context per Python thread, and creating CRSs in Qt-created pool threads crashed the
interpreter here now and then (segfault in ``CRS.__init__``). Signals emitted from a worker
thread reach the GUI thread queued, as with any cross-thread Qt signal.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal

from gisdesk.core.driver_errors import explain, explain_gisdesk_error
from gisdesk.core.errors import Cancelled, GisdeskError
from gisdesk.core.progress import CancelToken
from gisdesk.io.logs import log_exception, where_logged
from gisdesk.ui.i18n import language, tr

__all__ = ["Task", "TaskSignals", "error_text", "executor", "run_task", "unexpected_error"]


def _context(fn: Callable[..., Any]) -> str:
    return f"task {getattr(fn, '__qualname__', None) or getattr(fn, '__name__', repr(fn))}"


def unexpected_error(context: str, exc: BaseException) -> tuple[str, str]:
    """Log an unexpected exception with its traceback; return (message, details) for a dialog.

    A data driver's exception (GDAL, PostGIS, SQLite) is not a fault of gisdesk: its message
    says in words what went wrong and the details hold the driver's own text.

    The message names the error in one line; the details say where the log file is. Neither
    holds a Python traceback: that is for maintainers, in the log.
    """
    problem = explain(exc)
    if problem is not None:  # a driver's error (GDAL, PostGIS): explained, its text kept
        where_zh, where_en = where_logged(log_exception(context, exc, expected=True))
        return problem.message(language()), f"{problem.details}\n\n{tr(where_zh, where_en)}"
    where_zh, where_en = where_logged(log_exception(context, exc))
    what = f"{type(exc).__name__}: {exc}"
    if len(what) > 300:
        what = what[:299] + "…"
    message = tr(
        f"gisdesk 内部错误：{what}\n这是 gisdesk 的问题，不是您的操作造成的。",
        f"Internal error in gisdesk: {what}\nThis is a fault of gisdesk, not of what you did.",
    )
    details = tr(
        f"{where_zh}\n请把该文件发给维护人员。",
        f"{where_en}\nPlease send that file to the maintainers.",
    )
    return message, details


def error_text(context: str, exc: BaseException) -> tuple[str, str]:
    """(message, details) for any exception shown to the user; logged, never a traceback.

    A gisdesk error gives its message, with a driver's text it quotes moved to the details;
    anything else goes through :func:`unexpected_error`.
    """
    if isinstance(exc, GisdeskError):
        log_exception(context, exc, expected=True)
        zh, en, details = explain_gisdesk_error(exc)
        return tr(zh, en), details
    return unexpected_error(context, exc)


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
        self.error: BaseException | None = None  # what made the task fail, if it failed

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
        except GisdeskError as exc:  # bad input: its message says what to fix
            self.error = exc
            self.signals.failed.emit(*error_text(_context(self.fn), exc))
        except Exception as exc:  # a fault of gisdesk: the traceback goes to the log only
            self.error = exc
            message, details = unexpected_error(_context(self.fn), exc)
            self.signals.failed.emit(message, details)
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
