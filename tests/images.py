"""Compare rendered images with a tolerance that absorbs anti-aliasing, not real changes.

The same QPainter drawing differs between machines in a few edge pixels by a level or two
(anti-aliasing takes different code paths on different CPUs). A pixel counts as *different*
when one of its channels (alpha included) moves by more than ``channel_tolerance`` levels;
two images match when at most ``max_share`` of their pixels are different. A moved,
resized or recoloured element changes hundreds of pixels by far more than the tolerance and
fails; ``tests/test_images.py`` proves both sides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtGui import QImage

__all__ = ["ImageDiff", "assert_images_match", "compare_images", "image_array"]

CHANNEL_TOLERANCE = 24  # levels of 255: anti-aliasing differences seen here are 1-3
MAX_SHARE = 0.002  # 0.2% of the pixels may differ beyond the tolerance


def image_array(image: QImage) -> np.ndarray:
    """Return the image as an (h, w, 4) uint8 RGBA array (a copy)."""
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    h, w = rgba.height(), rgba.width()
    raw = np.frombuffer(rgba.constBits(), dtype=np.uint8, count=rgba.sizeInBytes())
    return raw.reshape(h, rgba.bytesPerLine())[:, : w * 4].reshape(h, w, 4).copy()


@dataclass(frozen=True)
class ImageDiff:
    """How two same-sized images differ."""

    max_channel_diff: int  # the largest change of one channel of one pixel, 0-255
    different: int  # pixels with a channel changed beyond the tolerance
    total: int

    @property
    def share(self) -> float:
        return self.different / self.total if self.total else 0.0


def compare_images(
    a: QImage | np.ndarray,
    b: QImage | np.ndarray,
    *,
    channel_tolerance: int = CHANNEL_TOLERANCE,
) -> ImageDiff:
    """Return how ``b`` differs from ``a`` (both QImages or RGBA arrays of one size)."""
    arr_a = image_array(a) if isinstance(a, QImage) else a
    arr_b = image_array(b) if isinstance(b, QImage) else b
    if arr_a.shape != arr_b.shape:
        raise AssertionError(f"image sizes differ: {arr_a.shape[:2]} vs {arr_b.shape[:2]}")
    delta = np.abs(arr_a.astype(np.int16) - arr_b.astype(np.int16)).max(axis=2)
    return ImageDiff(
        max_channel_diff=int(delta.max(initial=0)),
        different=int(np.count_nonzero(delta > channel_tolerance)),
        total=int(delta.size),
    )


def assert_images_match(
    a: QImage | np.ndarray,
    b: QImage | np.ndarray,
    *,
    channel_tolerance: int = CHANNEL_TOLERANCE,
    max_share: float = MAX_SHARE,
) -> ImageDiff:
    """Fail unless ``a`` and ``b`` are the same drawing up to anti-aliasing."""
    diff = compare_images(a, b, channel_tolerance=channel_tolerance)
    assert diff.share <= max_share, (
        f"{diff.different} of {diff.total} pixels ({diff.share:.3%}) differ by more than "
        f"{channel_tolerance} levels (allowed {max_share:.3%}); "
        f"largest change {diff.max_channel_diff}"
    )
    return diff
