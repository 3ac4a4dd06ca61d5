"""Town and station names on the district plates: every one placed inside the map frame, and
a required name with no room is reported (not dropped silently)."""

from __future__ import annotations

import html
import re
import subprocess

import pytest
import shapely

from gisdesk.cli.main import main
from gisdesk.export.output import export_plate
from gisdesk.export.spec import PlateSpec
from gisdesk.render.fonts import has_cjk_glyphs

from .conftest import need_tool

TEMPLATES = ("A3-landscape", "A4-landscape", "A4-portrait")
NATIONAL_STATION = "海门市监测站"


@pytest.fixture(scope="module")
def district_plates(sample_project, map_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("district")
    plates = {}
    for name in TEMPLATES:
        out = folder / f"{name}.pdf"
        layout = export_plate(sample_project, PlateSpec.create(name), out, data=map_data)
        plates[name] = (out, layout)
    return plates


@pytest.fixture(scope="module")
def town_names(sample_project) -> list[str]:
    names = [str(n) for n in sample_project.layer("towns").data["name"]]
    assert len(names) == 12
    return names


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_town_and_the_national_station_is_labelled_in_the_frame(
    district_plates, town_names, template
):
    _pdf, layout = district_plates[template]
    stats = layout.stats
    assert stats is not None
    assert stats.missed_labels == []
    placed = {(p.layer, p.text): p for p in stats.placed_labels}
    for name in town_names:
        assert ("towns", name) in placed, name
    assert ("monitoring_stations", NATIONAL_STATION) in placed
    # label centres lie inside the map frame (frame pixels at the layout's dpi)
    _x, _y, w, h = layout.plan.map_inner
    k = layout.dpi / 25.4
    frame = shapely.box(0, 0, w * k, h * k)
    for p in stats.placed_labels:
        assert frame.contains(shapely.Point(p.x, p.y)), p


_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)
PT_PER_MM = 72 / 25.4


def _words(pdf) -> list[tuple[str, shapely.Geometry]]:
    """Return the words pdftotext finds on page 1 with their boxes (points from top left)."""
    out = subprocess.run(
        [need_tool("pdftotext"), "-bbox", "-enc", "UTF-8", "-f", "1", "-l", "1", str(pdf), "-"],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout.decode("utf-8")
    return [(html.unescape(m[4]), shapely.box(*map(float, m[:4]))) for m in _WORD.findall(out)]


@pytest.mark.parametrize("template", TEMPLATES)
def test_pdftotext_finds_every_town_name_inside_the_map_frame(
    district_plates, town_names, template
):
    if not has_cjk_glyphs():
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    pdf, layout = district_plates[template]
    x, y, w, h = layout.plan.map_inner
    frame = shapely.box(x * PT_PER_MM, y * PT_PER_MM, (x + w) * PT_PER_MM, (y + h) * PT_PER_MM)
    in_frame = {text for text, box in _words(pdf) if frame.contains(box)}
    missing = [name for name in [*town_names, NATIONAL_STATION] if name not in in_frame]
    assert missing == [], sorted(in_frame)


@pytest.mark.parametrize("template", TEMPLATES)
def test_plate_text_layer_is_exact_and_fonts_are_embedded(district_plates, template):
    if not has_cjk_glyphs():
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    pdf, _layout = district_plates[template]
    text = subprocess.run(
        [need_tool("pdftotext"), "-enc", "UTF-8", str(pdf), "-"],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout.decode("utf-8")
    for expected in ("CGCS2000", "EPSG:4549", "海门区", "空气质量监测站点", "1:"):
        assert expected in text, expected
    radicals = [c for c in text if 0x2E80 <= ord(c) <= 0x2FDF]
    assert radicals == []
    fonts = subprocess.run(
        [need_tool("pdffonts"), str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts
    for line in fonts:
        assert line.split()[-5] == "yes", line  # embedded


def test_cli_reports_required_names_without_room(sample_path, tmp_path, capsys):
    out = tmp_path / "tiny.pdf"
    # a whole district at 1:1,500,000 on A4: the names cannot all fit
    code = main(
        [
            "plate",
            str(sample_path),
            "--template",
            "A4-portrait",
            "--scale",
            "1500000",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "必须标注的名称在图上无处放置" in printed
    assert "镇（街道）“" in printed


# A page with a 40 x 30 mm map: one town fills it, its neighbours' names cannot all fit.
SMALL_TEMPLATE = {
    "name": "small",
    "page_mm": [120.0, 100.0],
    "margins_mm": [4.0, 4.0, 4.0, 4.0],
    "items": {
        "title": [6.0, 6.0, 108.0, 8.0],
        "map": [6.0, 16.0, 40.0, 30.0],
        "notes": [6.0, 80.0, 108.0, 14.0],
    },
}


def test_atlas_reports_required_names_without_room_per_page(
    sample_project, sample_path, tmp_path, capsys
):
    import json
    from functools import partial

    from gisdesk.export.publish import draw_plates
    from gisdesk.tasks import run_request
    from gisdesk.tasks.base import ProjectSource
    from gisdesk.tasks.plates import PlateRequest

    pages = ("常乐镇", "海门街道")
    request = PlateRequest(
        out=str(tmp_path / "atlas.pdf"),
        template=SMALL_TEMPLATE,
        atlas="towns",
        names=pages,
        stats="none",
    )
    source = ProjectSource(sample_project)
    result = run_request(source, request, draw=partial(draw_plates, sample_project))
    missed = result.details["missed_labels"]
    assert {m["page"] for m in missed} == set(pages)  # each page reports its own
    assert all(m["layer"] in ("towns", "monitoring_stations") and m["text"] for m in missed)
    town_names = set(sample_project.layer("towns").data["name"].astype(str))
    assert {m["text"] for m in missed if m["layer"] == "towns"} <= town_names
    warning = next(n for n in result.notes if n.warning)
    for page in pages:
        assert f"{page}图幅：" in warning.show("zh") and f"page {page}: " in warning.show("en")
    assert f"{len(missed)} 个必须标注的名称" in warning.show("zh")

    # the command line prints the same per-page report
    template = tmp_path / "small.json"
    template.write_text(json.dumps(SMALL_TEMPLATE), encoding="utf-8")
    code = main(
        [
            "plate",
            str(sample_path),
            "--template-file",
            str(template),
            "--atlas",
            "towns",
            "--names",
            ",".join(pages),
            "--stats",
            "none",
            "--out",
            str(tmp_path / "cli_atlas.pdf"),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "必须标注的名称在图上无处放置" in printed
    assert "常乐镇图幅：镇（街道）“" in printed and "；海门街道图幅：" in printed


def test_atlas_with_room_for_every_name_reports_none(sample_project, tmp_path):
    from gisdesk.export.atlas import export_atlas

    missed: list = []
    files = export_atlas(
        sample_project,
        PlateSpec.create("A3-landscape"),
        tmp_path / "roomy.pdf",
        names=["海门街道"],
        missed=missed,
    )
    assert files == [tmp_path / "roomy.pdf"] and missed == []
