"""Offline web maps: no CDN references, data as JSON, thinned layers, a real render."""

from __future__ import annotations

import json
import re
import subprocess

import numpy as np
import pytest

from gisdesk.export.webmap import DEFAULT_ROAD_CLASSES, build_webmap, export_webmap

from .conftest import need_tool
from .webpage import chromium_dump, page_data, probe_page

EXTERNAL = re.compile(r"""<(script|link)\b[^>]*\b(src|href)=["']?(https?:)?//""", re.IGNORECASE)
LAYERS = ("towns", "rivers", "roads", "district", "villages", "service_points")


@pytest.fixture(scope="module")
def sample_map(sample_project, tmp_path_factory):
    out = tmp_path_factory.mktemp("web") / "haimen.html"
    info = export_webmap(sample_project, out, layers=LAYERS)
    return info, out.read_text(encoding="utf-8")


def test_web_map_has_no_external_scripts_or_styles(sample_map):
    _info, page = sample_map
    assert not EXTERNAL.search(page)
    assert "Leaflet 1.9.4" in page and "L.map(" in page
    assert "url(images/" not in page  # Leaflet's images are inlined as data URIs
    assert "jquery" not in page.lower() and "bootstrap" not in page.lower()
    # only the page's own scripts may run, and nothing may be fetched
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in policy
    assert policy.count("'sha256-") == 4 and "unsafe-inline" not in policy


def test_web_map_is_small_and_thinned(sample_map, sample_project):
    info, _page = sample_map
    assert info.bytes < 3_000_000
    roads = sample_project.layer("roads").data
    assert info.layers["roads"] == int(roads["class"].isin(DEFAULT_ROAD_CLASSES).sum())
    assert build_webmap(sample_project, layers=("roads",), road_classes=None).layers == {
        "roads": len(roads)
    }


def test_web_map_carries_chinese_labels_legend_and_schematic_badge(sample_map, sample_project):
    _info, page = sample_map
    label = sample_project.layer("villages").schema.field_index["population"].label("zh")
    assert json.dumps(label)[1:-1] in page or label in page
    assert "图例" in page and "镇（街道）" in page
    assert "示意数据，非正式成果" in page
    assert "L.control.layers(" in page


def test_attribute_values_are_data_not_markup(tiny_project, tmp_path):
    out = tmp_path / "tiny.html"
    export_webmap(tiny_project, out)
    page = out.read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page
    assert page.count("<script") == 3  # Leaflet, the JSON data, the page's own script
    points = next(layer for layer in page_data(page)["layers"] if layer["name"] == "points")
    names = [row[points["fields"].index("name")] for row in points["values"]]
    assert names == ["<script>alert(1)</script>", "点&二"]  # the literal text, not escaped


def test_web_map_rejects_wrong_suffix(tiny_project, tmp_path):
    from gisdesk.core.errors import InputError

    with pytest.raises(InputError):
        export_webmap(tiny_project, tmp_path / "map.pdf")


def test_web_map_renders_offline_in_chromium(sample_project, tmp_path):
    exe = need_tool("chromium")
    info = export_webmap(sample_project, tmp_path / "towns.html", layers=("towns", "district"))
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1000,750",
            "--virtual-time-budget=5000",
            f"--screenshot={shot}",
            info.path.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    from PySide6.QtGui import QImage

    img = QImage(str(shot)).convertToFormat(QImage.Format.Format_RGB888)
    w, h = img.width(), img.height()
    arr = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes())
    arr = arr.reshape(h, img.bytesPerLine())[:, : w * 3].reshape(h, w, 3)
    colours = np.unique(arr.reshape(-1, 3)[::7], axis=0)
    assert len(colours) > 100  # the map drew, not a blank or error page
    # the towns' fill colour (#f4f1e8) covers a good part of the view
    town = np.array([0xF4, 0xF1, 0xE8])
    assert (np.abs(arr.astype(int) - town).max(axis=2) < 6).mean() > 0.15


def test_popup_shows_markup_as_text_in_chromium(tiny_project, tmp_path):
    out = tmp_path / "tiny.html"
    export_webmap(tiny_project, out, layers=("points",))
    result = probe_page(out, tmp_path)
    assert [row["cells"] for row in result["popups"]] == [
        ["name", "<script>alert(1)</script>", "value", "1.5"],
        ["name", "点&二", "value", "2"],
    ]
    assert result["tooltips"] == ["<script>alert(1)</script>", "点&二"]
    assert result["foreign"] == []  # no element was made from the attribute
    assert result["title"] == result["title_later"] == "测试项目"


def test_the_page_as_written_runs_under_its_policy(tiny_project, tmp_path):
    out = tmp_path / "tiny.html"
    export_webmap(tiny_project, out)
    dom = chromium_dump(out, tmp_path)
    assert "leaflet-control-layers-overlays" in dom  # the page's script ran and built the map
    assert '<div class="gd-title">测试项目</div>' in dom
    assert "<title>测试项目</title>" in dom


SYMBOL_LAYERS = ("towns", "district", "monitoring_stations", "persuasion_stations", "enterprises")


def _expected_markers(project, names):
    """Return marker -> features the styles give the point layers, from the styles."""
    counts: dict[str, int] = {}
    for name in names:
        layer = project.layer(name)
        if layer.data.geom_type.iloc[0] != "Point":
            continue
        style = layer.style
        for c in style.assign(layer.data):
            if c >= 0:
                marker = style.classes[c].symbol.marker
                counts[marker] = counts.get(marker, 0) + 1
    return counts


def test_point_styles_carry_the_plate_marker_outlines(sample_project):
    from gisdesk.render.marker_shapes import marker_outline

    data = page_data(build_webmap(sample_project, layers=SYMBOL_LAYERS).html)
    layers = {layer["name"]: layer for layer in data["layers"]}
    for name in ("monitoring_stations", "persuasion_stations", "enterprises"):
        style = sample_project.layer(name).style
        for i, cls in enumerate(style.classes):
            drawn = layers[name]["styles"][str(i)]
            assert drawn["marker"] == cls.symbol.marker
            if cls.symbol.marker == "circle":
                assert "shape" not in drawn
                continue
            outline = np.array(drawn["shape"])
            # the plate's outline at the marker's diameter (2 x radius px)
            expected = marker_outline(cls.symbol.marker) * 2 * drawn["radius"]
            assert np.abs(outline - expected).max() < 0.02  # radius given to 0.01 px
    markers = {s.get("marker") for layer in layers.values() for s in layer["styles"].values()}
    assert {"triangle", "star", "cross", "square", "diamond"} <= markers


def test_chromium_draws_shapes_labels_scale_and_context(sample_project, tmp_path):
    out = tmp_path / "symbols.html"
    export_webmap(sample_project, out, layers=SYMBOL_LAYERS)
    result = probe_page(out, tmp_path)
    # every point became a marker of its style's shape
    assert result["markers"] == _expected_markers(sample_project, SYMBOL_LAYERS)
    # the 12 town names are on the map as text, all shown at the district's extent
    towns = sample_project.layer("towns").data["name"].tolist()
    shown = [label["text"] for label in result["labels"] if label["shown"]]
    assert len(towns) == 12 and set(towns) <= set(shown)
    assert all(label["text"] in shown for label in result["labels"] if label["text"] in towns)
    # station names too, where the style labels them; neighbours' names in the context
    stations = sample_project.layer("monitoring_stations").data["name"].tolist()
    labelled = [label["text"] for label in result["labels"]]
    assert set(stations) <= set(labelled)
    assert {"通州区", "启东市", "崇明区"} <= set(labelled)
    assert result["foreign"] == []
    # one scale line, metric only
    assert len(result["scale"]) == 1
    assert re.fullmatch(r"\d+ k?m", result["scale"][0])
    assert result["layer_names"][0] == "周边区县"


def test_markers_are_drawn_in_their_shape(qapp, tmp_path):
    """A cross and a circle of the same size at one spot: the cross leaves the corners of
    its box empty where the circle fills them."""
    import geopandas as gpd
    import shapely
    from PySide6.QtGui import QImage

    from gisdesk.core.layer import Layer
    from gisdesk.core.project import Project
    from gisdesk.core.style import LayerStyle, StyleClass, Symbol

    def shot(marker: str) -> np.ndarray:
        project = Project(title="")
        symbol = Symbol(fill="#ff0000", stroke=None, marker=marker, size=20.0)
        project.add_layer(
            Layer(
                "p",
                gpd.GeoDataFrame({"v": [1]}, geometry=[shapely.Point(116.4, 39.9)], crs=4490),
                style=LayerStyle(kind="single", classes=(StyleClass(symbol, "点", "point"),)),
            )
        )
        page = tmp_path / f"{marker}.html"
        export_webmap(project, page)
        png = tmp_path / f"{marker}.png"
        subprocess.run(
            [
                need_tool("chromium"),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                f"--user-data-dir={tmp_path / ('profile-' + marker)}",
                "--window-size=800,600",
                "--virtual-time-budget=3000",
                f"--screenshot={png}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        img = QImage(str(png)).convertToFormat(QImage.Format.Format_RGB888)
        w, h = img.width(), img.height()
        arr = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes())
        return arr.reshape(h, img.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()  # own it

    def red(arr: np.ndarray) -> np.ndarray:
        # the middle of the 800 x 600 view, where the map centres the point (the legend's
        # swatch, bottom left, is red too and stays out)
        mid = arr[150:450, 250:550]
        return (mid[..., 0] > 200) & (mid[..., 1] < 60) & (mid[..., 2] < 60)

    d = 20.0 * 96 / 25.4  # the marker's diameter in px
    circle, cross = red(shot("circle")), red(shot("cross"))
    ys, xs = np.nonzero(circle)
    cy, cx = round(ys.mean()), round(xs.mean())
    corner = (
        slice(cy + int(0.25 * d), cy + int(0.32 * d)),
        slice(cx + int(0.25 * d), cx + int(0.32 * d)),
    )
    arm = (slice(cy + int(0.25 * d), cy + int(0.4 * d)), slice(cx - 3, cx + 3))
    assert circle[corner].all() and not cross[corner].any()
    assert cross[arm].all()
    assert 0.3 < cross.sum() / circle.sum() < 0.7  # a cross of arms 0.28 d wide


def test_required_labels_are_those_of_the_plate():
    from gisdesk.export.webmap import REQUIRED_PRIORITY
    from gisdesk.render.labels import REQUIRED_PRIORITY as PLATE

    assert REQUIRED_PRIORITY == PLATE


def test_expressways_are_kept_and_drawn_in_their_style(sample_project, tmp_path):
    """高速公路 (OSM motorways since the import change) is a default web-map class, styled green."""
    from gisdesk.core.layer import Layer
    from gisdesk.core.project import Project

    sample = sample_project.layer("roads")
    data = sample.data.copy()
    data.loc[data.index[data["class"] == "国道"][:5], "class"] = "高速公路"
    roads = Layer("roads", data, schema=sample.schema, style=sample.style)
    project = Project(title="高速公路测试")
    project.add_layer(roads)
    out = tmp_path / "expressway.html"
    info = export_webmap(project, out, layers=("roads",))
    assert "高速公路" in DEFAULT_ROAD_CLASSES
    assert info.layers["roads"] == int(data["class"].isin(DEFAULT_ROAD_CLASSES).sum())
    layer = next(x for x in page_data(out.read_text(encoding="utf-8"))["layers"])
    style_classes = [c.value for c in roads.style.classes]
    express = style_classes.index("高速公路")
    assert layer["classes"].count(express) == 5  # the five expressway features are on the page
    assert layer["styles"][str(express)]["color"] == "#1a7f37"  # the style's green
    county = style_classes.index("县道")
    assert layer["styles"][str(express)]["weight"] > layer["styles"][str(county)]["weight"]
