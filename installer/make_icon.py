"""Write gisdesk's icon (drawn by gisdesk.ui.app_icon) as installer/gisdesk.png and .ico.

Run once with ``QT_QPA_PLATFORM=offscreen python installer/make_icon.py``; the files are
kept in the repository.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QGuiApplication, QImage

from gisdesk.ui.app_icon import ICON_SIZES, draw_icon

HERE = Path(__file__).resolve().parent
ICO_SIZES = ICON_SIZES


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
