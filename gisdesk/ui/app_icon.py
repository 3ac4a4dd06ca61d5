"""gisdesk's icon, drawn with Qt: the window's icon and the installer's files alike.

A map tile (blue water, green land, roads), a dashed 3 km key zone and a red location pin.
``installer/make_icon.py`` writes it as installer/gisdesk.png and gisdesk.ico.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QPainter, QPainterPath, QPen, QPixmap

__all__ = ["ICON_SIZES", "app_icon", "draw_icon"]

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def draw_icon(size: int) -> QImage:
    """Return the icon drawn at ``size`` x ``size`` pixels."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / 256, size / 256)
    tile = QPainterPath()
    tile.addRoundedRect(QRectF(8, 8, 240, 240), 44, 44)
    p.setClipPath(tile)
    p.fillRect(QRectF(0, 0, 256, 256), QColor("#2b7bb9"))  # the Yangtze estuary
    land = QPainterPath(QPointF(0, 70))
    land.cubicTo(QPointF(80, 40), QPointF(150, 95), QPointF(256, 60))
    land.lineTo(256, 256)
    land.lineTo(0, 256)
    land.closeSubpath()
    p.fillPath(land, QColor("#cfe8b0"))
    road = QPen(QColor("#f4a23c"), 14, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    p.setPen(road)
    p.drawLine(QPointF(20, 215), QPointF(236, 120))
    p.setPen(QPen(QColor("#ffffff"), 8, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    p.drawLine(QPointF(70, 250), QPointF(110, 80))
    zone = QPen(QColor("#1d5f8f"), 6, Qt.PenStyle.DashLine)
    p.setPen(zone)
    p.setBrush(QBrush(QColor(43, 123, 185, 60)))
    p.drawEllipse(QPointF(150, 160), 62, 62)
    p.setClipping(False)
    pin = QPainterPath(QPointF(150, 172))
    pin.cubicTo(QPointF(122, 130), QPointF(112, 112), QPointF(112, 96))
    pin.arcTo(QRectF(112, 58, 76, 76), 180, -180)
    pin.cubicTo(QPointF(188, 112), QPointF(178, 130), QPointF(150, 172))
    p.setPen(QPen(QColor("#7a1010"), 4))
    p.setBrush(QColor("#d7301f"))
    p.drawPath(pin)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#ffffff"))
    p.drawEllipse(QPointF(150, 96), 14, 14)
    p.end()
    return image


def app_icon() -> QIcon:
    """Return the icon with a drawing for every usual size (sharp in title bars and docks)."""
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addPixmap(QPixmap.fromImage(draw_icon(size)))
    return icon
