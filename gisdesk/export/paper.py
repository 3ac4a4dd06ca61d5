"""Draw on a page in millimetres and points, whatever the paint device's resolution.

Text sizes are in points and converted through the device's own resolution (a font of
9 pt is 9/72 inch on a 96 dpi preview, a 300 dpi PNG and a PDF alike).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QFont, QFontMetricsF, QPainter, QPen

from gisdesk.render.fonts import cjk_font
from gisdesk.render.symbols import qcolor

__all__ = ["INK", "MUTED", "Paper", "RectMM"]

RectMM = tuple[float, float, float, float]
INK = "#1f1f1f"
MUTED = "#5a5a5a"
MM_PER_INCH = 25.4


@dataclass
class Paper:
    """A painter with the page's millimetre coordinates and the template's type scale.

    Attributes
    ----------
    painter
        An active painter whose unit is one device pixel at ``dpi``.
    dpi
        The device's logical resolution (pixels per inch).
    font_scale
        Multiplies every text size.
    """

    painter: QPainter
    dpi: float
    font_scale: float = 1.0

    @property
    def px_per_mm(self) -> float:
        """Device pixels per millimetre."""
        return self.dpi / MM_PER_INCH

    def mm(self, value: float) -> float:
        """Return millimetres in pixels."""
        return value * self.px_per_mm

    def rect(self, r: RectMM) -> QRectF:
        """Return a millimetre rectangle in pixels."""
        k = self.px_per_mm
        return QRectF(r[0] * k, r[1] * k, r[2] * k, r[3] * k)

    def point(self, x: float, y: float) -> QPointF:
        """Return a millimetre position in pixels."""
        return QPointF(x * self.px_per_mm, y * self.px_per_mm)

    def font(self, size: float, *, bold: bool = False) -> QFont:
        """Return the CJK font at ``size`` points times the template's type scale."""
        return cjk_font(size * self.font_scale, bold=bold)

    def metrics(self, font: QFont) -> QFontMetricsF:
        """Return font metrics in this device's pixels."""
        return QFontMetricsF(font, self.painter.device())

    def text_width_mm(self, text: str, font: QFont) -> float:
        """Return the advance width of a text in millimetres."""
        return self.metrics(font).horizontalAdvance(text) / self.px_per_mm

    def line_height_mm(self, font: QFont) -> float:
        """Return the line height of a font in millimetres."""
        return self.metrics(font).height() / self.px_per_mm

    def fitted_font(
        self, text: str, width_mm: float, size: float, *, bold: bool = False, min_size: float = 5.0
    ) -> QFont:
        """Return the largest font from ``size`` down to ``min_size`` in which text fits."""
        s = size
        font = self.font(s, bold=bold)
        while s > min_size and self.text_width_mm(text, font) > width_mm:
            s -= 0.5
            font = self.font(s, bold=bold)
        return font

    def text(
        self,
        r: RectMM,
        text: str,
        font: QFont,
        *,
        colour: str = INK,
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
        wrap: bool = False,
    ) -> None:
        """Draw text aligned in a millimetre rectangle."""
        p = self.painter
        p.setFont(font)
        p.setPen(QPen(qcolor(colour)))
        flags = int(align) | (int(Qt.TextFlag.TextWordWrap) if wrap else 0)
        p.drawText(self.rect(r), flags, text)

    def text_at(self, x: float, y: float, text: str, font: QFont, *, colour: str = INK) -> None:
        """Draw text with its baseline starting at (x, y) millimetres."""
        p = self.painter
        p.setFont(font)
        p.setPen(QPen(qcolor(colour)))
        p.drawText(self.point(x, y), text)

    def wrapped_height_mm(self, text: str, font: QFont, width_mm: float) -> float:
        """Return the height text takes when wrapped to ``width_mm``."""
        bound = self.metrics(font).boundingRect(
            QRectF(0, 0, self.mm(width_mm), 1e6),
            int(Qt.AlignmentFlag.AlignLeft) | int(Qt.TextFlag.TextWordWrap),
            text,
        )
        return bound.height() / self.px_per_mm

    def box(
        self,
        r: RectMM,
        *,
        stroke: str | None = INK,
        width_mm: float = 0.2,
        fill: str | None = None,
    ) -> None:
        """Draw a rectangle with an outline and/or a fill."""
        p = self.painter
        if stroke is None:
            p.setPen(Qt.PenStyle.NoPen)
        else:
            pen = QPen(qcolor(stroke))
            pen.setWidthF(self.mm(width_mm))
            pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            p.setPen(pen)
        p.setBrush(QBrush(qcolor(fill)) if fill else QBrush(Qt.BrushStyle.NoBrush))
        p.drawRect(self.rect(r))

    def line(
        self,
        x0: float,
        y0: float,
        x1: float,
        y1: float,
        *,
        colour: str = INK,
        width_mm: float = 0.2,
    ) -> None:
        """Draw a straight line between two millimetre positions."""
        pen = QPen(qcolor(colour))
        pen.setWidthF(self.mm(width_mm))
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        self.painter.setPen(pen)
        self.painter.drawLine(self.point(x0, y0), self.point(x1, y1))
