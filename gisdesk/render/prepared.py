"""Layers made ready to draw: projected, indexed, simplified per zoom level, classified.

Preparing costs a projection and an STRtree per layer, done once per data revision (in a
worker thread); each frame then only queries the tree and picks the simplification level
closest to one pixel. No Qt here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

if TYPE_CHECKING:
    from gisdesk.core.layer import Layer
    from gisdesk.core.style import LayerStyle

__all__ = ["PreparedLayer", "geometry_family", "label_anchors", "prepare_layer"]

AnchorSource = np.ndarray | Callable[[], np.ndarray] | None
"""Label anchors, or the function computing them on first use (None: from the geometries)."""

_FAMILY = {0: "point", 4: "point", 1: "line", 2: "line", 5: "line", 3: "polygon", 6: "polygon"}
_LOD_BASE = 0.25  # metres: finest simplification tolerance kept
_LOD_STEP = 4.0


def geometry_family(geoms: np.ndarray) -> str:
    """Return "point", "line" or "polygon" for a geometry array (by its first non-empty type)."""
    types = shapely.get_type_id(geoms)
    types = types[types >= 0]
    for t in (3, 6, 1, 2, 5, 0, 4):
        if (types == t).any():
            return _FAMILY[t]
    return "point"


@dataclass
class PreparedLayer:
    """One layer's geometries in the display CRS with everything a frame needs."""

    name: str
    revision: int
    family: str
    geoms: np.ndarray
    tree: shapely.STRtree
    bounds: tuple[float, float, float, float]
    classes: np.ndarray
    style: LayerStyle | None
    labels: np.ndarray | None = None  # label text per feature (object array) or None
    anchor_source: AnchorSource = field(default=None, repr=False)  # see :attr:`anchors`
    _lod: dict[int, np.ndarray] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __len__(self) -> int:
        return len(self.geoms)

    @property
    def anchors(self) -> np.ndarray | None:
        """(n, 2) label anchors in map metres, None for a layer without labels.

        Computed on first use (merging every road's parts costs a tenth of a second on the
        sample, and a plate whose scale shows no road labels never needs them).
        """
        if self.labels is None:
            return None
        source = self.anchor_source
        if isinstance(source, np.ndarray):
            return source
        with self._lock:
            source = self.anchor_source
            if not isinstance(source, np.ndarray):
                source = source() if source is not None else label_anchors(self.geoms, self.family)
                self.anchor_source = source
        return source

    def query(self, extent: tuple[float, float, float, float]) -> np.ndarray:
        """Return the sorted indices of features whose envelope meets the extent."""
        if len(self.geoms) == 0:
            return np.empty(0, dtype=np.intp)
        hits: np.ndarray = np.sort(self.tree.query(shapely.box(*extent)))
        return hits

    def simplified(self, resolution: float) -> np.ndarray:
        """Return all geometries simplified to the level just under ``resolution`` metres."""
        if self.family == "point" or resolution < _LOD_BASE * _LOD_STEP:
            return self.geoms
        level = int(np.floor(np.log(resolution / _LOD_BASE) / np.log(_LOD_STEP)))
        cached = self._lod.get(level)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._lod.get(level)
            if cached is None:
                tolerance = _LOD_BASE * _LOD_STEP**level
                cached = shapely.simplify(
                    self.geoms, tolerance, preserve_topology=self.family == "polygon"
                )
                self._lod[level] = cached
        return cached

    def restyled(self, style: LayerStyle | None, data: pd.DataFrame) -> PreparedLayer:
        """Return the same geometry with classes (and labels) from another style."""
        classes, labels, anchors = _classify(style, data, self.anchor_source)
        return PreparedLayer(
            self.name,
            self.revision,
            self.family,
            self.geoms,
            self.tree,
            self.bounds,
            classes,
            style,
            labels,
            anchors,
            self._lod,
            self._lock,
        )


def _classify(
    style: LayerStyle | None,
    data: pd.DataFrame,
    old_anchors: AnchorSource = None,
) -> tuple[np.ndarray, np.ndarray | None, AnchorSource]:
    """Return classes, label texts and the anchors' source (the same geometries' anchors)."""
    n = len(data)
    classes = style.assign(data) if style is not None else np.zeros(n, dtype=np.int32)
    labels = None
    if style is not None and style.label is not None and style.label.field in data.columns:
        raw = data[style.label.field]
        labels = np.array(["" if pd.isna(v) else str(v) for v in raw], dtype=object)
    return classes, labels, old_anchors


def label_anchors(geoms: np.ndarray, family: str) -> np.ndarray:
    """Return an (n, 2) array of label anchors: the point, mid-line, or a point inside."""
    if family == "point":
        pts = geoms
    elif family == "line":
        pts = shapely.line_interpolate_point(shapely.line_merge(geoms), 0.5, normalized=True)
    else:
        pts = shapely.point_on_surface(geoms)
    xy = np.full((len(geoms), 2), np.nan)
    present = ~shapely.is_empty(pts) & ~shapely.is_missing(pts)
    if present.any():
        coords = shapely.get_coordinates(pts[present])
        if len(coords) == present.sum():
            xy[present] = coords
    return xy


def prepare_layer(layer: Layer, display_crs: CRS) -> PreparedLayer:
    """Project, index and classify a layer for drawing in ``display_crs``."""
    data = layer.data
    gdf = (
        data
        if data.crs is None or CRS.from_user_input(data.crs).equals(display_crs)
        else (data.to_crs(display_crs))
    )
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    geoms = np.where(shapely.is_missing(geoms), shapely.from_wkt("GEOMETRYCOLLECTION EMPTY"), geoms)
    family = geometry_family(geoms)
    tree = shapely.STRtree(geoms)
    if len(geoms) and not shapely.is_empty(geoms).all():
        b = shapely.total_bounds(geoms)
        bounds = (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
    else:
        bounds = (np.nan, np.nan, np.nan, np.nan)
    classes, labels, anchors = _classify(layer.style, data)
    return PreparedLayer(
        layer.name,
        layer.revision,
        family,
        geoms,
        tree,
        bounds,
        classes,
        layer.style,
        labels,
        anchors,
    )
