"""Benchmark map rendering: gisdesk's painter against a naive QPainter loop.

Not a test: it prints figures. Data: the Haimen road network generated at several scales
(about 25k segments per unit of scale), drawn full-extent at 1920x1080 with the sample's
road style. The naive renderer is what a first attempt looks like: every feature through
Python, a QPainterPath built with moveTo/lineTo per vertex, no culling, no simplification.
Both draw the same features; the share of pixels on which the two frames agree (inked or
not) is printed first. "Feedback" is the canvas's answer to a pan or zoom: the last frame
drawn shifted and scaled.

Usage: QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_render.py [--scales 1,4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _timed(fn: Callable[[], object], repeats: int) -> tuple[float, float, float]:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times), max(times)


def bench_scale(scale: float, repeats: int) -> None:
    """Print one row of figures for the road network generated at ``scale``."""
    import shapely
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen

    from gisdesk.analysis.classify import classify_style
    from gisdesk.core.crs import METRIC_CRS
    from gisdesk.core.layer import Layer
    from gisdesk.io.schemas import load_schemas
    from gisdesk.io.styles import load_styles
    from gisdesk.render.painter import DrawItem, render_map
    from gisdesk.render.prepared import prepare_layer
    from gisdesk.render.symbols import qcolor
    from gisdesk.render.viewport import Viewport
    from gisdesk.samplegen import generate_haimen

    roads = generate_haimen(scale=scale)["roads"]
    style = classify_style(load_styles()["roads"], roads)
    layer = Layer("roads", roads, schema=load_schemas()["roads"], style=style)
    t = time.perf_counter()
    prepared = prepare_layer(layer, METRIC_CRS)
    prep_s = time.perf_counter() - t
    vp = Viewport.for_extent(prepared.bounds, 1920, 1080)
    xmin, _ymin, _xmax, ymax = vp.extent

    def frame(paint: Callable[[QPainter], None]) -> QImage:
        image = QImage(vp.width, vp.height, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QColor("white"))
        painter = QPainter(image)
        paint(painter)
        painter.end()
        return image

    def ours(painter: QPainter) -> None:
        render_map(painter, vp, [DrawItem(prepared)], labels=False)

    by_class = [
        (cls.symbol, [shapely.get_coordinates(g) for g in prepared.geoms[prepared.classes == i]])
        for i, cls in enumerate(style.classes)
    ]

    def naive(painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for symbol, lines in reversed(by_class):
            pen = QPen(qcolor(symbol.stroke))
            pen.setWidthF(symbol.stroke_width * vp.mm_to_px(1.0))
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            pen.setJoinStyle(Qt.PenJoinStyle.BevelJoin)
            painter.setPen(pen)
            path = QPainterPath()
            for xy in lines:
                px = (xy[:, 0] - xmin) / vp.resolution
                py = (ymax - xy[:, 1]) / vp.resolution
                path.moveTo(float(px[0]), float(py[0]))
                for x, y in zip(px[1:], py[1:], strict=True):
                    path.lineTo(float(x), float(y))
            painter.drawPath(path)

    a, b = frame(ours), frame(naive)
    shape = (vp.height, vp.width, 4)
    inked_a = (np.frombuffer(a.constBits(), np.uint8).reshape(shape)[..., :3] < 250).any(axis=2)
    inked_b = (np.frombuffer(b.constBits(), np.uint8).reshape(shape)[..., :3] < 250).any(axis=2)
    agree = float((inked_a == inked_b).mean())
    ours_t = _timed(lambda: frame(ours), repeats)
    naive_t = _timed(lambda: frame(naive), max(2, repeats // 2))
    cached = frame(ours)

    def feedback(painter: QPainter) -> None:  # what paintEvent does during pan/zoom
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(QRectF(-120, -60, vp.width * 1.25, vp.height * 1.25), cached)

    fb_t = _timed(lambda: frame(feedback), repeats)
    print(
        f"{len(roads):>9,} {prep_s:>9.2f} "
        f"{ours_t[1] * 1e3:>7.0f} ({ours_t[0] * 1e3:.0f}-{ours_t[2] * 1e3:.0f}) "
        f"{naive_t[1] * 1e3:>7.0f} ({naive_t[0] * 1e3:.0f}-{naive_t[2] * 1e3:.0f}) "
        f"{naive_t[1] / ours_t[1]:>6.1f} {fb_t[1] * 1e3:>12.1f} {agree:>6.1%}"
    )


def main() -> None:
    """Print the figures for each scale."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="1,4", help="sample scales (4 gives ~10^5 segments)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([])
    print(
        f"{'segments':>9} {'prepare s':>9} {'gisdesk ms (min-max)':>20} "
        f"{'naive ms (min-max)':>20} {'ratio':>6} {'feedback ms':>12} {'agree':>6}"
    )
    for scale in [float(s) for s in args.scales.split(",")]:
        bench_scale(scale, args.repeats)
    del app


if __name__ == "__main__":
    main()
