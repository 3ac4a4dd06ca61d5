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
