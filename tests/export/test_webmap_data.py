"""Web maps carry every string from the project as data: titles, layer names, field names,
attribute values and legend labels come out as the same literal text, in the page's JSON
and in the page Chromium builds; no template runs and no script from the data runs. Maps
too big for a browser are refused before they are built, unless forced."""

from __future__ import annotations

import html
import json
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings

from gisdesk.core.errors import InputError
from gisdesk.core.layer import Layer, LayerMetadata, check_layer_name
from gisdesk.core.project import Project
from gisdesk.core.style import LayerStyle, StyleClass, Symbol
from gisdesk.export import webmap
from gisdesk.export.webmap import (
    MAX_FEATURES,
    MAX_PAGE_BYTES,
    WebMapTooLargeError,
    build_webmap,
    export_webmap,
    json_for_html,
)
from tests.hostile_strings import HIJACKED_TITLE, HOSTILE, MARKUP, PWNED, TEMPLATES, texts

from .webpage import chromium_dump, page_data, probe_page


def _layer_name(text: str) -> str:
    try:
        return check_layer_name(text)
    except InputError:
        return "hostile"


def _project(text: str, *, values: list[str] | None = None, title: str | None = None) -> Project:
    """A one-layer project with ``text`` as title, layer name and title, field name, legend
    label and (unless ``values`` are given) attribute value."""
    values = values if values is not None else [text]
    column = text if text not in ("name", "geometry") else f"{text}_"
    frame = gpd.GeoDataFrame(
        {"name": values, column: values},
        geometry=[shapely.Point(121.2 + 0.01 * i, 31.9) for i in range(len(values))],
        crs=4490,
    )
    style = LayerStyle(
        kind="single", classes=(StyleClass(Symbol(fill="#d7301f", stroke="#ffffff"), text, text),)
    )
    project = Project(title=title if title is not None else text)
    project.add_layer(
        Layer(
            _layer_name(text),
            frame,
            title=text,
            style=style,
            metadata=LayerMetadata(schematic=True),
        )
    )
    return project


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts())
def test_every_string_is_the_same_literal_in_the_page_data(text):
    built = build_webmap(_project(text))
    page = built.html
    assert page.count("<script") == 3  # Leaflet, the data, the page's own script: no more
    assert page.count("</script>") == 3
    data = page_data(page)
    assert data["title"] == text
    (layer,) = data["layers"]
    assert layer["title"] == text
    assert layer["name"] == _layer_name(text)
    column = text if text not in ("name", "geometry") else f"{text}_"
    assert layer["fields"] == ["name", column]
    assert layer["values"] == [[text, text]]
    assert [row["label"] for group in data["legend"] for row in group["rows"]] == [text]
    assert [group["title"] for group in data["legend"]] == [text]


def test_the_data_element_cannot_be_closed_or_commented_from_inside():
    hostile = "</script><!--<script>"
    encoded = json_for_html({"v": hostile, "w": "a&b>c\u2028"})
    assert "<" not in encoded and ">" not in encoded and "&" not in encoded
    assert encoded == (
        '{"v":"\\u003c/script\\u003e\\u003c!--\\u003cscript\\u003e","w":"a\\u0026b\\u003ec\u2028"}'
    )
    assert json.loads(encoded) == {"v": hostile, "w": "a&b>c\u2028"}


def test_templates_are_not_rendered_and_run_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "t.html"
    for payload in TEMPLATES:
        export_webmap(_project(payload), out)
        data = page_data(out.read_text(encoding="utf-8"))
        assert data["title"] == payload
        assert data["layers"][0]["values"] == [[payload, payload]]
        assert "1337" not in json.dumps(data)  # 7*191 was never computed
    assert not (tmp_path / PWNED).exists()


def test_hostile_corpus_shows_as_text_in_chromium(tmp_path, monkeypatch):
    """One map: the title, the layer and every corpus string as a feature; Chromium opens
    each popup and tooltip. Everything reads back literally and no payload ran."""
    monkeypatch.chdir(tmp_path)
    shown = [s for s in HOSTILE if len(s) < 500]
    title = MARKUP[1] + " " + TEMPLATES[0]
    project = _project(MARKUP[0], values=shown, title=title)
    out = tmp_path / "hostile.html"
    export_webmap(project, out)
    assert not (tmp_path / PWNED).exists()

    result = probe_page(out, tmp_path)
    assert result["foreign"] == []  # no <img>, <script>, <svg>, <b>... made from data
    assert result["title"] == result["title_later"] == title  # no handler renamed the page
    assert HIJACKED_TITLE not in (result["title"], result["title_later"])
    assert result["title_div"] == title
    assert result["layer_names"] == ["周边区县", MARKUP[0]]  # the context, then the layer
    assert result["legend"] == [MARKUP[0], MARKUP[0]]
    column = MARKUP[0]
    popups = sorted(tuple(p["cells"]) for p in result["popups"])
    assert popups == sorted(("name", s, column, s) for s in shown)
    assert sorted(result["tooltips"]) == sorted(shown)

    # the page as written (with its policy): title and heading are the literal text too
    dom = chromium_dump(out, tmp_path)
    assert "leaflet-control-layers-overlays" in dom
    assert html.unescape(re.search(r"<title>(.*?)</title>", dom, re.S).group(1)) == title
    heading = re.search(r'<div class="gd-title">(.*?)</div>', dom, re.S).group(1)
    assert html.unescape(heading) == title
    markup = re.sub(r"<(script|style)\b[^>]*>.*?</\1>", "", dom, flags=re.S)
    tags = set(re.findall(r"<([a-zA-Z][\w-]*)", markup))
    # Leaflet's own elements (its attribution flag is the one svg); nothing from the data
    leaflet = {"a", "body", "canvas", "div", "head", "html", "input", "label", "meta", "path"}
    swatches = {"circle", "polygon"}  # the legend's point symbols, drawn by the page's code
    assert tags <= leaflet | swatches | {"section", "span", "svg", "title"}
    assert not (tmp_path / PWNED).exists()


def test_too_many_features_are_refused_before_the_page_is_built(monkeypatch, tmp_path):
    n = MAX_FEATURES + 1
    frame = gpd.GeoDataFrame(
        {"name": ["点"] * n},
        geometry=shapely.points(np.full(n, 121.2), np.full(n, 31.9)),
        crs=4490,
    )
    project = Project(title="many")
    project.add_layer(Layer("many", frame))

    def never(*_args, **_kwargs):
        raise AssertionError("the layer was prepared although it is over the limit")

    monkeypatch.setattr(webmap, "_table", never)
    with pytest.raises(WebMapTooLargeError) as err:
        export_webmap(project, tmp_path / "many.html")
    assert err.value.features == n
    assert f"{n:,}" in err.value.zh and f"{MAX_FEATURES:,}" in err.value.zh
    assert f"{n:,}" in err.value.en and "--force" in err.value.en
    assert isinstance(err.value, InputError)  # the CLI's exit code 2
    assert not (tmp_path / "many.html").exists()


def test_forcing_writes_a_map_over_the_limits(monkeypatch, tmp_path, tiny_project):
    monkeypatch.setattr(webmap, "MAX_FEATURES", 1)
    with pytest.raises(WebMapTooLargeError):
        build_webmap(tiny_project)
    info = export_webmap(tiny_project, tmp_path / "forced.html", force=True)
    assert info.layers == {"outline": 1, "points": 2}


def test_page_size_is_estimated_before_the_page_is_built(monkeypatch, sample_project):
    built = build_webmap(sample_project, layers=("towns", "roads", "villages"))
    size = len(built.html.encode("utf-8"))
    monkeypatch.setattr(webmap, "MAX_PAGE_BYTES", size // 2)
    with pytest.raises(WebMapTooLargeError) as err:
        build_webmap(sample_project, layers=("towns", "roads", "villages"))
    # the estimate is close to the real size (within a fifth here)
    assert 0.8 * size < err.value.estimated_bytes < 1.2 * size
    assert "MB" in err.value.zh and "MB" in err.value.en
    assert 10 * size < MAX_PAGE_BYTES  # the sample is far below the limit


def test_cli_refuses_a_map_over_the_limit_and_force_writes_it(
    sample_path, tmp_path, monkeypatch, capsys
):
    from gisdesk.cli.main import main

    monkeypatch.setattr(webmap, "MAX_FEATURES", 10)
    out = tmp_path / "map.html"
    assert main(["webmap", str(sample_path), "--layers", "towns,villages", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "个要素" in err and "--force" in err and "Traceback" not in err
    assert not out.exists()
    args = ["webmap", str(sample_path), "--layers", "towns,villages", "--out", str(out), "--force"]
    assert main(args) == 0
    assert out.is_file()


def test_cli_help_states_the_limits(capsys):
    from gisdesk.cli.main import main

    with pytest.raises(SystemExit):
        main(["webmap", "--help"])
    text = capsys.readouterr().out
    assert f"{MAX_FEATURES:,}" in text
    assert f"{MAX_PAGE_BYTES / 1e6:.0f} MB" in text


def test_hostile_labels_show_as_text_in_chromium(tmp_path, monkeypatch):
    """Town names are data: a town called <img src=x onerror=...> is labelled with exactly
    that text, on the map built by the page's own code and in the page as written."""
    from gisdesk.core.style import LabelSpec

    monkeypatch.chdir(tmp_path)
    shown = [s for s in HOSTILE if len(s) < 500]
    names = ["<img src=x onerror=alert(1)>", *shown]
    frame = gpd.GeoDataFrame(
        {"name": names},
        geometry=[
            shapely.box(121.0 + 0.05 * i, 31.8, 121.04 + 0.05 * i, 31.84) for i in range(len(names))
        ],
        crs=4490,
    )
    style = LayerStyle(
        kind="single",
        classes=(StyleClass(Symbol(fill="#f4f1e8"), "镇", "Town"),),
        label=LabelSpec(field="name", size=11, bold=True, priority=10),
    )
    project = Project(title="标注")
    project.add_layer(Layer("towns", frame, style=style))
    out = tmp_path / "labels.html"
    export_webmap(project, out)
    assert not (tmp_path / PWNED).exists()

    result = probe_page(out, tmp_path)
    texts_on_map = [label["text"] for label in result["labels"] if "gd-labels" in label["pane"]]
    assert sorted(texts_on_map) == sorted(names)
    assert all(label["shown"] for label in result["labels"] if "gd-labels" in label["pane"])
    assert result["foreign"] == []  # no <img>, <script>, <svg>... made from a label
    assert result["title"] == result["title_later"] == "标注"

    dom = chromium_dump(out, tmp_path)  # with the page's policy, as a user opens it
    labels = re.findall(r'<span class="gd-label-text"[^>]*>(.*?)</span>', dom, re.S)
    assert "<img src=x onerror=alert(1)>" in [html.unescape(t) for t in labels]
    markup = re.sub(r"<(script|style)\b[^>]*>.*?</\1>", "", dom, flags=re.S)
    tags = set(re.findall(r"<([a-zA-Z][\w-]*)", markup))
    assert not tags & {"img", "script", "iframe", "object", "embed", "b"}  # none from data
    assert re.search(r"<title>标注</title>", dom)  # no handler renamed the page
    assert not (tmp_path / PWNED).exists()
