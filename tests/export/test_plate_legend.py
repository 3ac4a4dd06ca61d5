"""Legends and tables never drop what the map shows: every drawn layer in the legend, with
headings; more columns and smaller type before a continuation page; table rows split into
side-by-side blocks; town rows in the official order."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace

import pandas as pd
import pytest
from PySide6.QtGui import QImage, QPainter

from gisdesk.export.coverage import ServiceCircle
from gisdesk.export.legend import SINGLES_HEADING
from gisdesk.export.output import export_plate
from gisdesk.export.paper import Paper
from gisdesk.export.spec import PlateSpec
from gisdesk.export.table import draw_table
from gisdesk.export.templates import get_template

from .conftest import need_tool

A4 = ("A4-landscape", "A4-portrait")


@pytest.fixture(scope="module")
def a4_plates(sample_project, map_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("a4")
    return {
        name: export_plate(
            sample_project, PlateSpec.create(name), folder / f"{name}.pdf", data=map_data
        )
        for name in A4
    }


@pytest.mark.parametrize("template", A4)
def test_every_drawn_layer_is_in_the_legend(a4_plates, template):
    layout = a4_plates[template]
    legend = layout.legend
    assert legend is not None
    drawn = {fl.layer.name for fl in layout.plan.layers if fl.shown and fl.layer.style}
    listed = {entry.layer for entry, _rect in legend.swatches}
    assert drawn == listed
    assert legend.overflow == 0 and legend.rest == []
    # every class drawn in the frame has its line
    for fl in layout.plan.layers:
        if fl.shown and fl.layer.style is not None and len(fl.layer.style.classes) > 1:
            shown = {e.class_index for e, _ in legend.swatches if e.layer == fl.layer.name}
            assert set(fl.present.tolist()) - {-1} <= shown, fl.layer.name


def test_headings_name_groups_fields_and_units(a4_plates):
    legend = a4_plates["A4-landscape"].legend
    headings = [text for text, _rect in legend.headings]
    assert len(headings) == len(set(headings))  # one heading per group
    assert "村（社区）：人口（人）" in headings  # graduated: the field and its unit
    assert headings[-1] == SINGLES_HEADING
    singles = [e.label for e, _ in legend.swatches if e.group == SINGLES_HEADING]
    assert {"海门区界", "镇（街道）"} <= set(singles)
    # single-symbol lines sit under their own heading, never under another layer's
    (singles_top,) = [rect[1] for text, rect in legend.headings if text == SINGLES_HEADING]
    (singles_x,) = [rect[0] for text, rect in legend.headings if text == SINGLES_HEADING]
    for entry, rect in legend.swatches:
        if entry.group == SINGLES_HEADING:
            assert rect[1] > singles_top and abs(rect[0] - singles_x) < 1.0


def test_a_legend_box_too_small_continues_on_another_page(sample_project, map_data, tmp_path):
    tpl = get_template("A4-landscape")
    small = replace(tpl, name="small", items={**tpl.items, "legend": (215, 84, 40, 30)})
    spec = PlateSpec.create(small)
    layout = export_plate(sample_project, spec, tmp_path / "small.pdf", data=map_data)
    legend = layout.legend
    assert legend is not None and legend.rest and legend.overflow == len(legend.rest)
    info = subprocess.run(
        [need_tool("pdfinfo"), str(tmp_path / "small.pdf")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert re.search(r"^Pages:\s+2$", info, re.MULTILINE), info
    page2 = subprocess.run(
        [need_tool("pdftotext"), "-f", "2", "-l", "2", str(tmp_path / "small.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "图例（续）" in page2
    for entry in legend.rest:
        assert entry.label in page2, entry.label
    png = export_plate(sample_project, spec, tmp_path / "small.png", dpi=50, data=map_data)
    assert [p.name for p in png.extra_files] == ["small_图例续1.png"]
    assert png.extra_files[0].stat().st_size > 1000


def _table(paper_size: tuple[float, float], rows: int):
    image = QImage(1200, 900, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFFFF)
    painter = QPainter(image)
    try:
        frame = pd.DataFrame(
            {"项目": [f"未覆盖：村{i:02d}" for i in range(rows)], "数值": [1.5] * rows}
        )
        return draw_table(Paper(painter, 96.0), (5, 5, *paper_size), frame, title="统计")
    finally:
        painter.end()


def test_table_rows_split_into_blocks_before_any_is_cut(qapp):
    one = _table((60, 120), 12)
    assert (one.rows_shown, one.blocks) == (12, 1)
    wide = _table((200, 60), 24)  # too low for 24 rows, wide enough for blocks
    assert wide.rows_shown == 24 and wide.blocks >= 2
    cramped = _table((40, 30), 40)  # no layout holds them: rows are cut, and said so
    assert cramped.rows_shown < 40 and cramped.rows_total == 40


def test_town_rows_follow_the_towns_layer(sample_project):
    circle = ServiceCircle(sample_project, polygons=False)
    official = [str(n) for n in sample_project.layer("towns").data["name"]]
    assert list(circle.town_table()["镇（街道）"]) == official
    assert official != sorted(official)  # the official order is not the character order


def test_notes_name_the_map_maker_only_when_given(sample_project):
    from pyproj import CRS

    from gisdesk.export.notes import notes_lines

    layers = [sample_project.layer("towns")]
    crs = CRS.from_epsg(4549)
    unnamed = notes_lines(layers, crs, date="2026年1月1日")
    assert unnamed[-1] == "制图日期：2026年1月1日"
    assert "—" not in "".join(unnamed)
    named = notes_lines(layers, crs, organisation="海门区自然资源局", date="2026年1月1日")
    assert named[-1] == "制图单位：海门区自然资源局    制图日期：2026年1月1日"


def _pdf_pages(path) -> int:
    info = subprocess.run(
        [need_tool("pdfinfo"), str(path)], check=True, capture_output=True, text=True
    ).stdout
    found = re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)
    assert found, info
    return int(found.group(1))


def test_the_town_atlas_keeps_each_legend_on_its_page(sample_project, map_data, tmp_path):
    """The 12-town A4 atlas was 24 pages: every town's legend (24-30 lines in a 64 mm box)
    continued on a page of its own. Smaller type draws narrower swatches, which leaves the
    labels room for a third column, so each page holds its legend."""
    from gisdesk.export.atlas import export_atlas

    circle = ServiceCircle(sample_project)
    out = tmp_path / "atlas.pdf"
    export_atlas(
        sample_project, PlateSpec.create("A4-portrait"), out, content=circle, data=map_data
    )
    towns = len(sample_project.layer("towns").data)
    assert _pdf_pages(out) == towns
    text = subprocess.run(
        [need_tool("pdftotext"), str(out), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "见图例续页" not in text


def test_legend_lines_continue_under_the_table_before_another_page(
    sample_project, map_data, tmp_path
):
    tpl = get_template("A4-portrait")
    small = replace(
        tpl,
        name="small-legend",
        items={**tpl.items, "legend": (11, 210, 64, 62), "table": (79, 210, 64, 76)},
    )
    frame = pd.DataFrame({"项目": ["村（社区）数", "医保服务站点"], "数值": ["250 个", "90 个"]})
    spec = PlateSpec.create(small, table=frame, table_title="统计")
    out = tmp_path / "plate.pdf"
    layout = export_plate(sample_project, spec, out, data=map_data)
    legend = layout.legend
    assert legend is not None and legend.overflow == 0 and legend.rest == []
    assert _pdf_pages(out) == 1  # before: a 图例（续） page
    drawn = {fl.layer.name for fl in layout.plan.layers if fl.shown and fl.layer.style}
    assert {entry.layer for entry, _rect in legend.swatches} == drawn
    table_box = layout.items["table"]
    under = [e for e, r in legend.swatches if r[0] >= table_box[0]]
    assert under, "nothing continued under the table"
    for _entry, rect in legend.swatches:  # every line inside one of the two boxes
        box = table_box if rect[0] >= table_box[0] else layout.items["legend"]
        assert box[1] <= rect[1] and rect[1] + rect[3] <= box[1] + box[3] + 0.01, rect
    text = subprocess.run(
        [need_tool("pdftotext"), str(out), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "图例（续）" in text and "续见统计表下方" in text
    for entry in under:
        assert entry.label in text, entry.label
