"""The A3 plate of the sample as a PDF: rendered back with poppler and checked pixel by pixel."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pytest
from PySide6.QtGui import QImage

from gisdesk.export.output import export_plate
from gisdesk.export.spec import PlateSpec

from .conftest import need_tool, pdf_to_png

DPI = 100
LAYERS = (
    "towns",
    "sewage_districts",
    "rivers",
    "roads",
    "district",
    "villages",
    "service_points",
    "monitoring_stations",
)


@pytest.fixture(scope="module")
def plate(sample_project, map_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("plate") / "haimen_a3.pdf"
    spec = PlateSpec.create(
        "A3-landscape", title="海门区专题图", subtitle="测试", layers=LAYERS, date="2026年1月1日"
    )
    layout = export_plate(sample_project, spec, out, data=map_data)
    return out, layout


@pytest.fixture(scope="module")
def page(plate, tmp_path_factory):
    pdf, _layout = plate
    png = pdf_to_png(pdf, tmp_path_factory.mktemp("png") / "page", dpi=DPI)
    image = QImage(str(png)).convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    arr = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    return arr.reshape(h, image.bytesPerLine())[:, : w * 3].reshape(h, w, 3).astype(np.int16)


def _px(rect_mm, dpi=DPI):
    k = dpi / 25.4
    x, y, w, h = rect_mm
    return int(x * k), int(y * k), int((x + w) * k), int((y + h) * k)


def _ink(page, rect_mm) -> float:
    """Share of pixels in a page rectangle that are not white."""
    x0, y0, x1, y1 = _px(rect_mm)
    patch = page[y0:y1, x0:x1]
    return float((patch.min(axis=2) < 200).mean())


def test_pdf_is_a3_landscape_and_vector(plate):
    pdf, _ = plate
    info = subprocess.run(
        [need_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    width, height = (
        float(v) for v in re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups()
    )
    assert width == pytest.approx(420 / 25.4 * 72, abs=1.0)
    assert height == pytest.approx(297 / 25.4 * 72, abs=1.0)
    # the map stays vector (semi-transparent fills included): no raster image inside
    images = (
        subprocess.run(
            [need_tool("pdfimages"), "-list", str(pdf)], capture_output=True, text=True, check=True
        )
        .stdout.strip()
        .splitlines()
    )
    assert len(images) == 2, images  # the header lines only
    assert pdf.stat().st_size < 5_000_000


def test_pdf_embeds_the_cjk_font(plate):
    pdf, _ = plate
    fonts = subprocess.run(
        [need_tool("pdffonts"), str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line or "Noto" in line]
    assert cjk, fonts
    for line in cjk:
        cols = line.split()
        assert cols[-5] == "yes", line  # emb


def test_items_are_drawn_where_the_layout_says(plate, page):
    _, layout = plate
    for key in ("legend", "scalebar", "north", "title", "badge", "notes"):
        assert key in layout.items, key
    assert _ink(page, layout.items["north"]) > 0.05
    bar = layout.scalebar
    assert bar is not None
    assert _ink(page, bar.rect_mm) > 0.3
    assert _ink(page, layout.items["legend"]) > 0.03
    # a blank strip of page margin stays blank
    assert _ink(page, (1.0, 1.0, 5.0, 100.0)) == 0.0


def test_legend_swatch_has_the_class_colour(plate, page):
    _, layout = plate
    assert layout.legend is not None
    polygons = [
        (e, r)
        for e, r in layout.legend.swatches
        if e.family == "polygon" and e.symbol.fill and len(e.symbol.fill) == 7
    ]
    assert polygons, "the sample's legend has filled polygon classes"
    entry, (x, y, w, h) = polygons[0]
    cx, cy = int((x + w / 2) * DPI / 25.4), int((y + h / 2) * DPI / 25.4)
    want = np.array([int(entry.symbol.fill[i : i + 2], 16) for i in (1, 3, 5)])
    got = page[cy - 1 : cy + 2, cx - 1 : cx + 2].reshape(-1, 3).mean(axis=0)
    assert np.abs(got - want).max() < 12, (entry.label, got, want)


def test_scale_bar_matches_the_map_scale(plate, page):
    _, layout = plate
    bar = layout.scalebar
    assert bar is not None
    # the bar is a 1-2-5 number of metres, labelled in 千米 or 米
    mantissa = bar.length_m / 10 ** np.floor(np.log10(bar.length_m))
    assert mantissa in (1.0, 2.0, 5.0)
    assert bar.label.endswith(("千米", "米"))
    # paper length x scale = the label, within 1%
    assert bar.length_mm * layout.scale / 1000.0 == pytest.approx(bar.labelled_m, rel=0.01)
    # and the bar printed on the page has that paper length (measured on the pixels)
    x, y, w, h = bar.rect_mm
    k = DPI / 25.4
    row = page[int((y + h / 2) * k), int((x - 2) * k) : int((x + w + 2) * k)]
    dark = np.flatnonzero(row.min(axis=1) < 128)
    measured_mm = (dark[-1] - dark[0] + 1) / k
    assert measured_mm == pytest.approx(bar.length_mm, rel=0.01, abs=0.3)


def test_scale_is_a_nice_number_and_the_district_fits(plate, sample_project, map_data):
    _, layout = plate
    assert layout.scale in (100_000, 150_000, 200_000, 250_000, 300_000)
    xmin, ymin, xmax, ymax = layout.plan.extent
    district = map_data.get(sample_project.layer("district")).bounds
    assert xmin <= district[0] and ymin <= district[1]
    assert xmax >= district[2] and ymax >= district[3]


def test_graticule_ticks_are_labelled_in_degrees_and_minutes(plate):
    _, layout = plate
    texts = {t.text for t in layout.ticks}
    assert any(re.fullmatch(r"121°\d\d′E", t) for t in texts), texts
    assert any(re.fullmatch(r"3[12]°(\d\d′)?N", t) for t in texts), texts
    sides = {t.side for t in layout.ticks}
    assert sides == {"top", "bottom", "left", "right"}
