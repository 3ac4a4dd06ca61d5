"""Key zones and their members kept per station, so an edited station costs one station's work.

When a monitoring station is added, moved, re-levelled or deleted, only that station's zone
and member list change. :func:`station_parts` computes the zone rows and member rows of some
stations (by feature id) with the same functions as the full analysis
(:func:`~gisdesk.analysis.zones.station_zones`, :func:`~gisdesk.analysis.zones.zone_members`);
:func:`assemble_zones` puts the kept parts of the unchanged stations and the fresh parts of
the changed ones together in the stations' current order, numbering ``feature`` and
``station`` (the station's row) as the full analysis would. The two together give the same
layers as running the analysis again on the whole new station set.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from gisdesk.analysis.zones import CONTROL_LEVELS, DEFAULT_RADIUS_M, station_zones, zone_members
from gisdesk.core.crs import STORAGE_CRS
from gisdesk.core.progress import CancelToken, ProgressCallback, check_cancel

__all__ = ["StationPart", "assemble_zones", "member_counts", "station_parts"]


@dataclass(frozen=True)
class StationPart:
    """One station's zone rows and member rows; ``keyed`` says whether its level gives it a key
    zone (its zone rows may still be none, when clipping leaves nothing of them)."""

    zones: gpd.GeoDataFrame
    members: gpd.GeoDataFrame
    keyed: bool = True


def station_parts(
    stations: gpd.GeoDataFrame,
    fids: np.ndarray,
    targets: Mapping[str, gpd.GeoDataFrame],
    *,
    only: Collection[int] | None = None,
    radius_m: float | None = DEFAULT_RADIUS_M,
    radius_field: str | None = None,
    levels: Sequence[str] | None = CONTROL_LEVELS,
    clip_to: gpd.GeoDataFrame | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> dict[int, StationPart]:
    """Return the zone and member rows of stations by feature id.

    Parameters
    ----------
    stations
        The monitoring stations (Point layer).
    fids
        Feature id of each station row.
    targets
        Layers whose features are listed as members, by name.
    only
        Feature ids to compute (default: every station); ids no longer present are absent
        from the result.
    radius_m, radius_field, levels
        As for :func:`~gisdesk.analysis.zones.zone_members`.
    clip_to
        Polygons the zones are clipped to, as for
        :func:`~gisdesk.analysis.zones.station_zones`.
    """
    fids = np.asarray(fids, dtype=np.int64)
    rows = np.arange(len(stations)) if only is None else np.flatnonzero(np.isin(fids, list(only)))
    check_cancel(cancel)
    sub = stations.iloc[rows]
    zones = station_zones(
        sub, radius_m=radius_m, radius_field=radius_field, levels=levels, clip_to=clip_to
    )
    members = zone_members(
        sub,
        targets,
        radius_m=radius_m,
        radius_field=radius_field,
        levels=levels,
        progress=progress,
        cancel=cancel,
    )
    mask = (
        sub["level"].isin(list(levels)).to_numpy()
        if levels is not None and "level" in sub.columns
        else np.ones(len(sub), dtype=bool)
    )
    chosen = np.flatnonzero(mask)  # positions in sub of the stations that have zones
    zone_fid = fids[rows[zones["feature"].to_numpy(dtype=np.int64)]]
    member_fid = fids[rows[members["station"].to_numpy(dtype=np.int64)]]
    keyed = np.zeros(len(rows), dtype=bool)
    keyed[chosen] = True
    parts = {}
    for fid, has_zone in zip(fids[rows], keyed, strict=True):
        parts[int(fid)] = StationPart(
            zones.iloc[np.flatnonzero(zone_fid == fid)],
            members.iloc[np.flatnonzero(member_fid == fid)],
            bool(has_zone),
        )
    return parts


def assemble_zones(
    fids: np.ndarray, parts: Mapping[int, StationPart]
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return the zones and members layers of stations in row order (feature ids ``fids``).

    ``feature`` of a zone (each piece of a clipped zone) and ``station`` of a member are
    the station's row, as in a full run of the analysis.
    """
    zone_frames, member_frames = [], []
    for row, fid in enumerate(np.asarray(fids, dtype=np.int64)):
        part = parts.get(int(fid))
        if part is None:
            continue
        if part.keyed:
            zones = part.zones.copy()
            zones["feature"] = row
            zone_frames.append(zones)
        members = part.members.copy()
        members["station"] = row
        member_frames.append(members)
    return _concat(zone_frames), _concat(member_frames)


def _concat(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    frames = [f for f in frames if len(f)] or frames[:1]
    if not frames:
        return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=STORAGE_CRS))
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)


def member_counts(members: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return members per station (rows, by name) and layer (columns)."""
    if len(members) == 0 or "layer" not in members.columns:
        return pd.DataFrame()
    name = "station_name" if "station_name" in members.columns else "station"
    return pd.crosstab(members[name], members["layer"])
