"""The CJK font every label, legend and plate uses, so Chinese renders as characters.

gisdesk prefers Noto Sans CJK SC (Debian ``fonts-noto-cjk``; bundled with the installer) and
falls back to other common Chinese fonts a Windows or Linux office desktop has.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QFont, QFontDatabase, QFontMetricsF

from gisdesk import resources

__all__ = ["CJK_FAMILIES", "cjk_family", "cjk_font", "has_cjk_glyphs"]

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
def cjk_family() -> str:
    """Return the first installed CJK font family (or Qt's default family if none is)."""
    _register_bundled_fonts()
    installed = set(QFontDatabase.families())
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    return QFont().family()


def cjk_font(point_size: float = 9.0, *, bold: bool = False) -> QFont:
    """Return the CJK font at a size in points."""
    font = QFont(cjk_family())
    font.setPointSizeF(point_size)
    font.setBold(bold)
    font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    return font


def has_cjk_glyphs(text: str = "海门区事故多发路段") -> bool:
    """Return whether the chosen font draws every character of ``text`` itself."""
    metrics = QFontMetricsF(cjk_font())
    return all(metrics.inFontUcs4(ord(ch)) for ch in text)
