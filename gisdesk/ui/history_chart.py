"""A progress chart of one target over the recorded evaluations: value per date, per unit."""

from __future__ import annotations

import itertools
import math

import pandas as pd
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from gisdesk.analysis.classify import QUALITATIVE
from gisdesk.ui.i18n import tr

__all__ = ["HistoryChart"]


class HistoryChart(QWidget):
    """Lines of a target's value over time, one per unit (district first), with its threshold."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(120)
        self.series: dict[str, list[tuple[pd.Timestamp, float]]] = {}
        self.threshold: float | None = None
        self.title = ""

    def set_history(self, history: pd.DataFrame, target_id: str, units: list[str]) -> None:
        """Show the recorded values of a target for the given units."""
        mine = history[(history["target_id"] == target_id) & history["unit"].isin(units)]
        self.title = target_id
        self.series = {}
        for unit in units:
            rows = mine[mine["unit"] == unit].sort_values("as_of")
            points = [
                (pd.Timestamp(d), float(v))
                for d, v in zip(rows["as_of"], rows["value"], strict=True)
                if v is not None and not (isinstance(v, float) and math.isnan(v))
            ]
            if points:
                self.series[unit] = points
        thresholds = pd.to_numeric(mine["threshold"], errors="coerce").dropna()
        self.threshold = float(thresholds.iloc[-1]) if len(thresholds) else None
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        """Draw axes, the threshold and one line per unit."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        area = QRectF(self.rect()).adjusted(60, 28, -130, -36)
        painter.drawText(
            QRectF(8, 4, self.width() - 16, 20),
            Qt.AlignmentFlag.AlignLeft,
            f"{self.title} " + tr("历次评估", "recorded evaluations"),
        )
        points = [p for s in self.series.values() for p in s]
        if not points:
            painter.drawText(
                area,
                Qt.AlignmentFlag.AlignCenter,
                tr(
                    "还没有记录的评估：点击“记录本次评估”。",
                    "No recorded evaluations yet: click 'Record evaluation'.",
                ),
            )
            painter.end()
            return
        times = [p[0].value for p in points]
        values = [p[1] for p in points] + ([self.threshold] if self.threshold is not None else [])
        t0, t1 = min(times), max(times)
        v0, v1 = min(values), max(values)
        if t1 == t0:
            t0, t1 = t0 - 86_400 * 10**9, t1 + 86_400 * 10**9
        if v1 == v0:
            v0, v1 = v0 - 1.0, v1 + 1.0
        pad = (v1 - v0) * 0.1
        v0, v1 = v0 - pad, v1 + pad

        def at(t: pd.Timestamp, v: float) -> QPointF:
            x = area.left() + (t.value - t0) / (t1 - t0) * area.width()
            y = area.bottom() - (v - v0) / (v1 - v0) * area.height()
            return QPointF(x, y)

        painter.setPen(QPen(QColor("#888888"), 1))
        painter.drawRect(area)
        for frac in (0.0, 0.5, 1.0):
            v = v0 + (v1 - v0) * frac
            y = area.bottom() - frac * area.height()
            painter.drawText(QRectF(0, y - 8, 56, 16), Qt.AlignmentFlag.AlignRight, f"{v:.4g}")
        for t in sorted(set(times)):
            stamp = pd.Timestamp(t)
            painter.drawText(
                QRectF(at(stamp, v0).x() - 40, area.bottom() + 4, 80, 16),
                Qt.AlignmentFlag.AlignCenter,
                stamp.strftime("%Y-%m-%d"),
            )
        if self.threshold is not None:
            pen = QPen(QColor("#d73027"), 1.5, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            y = at(pd.Timestamp(t0), self.threshold).y()
            painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
            painter.drawText(QPointF(area.right() + 6, y + 4), tr("目标值", "threshold"))
        for i, (unit, series) in enumerate(self.series.items()):
            colour = QColor(QUALITATIVE[i % len(QUALITATIVE)])
            painter.setPen(QPen(colour, 2))
            pts = [at(t, v) for t, v in series]
            for a, b in itertools.pairwise(pts):
                painter.drawLine(a, b)
            painter.setBrush(colour)
            for p in pts:
                painter.drawEllipse(p, 3, 3)
            painter.drawText(QPointF(area.right() + 6, area.top() + 14 + 16 * i), unit)
        painter.end()
