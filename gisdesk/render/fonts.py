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

Rebuilding takes about a tenth of a second per process; :func:`use_font_cache` (called by
the plate exporter with the cache folder of :mod:`gisdesk.io.network_cache`'s rules) keeps
each rebuilt face on disk, named by a hash of the installed face's tables and of the code
that rebuilds it. A file is written under a temporary name and renamed; one that fails
:func:`~gisdesk.render.font_tables.sfnt_intact` or that Qt refuses is removed and rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from functools import cache
from pathlib import Path
from types import CodeType
from typing import Any

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QFont, QFontDatabase, QFontMetricsF, QRawFont

from gisdesk import resources
from gisdesk.render import font_tables
from gisdesk.render.font_tables import (
    FontError,
    cmap_table,
    name_table,
    one_code_point_per_glyph,
    read_cmap,
    sfnt,
    sfnt_intact,
)

__all__ = [
    "CJK_FAMILIES",
    "TEXT_FAMILY",
    "cjk_family",
    "cjk_font",
    "has_cjk_glyphs",
    "installed_cjk_family",
    "use_font_cache",
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
KEEP_FONTS = 4
"""Rebuilt faces kept on disk (regular and bold of two fonts); older files go."""
_CACHE: list[Path] = []  # the folder rebuilt fonts are kept in, if any

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


def use_font_cache(folder: Path | None) -> None:
    """Keep rebuilt fonts in ``folder`` from now on (None: rebuild in memory each run).

    Takes effect for the first text drawn in the process (the family is registered once).
    """
    _CACHE[:] = [folder] if folder is not None else []


def _tables(raw: QRawFont) -> dict[str, bytes]:
    """Return the tables of ``raw`` copied into the rebuilt font (see :data:`_TABLES`)."""
    tables: dict[str, bytes] = {}
    for tag in _TABLES:
        data = raw.fontTable(tag)
        if not data.isEmpty():
            tables[tag] = bytes(data.data())
    if "cmap" not in tables or "name" not in tables or not {"CFF ", "glyf"} & tables.keys():
        raise FontError("the font's tables are not readable")
    return tables


@cache
def _code_hash() -> bytes:
    """Hash of the code that rebuilds fonts: a change to it makes every kept file stale."""
    digest = hashlib.sha256()
    functions = [_rebuilt, _one_code_point_cmap.__wrapped__]
    functions += [f for f in vars(font_tables).values() if callable(f) and hasattr(f, "__code__")]
    for function in functions:
        _hash_code(digest, function.__code__)
    rules = (font_tables._RADICALS, font_tables._COMPATIBILITY, sorted(font_tables._PREFERRED))
    digest.update(repr(rules).encode())  # which code point each glyph keeps
    return digest.digest()


def _hash_code(digest: Any, code: CodeType) -> None:
    # bytecode, names and constants (not marshal's bytes: they depend on reference counts,
    # so a module compiled afresh and one loaded from a .pyc gave different hashes)
    digest.update(code.co_code + repr((code.co_names, code.co_varnames)).encode())
    for const in code.co_consts:
        if isinstance(const, CodeType):
            _hash_code(digest, const)
        else:
            digest.update(repr(const).encode())


def _font_key(tables: dict[str, bytes], style: str) -> str:
    digest = hashlib.sha256(_code_hash() + style.encode())
    for tag in sorted(tables):
        digest.update(tag.encode("latin-1") + len(tables[tag]).to_bytes(8, "big"))
        digest.update(tables[tag])
    return digest.hexdigest()[:40]


def _kept(folder: Path, key: str) -> bytes | None:
    """Return the rebuilt font kept under ``key``, or None (a damaged file is removed)."""
    path = folder / f"{key}.otf"
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if sfnt_intact(data):
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept longer
        return data
    _log.warning("rebuilt font %s is damaged, rebuilding it", path)
    _drop(path)
    return None


def _drop(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _keep(folder: Path, key: str, data: bytes) -> None:
    """Store a rebuilt font atomically; a folder that cannot be written is only logged."""
    path = folder / f"{key}.otf"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".font-", suffix=".otf", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            Path(tmp).replace(path)
        except BaseException:
            _drop(Path(tmp))
            raise
        files = sorted(folder.glob("*.otf"), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError as exc:
        _log.warning("rebuilt font %s not kept: %s", path, exc)
        return
    for old in files[KEEP_FONTS:]:
        _drop(old)


def _register(raw: QRawFont, style: str) -> bool:
    """Register the face of ``raw`` rebuilt (from the cache when kept there); say if done."""
    tables = _tables(raw)
    folder = _CACHE[0] if _CACHE else None
    key = _font_key(tables, style) if folder is not None else ""
    if folder is not None:
        data = _kept(folder, key)
        if data is not None:
            if QFontDatabase.addApplicationFontFromData(QByteArray(data)) >= 0:
                return True
            _log.warning("Qt refused the kept font %s, rebuilding it", key)
            _drop(folder / f"{key}.otf")
    data = _rebuilt(tables, style)
    if QFontDatabase.addApplicationFontFromData(QByteArray(data)) < 0:
        return False
    if folder is not None:
        _keep(folder, key, data)
    return True


def _rebuilt(tables: dict[str, bytes], style: str) -> bytes:
    """Return the font of ``tables`` with a one-code-point cmap, named :data:`TEXT_FAMILY`."""
    tables = dict(tables)
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
            registered = _register(raw, style)
        except (FontError, ValueError, OverflowError) as exc:
            _log.warning("cannot rebuild the font %s %s for PDF text: %s", base, style, exc)
            return None
        if not registered:
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
