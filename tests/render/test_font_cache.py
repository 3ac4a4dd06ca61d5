"""The rebuilt CJK font kept on disk: written once, used by the next process (same PDF text),
a damaged file dropped and rebuilt, the check that tells a damaged file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gisdesk.render.font_tables import cmap_table, sfnt, sfnt_intact
from gisdesk.render.fonts import has_cjk_glyphs
from tests.export.conftest import need_tool

from .test_pdf_text import LINES

_DRAW_CACHED = """
import json, sys
from pathlib import Path
from PySide6.QtCore import QPointF
from PySide6.QtGui import QGuiApplication, QPainter, QPdfWriter
app = QGuiApplication([])
from gisdesk.render.fonts import cjk_font, use_font_cache
use_font_cache(Path(sys.argv[3]))
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


def test_sfnt_intact_tells_whole_files_from_damaged_ones():
    head = bytearray(54)
    font = sfnt({"head": bytes(head), "cmap": cmap_table({0x41: 1}), "CFF ": b"\x01\x02\x03"})
    assert sfnt_intact(font)
    assert not sfnt_intact(font[:-4])  # truncated
    assert not sfnt_intact(font + b"\0\0\0\0")  # trailing bytes
    flipped = bytearray(font)
    flipped[-8] ^= 0x40  # one bit in a table
    assert not sfnt_intact(bytes(flipped))
    assert not sfnt_intact(b"")
    assert not sfnt_intact(b"<html>not a font</html>")


def _draw(pdf: Path, cache: Path) -> str:
    subprocess.run(
        [sys.executable, "-c", _DRAW_CACHED, str(pdf), json.dumps(LINES), str(cache)],
        check=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        timeout=120,
    )
    return subprocess.run(
        [need_tool("pdftotext"), "-enc", "UTF-8", str(pdf), "-"],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout.decode("utf-8")


def _kept(cache: Path) -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in cache.glob("*.otf")}


def test_the_rebuilt_font_is_kept_reused_and_rebuilt_when_damaged(qapp, tmp_path):
    if not has_cjk_glyphs():
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    cache = tmp_path / "fonts"
    first = _draw(tmp_path / "first.pdf", cache)
    kept = _kept(cache)
    assert 1 <= len(kept) <= 2  # the regular face, and the bold one where installed
    assert all(sfnt_intact(p.read_bytes()) for p in cache.glob("*.otf"))
    assert not list(cache.glob(".font-*"))  # no temporary file left behind

    # the next process uses the files as they are (not rewritten) and the text is the same
    second = _draw(tmp_path / "second.pdf", cache)
    assert _kept(cache) == kept
    lines = [line for line in second.splitlines() if line.strip()]
    assert lines == LINES + LINES
    assert second == first

    # a damaged file is dropped and rebuilt; the PDF text is still exact
    name = sorted(kept)[0]
    path = cache / name
    whole = path.stat().st_size
    path.write_bytes(path.read_bytes()[: whole // 2])
    third = _draw(tmp_path / "third.pdf", cache)
    assert set(_kept(cache)) == set(kept)
    assert path.stat().st_size == whole and sfnt_intact(path.read_bytes())  # written again
    assert third == first
