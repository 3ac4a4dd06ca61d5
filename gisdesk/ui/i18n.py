"""Interface language: Chinese by default, English on request, remembered in QSettings.

The language itself and ``tr`` are :mod:`gisdesk.core.i18n`'s (shared with the command line);
this module adds the window's part: remembering the choice in the user's settings.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

from gisdesk.core import i18n as _core
from gisdesk.core.i18n import language, tr

__all__ = ["language", "load_language", "set_language", "settings", "tr"]


def settings() -> QSettings:
    """Return gisdesk's settings store (per user).

    The format is the default one, so tests and screenshots that switch the default to an
    INI file in a folder of their own never read or write the user's real settings.
    """
    return QSettings(QSettings.defaultFormat(), QSettings.Scope.UserScope, "gisdesk", "gisdesk")


def set_language(lang: str, *, remember: bool = True) -> None:
    """Switch the interface language (takes full effect on the next start)."""
    chosen = _core.set_language(lang)
    if remember:
        settings().setValue("language", chosen)


def load_language() -> str:
    """Read the remembered language (default Chinese)."""
    value = settings().value("language", "zh")
    set_language(str(value), remember=False)
    return language()
