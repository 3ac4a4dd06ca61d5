"""The one translation mechanism of gisdesk: Chinese and English text side by side.

Every message is written in both languages where it is used, ``tr("图层", "Layer")``; this
module picks one. The window (:mod:`gisdesk.ui.i18n`, which also remembers the choice in the
user's settings) and the command line (``gisdesk --lang en``, ``GISDESK_LANG``) set the
process-wide language with :func:`set_language`; code that is handed a language explicitly
(a command's ``lang``) passes it as ``tr``'s third argument. Qt-free.
"""

from __future__ import annotations

__all__ = ["LANGUAGES", "language", "normalise_language", "set_language", "tr"]

LANGUAGES = ("zh", "en")
"""The interface languages: Chinese (the default) and English."""

_LANGUAGE = "zh"


def normalise_language(lang: str | None) -> str:
    """Return ``"en"`` for any spelling of English (``en``, ``en_US``, ``EN``), else ``"zh"``."""
    return "en" if lang and lang.strip().lower().startswith("en") else "zh"


def language() -> str:
    """Return the process-wide language (``"zh"`` or ``"en"``)."""
    return _LANGUAGE


def set_language(lang: str | None) -> str:
    """Set the process-wide language; return it as normalised."""
    global _LANGUAGE  # noqa: PLW0603 - one process-wide interface language
    _LANGUAGE = normalise_language(lang)
    return _LANGUAGE


def tr(zh: str, en: str, lang: str | None = None) -> str:
    """Return the text in ``lang`` if given, else in the process-wide language."""
    return en if normalise_language(lang or _LANGUAGE) == "en" else zh
