"""Show data as text in Qt widgets, never as markup.

QLabel, QMessageBox and tooltips guess whether a string is rich text
(``Qt::mightBeRichText``): a layer called ``<b>x</b>`` would come out bold, an attribute
value ``<img src=...>`` would load a picture, and ``&lt;`` would turn into ``<``. Menus eat
``&`` as a shortcut mark and window titles treat ``[*]`` as the "modified" mark. Text that
comes from a project, a file or the user goes through one of these helpers on its way to
a widget:

- :func:`plain_label` / :func:`make_plain`: labels that show data (``PlainText``, so
  ``setText`` later is safe too);
- :func:`auto_text`: text for widgets that guess (tooltips, message boxes);
- :func:`warning`, :func:`information`, :func:`question`: :class:`QMessageBox` with
  :func:`auto_text` applied (tests may still patch ``QMessageBox.warning`` etc.);
- :func:`menu_text`, :func:`window_title`: menu entries and window titles.

Item views (table, tree and list cells) draw their display text as plain text already.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

__all__ = [
    "auto_text",
    "information",
    "make_plain",
    "menu_text",
    "plain_label",
    "question",
    "warning",
    "window_title",
]


def auto_text(text: str) -> str:
    """Return what to give a widget that guesses rich text so it shows ``text`` literally.

    Text Qt would take as plain is returned unchanged; text that looks like markup comes
    back as escaped rich text that displays the same characters (line breaks kept).
    """
    if not GuiQt.mightBeRichText(text):
        return text
    lines = text.replace("\r\n", "\n").replace("\r", "\n")  # one break, as in plain text
    return '<p style="white-space:pre-wrap">' + html.escape(lines, quote=False) + "</p>"


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """Return a label that shows its text as plain text, whatever it contains."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def make_plain(*labels: QLabel) -> None:
    """Make labels show their text (now and later) as plain text."""
    for label in labels:
        label.setTextFormat(Qt.TextFormat.PlainText)


def menu_text(text: str) -> str:
    """Return text for a menu entry or button that shows ``&`` instead of a shortcut mark."""
    return text.replace("&", "&&")


def window_title(text: str) -> str:
    """Return a window title that shows ``[*]`` instead of the "modified" placeholder."""
    return text.replace("[*]", "[*][*]")


def warning(parent: QWidget | None, title: str, text: str) -> None:
    """Show a warning box with the text shown literally."""
    QMessageBox.warning(parent, window_title(title), auto_text(text))


def information(parent: QWidget | None, title: str, text: str) -> None:
    """Show an information box with the text shown literally."""
    QMessageBox.information(parent, window_title(title), auto_text(text))


def question(
    parent: QWidget | None,
    title: str,
    text: str,
    buttons: QMessageBox.StandardButton = QMessageBox.StandardButton.Yes
    | QMessageBox.StandardButton.No,
    default: QMessageBox.StandardButton = QMessageBox.StandardButton.NoButton,
) -> QMessageBox.StandardButton:
    """Ask a question with the text shown literally; return the button chosen."""
    return QMessageBox.question(parent, window_title(title), auto_text(text), buttons, default)
