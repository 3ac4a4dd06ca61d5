"""The import contracts hold, and they really catch a wrong arrow."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    return subprocess.run(
        [str(LINT_IMPORTS), str(cwd / "pyproject.toml"), "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_import_contracts_hold():
    result = _lint(ROOT, ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: " in result.stdout and " broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line"),
    [
        ("core/layer.py", "import PySide6.QtCore"),
        ("io/schemas.py", "from PySide6 import QtGui"),
        ("analysis/classify.py", "import gisdesk.ui"),
        ("core/project.py", "import gisdesk.io.project_store"),
        ("tasks/base.py", "import PySide6.QtCore"),  # tasks are Qt-free
        ("tasks/zones.py", "import gisdesk.ui"),  # tasks sit below the window
        ("analysis/zones.py", "import gisdesk.tasks"),  # and above the analyses
        ("ui/analysis_dialogs.py", "import gisdesk.analysis.siting"),  # forms use tasks
        ("cli/analyze.py", "from gisdesk.analysis import service_areas"),
        ("ui/blackspots_screening.py", "import gisdesk.analysis.blackspots.screening"),
        ("cli/blackspots.py", "from gisdesk.analysis.blackspots import cameras"),
        ("ui/tools/navigation.py", "import gisdesk.ui.main_window"),  # tools below the window
        ("ui/dashboard.py", "from gisdesk.analysis.targets import evaluate"),
        ("cli/plate.py", "from gisdesk.export import atlas"),
    ],
)
def test_a_wrong_import_breaks_the_contract(tmp_path, module, line):
    copy = tmp_path / "repo"
    copy.mkdir()
    shutil.copytree(
        ROOT / "gisdesk", copy / "gisdesk", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    target = copy / "gisdesk" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    result = _lint(copy, copy)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout


def test_importing_the_model_does_not_load_qt():
    code = (
        "import sys, gisdesk.core.project, gisdesk.io.project_store, gisdesk.analysis.classify, "
        "gisdesk.tasks, gisdesk.cli.main; "
        "[spec.load() for spec in gisdesk.tasks.TASKS.values()]; "  # the tasks load lazily
        "print(sorted(m for m in sys.modules if m.startswith('PySide6')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_only_ui_imports_qtwidgets():
    """import-linter cannot name an external subpackage, so this contract is checked here."""
    import ast

    offenders = []
    for path in (ROOT / "gisdesk").rglob("*.py"):
        if path.relative_to(ROOT / "gisdesk").parts[0] in ("ui", "cli"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            if any(n.startswith("PySide6.QtWidgets") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_no_import_cycles():
    """No module reaches itself through imports (function-level and typing imports count)."""
    from tests.import_cycles import import_cycles

    cycles = import_cycles("gisdesk")
    assert cycles == [], "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_cycle_finder_lists_each_cycle():
    from tests.import_cycles import strongly_connected

    edges = {"a": ["b"], "b": ["c", "d"], "c": ["a"], "d": ["e"], "e": ["d"], "f": ["a"]}
    assert strongly_connected(edges) == [["a", "b", "c"], ["d", "e"]]
    assert strongly_connected({"a": ["b"], "b": ["c"]}) == []


@pytest.mark.parametrize(
    ("module", "line"),
    [
        ("core/events.py", "import gisdesk.core.project"),  # project -> events
        ("cli/exit_codes.py", "def _f():\n    from gisdesk.cli import main"),  # main -> exit_codes
    ],
)
def test_a_new_cycle_is_caught(tmp_path, module, line):
    copy = tmp_path / "repo"
    copy.mkdir()
    shutil.copytree(
        ROOT / "gisdesk", copy / "gisdesk", ignore=shutil.ignore_patterns("__pycache__")
    )
    target = copy / "gisdesk" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "import_cycles.py")],
        env={**os.environ, "PYTHONPATH": str(copy)},
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    importer = "gisdesk." + module.removesuffix(".py").replace("/", ".")
    assert any(importer in cycle for cycle in json.loads(result.stdout)), result.stdout


MAX_MODULE_LINES = 700


def long_modules_without_reason(package: Path) -> list[str]:
    """Modules over MAX_MODULE_LINES lines whose docstring does not say why they are one."""
    import ast

    found = []
    for path in sorted(package.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") <= MAX_MODULE_LINES:
            continue
        doc = ast.get_docstring(ast.parse(text)) or ""
        if f"Why one module (over {MAX_MODULE_LINES} lines):" not in doc:
            found.append(str(path.relative_to(package.parent)))
    return found


def test_no_module_is_over_700_lines_without_a_reason_at_its_top():
    assert long_modules_without_reason(ROOT / "gisdesk") == []


def test_a_long_module_without_a_reason_is_found(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    body = "\n".join(f"x{i} = {i}" for i in range(MAX_MODULE_LINES + 5))
    (package / "long.py").write_text(f'"""A long module."""\n{body}\n', encoding="utf-8")
    (package / "explained.py").write_text(
        f'"""A long module.\n\nWhy one module (over {MAX_MODULE_LINES} lines): a reason.\n"""\n'
        f"{body}\n",
        encoding="utf-8",
    )
    (package / "short.py").write_text('"""Short."""\nx = 1\n', encoding="utf-8")
    assert long_modules_without_reason(package) == ["pkg/long.py"]
