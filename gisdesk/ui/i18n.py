"""Interface language: Chinese by default, English on request, remembered in QSettings.

The language itself and ``tr`` are :mod:`gisdesk.core.i18n`'s (shared with the command line);
this module adds the window's part: remembering the choice in the user's settings.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QSettings, Qt, QTranslator

from gisdesk.core import i18n as _core
from gisdesk.core.i18n import language, tr

__all__ = [
    "install_qt_translations",
    "language",
    "load_language",
    "set_language",
    "settings",
    "tr",
]

_QT_CATALOGUES = ("qtbase",)
"""Qt's own catalogues gisdesk uses: standard buttons, file, colour and font dialogs."""

_QT_GAPS = {
    ("QFileDialog", "&Look in:"): "查找范围(&L)：",
    ("QFileDialog", "Files of &type:"): "文件类型(&T)：",
    ("QAbstractFileIconProvider", "Folder"): "文件夹",
    ("QAbstractFileIconProvider", "File Folder"): "文件夹",
    ("QAbstractFileIconProvider", "Drive"): "驱动器",
    ("QAbstractFileIconProvider", "Shortcut"): "快捷方式",
    ("QAbstractFileIconProvider", "Alias"): "替身",
}
"""Texts Qt 6 writes that its shipped Chinese catalogue lacks (its sources changed since)."""


class _QtGaps(QTranslator):
    """Chinese for the few Qt texts ``qtbase_zh_CN`` misses; everything else falls through."""

    def translate(  # type: ignore[override]
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        del disambiguation, n
        return _QT_GAPS.get((context, source))  # None (a null QString): ask the next one

    def isEmpty(self) -> bool:  # Qt asks before translating
        return False


_INSTALLED: list[QTranslator] = []  # kept alive: an installed translator must outlive its use


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


def install_qt_translations(lang: str | None = None) -> list[str]:
    """Load Qt's own Chinese texts (PySide6 ships them) when the interface is Chinese.

    Standard buttons (保存/不保存/取消, 确定/取消/应用), the file dialog (查看, 文件名) and the
    colour dialog then read in Chinese. Qt's own file and message dialogs are used instead of
    the platform's outside Windows: a Linux desktop's native (GTK, portal) dialog follows the
    desktop's language, not gisdesk's. Switching back to English removes what was loaded.
    Returns the catalogues loaded (empty for English or when none is found).
    """
    app = QCoreApplication.instance()
    if app is None:
        return []
    for translator in _INSTALLED:
        app.removeTranslator(translator)
    _INSTALLED.clear()
    chosen = _core.normalise_language(lang or language())
    if sys.platform != "win32":  # Windows' own dialogs speak the user's Windows language
        app.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs, True)
    if chosen != "zh":
        return []
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    loaded = []
    for catalogue in _QT_CATALOGUES:
        translator = QTranslator(app)
        if translator.load(f"{catalogue}_zh_CN", folder) and app.installTranslator(translator):
            _INSTALLED.append(translator)
            loaded.append(catalogue)
    if loaded:  # installed last, asked first
        gaps = _QtGaps(app)
        app.installTranslator(gaps)
        _INSTALLED.append(gaps)
    return loaded
