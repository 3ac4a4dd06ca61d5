"""One translation mechanism: the window and the command line pick text the same way."""

from __future__ import annotations

import pytest

from gisdesk.core import i18n


@pytest.fixture(autouse=True)
def _restore_language():
    before = i18n.language()
    yield
    i18n.set_language(before)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("en", "en"), ("EN", "en"), ("en_US", "en"), (" en ", "en"), ("zh", "zh"),
     ("zh_CN", "zh"), ("", "zh"), (None, "zh"), ("fr", "zh")],
)  # fmt: skip
def test_languages_normalise_to_chinese_or_english(given, expected):
    assert i18n.normalise_language(given) == expected
    assert i18n.set_language(given) == expected
    assert i18n.language() == expected


def test_tr_follows_the_process_language():
    i18n.set_language("zh")
    assert i18n.tr("图层", "Layer") == "图层"
    i18n.set_language("en")
    assert i18n.tr("图层", "Layer") == "Layer"


def test_an_explicit_language_wins():
    i18n.set_language("zh")
    assert i18n.tr("图层", "Layer", "en") == "Layer"
    i18n.set_language("en")
    assert i18n.tr("图层", "Layer", "zh") == "图层"
    assert i18n.tr("图层", "Layer", None) == "Layer"


def test_the_window_uses_the_same_language():
    from gisdesk.ui import i18n as ui_i18n

    ui_i18n.set_language("en", remember=False)
    assert i18n.language() == "en" and ui_i18n.tr("是", "yes") == "yes"
    i18n.set_language("zh")
    assert ui_i18n.language() == "zh" and ui_i18n.tr("是", "yes") == "是"
