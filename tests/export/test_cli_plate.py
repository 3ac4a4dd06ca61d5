"""``gisdesk plate`` and ``gisdesk webmap``: outputs, messages and exit codes."""

from __future__ import annotations

import pytest

from gisdesk.cli.main import main


def test_plate_png_and_message(sample_path, tmp_path, capsys):
    out = tmp_path / "plate.png"
    code = main(
        [
            "plate",
            str(sample_path),
            "--template",
            "A4-landscape",
            "--title",
            "测试图",
            "--layers",
            "towns,district",
            "--dpi",
            "50",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert out.is_file() and out.stat().st_size > 1000
    printed = capsys.readouterr().out
    assert "已写出" in printed and "1:" in printed


def test_plate_atlas_by_town_names(sample_path, tmp_path):
    out = tmp_path / "atlas.pdf"
    code = main(
        [
            "plate",
            str(sample_path),
            "--template",
            "A4-portrait",
            "--layers",
            "towns,roads",
            "--atlas",
            "towns",
            "--names",
            "海永镇",
            "--stats",
            "none",
            "--out",
            str(out),
        ]
    )
    assert code == 0 and out.is_file()


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--out", "x.doc"], 2),
        (["--layers", "nope", "--out", "x.pdf"], 2),
        (["--template", "B5", "--out", "x.pdf"], 2),
        (["--scale", "-5", "--out", "x.pdf"], 2),
        (["--out", "/no/such/folder/x.pdf"], 3),
    ],
)
def test_plate_errors_have_exit_codes(sample_path, tmp_path, monkeypatch, capsys, args, code):
    monkeypatch.chdir(tmp_path)
    assert main(["plate", str(sample_path), *args]) == code
    assert capsys.readouterr().err.strip()  # a message in Chinese for the user


def test_plate_missing_project_is_a_file_error(tmp_path):
    assert main(["plate", str(tmp_path / "none.gpkg"), "--out", str(tmp_path / "x.pdf")]) == 3


def test_webmap_cli(sample_path, tmp_path, capsys):
    out = tmp_path / "map.html"
    assert main(["webmap", str(sample_path), "--layers", "towns,roads", "--out", str(out)]) == 0
    assert out.is_file()
    assert "已写出" in capsys.readouterr().out
    assert main(["webmap", str(sample_path), "--out", str(tmp_path / "map.txt")]) == 2
    assert main(["webmap", str(tmp_path / "none.gpkg"), "--out", str(out)]) == 3
