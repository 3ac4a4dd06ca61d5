"""The font rebuild behind a correct PDF text layer: one code point per glyph, cmap, name and
sfnt tables written so that they read back (checked byte by byte, no font library)."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from gisdesk.render.font_tables import (
    FontError,
    cmap_table,
    name_table,
    one_code_point_per_glyph,
    read_cmap,
    sfnt,
)

MEN, MEN_RADICAL = 0x95E8, 0x2ED4  # 门 and ⻔, one glyph in Noto Sans CJK
QI, QI_RADICAL = 0x6C14, 0x2F53  # 气 and ⽓
BU, BU_COMPAT = 0x4E0D, 0xF967  # 不 and its compatibility ideograph


def test_ideographs_win_over_radicals_and_compatibility_forms():
    mapping = {
        MEN_RADICAL: 7,
        MEN: 7,
        QI_RADICAL: 8,
        QI: 8,
        BU: 9,
        BU_COMPAT: 9,
        0x2012: 10,  # figure dash and en dash share a glyph: the en dash stays
        0x2013: 10,
        0x41: 11,  # A alone keeps its glyph
        0x20: 3,  # space and no-break space: the space stays
        0xA0: 3,
        0x1F600: 0,  # unmapped
    }
    unique = one_code_point_per_glyph(mapping)
    assert unique == {0x20: 3, 0x41: 11, 0x2013: 10, BU: 9, QI: 8, MEN: 7}
    assert sorted(unique.values()) == sorted(set(unique.values()))


def _mapping() -> dict[int, int]:
    rng = np.random.default_rng(7)
    mapping = {cp: 3 + cp - 0x20 for cp in range(0x20, 0x7F)}  # a run with consecutive glyphs
    for cp in range(0x4E00, 0x4E00 + 3000):  # a run with scattered glyphs
        mapping[cp] = int(rng.integers(200, 60000))
    mapping |= {0x3000: 150, 0x3001: 151, 0x3002: 170, 0xFF01: 171}  # short pieces
    mapping |= {0x20000 + k: 61000 + k for k in range(300)}  # beyond the BMP
    return mapping


def test_cmap_reads_back_in_both_formats():
    mapping = _mapping()
    table = cmap_table(mapping)
    assert read_cmap(table) == (mapping, None)  # format 12: everything
    count = struct.unpack_from(">H", table, 2)[0]
    records = [struct.unpack_from(">HHI", table, 4 + 8 * k) for k in range(count)]
    assert {(p, e) for p, e, _ in records} == {(0, 3), (0, 4), (3, 1), (3, 10)}
    bmp_offset = next(o for p, e, o in records if (p, e) == (3, 1))
    assert struct.unpack_from(">H", table, bmp_offset)[0] == 4
    bmp = {cp: g for cp, g in mapping.items() if cp < 0x10000}
    # a table with the format-4 subtable alone reads back the BMP part
    sub = table[bmp_offset : bmp_offset + struct.unpack_from(">H", table, bmp_offset + 2)[0]]
    only4 = struct.pack(">HHHHI", 0, 1, 3, 1, 12) + sub
    assert read_cmap(only4) == (bmp, None)


def test_variation_sequences_are_kept():
    uvs = struct.pack(">HII", 14, 10, 0)
    mapping, variations = read_cmap(cmap_table({0x41: 5}, uvs))
    assert mapping == {0x41: 5} and variations == uvs


def test_a_cmap_without_unicode_is_refused():
    mac_only = struct.pack(">HHHHI", 0, 1, 1, 0, 12) + struct.pack(">HHH", 0, 262, 0) + bytes(256)
    with pytest.raises(FontError):
        read_cmap(mac_only)


def _names(table: bytes) -> dict[tuple[int, int], bytes]:
    count, strings = struct.unpack_from(">HH", table, 2)
    out = {}
    for k in range(count):
        platform, _enc, _lang, name_id, length, offset = struct.unpack_from(
            ">HHHHHH", table, 6 + 12 * k
        )
        out[(platform, name_id)] = table[strings + offset : strings + offset + length]
    return out


def test_name_table_renames_and_keeps_the_licence():
    records = [
        (1, 0, 0, 1, "Noto Sans CJK SC".encode("mac-roman")),
        (3, 1, 0x409, 0, "© Adobe".encode("utf-16-be")),
        (3, 1, 0x409, 1, "Noto Sans CJK SC".encode("utf-16-be")),
        (3, 1, 0x409, 13, "SIL Open Font License".encode("utf-16-be")),
    ]
    header = struct.pack(">HHH", 0, len(records), 6 + 12 * len(records))
    pool = b""
    body = b""
    for p, e, lang, nid, text in records:
        body += struct.pack(">HHHHHH", p, e, lang, nid, len(text), len(pool))
        pool += text
    renamed = _names(name_table(header + body + pool, {1: "gisdesk CJK", 2: "Bold"}))
    assert renamed[(3, 1)].decode("utf-16-be") == "gisdesk CJK"
    assert renamed[(3, 2)].decode("utf-16-be") == "Bold"
    assert renamed[(3, 0)].decode("utf-16-be") == "© Adobe"
    assert renamed[(3, 13)].decode("utf-16-be") == "SIL Open Font License"
    assert (1, 1) not in renamed  # no stale Macintosh family name


def test_sfnt_directory_offsets_and_checksums():
    head = bytearray(54)
    head[8:12] = b"\xff\xff\xff\xff"  # a stale adjustment is replaced
    tables = {"head": bytes(head), "cmap": cmap_table({0x41: 1}), "CFF ": b"\x01\x02\x03"}
    font = sfnt(tables)
    assert font[:4] == b"OTTO"
    n = struct.unpack_from(">H", font, 4)[0]
    assert n == 3
    padded = font + b"\0" * ((-len(font)) % 4)
    assert int(np.frombuffer(padded, dtype=">u4").sum(dtype=np.uint64)) & 0xFFFFFFFF == 0xB1B0AFBA
    for k in range(n):
        tag, _sum, offset, length = struct.unpack_from(">4sIII", font, 12 + 16 * k)
        data = font[offset : offset + length]
        if tag == b"head":
            assert data[:8] == bytes(8) and data[12:] == bytes(42)
        else:
            assert data == tables[tag.decode("latin-1")]
        assert offset % 4 == 0
    assert sfnt({"head": bytes(54), "glyf": b"", "loca": b""})[:4] == b"\x00\x01\x00\x00"
    with pytest.raises(FontError):
        sfnt({"cmap": b""})
