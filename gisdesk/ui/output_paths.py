"""The window's exports never write over the open project (or the files kept beside it).

The command line refuses such an ``--out`` before any work (``gisdesk.cli.outputs``); the
window's exports (Excel tables, target workbooks, web maps, plates) go through
:func:`refuse_project_output` with the same rule, ``gisdesk.io.output_guard``: a typed
name such as ``haimen.gpkg`` in the Excel export's file dialog would otherwise replace the
project with a workbook.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

from gisdesk.core.errors import InputError
from gisdesk.core.project import Project
from gisdesk.io.output_guard import refuse_overwriting
from gisdesk.ui import plain_text
from gisdesk.ui.file_dialogs import ask_save_path
from gisdesk.ui.i18n import language, tr

__all__ = ["ask_save_path", "refuse_project_output"]


def refuse_project_output(parent: QWidget | None, project: Project | None, path: Path) -> bool:
    """Tell the user and return True when writing ``path`` would replace the open project."""
    if project is None or project.path is None:
        return False
    try:
        refuse_overwriting([path], [], project=project.path)
    except InputError as exc:
        plain_text.warning(parent, tr("不能写出", "Cannot write"), exc.message(language()))
        return True
    return False
