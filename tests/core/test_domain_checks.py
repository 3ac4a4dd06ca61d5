"""Domain checks: coordinates inside the project's area, finite numbers, field ranges.

The same rules hold in ``validate`` (existing data, row by row) and in the editor (a new or
changed feature is refused with the field's message, nothing changes).
"""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely import Point

from gisdesk.core.editing import Editor
from gisdesk.core.errors import InputError, StyleError
from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.core.schema import coerce_values
from gisdesk.core.style import Symbol
from gisdesk.core.validation import (
    AREA_MARGIN_DEG,
    WORLD,
    check_feature_geometry,
    check_value,
    project_area,
    validate_layer,
)

DISTRICT = shapely.box(121.03, 31.76, 121.54, 32.16)  # about Haimen's bounds


def _villages(geoms, **overrides) -> gpd.GeoDataFrame:
    n = len(geoms)
    data = {
        "code": [f"V{i}" for i in range(n)],
        "name": [f"村{i}" for i in range(n)],
        "town": ["海门街道"] * n,
        "kind": ["村"] * n,
        "households": [100] * n,
        "population": [300] * n,
    }
    data.update(overrides)
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs=4490)


def _project(schemas, *, district: bool = True) -> Project:
    project = Project(title="测试")
    if district:
        project.add_layer(
            Layer(
                "district",
                gpd.GeoDataFrame({"name": ["海门区"]}, geometry=[DISTRICT], crs=4490),
                schema=schemas["district"],
            )
        )
    project.add_layer(
        Layer("villages", _villages([Point(121.2, 31.9)]), schema=schemas["villages"])
    )
    project.add_layer(
        Layer(
            "service_points",
            gpd.GeoDataFrame(
                {"code": ["S1"], "name": ["点"], "level": ["村级服务点"], "town": ["海门街道"]},
                geometry=[Point(121.3, 31.95)],
                crs=4490,
            ),
            schema=schemas["service_points"],
        )
    )
    return project


# --- the area of use ----------------------------------------------------------------------


def test_project_area_is_the_district_widened(schemas):
    area = project_area(_project(schemas))
    assert area is not None
    m = AREA_MARGIN_DEG
    assert (area.west, area.south, area.east, area.north) == pytest.approx(
        (121.03 - m, 31.76 - m, 121.54 + m, 32.16 + m)
    )
    assert "区界" in area.describe("zh") or "district" in area.describe("zh")
    assert "district bounds widened by 0.1 degrees" in area.describe("en")
    assert project_area(_project(schemas, district=False)) is None


def test_project_area_falls_back_to_towns(schemas):
    project = _project(schemas, district=False)
    towns = gpd.GeoDataFrame(
        {"code": ["1"], "name": ["海门街道"], "kind": ["街道"]},
        geometry=[shapely.MultiPolygon([shapely.box(121.1, 31.8, 121.3, 32.0)])],
        crs=4490,
    )
    project.add_layer(Layer("towns", towns, schema=schemas["towns"]))
    area = project_area(project)
    assert area is not None and area.west == pytest.approx(121.0)


def test_validate_reports_points_outside_the_area(schemas):
    area = project_area(_project(schemas))
    gdf = _villages([Point(121.2, 31.9), Point(-170, 31.9), Point(121.2, 35.0), Point(31.9, 121.2)])
    report = validate_layer(gdf, schemas["villages"], area=area)
    outside = [i for i in report.errors if i.code == "geometry-outside"]
    assert [i.row for i in outside] == [1, 2, 3]
    assert "经度 -170.0000、纬度 31.9000" in outside[0].zh and "超出项目范围" in outside[0].zh
    assert "longitude -170.0000, latitude 31.9000" in outside[0].en
    assert "经纬度颠倒" in outside[2].zh  # the hint for swapped lon/lat
    # 0.05 degrees beyond the district is inside the margin
    assert validate_layer(_villages([Point(121.58, 31.9)]), schemas["villages"], area=area).ok


def test_without_an_area_only_real_longitudes_and_latitudes_pass(schemas):
    gdf = _villages([Point(24.9, 60.2), Point(200.0, 10.0), Point(10.0, -95.0)])
    report = validate_layer(gdf, schemas["villages"])
    assert [i.row for i in report.errors if i.code == "geometry-outside"] == [1, 2]
    assert WORLD.describe("en").startswith("valid longitudes/latitudes")


def test_lines_and_polygons_are_checked_by_their_extent(schemas):
    area = project_area(_project(schemas))
    roads = gpd.GeoDataFrame(
        {"name": ["G1", "G2"]},
        geometry=[
            shapely.LineString([(121.1, 31.9), (121.2, 31.95)]),
            shapely.LineString([(121.1, 31.9), (125.0, 31.95)]),  # runs far out to sea
        ],
        crs=4490,
    )
    report = validate_layer(roads, schemas["roads"], area=area)
    outside = [i for i in report.errors if i.code == "geometry-outside"]
    assert [i.row for i in outside] == [1]
    assert "经度 121.1000–125.0000" in outside[0].zh


def test_non_finite_coordinates_are_reported(schemas):
    gdf = _villages([Point(121.2, 31.9), Point(math.inf, 31.9), Point(121.2, math.nan)])
    report = validate_layer(gdf, schemas["villages"], area=project_area(_project(schemas)))
    bad = [i for i in report.errors if i.code == "geometry-coordinates"]
    assert [i.row for i in bad] == [1, 2]
    assert "无穷大或非数值" in bad[0].zh and "not finite numbers" in bad[0].en
    assert not [i for i in report.errors if i.code == "geometry-outside"]  # said once


def test_a_projected_layer_is_checked_in_lon_lat(schemas):
    area = project_area(_project(schemas))
    metric = _villages([Point(121.2, 31.9), Point(-170, 31.9)]).to_crs(4549)
    report = validate_layer(metric, schemas["villages"], storage_crs=None, area=area)
    assert [i.row for i in report.errors if i.code == "geometry-outside"] == [1]


# --- finite numbers and ranges ----------------------------------------------------------


def test_validate_reports_infinite_and_out_of_range_numbers(schemas):
    gdf = _villages(
        [Point(121.2, 31.9)] * 4,
        households=[100, -1, 100, 100],
        sewage_treated_share=[50.0, 50.0, math.inf, 150.0],
    )
    report = validate_layer(gdf, schemas["villages"])
    found = {(i.row, i.field, i.code) for i in report.errors}
    assert found == {
        (1, "households", "range"),
        (2, "sewage_treated_share", "not-finite"),
        (3, "sewage_treated_share", "range"),
    }
    inf = next(i for i in report.errors if i.code == "not-finite")
    assert "inf 不是有限数值（生活污水治理率）" in inf.zh


def test_an_infinite_whole_number_is_a_type_error_not_a_crash(schemas):
    assert coerce_values(pd.Series([math.inf, "1e999", 2**70, 3, "4"]), "int").tolist() == [
        pd.NA,
        pd.NA,
        pd.NA,
        3,
        4,
    ]
    gdf = _villages([Point(121.2, 31.9)] * 2, population=[300, math.inf])
    report = validate_layer(gdf, schemas["villages"])
    assert {(i.row, i.field, i.code) for i in report.errors} == {(1, "population", "type")}


@pytest.mark.parametrize("value", ["inf", "-inf", math.inf, "1e999", "Infinity"])
def test_check_value_refuses_non_finite_numbers(schemas, value):
    spec = schemas["service_points"].field("floor_area_m2")
    with pytest.raises(InputError) as err:
        check_value(spec, value)
    assert "建筑面积" in err.value.zh or "不是" in err.value.zh


def test_check_value_states_the_range(schemas):
    spec = schemas["villages"].field("sewage_treated_share")
    assert check_value(spec, "100") == 100.0
    with pytest.raises(InputError, match="at most 100"):
        check_value(spec, "100.5")
    with pytest.raises(InputError, match="finite"):
        check_value(spec, "inf")
    households = schemas["villages"].field("households")
    with pytest.raises(InputError, match="at least 0"):
        check_value(households, -1)
    with pytest.raises(InputError):
        check_value(households, "inf")


def test_schemas_bound_the_numbers_whose_domain_is_clear(schemas):
    bounds = {
        (kind, f.name): (f.min, f.max)
        for kind, schema in schemas.items()
        for f in schema.fields
        if f.type in ("int", "float")
    }
    for key in [
        ("service_points", "floor_area_m2"),
        ("factory_footprints", "area_m2"),
        ("villages", "households"),
        ("villages", "population"),
        ("towns", "population"),
        ("sewage_districts", "households_planned"),
        ("accidents", "deaths"),
    ]:
        assert bounds[key][0] == 0, key
    assert bounds[("villages", "sewage_treated_share")] == (0, 100)
    assert bounds[("monitoring_stations", "zone_radius_m")] == (0, 50_000)
    assert bounds[("roads", "from_km")] == (0, 12_000)  # longer than any national road


# --- the editor refuses what validate would report --------------------------------------


def test_editor_refuses_a_point_outside_the_project(schemas):
    project = _project(schemas)
    editor = Editor(project)
    values = {
        "code": "V9",
        "name": "远方村",
        "town": "海门街道",
        "kind": "村",
        "households": 1,
        "population": 1,
    }
    with pytest.raises(InputError) as err:
        editor.add_feature("villages", Point(-170, 31.9), values)
    assert "经度 -170.0000、纬度 31.9000" in err.value.zh and "超出项目范围" in err.value.zh
    assert "outside the project's area" in err.value.en
    with pytest.raises(InputError, match="not finite"):
        editor.add_feature("villages", Point(math.inf, 31.9), values)
    assert len(project.layer("villages")) == 1 and not editor.can_undo  # nothing changed
    fid = editor.add_feature("villages", Point(121.25, 31.92), values)
    with pytest.raises(InputError, match="outside"):
        editor.update_feature("villages", fid, {"geometry": Point(131.25, 31.92)})
    assert project.layer("villages").data.geometry.iloc[-1].equals(Point(121.25, 31.92))


def test_editor_refuses_an_infinite_area(schemas):
    project = _project(schemas)
    editor = Editor(project)
    fid = int(project.layer("service_points").fids[0])
    with pytest.raises(InputError) as err:
        editor.update_feature("service_points", fid, {"floor_area_m2": "inf"})
    assert "建筑面积" in err.value.zh and "Floor area" in err.value.en
    assert "floor_area_m2" not in project.layer("service_points").data  # nothing changed
    assert not editor.can_undo
    editor.update_feature("service_points", fid, {"floor_area_m2": 120.5})
    assert project.layer("service_points").data["floor_area_m2"].iloc[0] == 120.5


def test_undo_puts_back_a_feature_that_was_already_outside(schemas):
    """Data the file already had is reported by validate; undo may restore it as it was."""
    project = _project(schemas)
    layer = project.layer("villages")
    layer.set_data(_villages([Point(-170, 31.9)]), fids=layer.fids)
    editor = Editor(project)
    editor.delete_features("villages", [int(layer.fids[0])])
    assert len(project.layer("villages")) == 0
    editor.undo()
    assert project.layer("villages").data.geometry.iloc[0].equals(Point(-170, 31.9))


def test_check_feature_geometry_without_an_area():
    check_feature_geometry(Point(24.9, 60.2), 4490, None)  # Helsinki: a valid place
    with pytest.raises(InputError, match="outside valid longitudes"):
        check_feature_geometry(Point(190, 60.2), 4490, None)
    check_feature_geometry(Point(500_000, 3_500_000), 4549, None)  # metres: not lon/lat


# --- styles: sizes are finite -----------------------------------------------------------


@pytest.mark.parametrize(("key", "value"), [("size", math.inf), ("stroke_width", 1e9)])
def test_a_symbol_of_absurd_size_is_refused(key, value):
    with pytest.raises(StyleError, match="0, 100"):
        Symbol.from_dict({key: value}, where="test")
