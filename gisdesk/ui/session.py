"""The working session: the open project, its editor and undo stack, and the task queue.

The main window is a frame of docks and menus; what it shows comes from the Session. Views
follow its signals instead of asking the window:

- ``project_changed(project)`` once per project shown (opened, new, recovered, closed: None);
- ``layers_changed()`` when layers are added, removed or reordered;
- ``selection_changed(name)`` when a layer's selection changes;
- ``state_changed()`` when the title's parts change (path, ``*`` for unsaved, read-only);
- ``task_started(label)``, ``task_progress(percent, message)``, ``task_ended()`` for the
  progress bar and cancel button of the one task that runs at a time;
- ``logged(text)``, ``message(text)`` and ``error_reported(title, message, details)`` for the
  log dock, the status bar and error boxes;
- ``recent_changed()`` when the list of recent project files changes;
- ``settings_changed(key)`` when an entry of ``project.settings`` was stored (e.g. the
  black-spot notes: the segment file shown reads them again).

Opening and saving files, and recovering a crashed session's working copy, are in
:mod:`gisdesk.ui.project_files` (the session owns one ``ProjectFiles``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QUndoStack

from gisdesk.core.default_style import (
    Family,
    default_style,
    geometry_family,
    notice,
    style_unstyled,
)
from gisdesk.core.editing import EditTransaction
from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.ui.editing import EditController, JournalCommand
from gisdesk.ui.i18n import language, settings, tr
from gisdesk.ui.workers import Task, run_task

__all__ = ["MAX_RECENT", "Session"]

MAX_RECENT = 8


class Session(QObject):
    """One project at a time, its editor, undo stack and the queue of long tasks."""

    project_changed = Signal(object)  # Project | None
    layers_changed = Signal()
    selection_changed = Signal(str)  # layer name
    state_changed = Signal()
    task_started = Signal(str)  # label
    task_progress = Signal(int, str)  # percent, message
    task_ended = Signal()
    logged = Signal(str)
    message = Signal(str)
    error_reported = Signal(str, str, str)  # title, message, details
    recent_changed = Signal()
    settings_changed = Signal(str)  # the project.settings key just stored

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self._modified = False
        self.undo = QUndoStack(self)
        self.edits = EditController(self.undo, self)
        self.task: Task | None = None
        self.task_label = ""
        self.last_failure: BaseException | None = None  # what made the last task fail
        self.last_error = ""  # the message of the last error reported
        # Tasks asked for while another runs wait here and start in turn (saving during an
        # analysis waits for it instead of cancelling it).
        self._queued: list[Callable[[], None]] = []
        self._unsubscribe: list[Callable[[], None]] = []
        self.undo.indexChanged.connect(self._undo_index_changed)
        self.edits.edited.connect(self._edited)

    # --- the project --------------------------------------------------------------------

    def set_project(self, project: Project | None, *, working_copy: Path | None = None) -> None:
        """Make ``project`` the open one (``working_copy``: where its edits are kept)."""
        for off in self._unsubscribe:
            off()
        self._unsubscribe = []
        self.project = project
        self.undo.clear()
        self.edits.attach(project, working_copy=working_copy)
        assumed = style_unstyled(project) if project is not None else []
        if project is not None:
            self._unsubscribe.append(project.layers_changed.connect(self._layers_changed))
            self._unsubscribe.append(project.layer_changed.connect(self._layer_changed))
        self._modified = False
        self.project_changed.emit(project)
        self.state_changed.emit()
        self._tell_assumed(assumed)

    def _tell_assumed(self, assumed: list[tuple[Layer, Family]]) -> None:
        """Say which layers were given a default style (log and status bar)."""
        for layer, family in assumed:
            self.log(notice(layer.title, family))
        if assumed:
            self.status("；".join(notice(layer.title, family) for layer, family in assumed))

    @property
    def modified(self) -> bool:
        """Whether the project has changes not saved to its file (the title's ``*``)."""
        return self._modified

    @modified.setter
    def modified(self, value: bool) -> None:
        if value != self._modified:
            self._modified = value
            self.state_changed.emit()

    def mark_modified(self) -> None:
        """Count the open project as changed (nothing happens without a project)."""
        if self.project is not None:
            self.modified = True

    def edits_saved(self) -> bool:
        """Whether feature edits go straight into the project's own file."""
        return self.edits.durable and self.edits.working_copy is None

    def _layers_changed(self, *_args: object) -> None:
        self.mark_modified()
        self.layers_changed.emit()
        project = self.project
        if project is None:
            return
        assumed = []  # a layer added without a style (a bare layer, a plug-in's result)
        for index, layer in enumerate(project):
            family = geometry_family(layer.data) if layer.style is None else None
            if family is not None:
                layer.set_style(default_style(family, index, layer.title))
                assumed.append((layer, family))
        self._tell_assumed(assumed)

    def _layer_changed(self, layer: Layer, reason: str) -> None:
        if reason == "selection":
            self.selection_changed.emit(layer.name)
            return
        if reason == "data" and self.edits.applying and self.edits_saved():
            return  # an accepted edit, already in the project file
        self.mark_modified()

    def _undo_index_changed(self, _index: int) -> None:
        command = self.undo.command(self.undo.index() - 1) if self.undo.index() else None
        redone = self.undo.command(self.undo.index())
        journal = isinstance(command, JournalCommand) or isinstance(redone, JournalCommand)
        if journal and self.edits_saved():
            return
        self.mark_modified()

    def _edited(self, txn: EditTransaction) -> None:
        text = txn.label(language())
        where = tr("已保存到项目文件", "saved to the project file")
        if not self.edits_saved():
            where = tr("已保存到工作副本", "saved to the working copy")
        self.status(tr(f"{text}（{where}）", f"{text} ({where})"))

    # --- messages -----------------------------------------------------------------------

    def status(self, text: str) -> None:
        """Show a short message in the status bar."""
        self.message.emit(text)

    def log(self, text: str) -> None:
        """Append a line to the log."""
        self.logged.emit(text)

    def report_error(self, title: str, message: str, details: str = "") -> None:
        """Tell the user what went wrong (the window shows a box and logs it)."""
        self.last_error = message
        self.error_reported.emit(title, message, details)

    # --- recent files -------------------------------------------------------------------

    @staticmethod
    def recent() -> list[str]:
        """The project files opened or saved lately, newest first."""
        value = settings().value("recent", [])
        if isinstance(value, str):  # QSettings gives a lone string for a one-item list
            return [value]
        return [str(v) for v in value] if isinstance(value, list) else []

    def remember_recent(self, path: Path) -> None:
        """Put a project file first in the recent list."""
        recent = [p for p in self.recent() if p != str(path)]
        settings().setValue("recent", [str(path), *recent][:MAX_RECENT])
        self.recent_changed.emit()

    # --- long work ----------------------------------------------------------------------

    def start_task(
        self,
        task: Task,
        on_done: object,
        label: str,
        *,
        wait: bool = False,
        on_failed: Callable[[], None] | None = None,
        replace: bool = False,
    ) -> None:
        """Run a task in a worker with progress and cancel; errors become messages.

        One task runs at a time. A task asked for while another runs waits for it and then
        starts; with ``replace`` (opening another project) the running task is cancelled and
        the waiting ones are dropped instead. ``on_failed`` runs when the task fails or is
        cancelled (e.g. to undo preparations). ``wait`` blocks, processing events, until the
        task has ended.
        """
        ended: list[bool] = []
        if replace:
            self._queued.clear()
            if self.task is not None:
                self.task.cancel()
        elif self.task is not None:
            self._queued.append(lambda: self._run_task(task, on_done, label, on_failed, ended))
            self.log(
                tr(
                    f"{label}：等待“{self.task_label}”完成后开始",
                    f"{label}: starts when '{self.task_label}' has finished",
                )
            )
            if wait:
                self._wait_for(ended)
            return
        self._run_task(task, on_done, label, on_failed, ended)
        if wait:
            self._wait_for(ended)

    def _wait_for(self, ended: list[bool]) -> None:
        while not ended:
            if self.task is not None:
                with contextlib.suppress(TimeoutError):
                    self.task.wait(0.02)
            QCoreApplication.processEvents()

    def _run_task(
        self,
        task: Task,
        on_done: object,
        label: str,
        on_failed: Callable[[], None] | None,
        ended: list[bool],
    ) -> None:
        self.task = task
        self.task_label = label
        self.task_started.emit(label)

        def finish() -> None:
            if self.task is task:  # not replaced by a task that took over the bar
                self.task = None
                self.task_ended.emit()
            ended.append(True)

        def next_task() -> None:
            if self.task is None and self._queued:
                self._queued.pop(0)()

        def failed(message: str, details: str) -> None:
            self.last_failure = task.error  # the exception itself, for callers that wait
            finish()
            if on_failed is not None:
                on_failed()
            self.report_error(label, message, details)
            next_task()

        def cancelled() -> None:
            finish()
            if on_failed is not None:
                on_failed()
            self.log(tr(f"{label}已取消", f"{label} cancelled"))
            next_task()

        def succeeded(result: object) -> None:
            finish()
            on_done(result)  # type: ignore[operator]
            next_task()

        def progress(fraction: float, message: str) -> None:
            self.task_progress.emit(int(fraction * 100), message)

        task.signals.progress.connect(progress)
        task.signals.finished.connect(succeeded)
        task.signals.failed.connect(failed)
        task.signals.cancelled.connect(cancelled)
        run_task(task)

    def cancel_task(self) -> None:
        """Cancel the running task."""
        if self.task is not None:
            self.task.cancel()

    def close(self) -> None:
        """Drop waiting tasks, cancel the running one and let go of the project's files."""
        self._queued.clear()
        if self.task is not None:
            self.task.cancel()
        self.edits.detach()
