"""The CJK font every label, legend and plate uses, so Chinese renders as characters.

gisdesk prefers Noto Sans CJK SC (Debian ``fonts-noto-cjk``; bundled with the installer) and
falls back to other common Chinese fonts a Windows or Linux office desktop has.

The chosen font is registered again under the family :data:`TEXT_FAMILY`, rebuilt in memory
with a character map that gives each glyph one code point (:mod:`gisdesk.render.font_tables`),
and with its language-specific forms (OpenType ``locl``) turned off. Qt's PDF engine derives
the text layer (ToUnicode) from the cmap, so with the installed font a PDF said ⻔ for 门, ⽓
for 气, and lost the digits of CGCS2000 (``locl`` swaps Latin-run digits for glyphs no code
point maps to, depending on the process locale). The glyphs and metrics are the font's own.
If the font cannot be rebuilt, the installed family is used as it is.
"""

from __future__ import annotations

import logging
from functools import cache

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QFont, QFontDatabase, QFontMetricsF, QRawFont

from gisdesk import resources
from gisdesk.render.font_tables import (
    FontError,
    cmap_table,
    name_table,
    one_code_point_per_glyph,
    read_cmap,
    sfnt,
)

__all__ = [
    "CJK_FAMILIES",
    "TEXT_FAMILY",
    "cjk_family",
    "cjk_font",
    "has_cjk_glyphs",
    "installed_cjk_family",
]

_log = logging.getLogger("gisdesk.fonts")

TEXT_FAMILY = "gisdesk CJK"
"""The family the installed CJK font is registered under with its one-code-point cmap."""
# Tables copied into the rebuilt font (DSIG is left out: a changed font has no valid signature).
_TABLES = (
    "BASE", "CFF ", "CFF2", "COLR", "CPAL", "GDEF", "GPOS", "GSUB", "HVAR", "JSTF", "LTSH",
    "MATH", "MVAR", "OS/2", "PCLT", "STAT", "VDMX", "VORG", "VVAR", "avar", "cmap", "cvar",
    "cvt ", "fpgm", "fvar", "gasp", "glyf", "gvar", "hdmx", "head", "hhea", "hmtx", "kern",
    "loca", "maxp", "meta", "name", "post", "prep", "vhea", "vmtx",
)  # fmt: skip
_NO_LOCL = QFont.Tag("locl")

CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Microsoft YaHei",
    "SimHei",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "PingFang SC",
)


@cache
def _register_bundled_fonts() -> tuple[str, ...]:
    # The installer bundle carries its CJK font instead of relying on the desktop having one.
    families: list[str] = []
    for path in resources.bundled_font_files():
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id >= 0:
            families.extend(QFontDatabase.applicationFontFamilies(font_id))
    return tuple(families)


@cache
def installed_cjk_family() -> str:
    """Return the first installed CJK font family (or Qt's default family if none is)."""
    _register_bundled_fonts()
    installed = set(QFontDatabase.families())
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    return QFont().family()


@cache
def _one_code_point_cmap(cmap: bytes) -> bytes:
    # the faces of a family share their cmap: it is rebuilt once
    mapping, variations = read_cmap(cmap)
    return cmap_table(one_code_point_per_glyph(mapping), variations)


def _rebuilt(raw: QRawFont, style: str) -> bytes:
    """Return the font of ``raw`` with a one-code-point cmap, named :data:`TEXT_FAMILY`."""
    tables: dict[str, bytes] = {}
    for tag in _TABLES:
        data = raw.fontTable(tag)
        if not data.isEmpty():
            tables[tag] = bytes(data.data())
    if "cmap" not in tables or "name" not in tables or not {"CFF ", "glyf"} & tables.keys():
        raise FontError("the font's tables are not readable")
    tables["cmap"] = _one_code_point_cmap(tables["cmap"])
    postscript = "gisdeskCJK-" + style
    tables["name"] = name_table(
        tables["name"],
        {1: TEXT_FAMILY, 2: style, 3: postscript, 4: f"{TEXT_FAMILY} {style}", 6: postscript},
    )
    return sfnt(tables)


@cache
def _text_family(base: str) -> str | None:
    """Register ``base`` rebuilt as :data:`TEXT_FAMILY`; return that family, or None."""
    if base == TEXT_FAMILY:
        return base
    done = []
    for style, weight in (("Regular", QFont.Weight.Normal), ("Bold", QFont.Weight.Bold)):
        font = QFont(base)
        font.setWeight(weight)
        raw = QRawFont.fromFont(font)
        if not raw.isValid() or (raw.familyName() != base and style == "Regular"):
            return None
        if style == "Bold" and raw.weight() < QFont.Weight.DemiBold:
            break  # no bold face installed: Qt emboldens the regular one, as it did before
        try:
            data = _rebuilt(raw, style)
        except (FontError, ValueError, OverflowError) as exc:
            _log.warning("cannot rebuild the font %s %s for PDF text: %s", base, style, exc)
            return None
        if QFontDatabase.addApplicationFontFromData(QByteArray(data)) < 0:
            _log.warning("Qt refused the rebuilt font %s %s", base, style)
            return None
        done.append(style)
    return TEXT_FAMILY if done and TEXT_FAMILY in QFontDatabase.families() else None


@cache
def cjk_family() -> str:
    """Return the family gisdesk draws text in: the installed CJK font rebuilt (module doc)."""
    base = installed_cjk_family()
    return _text_family(base) or base


def cjk_font(point_size: float = 9.0, *, bold: bool = False) -> QFont:
    """Return the CJK font at a size in points (language-specific forms off, see module doc)."""
    font = QFont(cjk_family())
    font.setPointSizeF(point_size)
    font.setBold(bold)
    font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    font.setFeature(_NO_LOCL, 0)
    return font


def has_cjk_glyphs(text: str = "海门区事故多发路段") -> bool:
    """Return whether the chosen font draws every character of ``text`` itself."""
    metrics = QFontMetricsF(cjk_font())
    return all(metrics.inFontUcs4(ord(ch)) for ch in text)
