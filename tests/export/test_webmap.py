"""Offline web maps: no CDN references, escaped attributes, thinned layers, a real render."""

from __future__ import annotations

import json
import re
import subprocess

import numpy as np
import pytest

from gisdesk.export.webmap import DEFAULT_ROAD_CLASSES, build_webmap, export_webmap

from .conftest import need_tool

EXTERNAL = re.compile(r"""<(script|link)\b[^>]*\b(src|href)=["']?(https?:)?//""", re.IGNORECASE)
LAYERS = ("towns", "rivers", "roads", "district", "villages", "service_points")


@pytest.fixture(scope="module")
def sample_map(sample_project, tmp_path_factory):
    out = tmp_path_factory.mktemp("web") / "haimen.html"
    info = export_webmap(sample_project, out, layers=LAYERS)
    return info, out.read_text(encoding="utf-8")


def test_web_map_has_no_external_scripts_or_styles(sample_map):
    info, page = sample_map
    assert not EXTERNAL.search(page)
    assert "Leaflet 1.9.4" in page and "L.map(" in page
    assert any("jquery" in url for url in info.dropped_links)
    assert "url(images/" not in page  # Leaflet's images are inlined as data URIs


def test_web_map_is_small_and_thinned(sample_map, sample_project):
    info, _page = sample_map
    assert info.bytes < 3_000_000
    roads = sample_project.layer("roads").data
    assert info.layers["roads"] == int(roads["class"].isin(DEFAULT_ROAD_CLASSES).sum())
    _m, counts = build_webmap(sample_project, layers=("roads",), road_classes=None)
    assert counts["roads"] == len(roads)


def test_web_map_carries_chinese_labels_legend_and_schematic_badge(sample_map, sample_project):
    _info, page = sample_map
    label = sample_project.layer("villages").schema.field_index["population"].label("zh")
    assert json.dumps(label)[1:-1] in page or label in page
    assert "图例" in page and "镇（街道）" in page
    assert "示意数据，非正式成果" in page
    assert "L.control.layers(" in page


def test_attribute_values_are_escaped(tiny_project, tmp_path):
    out = tmp_path / "tiny.html"
    export_webmap(tiny_project, out)
    page = out.read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page
    # the data sits in JSON with \uXXXX escapes; undo those to read the strings
    decoded = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in decoded
    assert "<script>alert(1)" not in decoded
    assert "点&amp;二" in decoded


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
    exe = need_tool("chromium")
    out = tmp_path / "tiny.html"
    export_webmap(tiny_project, out, layers=("points",))
    page = out.read_text(encoding="utf-8")
    layer = re.search(r"var (geo_json_\w+) = L\.geoJson", page).group(1)
    probe = (
        "<script>setTimeout(function(){"
        f"{layer}.openPopup();"
        "var c=document.querySelector('.leaflet-popup-content');"
        "console.log('POPUP|'+c.querySelectorAll('script').length+'|'"
        "+c.innerText.replace(/\\s+/g,' '));},300);</script></html>"
    )
    probed = tmp_path / "probe.html"
    probed.write_text(page.replace("</html>", probe), encoding="utf-8")
    run = subprocess.run(
        [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=3000",
            f"--screenshot={tmp_path / 'probe.png'}",
            probed.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    line = next((ln for ln in run.stderr.splitlines() if "POPUP|" in ln), None)
    assert line is not None, run.stderr[-2000:]
    scripts, text = line.split("POPUP|", 1)[1].rstrip('"').split("|", 1)
    assert scripts == "0"  # no script element was made from the attribute
    assert "<script>alert(1)</script>" in text  # it reads as plain text
