"""Interface language: Chinese by default, English on request, remembered in QSettings."""

from __future__ import annotations

from PySide6.QtCore import QSettings

__all__ = ["language", "set_language", "settings", "tr"]

_LANGUAGE = "zh"


def settings() -> QSettings:
    """Return gisdesk's settings store (per user).

    The format is the default one, so tests and screenshots that switch the default to an
    INI file in a folder of their own never read or write the user's real settings.
    """
    return QSettings(QSettings.defaultFormat(), QSettings.Scope.UserScope, "gisdesk", "gisdesk")


def language() -> str:
    """Return the interface language ("zh" or "en")."""
    return _LANGUAGE


def set_language(lang: str, *, remember: bool = True) -> None:
    """Switch the interface language (takes full effect on the next start)."""
    global _LANGUAGE  # noqa: PLW0603 - one process-wide interface language
    _LANGUAGE = "en" if lang.startswith("en") else "zh"
    if remember:
        settings().setValue("language", _LANGUAGE)


def load_language() -> str:
    """Read the remembered language (default Chinese)."""
    value = settings().value("language", "zh")
    set_language(str(value), remember=False)
    return _LANGUAGE


def tr(zh: str, en: str) -> str:
    """Return the text in the interface language."""
    return zh if _LANGUAGE == "zh" else en
