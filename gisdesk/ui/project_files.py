"""Opening, saving and recovering project files for a :class:`~gisdesk.ui.session.Session`.

Files are read and written in worker tasks through the session's queue; the project lock
(one writer per file) is taken before a save. A working copy left by a crashed session is
offered at start (``offer_recovery``). Dialogs are parented to the window given.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from gisdesk.core.errors import GisdeskError
from gisdesk.core.project import Project
from gisdesk.io.project_store import open_project, save_project
from gisdesk.ui import plain_text
from gisdesk.ui.editing import is_bundled_sample, recoverable_copies
from gisdesk.ui.file_dialogs import ask_open_path
from gisdesk.ui.i18n import language, tr
from gisdesk.ui.output_paths import ask_save_path
from gisdesk.ui.session import Session
from gisdesk.ui.workers import Task

__all__ = ["ProjectFiles"]

_BUTTON = QMessageBox.StandardButton


class ProjectFiles:
    """New, open, save, save as and recovery of the session's project."""

    def __init__(self, session: Session, parent: QWidget) -> None:
        self.session = session
        self.parent = parent

    def confirm_discard(self) -> bool:
        """Ask before dropping unsaved changes; return True when it is fine to go on."""
        project = self.session.project
        if not self.session.modified or project is None:
            return True
        answer = plain_text.question(
            self.parent,
            tr("未保存的修改", "Unsaved changes"),
            tr(
                f"项目“{project.title}”有未保存的修改。是否保存？",
                f"The project '{project.title}' has unsaved changes. Save them?",
            ),
            _BUTTON.Save | _BUTTON.Discard | _BUTTON.Cancel,
            _BUTTON.Save,
        )
        if answer == _BUTTON.Save:
            return self.save(wait=True)
        return answer == _BUTTON.Discard

    def new_project(self) -> None:
        """Start an empty project."""
        if self.confirm_discard():
            self.session.set_project(Project(title=tr("新项目", "New project")))

    def ask_open(self) -> None:
        """Ask for a project file and open it."""
        if not self.confirm_discard():
            return
        path = ask_open_path(self.parent, tr("打开项目", "Open project"), "GeoPackage (*.gpkg)")
        if path is not None:
            self.open_path(path)

    def open_recent(self, path: Path) -> None:
        """Open a file of the recent list (after asking about unsaved changes)."""
        if self.confirm_discard():
            self.open_path(path)

    def open_path(self, path: Path, *, wait: bool = False, recovered: bool = False) -> None:
        """Open a project in a worker; report a bad file without closing the current one.

        ``recovered`` opens a working copy left by a crashed session: its edits continue in
        that copy and the project counts as unsaved until the user saves it somewhere.
        """
        session = self.session
        session.log(tr(f"正在打开 {path}", f"Opening {path}"))

        def done(project: Project) -> None:
            if recovered:
                project.path = None
                session.set_project(project, working_copy=path)
                session.modified = True
                self.warn_load_problems(project)
                return
            if is_bundled_sample(path):
                project.path = None  # the bundled sample: edits go to a working copy
                session.log(
                    tr(
                        f"{path.name} 是示例文件：编辑保存在工作副本中，"
                        "请用“另存为”保存到自己的文件。",
                        f"{path.name} is the sample file: edits are kept in a "
                        "working copy; use Save As to keep them in a file of your own.",
                    )
                )
            session.set_project(project)
            if session.edits.read_only is not None:
                session.log(tr("只读：", "Read-only: ") + session.edits.read_only_message())
            session.remember_recent(path)
            session.log(
                tr(
                    f"已打开 {path.name}：{len(project)} 个图层",
                    f"Opened {path.name}: {len(project)} layers",
                )
            )
            self.warn_load_problems(project)

        session.start_task(
            Task(open_project, path), done, tr("打开项目", "Opening"), wait=wait, replace=True
        )

    def warn_load_problems(self, project: Project) -> None:
        """Say which parts of the file could not be read and were replaced by defaults."""
        if not project.load_problems:
            return
        lines = [issue.message(language()) for issue in project.load_problems]
        self.session.report_error(
            tr("项目部分内容无法读取", "Parts of the project could not be read"),
            "\n".join(lines),
        )

    def save(self, *, wait: bool = False) -> bool:
        """Save to the project's file (asking where when it has none)."""
        project = self.session.project
        if project is None:
            return False
        if project.path is None or self.session.edits.read_only is not None:
            return self.save_as(wait=wait)  # a read-only file stays as it is
        return self.save_to(project.path, wait=wait)

    def save_as(self, *, wait: bool = False) -> bool:
        """Ask for a file and save the project there."""
        project = self.session.project
        if project is None:
            return False
        path = ask_save_path(
            self.parent,
            tr("项目另存为", "Save project as"),
            f"{project.title}.gpkg",
            "GeoPackage (*.gpkg)",
        )
        if path is None:
            return False
        target = path if path.name.endswith(".gpkg") else path.with_name(path.name + ".gpkg")
        return self.save_to(target, wait=wait)

    def save_to(self, path: Path, *, wait: bool) -> bool:
        """Save the project to ``path`` under its lock (``wait``: True once it is written)."""
        session = self.session
        project = session.project
        assert project is not None
        edits = session.edits
        ok: list[bool] = []

        try:  # this window's lock, or the target's taken now: one writer at a time
            lock = edits.lock_for_save(path)
        except GisdeskError as exc:
            session.report_error(tr("无法保存", "Cannot save"), exc.message(language()))
            return False

        def done(saved: Path) -> None:
            edits.resume_after_save(saved, lock)
            session.undo.setClean()
            session.remember_recent(saved)
            session.modified = False
            session.state_changed.emit()  # the path, and read-only no more
            session.log(tr(f"已保存到 {saved}", f"Saved to {saved}"))
            ok.append(True)

        journal = edits.journal_source()
        edits.suspend_for_save()
        session.start_task(
            Task(save_project, project, path, journal_from=journal, lock=lock),
            done,
            tr("保存项目", "Saving"),
            wait=wait,
            on_failed=lambda: edits.resume_after_save(None, lock),
        )
        return bool(ok) if wait else True

    def offer_recovery(self) -> bool:
        """Offer the newest working copy left by a crashed session; True if it is opened."""
        copies = recoverable_copies()
        if not copies:
            return False
        newest = copies[0]
        answer = plain_text.question(
            self.parent,
            tr("恢复未保存的工作", "Recover unsaved work"),
            tr(
                f"上次 gisdesk 未正常关闭，留下了尚未另存的项目工作副本（{newest.name}），"
                "其中的编辑都已保存。是否打开它继续工作？\n"
                "选“否”则保留该副本，下次启动时再询问；选“放弃”则删除它。",
                f"gisdesk did not close normally last time and left a working copy of an "
                f"unsaved project ({newest.name}) with all its edits. Open it and go on?\n"
                "No keeps the copy and asks again next time; Discard deletes it.",
            ),
            _BUTTON.Yes | _BUTTON.No | _BUTTON.Discard,
            _BUTTON.Yes,
        )
        if answer == _BUTTON.Discard:
            for suffix in ("", "-journal"):
                Path(str(newest) + suffix).unlink(missing_ok=True)
            return False
        if answer != _BUTTON.Yes:
            return False
        self.open_path(newest, recovered=True)
        return True
