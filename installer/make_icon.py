"""Draw gisdesk's icon with Qt and write installer/gisdesk.png and installer/gisdesk.ico.

A map tile (blue water, green land, roads), a dashed 3 km key zone and a red location pin.
Run once with ``QT_QPA_PLATFORM=offscreen python installer/make_icon.py``; the files are
kept in the repository.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QImage, QPainter, QPainterPath, QPen

HERE = Path(__file__).resolve().parent
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


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


def png_bytes(image: QImage) -> bytes:
    """Return the image encoded as PNG."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs want bytes; Qt takes str
    buffer.close()
    return bytes(data.data())


def ico_bytes(images: list[QImage]) -> bytes:
    """Return a Windows .ico holding each image as a PNG entry (Vista and later)."""
    blobs = [png_bytes(im) for im in images]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries = b""
    for im, blob in zip(images, blobs, strict=True):
        side = im.width() % 256  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
    return header + entries + b"".join(blobs)


def main() -> int:
    """Write gisdesk.png (256 px) and gisdesk.ico beside this script."""
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    (HERE / "gisdesk.png").write_bytes(png_bytes(draw_icon(256)))
    (HERE / "gisdesk.ico").write_bytes(ico_bytes([draw_icon(s) for s in ICO_SIZES]))
    del app
    print(f"wrote {HERE / 'gisdesk.png'} and {HERE / 'gisdesk.ico'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
