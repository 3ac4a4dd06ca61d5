"""``gisdesk export`` into one GeoPackage several times keeps every layer and its style."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyogrio

from gisdesk.cli.main import main


def test_six_exports_into_one_file_keep_all_six(project_file: Path, tmp_path, capsys) -> None:
    out = tmp_path / "交换.gpkg"
    layers = ["towns", "villages", "rental_factories"]
    for name in layers:
        assert main(["export", str(project_file), name, str(out)]) == 0
    printed = capsys.readouterr().out
    assert "文件中其他图层保持不变：towns、villages" in printed
    assert main(["export", str(project_file), "villages", str(out)]) == 0
    assert "已替换文件中原有的同名图层：villages" in capsys.readouterr().out
    assert sorted(pyogrio.list_layers(out)[:, 0]) == sorted([*layers, "layer_styles"])
    con = sqlite3.connect(out)
    try:
        rows = con.execute(
            "SELECT f_table_name FROM layer_styles WHERE useAsDefault ORDER BY f_table_name"
        ).fetchall()
    finally:
        con.close()
    assert [r[0] for r in rows] == sorted(layers)


def test_out_naming_another_project_is_refused(project_file: Path, tmp_path, capsys) -> None:
    other = tmp_path / "另一个项目.gpkg"
    other.write_bytes(project_file.read_bytes())
    before = other.read_bytes()
    code = main(["export", str(project_file), "towns", str(other)])
    assert code == 2
    err = capsys.readouterr().err
    assert "gisdesk 项目文件" in err and "gisdesk import" in err
    assert other.read_bytes() == before


def test_a_format_other_than_the_extension_writes_the_formats_extension(
    project_file: Path, tmp_path, capsys
) -> None:
    """--format geojson into x.gpkg wrote GeoJSON text under a GeoPackage's name."""
    out = tmp_path / "镇界.gpkg"
    assert main(["export", str(project_file), "towns", str(out), "--format", "geojson"]) == 0
    written = tmp_path / "镇界.geojson"
    assert not out.exists() and written.read_text(encoding="utf-8").lstrip().startswith("{")
    assert str(written) in capsys.readouterr().out
    back = tmp_path / "镇界.geojson"
    assert main(["export", str(project_file), "villages", str(back), "--format", "gpkg"]) == 0
    assert pyogrio.list_layers(tmp_path / "镇界.gpkg")[:, 0].tolist()[0] == "villages"


def test_a_format_that_would_name_the_project_is_refused(project_file: Path, capsys) -> None:
    before = project_file.read_bytes()
    beside = project_file.with_suffix(".geojson")
    code = main(["export", str(project_file), "towns", str(beside), "--format", "gpkg"])
    assert code == 2
    assert project_file.read_bytes() == before and not beside.exists()
