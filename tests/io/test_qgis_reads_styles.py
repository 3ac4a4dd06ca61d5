"""QGIS itself opens GeoPackages exported by gisdesk and shows the same classes and colours.

Runs Debian's QGIS 3.22 Python bindings (installed by scripts/setup.sh) in a subprocess; the
gisdesk venv cannot import them. Skipped, with the reason, where QGIS is not installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from gisdesk.io.project_store import open_project
from gisdesk.io.vector_export import export_geopackage
from gisdesk.resources import sample_project_path

PROBE = Path(__file__).with_name("qgis_style_probe.py")
SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin")
LAYERS = ["towns", "villages", "roads", "rental_factories", "monitoring_stations", "rivers"]


def _qgis_available() -> bool:
    if SYSTEM_PYTHON is None:
        return False
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, check=False
    )
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(
    not _qgis_available(), reason="QGIS Python bindings (Debian python3-qgis) not installed"
)


def _expected_colour(symbol, family: str) -> str | None:
    colour = (symbol.stroke or symbol.fill) if family == "line" else symbol.fill
    return None if colour in (None, "none") else colour.lower()


def test_qgis_reads_the_exported_styles(tmp_path: Path) -> None:
    project = open_project(sample_project_path())
    specs = []
    for name in LAYERS:
        out = tmp_path / f"{name}.gpkg"
        export_geopackage([project.layer(name)], out)
        specs.append(f"{out}:{name}")
    run = subprocess.run(
        [SYSTEM_PYTHON, str(PROBE), *specs],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    seen = {r["layer"]: r for r in json.loads(run.stdout.strip().splitlines()[-1])}
    for name in LAYERS:
        layer = project.layer(name)
        style, got = layer.style, seen[name]
        assert got["valid"] and got["loaded"], got
        assert got["kind"] == style.kind, (name, got["kind"], style.kind)
        family = {"Point": "point", "LineString": "line"}.get(layer.schema.geometry, "polygon")
        if style.kind == "categorized":
            assert got["field"] == style.field
            expected = [[str(c.value), _expected_colour(c.symbol, family)] for c in style.classes]
            assert got["classes"] == expected, (name, got["classes"], expected)
        elif style.kind == "graduated":
            assert got["field"] == style.field
            colours = [c[2] for c in got["classes"]]
            assert colours == [_expected_colour(c.symbol, family) for c in style.classes]
        elif style.kind == "single":
            assert got["colour"] == _expected_colour(style.symbol, family)
        if style.label is not None:
            assert got["labels"], name
