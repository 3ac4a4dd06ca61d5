"""The command line is a form for the tasks' Requests: same defaults, Chinese output."""

from __future__ import annotations

import json

import pyogrio
import pytest

from gisdesk.cli.analyze import REQUESTS
from gisdesk.cli.main import _parser, main
from gisdesk.tasks.service_areas import ServiceAreasRequest
from gisdesk.tasks.siting import SitingRequest
from gisdesk.tasks.zones import ZonesRequest


class Names:
    def __init__(self, names):
        self._names = names

    def names(self):
        return self._names


def _request(argv, names=("enterprises", "villages", "roads")):
    args = _parser().parse_args(argv)
    return REQUESTS[args.analyze_command](args, Names(list(names)))


def test_options_left_out_take_the_requests_defaults():
    sa = _request(["analyze", "service-areas", "p.gpkg", "--out", "o.gpkg"])
    assert sa == ServiceAreasRequest()
    siting = _request(["analyze", "siting", "p.gpkg", "--out", "o.gpkg"])
    assert siting == SitingRequest()
    zones = _request(["analyze", "zones", "p.gpkg", "--out", "o.gpkg"])
    assert zones == ZonesRequest(targets=("enterprises", "villages"))  # those present


def test_options_given_reach_the_request():
    sa = _request(
        [
            "analyze",
            "service-areas",
            "p.gpkg",
            "--out",
            "o.gpkg",
            "--minutes",
            "20",
            "--mode",
            "bike",
            "--speed-kmh",
            "12",
            "--raster",
            "100",
            "--per-facility",
        ]
    )
    assert sa == ServiceAreasRequest(
        minutes=20.0, mode="bike", speed_kmh=12.0, raster_cell_m=100.0, per_facility=True
    )
    siting = _request(["analyze", "siting", "p.gpkg", "--out", "o.gpkg", "--k", "3"])
    assert siting == SitingRequest(k=3, target_share=None)
    zones = _request(
        [
            "analyze",
            "zones",
            "p.gpkg",
            "--out",
            "o.gpkg",
            "--levels",
            "all",
            "--radius-field",
            "zone_radius_m",
            "--targets",
            "villages",
        ]
    )
    assert zones == ZonesRequest(
        targets=("villages",), radius_m=None, radius_field="zone_radius_m", levels=None
    )


def test_the_chinese_output_has_no_raw_keys(sample_path, tmp_path, capsys):
    out = tmp_path / "sa.gpkg"
    assert main(["analyze", "service-areas", str(sample_path), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    for raw in ("too_far", "unreachable", "villages_within", "village_share", "0.928"):
        assert raw not in text
    assert "（超出时间）" in text and "村覆盖率" in text and "92.8%" in text
    assert "15 分钟服务圈（电动自行车）：覆盖村 232/250（92.8%）" in text
    summary = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert summary["request"] == ServiceAreasRequest().to_record()
    assert summary["summary_table"]["headers_zh"][:4] == [
        "镇（街道）",
        "村数",
        "覆盖村数",
        "村覆盖率",
    ]
    status = summary["layers"]["demand"]["fields"]["status"]
    assert status["codes"]["covered"] == ["15 分钟内", "Within 15 min"]
    assert summary["layers"]["demand"]["fields"]["minutes"]["unit"] == "分钟"
    assert all(r["status_zh"] != r["status"] for r in summary["uncovered"])
    assert len(pyogrio.read_dataframe(out, layer="by_town")) == 12


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_siting_in_both_languages(sample_path, tmp_path, capsys, lang):
    out = tmp_path / "siting.gpkg"
    argv = ["--lang", lang, "analyze", "siting", str(sample_path), "--k", "2", "--out", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    if lang == "zh":
        assert "建议新增 2 个服务点（整数规划，已证明最优）" in text
        assert "MED-5（2023，要求 80.0%）" in text and "milp" not in text
    else:
        assert "2 new service points" in text and "MED-5 (2023, required 80.0%)" in text
    assert "share_before" not in text
