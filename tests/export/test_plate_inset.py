"""The locator inset at every extent: part of the district, the whole district among the
counties around it, and the reason on the plate when it cannot be drawn."""

from __future__ import annotations

import subprocess

import geopandas as gpd
import pytest
import shapely

from gisdesk.core.layer import Layer, LayerMetadata
from gisdesk.core.project import Project
from gisdesk.core.style import LayerStyle, StyleClass, Symbol
from gisdesk.export.context import context_areas
from gisdesk.export.inset import NO_BASE_NOTE, NO_SURROUNDINGS_NOTE
from gisdesk.export.output import export_plate
from gisdesk.export.plate import plan_plate
from gisdesk.export.spec import PlateSpec
from gisdesk.render.fonts import has_cjk_glyphs

from .conftest import need_tool

NEIGHBOURS = {a.name for a in context_areas() if not a.home}


def _pdf_text(pdf) -> str:
    if not has_cjk_glyphs():
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    return subprocess.run(
        [need_tool("pdftotext"), "-enc", "UTF-8", str(pdf), "-"],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout.decode("utf-8")


def _outline_project(lon: float, lat: float) -> Project:
    area = shapely.box(lon, lat, lon + 0.3, lat + 0.25)
    style = LayerStyle(
        kind="single",
        classes=(StyleClass(Symbol(fill="#eeeeee", stroke="#333333"), "区界", "区界"),),
    )
    project = Project(title="区界")
    project.add_layer(
        Layer(
            "district",
            gpd.GeoDataFrame({"name": ["测试区"]}, geometry=[area], crs=4490),
            style=style,
            metadata=LayerMetadata(schematic=False, source_zh="测试区界"),
        )
    )
    return project


@pytest.mark.parametrize("template", ["A3-landscape", "A4-portrait"])
def test_whole_district_plate_shows_the_district_among_its_neighbours(
    sample_project, map_data, tmp_path, template
):
    spec = PlateSpec.create(template)
    plan = plan_plate(sample_project, spec, data=map_data)
    assert "inset" in plan.items and plan.inset is not None and plan.inset_note == ""
    names = {name for name, _geom in plan.inset.neighbours}
    assert {"通州区", "启东市", "崇明区"} <= names <= NEIGHBOURS
    window = shapely.box(*plan.inset.window)
    assert window.contains(shapely.box(*plan.extent))  # the frame and more around it
    out = tmp_path / f"{template}.pdf"
    export_plate(sample_project, spec, out, data=map_data)
    text = _pdf_text(out)
    assert "位置示意图" in text and "位置示意图未绘制" not in text
    assert "通州区" in text and "启东市" in text  # the neighbours are named in the inset


def test_part_of_the_district_shows_the_whole_district_without_surroundings(
    sample_project, map_data
):
    town = sample_project.layer("towns").data.geometry.iloc[0]
    plan = plan_plate(sample_project, PlateSpec.create("A4-landscape", focus=town), data=map_data)
    assert plan.inset is not None and plan.inset.neighbours == () and plan.inset_note == ""
    assert "inset" in plan.items


def test_no_inset_asked_for_no_inset_and_no_note(sample_project, map_data):
    plan = plan_plate(sample_project, PlateSpec.create("A3-landscape", inset=False), data=map_data)
    assert plan.inset is None and plan.inset_note == "" and "inset" not in plan.items


def test_whole_district_far_from_haimen_says_why_on_the_plate(tmp_path):
    project = _outline_project(116.2, 39.8)  # Beijing: no shipped outlines around it
    spec = PlateSpec.create("A4-landscape")
    plan = plan_plate(project, spec)
    assert plan.inset is None and plan.inset_note == NO_SURROUNDINGS_NOTE
    assert "inset" not in plan.items
    out = tmp_path / "far.pdf"
    export_plate(project, spec, out)
    assert "位置示意图未绘制" in _pdf_text(out).replace("\n", "")


def test_without_district_or_towns_the_note_says_so(tiny_project):
    plan = plan_plate(tiny_project, PlateSpec.create("A4-landscape"))
    assert plan.inset is None and plan.inset_note == NO_BASE_NOTE


def test_a_whole_district_near_haimen_gets_its_surroundings(tmp_path):
    project = _outline_project(121.1, 31.8)  # a district where Haimen is: outlines around
    plan = plan_plate(project, PlateSpec.create("A4-landscape"))
    assert plan.inset is not None and plan.inset.neighbours
