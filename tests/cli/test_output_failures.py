"""An output that cannot be written is a message and exit code 3; an earlier output survives.

A folder that does not exist, a folder given as the output file, a folder the user cannot
write in (simulated: the suite may run as root), and a failure half-way through writing:
each ends with a message in Chinese and English, no traceback, the project unchanged, and
any file an earlier run wrote under that name left whole.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pyogrio
import pytest

from gisdesk.cli.main import main


@pytest.fixture
def small_project(small_sample) -> Path:
    """Towns, villages and the monitoring stations: enough for ``analyze zones``."""
    return small_sample(("towns", "villages", "monitoring_stations"))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


@pytest.mark.parametrize("where", ["missing folder", "a folder"])
def test_validate_csv_that_cannot_be_written(capsys, tmp_path, project_file, where) -> None:
    out = tmp_path / "nope" / "issues.csv" if where == "missing folder" else tmp_path
    before = _digest(project_file)
    code, err = _run(capsys, "validate", str(project_file), "--csv", str(out))
    assert code == 3, err
    assert "Traceback" not in err and "内部错误" not in err
    assert "输出文件夹不存在" in err or "是文件夹" in err
    code, err = _run(capsys, "--lang", "en", "validate", str(project_file), "--csv", str(out))
    assert code == 3 and ("does not exist" in err or "is a folder" in err)
    assert _digest(project_file) == before


def _unwritable_folder(monkeypatch, folder: Path) -> None:
    """Creating anything in ``folder`` fails as in a folder without write permission."""
    real_mkdtemp = tempfile.mkdtemp

    def mkdtemp(suffix=None, prefix=None, dir=None):
        if dir is not None and Path(dir).resolve() == folder.resolve():
            raise PermissionError(13, "Permission denied", str(folder))
        return real_mkdtemp(suffix, prefix, dir)

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)


@pytest.mark.parametrize(
    "argv",
    [
        ["analyze", "zones", "{P}", "--out", "{O}.gpkg"],
        ["export", "{P}", "towns", "{O}.gpkg"],
        ["export", "{P}", "towns", "{O}.xlsx"],
    ],
    ids=["analyze", "export gpkg", "export xlsx"],
)
def test_a_folder_without_write_permission_is_a_message(
    capsys, monkeypatch, tmp_path, project_file, argv
) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    _unwritable_folder(monkeypatch, folder)
    args = [a.format(P=project_file, O=folder / "out") for a in argv]
    code, err = _run(capsys, *args)
    assert code == 3, err
    assert "内部错误" not in err and "Traceback" not in err
    assert "无法写入" in err
    code, err = _run(capsys, "--lang", "en", *args)
    assert code == 3 and "Cannot write" in err
    assert list(folder.iterdir()) == []


def test_a_failed_analysis_write_keeps_the_earlier_result(
    capsys, monkeypatch, tmp_path, project_file
) -> None:
    """Half-way through a new result (one layer written of two), the earlier file stays."""
    out = tmp_path / "zones.gpkg"
    assert main(["analyze", "zones", str(project_file), "--out", str(out)]) == 0
    capsys.readouterr()
    before = {p.name: _digest(p) for p in (out, out.with_suffix(".json"))}
    layers_before = [name for name, _g in pyogrio.list_layers(out)]
    assert len(layers_before) > 1
    real_write = pyogrio.write_dataframe
    written: list[str] = []

    def failing_write(df, path, **options):
        if written:
            raise pyogrio.errors.DataSourceError("disk full")
        written.append(options.get("layer"))
        return real_write(df, path, **options)

    monkeypatch.setattr(pyogrio, "write_dataframe", failing_write)
    code, err = _run(capsys, "analyze", "zones", str(project_file), "--out", str(out))
    assert code == 3, err
    assert "无法写入" in err and "原有文件未改动" in err and "内部错误" not in err
    assert {p.name: _digest(p) for p in (out, out.with_suffix(".json"))} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["p.gpkg", *before])


def test_an_analysis_over_a_folder_of_its_name_keeps_the_folder(
    capsys, tmp_path, project_file
) -> None:
    out = tmp_path / "zones.gpkg"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    code, err = _run(capsys, "analyze", "zones", str(project_file), "--out", str(out))
    assert code == 3 and "无法写入" in err, err
    assert (out / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert not out.with_suffix(".json").exists()


@pytest.mark.parametrize("where", ["missing folder", "a folder"])
def test_a_screenshot_that_cannot_be_saved_is_not_reported_done(
    tmp_path, project_file, where
) -> None:
    out = tmp_path / "nope" / "shot.png" if where == "missing folder" else tmp_path / "shot.png"
    if where == "a folder":
        out.mkdir()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GISDESK_LOG_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "gisdesk", "open", str(project_file), "--screenshot", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 3, done.stderr
    assert "无法保存窗口截图" in done.stderr and "内部错误" not in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
