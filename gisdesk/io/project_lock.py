"""One writer at a time: the lock of a project file, and who may write it at all.

Every program part that writes into a project (the window while it has the project open
for editing, ``gisdesk import``, ``targets --record``, a save) first takes the project's
lock. The lock is a sidecar file beside the project's real file (``haimen.gpkg`` ->
``haimen.gpkg.lock``; a symbolic link is followed first, so every name of the project
meets the same lock) on which the writer holds an operating-system lock: ``fcntl.flock``
on Linux and macOS, ``msvcrt.locking`` on Windows. The system drops that lock when the
process ends, however it ends, so a crashed writer never leaves the project locked: the
next writer takes the lock at once, and :attr:`ProjectLock.recovered_from` tells it whose
lock it took over. The sidecar also holds JSON describing the holder (user, computer,
process id, since when, what for), which the message to a second writer quotes::

    项目 haimen.gpkg 正被 张三@PC-01（pid 123）自 2026-12-04 10:02 起编辑，暂时不能写入。

A clean release deletes the sidecar (on Windows, where an open file cannot be deleted, it
is emptied instead). Deleting is safe: whoever locks a sidecar checks afterwards that it
is still the file at the sidecar's path and starts again if the holder deleted it
meanwhile.

Hard links are the one gap: two hard-linked names of a project lock two different
sidecars (the file system cannot list the other names of a file).

:func:`check_writable` says whether this user may write a project at all. It looks at the
file's and the folder's permission bits as well as ``os.access``: the superuser passes
every ``os.access`` check, but a file whose owner removed all write bits (``chmod 444``)
is meant to be left alone, by everyone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import getpass
import json
import os
import socket
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType

from gisdesk.core.errors import ProjectBusyError, ProjectError, ProjectReadOnlyError

__all__ = [
    "DEFAULT_TIMEOUT",
    "LockHolder",
    "ProjectLock",
    "check_writable",
    "default_timeout",
    "held_here",
    "lock_path_for",
    "lock_project",
    "read_only_reason",
]

DEFAULT_TIMEOUT = 60.0
"""Seconds a command-line writer waits for the lock (``GISDESK_LOCK_TIMEOUT`` overrides)."""

_WINDOWS = sys.platform == "win32"
_LOCK_OFFSET = 1 << 30  # Windows locks a byte range; the holder's JSON stays readable at 0
_POLL = 0.1

_PURPOSES = {
    "edit": ("编辑", "editing"),
    "import": ("导入数据", "importing into"),
    "save": ("保存", "saving"),
    "record": ("记录目标评估", "recording an evaluation in"),
    "recover": ("恢复中断的写入", "recovering an interrupted write in"),
    "build": ("生成", "building"),
}

# locks this process holds, by sidecar path (for code that must know whether it may write)
_HELD: dict[str, ProjectLock] = {}
_HELD_GUARD = threading.Lock()


def default_timeout() -> float:
    """How long a command-line writer waits for a busy project (seconds)."""
    text = os.environ.get("GISDESK_LOCK_TIMEOUT", "")
    try:
        value = float(text) if text else DEFAULT_TIMEOUT
    except ValueError:
        return DEFAULT_TIMEOUT
    return value if 0 <= value < float("inf") else DEFAULT_TIMEOUT


def lock_path_for(project: str | os.PathLike[str]) -> Path:
    """The sidecar lock file of a project (beside its real file, symbolic links followed)."""
    real = os.path.realpath(project)
    return Path(real + ".lock")


# --- who may write ---------------------------------------------------------------------


def _no_write_bits(st: os.stat_result) -> bool:
    return not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def read_only_reason(path: str | os.PathLike[str]) -> tuple[str, str] | None:
    """Why this user may not write the project (Chinese, English), or None if they may.

    A project that does not exist yet needs a writable folder; one that exists needs a
    writable file and folder (SQLite writes its rollback journal beside the file).
    """
    real = Path(os.path.realpath(path))
    folder = real.parent
    if real.exists():
        st = real.stat()
        if _no_write_bits(st) or not os.access(real, os.W_OK):
            zh = (
                f"项目文件 {real.name} 是只读的（没有写权限），gisdesk 不会改动它。"
                "如需修改，请另存为一个可写的文件，或请文件所有者开放写权限。"
            )
            en = (
                f"The project file {real.name} is read-only (no write permission); gisdesk "
                "leaves it as it is. Save it as a file you can write, or ask its owner to "
                "allow writing."
            )
            return zh, en
    if not folder.is_dir():
        return (
            f"项目所在的文件夹不存在：{folder}",
            f"The project's folder does not exist: {folder}",
        )
    fst = folder.stat()
    if _no_write_bits(fst) or not os.access(folder, os.W_OK | os.X_OK):
        zh = (
            f"项目所在的文件夹 {folder} 是只读的，gisdesk 无法在其中安全写入"
            f"（写入需要在文件旁边建立日志和锁文件），因此不会改动 {real.name}。"
            "请另存到可写的文件夹。"
        )
        en = (
            f"The project's folder {folder} is read-only, so gisdesk cannot write safely "
            f"there (a write needs a journal and a lock file beside the project) and leaves "
            f"{real.name} as it is. Save it into a folder you can write."
        )
        return zh, en
    return None


def check_writable(path: str | os.PathLike[str]) -> None:
    """Raise :class:`ProjectReadOnlyError` when this user may not write the project."""
    reason = read_only_reason(path)
    if reason is not None:
        raise ProjectReadOnlyError(*reason)


# --- who holds the lock ----------------------------------------------------------------


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or last held) a project's lock, as the sidecar records it."""

    user: str
    host: str
    pid: int
    since: str  # ISO 8601 in the holder's local time
    purpose: str = "edit"
    program: str = "gisdesk"

    @classmethod
    def from_json(cls, text: str) -> LockHolder | None:
        """Parse the sidecar's JSON (None when it is empty or unreadable)."""
        try:
            data = json.loads(text)
            return cls(
                user=str(data.get("user", "")),
                host=str(data.get("host", "")),
                pid=int(data.get("pid", 0)),
                since=str(data.get("since", "")),
                purpose=str(data.get("purpose", "edit")),
                program=str(data.get("program", "gisdesk")),
            )
        except (ValueError, TypeError, AttributeError):
            return None

    def to_json(self) -> str:
        """The JSON the sidecar holds."""
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    def to_dict(self) -> dict[str, object]:
        """The fields as a plain dict (for :class:`ProjectBusyError`)."""
        return dict(asdict(self))

    def who(self) -> str:
        """``user@host (pid N)``."""
        return f"{self.user or '?'}@{self.host or '?'} (pid {self.pid})"

    def since_text(self) -> str:
        """When the holder took the lock, ``YYYY-MM-DD HH:MM`` as the holder wrote it."""
        return self.since[:16].replace("T", " ")

    def describe(self, project: str, language: str = "zh") -> str:
        """A sentence saying who uses the project since when, for what."""
        zh, en = _PURPOSES.get(self.purpose, _PURPOSES["edit"])
        if language == "zh":
            return (
                f"项目 {project} 正被 {self.user or '?'}@{self.host or '?'}（pid {self.pid}）"
                f"自 {self.since_text()} 起{zh}"
            )
        return f"{self.who()} has been {en} the project {project} since {self.since_text()}"


def _this_holder(user: str | None, purpose: str) -> LockHolder:
    if user is None:
        try:
            user = getpass.getuser() or "unknown"
        except Exception:  # no user database entry (containers), no env variables
            user = "unknown"
    return LockHolder(
        user=user,
        host=socket.gethostname(),
        pid=os.getpid(),
        since=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        purpose=purpose,
    )


def _read_text(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
        if len(chunk) < 65536:
            break
    return b"".join(chunks).decode("utf-8", errors="replace").strip("\x00 \n")


def _write_text(fd: int, text: str) -> None:
    data = text.encode("utf-8")
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, data)
    os.ftruncate(fd, len(data))
    with contextlib.suppress(OSError):
        os.fsync(fd)


def _try_os_lock(fd: int) -> bool:
    """Take the OS lock without waiting: True if taken, False if someone else holds it."""
    try:
        if _WINDOWS:
            import msvcrt

            os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined,unused-ignore]
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES, errno.EDEADLK):
            return False
        raise
    return True


def _os_unlock(fd: int) -> None:
    if _WINDOWS:
        import msvcrt

        with contextlib.suppress(OSError):
            os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined,unused-ignore]
    # POSIX: closing the descriptor releases the flock


class ProjectLock:
    """The writer's lock of one project file (see the module documentation).

    Use :meth:`acquire` / :meth:`release`, or :func:`lock_project` as a context manager.
    A lock is not re-entrant: a second :class:`ProjectLock` of the same project, even in
    the same process, waits or is refused like any other writer.
    """

    def __init__(self, project: str | os.PathLike[str]) -> None:
        self.project = Path(project)
        self.path = lock_path_for(project)
        self.holder: LockHolder | None = None
        self.recovered_from: LockHolder | None = None  # a crashed holder's record
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock now."""
        return self._fd is not None

    def covers(self, path: str | os.PathLike[str]) -> bool:
        """Whether this lock is the lock of ``path`` (same real file)."""
        return lock_path_for(path) == self.path

    def current_holder(self) -> LockHolder | None:
        """Who holds the lock now (None when nobody does, or the record is unreadable)."""
        if self.held:
            return self.holder
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return None
        try:
            return LockHolder.from_json(_read_text(fd))
        finally:
            os.close(fd)

    def acquire(
        self,
        *,
        timeout: float = 0.0,
        purpose: str = "edit",
        user: str | None = None,
        on_wait: Callable[[LockHolder | None], None] | None = None,
    ) -> ProjectLock:
        """Take the lock, waiting up to ``timeout`` seconds while another writer holds it.

        ``on_wait`` is called once, with the holder, when the lock is busy and the call is
        going to wait.

        Raises
        ------
        ProjectReadOnlyError
            This user may not write the project (or its folder): see :func:`check_writable`.
        ProjectBusyError
            Another writer still held the lock when the time was up; the message says who.
        ProjectError
            The folder's file system cannot lock files.
        """
        if self.held:
            raise ProjectError(
                "内部错误：同一个锁被重复获取。", "Internal error: the lock is already held."
            )
        check_writable(self.project)
        deadline = time.monotonic() + max(0.0, timeout)
        told = False
        while True:
            fd = self._open_sidecar()
            try:
                taken = _try_os_lock(fd)
            except OSError as exc:
                os.close(fd)
                raise ProjectError(
                    f"项目所在的磁盘不支持文件锁（{exc.strerror}），gisdesk 无法保证同一时间只有"
                    "一个程序写入，因此不写入。请把项目复制到本地磁盘再修改。",
                    f"The project's drive does not support file locks ({exc.strerror}); gisdesk "
                    "cannot make sure only one program writes at a time, so it does not write. "
                    "Copy the project to a local drive to change it.",
                ) from None
            if taken:
                if self._still_the_sidecar(fd):
                    self._take(fd, user, purpose)
                    return self
                os.close(fd)  # the holder deleted it while we waited: lock the new one
                continue
            holder = LockHolder.from_json(_read_text(fd))
            os.close(fd)
            if time.monotonic() >= deadline:
                raise self._busy(holder)
            if on_wait is not None and not told:
                told = True
                on_wait(holder)
            time.sleep(_POLL)

    def _open_sidecar(self) -> int:
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except PermissionError:
            raise ProjectReadOnlyError(
                f"无法在 {self.path.parent} 中建立锁文件（没有写权限），gisdesk 不会改动项目。",
                f"Cannot create the lock file in {self.path.parent} (no write permission); "
                "gisdesk leaves the project as it is.",
            ) from None
        except OSError as exc:
            raise ProjectError(
                f"无法建立项目锁文件 {self.path.name}：{exc.strerror}",
                f"Cannot create the project's lock file {self.path.name}: {exc.strerror}",
            ) from None

    def _still_the_sidecar(self, fd: int) -> bool:
        if _WINDOWS:
            return True  # never deleted there
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return False
        mine = os.fstat(fd)
        return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)

    def _take(self, fd: int, user: str | None, purpose: str) -> None:
        previous = _read_text(fd)
        # a record left in the sidecar means its holder ended without releasing: a crash
        self.recovered_from = LockHolder.from_json(previous) if previous else None
        self.holder = _this_holder(user, purpose)
        with contextlib.suppress(OSError):  # the record is for messages; the OS lock counts
            _write_text(fd, self.holder.to_json())
        self._fd = fd
        with _HELD_GUARD:
            _HELD[str(self.path)] = self

    def _busy(self, holder: LockHolder | None) -> ProjectBusyError:
        name = self.project.name
        if holder is None:
            return ProjectBusyError(
                f"项目 {name} 正被另一个程序写入，暂时不能写入。请稍后再试。",
                f"Another program is writing the project {name}; it cannot be written now. "
                "Try again later.",
            )
        return ProjectBusyError(
            f"{holder.describe(name, 'zh')}，暂时不能写入。请等对方关闭项目后再试。",
            f"{holder.describe(name, 'en')}; it cannot be written now. Try again once "
            "they have closed it.",
            holder=holder.to_dict(),
        )

    def release(self) -> None:
        """Give the lock up (deleting the sidecar); nothing happens when it is not held."""
        fd = self._fd
        if fd is None:
            return
        with _HELD_GUARD:
            if _HELD.get(str(self.path)) is self:
                del _HELD[str(self.path)]
        self._fd = None
        self.holder = None
        if _WINDOWS:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            _os_unlock(fd)
        else:
            # delete while still holding it: a waiter that locks the deleted file notices
            with contextlib.suppress(OSError):
                if self._still_the_sidecar(fd):
                    self.path.unlink()
        os.close(fd)

    def __enter__(self) -> ProjectLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def held_here(path: str | os.PathLike[str]) -> ProjectLock | None:
    """The lock of ``path`` this process holds, if any."""
    with _HELD_GUARD:
        return _HELD.get(str(lock_path_for(path)))


@contextlib.contextmanager
def lock_project(
    path: str | os.PathLike[str],
    *,
    purpose: str,
    timeout: float | None = None,
    user: str | None = None,
    on_wait: Callable[[LockHolder | None], None] | None = None,
) -> Iterator[ProjectLock]:
    """Hold the project's lock for a ``with`` block (waiting up to ``timeout`` seconds).

    ``timeout`` None means :func:`default_timeout`.
    """
    lock = ProjectLock(path)
    lock.acquire(
        timeout=default_timeout() if timeout is None else timeout,
        purpose=purpose,
        user=user,
        on_wait=on_wait,
    )
    try:
        yield lock
    finally:
        lock.release()
