"""Schema loading and row-level validation."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely import LineString, Point, Polygon

from gisdesk.core.errors import SchemaError
from gisdesk.core.schema import LayerSchema, coerce_to_schema
from gisdesk.core.validation import validate_layer
from tests.conftest import ALL_KINDS


def _villages(**overrides) -> gpd.GeoDataFrame:
    data = {
        "code": ["320614001001", "320614001002"],
        "name": ["东风村", "红旗社区"],
        "town": ["海门街道", "海门街道"],
        "kind": ["村", "社区"],
        "households": [420, 810],
        "population": [1200, 2500],
        "sewage_treated_share": [65.0, 40.0],
        "sewage_normal_operation_share": [80.0, 55.0],
    }
    data.update(overrides)
    return gpd.GeoDataFrame(data, geometry=[Point(121.1, 31.9), Point(121.2, 31.95)], crs=4490)


def test_clean_layer_passes(schemas):
    report = validate_layer(_villages(), schemas["villages"])
    assert report.ok and not report.issues


def test_each_problem_is_reported_on_its_row(schemas):
    gdf = _villages(
        name=["东风村", None], kind=["村", "镇"], households=[420, -3], population=["1200", "很多"]
    )
    report = validate_layer(gdf, schemas["villages"])
    found = {(i.row, i.field, i.code) for i in report.errors}
    assert found == {
        (1, "name", "required"),
        (1, "kind", "domain"),
        (1, "households", "range"),
        (1, "population", "type"),
    }
    messages = [i.message("zh") for i in report.errors]
    assert any("第 2 行" in m and "很多" in m for m in messages)
    assert all(i.en and i.zh for i in report.errors)


def test_geometry_problems(schemas):
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    gdf = gpd.GeoDataFrame(
        {"code": ["1", "2", "3"], "name": ["a", "b", "c"], "kind": ["镇"] * 3},
        geometry=[bowtie, None, LineString([(0, 0), (1, 1)])],
        crs=4490,
    )
    report = validate_layer(gdf, schemas["towns"])
    codes = {(i.row, i.code) for i in report.errors}
    assert (0, "geometry-invalid") in codes
    assert (1, "geometry-empty") in codes
    assert (2, "geometry-type") in codes
    invalid = next(i for i in report.errors if i.code == "geometry-invalid")
    assert "Self-intersection" in invalid.en


def test_missing_and_wrong_crs(schemas):
    gdf = _villages().set_crs(None, allow_override=True)
    assert "crs-missing" in {i.code for i in validate_layer(gdf, schemas["villages"]).errors}
    metric = _villages().to_crs(4549)
    assert "crs-not-storage" in {i.code for i in validate_layer(metric, schemas["villages"]).errors}


def test_missing_required_column_is_an_error_optional_a_warning(schemas):
    gdf = _villages().drop(columns=["households", "sewage_treated_share"])
    report = validate_layer(gdf, schemas["villages"])
    assert [(i.field, i.severity) for i in report.issues if i.code == "field-missing"] == [
        ("households", "error"),
        ("sewage_treated_share", "warning"),
    ]


def test_pattern_and_dates(schemas):
    base = {
        "case_no": ["A1", "A2", "A3"],
        "date": ["2022-05-01", "2022-13-45", None],
        "time": ["08:30", "25:00", "7点"],
        "deaths": [0, 1, 0],
        "injuries": [1, 0, 0],
        "type": ["追尾", "刮擦", "其他"],
        "procedure": ["一般程序", "一般程序", "简易程序"],
    }
    gdf = gpd.GeoDataFrame(base, geometry=[Point(121.1, 31.9)] * 3, crs=4490)
    report = validate_layer(gdf, schemas["accidents"])
    found = {(i.row, i.field, i.code) for i in report.errors}
    assert found == {
        (1, "date", "type"),
        (2, "date", "required"),
        (1, "time", "pattern"),
        (2, "time", "pattern"),
    }


def test_coercion_keeps_values_it_cannot_convert(schemas):
    gdf = _villages(population=["1200", "很多"], households=["420", "810"])
    out = coerce_to_schema(gdf, schemas["villages"])
    assert list(out["population"]) == ["1200", "很多"]  # untouched: validation reports it
    assert str(out["households"].dtype) == "Int64"
    assert list(out["households"]) == [420, 810]


def test_hostile_text_is_just_text(schemas):
    nasty = "'); DROP TABLE villages; -- <script>alert(1)</script>\x00\n"
    report = validate_layer(_villages(name=[nasty, "正常"]), schemas["villages"])
    assert report.ok


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"geometry": "Point", "fields": []}, "'id'"),
        ({"id": "x", "geometry": "Blob", "fields": []}, "geometry type"),
        (
            {"id": "x", "geometry": "Point", "fields": [{"name": "a", "type": "text"}]},
            "type 'text'",
        ),
        ({"id": "x", "geometry": "Point", "fields": [{"name": "a", "type": "str"}] * 2}, "twice"),
        ({"id": "x", "geometry": "Point", "label_field": "b", "fields": []}, "missing field"),
    ],
)
def test_bad_schema_files_say_what_is_wrong(data, fragment):
    with pytest.raises(SchemaError, match=fragment):
        LayerSchema.from_dict(data, source="test.toml")


def test_every_schema_covers_the_issue_list(schemas):
    expected = set(ALL_KINDS)
    assert expected <= set(schemas)
    roads = schemas["roads"].field("class")
    assert roads.domain_values == ("高速公路", "国道", "省道", "县道", "乡道", "村道", "慢行道")
    status = schemas["accident_segments"].field("status")
    assert status.domain_values == ("排查", "会商", "整改", "验收", "销号")
    assert schemas["rental_factories"].field("building_type").domain_values[:3] == (
        "一厂多栋",
        "一栋多厂",
        "一层多厂",
    )
    for schema in schemas.values():
        for spec in schema.fields:
            assert spec.label_zh and spec.label_en, (schema.id, spec.name)


def test_pandas_nullable_values_validate(schemas):
    gdf = _villages(households=pd.array([420, None], dtype="Int64"))
    report = validate_layer(gdf, schemas["villages"])
    assert [(i.row, i.field) for i in report.errors] == [(1, "households")]


def test_validation_is_vectorised_enough_for_big_layers(schemas):
    n = 50_000
    gdf = gpd.GeoDataFrame(
        {
            "code": [str(i) for i in range(n)],
            "name": ["村"] * n,
            "town": ["海门街道"] * n,
            "kind": ["村"] * n,
            "households": [100] * n,
            "population": [300] * n,
        },
        geometry=shapely.points([121.1] * n, [31.9] * n),
        crs=4490,
    )
    report = validate_layer(gdf, schemas["villages"])
    assert report.ok
