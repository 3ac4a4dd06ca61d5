"""The task registry names each task's module and loads it only when the task is used."""

from __future__ import annotations

import subprocess
import sys

from gisdesk.tasks import TASKS, task_for

HEAVY = ("pandas", "geopandas", "scipy", "numba", "rasterio", "PySide6")


def test_every_registered_kind_is_its_modules_kind_and_request():
    for kind, spec in TASKS.items():
        module = spec.load()
        assert spec.kind == kind == module.KIND
        assert spec.request_type is getattr(module, spec.request_name)
        assert callable(spec.request_type.from_record) and callable(spec.request_type.validate)
        assert spec.request_type.kind == kind
        assert spec.run is module.run
        assert spec.title("zh") == spec.title_zh and spec.title("en") == spec.title_en
    assert task_for("service_areas").request_type.__name__ == "ServiceAreasRequest"


def _loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport sys\nprint(sorted({{m.split('.')[0] for m in sys.modules}}))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return [name for name in HEAVY if f"'{name}'" in out.stdout.splitlines()[-1]]


def test_listing_the_tasks_loads_no_task_module_nor_heavy_package():
    code = (
        "import sys, gisdesk.tasks as t\n"
        "titles = [(k, s.title('en')) for k, s in t.TASKS.items()]\n"
        "assert not [m for m in sys.modules if m.startswith('gisdesk.tasks.')"
        " and m != 'gisdesk.tasks.base'], sorted(sys.modules)\n"
    )
    assert _loaded_after(code) == []
