"""The map frame's content: which layers, in which CRS, at what scale, clipped to the frame.

Layers are prepared (projected, indexed, classified) once per :class:`MapData` and reused by
every plate of an atlas; each plate then clips them to its frame, which keeps PDFs small and
tells the legend which classes the frame really shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely
from pyproj import CRS

from gisdesk.core.crs import STORAGE_CRS, metric_crs_for_frames, transformer
from gisdesk.core.errors import InputError
from gisdesk.render.prepared import AnchorSource, PreparedLayer, label_anchors, prepare_layer

if TYPE_CHECKING:
    from gisdesk.core.layer import Layer
    from gisdesk.core.project import Project
    from gisdesk.export.spec import PlateSpec

__all__ = [
    "FrameLayer",
    "MapData",
    "clip_layer",
    "data_extent",
    "display_crs_for",
    "fit_scale",
    "nice_plate_scale",
    "plate_layers",
    "prepare_map",
]

Extent = tuple[float, float, float, float]
_NICE_MANTISSAS = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.5)


def display_crs_for(project: Project) -> CRS:
    """Return the metric CRS the project is drawn in (EPSG:4549 for Haimen).

    The same choice as the desktop canvas makes, so a plate matches the screen.
    """
    return metric_crs_for_frames(layer.data for layer in project)


def nice_plate_scale(scale: float, *, up: bool = False) -> int:
    """Return a round scale denominator (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5 x 10^k).

    With ``up`` the smallest nice value not below ``scale`` (so an extent still fits),
    otherwise the nearest one (on a log scale).
    """
    if not math.isfinite(scale) or scale <= 0:
        raise InputError(
            f"比例尺分母须为正数（收到 {scale}）。",
            f"The scale denominator must be positive (got {scale}).",
        )
    k = math.floor(math.log10(scale))
    candidates: list[float] = [
        m * math.pow(10.0, e) for e in (k - 1, k, k + 1) for m in _NICE_MANTISSAS
    ]
    if up:
        least: float = min(c for c in candidates if c >= scale * (1 - 1e-9))
        return round(least)

    def distance(c: float) -> float:
        return abs(math.log(c / scale))

    best: float = min(candidates, key=distance)
    return round(best)


def fit_scale(extent: Extent, frame_mm: tuple[float, float], *, margin: float = 0.02) -> int:
    """Return the nice scale at which ``extent`` (metres) fits a frame of ``frame_mm``."""
    w = max(extent[2] - extent[0], 1.0) * (1 + 2 * margin)
    h = max(extent[3] - extent[1], 1.0) * (1 + 2 * margin)
    need = max(w / frame_mm[0], h / frame_mm[1]) * 1000.0
    return nice_plate_scale(need, up=True)


@dataclass
class FrameLayer:
    """A layer as one plate draws it: prepared in full, and clipped to the frame."""

    layer: Layer
    prepared: PreparedLayer  # whole layer in the display CRS
    clipped: PreparedLayer  # features meeting the frame, geometries cut at its edge
    present: np.ndarray  # class index of every feature inside the frame (legend)

    @property
    def shown(self) -> bool:
        """Whether any feature of the layer lies in the frame."""
        return len(self.present) > 0


@dataclass
class MapData:
    """The project's layers prepared for plates in one display CRS (reused across pages)."""

    project: Project
    crs: CRS
    prepared: dict[int, tuple[Layer, PreparedLayer]]

    def get(self, layer: Layer) -> PreparedLayer:
        """Return a layer prepared for drawing, preparing (or re-preparing) it if needed."""
        held = self.prepared.get(id(layer))
        if (
            held is None
            or held[0] is not layer
            or held[1].revision != layer.revision
            or held[1].style is not layer.style
        ):
            held = (layer, prepare_layer(layer, self.crs))
            self.prepared[id(layer)] = held
        return held[1]

    def to_display(self, geom: shapely.Geometry) -> shapely.Geometry:
        """Return a geometry given in EPSG:4490 in the display CRS."""
        tr = transformer(STORAGE_CRS, self.crs)
        return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def prepare_map(project: Project, *, crs: CRS | None = None) -> MapData:
    """Return an empty :class:`MapData`; layers are prepared when a plate first needs them."""
    return MapData(project, crs or display_crs_for(project), {})


def plate_layers(project: Project, spec: PlateSpec) -> list[Layer]:
    """Return the layers a plate draws, bottom to top, with its extra layers in place."""
    if spec.layers is None:
        chosen = [layer for layer in project if layer.visible]
    else:
        for name in spec.layers:
            project.layer(name)  # raises with the list of names when missing
        wanted = set(spec.layers)
        chosen = [layer for layer in project if layer.name in wanted]
    out = list(chosen)
    for extra in spec.extra_layers:
        names = [layer.name for layer in out]
        if extra.replaces is not None and extra.replaces in names:
            out[names.index(extra.replaces)] = extra.layer
        elif extra.above is not None and extra.above in names:
            out.insert(names.index(extra.above) + 1, extra.layer)
        else:
            out.append(extra.layer)
    return out


def data_extent(data: MapData, layers: Sequence[Layer]) -> Extent:
    """Return the extent to show by default: the district if drawn, else all drawn layers."""
    preferred = [layer for layer in layers if layer.kind == "district" or layer.name == "district"]
    pool = preferred or list(layers)
    boxes = [data.get(layer).bounds for layer in pool]
    arr = np.array([b for b in boxes if np.isfinite(b).all()], dtype=np.float64)
    if not len(arr):
        raise InputError(
            "所选图层没有可绘制的要素，无法确定地图范围。",
            "The chosen layers have no features to draw, so the map extent is unknown.",
        )
    return (
        float(arr[:, 0].min()),
        float(arr[:, 1].min()),
        float(arr[:, 2].max()),
        float(arr[:, 3].max()),
    )


def clip_layer(
    prep: PreparedLayer, extent: Extent, *, pad: float
) -> tuple[PreparedLayer, np.ndarray]:
    """Return the layer cut to ``extent`` padded by ``pad`` metres, and the classes shown.

    The second value holds the class of every feature that meets the exact extent, for the
    legend. Labels of cut lines and polygons are anchored on what remains in the frame.
    """
    exact = prep.tree.query(shapely.box(*extent), predicate="intersects") if len(prep) else None
    present = prep.classes[np.sort(exact)] if exact is not None else np.empty(0, dtype=np.int32)
    xmin, ymin, xmax, ymax = extent
    padded = (xmin - pad, ymin - pad, xmax + pad, ymax + pad)
    idx = prep.query(padded)
    geoms = prep.geoms[idx]
    anchors: AnchorSource = None
    if prep.family != "point" and len(geoms):
        geoms = shapely.clip_by_rect(geoms, *padded)
        keep = ~shapely.is_empty(geoms)
        idx, geoms = idx[keep], geoms[keep]

        def anchors_in_frame(geoms: np.ndarray = geoms) -> np.ndarray:
            # on what the frame shows; computed only if the plate draws this layer's labels
            return label_anchors(shapely.clip_by_rect(geoms, *extent), prep.family)

        anchors = anchors_in_frame
    elif (points := prep.anchors) is not None:
        anchors = points[idx]  # points: their own coordinates
    bounds = prep.bounds
    clipped = PreparedLayer(
        prep.name,
        prep.revision,
        prep.family,
        geoms,
        shapely.STRtree(geoms),
        bounds,
        prep.classes[idx],
        prep.style,
        prep.labels[idx] if prep.labels is not None else None,
        anchors,
    )
    return clipped, present
