"""The first check on a file to read: it is there, it is a file, and it is not empty."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gisdesk.core.errors import InputError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["require_file"]


def require_file(path: Path, *, what: tuple[str, str] = ("文件", "The file")) -> int:
    """Return the size in bytes of a file to read, or raise an :class:`InputError`.

    The error says the file does not exist (or is not a file), or that it is empty; ``what``
    names the file in the second message, in Chinese and English (表格 / The table).
    """
    if not path.is_file():
        raise InputError(f"文件不存在：{path}", f"The file does not exist: {path}")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{what[0]} {path.name} 是空文件。", f"{what[1]} {path.name} is empty.")
    return size
