"""The window's file dialogs for outputs: one helper asks for the path (None when cancelled),
and "save as" adds the GeoPackage suffix a typed name lacks."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtWidgets import QFileDialog, QWidget

from gisdesk.ui.output_paths import ask_save_path
from gisdesk.ui.project_files import ProjectFiles


def _answer(monkeypatch, chosen: str, asked: list[tuple]) -> None:
    def fake(*args):
        asked.append(args)
        return chosen, ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))


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
