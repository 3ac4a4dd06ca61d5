"""Rebuild an OpenType font with a character map that gives every glyph one code point.

Why: Qt's PDF engine writes each embedded font's ToUnicode map (what PDF readers extract,
search and copy) by asking, for every glyph drawn, the lowest BMP code point the font's cmap
maps to it. CJK fonts map many characters to one glyph: Noto Sans CJK draws the Kangxi radical
⻔ (U+2ED4) and the ideograph 门 (U+95E8) with the same glyph, so 门 came out of the PDF as ⻔,
气 as ⽓, and en dashes as figure dashes. This module keeps, for each glyph, the one code point
text actually uses (ideographs before radicals and compatibility ideographs; a few explicit
choices among punctuation) and drops the others from the cmap, so the reverse lookup can only
find the right one. Characters dropped from the cmap are drawn from Qt's fallback font.

Plain bytes in, bytes out (no Qt, no font library): :func:`read_cmap` reads the
Unicode subtables (formats 4 and 12, plus the variation sequences of format 14),
:func:`one_code_point_per_glyph` chooses, :func:`cmap_table` writes formats 4, 12 and 14,
:func:`name_table` renames the font (a new family, so it never mixes with the installed one)
and :func:`sfnt` assembles the tables into a font file with correct checksums, which
:func:`sfnt_intact` verifies (a rebuilt font kept on disk is checked before it is used).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

import numpy as np

__all__ = [
    "FontError",
    "cmap_table",
    "name_table",
    "one_code_point_per_glyph",
    "read_cmap",
    "sfnt",
    "sfnt_intact",
]

_RADICALS = ((0x2E80, 0x2EFF), (0x2F00, 0x2FDF))  # CJK radicals supplement, Kangxi radicals
_COMPATIBILITY = ((0xF900, 0xFAFF), (0x2F800, 0x2FA1F))  # CJK compatibility ideographs
_PREFERRED = frozenset(
    {
        0x2013,  # en dash (not U+2012 figure dash): ranges 1,830–2,807
        0x3000,  # ideographic space (not U+2003 em space)
        0x3008,  # 〈 (not the deprecated U+2329)
        0x3009,  # 〉 (not U+232A)
        0xFF0F,  # ／ fullwidth solidus (not U+2215 division slash)
        0xFF40,  # ｀ fullwidth grave accent (not U+2035 reversed prime)
        0xFF5E,  # ～ fullwidth tilde, as Chinese text writes it (not U+301C wave dash)
    }
)


class FontError(ValueError):
    """The font's tables cannot be read or rebuilt."""


def _rank(cp: int) -> tuple[int, int]:
    if any(lo <= cp <= hi for lo, hi in _RADICALS):
        return (3, cp)
    if any(lo <= cp <= hi for lo, hi in _COMPATIBILITY):
        return (2, cp)
    if cp in _PREFERRED:
        return (0, cp)
    return (1, cp)


def one_code_point_per_glyph(mapping: Mapping[int, int]) -> dict[int, int]:
    """Return the code point -> glyph map keeping one code point per glyph (see module doc)."""
    best: dict[int, int] = {}
    for cp, glyph in mapping.items():
        if glyph == 0:
            continue
        held = best.get(glyph)
        if held is None or _rank(cp) < _rank(held):
            best[glyph] = cp
    return dict(sorted((cp, glyph) for glyph, cp in best.items()))


# --- reading ---------------------------------------------------------------------------------


def _u16(data: bytes, at: int) -> int:
    return int(struct.unpack_from(">H", data, at)[0])


def _u32(data: bytes, at: int) -> int:
    return int(struct.unpack_from(">I", data, at)[0])


def _format4(data: bytes, at: int) -> dict[int, int]:
    seg2 = _u16(data, at + 6)
    ends = at + 14
    starts = ends + seg2 + 2
    deltas = starts + seg2
    ranges = deltas + seg2
    out: dict[int, int] = {}
    for s in range(seg2 // 2):
        end = _u16(data, ends + 2 * s)
        start = _u16(data, starts + 2 * s)
        delta = _u16(data, deltas + 2 * s)
        offset = _u16(data, ranges + 2 * s)
        for cp in range(start, end + 1):
            if cp == 0xFFFF:
                continue
            if offset == 0:
                glyph = (cp + delta) & 0xFFFF
            else:
                where = ranges + 2 * s + offset + 2 * (cp - start)
                glyph = _u16(data, where)
                if glyph:
                    glyph = (glyph + delta) & 0xFFFF
            if glyph:
                out[cp] = glyph
    return out


def _format12(data: bytes, at: int) -> dict[int, int]:
    groups = _u32(data, at + 12)
    out: dict[int, int] = {}
    for g in range(groups):
        start, end, glyph = struct.unpack_from(">III", data, at + 16 + 12 * g)
        for k in range(end - start + 1):
            out[start + k] = glyph + k
    return out


def read_cmap(data: bytes) -> tuple[dict[int, int], bytes | None]:
    """Return a cmap table's Unicode map (code point -> glyph) and its raw format-14 subtable.

    The full-repertoire subtable (format 12) is preferred; a BMP one (format 4) otherwise.

    Raises
    ------
    FontError
        When the table has no Unicode subtable this module reads.
    """
    try:
        count = _u16(data, 2)
        best: tuple[int, int] | None = None  # (preference, offset)
        variations: bytes | None = None
        for k in range(count):
            platform, encoding, offset = struct.unpack_from(">HHI", data, 4 + 8 * k)
            fmt = _u16(data, offset)
            if fmt == 14 and platform == 0 and encoding == 5:
                variations = data[offset : offset + _u32(data, offset + 2)]
                continue
            unicode = platform == 0 or (platform == 3 and encoding in (1, 10))
            if not unicode or fmt not in (4, 12):
                continue
            pref = 0 if fmt == 12 else 1
            if best is None or pref < best[0]:
                best = (pref, offset)
        if best is None:
            raise FontError("no Unicode cmap subtable of format 4 or 12")
        offset = best[1]
        mapping = _format12(data, offset) if _u16(data, offset) == 12 else _format4(data, offset)
    except struct.error as exc:
        raise FontError(f"damaged cmap table: {exc}") from None
    return mapping, variations


# --- writing ---------------------------------------------------------------------------------


def _format4_segments(mapping: Mapping[int, int]) -> list[tuple[int, list[int], bool]]:
    """Return (first code point, glyphs, by delta) segments of the BMP part of a map."""
    runs: list[tuple[int, list[int]]] = []  # consecutive code points
    for cp, g in sorted(mapping.items()):
        if cp >= 0xFFFF:
            break
        if runs and runs[-1][0] + len(runs[-1][1]) == cp:
            runs[-1][1].append(g)
        else:
            runs.append((cp, [g]))
    segments: list[tuple[int, list[int], bool]] = []
    for start, glyphs in runs:
        pending: tuple[int, list[int]] | None = None  # short pieces gathered into an array
        i = 0
        while i < len(glyphs):
            j = i + 1
            while j < len(glyphs) and glyphs[j] == glyphs[j - 1] + 1:
                j += 1
            if j - i >= 4:  # consecutive glyphs: one segment with a delta
                if pending is not None:
                    segments.append((pending[0], pending[1], False))
                    pending = None
                segments.append((start + i, glyphs[i:j], True))
            elif pending is None:
                pending = (start + i, glyphs[i:j])
            else:
                pending[1].extend(glyphs[i:j])
            i = j
        if pending is not None:
            segments.append((pending[0], pending[1], False))
    return segments


def _format4_table(mapping: Mapping[int, int]) -> bytes | None:
    """Return a format-4 subtable of the BMP part, or None when it would exceed 64 KiB."""
    segments = _format4_segments(mapping)
    n = len(segments) + 1  # and the closing 0xFFFF segment
    ends, starts, deltas, offsets = [], [], [], []
    array: list[int] = []
    for s, (start, glyphs, by_delta) in enumerate(segments):
        starts.append(start)
        ends.append(start + len(glyphs) - 1)
        if by_delta:
            deltas.append((glyphs[0] - start) & 0xFFFF)
            offsets.append(0)
        else:
            deltas.append(0)
            # bytes from this segment's idRangeOffset entry to its first glyph in the array
            offsets.append(2 * (n - s) + 2 * len(array))
            array.extend(glyphs)
    starts.append(0xFFFF)
    ends.append(0xFFFF)
    deltas.append(1)
    offsets.append(0)
    length = 16 + 8 * n + 2 * len(array)
    if length > 0xFFFF:
        return None
    search = 2 ** (n.bit_length() - 1)
    head = struct.pack(
        ">HHHHHHH", 4, length, 0, 2 * n, 2 * search, search.bit_length() - 1, 2 * n - 2 * search
    )
    body = struct.pack(f">{n}H", *ends) + b"\0\0" + struct.pack(f">{n}H", *starts)
    body += struct.pack(f">{n}H", *deltas) + struct.pack(f">{n}H", *offsets)
    body += struct.pack(f">{len(array)}H", *array)
    return head + body


def _format12_table(mapping: Mapping[int, int]) -> bytes:
    groups: list[list[int]] = []
    for cp, g in sorted(mapping.items()):
        last = groups[-1] if groups else None
        if last is not None and last[1] == cp - 1 and last[2] + (cp - last[0]) == g:
            last[1] = cp
        else:
            groups.append([cp, cp, g])
    body = b"".join(struct.pack(">III", *grp) for grp in groups)
    return struct.pack(">HHIII", 12, 0, 16 + len(body), 0, len(groups)) + body


def cmap_table(mapping: Mapping[int, int], variations: bytes | None = None) -> bytes:
    """Return a cmap table for a code point -> glyph map (formats 4 and 12, and 14 if given)."""
    full = _format12_table(mapping)
    bmp = _format4_table(mapping)
    subtables: list[bytes] = [full]
    records: list[tuple[int, int, int]] = [(0, 4, 0), (3, 10, 0)]  # platform, encoding, index
    if bmp is not None:
        subtables.append(bmp)
        records += [(0, 3, len(subtables) - 1), (3, 1, len(subtables) - 1)]
    if variations is not None:
        subtables.append(variations)
        records.append((0, 5, len(subtables) - 1))
    records.sort()
    offset = 4 + 8 * len(records)
    starts = []
    for sub in subtables:
        starts.append(offset)
        offset += len(sub) + (-len(sub)) % 4
    out = struct.pack(">HH", 0, len(records))
    out += b"".join(struct.pack(">HHI", p, e, starts[i]) for p, e, i in records)
    return out + b"".join(sub + b"\0" * ((-len(sub)) % 4) for sub in subtables)


_RENAMED = (1, 2, 3, 4, 6, 16, 17, 18, 21, 22)


def name_table(original: bytes, names: Mapping[int, str]) -> bytes:
    """Return a name table with ``names`` (name id -> text) and the original's other records.

    Only the Windows Unicode records are written (they are what Qt, FreeType and Windows
    read); the original's copyright, licence and vendor records are kept.
    """
    kept: list[tuple[int, int, int, int, bytes]] = []  # platform, encoding, lang, id, text
    try:
        count, strings = _u16(original, 2), _u16(original, 4)
        for k in range(count):
            platform, encoding, lang, name_id, length, offset = struct.unpack_from(
                ">HHHHHH", original, 6 + 12 * k
            )
            if platform != 3 or encoding not in (0, 1, 10) or name_id in _RENAMED:
                continue
            raw = original[strings + offset : strings + offset + length]
            kept.append((platform, encoding, lang, name_id, raw))
    except struct.error as exc:
        raise FontError(f"damaged name table: {exc}") from None
    kept.extend((3, 1, 0x409, name_id, text.encode("utf-16-be")) for name_id, text in names.items())
    kept.sort(key=lambda r: r[:4])
    header = struct.pack(">HHH", 0, len(kept), 6 + 12 * len(kept))
    records = b""
    pool = b""
    for platform, encoding, lang, name_id, raw in kept:
        records += struct.pack(">HHHHHH", platform, encoding, lang, name_id, len(raw), len(pool))
        pool += raw
    return header + records + pool


def _checksum(data: bytes) -> int:
    padded = data + b"\0" * ((-len(data)) % 4)
    return int(np.frombuffer(padded, dtype=">u4").sum(dtype=np.uint64)) & 0xFFFFFFFF


def sfnt(tables: Mapping[str, bytes]) -> bytes:
    """Return a font file holding the tables (OpenType with 'CFF ', TrueType otherwise)."""
    if "head" not in tables or len(tables["head"]) < 54:
        raise FontError("no head table")
    items = sorted((tag.encode("latin-1"), bytes(data)) for tag, data in tables.items())
    # checkSumAdjustment starts at zero while the sums are taken
    items = [(t, d[:8] + b"\0\0\0\0" + d[12:] if t == b"head" else d) for t, d in items]
    n = len(items)
    search = 2 ** (n.bit_length() - 1)
    version = b"OTTO" if any(t == b"CFF " for t, _ in items) else b"\x00\x01\x00\x00"
    header = version + struct.pack(
        ">HHHH", n, 16 * search, search.bit_length() - 1, 16 * n - 16 * search
    )
    offset = 12 + 16 * n
    directory = b""
    head_at = 0
    total = 0  # the font's checksum: header, directory and every (padded) table
    for tag, data in items:
        summed = _checksum(data)
        total += summed
        directory += tag + struct.pack(">III", summed, offset, len(data))
        if tag == b"head":
            head_at = offset
        offset += len(data) + (-len(data)) % 4
    font = bytearray(header + directory)
    total += _checksum(bytes(font))
    for _tag, data in items:
        font += data
        font += b"\0" * ((-len(data)) % 4)
    struct.pack_into(">I", font, head_at + 8, (0xB1B0AFBA - total) & 0xFFFFFFFF)
    return bytes(font)


def sfnt_intact(data: bytes) -> bool:
    """Return whether ``data`` is a whole font file as :func:`sfnt` writes it.

    Its table directory must point inside the file and the file's checksum must be the
    OpenType magic 0xB1B0AFBA (which the head table's checkSumAdjustment makes it): a
    truncated, padded or altered file fails.
    """
    if len(data) < 12 or len(data) % 4 or data[:4] not in (b"OTTO", b"\x00\x01\x00\x00"):
        return False
    n = _u16(data, 4)
    if 12 + 16 * n > len(data):
        return False
    end = 12 + 16 * n
    for i in range(n):
        offset, length = struct.unpack_from(">II", data, 12 + 16 * i + 8)
        if offset < 12 + 16 * n or offset + length > len(data):
            return False
        end = max(end, offset + length + (-length) % 4)
    return end == len(data) and _checksum(data) == 0xB1B0AFBA
