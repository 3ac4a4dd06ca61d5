"""The command line imports only what a command needs: building the parser (and ``--help``)
loads no data-frame, raster, numeric-kernel or Qt package. A module-set check, not a timing."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("pandas", "geopandas", "scipy", "numba", "rasterio", "pyproj", "pyogrio", "PySide6")


def _imported(args: list[str]) -> set[str]:
    """Top-level packages a ``python -X importtime ARGS`` process imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


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
