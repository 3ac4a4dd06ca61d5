"""The window's side of editing: one Editor per project, its store, and the undo stack.

:class:`EditController` owns the project's :class:`~gisdesk.core.editing.Editor` and its
:class:`~gisdesk.io.edit_journal.GpkgEditStore`. Every tool, form and table edit calls
:meth:`EditController.commit` (or a helper built on it); errors reach the user as a message
and change nothing. Each accepted transaction becomes a :class:`JournalCommand` on the
window's ``QUndoStack``, so Ctrl+Z and the Edit menu undo feature edits and style changes
in one order. The journal in the file is the truth: after a reopen the stack is rebuilt
from it, so undo survives saving and closing.

Where edits go:

* a project file the user can write: straight into it. The controller holds the project's
  lock (:mod:`gisdesk.io.project_lock`) from opening to closing, so no other program or
  window writes the file meanwhile; opening writes nothing into the file;
* a project without a file or the bundled sample: into a working copy in the recovery
  folder, created at the first edit; "Save as" moves the work to the chosen file. A
  working copy left by a crashed session is offered again at the next start;
* a file this user may not write, or one another program or window is writing: nowhere.
  The project opens read-only (:attr:`EditController.read_only` says why) and every edit
  is refused with that reason; "Save as" to a file of one's own makes it editable.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QStandardPaths, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from shapely.geometry.base import BaseGeometry

from gisdesk.analysis.blackspots.listing import SEGMENTS, check_segment_change
from gisdesk.core.editing import (
    Editor,
    EditTransaction,
    FeatureChange,
    default_user,
)
from gisdesk.core.errors import GisdeskError, InputError, ProjectError
from gisdesk.core.field_calculator import add_field, remove_field
from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.io.edit_journal import GpkgEditStore, RecoveryReport, pid_alive, read_transactions
from gisdesk.io.project_lock import ProjectLock, read_only_reason
from gisdesk.io.project_store import save_project
from gisdesk.resources import sample_data_dir
from gisdesk.ui.i18n import language, settings, tr
from gisdesk.ui.workers import error_text

_T = TypeVar("_T")

__all__ = [
    "EditController",
    "JournalCommand",
    "NewFieldCommand",
    "is_bundled_sample",
    "recoverable_copies",
    "recovery_dir",
    "writable_project_file",
]


def recovery_dir() -> Path:
    """The folder for working copies of projects that have no writable file of their own."""
    override = os.environ.get("GISDESK_RECOVERY_DIR")
    base = Path(
        override or QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    )
    folder = base / "recovery" if not override else base
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _marker(path: Path) -> dict[str, Any] | None:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute(
                "SELECT value FROM gisdesk_project WHERE key='edit_session'"
            ).fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    if row is None:
        return None
    try:
        return dict(json.loads(row[0]))
    except (TypeError, ValueError):  # a damaged marker: not a session to recover
        return None


def _in_use(path: Path) -> bool:
    """Whether a running program holds the file's lock."""
    lock = ProjectLock(path)
    try:
        lock.acquire(timeout=0, purpose="recover")
    except GisdeskError:
        return True
    lock.release()
    return False


def recoverable_copies() -> list[Path]:
    """Working copies whose session ended in a crash (newest first)."""
    found = []
    for path in recovery_dir().glob("*.gpkg"):
        marker = _marker(path)
        if marker is None:
            continue
        pid = int(marker.get("pid", 0))
        alive = marker.get("host") == socket.gethostname() and pid_alive(pid)
        if not alive and not _in_use(path):
            found.append(path)
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def is_bundled_sample(path: Path | None) -> bool:
    """Whether the file is (inside) the bundled sample data: edited in a working copy."""
    if path is None:
        return False
    with contextlib.suppress(OSError, ValueError):
        return path.resolve().is_relative_to(sample_data_dir().resolve())
    return False


def writable_project_file(path: Path | None) -> bool:
    """Whether edits may go straight into this file (not a bundled sample, not read-only)."""
    if path is None or not path.is_file() or is_bundled_sample(path):
        return False
    return read_only_reason(path) is None


class JournalCommand(QUndoCommand):
    """One accepted edit on the undo stack; undo/redo go through the editor (and the file)."""

    def __init__(self, controller: EditController, txn: EditTransaction) -> None:
        super().__init__(txn.label(language()))
        self.controller = controller
        self.txn = txn
        self.silent = True  # the edit is already applied when the command is pushed

    def redo(self) -> None:
        """Repeat the edit (not on the push: the edit was applied before)."""
        if self.silent:
            return
        self.controller.run_history("redo")

    def undo(self) -> None:
        """Revert the edit."""
        if self.silent:
            return
        self.controller.run_history("undo")


class EditController(QObject):
    """Owns the editor of the window's project and connects it to the undo stack."""

    edited = Signal(object)  # EditTransaction
    recovered = Signal(str)  # a message about work recovered from a crashed session
    failed = Signal(str, str, str)  # title, message (Chinese first), details (a driver's text)

    def __init__(self, undo: QUndoStack, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = undo
        self.project: Project | None = None
        self.editor: Editor | None = None
        self.store: GpkgEditStore | None = None
        self.working_copy: Path | None = None  # where edits go when the project has no file
        self.lock: ProjectLock | None = None  # held while the file edits go to is open
        self.read_only: tuple[str, str] | None = None  # why edits are refused (zh, en)
        self.applying = False  # True while an accepted edit changes layers (not "unsaved")
        self.saving = False

    # --- project lifecycle ------------------------------------------------------------

    @staticmethod
    def user_name() -> str:
        """The name recorded in the audit trail: the configured one, else the OS user."""
        configured = settings().value("edit/user_name", "")
        return str(configured) if configured else default_user()

    def attach(self, project: Project | None, *, working_copy: Path | None = None) -> None:
        """Start editing a project (close the previous one's store cleanly).

        A project file is locked for this window while it is open; one this user may not
        write, or one another program holds, opens read-only (:attr:`read_only`).
        """
        self.detach()
        self.project = project
        if project is None:
            return
        self.editor = Editor(project, user=self.user_name())
        self.editor.applied.connect(self.edited.emit)
        self.editor.guards[SEGMENTS] = check_segment_change  # statuses move only by steps
        target = working_copy if working_copy is not None else project.path
        if working_copy is not None:
            self.working_copy = working_copy
        if target is None or (working_copy is None and is_bundled_sample(target)):
            return  # edits go to a working copy made at the first edit
        if not target.is_file():
            return
        reason = read_only_reason(target)
        lock = ProjectLock(target)
        if reason is None:
            try:
                lock.acquire(timeout=0, purpose="edit", user=self.editor.user)
            except GisdeskError as exc:
                reason = (exc.zh, exc.en)
        if reason is not None:
            self.read_only = reason
            with contextlib.suppress(GisdeskError, sqlite3.Error):
                self.editor.load_history(read_transactions(target))  # for feature histories
            return
        self.lock = lock
        self._open_store(target, report=True)

    def detach(self, *, keep_copy: bool = False) -> None:
        """Close the store, marking a clean end; drop the working copy unless asked to keep it."""
        if self.store is not None:
            with contextlib.suppress(GisdeskError, sqlite3.Error):
                self.store.end_session()
            self.store.close()
            self.store = None
        if self.lock is not None:
            self.lock.release()
            self.lock = None
        if self.working_copy is not None and not keep_copy:
            for suffix in ("", "-journal"):
                Path(str(self.working_copy) + suffix).unlink(missing_ok=True)
        self.working_copy = None
        self.read_only = None
        self.editor = None
        self.project = None

    def read_only_message(self, lang: str | None = None) -> str:
        """Why this project's edits are refused ("" when they are not)."""
        if self.read_only is None:
            return ""
        zh, en = self.read_only
        return zh if (lang or language()) == "zh" else en

    def _open_store(self, path: Path, *, report: bool) -> None:
        assert self.editor is not None
        store = GpkgEditStore(path, lock=self.lock)
        recovery: RecoveryReport | None = store.begin_session(self.editor.user)
        self.store = store
        self.editor.store = store
        for layer in self.project or []:
            if layer.data.crs is not None:
                store.layer_crs[layer.name] = layer.data.crs
        self.editor.load_history(store.transactions())
        self._rebuild_undo_stack()
        if report and recovery is not None:
            self.recovered.emit(recovery.message(language()))

    def _rebuild_undo_stack(self) -> None:
        """Put the editor's undo (and redo) history on the window's undo stack."""
        assert self.editor is not None
        self.undo_stack.clear()
        editor = self.editor
        undo_ids = list(editor._undo)
        redo_ids = list(editor._redo)
        commands = []
        for txn_id in undo_ids + list(reversed(redo_ids)):
            command = JournalCommand(self, editor._history[txn_id])
            self.undo_stack.push(command)
            commands.append(command)
        for _ in redo_ids:
            self.undo_stack.undo()
        for command in commands:
            command.silent = False
        self.undo_stack.setClean()

    @property
    def durable(self) -> bool:
        """Whether accepted edits are written to a file at once."""
        return self.store is not None

    def _ensure_store(self) -> None:
        """Give a project without a writable file a working copy before its first edit."""
        if self.store is not None or self.project is None or self.editor is None:
            return
        project = self.project
        stem = "".join(ch for ch in project.title if ch.isalnum()) or "project"
        copy = recovery_dir() / f"{stem}-{os.getpid()}-{id(project) & 0xFFFF:04x}.gpkg"
        lock = ProjectLock(copy).acquire(timeout=0, purpose="edit", user=self.editor.user)
        path, title = project.path, project.title
        try:
            save_project(project, copy, lock=lock)
        except BaseException:
            lock.release()
            raise
        finally:
            project.path, project.title = path, title
        self.working_copy = copy
        self.lock = lock
        self._open_store(copy, report=False)

    def lock_for_save(self, path: Path) -> ProjectLock:
        """The lock a save to ``path`` holds: this window's, or a new one taken now.

        Raises
        ------
        ProjectError
            ``path`` may not be written, or another program holds it.
        """
        if self.lock is not None and self.lock.held and self.lock.covers(path):
            return self.lock
        user = self.editor.user if self.editor is not None else self.user_name()
        return ProjectLock(path).acquire(timeout=0, purpose="save", user=user)

    def suspend_for_save(self) -> None:
        """Close the store while a full save rewrites the file (edits wait until resumed)."""
        self.saving = True
        if self.store is not None:
            self.store.close()
            self.store = None
            if self.editor is not None:
                self.editor.store = None

    def resume_after_save(self, saved: Path | None, lock: ProjectLock | None = None) -> None:
        """Reopen the store on the saved file (or the previous one if the save failed).

        ``lock`` is the lock the save held (:meth:`lock_for_save`): after a save to
        another file it becomes this window's lock, and the old file's is given up.
        """
        self.saving = False
        if lock is not None and lock is not self.lock:
            if saved is None or self.editor is None:
                lock.release()
            else:
                if self.lock is not None:
                    self.lock.release()
                self.lock = lock
                self.read_only = None  # the project now lives in a file of the user's own
        if self.editor is None:
            return
        target = (
            saved or self.working_copy or (self.project.path if self.project is not None else None)
        )
        if saved is not None and self.working_copy is not None and saved != self.working_copy:
            for suffix in ("", "-journal"):
                Path(str(self.working_copy) + suffix).unlink(missing_ok=True)
            self.working_copy = None
        if target is not None and self.lock is not None and self.lock.covers(target):
            self.store = GpkgEditStore(target, lock=self.lock)
            self.store.begin_session(self.editor.user)
            self.editor.store = self.store
            for layer in self.project or []:
                if layer.data.crs is not None:
                    self.store.layer_crs[layer.name] = layer.data.crs

    def journal_source(self) -> Path | None:
        """The file whose journal a full save carries on."""
        if self.working_copy is not None:
            return self.working_copy
        return self.project.path if self.project is not None else None

    # --- editing ----------------------------------------------------------------------

    def commit(
        self,
        label: tuple[str, str],
        changes: Iterable[FeatureChange],
        *,
        guarded: bool = True,
    ) -> EditTransaction | None:
        """Accept an edit: validate, write, apply, put on the undo stack. None if refused
        (the refusal is reported through :attr:`failed`).

        ``guarded=False`` skips the editor's layer guards: only for the rules' own steps
        (a black-spot status step checked by :mod:`gisdesk.analysis.blackspots.listing`).
        """
        return self._reporting(lambda: self.try_commit(label, changes, guarded=guarded))

    def try_commit(
        self,
        label: tuple[str, str],
        changes: Iterable[FeatureChange],
        *,
        guarded: bool = True,
    ) -> EditTransaction:
        """Accept an edit as :meth:`commit` does, but raise the refusal instead of reporting
        it: for a dialog that shows the reason itself (nothing is changed then).

        Raises
        ------
        GisdeskError
            A schema rule, a layer guard, a read-only project or the store refused the edit.
        """
        txn = self._accept(label, list(changes), guarded=guarded)
        self._push(txn)
        return txn

    def commit_new_field(
        self,
        label: tuple[str, str],
        layer: str,
        field: tuple[str, str],
        changes: Iterable[FeatureChange],
    ) -> EditTransaction:
        """Add an empty field (name, type) to a local layer and set its values: one undo step.

        The column is added to the layer and to the project file, then ``changes`` are
        committed; undo empties the values and removes the column from both, redo puts
        both back. (The journal records the values: after the project is closed and
        reopened, undoing the edit empties the values and the column stays.)

        Raises
        ------
        GisdeskError
            The layer is a server layer, the project is read-only, the name is taken, or
            the edit was refused; nothing is changed then.
        """
        changes = list(changes)
        editor = self._editor()
        if layer in editor.stores:
            raise InputError(
                "服务器（PostGIS）图层不能在这里添加字段：请在数据库中添加后刷新，再更新该字段。",
                "Fields cannot be added to a server (PostGIS) layer here: add it in the "
                "database, refresh, then update it.",
            )
        self._refuse_read_only()
        column = NewFieldCommand(self, layer, *field)
        column.add()
        try:
            txn = self._accept(label, changes, guarded=True)
        except GisdeskError:
            with contextlib.suppress(GisdeskError):
                column.remove()
            raise
        self.undo_stack.beginMacro(txn.label(language()))
        self.undo_stack.push(column)
        self._push(txn)
        self.undo_stack.endMacro()
        column.silent = False
        return txn

    def _editor(self) -> Editor:
        if self.editor is None:
            raise ProjectError("没有打开的项目。", "No project is open.")
        return self.editor

    def _accept(
        self, label: tuple[str, str], changes: list[FeatureChange], *, guarded: bool
    ) -> EditTransaction:
        editor = self._editor()
        try:
            self._check_ready(changes)
            self.applying = True
            return editor.commit(label[0], label[1], changes, guarded=guarded)
        finally:
            self.applying = False

    def _push(self, txn: EditTransaction) -> None:
        command = JournalCommand(self, txn)
        self.undo_stack.push(command)
        command.silent = False

    def _reporting(self, attempt: Callable[[], _T]) -> _T | None:
        """The attempt's result, or None with its refusal reported through :attr:`failed`
        (Chinese first; a driver's own text only in the details)."""
        try:
            return attempt()
        except GisdeskError as exc:
            message, details = error_text("edit", exc)
            self.failed.emit(tr("编辑未保存", "Edit not saved"), message, details)
            return None

    def _refuse_read_only(self) -> None:
        if self.read_only is not None:
            zh, en = self.read_only
            raise ProjectError(
                f"项目以只读方式打开，不能编辑：{zh}",
                f"The project is open read-only and cannot be edited: {en}",
            )

    def _check_ready(self, changes: list[FeatureChange]) -> None:
        if self.saving:
            raise InputError(
                "正在保存项目，请稍候再编辑。",
                "The project is being saved; edit again in a moment.",
            )
        remote = self.editor.stores if self.editor is not None else {}
        if any(c.layer not in remote for c in changes):
            self._refuse_read_only()
        self._ensure_store()
        if self.store is not None:
            missing = {
                c.layer
                for c in changes
                if c.layer not in remote and not self.store.has_table(c.layer)
            }
            if missing:  # a layer added since the last save: write the project first
                self.save_now()

    def save_now(self) -> None:
        """Write the whole project into the file edits go to (its journal carried on), so
        the file's tables match the layers in memory; the store is reopened afterwards."""
        assert self.project is not None
        target = self.working_copy or self.project.path
        assert target is not None
        source = self.journal_source()
        self.suspend_for_save()
        saved: Path | None = None
        path, title = self.project.path, self.project.title
        try:
            saved = save_project(self.project, target, journal_from=source, lock=self.lock)
        finally:
            if self.working_copy is not None:
                self.project.path, self.project.title = path, title
            self.resume_after_save(saved)

    def add_column(self, layer: str, name: str, kind: str) -> None:
        """Add an empty field to a local layer, in memory and in the file edits go to.

        Raises
        ------
        GisdeskError
            The name cannot be a new field or the file refused it; nothing is changed then.
        """

        def write() -> None:
            if self.store is None:
                return  # nowhere to write yet: the first edit's working copy takes it
            if self.store.has_table(layer):
                self.store.add_field(layer, name, kind)
            else:
                self.save_now()  # the file's table is written with the column

        self._ensure_store()
        self._change_table(layer, lambda target: add_field(target, name, kind), write)

    def remove_column(self, layer: str, name: str) -> None:
        """Remove an empty field (added by :meth:`add_column`) from memory and the file.

        Raises
        ------
        GisdeskError
            It still holds values (in memory or in the file), or the file refused.
        """

        def write() -> None:
            if self.store is not None and self.store.has_table(layer):
                self.store.drop_field(layer, name)

        self._change_table(layer, lambda target: remove_field(target, name), write)

    def _change_table(
        self, layer: str, change: Callable[[Layer], None], write: Callable[[], None]
    ) -> None:
        """Change a layer's columns in memory, then in the file; the memory is put back
        when the file refuses."""
        if self.project is None:
            raise ProjectError("没有打开的项目。", "No project is open.")
        target = self.project.layer(layer)
        before = target.data
        self.applying = True
        try:
            change(target)
            try:
                write()
            except BaseException:
                target.set_data(before)
                raise
        finally:
            self.applying = False

    def run_history(self, which: str) -> None:
        """Undo or redo through the editor (called by :class:`JournalCommand`)."""
        if self.editor is None:
            return
        try:
            self.applying = True
            if which == "undo":
                self.editor.undo()
            else:
                self.editor.redo()
        except GisdeskError as exc:
            message, details = error_text("undo", exc)
            self.failed.emit(tr("撤销/重做失败", "Undo/redo failed"), message, details)
        finally:
            self.applying = False

    def add_feature(
        self,
        layer: str,
        geometry: BaseGeometry,
        values: Mapping[str, Any] | None = None,
        *,
        label: tuple[str, str] | None = None,
    ) -> int | None:
        """Add a feature; return its id, or None when refused (the user was told why)."""
        editor = self.editor
        if editor is None:
            return None

        def attempt() -> int:
            change, default = editor.insert_change(layer, geometry, values)
            return self.try_commit(label or default, [change]).changes[0].fid  # the file's id

        return self._reporting(attempt)

    def update_feature(
        self,
        layer: str,
        fid: int,
        values: Mapping[str, Any],
        *,
        label: tuple[str, str] | None = None,
        guarded: bool = True,
    ) -> EditTransaction | None:
        """Change values of one feature; None when refused or nothing changed."""
        editor = self.editor
        if editor is None:
            return None

        def attempt() -> EditTransaction | None:
            found = editor.update_change(layer, fid, values)
            if found is None:
                return None
            change, default = found
            return self.try_commit(label or default, [change], guarded=guarded)

        return self._reporting(attempt)

    def delete_features(
        self, layer: str, fids: Iterable[int], *, label: tuple[str, str] | None = None
    ) -> EditTransaction | None:
        """Delete features in one undoable step."""
        editor = self.editor
        if editor is None:
            return None

        def attempt() -> EditTransaction | None:
            changes, default = editor.delete_changes(layer, fids)
            return self.try_commit(label or default, changes) if changes else None

        return self._reporting(attempt)


class NewFieldCommand(QUndoCommand):
    """The column a new field needs, as an undo step (inside the step that sets its values:
    undo removes the emptied column, redo adds it back before the values)."""

    def __init__(self, controller: EditController, layer: str, name: str, kind: str) -> None:
        super().__init__(tr(f"新建字段“{name}”", f"New field '{name}'"))
        self.controller = controller
        self.layer = layer
        self.name = name
        self.kind = kind
        self.silent = True  # the column is added before the command is pushed

    def add(self) -> None:
        """Add the empty column (raises GisdeskError, nothing changed)."""
        self.controller.add_column(self.layer, self.name, self.kind)

    def remove(self) -> None:
        """Remove the column, which must be empty (raises GisdeskError, nothing changed)."""
        self.controller.remove_column(self.layer, self.name)

    def redo(self) -> None:
        """Add the column back (before the values are put back)."""
        if not self.silent:
            self._attempt(self.add)

    def undo(self) -> None:
        """Remove the column (after its values were emptied)."""
        if not self.silent:
            self._attempt(self.remove)

    def _attempt(self, step: Callable[[], None]) -> None:
        try:
            step()
        except GisdeskError as exc:
            message, details = error_text("new field", exc)
            self.controller.failed.emit(tr("撤销/重做失败", "Undo/redo failed"), message, details)
