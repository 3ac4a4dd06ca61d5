"""The plate designer's 导出… and 图集… ask for a file named after the title, then export."""

from __future__ import annotations

from pathlib import Path

import pytest

from gisdesk.io.project_store import open_project
from gisdesk.ui import plate_designer
from gisdesk.ui.plate_designer import PlateDesigner


@pytest.fixture
def designer(qtbot, sample_path, monkeypatch):
    dialog = PlateDesigner(open_project(sample_path))
    qtbot.addWidget(dialog)
    monkeypatch.setattr(dialog, "schedule_preview", lambda *a, **k: None)
    return dialog


@pytest.mark.parametrize(
    ("ask", "export", "untitled", "filters"),
    [
        ("ask_export", "export", "plate", "PDF (*.pdf);;PNG (*.png);;SVG (*.svg)"),
        ("ask_atlas", "export_atlas", "atlas", "PDF (*.pdf)"),
    ],
)
def test_each_ask_offers_the_title_and_exports_what_was_chosen(
    designer, monkeypatch, tmp_path, ask, export, untitled, filters
):
    asked: list[tuple[str, str]] = []
    chosen: list[Path | None] = [tmp_path / "chosen.pdf"]

    def fake_ask(_parent, _caption, suggested, file_filter):
        asked.append((suggested, file_filter))
        return chosen[0]

    exported: list[Path] = []
    monkeypatch.setattr(plate_designer, "ask_save_path", fake_ask)
    monkeypatch.setattr(designer, export, exported.append)

    designer.title.setText("海门区道路")
    getattr(designer, ask)()
    designer.title.setText("")
    chosen[0] = None
    getattr(designer, ask)()

    assert asked == [("海门区道路.pdf", filters), (f"{untitled}.pdf", filters)]
    assert exported == [tmp_path / "chosen.pdf"]  # nothing when the user cancels
