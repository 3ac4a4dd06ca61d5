"""The command line on the sample project: info, validate (passing and failing), exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from gisdesk.cli.main import main
from tests.conftest import ALL_KINDS


def test_info_lists_every_layer_type_with_counts_and_crs(sample_path, capsys):
    assert main(["info", str(sample_path)]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines()[3:] if line.strip()}
    for kind in ALL_KINDS:
        assert kind in lines, kind
        fields = lines[kind].split()
        count = next(int(f) for f in fields if f.isdigit())
        assert count > 0, lines[kind]
        assert "EPSG:4490" in lines[kind]
        assert "通过" in lines[kind]
    assert "示意数据" in lines["villages"]


def test_info_in_english(sample_path, capsys):
    assert main(["--lang", "en", "info", str(sample_path)]) == 0
    out = capsys.readouterr().out
    assert "features" in out and "schematic" in out


def test_validate_passes_on_the_sample(sample_path, capsys):
    assert main(["validate", str(sample_path)]) == 0
    assert "0 个错误" in capsys.readouterr().out


def _break_copy(sample_path: Path, tmp_path: Path) -> Path:
    """Copy the sample and damage some rows, as a careless edit elsewhere might."""
    from gisdesk.io.project_store import open_project, save_project

    project = open_project(sample_path)
    villages = project.layer("villages")
    df = villages.data.copy()
    df["households"] = df["households"].astype(object)
    df.loc[df.index[0], "households"] = -5
    df.loc[df.index[1], "kind"] = "城堡"
    df.loc[df.index[2], "name"] = None
    villages.set_data(df)
    segments = project.layer("accident_segments")
    seg = segments.data.copy()
    seg.loc[seg.index[0], "status"] = "已完成"
    segments.set_data(seg)
    return save_project(project, tmp_path / "broken.gpkg")


def test_validate_fails_with_row_level_reasons_on_a_broken_copy(sample_path, tmp_path, capsys):
    broken = _break_copy(sample_path, tmp_path)
    report = tmp_path / "issues.csv"
    assert main(["validate", str(broken), "--csv", str(report)]) == 1
    out = capsys.readouterr().out
    assert "第 1 行字段“households”" in out and "-5" in out
    assert "第 2 行字段“kind”" in out and "城堡" in out
    assert "第 3 行字段“name”" in out
    assert "已完成" in out
    table = pd.read_csv(report, encoding="utf-8-sig")
    assert set(table[table.severity == "error"].code) == {"range", "domain", "required"}
    assert len(table[table.severity == "error"]) == 4


def test_validate_in_english(sample_path, tmp_path, capsys):
    broken = _break_copy(sample_path, tmp_path)
    assert main(["--lang", "en", "validate", str(broken)]) == 1
    assert "row 1, field 'households'" in capsys.readouterr().out


def test_exit_codes_for_scripts(tmp_path, capsys):
    assert main([]) == 2
    assert main(["info", str(tmp_path / "missing.gpkg")]) == 3
    err = capsys.readouterr().err
    assert "不存在" in err
    empty = tmp_path / "empty.gpkg"
    empty.write_bytes(b"")
    assert main(["--lang", "en", "validate", str(empty)]) == 3
    assert "empty" in capsys.readouterr().err
    assert main(["sample", "build", "--scale", "0", "--out", str(tmp_path / "x.gpkg")]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["nonsense"])
    assert exc.value.code == 2


def test_console_script_and_module_entry_point(sample_path):
    exe = Path(sys.executable).with_name("gisdesk")
    for cmd in ([str(exe)], [sys.executable, "-m", "gisdesk"]):
        out = subprocess.run(
            [*cmd, "--lang", "en", "info", str(sample_path)],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        assert "monitoring_stations" in out.stdout
