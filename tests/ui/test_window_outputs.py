"""The window's exports never write over the open project, whatever name the user types."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox


@pytest.fixture
def small_project(small_sample) -> Path:
    return small_sample(("district", "towns", "villages"))


@pytest.fixture
def opened(qtbot, small_project: Path, tmp_path: Path, monkeypatch):
    from gisdesk.ui.main_window import MainWindow

    path = tmp_path / "p.gpkg"
    shutil.copy(small_project, path)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: shown.append(text))
    window = MainWindow()
    window.resize(900, 600)
    window.show()
    window.open_path(path, wait=True)
    yield window, path, shown
    window.undo.clear()
    window.modified = False
    window.close()
    window.deleteLater()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _names_of(path: Path, tmp_path: Path) -> list[Path]:
    link = tmp_path / "link.gpkg"
    link.symlink_to(path)
    return [path, Path(str(path.parent / ".." / path.parent.name / path.name)), link]


def test_exports_refuse_the_project_file(opened, tmp_path):
    window, path, shown = opened
    before = _digest(path)
    window.show_table("villages")
    for name in _names_of(path, tmp_path):
        assert not window.table.export_excel(name)
        window.outputs.export_webmap(name, wait=True)
    assert len(shown) == 6
    assert all("项目文件" in text and "覆盖" in text for text in shown)
    assert _digest(path) == before
    # a name of its own is written as usual
    out = tmp_path / "村庄.xlsx"
    assert window.table.export_excel(out)
    assert out.stat().st_size > 0


def test_plate_export_refuses_the_project_file(opened, tmp_path):
    window, path, shown = opened
    before = _digest(path)
    window.outputs.open_plate_designer()
    window.outputs.plate_designer.export(path, dpi=50, wait=True)
    window.outputs.plate_designer.export(Path(str(path) + "-journal"), dpi=50, wait=True)
    assert len(shown) == 2 and "-journal" in shown[1]
    assert _digest(path) == before
    assert not Path(str(path) + "-journal").exists()


def test_a_layer_exports_from_its_menu_in_the_worker(opened, tmp_path, qtbot, monkeypatch):
    import geopandas as gpd

    from gisdesk.ui.export_dialog import ExportDialog

    window, path, shown = opened
    before = _digest(path)
    out = tmp_path / "导出" / "villages.gpkg"
    out.parent.mkdir()

    def answer(dialog: ExportDialog) -> int:
        assert dialog.layer.currentData() == "villages"  # the layer whose menu was used
        dialog.out.setText(str(out))
        return int(dialog.DialogCode.Accepted)

    monkeypatch.setattr(ExportDialog, "exec", answer)
    menu = window.layer_tree.layer_menu("villages")
    next(a for a in menu.actions() if a.text() == "导出图层…").trigger()
    qtbot.waitUntil(lambda: window.session.task is None and out.exists(), timeout=30_000)
    written = gpd.read_file(out, layer="villages")
    assert len(written) == len(window.project.layer("villages"))
    assert _digest(path) == before and not shown
    assert window.registry["export_layer"].text() == "导出图层…"
