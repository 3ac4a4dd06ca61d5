"""The project lock: one writer at a time, who holds it, crashes, permissions (also as root)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from gisdesk.core.errors import ProjectBusyError, ProjectReadOnlyError
from gisdesk.io.project_lock import (
    ProjectLock,
    check_writable,
    held_here,
    lock_path_for,
    lock_project,
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "p.gpkg"
    path.write_bytes(b"SQLite format 3\x00" + bytes(100))
    return path


def test_second_writer_is_refused_with_who_holds_it(project: Path) -> None:
    first = ProjectLock(project).acquire(purpose="edit", user="张三")
    try:
        assert lock_path_for(project).is_file()
        assert held_here(project) is first
        with pytest.raises(ProjectBusyError) as caught:
            ProjectLock(project).acquire(timeout=0, purpose="import")
        err = caught.value
        assert f"张三@{socket.gethostname()}（pid {os.getpid()}）" in err.zh
        assert "起编辑" in err.zh and "暂时不能写入" in err.zh
        assert f"(pid {os.getpid()})" in err.en and "editing" in err.en
        assert err.holder is not None and err.holder["pid"] == os.getpid()
    finally:
        first.release()
    assert not lock_path_for(project).exists()  # a clean release leaves nothing behind
    assert held_here(project) is None
    with lock_project(project, purpose="import", timeout=0) as second:
        assert second.held and second.recovered_from is None


def test_every_name_of_the_project_meets_the_same_lock(project: Path) -> None:
    link = project.with_name("link.gpkg")
    link.symlink_to(project)
    with lock_project(project, purpose="edit", timeout=0), pytest.raises(ProjectBusyError):
        ProjectLock(link).acquire(timeout=0)
    assert ProjectLock(link).covers(project)


CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from gisdesk.io.project_lock import ProjectLock
    lock = ProjectLock(sys.argv[1]).acquire(purpose="import", user="李四")
    print("held", flush=True)
    if sys.argv[2] == "crash":
        os.kill(os.getpid(), signal.SIGKILL)
    sys.stdin.readline()
    lock.release()
    """
)


def _child(project: Path, mode: str) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(project), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "held"
    return child


def test_another_process_holds_it_and_a_waiter_gets_it_when_released(project: Path) -> None:
    child = _child(project, "wait")
    try:
        with pytest.raises(ProjectBusyError) as caught:
            ProjectLock(project).acquire(timeout=0)
        assert f"李四@{socket.gethostname()}（pid {child.pid}）" in caught.value.zh
        assert "导入数据" in caught.value.zh and "importing" in caught.value.en
        told: list[object] = []
        waiter = ProjectLock(project)
        result: list[BaseException | None] = []

        def wait() -> None:
            try:
                waiter.acquire(timeout=120, on_wait=told.append)
                result.append(None)
            except BaseException as exc:  # pragma: no cover - reported below
                result.append(exc)

        thread = threading.Thread(target=wait)
        thread.start()
        while not told and thread.is_alive():
            thread.join(0.05)
        assert told and getattr(told[0], "pid", None) == child.pid  # waiting, told who
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
        thread.join(120)
        assert result == [None] and waiter.held
        assert waiter.recovered_from is None  # released cleanly, nothing taken over
        waiter.release()
    finally:
        child.kill()
        child.wait()


def test_a_crashed_holder_does_not_block_and_is_named(project: Path) -> None:
    child = _child(project, "crash")
    child.wait()
    assert child.returncode == -signal.SIGKILL
    assert lock_path_for(project).exists()  # the record stays; the OS lock went with it
    lock = ProjectLock(project).acquire(timeout=0)
    try:
        assert lock.recovered_from is not None and lock.recovered_from.pid == child.pid
        assert lock.recovered_from.user == "李四"
        with pytest.raises(ProjectBusyError, match=f"pid {os.getpid()}"):
            ProjectLock(project).acquire(timeout=0)
    finally:
        lock.release()


def test_a_waiter_never_holds_a_deleted_sidecar(project: Path) -> None:
    """The holder deletes the sidecar on release; a waiter must lock the file at the path."""
    first = ProjectLock(project).acquire()
    waiter = ProjectLock(project)
    done = threading.Event()
    told = threading.Event()
    thread = threading.Thread(
        target=lambda: (waiter.acquire(timeout=120, on_wait=lambda _h: told.set()), done.set())
    )
    thread.start()
    told.wait(60)
    first.release()
    thread.join(120)
    assert done.is_set() and waiter.held
    try:
        assert lock_path_for(project).exists()
        with pytest.raises(ProjectBusyError):  # a third writer meets the waiter's lock
            ProjectLock(project).acquire(timeout=0)
    finally:
        waiter.release()


def test_read_only_file_and_folder_are_refused_even_for_root(project: Path) -> None:
    before = project.read_bytes()
    project.chmod(0o444)
    try:
        with pytest.raises(ProjectReadOnlyError, match="read-only"):
            ProjectLock(project).acquire()
        with pytest.raises(ProjectReadOnlyError) as caught:
            check_writable(project)
        assert "只读" in caught.value.zh
    finally:
        project.chmod(0o644)
    assert not lock_path_for(project).exists()
    folder = project.parent
    folder.chmod(0o555)
    try:
        with pytest.raises(ProjectReadOnlyError, match="folder"):
            ProjectLock(project).acquire()
        with pytest.raises(ProjectReadOnlyError):  # a new project there too
            check_writable(folder / "new.gpkg")
    finally:
        folder.chmod(0o755)
    assert project.read_bytes() == before
    assert not lock_path_for(project).exists()
