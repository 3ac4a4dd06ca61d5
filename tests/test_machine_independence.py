"""Results do not depend on the machine: time zone, locale or the number of CPUs.

Each check runs the real command twice in fresh processes, once as the users work
(``TZ=Asia/Shanghai``, ``zh_CN.UTF-8``) and once on a server's defaults (``TZ=UTC``,
``C.UTF-8``) or on one CPU instead of all, and compares what comes out.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import shapely

USERS = {"TZ": "Asia/Shanghai", "LANG": "zh_CN.UTF-8", "LC_ALL": "zh_CN.UTF-8"}
SERVER = {"TZ": "UTC", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
FAR_EAST = {"TZ": "Pacific/Kiritimati", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}  # UTC+14


def _gisdesk(args: list[str], env: dict[str, str], *, cwd: Path, prefix=()) -> str:
    full_env = {**os.environ, **env, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [*prefix, sys.executable, "-m", "gisdesk", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=full_env,
        cwd=cwd,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.slow
def test_targets_and_info_are_the_same_in_any_time_zone_and_locale(sample_path, tmp_path):
    outputs = []
    for env in (USERS, SERVER, FAR_EAST):
        targets = _gisdesk(
            ["targets", str(sample_path), "--as-of", "2022-12-31", "--format", "json"],
            env,
            cwd=tmp_path,
        )
        info = _gisdesk(["info", str(sample_path)], env, cwd=tmp_path)
        outputs.append((json.loads(targets), info))
    assert outputs[0][0]["summary"] == {
        "met": 7,
        "on_track": 0,
        "at_risk": 2,
        "missed": 19,
        "no_data": 28,
    }
    assert outputs[1] == outputs[0]
    assert outputs[2] == outputs[0]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("taskset") is None, reason="needs util-linux taskset")
def test_service_areas_are_the_same_on_one_cpu(sample_path, tmp_path):
    import geopandas as gpd

    results = []
    for name, prefix in (("all", ()), ("one", ("taskset", "-c", "0"))):
        out = tmp_path / f"{name}.gpkg"
        _gisdesk(
            ["analyze", "service-areas", str(sample_path), "--out", str(out)],
            SERVER,
            cwd=tmp_path,
            prefix=prefix,
        )
        summary = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
        areas = gpd.read_file(out, layer="areas").to_crs(4549)
        results.append((summary, float(areas.area.sum()), areas.union_all()))
    (sum_all, area_all, shape_all), (sum_one, area_one, shape_one) = results
    assert sum_all == sum_one
    assert sum_all["district"]["villages_within"] == 232
    assert area_one == area_all
    assert shapely.to_wkb(shape_one) == shapely.to_wkb(shape_all)
