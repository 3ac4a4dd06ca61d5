"""QGIS opens a saved gisdesk project styled: each layer's default style from layer_styles.

Runs Debian's QGIS Python bindings (python3-qgis, installed by scripts/setup.sh) in a
subprocess; the gisdesk venv cannot import them. Skipped, with the reason, without QGIS.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from gisdesk.io.project_store import open_project, save_project
from gisdesk.io.qml import label_font_expression

PROBE = Path(__file__).with_name("qgis_project_probe.py")
SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin")


def _qgis_available() -> bool:
    if SYSTEM_PYTHON is None:
        return False
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, check=False
    )
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(
    not _qgis_available(),
    reason="qgis.core cannot be imported by /usr/bin/python3 (Debian python3-qgis missing)",
)


def _probe(path: Path, home: Path) -> dict[str, dict]:
    run = subprocess.run(
        [SYSTEM_PYTHON, str(PROBE), str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(home)},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return {r["layer"]: r for r in json.loads(run.stdout.strip().splitlines()[-1])}


def test_qgis_opens_the_saved_sample_with_gisdesk_styles(sample_path: Path, tmp_path: Path) -> None:
    project = open_project(sample_path)
    saved = tmp_path / "海门.gpkg"
    save_project(project, saved)
    seen = _probe(saved, tmp_path)
    assert sorted(seen) == sorted(layer.name for layer in project.layers)
    for layer in project.layers:
        style, got = layer.style, seen[layer.name]
        assert got["valid"] and got["loaded"], got
        assert got["kind"] == style.kind, (layer.name, got["kind"], style.kind)
        classes = 1 if style.kind == "single" else len(style.classes)
        if style.kind != "single" and style.default is not None:
            classes += 1
        assert got["classes"] == classes, (layer.name, got["classes"], classes)
        assert got["labels"] == (style.label is not None), layer.name
        if style.label is not None:
            assert got["dd_active"] and got["dd_expression"] == label_font_expression()
            assert got["dd_family_here"] == "Noto Sans CJK SC"  # QGIS runs on Linux here
        # the SLD of the same row loads in QGIS with one rule per class, and the labels
        assert got["sld_loaded"], (layer.name, got["sld_message"])
        assert got["sld_rules"] == classes, (layer.name, got["sld_rules"], classes)
        assert got["sld_labels"] == (style.label is not None), layer.name


def _drawn(style, line: bool) -> list[str | None]:
    """The colour each class is drawn with (a line's stroke, a point's or polygon's fill)."""
    return [c.symbol.stroke if line else c.symbol.fill for c in style.classes]


def test_a_project_saved_by_qgis_comes_back_with_its_layers_and_styles(
    sample_project, tmp_path: Path
) -> None:
    from gisdesk.core.project import Project
    from gisdesk.io.vector_export import export_geopackage
    from gisdesk.tasks.imports import ImportRequest, build_layer, read_file

    names = ["roads", "villages", "monitoring_stations", "towns"]
    data = tmp_path / "数据"
    data.mkdir()
    gpkg = data / "海门.gpkg"
    export_geopackage([sample_project.layer(n) for n in names], gpkg)
    qgz = tmp_path / "海门.qgz"
    run = subprocess.run(
        [SYSTEM_PYTHON, str(PROBE.with_name("qgis_make_project.py")), str(qgz)]
        + [f"{gpkg}:{n}" for n in names],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    for name in names:
        request = ImportRequest(path=str(qgz), layer=f"{name}（QGIS）")
        layer = build_layer(Project(), request, read_file(request))
        original = sample_project.layer(name)
        assert len(layer) == len(original), name
        assert layer.style is not None and layer.style.kind == original.style.kind, name
        assert layer.style.field == original.style.field, name
        assert len(layer.style.classes) == len(original.style.classes), name
        assert (layer.style.label is None) == (original.style.label is None), name
        line = original.schema.geometry == "LineString"
        assert _drawn(layer.style, line) == _drawn(original.style, line), name
