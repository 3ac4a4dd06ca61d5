"""Each key of ``project.settings`` is owned by one module, through its accessors.

A module that reads or writes ``project.settings[...]`` (or ``.get``/``.pop``/
``.setdefault``) must name the key by a module-level constant, and no two modules may own
the same key: the key's type and meaning are then stated once, beside the functions that read
and write it (``gisdesk.tasks.derived``, ``gisdesk.analysis.blackspots.listing`` …).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "gisdesk"
ACCESS = {"get", "pop", "setdefault"}


def _constants(tree: ast.Module) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    found[target.id] = node.value.value
    return found


def _is_settings(node: ast.expr) -> bool:
    """Whether ``node`` is a project's settings: ``project.settings``, ``x.project.settings``."""
    if not (isinstance(node, ast.Attribute) and node.attr == "settings"):
        return False
    owner = node.value
    name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
    return name.endswith("project")


def settings_keys(source: str) -> tuple[list[str], set[str]]:
    """Return (keys named by a literal, keys named by a module constant) in ``source``."""
    tree = ast.parse(source)
    constants = _constants(tree)
    literal: list[str] = []
    owned: set[str] = set()
    for node in ast.walk(tree):
        key: ast.expr | None = None
        if isinstance(node, ast.Subscript) and _is_settings(node.value):
            key = node.slice
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ACCESS
            and _is_settings(node.func.value)
            and node.args
        ):
            key = node.args[0]
        if isinstance(key, ast.Constant):
            literal.append(str(key.value))
        elif isinstance(key, ast.Name) and key.id in constants:
            owned.add(constants[key.id])
    return literal, owned


def test_settings_keys_are_constants_each_owned_by_one_module() -> None:
    owners: dict[str, list[str]] = {}
    literals: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        literal, owned = settings_keys(path.read_text(encoding="utf-8"))
        name = str(path.relative_to(PACKAGE))
        literals += [f"{name}: {key!r}" for key in literal]
        for key in owned:
            owners.setdefault(key, []).append(name)
    assert literals == []
    shared = {key: names for key, names in owners.items() if len(names) > 1}
    assert shared == {}
    # the keys the project keeps today, each with its one owner
    assert {"derived_results", "blackspots", "targets", "target_history"} <= set(owners)


def test_the_check_sees_a_literal_key_and_a_constant() -> None:
    bad = 'def f(project):\n    return project.settings.get("blackspots", {})\n'
    assert settings_keys(bad) == (["blackspots"], set())
    good = 'KEY = "blackspots"\n\ndef f(project):\n    project.settings[KEY] = {}\n'
    assert settings_keys(good) == ([], {"blackspots"})
