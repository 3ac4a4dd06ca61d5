"""Camera and checkpoint spacing (ROAD-6), video on listed segments (ROAD-7), persuasion
stations per town and village (ROAD-8).

Cameras are measured along their road by their stake when they give road and stake, else by
projecting their point onto the nearest road piece. Gaps are the stretches between
consecutive devices along a road, plus the stretches from the road's start to the first and
from the last to its end (``at_end``), per kind (视频监控 / 卡口) and for both combined.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisdesk.analysis._checks import check_not_empty, check_positive
from gisdesk.analysis.blackspots.referencing import (
    locate_points,
    road_measures,
    road_substring,
)
from gisdesk.core.crs import STORAGE_CRS, require_crs
from gisdesk.core.errors import InputError

__all__ = [
    "ALL_KINDS",
    "DEFAULT_MAX_GAP_KM",
    "KINDS",
    "TRUNK_CLASSES",
    "camera_gaps",
    "check_max_gap",
    "persuasion_coverage",
    "video_coverage",
]

TRUNK_CLASSES = ("国道", "省道")
"""Road classes of the ordinary national and provincial roads ROAD-6 covers."""

ALL_KINDS = "全部"
"""Kind label of the combined gaps (video cameras and checkpoints together)."""

VIDEO = "视频监控"
KINDS = (VIDEO, "卡口")
"""Device kinds whose gaps are measured one by one (video cameras, checkpoints)."""
DEFAULT_MAX_GAP_KM = 10.0
"""ROAD-6's longest allowed gap between consecutive devices (km)."""
MAX_GAP_KM = 200.0
"""Longest gap limit accepted (the district's longest trunk road is well under 200 km)."""


def check_max_gap(max_gap_km: float) -> float:
    """Return the longest allowed gap if it is above 0 and at most :data:`MAX_GAP_KM`."""
    return check_positive(
        max_gap_km, ("最大间距", "The longest allowed gap"), MAX_GAP_KM, ("千米", "km")
    )


def camera_gaps(
    cameras: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    *,
    max_gap_km: float = DEFAULT_MAX_GAP_KM,
    classes: tuple[str, ...] = TRUNK_CLASSES,
    kinds: tuple[str, ...] = KINDS,
    snap_m: float = 100.0,
) -> gpd.GeoDataFrame:
    """Measure the gaps between consecutive cameras along each trunk road.

    Parameters
    ----------
    cameras
        Camera / checkpoint points with ``kind``; optional ``road`` and ``stake_km``.
    roads
        Road layer with ``name``, ``class``, ``from_km`` and ``to_km``.
    max_gap_km
        Longest allowed gap (ROAD-6: 10 km).
    classes
        Road classes checked (default national and provincial).
    kinds
        Device kinds checked one by one; :data:`ALL_KINDS` rows combine them.
    snap_m
        Cameras without a stake are projected onto a road piece within this distance.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per gap (EPSG:4490 line along the road): ``road``, ``class``, ``kind``,
        ``from_km``, ``to_km``, ``gap_km``, ``at_end`` and ``exceeds``, sorted by road,
        kind and stake.
    """
    check_max_gap(max_gap_km)
    check_positive(snap_m, ("投影距离", "The snapping distance"), 5_000.0, ("米", "m"))
    for gdf, what_zh, what_en in ((cameras, "监控卡口", "camera"), (roads, "道路", "road")):
        check_not_empty(
            gdf,
            what_zh=what_zh,
            what_en=what_en,
            needed_zh="检查监控间距",
            needed_en="camera gaps",
        )
    require_crs(cameras, layer="cameras")
    if "kind" not in cameras.columns:
        raise InputError("监控图层缺少“类型”（kind）字段。", "The cameras layer has no 'kind'.")
    measures = road_measures(roads)
    road_class = np.full(len(measures.roads), None, dtype=object)
    ref = measures.referenced()
    road_class[measures.road_code[ref][::-1]] = measures.road_class[ref][::-1]
    checked = np.flatnonzero(np.isin(road_class.astype(str), list(classes)))
    n = len(cameras)
    road = cameras["road"].to_numpy(dtype=object) if "road" in cameras else np.full(n, None)
    stake = (
        pd.to_numeric(cameras["stake_km"], errors="coerce").to_numpy(dtype=np.float64)
        if "stake_km" in cameras
        else np.full(n, np.nan)
    )
    code = measures.code_of(road)
    by_stake = (code >= 0) & np.isfinite(stake)
    pts = np.asarray(cameras.to_crs(measures.crs).geometry.to_numpy(), dtype=object)
    located = locate_points(measures, pts, road=road, max_m=snap_m)
    proj_code = measures.code_of(located["road"].to_numpy(dtype=object))
    code = np.where(by_stake, code, proj_code)
    km = np.where(by_stake, stake, located["measure_km"].to_numpy(dtype=np.float64))
    ok = (code >= 0) & np.isfinite(km)
    devices = pd.DataFrame(
        {"code": code[ok], "km": km[ok], "kind": cameras["kind"].to_numpy(dtype=object)[ok]}
    )
    rows: list[dict[str, object]] = []
    for c in checked:
        length = float(measures.road_length_km[c])
        # the road's first stake: a national road's stakes in the district may start at K250
        start = float(np.min(measures.from_km[measures.road_code == c]))
        on_road = devices[devices["code"] == c]
        for kind in (*kinds, ALL_KINDS):
            sel = on_road if kind == ALL_KINDS else on_road[on_road["kind"] == kind]
            stops = np.concatenate([[start], np.sort(sel["km"].to_numpy()), [length]])
            stops = np.clip(stops, start, length)
            gap = np.diff(stops)
            end = np.zeros(len(gap), dtype=bool)
            end[[0, -1]] = True
            rows.extend(
                {
                    "road": str(measures.roads[c]),
                    "class": road_class[c],
                    "kind": kind,
                    "from_km": round(float(a), 3),
                    "to_km": round(float(b), 3),
                    "gap_km": round(float(g), 3),
                    "at_end": bool(e),
                    "exceeds": bool(g > max_gap_km),
                    "code": int(c),
                }
                for a, b, g, e in zip(stops[:-1], stops[1:], gap, end, strict=True)
            )
    frame = pd.DataFrame(
        rows,
        columns=[
            "road",
            "class",
            "kind",
            "from_km",
            "to_km",
            "gap_km",
            "at_end",
            "exceeds",
            "code",
        ],
    )
    geoms = np.array(
        [
            road_substring(measures, int(c), float(a), float(b))
            for c, a, b in zip(frame["code"], frame["from_km"], frame["to_km"], strict=True)
        ],
        dtype=object,
    )
    out = gpd.GeoDataFrame(frame.drop(columns="code"), geometry=geoms, crs=measures.crs)
    return out.to_crs(STORAGE_CRS)


def video_coverage(
    segments: gpd.GeoDataFrame,
    cameras: gpd.GeoDataFrame,
    *,
    radius_m: float = 200.0,
    online_only: bool = False,
) -> pd.DataFrame:
    """Check whether each listed segment's start, middle and end are under video (ROAD-7).

    Parameters
    ----------
    segments
        Listed segments (lines) with ``segment_id``.
    cameras
        Camera points with ``kind``; only 视频监控 counts.
    radius_m
        A point is covered when a video camera lies within this distance.
    online_only
        Count only cameras with ``online`` true (connected).

    Returns
    -------
    pandas.DataFrame
        Per segment: ``segment_id``, ``name``, distance to the nearest video camera from its
        ``start``, ``middle`` and ``end`` (metres), ``points_covered`` (0-3) and ``covered``.
    """
    from gisdesk.analysis._checks import joint_metric_crs

    crs = joint_metric_crs({"accident_segments": segments, "cameras": cameras})
    video = cameras[cameras["kind"].astype("string") == VIDEO]
    if online_only and "online" in video.columns:
        video = video[video["online"].fillna(False).astype(bool)]
    lines = segments.to_crs(crs).geometry.to_numpy()
    out = pd.DataFrame(
        {
            "segment_id": segments.get("segment_id", pd.Series(range(len(segments)))).to_numpy(),
            "name": segments.get("name", pd.Series([None] * len(segments))).to_numpy(),
        }
    )
    covered = np.zeros(len(segments), dtype=np.int64)
    cams = video.to_crs(crs).geometry.to_numpy()
    for label, frac in (("start", 0.0), ("middle", 0.5), ("end", 1.0)):
        pts = shapely.line_interpolate_point(lines, frac, normalized=True)
        dist = np.full(len(segments), np.inf)
        if len(cams):
            (i, _j), d = shapely.STRtree(cams).query_nearest(pts, return_distance=True)
            dist[i] = d
        out[f"{label}_m"] = np.round(dist, 1)
        covered += dist <= radius_m
    out["points_covered"] = covered
    out["ends_covered"] = (out["start_m"] <= radius_m) & (out["end_m"] <= radius_m)
    out["covered"] = covered == 3
    return out


def persuasion_coverage(
    stations: gpd.GeoDataFrame | pd.DataFrame,
    *,
    towns: pd.DataFrame | None = None,
    villages: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Count persuasion stations per town (level 1-2) and per village (level 3) (ROAD-8).

    Parameters
    ----------
    stations
        Stations with ``level``, ``town`` and ``village``.
    towns
        Towns with ``name`` (so towns without a station are listed too).
    villages
        Villages with ``name`` and ``town``.

    Returns
    -------
    tuple of pandas.DataFrame
        Per town: ``town``, ``level_1_2``, ``level_3``, ``meets``; per village: ``town``,
        ``village``, ``level_3``, ``meets``.
    """
    level = pd.to_numeric(stations["level"], errors="coerce")
    st = pd.DataFrame(
        {
            "town": stations["town"].astype("string"),
            "village": stations.get("village", pd.Series([None] * len(stations))).astype("string"),
            "high": level.isin([1, 2]).astype(int),
            "low": (level == 3).astype(int),
        }
    )
    per_town = st.groupby("town", dropna=True)[["high", "low"]].sum()
    names = (
        pd.Index(towns["name"].astype("string"), name="town")
        if towns is not None
        else per_town.index
    )
    town_table = per_town.reindex(names, fill_value=0).reset_index()
    town_table.columns = pd.Index(["town", "level_1_2", "level_3"])
    town_table["meets"] = town_table["level_1_2"] >= 1
    per_village = st[st["low"] > 0].groupby(["town", "village"])["low"].sum()
    if villages is not None:
        keys = pd.MultiIndex.from_arrays(
            [villages["town"].astype("string"), villages["name"].astype("string")],
            names=["town", "village"],
        )
        per_village = per_village.reindex(keys, fill_value=0)
    village_table = per_village.rename("level_3").reset_index()
    village_table["meets"] = village_table["level_3"] >= 1
    return town_table, village_table
