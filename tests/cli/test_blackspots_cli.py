"""``gisdesk blackspots screen`` and ``cameras`` on the sample and on a police table."""

from __future__ import annotations

import pandas as pd
import pyogrio
import pytest

from gisdesk.cli.main import main


def test_screen_sample_writes_ranked_candidates(sample_path, tmp_path, capsys):
    out = tmp_path / "bs.gpkg"
    code = main(
        [
            "blackspots",
            "screen",
            str(sample_path),
            "--window",
            "500",
            "--step",
            "100",
            "--out",
            str(out),
        ]
    )
    text = capsys.readouterr().out
    assert code == 0
    assert "候选路段" in text and "G328" in text
    names = {str(n) for n in pyogrio.list_layers(out)[:, 0]}
    assert {"candidates", "windows", "accidents_matched"} <= names
    cand = pyogrio.read_dataframe(out, layer="candidates")
    assert list(cand["rank"][:3]) == [1, 2, 3]
    assert out.with_suffix(".json").exists()


def test_screen_a_police_table(sample_path, tmp_path, capsys):
    table = pd.DataFrame(
        {
            "事故时间": ["2022-05-01 10:00"] * 12 + ["2022-13-45 10:00"],
            "死亡人数": [0] * 13,
            "受伤人数": [1] * 13,
            "道路名称": ["G328"] * 13,
            "桩号": [f"K10+{100 + 10 * i:03d}" for i in range(13)],
        }
    )
    path = tmp_path / "police.xlsx"
    table.to_excel(path, index=False)
    code = main(
        ["blackspots", "screen", str(sample_path), "--accidents", str(path), "--min-count", "10"]
    )
    text = capsys.readouterr().out
    assert code == 1  # row 14 has an impossible date
    assert "第 14 行" in text
    assert "G328 K10+100–K10+210" in text


def test_cameras_lists_gaps_and_exits_1(sample_path, capsys):
    code = main(["--lang", "en", "blackspots", "cameras", str(sample_path), "--max-gap-km", "10"])
    text = capsys.readouterr().out
    assert code == 1
    for road in ("G328", "S336", "S222"):
        assert road in text
    assert main(["blackspots", "cameras", str(sample_path), "--max-gap-km", "50"]) == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["blackspots", "screen", "{p}", "--weights", "10,3"],
        ["blackspots", "screen", "{p}", "--accidents", "no_such_layer"],
        ["blackspots", "screen", "{p}", "--window", "100", "--step", "200"],
    ],
)
def test_usage_errors_exit_2(sample_path, argv, capsys):
    assert main([a.format(p=sample_path) for a in argv]) == 2
    assert capsys.readouterr().err
