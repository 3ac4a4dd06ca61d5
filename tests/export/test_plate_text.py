"""Plates draw every string as text: a title or legend label written as markup or as a
template comes out of the PDF and the SVG as the same characters.

What a PDF gives back as text depends on the font's tables (Qt's PDF writer maps some
Noto CJK glyphs back to other code points, e.g. 门 to the radical ⻔, and drops some
digits), so each plate is compared with the same string drawn directly by
``QPainter.drawText`` into a PDF / SVG of its own, read in content-stream order
(``pdftotext -raw``): any interpretation on the way (rich text, templates, entities,
mnemonics) would make the two differ.
"""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPdfWriter

from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.core.style import LayerStyle, StyleClass, Symbol
from gisdesk.export.output import export_plate
from gisdesk.export.spec import PlateSpec
from gisdesk.render.fonts import cjk_font
from tests.hostile_strings import HOSTILE, texts

from .conftest import need_tool

ROOT = Path(__file__).resolve().parents[2]
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
SHORT = [s for s in HOSTILE if len(s) <= 60]


def _project(text: str) -> Project:
    style = LayerStyle(
        kind="single", classes=(StyleClass(Symbol(fill="#d7301f", stroke="#333333"), text, text),)
    )
    frame = gpd.GeoDataFrame({"name": [text]}, geometry=[shapely.Point(121.2, 31.9)], crs=4490)
    project = Project(title="plate")
    project.add_layer(Layer("points", frame, title=text, style=style))
    return project


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pdf_text(path: Path, rect: tuple[float, float, float, float] | None = None) -> str:
    """Return a PDF's text (whitespace removed), or that inside a page rectangle in mm."""
    exe = need_tool("pdftotext")
    crop: list[str] = []
    if rect is not None:  # pdftotext crops in pixels at -r dpi
        crop = ["-r", "72"] + [
            arg
            for flag, mm in zip("xyWH", rect, strict=True)
            for arg in (f"-{flag}", str(round(mm / 25.4 * 72)))
        ]
    run = subprocess.run(
        [exe, "-raw", "-enc", "UTF-8", *crop, str(path), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return _squash(run.stdout.decode("utf-8"))


def _svg_text(path: Path) -> str:
    root = ET.parse(path).getroot()  # well-formed XML, whatever the text held
    assert not [e for e in root.iter() if e.tag.rsplit("}", 1)[-1] in ("script", "foreignObject")]
    return _squash("".join("".join(e.itertext()) for e in root.iter() if e.tag.endswith("text")))


def _reference(text: str, folder: Path, *, bold: bool) -> tuple[str, str]:
    """Return ``text`` drawn by QPainter alone, as pdftotext and as the SVG give it back."""
    from PySide6.QtSvg import QSvgGenerator

    pdf = folder / f"ref-{int(bold)}.pdf"
    svg = folder / f"ref-{int(bold)}.svg"
    writer = QPdfWriter(str(pdf))
    gen = QSvgGenerator()
    gen.setFileName(str(svg))
    gen.setSize(QSize(4000, 400))
    gen.setViewBox(QRect(0, 0, 4000, 400))
    for device in (writer, gen):
        painter = QPainter(device)
        painter.setFont(cjk_font(6, bold=bold))
        painter.drawText(
            QRectF(QPointF(10, 10), QPointF(3990, 390)), int(Qt.AlignmentFlag.AlignLeft), text
        )
        painter.end()
    del writer, gen
    svg.write_text(_XML_ILLEGAL.sub("\ufffd", svg.read_text(encoding="utf-8")), encoding="utf-8")
    return _pdf_text(pdf), _svg_text(svg)


def _check_plate(text: str, folder: Path) -> None:
    """The title (alone on its page, so lines it may spill over are read too) and the
    legend label read back as ``text`` drawn directly."""
    project = _project(text)
    bare = {"grid": "none", "inset": False, "notes": False, "labels": False}
    spec = PlateSpec.create("A4-landscape", title=text, legend=False, **bare)
    title_pdf, title_svg = _reference(text, folder, bold=True)
    export_plate(project, spec, folder / "title.pdf")
    export_plate(project, spec, folder / "title.svg")
    assert title_pdf in _pdf_text(folder / "title.pdf")
    assert title_svg in _svg_text(folder / "title.svg")
    if len(text) <= 12 and "\n" not in text:  # longer labels are shortened with "…" to fit
        label_pdf, label_svg = _reference(text, folder, bold=False)
        spec = PlateSpec.create("A4-landscape", title="图例", **bare)
        layout = export_plate(project, spec, folder / "legend.pdf")
        export_plate(project, spec, folder / "legend.svg")
        assert label_pdf in _pdf_text(folder / "legend.pdf", layout.items["legend"])
        assert label_svg in _svg_text(folder / "legend.svg")


@pytest.mark.parametrize("text", SHORT)
def test_hostile_titles_and_labels_are_drawn_as_text(text, tmp_path):
    _check_plate(text, tmp_path)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts(max_size=24))
def test_any_title_is_drawn_as_text(text, tmp_path_factory):
    _check_plate(text[:60], tmp_path_factory.mktemp("plate"))


def test_markup_and_templates_survive_into_the_pdf(tmp_path):
    """Spelled out for the ASCII payloads, whose characters every font maps back."""
    text = "<b>x</b> {{ a*b }} {% if y %}&amp;"
    export_plate(_project(text), PlateSpec.create("A4-landscape", title=text), tmp_path / "p.pdf")
    assert _squash(text) in _pdf_text(tmp_path / "p.pdf")


def test_svg_with_control_characters_is_valid_xml(tmp_path):
    text = "控制\x01字符\x0b<b>&"
    export_plate(_project(text), PlateSpec.create("A4-landscape", title=text), tmp_path / "p.svg")
    assert _squash("控制\ufffd字符\ufffd<b>&") in _svg_text(tmp_path / "p.svg")


def test_nothing_in_plates_or_web_maps_parses_text_as_markup():
    """Plates and the map painter draw strings with QPainter only (no rich-text engine);
    web maps use no template engine."""
    forbidden = re.compile(
        r"QTextDocument|QTextEdit|QTextBrowser|QStaticText|QLabel|setHtml|RichText|"
        r"mightBeRichText|TextShowMnemonic|\bTemplate\("
        r"|\b(?:import|from) (?:folium|jinja2|branca)\b"
    )
    for package in ("export", "render"):
        for path in sorted((ROOT / "gisdesk" / package).glob("*.py")):
            hits = forbidden.findall(path.read_text(encoding="utf-8"))
            assert not hits, (path.name, hits)
