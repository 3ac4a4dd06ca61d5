"""The window's file dialogs for outputs: one helper asks for the path (None when cancelled),
and "save as" adds the GeoPackage suffix a typed name lacks."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtWidgets import QFileDialog, QListView, QTreeView, QWidget

from gisdesk.ui import file_dialogs
from gisdesk.ui.output_paths import ask_save_path
from gisdesk.ui.project_files import ProjectFiles


def _answer(monkeypatch, chosen: str, asked: list[tuple]) -> None:
    """Answer the next file dialogs with ``chosen``; note (parent, title, start, filter)."""

    def fake(dialog: QFileDialog) -> str:
        start = dialog.selectedFiles()[0] if dialog.selectedFiles() else ""
        asked.append(
            (
                dialog.parent(),
                dialog.windowTitle(),
                Path(start).name,
                ";;".join(dialog.nameFilters()),
            )
        )
        return chosen

    monkeypatch.setattr(file_dialogs, "_choose", fake)


def test_ask_save_path_passes_the_dialog_its_words_and_returns_the_choice(
    qtbot, monkeypatch, tmp_path
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    asked: list[tuple] = []
    _answer(monkeypatch, str(tmp_path / "表.xlsx"), asked)
    assert ask_save_path(parent, "导出", "表.xlsx", "Excel (*.xlsx)") == tmp_path / "表.xlsx"
    assert asked == [(parent, "导出", "表.xlsx", "Excel (*.xlsx)")]
    _answer(monkeypatch, "", asked)
    assert ask_save_path(parent, "导出", "表.xlsx", "Excel (*.xlsx)") is None


@pytest.mark.parametrize(
    ("typed", "saved"),
    [("copy", "copy.gpkg"), ("copy.gpkg", "copy.gpkg"), ("a.b", "a.b.gpkg"), ("", None)],
)
def test_save_as_adds_the_geopackage_suffix_and_a_cancel_saves_nothing(
    qtbot, monkeypatch, tmp_path, typed, saved
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    files = ProjectFiles(SimpleNamespace(project=SimpleNamespace(title="海门")), parent)  # type: ignore[arg-type]
    written: list[Path] = []
    files.save_to = lambda path, *, wait: written.append(path) or True  # type: ignore[method-assign]
    asked: list[tuple] = []
    _answer(monkeypatch, str(tmp_path / typed) if typed else "", asked)
    assert files.save_as() is (saved is not None)
    assert written == ([tmp_path / saved] if saved else [])
    assert asked[0][2] == "海门.gpkg"


def test_qt_file_dialog_shows_its_sidebar_and_columns_whole(qtbot, tmp_path) -> None:
    """Qt's own dialog (no native one here) cut 计算机 to "计…" and the size and type columns
    to "4....iB" and "Ge...ta"; it opens wide enough for them now."""
    (tmp_path / "海门区2026年事故多发路段.gpkg").write_bytes(b"x" * 4_500_000)
    dialog = file_dialogs._dialog(None, "打开项目", str(tmp_path), "GeoPackage (*.gpkg)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    file_dialogs.make_readable(dialog)
    qtbot.addWidget(dialog)
    dialog.show()
    sidebar = dialog.findChild(QListView, "sidebar")
    tree = dialog.findChild(QTreeView, "treeView")
    assert sidebar is not None and tree is not None  # Qt's own dialog, not a native one
    qtbot.waitUntil(lambda: tree.model().rowCount(tree.rootIndex()) == 1)
    qtbot.wait(50)
    assert sidebar.viewport().width() >= sidebar.sizeHintForColumn(0)
    header = tree.header()
    for column in range(1, header.count()):
        if not header.isSectionHidden(column):
            assert header.sectionSize(column) >= tree.sizeHintForColumn(column), column
    assert dialog.width() >= file_dialogs.MIN_WIDTH
