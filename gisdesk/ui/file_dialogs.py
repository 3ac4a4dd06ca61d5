"""The window's file dialogs: one place that asks for a file to open or to write.

Where the platform has a native dialog (Windows, a GTK or KDE desktop) Qt shows it, in the
system's language. Elsewhere Qt draws its own dialog, whose default size cuts the Chinese
words off: the sidebar read "计…" for 计算机 and the columns "4....iB", "Ge...ta". Qt's
dialog is therefore opened at a readable size, with the sidebar as wide as its entries and
the size, type and date columns as wide as their contents.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHeaderView,
    QListView,
    QSplitter,
    QTreeView,
    QWidget,
)

__all__ = ["ask_open_path", "ask_save_path", "make_readable"]

MIN_WIDTH = 860
MIN_HEIGHT = 520
NAME_COLUMN = 300  # px: a long Chinese file name such as 海门区2026年事故多发路段.gpkg


def make_readable(dialog: QFileDialog) -> None:
    """Size Qt's own file dialog so its sidebar, names, sizes, types and dates are whole.

    Does nothing to the parts a native dialog does not have.
    """
    dialog.resize(max(dialog.width(), MIN_WIDTH), max(dialog.height(), MIN_HEIGHT))
    sidebar = dialog.findChild(QListView, "sidebar")
    if sidebar is not None:
        wide = max(sidebar.sizeHintForColumn(0), 0) + 2 * sidebar.frameWidth() + 24
        sidebar.setMinimumWidth(max(wide, 120))
        splitter = dialog.findChild(QSplitter, "splitter")
        if splitter is not None and splitter.count() == 2:
            splitter.setSizes([sidebar.minimumWidth(), dialog.width() - sidebar.minimumWidth()])
    tree = dialog.findChild(QTreeView, "treeView")
    if tree is not None:
        header = tree.header()
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(60)
        header.resizeSection(0, NAME_COLUMN)
        for column in range(1, header.count()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)


def _choose(dialog: QFileDialog) -> str:
    """Show the dialog; return the chosen path ("" when cancelled)."""
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return ""
    files = dialog.selectedFiles()
    return files[0] if files else ""


def _dialog(parent: QWidget | None, title: str, start: str, file_filter: str) -> QFileDialog:
    dialog = QFileDialog(parent, title, start, file_filter)
    make_readable(dialog)
    return dialog


def ask_open_path(
    parent: QWidget | None, title: str, file_filter: str, start: str = ""
) -> Path | None:
    """Ask for an existing file to open; None if cancelled."""
    dialog = _dialog(parent, title, start, file_filter)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    path = _choose(dialog)
    return Path(path) if path else None


def ask_save_path(
    parent: QWidget | None,
    title: str,
    suggested_name: str,
    file_filter: str,
    *,
    confirm_overwrite: bool = True,
) -> Path | None:
    """Ask for a file to write (the dialog starts at ``suggested_name``); None if cancelled.

    ``confirm_overwrite=False`` leaves out Qt's "replace?" question, for a dialog that says
    itself what writing into an existing file will do.
    """
    dialog = _dialog(parent, title, suggested_name, file_filter)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setOption(QFileDialog.Option.DontConfirmOverwrite, not confirm_overwrite)
    path = _choose(dialog)
    return Path(path) if path else None
