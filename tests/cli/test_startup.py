"""The command line imports only what a command needs: building the parser (and ``--help``)
loads no data-frame, raster, numeric-kernel or Qt package. A module-set check, not a timing."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("pandas", "geopandas", "scipy", "numba", "rasterio", "pyproj", "pyogrio", "PySide6")


def _imported(args: list[str]) -> set[str]:
    """Top-level packages a ``python -X importtime ARGS`` process imported."""
    return {name.split(".")[0] for name in _modules(args)}


@pytest.mark.parametrize(
    "command",
    [
        ["analyze", "service-areas"],
        ["analyze", "siting"],
        ["blackspots", "screen"],
        ["targets"],
        ["plate"],
        ["webmap"],
        ["import"],
        ["info"],
    ],
)
def test_help_imports_no_heavy_package(command):
    imported = _imported(["-m", "gisdesk", *command, "--help"])
    assert "gisdesk" in imported
    assert imported.isdisjoint(HEAVY), sorted(imported & set(HEAVY))


def test_parsing_a_command_and_the_shared_cli_modules_import_no_heavy_package():
    code = (
        "import sys\n"
        "from gisdesk.cli.main import _parser\n"
        "args = _parser().parse_args(['analyze', 'service-areas', 'p.gpkg', '--out', 'o.gpkg',"
        " '--mode', 'walk', '--minutes', '12'])\n"
        "assert args.analyze_command == 'service-areas'\n"
        "import gisdesk.cli.commands, gisdesk.cli.results, gisdesk.cli.forms, gisdesk.tasks\n"
        "assert gisdesk.tasks.task_for('service_areas').title('en') == 'Service areas'\n"
        f"heavy = {HEAVY!r}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


def _modules(args: list[str], env: dict[str, str] | None = None) -> set[str]:
    """Every module (dotted names) a ``python -X importtime ARGS`` process imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def test_a_single_plate_loads_no_network_code_and_a_coverage_plate_does(tmp_path, monkeypatch):
    """A plate without a coverage table never needs the service-area search (scipy, the
    network): its start-up is part of the plate's time beside QGIS's layout export."""
    import os
    import shutil

    from gisdesk import resources

    project = tmp_path / "haimen.gpkg"
    shutil.copyfile(resources.sample_project_path(), project)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    network = {"scipy", "gisdesk.analysis.service_areas", "gisdesk.analysis.routing"}
    base = ["-m", "gisdesk", "plate", str(project), "--template", "A4-landscape"]
    plain = _modules([*base, "--out", str(tmp_path / "p.pdf")], env)
    assert "gisdesk.export.output" in plain
    assert plain.isdisjoint(network), sorted(plain & network)
    counted = _modules([*base, "--stats", "coverage", "--out", str(tmp_path / "c.pdf")], env)
    assert network <= counted
