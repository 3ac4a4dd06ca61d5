"""Make up plausible Chinese names for schematic features from fixed character lists."""

from __future__ import annotations

import numpy as np

__all__ = [
    "company_names",
    "person_names",
    "syllable_pairs",
    "village_names",
]

# Characters common in village and place names of the Yangtze delta.
_PLACE_CHARS = (
    "东西南北中新兴和平安乐富民永丰庆福长江港河青龙凤金石桥沙洪德仁义明光华盛隆昌泰通利"
    "星红林园盈万顺宏协合旺裕鸿瑞兆汇湾"
)
_TOWN_PREFIXES = frozenset(
    ("海门", "滨江", "三厂", "临江", "海永", "常乐", "悦来", "四甲", "余东", "正余", "包场", "三星")
)
_SURNAMES = "张王李陆施黄顾沈朱陈周徐杨茅袁曹倪龚季秦郁蔡范严"
_GIVEN = "建国华明军伟峰勇俊红兰英芳平强新林春海东志敏丽燕杰斌"
_INDUSTRIES = (
    "家纺",
    "纺织",
    "机械",
    "电子",
    "建材",
    "服装",
    "五金",
    "塑业",
    "包装",
    "精密制造",
    "新材料",
    "船舶配件",
    "化工",
    "木业",
)


def syllable_pairs(count: int, *, rng: np.random.Generator) -> list[str]:
    """Return `count` distinct two-character place-like names, none a town's name."""
    chars = list(_PLACE_CHARS)
    pairs = [a + b for a in chars for b in chars if a != b and a + b not in _TOWN_PREFIXES]
    if count > len(pairs):
        raise ValueError(f"only {len(pairs)} distinct names available, {count} asked")
    picked = rng.choice(len(pairs), size=count, replace=False)
    return [pairs[int(i)] for i in picked]


def village_names(count: int, *, rng: np.random.Generator) -> list[str]:
    """Return `count` distinct village name stems (without 村/社区)."""
    return syllable_pairs(count, rng=rng)


def person_names(count: int, *, rng: np.random.Generator) -> list[str]:
    """Return `count` made-up personal names (surname plus one or two characters)."""
    surnames = rng.integers(0, len(_SURNAMES), count)
    first = rng.integers(0, len(_GIVEN), count)
    second = rng.integers(0, len(_GIVEN), count)
    two = rng.random(count) < 0.6
    return [
        _SURNAMES[s] + _GIVEN[f] + (_GIVEN[g] if t and g != f else "")
        for s, f, g, t in zip(surnames, first, second, two, strict=True)
    ]


def company_names(count: int, *, rng: np.random.Generator) -> list[str]:
    """Return `count` distinct made-up company names such as 海门市鸿泰家纺有限公司."""
    stems = syllable_pairs(count, rng=rng)
    industries = rng.integers(0, len(_INDUSTRIES), count)
    return [
        f"海门市{stem}{_INDUSTRIES[int(i)]}有限公司"
        for stem, i in zip(stems, industries, strict=True)
    ]


def industry_words(count: int, *, rng: np.random.Generator) -> list[str]:
    """Return `count` industry words such as 家纺 or 机械."""
    return [_INDUSTRIES[int(i)] for i in rng.integers(0, len(_INDUSTRIES), count)]
