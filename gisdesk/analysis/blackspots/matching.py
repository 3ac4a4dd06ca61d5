"""Match accident records to road pieces, by coordinates or by road name and stake."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisdesk.analysis.blackspots.issues import issue_frame
from gisdesk.analysis.blackspots.referencing import (
    RoadMeasures,
    locate_points,
    place_stakes,
    road_measures,
)
from gisdesk.core.crs import STORAGE_CRS, require_crs

if TYPE_CHECKING:
    from pyproj import CRS

__all__ = ["MATCH_COLUMNS", "locate_accidents"]

MATCH_COLUMNS = (
    "match_quality",
    "match_distance_m",
    "match_road",
    "match_road_id",
    "measure_km",
    "located_by",
)
"""Columns :func:`locate_accidents` adds to the accident layer."""

_Issue = tuple[int, str, object, str, str]
"""A problem with one record: its row, the field it is about, the value, Chinese, English."""


def locate_accidents(
    accidents: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | RoadMeasures,
    *,
    good_m: float = 20.0,
    max_m: float = 100.0,
    ambiguity_m: float = 5.0,
    disagree_m: float = 500.0,
    crs: CRS | None = None,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Match every accident to a road piece and measure it along its named road.

    Records with a point are matched by distance (preferring the road they name); records
    without one but with ``road`` and ``stake_km`` are placed by their stake. Nothing is
    dropped: a record that cannot be placed keeps an empty geometry and quality
    ``unmatched``, and the issue table says why.

    Parameters
    ----------
    accidents
        Accident points with a CRS (empty geometries allowed); optional ``road``,
        ``stake_km`` and ``row`` (spreadsheet row number, used in the issue table).
    roads
        Road layer (name + from_km/to_km stakes) or measures prepared from one.
    good_m, max_m, ambiguity_m
        Distance thresholds in metres (see
        :func:`~gisdesk.analysis.blackspots.referencing.locate_points`).
    disagree_m
        Flag records whose point lies further than this from their stated stake.
    crs
        Metric CRS for the roads when ``roads`` is a layer.

    Returns
    -------
    tuple
        The accidents in EPSG:4490 with :data:`MATCH_COLUMNS` added, and an issue table.
    """
    measures = roads if isinstance(roads, RoadMeasures) else road_measures(roads, crs=crs)
    require_crs(accidents, layer="accidents")
    n = len(accidents)
    metric = accidents.to_crs(measures.crs).geometry.to_numpy()
    pts = np.asarray(metric, dtype=object)
    has_pt = ~(shapely.is_missing(pts) | shapely.is_empty(pts)) if n else np.zeros(0, bool)
    road = (
        accidents["road"].to_numpy(dtype=object)
        if "road" in accidents.columns
        else np.full(n, None, dtype=object)
    )
    stake = (
        pd.to_numeric(accidents["stake_km"], errors="coerce").to_numpy(dtype=np.float64)
        if "stake_km" in accidents.columns
        else np.full(n, np.nan)
    )
    rows = (
        accidents["row"].to_numpy(dtype=np.int64)
        if "row" in accidents.columns
        else np.arange(n, dtype=np.int64) + 2
    )
    placed, placed_piece = place_stakes(measures, road, stake)
    by_stake = ~has_pt & (placed_piece >= 0)
    pts = pts.copy()
    pts[by_stake] = placed[by_stake]
    located = locate_points(
        measures, pts, road=road, good_m=good_m, max_m=max_m, ambiguity_m=ambiguity_m
    )
    # A stake placement is exact on its road: good, distance 0, measure = the stake.
    sp = np.flatnonzero(by_stake)
    located.loc[sp, "piece"] = placed_piece[sp]
    located.loc[sp, "quality"] = "good"
    located.loc[sp, "distance_m"] = 0.0
    located.loc[sp, "road"] = measures.name[placed_piece[sp]]
    located.loc[sp, "road_id"] = measures.road_id[placed_piece[sp]]
    located.loc[sp, "measure_km"] = stake[sp]

    issues = _issues(
        measures,
        located,
        rows=rows,
        road=road,
        stake=stake,
        has_pt=has_pt,
        by_stake=by_stake,
        placed=placed,
        placed_piece=placed_piece,
        metric=np.asarray(metric, dtype=object),
        max_m=max_m,
        disagree_m=disagree_m,
    )

    out = accidents.copy()
    geom = gpd.GeoSeries(pts, crs=measures.crs).to_crs(STORAGE_CRS)
    out = out.set_geometry(geom.to_numpy(), crs=STORAGE_CRS)
    out["match_quality"] = located["quality"].to_numpy()
    out["match_distance_m"] = located["distance_m"].to_numpy()
    out["match_road"] = located["road"].to_numpy()
    out["match_road_id"] = located["road_id"].to_numpy()
    out["measure_km"] = located["measure_km"].to_numpy()
    how = np.full(n, None, dtype=object)
    how[has_pt] = "coordinates"
    how[by_stake] = "stake"
    out["located_by"] = how
    table = issue_frame(issues).sort_values("row", kind="stable").reset_index(drop=True)
    return out, table


def _issues(
    measures: RoadMeasures,
    located: pd.DataFrame,
    *,
    rows: np.ndarray,
    road: np.ndarray,
    stake: np.ndarray,
    has_pt: np.ndarray,
    by_stake: np.ndarray,
    placed: np.ndarray,
    placed_piece: np.ndarray,
    metric: np.ndarray,
    max_m: float,
    disagree_m: float,
) -> list[_Issue]:
    distance = located["distance_m"].to_numpy(dtype=np.float64)
    issues: list[_Issue] = []

    def on_stake(i: int | np.integer[Any], zh: str, en: str) -> _Issue:
        return int(rows[i]), "stake_km", float(stake[i]), zh, en

    def on_location(i: int | np.integer[Any], zh: str, en: str) -> _Issue:
        return int(rows[i]), "location", None, zh, en

    known = measures.code_of(road) >= 0
    text = pd.Series(road, dtype=object).astype("string").str.strip().fillna("")
    named = (text != "").to_numpy(dtype=bool)
    for i in np.flatnonzero(~has_pt & ~by_stake):
        if named[i] and not known[i]:
            issues.append(
                (
                    int(rows[i]),
                    "road",
                    road[i],
                    f"道路名称“{road[i]}”不在道路图层中，无法按桩号定位。",
                    f"Road '{road[i]}' is not in the roads layer; the stake cannot be placed.",
                )
            )
        elif named[i] and np.isfinite(stake[i]):
            length = float(measures.road_length_km[measures.code_of(road[i : i + 1])[0]])
            issues.append(
                on_stake(
                    i,
                    f"桩号 {stake[i]:.3f} 千米超出 {road[i]} 的范围（0–{length:.3f}）。",
                    f"Stake {stake[i]:.3f} km lies beyond {road[i]} (0-{length:.3f} km).",
                )
            )
        else:
            issues.append(
                on_location(
                    i,
                    "没有位置：既无经纬度，也无道路名称加桩号。",
                    "No location: neither coordinates nor road name and stake.",
                )
            )
    far = has_pt & (located["quality"].to_numpy() == "unmatched")
    for i in np.flatnonzero(far):
        d = float(distance[i])
        issues.append(
            on_location(
                i,
                f"离最近道路 {d:.0f} 米，超过 {max_m:.0f} 米，未匹配到道路。",
                f"{d:.0f} m from the nearest road (over {max_m:.0f} m): not matched.",
            )
        )
    both = has_pt & (placed_piece >= 0)
    if both.any():
        gap = shapely.distance(metric[both], placed[both])
        for i, g in zip(np.flatnonzero(both)[gap > disagree_m], gap[gap > disagree_m], strict=True):
            issues.append(
                on_stake(
                    i,
                    f"坐标与桩号相距 {g:.0f} 米，请核对（按坐标定位）。",
                    f"Coordinates and stake are {g:.0f} m apart; check (by coordinates).",
                )
            )
    amb = located["quality"].to_numpy() == "ambiguous"
    issues.extend(
        on_location(
            i,
            "附近有多条道路，匹配不确定；请填写道路名称。",
            "Several roads lie close by; the match is ambiguous. Fill in the road name.",
        )
        for i in np.flatnonzero(amb)
    )
    return issues
