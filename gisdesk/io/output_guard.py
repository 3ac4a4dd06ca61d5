"""A result never replaces its input: output paths checked against the files read.

``gisdesk analyze zones P.gpkg --out P.gpkg`` would write the result over the project it
reads. :func:`refuse_overwriting` stops that before any work: an output is refused when it
is the same file as an input by real path or by identity (device and inode, which catches
symbolic links, hard links, ``..`` and other spellings of one file), and also when it is
one of the files SQLite and gisdesk keep beside a project (``-journal``, ``-wal``,
``-shm``, ``.lock``), whose loss would damage the project as surely. Any other gisdesk project
is refused as an output too (:func:`is_project_file`): an output file named like a project
must not replace it, nor add tables to it behind the project's lock.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

from gisdesk.core.errors import InputError, ProjectError

__all__ = [
    "PROJECT_SIDECARS",
    "is_project_file",
    "refuse_overwriting",
    "replace_file",
    "same_file",
]

PROJECT_SIDECARS = ("-journal", "-wal", "-shm", ".lock")
"""Files kept beside a project file ``P``: ``P-journal``, ``P-wal``, ``P-shm``, ``P.lock``."""


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two paths name one existing file (symbolic and hard links included)."""
    try:
        return Path(a).samefile(b)
    except OSError:  # either does not exist (yet)
        return False


_SQLITE_MAGIC = b"SQLite format 3\x00"
_PROJECT_TABLES = ("gisdesk_layers", "gisdesk_project")


def is_project_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is an existing gisdesk project: a GeoPackage with gisdesk's tables.

    Reads only (an SQLite read-only connection); a file that cannot be read is not one.
    """
    file = Path(path)
    try:
        if not file.is_file():
            return False
        with file.open("rb") as fh:
            if fh.read(len(_SQLITE_MAGIC)) != _SQLITE_MAGIC:
                return False
        con = sqlite3.connect(file.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            found = con.execute(
                "SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN (?, ?)",
                _PROJECT_TABLES,
            ).fetchone()[0]
        finally:
            con.close()
    except (OSError, sqlite3.Error):
        return False
    return bool(found)


def _norm(path: str | os.PathLike[str]) -> str:
    return os.path.normcase(os.path.realpath(path))


def _how(out: Path, existing: Path) -> tuple[str, str]:
    if out.is_symlink():
        return "（符号链接指向它）", " (a symbolic link to it)"
    if _norm(out) != _norm(existing):
        return "（硬链接到同一文件）", " (a hard link to the same file)"
    return "", ""


def refuse_overwriting(
    outputs: Iterable[str | os.PathLike[str]],
    inputs: Iterable[str | os.PathLike[str]],
    *,
    project: str | os.PathLike[str] | None = None,
) -> None:
    """Raise an :class:`InputError` if writing any output would replace an input or a project.

    Parameters
    ----------
    outputs
        Every file the command is going to write (side files such as a JSON summary too).
    inputs
        Every existing file the command reads.
    project
        The project file among the inputs (named as such in the message); its sidecar
        files are protected as well.
    """
    ins = [Path(p) for p in inputs]
    if project is not None:
        ins.insert(0, Path(project))
    for out_path in outputs:
        out = Path(out_path)
        for inp in ins:
            is_project = project is not None and same_file(inp, project)
            what_zh, what_en = (
                ("项目文件", "the project file") if is_project else ("输入文件", "the input file")
            )
            if same_file(out, inp):
                how_zh, how_en = _how(out, inp)
                raise InputError(
                    f"输出文件 {out} 就是{what_zh} {inp}{how_zh}，写出结果会把它覆盖掉。"
                    "请换一个输出文件名。",
                    f"The output file {out} is {what_en} {inp}{how_en}; writing the result "
                    "would replace it. Choose another output file.",
                )
            if is_project and inp.exists():
                for suffix in PROJECT_SIDECARS:
                    if _norm(out) == _norm(str(os.path.realpath(inp)) + suffix):
                        raise InputError(
                            f"输出文件 {out} 是项目文件 {inp} 旁边的 {suffix} 文件，"
                            "覆盖它会损坏项目。请换一个输出文件名。",
                            f"The output file {out} is the {suffix} file kept beside the "
                            f"project file {inp}; replacing it would damage the project. "
                            "Choose another output file.",
                        )
        if is_project_file(out):
            raise InputError(
                f"输出文件 {out} 是一个 gisdesk 项目文件，写出结果会替换或改动它。"
                "请换一个输出文件名；要把图层加入这个项目，请打开它后用“项目 → 添加图层…”"
                "（命令行：gisdesk import）。",
                f"The output file {out} is a gisdesk project; writing the result would replace "
                "or change it. Choose another output file; to add a layer to that project, open "
                "it and use Project → Add layer… (command line: gisdesk import).",
            )


def replace_file(out: str | os.PathLike[str], write: Callable[[Path], object]) -> Path:
    """Write a file through ``write`` at a temporary name beside ``out``, then move it there.

    A failure or a kill leaves ``out`` as it was (the earlier file, or none). A folder that
    does not exist, cannot be written, or an ``out`` that is a folder is a
    :class:`~gisdesk.core.errors.ProjectError` saying so, in Chinese and English.
    """
    target = Path(out)
    if not target.parent.is_dir():
        raise ProjectError(
            f"输出文件夹不存在：{target.parent}",
            f"The output folder does not exist: {target.parent}",
        )
    if target.is_dir():
        raise ProjectError(
            f"输出位置 {target} 是文件夹，请给出文件名。",
            f"The output {target} is a folder; give a file name.",
        )
    # created by ``write`` itself, so it takes the user's usual permissions (umask)
    staged = target.with_name(f".{target.stem}.{secrets.token_hex(6)}.part{target.suffix}")
    try:
        try:
            write(staged)
            staged.replace(target)
        finally:
            staged.unlink(missing_ok=True)
    except OSError as exc:
        raise ProjectError(
            f"无法写入 {target}（原有文件未改动）：{exc}",
            f"Cannot write {target} (any existing file is untouched): {exc}",
        ) from None
    return target
