"""What the task commands (``plate``, ``webmap``, ``targets``) share as forms for a Request.

Each registers its subcommand with the project argument and ``--out``
(:func:`add_command`), splits comma lists the same way (:func:`split_names`), opens the
project with the same warnings (:func:`open_source`) and says what it wrote in the same
words (:func:`say_written`). The Requests' defaults stay in ``gisdesk.tasks``: an option
left out is None here and the Request's default applies.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gisdesk.core.i18n import tr

if TYPE_CHECKING:
    from gisdesk.tasks.base import ProjectSource

__all__ = ["add_command", "add_layers_and_title", "open_source", "say_written", "split_names"]


def add_command(
    sub: Any, name: str, help_text: str, *, out_help: str, out_required: bool
) -> argparse.ArgumentParser:
    """Register a subcommand taking a project file and ``--out``; return its parser."""
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_text)
    p.add_argument("project", type=Path, help="项目文件 (.gpkg) / project file")
    p.add_argument("--out", type=Path, required=out_required, default=None, help=out_help)
    return p


def add_layers_and_title(p: argparse.ArgumentParser) -> None:
    """Add ``--layers`` (default: the visible layers) and ``--title`` (the project's)."""
    p.add_argument(
        "--layers", default=None, help="图层，逗号分隔 / layers, comma-separated (default: visible)"
    )
    p.add_argument("--title", default=None, help="标题 / title (default: the project title)")


def split_names(text: str | None) -> tuple[str, ...] | None:
    """Return a comma list (``,`` or ``，``) as names, None when not given."""
    if text is None:
        return None
    items = (t.strip() for t in text.replace("，", ",").split(","))
    return tuple(t for t in items if t)


def open_source(path: Path, lang: str) -> ProjectSource:
    """Open a project for a task; damaged settings or styles are said, not fatal."""
    from gisdesk.cli.commands import warn_load_problems
    from gisdesk.core.errors import ProjectError
    from gisdesk.io.project_store import open_project
    from gisdesk.tasks.base import ProjectSource

    if not path.is_file():
        raise ProjectError(f"文件不存在：{path}", f"The file does not exist: {path}")
    project = open_project(path)
    warn_load_problems(project, lang=lang)
    return ProjectSource(project)


def say_written(path: Path, lang: str, *, err: bool = False) -> None:
    """Print ``已写出 PATH`` / ``Written PATH`` (on stderr with ``err``)."""
    print(f"{tr('已写出', 'Written', lang)} {path}", file=sys.stderr if err else sys.stdout)
