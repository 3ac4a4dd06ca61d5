"""QGIS's layer_styles in the project file: written on save, kept in sync, QML and SLD."""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from gisdesk.core.style import LabelSpec, LayerStyle, StyleClass, Symbol
from gisdesk.io.project_store import open_project, save_project
from gisdesk.io.qml import LABEL_FONTS, label_font_expression, style_to_qml
from gisdesk.io.sld import OGC, SE, filter_to_ogc, style_to_sld

SMALL = ("towns", "rental_factories", "villages")


def _rows(path: Path) -> dict[str, tuple[str, str, int]]:
    con = sqlite3.connect(path)
    try:
        rows = con.execute(
            "SELECT f_table_name, styleName, styleQML, styleSLD, useAsDefault FROM layer_styles"
        ).fetchall()
    finally:
        con.close()
    return {f"{r[0]}/{r[1]}": (r[2], r[3], r[4]) for r in rows}


def _renderer_type(qml: str) -> str | None:
    root = ET.fromstring(qml.split("\n", 1)[1])
    renderer = root.find("renderer-v2")
    assert renderer is not None
    return renderer.get("type")


def test_saved_project_has_a_default_style_row_per_styled_layer(small_sample) -> None:
    path = small_sample(SMALL)
    rows = _rows(path)
    assert sorted(rows) == sorted(f"{n}/{n}" for n in SMALL)
    project = open_project(path)
    for name in SMALL:
        qml, sld, default = rows[f"{name}/{name}"]
        assert default == 1
        expected = {
            "single": "singleSymbol",
            "categorized": "categorizedSymbol",
            "graduated": "graduatedSymbol",
        }[project.layer(name).style.kind]
        assert _renderer_type(qml) == expected
        sld_root = ET.fromstring(sld.split("\n", 1)[1])
        assert sld_root.find(f".//{{{SE}}}Name").text == name  # NamedLayer name
    con = sqlite3.connect(path)
    try:
        contents = con.execute(
            "SELECT data_type FROM gpkg_contents WHERE table_name='layer_styles'"
        ).fetchone()
        count = con.execute(
            "SELECT feature_count FROM gpkg_ogr_contents WHERE table_name='layer_styles'"
        ).fetchone()
    finally:
        con.close()
    assert contents == ("attributes",)
    assert count == (len(SMALL),)


def test_restyle_and_removal_are_kept_in_sync_and_user_styles_stay(
    small_sample, tmp_path: Path
) -> None:
    path = tmp_path / "p.gpkg"
    path.write_bytes(small_sample(SMALL).read_bytes())
    # a QGIS user saved a style of their own under another name
    con = sqlite3.connect(path)
    with con:
        con.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
            "owner, ui) VALUES ('', '', 'towns', 'geom', '我的样式', '<qgis/>', '', 0, '', '', '')"
        )
    con.close()
    project = open_project(path)
    towns = project.layer("towns")
    towns.set_style(
        LayerStyle(
            kind="categorized",
            field="name",
            classes=(StyleClass(Symbol(fill="#ff0000"), "海门街道", "Haimen", value="海门街道"),),
            default=Symbol(fill="#00ff00"),
        )
    )
    project.remove_layer("rental_factories")
    save_project(project)
    rows = _rows(path)
    assert sorted(rows) == ["towns/towns", "towns/我的样式", "villages/villages"]
    assert _renderer_type(rows["towns/towns"][0]) == "categorizedSymbol"
    assert rows["towns/towns"][2] == 1 and rows["towns/我的样式"][2] == 0
    # saved again: still one gisdesk row per layer
    save_project(open_project(path))
    assert sorted(_rows(path)) == ["towns/towns", "towns/我的样式", "villages/villages"]


def test_the_layer_styles_rows_follow_the_fixed_save_timestamp(small_sample, tmp_path) -> None:
    project = open_project(small_sample(SMALL))
    a, b = tmp_path / "a.gpkg", tmp_path / "b.gpkg"
    save_project(project, a, timestamp="2022-05-15T00:00:00Z", fresh_file=True)
    save_project(project, b, timestamp="2022-05-15T00:00:00Z", fresh_file=True)
    con = sqlite3.connect(a)
    try:
        times = {r[0] for r in con.execute("SELECT update_time FROM layer_styles")}
    finally:
        con.close()
    assert times == {"2022-05-15T00:00:00Z"}
    assert a.read_bytes() == b.read_bytes()


def _labelled(kind: str = "single") -> LayerStyle:
    return LayerStyle(
        kind=kind,  # type: ignore[arg-type]
        classes=(StyleClass(Symbol(fill="#3182bd"), "全部", "all"),),
        label=LabelSpec(field="name", size=9, bold=True, min_scale=50000),
    )


def test_qml_labels_name_a_font_per_platform_with_a_fallback() -> None:
    root = ET.fromstring(style_to_qml(_labelled(), geometry_type="Point").split("\n", 1)[1])
    text_style = root.find("labeling/settings/text-style")
    assert text_style is not None
    assert text_style.get("fontFamily") == "Source Han Sans SC"
    family = root.find(
        "labeling/settings/dd_properties/Option/Option[@name='properties']/Option[@name='Family']"
    )
    assert family is not None
    values = {o.get("name"): o.get("value") for o in family}
    assert values == {"active": "true", "expression": label_font_expression(), "type": "3"}
    assert "'Microsoft YaHei'" in values["expression"]
    assert "'Noto Sans CJK SC'" in values["expression"]


def test_sld_labels_list_the_three_fonts_in_order() -> None:
    sld = style_to_sld(_labelled(), geometry_type="Point", name="点")
    root = ET.fromstring(sld.split("\n", 1)[1])
    families = [
        p.text for p in root.iter(f"{{{SE}}}SvgParameter") if p.get("name") == "font-family"
    ]
    assert families == list(LABEL_FONTS)
    assert root.find(f".//{{{SE}}}MaxScaleDenominator").text == "50000"
    assert [p.text for p in root.iter(f"{{{SE}}}SvgParameter") if p.get("name") == "font-weight"]


def _tags(elem: ET.Element | None) -> list[str]:
    """The local names of an element and all below it, in document order."""
    assert elem is not None
    return [e.tag.rsplit("}", 1)[-1] for e in elem.iter()]


def _texts(elem: ET.Element | None) -> list[str]:
    assert elem is not None
    return [e.text for e in elem.iter() if e.text and e.text.strip()]


def test_sld_filters_translate_the_gisdesk_language() -> None:
    both = filter_to_ogc("status != '销号' and deaths >= 1")
    assert _tags(both) == [
        "Filter",
        "And",
        "PropertyIsNotEqualTo",
        "PropertyName",
        "Literal",
        "PropertyIsGreaterThanOrEqualTo",
        "PropertyName",
        "Literal",
    ]
    assert _texts(both) == ["status", "销号", "deaths", "1"]
    listed = filter_to_ogc("\"class\" IN ('国道', '省道')")
    assert _tags(listed)[:3] == ["Filter", "Or", "PropertyIsEqualTo"]
    assert _texts(listed) == ["class", "国道", "class", "省道"]
    assert _tags(filter_to_ogc("name IS NULL"))[1:] == ["PropertyIsNull", "PropertyName"]
    assert _tags(filter_to_ogc("name IS NOT NULL"))[1:3] == ["Not", "PropertyIsNull"]


def test_rule_styles_write_exclusive_rules_and_an_else_rule() -> None:
    style = LayerStyle(
        kind="rule",
        classes=(
            StyleClass(Symbol(fill="#ff0000"), "死亡", "fatal", filter="deaths >= 1"),
            StyleClass(Symbol(fill="#ffaa00"), "受伤", "injury", filter="injuries >= 1"),
        ),
        default=Symbol(fill="#999999"),
    )
    root = ET.fromstring(style_to_sld(style, geometry_type="Point", name="a").split("\n", 1)[1])
    rules = list(root.iter(f"{{{SE}}}Rule"))
    assert len(rules) == 3
    assert _tags(rules[0].find(f"{{{OGC}}}Filter"))[1] == "PropertyIsGreaterThanOrEqualTo"
    second = rules[1].find(f"{{{OGC}}}Filter")
    assert _tags(second)[1:3] == ["And", "PropertyIsGreaterThanOrEqualTo"]
    assert "Not" in _tags(second)
    assert _texts(second) == ["injuries", "1", "deaths", "1"]
    assert rules[2].find(f"{{{SE}}}ElseFilter") is not None


def test_graduated_classes_include_the_first_lower_bound_only() -> None:
    style = LayerStyle(
        kind="graduated",
        field="population",
        classes=(
            StyleClass(Symbol(fill="#fdd0a2"), "少", "few", lower=100.0, upper=500.0),
            StyleClass(Symbol(fill="#a63603"), "多", "many", lower=500.0, upper=None),
        ),
    )
    root = ET.fromstring(style_to_sld(style, geometry_type="Point", name="v").split("\n", 1)[1])
    rules = list(root.iter(f"{{{SE}}}Rule"))
    first = rules[0].find(f"{{{OGC}}}Filter")
    assert _tags(first)[1:3] == ["And", "PropertyIsGreaterThanOrEqualTo"]
    assert "PropertyIsLessThanOrEqualTo" in _tags(first)
    assert _texts(first) == ["population", "100", "population", "500"]
    second = rules[1].find(f"{{{OGC}}}Filter")
    assert _tags(second) == ["Filter", "PropertyIsGreaterThan", "PropertyName", "Literal"]


@pytest.mark.parametrize("geometry", ["Point", "LineString", "MultiPolygon"])
def test_every_symbolizer_kind_is_written(geometry: str) -> None:
    style = replace(_labelled(), label=None)
    root = ET.fromstring(style_to_sld(style, geometry_type=geometry, name="x").split("\n", 1)[1])
    tag = {"Point": "PointSymbolizer", "LineString": "LineSymbolizer"}.get(
        geometry, "PolygonSymbolizer"
    )
    assert root.find(f".//{{{SE}}}{tag}") is not None


# Texts a style carries from the data: markup, quotes, CDATA ends, SQL, line breaks and the
# control characters XML 1.0 cannot carry (an escape sequence, a bell, a form feed).
_KEPT = (
    "a<b>&c ]]> \"q\" 'x'",
    'a"; DROP TABLE x; --',
    "x' OR '1'='1",
    "line one\nline two\r\nline three\rcr",
    "\u202eevil.exe\u202c gpj.txt",
    "&amp; &lt;b&gt; \\n \\\\",
)
_CONTROL = ("ctl\x1b[31m\x07bell\x0cff", "\x00nul\x1f")


def _xml(text: str) -> ET.Element:
    return ET.fromstring(text.split("\n", 1)[1])


@pytest.mark.parametrize("kind", ["categorized", "rule"])
def test_hostile_class_texts_stay_literal_and_the_documents_well_formed(kind: str) -> None:
    texts = _KEPT + _CONTROL
    field = "fi\"eld's <x>\x1b"

    def rule(value: str) -> str:
        return f'"{field.replace(chr(34), chr(34) * 2)}" = ' + "'" + value.replace("'", "''") + "'"

    classes = tuple(
        StyleClass(
            Symbol(),
            t,
            t,
            value=t if kind == "categorized" else None,
            filter=rule(t) if kind == "rule" else None,
        )
        for t in texts
    )
    style = LayerStyle(kind, classes, field=field, label=LabelSpec(field))
    qml = _xml(style_to_qml(style, geometry_type="Point"))  # parses: well-formed
    sld = _xml(style_to_sld(style, geometry_type="Point", name='n<"&>\x07'))
    safe = [
        t.replace("\x1b", "\ufffd")
        .replace("\x07", "\ufffd")
        .replace("\x0c", "\ufffd")
        .replace("\x00", "\ufffd")
        .replace("\x1f", "\ufffd")
        for t in texts
    ]
    assert safe[: len(_KEPT)] == list(_KEPT)
    tag = "category" if kind == "categorized" else "rule"
    assert [e.get("label") for e in qml.iter(tag)] == safe
    if kind == "categorized":
        assert [e.get("value") for e in qml.iter("category")] == safe
        assert qml.find("renderer-v2").get("attr") == "fi\"eld's <x>\ufffd"
    literals = [e.text for e in sld.iter(f"{{{OGC}}}Literal")]
    for text in safe:  # each class's own value, as literal text
        assert text in literals
    titles = [e.text for e in sld.iter(f"{{{SE}}}Title")]
    assert all(t in titles for t in safe)


def test_a_rule_with_a_control_character_does_not_stop_the_save(small_sample, tmp_path) -> None:
    path = tmp_path / "p.gpkg"
    path.write_bytes(small_sample(("towns",)).read_bytes())
    project = open_project(path)
    towns = project.layer("towns")
    towns.style = LayerStyle(
        "rule",
        (
            StyleClass(Symbol(fill="#ff0000"), "a", "a", filter="name = '\x1b]0;x\x07'"),
            StyleClass(Symbol(fill="#00ff00"), "b\x1b[2J", "b", filter="name != 'x'"),
        ),
    )
    save_project(project, path)
    qml, sld, _ = _rows(path)["towns/towns"]
    assert _renderer_type(qml) == "RuleRenderer"
    labels = [e.get("label") for e in _xml(qml).iter("rule")]
    assert labels == ["a", "b\ufffd[2J"]
    assert "\ufffd]0;x\ufffd" in [e.text for e in _xml(sld).iter(f"{{{OGC}}}Literal")]
