"""SVG plates: the map is clipped to its frame (a clipPath the map content references), and
text names fonts a viewer has."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from gisdesk.export._qt import layout_dpi
from gisdesk.export.output import export_plate
from gisdesk.export.spec import PlateSpec
from gisdesk.render.fonts import TEXT_FAMILY, installed_cjk_family

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def svg_plate(sample_project, map_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("svg") / "plate.svg"
    spec = PlateSpec.create("A4-landscape", layers=("towns", "roads", "rivers", "district"))
    layout = export_plate(sample_project, spec, out, data=map_data)
    return out, layout


def _bounds(d: str) -> tuple[float, float, float, float]:
    nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d)]
    xs, ys = nums[0::2], nums[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def test_map_content_is_clipped_to_the_frame(svg_plate, sample_project):
    path, layout = svg_plate
    root = ET.parse(path).getroot()
    clips = {c.get("id"): c for c in root.iter(f"{SVG}clipPath")}
    assert clips, "no clipPath in the SVG"
    k = layout_dpi() / 25.4
    x, y, w, h = layout.plan.map_inner
    frame = (x * k, y * k, (x + w) * k, (y + h) * k)
    frame_clips = set()
    for cid, clip in clips.items():
        shape = clip.find(f"{SVG}path")
        assert shape is not None
        if all(abs(a - b) < 1.0 for a, b in zip(_bounds(shape.get("d", "")), frame, strict=True)):
            frame_clips.add(cid)
    assert frame_clips, "no clipPath is the map frame"
    clipped = [g for g in root.iter(f"{SVG}g") if g.get("clip-path", "")[5:-1] in frame_clips]
    assert clipped
    # the map's content: road and river paths and the town names, all under the frame's clip
    inside_paths = sum(len(list(g.iter(f"{SVG}path"))) for g in clipped)
    assert inside_paths >= 10
    inside_text = "".join("".join(t.itertext()) for g in clipped for t in g.iter(f"{SVG}text"))
    for name in sample_project.layer("towns").data["name"]:
        assert str(name) in inside_text, name
    # and the title is not clipped by the map frame
    title = str(layout.plan.spec.title or sample_project.title)
    assert title not in inside_text


def test_svg_text_names_fonts_a_viewer_has(svg_plate):
    path, _layout = svg_plate
    text = path.read_text(encoding="utf-8")
    assert f'font-family="{TEXT_FAMILY}"' not in text
    families = set(re.findall(r'font-family="([^"]*)"', text))
    assert any(f.startswith(f"'{installed_cjk_family()}'") for f in families), families
    assert all("gisdesk" not in f for f in families)


def _elements(d: str) -> int:
    return len(re.findall(r"[MLCZmlcz]", d))


def test_no_path_is_too_long_for_qt_svg_readers(svg_plate):
    """Qt's SVG reader keeps only 32,767 elements of a path ("Invalid path data; path
    truncated."): the sample's village roads, one class of 40,172 vertices on this plate,
    lost their last part in any Qt-based viewer. They are written as several paths."""
    from PySide6.QtCore import QByteArray, qInstallMessageHandler
    from PySide6.QtSvg import QSvgRenderer

    path, _layout = svg_plate
    text = path.read_text(encoding="utf-8")
    counts = [_elements(d) for d in re.findall(r' d="([^"]*)"', text)]
    assert max(counts) <= 32_767, max(counts)
    assert sum(counts) > 40_000  # the roads are all there, in several paths
    warnings: list[str] = []
    previous = qInstallMessageHandler(lambda _mode, _ctx, msg: warnings.append(msg))
    try:
        renderer = QSvgRenderer(QByteArray(text.encode("utf-8")))
    finally:
        qInstallMessageHandler(previous)
    assert renderer.isValid()
    assert not [w for w in warnings if "path" in w.lower()], warnings


def test_graticule_lines_end_at_the_map_frame(svg_plate):
    """Viewers that ignore clip paths (Qt's SVG reader does) must not draw the graticule
    over the title and legend: its lines are cut at the frame, not only clipped."""
    path, layout = svg_plate
    root = ET.parse(path).getroot()
    k = layout_dpi() / 25.4
    x, y, w, h = layout.plan.map_inner
    lines = [
        p
        for g in root.iter(f"{SVG}g")
        if g.get("stroke") == "#5f7f99"
        for p in g.iter(f"{SVG}path")
    ]
    assert len(lines) >= 4  # meridians and parallels on an A4 district plate
    for line in lines:
        x0, y0, x1, y1 = _bounds(line.get("d", ""))
        assert x * k - 0.5 <= x0 and x1 <= (x + w) * k + 0.5, (x0, x1)
        assert y * k - 0.5 <= y0 and y1 <= (y + h) * k + 0.5, (y0, y1)
