"""How likely a text is as the attribute text of a Chinese office: the score that weighs
the readings of the same bytes under different encodings (:mod:`gisdesk.io.encodings`).

A unigram model over character classes: GB2312 level-1 hanzi and Chinese punctuation are
common, level-2 hanzi rare, other ideographs and stray symbols very rare, undecodable bytes
and code points no text holds rarer still. Only differences between readings of the same
bytes mean anything.
"""

from __future__ import annotations

import functools
import math
import unicodedata

__all__ = ["text_log_likelihood"]


def _gb2312_rows(first: int, last: int) -> frozenset[str]:
    chars = set()
    for lead in range(first, last + 1):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return frozenset(chars)


# Punctuation and digits Chinese attribute text uses (full-width forms included); the
# rest of GB2312's symbol rows (full-width letters, circled numbers, Greek, Cyrillic,
# kana, box drawing) is rare there but common in mojibake.
_COMMON_PUNCT = frozenset(
    "，。、；：？！“”‘’（）《》【】〔〕「」『』—…·～％＃＆＊＋－／＜＝＞＠［］＿｛｝"
    "０１２３４５６７８９①②③④⑤⑥⑦⑧⑨⑩　×÷±°℃№"
)
# Latin-1 letters and the pinyin letters with tone marks (GB2312 row 8).
_LATIN = frozenset(chr(c) for c in range(0xC0, 0x100) if c not in (0xD7, 0xF7)) | frozenset(
    "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêńňǹɑɡ"
)


@functools.cache
def _character_classes() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """GB2312 level-1 hanzi (3,755), level-2 hanzi (3,008) and its symbol rows 1-9."""
    return _gb2312_rows(0xB0, 0xD7), _gb2312_rows(0xD8, 0xF7), _gb2312_rows(0xA1, 0xA9)


# Share of each character class in the attribute text of a Chinese office, spread evenly
# over the class: a unigram model coarse enough to need no frequency table. Level-1 hanzi
# cover over 99% of running Chinese text; mojibake is made of level-2 hanzi, GBK-only
# ideographs and stray symbols. Natural logs per character; the shares add up to 1.
_SHARES = {  # class: (share of characters, characters in the class)
    "level1": (0.4, 3755),
    "punct": (0.05, len(_COMMON_PUNCT)),
    "latin": (0.01, len(_LATIN)),
    "level2": (0.004, 3008),
    "symbol": (0.004, 700),
    "other_han": (0.0004, 28000),
    "rest": (0.001, 150_000),  # every other assigned character: Arabic, IPA, emoji...
}
_LOG = {key: math.log(share / size) for key, (share, size) in _SHARES.items()}
_LOG["ascii"] = math.log((1.0 - sum(share for share, _n in _SHARES.values())) / 128)
# Below any character: undecodable bytes (U+FFFD), and code points no text holds
# (unassigned, private use, surrogates, C1 controls), which wrong readings produce.
_LOG_IMPOSSIBLE = -25.0
_IMPOSSIBLE_CATEGORIES = {"Cn", "Co", "Cs", "Cc"}


def _char_log(ch: str) -> float:
    code = ord(ch)
    if code < 0x80:
        return _LOG["ascii"]
    level1, level2, symbols = _character_classes()
    if ch in level1:
        return _LOG["level1"]
    if ch in _COMMON_PUNCT:
        return _LOG["punct"]
    if ch in _LATIN:
        return _LOG["latin"]
    if ch in level2:
        return _LOG["level2"]
    if ch in symbols or 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFF5E:
        return _LOG["symbol"]
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF:
        return _LOG["other_han"]
    if ch == "\ufffd" or unicodedata.category(ch) in _IMPOSSIBLE_CATEGORIES:
        return _LOG_IMPOSSIBLE
    return _LOG["rest"]


def text_log_likelihood(text: str) -> float:
    """Return the natural log of how likely ``text`` is as Chinese attribute text.

    The model is a unigram over character classes (see the module notes); only differences
    between readings of the same bytes mean anything.
    """
    return sum(_char_log(ch) for ch in text)
