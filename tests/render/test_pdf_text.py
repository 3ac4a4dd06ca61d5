"""Text drawn with gisdesk's font comes back out of a PDF exactly (pdftotext), in any locale.

Before the rebuilt font, 门 came out as the radical ⻔, 气 as ⽓, and the digits of CGCS2000
vanished under a C locale (language forms swapped them for glyphs no code point maps to).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QFont, QFontMetricsF, QRawFont

from gisdesk.render.fonts import (
    TEXT_FAMILY,
    cjk_family,
    cjk_font,
    has_cjk_glyphs,
    installed_cjk_family,
)
from tests.export.conftest import need_tool

LINES = [
    "海门区 门 气 闸 阀",
    "CGCS2000（EPSG:4549）2000国家大地坐标系",
    "1,830 – 2,807 “示意数据” 'a' \"b\" ～ 〈x〉",
    "121°20′E 31°50′N 1:200 000 0 5 10 千米",
    "海门街道 滨江街道 三厂街道 常乐镇 悦来镇 余东镇 正余镇 包场镇 海门市监测站",
    "⻔⽓",  # radicals drawn on purpose stay radicals
]

_DRAW = """
import json, sys
from PySide6.QtCore import QPointF
from PySide6.QtGui import QGuiApplication, QPainter, QPdfWriter
app = QGuiApplication([])
from gisdesk.render.fonts import cjk_font
writer = QPdfWriter(sys.argv[1])
painter = QPainter(writer)
y = 200
for bold in (False, True):
    painter.setFont(cjk_font(10, bold=bold))
    for line in json.loads(sys.argv[2]):
        painter.drawText(QPointF(100, y), line)
        y += 300
painter.end()
"""


@pytest.fixture(autouse=True)
def _needs_a_cjk_font(qapp):
    if not has_cjk_glyphs():
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")


def test_text_is_drawn_in_the_rebuilt_family(qapp):
    assert cjk_family() == TEXT_FAMILY
    raw = QRawFont.fromFont(cjk_font())
    assert raw.familyName() == TEXT_FAMILY
    men, radical_men, qi, radical_qi = raw.glyphIndexesForString("门⻔气⽓")
    assert men and qi  # the ideographs keep their glyphs
    assert radical_men == 0 and radical_qi == 0  # the radicals sharing them are gone
    # the same glyphs and metrics as the installed font
    installed = QFont(installed_cjk_family())
    installed.setPointSizeF(9.0)
    installed.setFeature(QFont.Tag("locl"), 0)
    for text in LINES[:5]:
        ours = QFontMetricsF(cjk_font(9.0)).horizontalAdvance(text)
        assert ours == pytest.approx(QFontMetricsF(installed).horizontalAdvance(text), rel=1e-6)


@pytest.mark.parametrize("lang", ["C.UTF-8", "zh_CN.UTF-8"])
def test_pdf_text_reads_back_exactly_in_any_locale(tmp_path: Path, lang: str):
    pdftotext = need_tool("pdftotext")
    pdf = tmp_path / "text.pdf"
    env = {**os.environ, "LANG": lang, "LC_ALL": lang, "QT_QPA_PLATFORM": "offscreen"}
    subprocess.run(
        [sys.executable, "-c", _DRAW, str(pdf), json.dumps(LINES)],
        check=True,
        env=env,
        capture_output=True,
        timeout=120,
    )
    text = subprocess.run(
        [pdftotext, "-enc", "UTF-8", str(pdf), "-"],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout.decode("utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines == LINES + LINES
