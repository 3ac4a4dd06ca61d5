"""Kill the app (SIGKILL) in a burst of edits, 20 times: nothing accepted is lost, no damage."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pyogrio
import pytest

from gisdesk.io.edit_journal import GpkgEditStore
from gisdesk.io.project_store import open_project, save_project
from gisdesk.resources import sample_project_path

CHILD = Path(__file__).with_name("burst_app.py")
RUNS = 20


@pytest.fixture(scope="module")
def base_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = open_project(sample_project_path())
    for layer in project.layers:
        if layer.name not in ("towns", "rental_factories"):
            project.remove_layer(layer.name)
    path = tmp_path_factory.mktemp("kill") / "base.gpkg"
    save_project(project, path)
    return path


def _stored_state(path: Path) -> dict[str, list[object]]:
    gdf = pyogrio.read_dataframe(
        path, layer="rental_factories", fid_as_index=True, where="factory_id = 'HM-CF-T'"
    )
    return {
        str(fid): [row["name"], round(row.geometry.x, 6), round(row.geometry.y, 6)]
        for fid, row in gdf.iterrows()
    }


def _run_and_kill(
    path: Path, seed: int, rng: random.Random, transcript: list[str]
) -> tuple[dict, dict | None, int]:
    """Start the app on ``path``, kill it after some accepted edits; return (ack, try, n)."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONUNBUFFERED": "1",
        "XDG_CONFIG_HOME": str(path.parent / "config"),  # not the user's real settings
        "GISDESK_RECOVERY_DIR": str(path.parent / "recovery"),
    }
    errors = path.with_suffix(".stderr.txt").open("w+", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(path), str(seed)],
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
        encoding="utf-8",
        env=env,
    )
    assert proc.stdout is not None
    acked: dict = {}
    pending: dict | None = None
    kill_after = rng.randint(3, 40)
    n = 0
    deadline = time.monotonic() + 90
    line = proc.stdout.readline()
    if not line.startswith("READY"):
        proc.kill()
        proc.wait()
        errors.seek(0)
        pytest.fail(f"the app did not start: {line}{errors.read()}")
    while n < kill_after and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        transcript.append(line)
        kind, _, payload = line.partition(" ")
        if kind == "TRY":
            pending = json.loads(payload)
        elif kind == "ACK":
            acked, pending = json.loads(payload), None
            n += 1
    time.sleep(rng.random() * 0.03)  # land anywhere in the next edit, often mid-write
    os.kill(proc.pid, signal.SIGKILL)
    # read the rest through the same buffered stream: communicate() would skip lines
    # that readline() has already buffered
    out = proc.stdout.read()
    proc.wait(timeout=30)
    errors.seek(0)
    assert proc.returncode == -signal.SIGKILL, errors.read()
    errors.close()
    # what it managed to say before dying; a last line without its newline was cut by the
    # kill mid-message, so it said nothing
    for line in out.split("\n")[:-1]:
        transcript.append(line)
        kind, _, payload = line.partition(" ")
        if kind == "TRY":
            pending = json.loads(payload)
        elif kind == "ACK":
            acked, pending = json.loads(payload), None
            n += 1
    return acked, pending, n


def test_sigkill_in_a_burst_of_edits_loses_nothing_accepted(
    base_project: Path, tmp_path: Path
) -> None:
    rng = random.Random(20261128)
    mid_edit = hot_journal = 0
    for run in range(RUNS):
        path = tmp_path / f"run{run}.gpkg"
        shutil.copy(base_project, path)
        transcript: list[str] = []
        acked, pending, n = _run_and_kill(path, seed=run, rng=rng, transcript=transcript)
        assert n >= 1, f"run {run}: no edit was accepted before the kill"

        journal = Path(f"{path}-journal")
        if journal.exists() and journal.stat().st_size > 0:
            hot_journal += 1  # killed inside a write: SQLite rolls it back on the next open
        con = sqlite3.connect(path)  # opening rolls back a half-written transaction
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", f"run {run}"
        con.close()
        stored = _stored_state(path)
        if pending is not None and stored == pending:
            mid_edit += 1  # the edit in flight had committed; it was not yet acknowledged
        else:
            tail = "\n".join(line.strip()[:300] for line in transcript[-6:])
            assert stored == acked, f"run {run}: accepted edits lost or damaged\n{tail}"

        project = open_project(path)  # the project opens and its journal is whole
        store = GpkgEditStore(path)
        report = store.begin_session("tester")
        assert report is not None, "the crashed session must be reported"
        assert report.transactions >= n
        store.close()
        assert len(project.layer("rental_factories")) >= len(acked)
    print(
        f"{RUNS} kills: {hot_journal} inside a write (rolled back), {mid_edit} after a commit "
        "and before its acknowledgement"
    )
