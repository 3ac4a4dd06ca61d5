"""The map view: which part of the world is shown, at what resolution, on how many pixels.

Map coordinates are metres in the display CRS (EPSG:4549 for Haimen); pixel y grows down.
Plain data with no Qt, so the canvas, plates and tests share it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

__all__ = ["NICE_SCALES", "Viewport"]

MM_PER_INCH = 25.4
NICE_SCALES = (
    500,
    1000,
    2000,
    2500,
    5000,
    10000,
    20000,
    25000,
    50000,
    100000,
    150000,
    200000,
    250000,
    500000,
    1000000,
    2000000,
)


@dataclass(frozen=True)
class Viewport:
    """A view of the map: centre (metres), resolution (metres per pixel), size (pixels)."""

    center_x: float
    center_y: float
    resolution: float
    width: int
    height: int
    dpi: float = 96.0

    # --- derived ------------------------------------------------------------------------

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) in map metres."""
        half_w = self.width * self.resolution / 2.0
        half_h = self.height * self.resolution / 2.0
        return (
            self.center_x - half_w,
            self.center_y - half_h,
            self.center_x + half_w,
            self.center_y + half_h,
        )

    @property
    def scale(self) -> float:
        """The scale denominator N of 1:N at this view's dpi."""
        return self.resolution * 1000.0 * self.dpi / MM_PER_INCH

    def mm_to_px(self, mm: float) -> float:
        """Convert millimetres on paper or screen to pixels at this view's dpi."""
        return mm * self.dpi / MM_PER_INCH

    def to_pixels(self, xy: np.ndarray) -> np.ndarray:
        """Convert an (n, 2) array of map coordinates to pixel coordinates."""
        xmin, _ymin, _xmax, ymax = self.extent
        out = np.empty_like(xy, dtype=np.float64)
        out[:, 0] = (xy[:, 0] - xmin) / self.resolution
        out[:, 1] = (ymax - xy[:, 1]) / self.resolution
        return out

    def to_map(self, px: float, py: float) -> tuple[float, float]:
        """Convert a pixel position to map coordinates."""
        xmin, _ymin, _xmax, ymax = self.extent
        return xmin + px * self.resolution, ymax - py * self.resolution

    # --- navigation ---------------------------------------------------------------------

    def resized(self, width: int, height: int) -> Viewport:
        """Return the view on a widget of another size, keeping centre and resolution."""
        return replace(self, width=max(1, width), height=max(1, height))

    def panned(self, dx_px: float, dy_px: float) -> Viewport:
        """Return the view moved so the map follows a drag of (dx, dy) pixels."""
        return replace(
            self,
            center_x=self.center_x - dx_px * self.resolution,
            center_y=self.center_y + dy_px * self.resolution,
        )

    def zoomed(self, factor: float, anchor_px: tuple[float, float] | None = None) -> Viewport:
        """Return the view zoomed in by ``factor`` (> 1 in, < 1 out), keeping the anchor fixed."""
        new_res = self.resolution / factor
        if anchor_px is None:
            return replace(self, resolution=new_res)
        ax, ay = self.to_map(*anchor_px)
        # keep the map point under the anchor pixel where it is
        cx = ax - (anchor_px[0] - self.width / 2.0) * new_res
        cy = ay + (anchor_px[1] - self.height / 2.0) * new_res
        return replace(self, center_x=cx, center_y=cy, resolution=new_res)

    def with_scale(self, scale: float) -> Viewport:
        """Return the view at scale 1:``scale`` around the same centre."""
        return replace(self, resolution=scale * MM_PER_INCH / (1000.0 * self.dpi))

    def fitted(
        self, extent: tuple[float, float, float, float], *, margin: float = 0.05
    ) -> Viewport:
        """Return the view showing the whole extent with a margin on each side."""
        xmin, ymin, xmax, ymax = (float(v) for v in extent)  # numpy scalars would leak out
        w = max(xmax - xmin, 1.0) * (1 + 2 * margin)
        h = max(ymax - ymin, 1.0) * (1 + 2 * margin)
        res = max(w / self.width, h / self.height)
        return replace(
            self, center_x=(xmin + xmax) / 2.0, center_y=(ymin + ymax) / 2.0, resolution=res
        )

    @classmethod
    def for_extent(
        cls,
        extent: tuple[float, float, float, float],
        width: int,
        height: int,
        *,
        dpi: float = 96.0,
        margin: float = 0.05,
    ) -> Viewport:
        """Return a view of the given pixel size fitted to an extent."""
        return cls(0.0, 0.0, 1.0, max(1, width), max(1, height), dpi).fitted(extent, margin=margin)


def nice_scale(scale: float) -> int:
    """Return the nearest common map scale (1:500 ... 1:2,000,000) to ``scale``."""
    arr = np.asarray(NICE_SCALES, dtype=np.float64)
    return int(arr[np.argmin(np.abs(np.log(arr / max(scale, 1.0))))])
