"""QGIS projects (.qgs / .qgz): their layers listed, imported with their styles, or explained."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from gisdesk.core.errors import InputError, ProjectError
from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.core.style import LabelSpec, LayerStyle, StyleClass, Symbol
from gisdesk.io.project_store import open_project
from gisdesk.io.qgis_project import read_qgis_project
from gisdesk.io.qml import style_to_qml
from gisdesk.io.schemas import load_schemas
from gisdesk.io.styles import load_styles
from gisdesk.io.vector_export import export_geopackage
from gisdesk.io.vector_import import import_vector, list_layers
from gisdesk.tasks.imports import ImportRequest, build_layer, import_notes, read_file

STATIONS = LayerStyle(
    kind="categorized",
    field="level",
    classes=(
        StyleClass(Symbol(fill="#006d2c", marker="triangle", size=4.0), "国控站点", "N", "国控"),
        StyleClass(Symbol(fill="#74c476", size=2.6), "镇级站点", "T", "镇级"),
    ),
    label=LabelSpec(field="name", size=8, colour="#00441b", min_scale=50000),
)


def _data(folder: Path) -> Path:
    roads = load_schemas()["roads"]
    gpkg = folder / "data" / "海门.gpkg"
    gpkg.parent.mkdir()
    export_geopackage(
        [
            Layer(
                "stations",
                gpd.GeoDataFrame(
                    {"name": ["海门市监测站", "三星镇站"], "level": ["国控", "镇级"]},
                    geometry=[Point(121.17, 31.89), Point(121.10, 31.85)],
                    crs=4490,
                ),
                style=STATIONS,
            ),
            Layer(
                "roads",
                gpd.GeoDataFrame(
                    {"road_id": ["G40"], "name": ["沪陕高速"], "class": ["高速公路"]},
                    geometry=[LineString([(121.1, 31.9), (121.3, 31.95)])],
                    crs=4490,
                ),
                schema=roads,
                style=load_styles()["roads"],
            ),
        ],
        gpkg,
    )
    return gpkg


def _maplayer(name: str, source: str, provider: str, style: LayerStyle, geometry: str) -> str:
    qml = ET.fromstring(style_to_qml(style, geometry_type=geometry).split("\n", 1)[1])
    layer = ET.Element(
        "maplayer",
        {"type": "vector", "labelsEnabled": qml.get("labelsEnabled", "0")},
    )
    ET.SubElement(layer, "id").text = f"{name}_id"
    ET.SubElement(layer, "datasource").text = source
    ET.SubElement(layer, "layername").text = name
    srs = ET.SubElement(ET.SubElement(layer, "srs"), "spatialrefsys")
    ET.SubElement(srs, "authid").text = "EPSG:4490"
    ET.SubElement(layer, "provider", encoding="UTF-8").text = provider
    for child in qml:
        if child.tag in ("renderer-v2", "labeling"):
            layer.append(child)
    return ET.tostring(layer, encoding="unicode")


def _project(folder: Path, *, zipped: bool = False) -> Path:
    _data(folder)
    layers = [
        _maplayer("监测站点", "./data/海门.gpkg|layername=stations", "ogr", STATIONS, "Point"),
        _maplayer(
            "道路", "./data/海门.gpkg|layername=roads", "ogr", load_styles()["roads"], "LineString"
        ),
        _maplayer("临时", "memory?geometry=Point", "memory", STATIONS, "Point"),
        _maplayer("丢失", "./gone.shp", "ogr", STATIONS, "Point"),
    ]
    tree = "".join(
        f'<layer-tree-layer id="{n}_id" name="{n}"/>' for n in ("道路", "监测站点", "临时", "丢失")
    )
    text = (
        '<!DOCTYPE qgis PUBLIC "http://mrcc.com/qgis.dtd" "SYSTEM">\n'
        f'<qgis version="3.22.16-Białowieża"><layer-tree-group>{tree}</layer-tree-group>'
        f"<projectlayers>{''.join(layers)}</projectlayers></qgis>"
    )
    if not zipped:
        path = folder / "项目.qgs"
        path.write_text(text, encoding="utf-8")
        return path
    path = folder / "项目.qgz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("项目.qgs", text)
    return path


@pytest.mark.parametrize("zipped", [False, True])
def test_layers_are_listed_with_their_files_and_styles(tmp_path: Path, zipped: bool) -> None:
    path = _project(tmp_path, zipped=zipped)
    layers = read_qgis_project(path)
    assert [layer.name for layer in layers] == ["道路", "监测站点", "临时", "丢失"]
    roads, stations, scratch, gone = layers
    assert stations.path == (tmp_path / "data" / "海门.gpkg").resolve()
    assert stations.table == "stations" and stations.crs == "EPSG:4490"
    assert stations.reason is None and roads.reason is None
    assert "memory" in scratch.reason[0] and "不存在" in gone.reason[0]
    style = stations.style
    assert style is not None and style.kind == "categorized" and style.field == "level"
    assert [(c.value, c.symbol.fill, c.symbol.marker) for c in style.classes] == [
        ("国控", "#006d2c", "triangle"),
        ("镇级", "#74c476", "circle"),
    ]
    assert style.label is not None and style.label.field == "name"
    assert style.label.min_scale == 50000
    assert [c.value for c in roads.style.classes][:2] == ["高速公路", "国道"]
    assert list_layers(path) == ["道路", "监测站点"]


def test_a_layer_is_imported_with_its_qgis_name_and_style(tmp_path: Path) -> None:
    path = _project(tmp_path, zipped=True)
    request = ImportRequest(path=str(path), layer="监测站点")
    imported = read_file(request)
    layer = build_layer(Project(), request, imported)
    assert layer.name == "监测站点" and layer.title == "监测站点"
    assert len(layer) == 2 and list(layer.data["name"]) == ["海门市监测站", "三星镇站"]
    assert layer.style is not None and layer.style.kind == "categorized"
    assert [c.symbol.fill for c in layer.style.classes] == ["#006d2c", "#74c476"]
    notes = [n.zh for n in import_notes(imported)]
    assert any("海门.gpkg（表 stations）" in n for n in notes)
    assert "沿用了该图层在 QGIS 中的样式。" in notes
    assert "项目.qgz:监测站点" in layer.metadata.source_zh


def test_choosing_is_asked_for_and_missing_data_explained(tmp_path: Path) -> None:
    path = _project(tmp_path)
    with pytest.raises(InputError, match="有 2 个可导入的图层") as asked:
        read_file(ImportRequest(path=str(path)))
    assert "“道路”" in asked.value.zh and "--layer" in asked.value.zh
    with pytest.raises(InputError, match="数据不在文件中"):
        read_file(ImportRequest(path=str(path), layer="临时"))
    with pytest.raises(InputError, match="不存在"):
        read_file(ImportRequest(path=str(path), layer="丢失"))
    with pytest.raises(InputError, match="没有图层“别的”"):
        read_file(ImportRequest(path=str(path), layer="别的"))


def test_a_project_without_importable_layers_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "空.qgs"
    path.write_text(
        '<qgis version="3.22"><projectlayers>'
        + _maplayer("库表", "dbname='gis' table=\"roads\"", "postgres", STATIONS, "Point")
        + "</projectlayers></qgis>",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="本身不含数据") as refused:
        read_file(ImportRequest(path=str(path)))
    assert "postgres" in refused.value.zh
    assert "文件可能已损坏" not in refused.value.zh


def test_damaged_qgz_and_open_and_direct_reads_are_explained(tmp_path: Path) -> None:
    bad = tmp_path / "坏.qgz"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match="无法读取 QGIS 项目"):
        read_qgis_project(bad)
    good = _project(tmp_path, zipped=True)
    with pytest.raises(ProjectError, match="是 QGIS 项目文件，不是 gisdesk 项目"):
        open_project(good)
    with pytest.raises(InputError, match="--layer"):
        import_vector(good)
