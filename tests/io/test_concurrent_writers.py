"""Many processes write one project at once: every write reported done is in the file.

Window-style editors (the window's edit controller, in child processes), ``gisdesk
import``s (some patient, some not) and ``gisdesk export``s start together on one project.
Afterwards each write a process reported as done is in the file, and each process that
could not write said so (a non-zero exit with a message naming the writer in the way, or a
refused edit with the reason); nothing else is in the file and SQLite finds it intact.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from gisdesk.io.project_lock import lock_path_for
from gisdesk.io.project_store import open_project
from tests.conftest import SMALL_LAYERS as SMALL

EDITOR = Path(__file__).with_name("concurrent_editor.py")
PATIENT, IMPATIENT, EXPORTS, EDITS = 6, 2, 2, 12


def _points(folder: Path, i: int) -> Path:
    n = 3 + i
    gdf = gpd.GeoDataFrame(
        {"name": [f"点{i}-{k}" for k in range(n)]},
        geometry=shapely.points([121.1 + 0.01 * k for k in range(n)], [31.9] * n),
        crs=4490,
    )
    path = folder / f"in{i}.geojson"
    pyogrio.write_dataframe(gdf, path, driver="GeoJSON")
    return path


def _start(argv: list[str], env: dict[str, str], *, stdin: bool = False) -> subprocess.Popen[str]:
    return subprocess.Popen(
        argv,
        stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env,
    )


def _editor(project: Path, name: str, env: dict[str, str], mode: str) -> subprocess.Popen[str]:
    argv = [sys.executable, str(EDITOR), str(project), name, str(EDITS), mode]
    return _start(argv, env, stdin=True)


def _ready(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("READY"), line + (proc.stderr.read() if proc.stderr else "")
    return line.strip()


def _go(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.write("go\n")
    proc.stdin.flush()


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=900)
    return proc.returncode, out, err


def _acks(out: str) -> dict[int, str]:
    acks = {}
    for line in out.splitlines():
        if line.startswith("ACK "):
            _ack, fid, label = line.split(" ", 2)
            acks[int(fid)] = label
    return acks


@pytest.mark.slow
def test_concurrent_writers_lose_nothing_they_reported(small_project, tmp_path) -> None:
    project = tmp_path / "p.gpkg"
    shutil.copy(small_project, project)
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "GISDESK_RECOVERY_DIR": str(tmp_path / "recovery"),
        "GISDESK_LANG": "zh",
    }
    patient_env = {**env, "GISDESK_LOCK_TIMEOUT": "600"}
    impatient_env = {**env, "GISDESK_LOCK_TIMEOUT": "0"}
    gisdesk = [sys.executable, "-m", "gisdesk"]

    first = _editor(project, "甲", env, "wait")
    assert _ready(first) == "READY EDIT"  # the first window holds the project

    second = _editor(project, "乙", env, "wait")
    imports = {
        f"导入{i}": _start(
            [*gisdesk, "import", str(project), str(_points(tmp_path, i)), "--name", f"导入{i}"],
            patient_env if i < PATIENT else impatient_env,
        )
        for i in range(PATIENT + IMPATIENT)
    }
    exports = [
        _start([*gisdesk, "export", str(project), "towns", str(tmp_path / f"out{i}.gpkg")], env)
        for i in range(EXPORTS)
    ]

    # the second window opens read-only, told who holds the project; its edits are refused
    line = _ready(second)
    assert line.startswith("READY READONLY") and f"pid {first.pid}" in line, line
    _go(second)
    code, out, err = _finish(second)
    assert code == 0, err
    assert "ACK" not in out and out.count("REFUSED") == EDITS and "只读" in out

    # readers are not held up, and read a whole project
    towns = len(open_project(small_project).layer("towns"))
    for proc in exports:
        code, _out, err = _finish(proc)
        assert code == 0, err
    for i in range(EXPORTS):
        assert len(pyogrio.read_dataframe(tmp_path / f"out{i}.gpkg", layer="towns")) == towns

    # impatient imports give up at once, naming the window in the way
    impatient = {n: p for n, p in imports.items() if int(n[2:]) >= PATIENT}
    results = {}
    for name, proc in impatient.items():
        results[name] = _finish(proc)
        code, _out, err = results[name]
        assert code == 3 and f"pid {first.pid}" in err and "正被" in err, err

    # the first window edits while the patient imports wait, then closes
    _go(first)
    code, out, err = _finish(first)
    assert code == 0, err
    first_acks = _acks(out)
    assert len(first_acks) == EDITS and out.rstrip().endswith("DONE")

    # a third window races the waiting imports for the project: it edits or is told
    third = _editor(project, "丙", env, "go")
    for name, proc in imports.items():
        if name not in results:
            results[name] = _finish(proc)
    code, out, err = _finish(third)
    assert code == 0, err
    third_acks = _acks(out)
    if not third_acks:
        assert out.count("REFUSED") == EDITS and "正被" in out and "只读" in out

    # what was reported done is there; what was refused is not
    for name, (code, _out, err) in results.items():
        if int(name[2:]) < PATIENT:
            assert code == 0, f"{name}: {err}"
        else:
            assert code != 0
    done = {n for n, (code, _o, _e) in results.items() if code == 0}
    _check_file(project, small_project, done, {**first_acks, **third_acks})


def _check_file(project: Path, base: Path, imported: set[str], acks: dict[int, str]) -> None:
    """The file holds the base, each import reported done and each acknowledged edit."""
    final = open_project(project)
    assert {layer.name for layer in final} == set(SMALL) | imported
    for name in imported:
        assert len(final.layer(name)) == 3 + int(name[2:])
    stored = pyogrio.read_dataframe(project, layer="rental_factories", fid_as_index=True)
    for fid, label in acks.items():
        assert stored.loc[fid, "name"] == label
    assert not any(str(n).startswith("乙-") for n in stored["name"])  # refused: not there
    assert len(stored) == len(open_project(base).layer("rental_factories")) + len(acks)
    con = sqlite3.connect(project)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    journaled = con.execute("SELECT count(DISTINCT txn) FROM gisdesk_edits").fetchone()[0]
    con.close()
    assert journaled == len(acks)  # every accepted edit, audited
    assert not lock_path_for(project).exists()  # every writer let go
