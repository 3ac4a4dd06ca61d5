"""The command line never writes a result over its project, respects permissions and locks.

Permissions are checked by mode bits as well as ``os.access``, so these tests hold when the
suite runs as root (root passes every ``os.access`` check); where ``setpriv`` exists and the
suite runs as root, one test also runs ``gisdesk import`` as the unprivileged ``nobody``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from gisdesk.cli.main import main
from gisdesk.io.project_lock import ProjectLock, lock_path_for
from gisdesk.io.project_store import open_project


@pytest.fixture
def points_file(tmp_path: Path) -> Path:
    path = tmp_path / "points.geojson"
    gdf = gpd.GeoDataFrame(
        {"name": ["甲点", "乙点", "丙点"]},
        geometry=shapely.points([121.1, 121.2, 121.3], [31.85, 31.9, 31.95]),
        crs=4490,
    )
    pyogrio.write_dataframe(gdf, path, driver="GeoJSON")
    return path


def _state(path: Path) -> tuple[str, int, int, int]:
    """Content hash, modification time (ns), permission bits and inode of a file."""
    st = path.stat()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest, st.st_mtime_ns, st.st_mode & 0o7777, st.st_ino


# --- --out naming the project -------------------------------------------------------------

COMMANDS = {
    "analyze zones": ["analyze", "zones", "{P}", "--out", "{O}"],
    "analyze service-areas": ["analyze", "service-areas", "{P}", "--out", "{O}"],
    "analyze siting": ["analyze", "siting", "{P}", "--out", "{O}"],
    "blackspots screen": ["blackspots", "screen", "{P}", "--out", "{O}"],
    "blackspots cameras": ["blackspots", "cameras", "{P}", "--out", "{O}"],
    "export": ["export", "{P}", "towns", "{O}"],
    "export shp": ["export", "{P}", "towns", "{O}", "--format", "shp"],
    "plate": ["plate", "{P}", "--out", "{O}"],
    "webmap": ["webmap", "{P}", "--out", "{O}"],
    "targets": ["targets", "{P}", "--out", "{O}"],
    "validate --csv": ["validate", "{P}", "--csv", "{O}"],
    "open --screenshot": ["open", "{P}", "--screenshot", "{O}"],
}


def _output_naming(project: Path, kind: str) -> tuple[Path, str]:
    """An output path that is the project, spelled or linked as ``kind`` says."""
    if kind == "same":
        return project, ""
    if kind == "spelled":
        return project.parent / "sub" / ".." / project.name, ""
    if kind == "symlink":
        link = project.with_name("link.gpkg")
        link.symlink_to(project)
        return link, "符号链接"
    link = project.with_name("hard.gpkg")
    os.link(project, link)
    return link, "硬链接"


@pytest.mark.parametrize("kind", ["same", "spelled", "symlink", "hardlink"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_out_naming_the_project_is_refused(project_file, command, kind, capsys) -> None:
    (project_file.parent / "sub").mkdir()
    out, how = _output_naming(project_file, kind)
    before = _state(project_file)
    argv = [a.format(P=project_file, O=out) for a in COMMANDS[command]]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "就是项目文件" in err and "换一个输出文件名" in err and how in err
    assert "Traceback" not in err
    assert _state(project_file) == before
    assert main(["--lang", "en", *argv]) == 2
    assert "is the project file" in capsys.readouterr().err


def test_files_written_beside_the_output_are_checked_too(project_file, tmp_path, capsys) -> None:
    """``--out A.gpkg`` writes ``A.json`` beside it: an input of that name is protected."""
    accidents = tmp_path / "acc.json"
    accidents.write_text("{}", encoding="utf-8")
    before = accidents.read_bytes()
    argv = ["blackspots", "screen", str(project_file), "--accidents", str(accidents)]
    assert main([*argv, "--out", str(tmp_path / "acc.gpkg")]) == 2
    assert f"就是输入文件 {accidents}" in capsys.readouterr().err
    assert accidents.read_bytes() == before
    journal = f"{project_file}-journal"
    assert main(["analyze", "zones", str(project_file), "--out", journal]) == 2
    assert "-journal 文件" in capsys.readouterr().err
    assert not Path(journal).exists()


def test_other_outputs_are_still_written(project_file, tmp_path, capsys) -> None:
    csv = tmp_path / "issues.csv"
    assert main(["validate", str(project_file), "--csv", str(csv)]) in (0, 1)
    assert csv.is_file()
    out = tmp_path / "towns.geojson"
    assert main(["export", str(project_file), "towns", str(out)]) == 0
    assert len(pyogrio.read_dataframe(out)) == len(open_project(project_file).layer("towns"))


# --- opening changes nothing --------------------------------------------------------------


@pytest.mark.parametrize("command", ["info", "validate"])
def test_reading_commands_leave_the_project_as_it_was(project_file, command, capsys) -> None:
    before = _state(project_file)
    assert main([command, str(project_file)]) in (0, 1)
    capsys.readouterr()
    assert _state(project_file) == before
    assert sorted(f.name for f in project_file.parent.iterdir()) == ["p.gpkg"]


# --- import: permissions and the lock ---------------------------------------------------------


def test_import_into_a_read_only_project_is_refused(project_file, points_file, capsys) -> None:
    project_file.chmod(0o444)
    before = _state(project_file)
    try:
        assert main(["import", str(project_file), str(points_file)]) == 3
        err = capsys.readouterr().err
        assert "只读" in err and "Traceback" not in err
        assert _state(project_file) == before
    finally:
        project_file.chmod(0o644)
    assert not lock_path_for(project_file).exists()


def test_import_into_a_read_only_folder_is_refused(project_file, points_file, capsys) -> None:
    before = _state(project_file)
    project_file.parent.chmod(0o555)
    try:
        assert main(["--lang", "en", "import", str(project_file), str(points_file)]) == 3
        assert "folder" in capsys.readouterr().err
    finally:
        project_file.parent.chmod(0o755)
    assert _state(project_file) == before
    assert sorted(f.name for f in project_file.parent.iterdir()) == ["p.gpkg", "points.geojson"]


def test_import_into_a_busy_project_names_the_holder(
    project_file, points_file, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("GISDESK_LOCK_TIMEOUT", "0")
    before = _state(project_file)
    with ProjectLock(project_file).acquire(purpose="edit", user="张三"):
        assert main(["import", str(project_file), str(points_file)]) == 3
    err = capsys.readouterr().err
    assert "正被 张三@" in err and f"pid {os.getpid()}" in err and "起编辑" in err
    assert _state(project_file) == before


def test_import_writes_into_the_project_keeping_its_mode_and_inode(
    project_file, points_file, capsys
) -> None:
    project_file.chmod(0o640)
    _digest, _mtime, mode, inode = _state(project_file)
    assert main(["import", str(project_file), str(points_file), "--name", "新点"]) == 0
    capsys.readouterr()
    assert project_file.stat().st_ino == inode and project_file.stat().st_mode & 0o7777 == mode
    assert len(open_project(project_file).layer("新点")) == 3
    assert not lock_path_for(project_file).exists()


def test_targets_record_waits_for_the_lock_and_keeps_history(
    project_file, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("GISDESK_LOCK_TIMEOUT", "0")
    before = _state(project_file)
    with ProjectLock(project_file).acquire(purpose="edit", user="赵六"):
        assert main(["targets", str(project_file), "--record", "--as-of", "2022-12-31"]) == 3
    assert "赵六" in capsys.readouterr().err
    assert _state(project_file) == before
    # exit 1 would only mean a target is missed or lacks data: recorded all the same
    assert main(["targets", str(project_file), "--record", "--as-of", "2022-12-31"]) in (0, 1)
    assert main(["targets", str(project_file), "--record", "--as-of", "2023-12-31"]) in (0, 1)
    capsys.readouterr()
    history = open_project(project_file).settings["target_history"]
    assert [h["as_of"] for h in history] == ["2022-12-31", "2023-12-31"]


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root and setpriv to run a command as another user",
)
def test_a_user_without_write_permission_is_refused(small_project, points_file) -> None:
    """Run ``gisdesk import`` as ``nobody`` on a root-owned 0644 project."""
    folder = Path(tempfile.mkdtemp(prefix="gisdesk-nobody-"))
    try:
        folder.chmod(0o755)
        project = folder / "p.gpkg"
        shutil.copy(small_project, project)
        project.chmod(0o644)
        data = folder / "points.geojson"
        shutil.copy(points_file, data)
        data.chmod(0o644)
        before = _state(project)
        env = {**os.environ, "HOME": str(folder), "GISDESK_LANG": "en"}
        result = subprocess.run(
            [
                "setpriv",
                "--reuid=nobody",
                "--regid=nogroup",
                "--clear-groups",
                sys.executable,
                "-m",
                "gisdesk",
                "import",
                str(project),
                str(data),
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=folder,
            check=False,
            timeout=300,
        )
        assert result.returncode == 3, result.stderr
        assert "read-only" in result.stderr and "Traceback" not in result.stderr
        assert _state(project) == before
        assert sorted(f.name for f in folder.iterdir()) == ["p.gpkg", "points.geojson"]
    finally:
        shutil.rmtree(folder)


def test_holder_record_is_json_with_who_and_since(project_file) -> None:
    with ProjectLock(project_file).acquire(purpose="import", user="孙七"):
        record = json.loads(lock_path_for(project_file).read_text(encoding="utf-8"))
    assert record["user"] == "孙七" and record["pid"] == os.getpid()
    assert record["purpose"] == "import" and record["since"][:4].isdigit()
