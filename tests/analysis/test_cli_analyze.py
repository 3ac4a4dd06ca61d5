"""``gisdesk analyze`` on a small project: outputs, summaries, exit codes."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from gisdesk.cli.main import main
from tests.analysis.networks import grid_roads, random_points


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    path = tmp_path_factory.mktemp("proj") / "small.gpkg"
    roads = grid_roads(16, 16, spacing=300, seed=4).to_crs(4490)
    villages = random_points(roads.to_crs(4549), 60, seed=5, spread=50)
    villages["code"] = [f"V{i}" for i in range(60)]
    villages["name"] = [f"村{i}" for i in range(60)]
    villages["town"] = np.where(np.arange(60) < 30, "甲镇", "乙镇")
    villages["kind"] = "村"
    villages["households"] = 100
    villages["population"] = 300
    points = villages.iloc[[0, 40]]
    service = gpd.GeoDataFrame(
        {
            "code": ["S0", "S1"],
            "name": ["点0", "点1"],
            "level": "村级服务点",
            "town": points["town"].to_numpy(),
            "village": points["name"].to_numpy(),
        },
        geometry=points.geometry.to_numpy(),
        crs=4549,
    )
    centre = shapely.Point(*roads.to_crs(4549).union_all().centroid.coords[0])
    stations = gpd.GeoDataFrame(
        {
            "code": ["2008A", "T1"],
            "name": ["国控站", "镇站"],
            "level": ["国控", "镇级"],
            "zone_radius_m": [3000.0, 0.0],
        },
        geometry=[centre, shapely.Point(centre.x + 100, centre.y)],
        crs=4549,
    )
    for name, gdf in (
        ("roads", roads),
        ("villages", villages),
        ("service_points", service),
        ("monitoring_stations", stations),
    ):
        pyogrio.write_dataframe(gdf.to_crs(4490), path, layer=name, driver="GPKG")
    return path


def test_zones_command(project, tmp_path, capsys):
    out = tmp_path / "zones.gpkg"
    assert main(["analyze", "zones", str(project), "--targets", "villages", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "国控站" in text and "镇站" not in text
    summary = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    members = pyogrio.read_dataframe(out, layer="members")
    assert summary["members_total"] == len(members) > 0
    assert (members["distance_m"] <= 3000).all()
    assert len(pyogrio.read_dataframe(out, layer="zones")) == 1


def test_service_areas_command(project, tmp_path, capsys):
    out = tmp_path / "sa.gpkg"
    code = main(
        [
            "--lang",
            "en",
            "analyze",
            "service-areas",
            str(project),
            "--minutes",
            "5",
            "--mode",
            "ebike",
            "--raster",
            "100",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "5-minute service areas (ebike)" in text
    summary = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    demand = pyogrio.read_dataframe(out, layer="demand")
    assert summary["district"]["villages"] == 60
    assert summary["district"]["villages_within"] == int(demand["within"].sum())
    assert len(summary["uncovered"]) == 60 - int(demand["within"].sum())
    assert {r["town"] for r in summary["by_town"]} == {"甲镇", "乙镇"}
    assert out.with_suffix(".tif").exists()
    assert len(pyogrio.read_dataframe(out, layer="areas")) == 1


def test_siting_command_reaches_the_target(project, tmp_path, capsys):
    out = tmp_path / "siting.gpkg"
    code = main(
        [
            "analyze",
            "siting",
            str(project),
            "--minutes",
            "5",
            "--target-share",
            "1.0",
            "--out",
            str(out),
        ]
    )
    summary = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert summary["solution"]["optimal"]
    assert code == (0 if summary["solution"]["feasible"] else 1)
    assert summary["checks"] == {"sites_are_candidates": True, "coverage_matches": True}
    med6 = next(t for t in summary["targets"] if t["target"] == "MED-6")
    assert med6["share_after"] == summary["share_after"]
    chosen = pyogrio.read_dataframe(out, layer="chosen")
    assert len(chosen) == len(summary["chosen"]) > 0
    assert not set(chosen["name"]) & {"村0", "村40"}  # villages with a point are no candidates
    assert "新增" in capsys.readouterr().out


def test_siting_exits_1_when_no_candidate_can_reach_the_share(project, tmp_path, capsys):
    # the two service points as the only candidates, 1 minute: most villages stay out of reach
    out = tmp_path / "unreachable.gpkg"
    args = ["analyze", "siting", str(project), "--candidates", "service_points"]
    code = main([*args, "--minutes", "1", "--target-share", "1.0", "--out", str(out)])
    summary = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert not summary["solution"]["feasible"] and summary["uncoverable"]
    assert code == 1
    assert "无法在时限内覆盖" in capsys.readouterr().out


def test_usage_and_file_errors(project, tmp_path, capsys):
    out = tmp_path / "x.gpkg"
    assert main(["analyze", "zones", str(project), "--stations", "nope", "--out", str(out)]) == 2
    assert "nope" in capsys.readouterr().err
    missing = tmp_path / "missing.gpkg"
    assert main(["analyze", "zones", str(missing), "--out", str(out)]) == 3
    bad = tmp_path / "nodir" / "x.gpkg"
    assert main(["analyze", "zones", str(project), "--out", str(bad)]) == 3
    # A layer given as PATH:layer from another file works.
    code = main(
        [
            "analyze",
            "zones",
            str(project),
            "--stations",
            f"{project}:monitoring_stations",
            "--targets",
            "villages",
            "--out",
            str(out),
        ]
    )
    assert code == 0


def test_service_areas_lines_are_the_reachable_network(project, tmp_path, capsys):
    """``--lines`` writes the reachable stretches once each, inside the (generalised) area,
    and their total matches the reach computed directly from the network."""
    from gisdesk.analysis.isochrones import reachable_parts
    from gisdesk.analysis.service_areas import service_areas

    out = tmp_path / "lines.gpkg"
    args = ["analyze", "service-areas", str(project), "--minutes", "5", "--mode", "walk"]
    assert main([*args, "--lines", "--out", str(out)]) == 0
    capsys.readouterr()
    lines = pyogrio.read_dataframe(out, layer="lines")
    area = pyogrio.read_dataframe(out, layer="areas")
    assert lines.crs.to_epsg() == 4490
    assert not lines.duplicated(["edge", "from_m", "to_m"]).any()
    assert (lines["to_m"] > lines["from_m"]).all()
    assert np.allclose(lines["to_m"] - lines["from_m"], lines["length_m"])
    metric = lines.to_crs(4549)
    assert np.allclose(metric.length, lines["length_m"], rtol=1e-6, atol=1e-3)
    assert area.to_crs(4549).union_all().contains(metric.union_all())

    layers = {name: pyogrio.read_dataframe(project, layer=name) for name in ("roads", "villages")}
    points = pyogrio.read_dataframe(project, layer="service_points")
    direct = service_areas(layers["roads"], points, layers["villages"], minutes=5, mode="walk")
    parts = reachable_parts(direct.nearest.routing, direct.nearest.node_seconds, limit_s=300.0)
    assert lines["length_m"].sum() == pytest.approx(parts.length_m.sum(), rel=1e-9)

    exact = tmp_path / "exact.gpkg"
    assert main([*args, "--polygon-method", "union", "--out", str(exact)]) == 0
    exact_area = pyogrio.read_dataframe(exact, layer="areas").to_crs(4549).area.sum()
    assert area.to_crs(4549).area.sum() == pytest.approx(exact_area, rel=0.02)


def test_a_second_service_area_run_reuses_the_network_kept_on_disk(project, tmp_path, capsys):
    import os
    from pathlib import Path

    from gisdesk.analysis import network as network_module

    folder = Path(os.environ["GISDESK_CACHE_DIR"]) / "networks"
    args = ["analyze", "service-areas", str(project), "--minutes", "4", "--mode", "bike"]
    first, second = tmp_path / "first.gpkg", tmp_path / "second.gpkg"
    assert main([*args, "--out", str(first)]) == 0
    assert list(folder.glob("*.npz"))
    network_module.clear_network_cache()  # as in a new process
    built = network_module._build
    calls = []
    network_module._build = lambda *a, **k: calls.append(1) or built(*a, **k)
    try:
        assert main([*args, "--out", str(second)]) == 0
    finally:
        network_module._build = built
    capsys.readouterr()
    assert calls == []  # loaded, not built
    assert network_module._STORE is None  # the store is only set while the command runs
    a = pyogrio.read_dataframe(first, layer="demand")
    b = pyogrio.read_dataframe(second, layer="demand")
    assert a["within"].tolist() == b["within"].tolist()
