"""Select by location, as QGIS's: features of one layer by their relation to another's.

A feature of the *target* layer is found when it intersects, lies within, contains or lies
within a distance (in metres) of at least one feature of the *reference* layer (all of them
or only the selected ones). Everything is measured in one metric CRS for both layers
(EPSG:4549 around Haimen, :func:`~gisdesk.analysis._checks.joint_metric_crs`), so a
distance is exact in metres, never in degrees. The found rows are then combined with the
current selection: a new selection, added to it, removed from it, or kept only where it was
selected (:func:`combine_selection`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from gisdesk.analysis._checks import joint_metric_crs, to_crs_checked
from gisdesk.core.errors import InputError

__all__ = [
    "MAX_DISTANCE_M",
    "MODES",
    "PREDICATES",
    "LocationQuery",
    "combine_selection",
    "rows_by_location",
    "select_by_location",
]

PREDICATES: dict[str, tuple[str, str]] = {
    "intersects": ("相交", "intersect"),
    "within": ("位于其内（被包含）", "are within"),
    "contains": ("包含", "contain"),
    "dwithin": ("在距离（米）以内", "are within a distance (m) of"),
}
"""The relations, as QGIS names them: the target feature ... the reference feature."""

MODES: dict[str, tuple[str, str]] = {
    "new": ("新建选择", "Create a new selection"),
    "add": ("添加到当前选择", "Add to the current selection"),
    "remove": ("从当前选择中移除", "Remove from the current selection"),
    "intersect": ("在当前选择中选择", "Select within the current selection"),
}
"""How the found features change the target layer's selection."""

MAX_DISTANCE_M = 100_000.0
"""The largest distance accepted (100 km: more than the whole district)."""

# shapely's STRtree.query(reference, predicate) tests predicate(reference, target): the
# target "within" the reference is the reference "contains" the target, and so on.
_TREE_PREDICATE = {
    "intersects": "intersects",
    "within": "contains",
    "contains": "within",
    "dwithin": "dwithin",
}


@dataclass(frozen=True)
class LocationQuery:
    """What to find: the relation, the distance for ``dwithin`` and how to combine."""

    predicate: str = "intersects"
    distance_m: float = 0.0
    mode: str = "new"

    def check(self) -> None:
        """Raise an :class:`InputError` for an unknown relation or mode or a bad distance."""
        if self.predicate not in PREDICATES:
            raise InputError(
                f"不认识的空间关系“{self.predicate}”。",
                f"Unknown spatial relation '{self.predicate}'.",
            )
        if self.mode not in MODES:
            raise InputError(
                f"不认识的选择方式“{self.mode}”。", f"Unknown selection mode '{self.mode}'."
            )
        if self.predicate == "dwithin" and not (0.0 <= self.distance_m <= MAX_DISTANCE_M):
            raise InputError(
                f"距离应在 0 到 {MAX_DISTANCE_M:,.0f} 米之间（填写的是 {self.distance_m:g} 米）。",
                f"The distance must be between 0 and {MAX_DISTANCE_M:,.0f} m "
                f"(given: {self.distance_m:g} m).",
            )


def rows_by_location(
    target: gpd.GeoDataFrame,
    reference: gpd.GeoDataFrame,
    predicate: str = "intersects",
    *,
    distance_m: float = 0.0,
    reference_rows: Sequence[int] | np.ndarray | None = None,
    target_name: str = "target",
    reference_name: str = "reference",
) -> np.ndarray:
    """Row positions (sorted) of ``target`` in the given relation to ``reference``.

    ``reference_rows`` limits the reference to those row positions (its selection);
    features without geometry never match. Both layers must state their CRS.
    """
    LocationQuery(predicate, distance_m).check()
    ref = reference if reference_rows is None else reference.iloc[np.asarray(reference_rows)]
    if len(target) == 0 or len(ref) == 0:
        return np.empty(0, dtype=np.intp)
    crs = joint_metric_crs({target_name: target, reference_name: ref})
    t_geoms = to_crs_checked(target, crs, layer=target_name).geometry.to_numpy()
    r_geoms = to_crs_checked(ref, crs, layer=reference_name).geometry.to_numpy()
    t_ok = ~(shapely.is_missing(t_geoms) | shapely.is_empty(t_geoms))
    r_ok = ~(shapely.is_missing(r_geoms) | shapely.is_empty(r_geoms))
    t_index = np.flatnonzero(t_ok)
    tree = shapely.STRtree(t_geoms[t_ok])
    if predicate == "dwithin":
        pairs = tree.query(r_geoms[r_ok], predicate="dwithin", distance=float(distance_m))
    else:
        pairs = tree.query(r_geoms[r_ok], predicate=_TREE_PREDICATE[predicate])
    return np.unique(t_index[pairs[1]]).astype(np.intp)


def combine_selection(
    current: Sequence[int] | np.ndarray, found: Sequence[int] | np.ndarray, mode: str
) -> np.ndarray:
    """The new selection (sorted row positions) from the current one and the found rows."""
    cur = np.unique(np.asarray(current, dtype=np.intp))
    hit = np.unique(np.asarray(found, dtype=np.intp))
    if mode == "new":
        return hit
    if mode == "add":
        return np.union1d(cur, hit).astype(np.intp)
    if mode == "remove":
        return np.setdiff1d(cur, hit).astype(np.intp)
    if mode == "intersect":
        return np.intersect1d(cur, hit).astype(np.intp)
    LocationQuery(mode=mode).check()  # raises: unknown mode
    return cur


def select_by_location(
    target: gpd.GeoDataFrame,
    reference: gpd.GeoDataFrame,
    query: LocationQuery,
    *,
    current: Sequence[int] | np.ndarray = (),
    reference_rows: Sequence[int] | np.ndarray | None = None,
    target_name: str = "target",
    reference_name: str = "reference",
) -> np.ndarray:
    """The target layer's new selection: the found rows combined with ``current``."""
    query.check()
    found = rows_by_location(
        target,
        reference,
        query.predicate,
        distance_m=query.distance_m,
        reference_rows=reference_rows,
        target_name=target_name,
        reference_name=reference_name,
    )
    return combine_selection(current, found, query.mode)
