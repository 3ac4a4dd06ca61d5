"""Linear referencing along named roads: kilometre stakes to points and points to stakes.

A named road (G328, S336, X204 ...) is a chain of road pieces, each carrying ``from_km`` and
``to_km`` stakes and digitised in the direction of increasing stake. A position on the road
is its *measure* in kilometres; a stake "K12+300" is measure 12.3 on that road.

Everything here is vectorised over points: a global key (road offset + measure) turns "which
piece holds this stake" into one ``np.searchsorted``, and an STRtree finds nearby pieces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from gisdesk.analysis._checks import check_geometry, joint_metric_crs, to_crs_checked

if TYPE_CHECKING:
    import geopandas as gpd
    from pyproj import CRS

__all__ = [
    "MATCH_QUALITIES",
    "RoadMeasures",
    "locate_points",
    "place_stakes",
    "road_measures",
    "road_substring",
]

MATCH_QUALITIES = ("good", "fair", "ambiguous", "unmatched")
"""Match quality of a record against the roads, best first."""


@dataclass(eq=False)
class RoadMeasures:
    """Road pieces in metric coordinates with their stakes, sorted by road then stake.

    Attributes
    ----------
    crs
        Metric CRS of ``geometry``.
    geometry
        Piece lines (shapely array), every road piece of the layer.
    row
        Row position of each piece in the input roads layer.
    road_id
        ``road_id`` of each piece (row number as text when the layer has none).
    name
        Road name per piece (None where unnamed).
    road_code
        Index into ``roads`` per piece, -1 for pieces without name or stakes.
    from_km, to_km
        Stakes per piece (NaN where missing).
    road_class
        ``class`` per piece (None where missing).
    roads
        Names of the stake-referenced roads, the index ``road_code`` points into.
    road_length_km
        Largest stake of each road in ``roads``.
    """

    crs: CRS
    geometry: np.ndarray
    row: np.ndarray
    road_id: np.ndarray
    name: np.ndarray
    road_code: np.ndarray
    from_km: np.ndarray
    to_km: np.ndarray
    road_class: np.ndarray
    roads: np.ndarray
    road_length_km: np.ndarray
    _tree: shapely.STRtree | None = None

    @property
    def tree(self) -> shapely.STRtree:
        """Return a spatial index over every piece (built once)."""
        if self._tree is None:
            self._tree = shapely.STRtree(self.geometry)
        return self._tree

    def road_offset(self) -> np.ndarray:
        """Return each road's offset in the global key (previous lengths plus 1 km each)."""
        return np.concatenate([[0.0], np.cumsum(self.road_length_km + 1.0)[:-1]])

    def referenced(self) -> np.ndarray:
        """Return the positions of the stake-referenced pieces, sorted by road then stake."""
        idx = np.flatnonzero(self.road_code >= 0)
        order = np.lexsort((self.from_km[idx], self.road_code[idx]))
        return idx[order]

    def code_of(self, names: np.ndarray) -> np.ndarray:
        """Return the road code of each name (-1 for unknown or missing names)."""
        lookup = pd.Index(self.roads)
        clean = pd.Series(names, dtype=object).astype("string").str.strip()
        return np.asarray(lookup.get_indexer(clean.fillna("").to_numpy(dtype=object)))


def road_measures(roads: gpd.GeoDataFrame, *, crs: CRS | None = None) -> RoadMeasures:
    """Prepare a road layer for linear referencing.

    Parameters
    ----------
    roads
        Road lines with a CRS; optional ``name``, ``from_km``, ``to_km``, ``road_id`` and
        ``class`` fields. Pieces with a name and both stakes form the referenced roads.
    crs
        Metric CRS to work in; default EPSG:4549 (or a UTM zone outside its area of use).

    Returns
    -------
    RoadMeasures
        The pieces, stakes and per-road lengths.
    """
    check_geometry(roads, layer="roads", allowed={"LineString", "MultiLineString"})
    metric = crs if crs is not None else joint_metric_crs({"roads": roads})
    geoms = to_crs_checked(roads, metric, layer="roads").geometry.to_numpy()
    geoms = shapely.line_merge(geoms)  # a MultiLineString chain becomes one line where it can
    n = len(roads)

    def col(name: str) -> pd.Series:
        if name in roads.columns:
            series: pd.Series = roads[name]
            return series.reset_index(drop=True)
        return pd.Series([None] * n, dtype=object)

    name = col("name").astype("string").str.strip()
    from_km = pd.to_numeric(col("from_km"), errors="coerce").to_numpy(dtype=np.float64)
    to_km = pd.to_numeric(col("to_km"), errors="coerce").to_numpy(dtype=np.float64)
    ok = name.notna().to_numpy() & (name != "").fillna(False).to_numpy()
    ok &= np.isfinite(from_km) & np.isfinite(to_km) & (to_km > from_km)
    names_ok = name[ok].to_numpy(dtype=object)
    uniq, codes = np.unique(names_ok.astype(str), return_inverse=True)
    road_code = np.full(n, -1, dtype=np.int64)
    road_code[ok] = codes
    length = np.zeros(len(uniq))
    np.maximum.at(length, codes, to_km[ok])
    rid = col("road_id").astype("string")
    rid = rid.fillna(pd.Series(np.arange(n).astype(str), dtype="string"))
    return RoadMeasures(
        crs=metric,
        geometry=np.asarray(geoms, dtype=object),
        row=np.arange(n),
        road_id=rid.to_numpy(dtype=object),
        name=name.astype(object).where(name.notna(), None).to_numpy(dtype=object),
        road_code=road_code,
        from_km=from_km,
        to_km=to_km,
        road_class=col("class").astype(object).to_numpy(dtype=object),
        roads=uniq.astype(object),
        road_length_km=length,
    )


def place_stakes(
    measures: RoadMeasures,
    road: np.ndarray,
    stake_km: np.ndarray,
    *,
    tolerance_km: float = 0.05,
) -> tuple[np.ndarray, np.ndarray]:
    """Place kilometre stakes on their named roads.

    Parameters
    ----------
    measures
        The referenced roads.
    road
        Road name per record.
    stake_km
        Stake per record in kilometres.
    tolerance_km
        How far past a road's last stake a stake may lie and still be placed (at the end).

    Returns
    -------
    tuple of ndarray
        Points (shapely array in ``measures.crs``, None where not placed) and the piece
        position in ``measures`` holding each point (-1 where not placed).
    """
    code = measures.code_of(np.asarray(road, dtype=object))
    stake = np.asarray(stake_km, dtype=np.float64)
    ref = measures.referenced()
    offset = measures.road_offset()
    keys = offset[measures.road_code[ref]] + measures.from_km[ref]
    valid = (code >= 0) & np.isfinite(stake) & (stake >= 0)
    safe_code = np.where(valid, code, 0)
    within = valid & (stake <= measures.road_length_km[safe_code] + tolerance_km)
    target = offset[safe_code] + np.clip(stake, 0.0, measures.road_length_km[safe_code])
    pos = np.clip(np.searchsorted(keys, target, side="right") - 1, 0, max(0, len(ref) - 1))
    piece = ref[pos] if len(ref) else np.zeros(len(stake), dtype=np.int64)
    same = within & (measures.road_code[piece] == code)
    piece = np.where(same, piece, -1)
    points = np.full(len(stake), None, dtype=object)
    if same.any():
        p = piece[same]
        span = measures.to_km[p] - measures.from_km[p]
        frac = np.clip((np.clip(stake[same], 0.0, None) - measures.from_km[p]) / span, 0.0, 1.0)
        points[same] = shapely.line_interpolate_point(measures.geometry[p], frac, normalized=True)
    return points, piece


def locate_points(
    measures: RoadMeasures,
    points: np.ndarray,
    *,
    road: np.ndarray | None = None,
    good_m: float = 20.0,
    max_m: float = 100.0,
    ambiguity_m: float = 5.0,
) -> pd.DataFrame:
    """Match points to their nearest road piece and measure them along named roads.

    A point stating a road name is matched to that road when one of its pieces lies within
    ``max_m``; otherwise to the nearest piece, a named road winning over an unnamed one
    within ``ambiguity_m``. It is *ambiguous* when a piece of another named road lies within
    ``ambiguity_m`` of the best distance and no stated name decides.

    Parameters
    ----------
    measures
        The referenced roads.
    points
        Points (shapely array in ``measures.crs``); None or empty for records without one.
    road
        Optional stated road name per point.
    good_m, max_m, ambiguity_m
        Match distance thresholds in metres: good up to ``good_m``, fair up to ``max_m``,
        unmatched beyond.

    Returns
    -------
    pandas.DataFrame
        One row per point: ``piece`` (-1 if unmatched), ``quality``, ``distance_m``,
        ``road`` (matched road name), ``road_id``, ``measure_km`` (NaN off named roads).
    """
    pts = np.asarray(points, dtype=object)
    n = len(pts)
    have = ~(shapely.is_missing(pts) | shapely.is_empty(pts)) if n else np.zeros(0, dtype=bool)
    idx_have = np.flatnonzero(have)
    pairs = measures.tree.query(pts[idx_have], predicate="dwithin", distance=max_m)
    src = idx_have[pairs[0]]
    cand = pairs[1]
    dist = shapely.distance(pts[src], measures.geometry[cand])
    stated = measures.code_of(np.asarray(road, dtype=object)) if road is not None else None
    # Rank the candidate pieces: those of the stated road first, then by distance.
    prefer = np.zeros(len(src), dtype=bool)
    if stated is not None:
        prefer = (measures.road_code[cand] == stated[src]) & (stated[src] >= 0)
    # Near a junction a named (stake-referenced) road wins over an unnamed piece.
    unnamed_cand = measures.road_code[cand] < 0
    order = np.lexsort((dist + np.where(unnamed_cand, ambiguity_m, 0.0), ~prefer, src))
    src, cand, dist, prefer = src[order], cand[order], dist[order], prefer[order]
    first = np.ones(len(src), dtype=bool)
    first[1:] = src[1:] != src[:-1]
    best_src, best_piece, best_dist = src[first], cand[first], dist[first]
    best_pref = prefer[first]

    # Ambiguity: another road's piece nearly as close, and the stated name did not decide.
    start = np.flatnonzero(first)
    best_of_row = np.repeat(np.arange(len(start)), np.diff(np.append(start, len(src))))
    bp = best_piece[best_of_row]
    # Only two *named* roads close together make a match ambiguous: pieces of one road
    # meet at its own junctions, and unnamed lanes carry no stakes to confuse.
    named_both = (measures.road_code[cand] >= 0) & (measures.road_code[bp] >= 0)
    other = named_both & (measures.road_code[cand] != measures.road_code[bp])
    near = other & (dist <= best_dist[best_of_row] + ambiguity_m) & ~first
    amb_rows = np.zeros(len(start), dtype=bool)
    np.logical_or.at(amb_rows, best_of_row, near)
    amb_rows &= ~best_pref

    piece = np.full(n, -1, dtype=np.int64)
    distance = np.full(n, np.nan)
    quality = np.full(n, "unmatched", dtype=object)
    piece[best_src] = best_piece
    distance[best_src] = best_dist
    quality[best_src] = np.where(best_dist <= good_m, "good", "fair")
    quality[best_src[amb_rows]] = "ambiguous"
    far = np.flatnonzero(have & (piece < 0))
    if len(far):
        near_idx = measures.tree.query_nearest(pts[far], return_distance=True, all_matches=False)
        distance[far[near_idx[0][0]]] = near_idx[1]

    measure = np.full(n, np.nan)
    on_named = (piece >= 0) & (measures.road_code[np.maximum(piece, 0)] >= 0)
    if on_named.any():
        p = piece[on_named]
        frac = shapely.line_locate_point(measures.geometry[p], pts[on_named], normalized=True)
        measure[on_named] = measures.from_km[p] + frac * (measures.to_km[p] - measures.from_km[p])
    safe = np.maximum(piece, 0)
    return pd.DataFrame(
        {
            "piece": piece,
            "quality": quality,
            "distance_m": distance,
            "road": pd.Series(measures.name[safe], dtype=object).where(piece >= 0, None),
            "road_id": pd.Series(measures.road_id[safe], dtype=object).where(piece >= 0, None),
            "measure_km": measure,
        }
    )


def road_substring(measures: RoadMeasures, road: int, a: float, b: float) -> shapely.Geometry:
    """Return the line of a named road between two stakes (empty if none)."""
    from shapely import ops

    idx = np.flatnonzero(
        (measures.road_code == road) & (measures.to_km >= a) & (measures.from_km <= b)
    )
    idx = idx[np.argsort(measures.from_km[idx])]
    parts = []
    for i in idx:
        f0, f1 = measures.from_km[i], measures.to_km[i]
        lo = (max(a, f0) - f0) / (f1 - f0)
        hi = (min(b, f1) - f0) / (f1 - f0)
        parts.append(ops.substring(measures.geometry[i], lo, hi, normalized=True))
    if not parts:
        return shapely.LineString()
    return shapely.line_merge(shapely.union_all(parts))
