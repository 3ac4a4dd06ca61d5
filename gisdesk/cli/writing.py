"""Commands that write into a project hold its lock, and say so when they have to wait."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from gisdesk.core.i18n import tr
from gisdesk.io.project_lock import LockHolder, ProjectLock, default_timeout, lock_project

__all__ = ["locked_project"]


@contextlib.contextmanager
def locked_project(
    path: str | os.PathLike[str], *, purpose: str, lang: str = "zh"
) -> Iterator[ProjectLock]:
    """Hold the project's lock for a ``with`` block, waiting up to the lock timeout.

    While another writer holds it, one line on stderr says who and how long this command
    waits (``GISDESK_LOCK_TIMEOUT`` seconds, default 60); when the time is up the command
    ends with that writer named (:class:`~gisdesk.core.errors.ProjectBusyError`, exit 3).
    """
    timeout = default_timeout()
    name = Path(path).name

    def waiting(holder: LockHolder | None) -> None:
        who = holder.describe(name, lang) if holder is not None else None
        text = who or tr(
            f"项目 {name} 正被另一个程序写入",
            f"Another program is writing the project {name}",
            lang,
        )
        print(
            tr(
                f"{text}；等待其结束（最多 {timeout:g} 秒）……",
                f"{text}; waiting for it (up to {timeout:g} s)...",
                lang,
            ),
            file=sys.stderr,
        )

    with lock_project(path, purpose=purpose, timeout=timeout, on_wait=waiting) as lock:
        yield lock
