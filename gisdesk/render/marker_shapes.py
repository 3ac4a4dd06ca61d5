"""Marker outlines (circle, square, triangle, diamond, star, cross, pin) as numpy arrays.

Qt-free, so the plate renderer (:func:`gisdesk.render.paths.marker_path`) and the web map
(:mod:`gisdesk.export.webmap`) draw the same shapes from one definition.
"""

from __future__ import annotations

import numpy as np

__all__ = ["marker_outline"]

_MARKER_TEMPLATES: dict[str, np.ndarray] = {}


def marker_outline(marker: str) -> np.ndarray:
    """Return a marker outline of unit size (diameter 1) centred on the origin, y down."""
    if marker in _MARKER_TEMPLATES:
        return _MARKER_TEMPLATES[marker]
    if marker == "circle":
        t = np.linspace(0, 2 * np.pi, 25)[:-1]
        shape = np.c_[np.cos(t), np.sin(t)] * 0.5
    elif marker == "square":
        shape = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * 0.42
    elif marker == "triangle":
        shape = np.array([[0, -0.55], [0.5, 0.35], [-0.5, 0.35]])
    elif marker == "diamond":
        shape = np.array([[0, -0.55], [0.45, 0], [0, 0.55], [-0.45, 0]])
    elif marker == "star":
        ang = -np.pi / 2 + np.arange(10) * np.pi / 5
        rad = np.where(np.arange(10) % 2 == 0, 0.55, 0.22)
        shape = np.c_[rad * np.cos(ang), rad * np.sin(ang)]
    elif marker == "cross":
        a, b = 0.5, 0.14
        shape = np.array(
            [
                [-b, -a],
                [b, -a],
                [b, -b],
                [a, -b],
                [a, b],
                [b, b],
                [b, a],
                [-b, a],
                [-b, b],
                [-a, b],
                [-a, -b],
                [-b, -b],
            ]
        )
    elif marker == "pin":
        t = np.linspace(np.pi * 0.8, np.pi * 2.2, 18)
        head = np.c_[0.4 * np.cos(t), -0.25 + 0.4 * np.sin(t)]
        shape = np.vstack([head, [[0, 0.6]]])
    else:
        raise ValueError(marker)
    _MARKER_TEMPLATES[marker] = shape.astype(np.float64)
    return _MARKER_TEMPLATES[marker]
