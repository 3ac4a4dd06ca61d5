"""The TOML files gisdesk ships (layer schemas, default styles): read one, a folder, pick one.

Each kind of file has its own error class and its own words for what the files hold, so a
message names the file or the entry the way the user knows it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from pathlib import Path

    from gisdesk.core.errors import GisdeskError

__all__ = ["pick", "read_folder", "read_toml"]

T = TypeVar("T")


def read_toml(path: Path, error: type[GisdeskError], file_word: tuple[str, str]) -> dict[str, Any]:
    """Return the table of a UTF-8 TOML file, or raise ``error`` naming the file.

    ``file_word`` says what the file is, in Chinese and English (图层定义文件 / schema file).
    """
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise error(
            f"无法读取{file_word[0]} {path}：{exc}",
            f"Cannot read {file_word[1]} {path}: {exc}",
        ) from None


def read_folder(root: Path, read: Callable[[Path], T]) -> dict[str, T]:
    """Return ``read`` of every ``*.toml`` file in ``root``, by file name without suffix."""
    return {p.stem: read(p) for p in sorted(root.glob("*.toml"))}


def pick(
    items: Mapping[str, T],
    name: str,
    error: type[GisdeskError],
    words_zh: tuple[str, str],
    words_en: tuple[str, str],
) -> T:
    """Return ``items[name]``, or raise ``error`` listing the names there are.

    ``words_zh`` and ``words_en`` name one item and, for the list, the items
    (图层类型, 类型 / layer type, types).
    """
    try:
        return items[name]
    except KeyError:
        raise error(
            f"没有{words_zh[0]}“{name}”。可用{words_zh[1]}：{'、'.join(items)}",
            f"No {words_en[0]} '{name}'. Known {words_en[1]}: {', '.join(items)}",
        ) from None
