"""The window's icon is gisdesk's drawn icon, the same as the installer's files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage

from gisdesk.ui.app_icon import ICON_SIZES, app_icon, draw_icon
from tests.images import assert_images_match

INSTALLER_PNG = Path(__file__).resolve().parents[2] / "installer" / "gisdesk.png"


def test_icon_has_every_size_and_a_red_pin(qapp):
    icon = app_icon()
    assert not icon.isNull()
    assert {s.width() for s in icon.availableSizes()} == set(ICON_SIZES)
    image = draw_icon(256)
    assert image.pixelColor(150, 120).name() == "#d7301f"  # the pin
    assert image.pixelColor(2, 2).alpha() == 0  # rounded corner: transparent
    assert icon.pixmap(QSize(32, 32)).width() == 32


def test_installer_icon_is_the_same_drawing(qapp):
    shipped = QImage(str(INSTALLER_PNG)).convertToFormat(QImage.Format.Format_ARGB32)
    drawn = draw_icon(256)
    # the same drawing up to anti-aliasing, which differs between CPUs (tests/images.py)
    assert_images_match(shipped, drawn)
