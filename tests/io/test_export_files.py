"""Export: GeoPackage with QGIS layer_styles, Shapefile, GeoJSON, Excel and CSV."""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import LineString, Point, Polygon

from gisdesk.core.errors import InputError
from gisdesk.core.layer import Layer
from gisdesk.core.style import LabelSpec, LayerStyle, StyleClass, Symbol
from gisdesk.io.files import import_vector
from gisdesk.io.qml import filter_to_qgis, style_to_qml
from gisdesk.io.schemas import load_schemas
from gisdesk.io.styles import load_styles
from gisdesk.io.vector_export import (
    export_geojson,
    export_geopackage,
    export_layer,
    export_shapefile,
    export_table,
    shorten_field_names,
)

LAYER_STYLES_COLUMNS = [
    "id",
    "f_table_catalog",
    "f_table_schema",
    "f_table_name",
    "f_geometry_column",
    "styleName",
    "styleQML",
    "styleSLD",
    "useAsDefault",
    "description",
    "owner",
    "ui",
    "update_time",
]


def _roads() -> Layer:
    schema = load_schemas()["roads"]
    gdf = gpd.GeoDataFrame(
        {
            "road_id": ["G40", "S223", "X001"],
            "name": ["沪陕高速", "海启公路", "三和路"],
            "class": ["国道", "省道", "县道"],
            "oneway": [False, True, False],
            "speed_kmh": [100.0, 60.0, 40.0],
        },
        geometry=[
            LineString([(121.1, 31.9), (121.2, 31.9)]),
            LineString([(121.2, 31.9), (121.3, 31.95)]),
            LineString([(121.3, 31.95), (121.4, 31.96)]),
        ],
        crs=4490,
    )
    return Layer("roads", gdf, schema=schema, style=load_styles()[schema.style])


def _points() -> Layer:
    style = LayerStyle(
        kind="rule",
        classes=(
            StyleClass(Symbol(fill="#ff0000"), "有死亡", "fatal", filter="deaths >= 1"),
            StyleClass(
                Symbol(fill="#ffaa00", marker="triangle"), "有伤", "injury", filter="injuries >= 1"
            ),
        ),
        default=Symbol(fill="#999999"),
        label=LabelSpec(field="地点"),
    )
    gdf = gpd.GeoDataFrame(
        {"地点": ["甲", "乙"], "deaths": [1, 0], "injuries": [0, 2]},
        geometry=[Point(121.2, 31.9), Point(121.3, 31.95)],
        crs=4490,
    )
    return Layer("事故点", gdf, style=style)


def _polygons() -> Layer:
    style = LayerStyle(
        kind="graduated",
        field="score",
        classes=(
            StyleClass(Symbol(fill="#eeeeee", stroke=None), "低", "low", lower=0, upper=50),
            StyleClass(Symbol(fill="#333333"), "高", "high", lower=50, upper=None),
        ),
    )
    gdf = gpd.GeoDataFrame(
        {"score": [10.0, 80.0]},
        geometry=[
            Polygon([(121.1, 31.8), (121.2, 31.8), (121.2, 31.9)]),
            Polygon([(121.3, 31.8), (121.4, 31.8), (121.4, 31.9)]),
        ],
        crs=4490,
    )
    return Layer("zones", gdf, style=style)


def _find(elem: ET.Element, path: str) -> ET.Element:
    found = elem.find(path)
    assert found is not None, path
    return found


def test_geopackage_carries_qgis_layer_styles(tmp_path: Path) -> None:
    path = tmp_path / "out.gpkg"
    export_geopackage([_roads(), _points(), _polygons()], path)
    assert set(pyogrio.list_layers(path)[:, 0]) >= {"roads", "事故点", "zones"}
    con = sqlite3.connect(path)
    try:
        columns = [r[1] for r in con.execute("PRAGMA table_info(layer_styles)")]
        rows = con.execute(
            "SELECT f_table_name, f_geometry_column, styleName, styleQML, useAsDefault "
            "FROM layer_styles ORDER BY id"
        ).fetchall()
        contents = con.execute(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'"
        ).fetchone()
    finally:
        con.close()
    assert columns == LAYER_STYLES_COLUMNS
    assert contents == ("attributes",)
    assert [r[0] for r in rows] == ["roads", "事故点", "zones"]
    assert all(r[1] == "geom" and r[4] == 1 for r in rows)
    qml = {r[0]: ET.fromstring(r[3].split("\n", 1)[1]) for r in rows}

    roads = _find(qml["roads"], "renderer-v2")
    assert roads.get("type") == "categorizedSymbol"
    assert roads.get("attr") == "class"
    cats = {c.get("value"): c.get("symbol") for c in roads.iter("category")}
    assert list(cats) == ["高速公路", "国道", "省道", "县道", "乡道", "村道", "慢行道"]
    symbols = {s.get("name"): s for s in roads.find("symbols") or []}
    colour = {
        o.get("name"): o.get("value") for o in symbols[cats["国道"]].iter("Option") if o.get("name")
    }
    assert colour["line_color"] == "215,48,31,255"  # #d7301f
    assert colour["line_width"] == "1"
    assert colour["line_width_unit"] == "MM"
    text_style = _find(qml["roads"], "labeling/settings/text-style")
    assert _find(qml["roads"], "labeling").get("type") == "simple"
    assert text_style.get("fieldName") == "name"
    assert _find(qml["roads"], "labeling/settings/rendering").get("scaleMax") == "150000"
    assert qml["roads"].findtext("layerGeometryType") == "1"

    rules = _find(qml["事故点"], "renderer-v2")
    assert rules.get("type") == "RuleRenderer"
    filters = [r.get("filter") for r in rules.iter("rule")]
    assert filters[0] == '"deaths" >= 1'
    assert filters[1] == '("injuries" >= 1) AND NOT (("deaths" >= 1))'
    assert filters[2] == "ELSE"
    marker = next(rules.iter("layer"))
    assert marker.get("class") == "SimpleMarker"

    graduated = _find(qml["zones"], "renderer-v2")
    assert graduated.get("type") == "graduatedSymbol"
    ranges = [(r.get("lower"), r.get("upper")) for r in graduated.iter("range")]
    assert ranges[0] == ("0.0", "50.0")
    assert float(ranges[1][1] or 0) > 1e300
    fill = next(graduated.iter("layer"))
    assert fill.get("class") == "SimpleFill"
    # the exported GeoPackage reads back intact
    back = pyogrio.read_dataframe(path, layer="roads")
    assert list(back["name"]) == ["沪陕高速", "海启公路", "三和路"]


def test_every_shipped_style_makes_valid_qml() -> None:
    schemas = load_schemas()
    styles = load_styles()
    for schema in schemas.values():
        text = style_to_qml(styles[schema.style], geometry_type=schema.geometry)
        root = ET.fromstring(text.split("\n", 1)[1])
        assert root.tag == "qgis"
        assert root.find("renderer-v2") is not None


def test_filter_translation() -> None:
    assert filter_to_qgis("\"class\" in ['国道', '省道']") == "\"class\" IN ('国道', '省道')"
    assert filter_to_qgis("status != '销号' and not registered") == (
        '("status" <> \'销号\') AND (NOT ("registered"))'
    )
    assert filter_to_qgis("name is None") == '"name" IS NULL'


def test_shorten_field_names_predictable() -> None:
    names = [
        "road_id",
        "道路名称编号",
        "道路名称类型",
        "population_2020",
        "population_2021",
        "ID",
        "id",
    ]
    out = shorten_field_names(names)
    assert out["road_id"] == "road_id"
    assert out["道路名称编号"] == "道路名"
    assert out["道路名称类型"] == "道路_1"
    assert out["population_2020"] == "population"
    assert out["population_2021"] == "populati_1"
    assert out["id"] == "id_1"
    assert all(len(v.encode()) <= 10 for v in out.values())
    assert len({v.lower() for v in out.values()}) == len(names)
    assert shorten_field_names(names) == out


def test_shapefile_utf8_with_cpg_and_mapping(tmp_path: Path) -> None:
    layer = _points()
    layer.data["事故发生地点名称"] = ["海门街道", "三星镇"]
    result = export_shapefile(layer, tmp_path / "acc.shp")
    assert (tmp_path / "acc.cpg").read_text().strip().upper() in ("UTF-8", "UTF8")
    assert result.field_names == {"事故发生地点名称": "事故发"}
    back = pyogrio.read_dataframe(tmp_path / "acc.shp")
    assert list(back["事故发"]) == ["海门街道", "三星镇"]
    assert back.crs.to_epsg() == 4490
    assert not list(tmp_path.glob(".*exporting"))


def test_shapefile_refuses_mixed_geometry(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"a": [1, 2]}, geometry=[Point(121, 31), LineString([(121, 31), (122, 32)])], crs=4490
    )
    with pytest.raises(InputError, match="GeoPackage"):
        export_shapefile(Layer("mixed", gdf), tmp_path / "m.shp")
    assert not list(tmp_path.iterdir())


def test_geojson(tmp_path: Path) -> None:
    path = tmp_path / "roads.geojson"
    export_geojson(_roads(), path)
    text = path.read_text(encoding="utf-8")
    assert "沪陕高速" in text
    assert '"crs"' not in text  # RFC 7946: lon/lat without a crs member


def test_csv_and_excel_with_chinese_headers(tmp_path: Path) -> None:
    csv = export_table(_roads(), tmp_path / "roads.csv").path
    raw = csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(csv, encoding="utf-8-sig")
    assert list(df.columns)[:3] == ["道路编号", "道路名称", "技术等级"]
    assert "设计车速（km/h）" in df.columns
    xlsx = export_layer(_points(), tmp_path / "acc.xlsx").path
    table = pd.read_excel(xlsx)
    assert {"地点", "经度", "纬度"} <= set(table.columns)
    assert table["经度"].iloc[0] == pytest.approx(121.2)
    english = export_table(_roads(), tmp_path / "en.csv", language="en").path
    assert pd.read_csv(english, encoding="utf-8-sig").columns[1] == "Name"


def test_export_failure_leaves_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "keep.gpkg"
    path.write_bytes(b"old content")
    bad = Layer("nocrs", gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)]))
    with pytest.raises(InputError):
        export_geopackage([bad], path)
    assert path.read_bytes() == b"old content"
    with pytest.raises(InputError, match="format"):
        export_layer(_roads(), tmp_path / "out.dwg")


def test_exported_geopackage_imports_back(tmp_path: Path) -> None:
    path = tmp_path / "styled.gpkg"
    export_geopackage([_points()], path)
    result = import_vector(path)  # the first layer with geometry, not layer_styles
    assert result.layer == "事故点"
    assert list(result.data["地点"]) == ["甲", "乙"]


def _style_rows(path: Path) -> list[tuple[str, str, int]]:
    con = sqlite3.connect(path)
    try:
        return con.execute(
            "SELECT f_table_name, styleName, useAsDefault FROM layer_styles ORDER BY f_table_name"
        ).fetchall()
    finally:
        con.close()


def test_exports_into_one_geopackage_keep_every_layer_and_style(tmp_path: Path) -> None:
    path = tmp_path / "交换.gpkg"
    first = export_geopackage([_roads()], path)
    assert first.kept == [] and first.replaced == []
    second = export_geopackage([_points()], path)
    assert second.kept == ["roads"] and second.replaced == []
    assert sorted(pyogrio.list_layers(path)[:, 0]) == sorted(["layer_styles", "roads", "事故点"])
    assert _style_rows(path) == [("roads", "roads", 1), ("事故点", "事故点", 1)]
    assert len(pyogrio.read_dataframe(path, layer="roads")) == 3
    # the same layer again replaces its table and its style row, the other stays
    fewer = Layer("roads", _roads().data.iloc[:1], schema=_roads().schema, style=_roads().style)
    third = export_geopackage([fewer], path)
    assert third.replaced == ["roads"] and third.kept == ["事故点"]
    assert len(pyogrio.read_dataframe(path, layer="roads")) == 1
    assert list(pyogrio.read_dataframe(path, layer="事故点")["地点"]) == ["甲", "乙"]
    assert _style_rows(path) == [("roads", "roads", 1), ("事故点", "事故点", 1)]
    # a layer exported again without a style loses its old style row
    export_geopackage([Layer("roads", fewer.data)], path)
    assert _style_rows(path) == [("事故点", "事故点", 1)]


def test_export_into_a_geopackage_keeps_its_inode_and_other_tables(tmp_path: Path) -> None:
    path = tmp_path / "other.gpkg"
    pyogrio.write_dataframe(
        gpd.GeoDataFrame({"x": [1]}, geometry=[Point(121.2, 31.9)], crs=4490),
        path,
        layer="theirs",
        driver="GPKG",
    )
    inode = path.stat().st_ino
    export_geopackage([_polygons()], path)
    assert path.stat().st_ino == inode
    assert sorted(pyogrio.list_layers(path)[:, 0]) == ["layer_styles", "theirs", "zones"]


def test_export_never_writes_into_a_project(small_sample, tmp_path: Path) -> None:
    project = tmp_path / "项目.gpkg"
    project.write_bytes(small_sample().read_bytes())
    before = project.read_bytes()
    with pytest.raises(InputError, match="gisdesk 项目"):
        export_geopackage([_roads()], project)
    assert project.read_bytes() == before


def test_export_refuses_an_existing_file_that_is_not_a_geopackage(tmp_path: Path) -> None:
    path = tmp_path / "notes.gpkg"
    path.write_text("我的笔记", encoding="utf-8")
    with pytest.raises(InputError, match="不是 GeoPackage"):
        export_geopackage([_roads()], path)
    assert path.read_text(encoding="utf-8") == "我的笔记"
