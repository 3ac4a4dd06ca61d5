"""Buffer zones in metres and exact zone membership (AIR-4: 3 km around control stations).

Zones are polygons for the map: fixed or per-feature distances, rings, dissolved or per
feature, optionally clipped to towns, returned in EPSG:4490. Membership is NOT decided by
those polygons: a buffer is a polygon with arc segments (QGIS's default 20-gon misses about
1% of the points truly within 3 km); :func:`zone_members` measures the exact distance with
an STRtree ``dwithin`` query in metres instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from gisdesk.analysis._checks import (
    check_geometry,
    check_not_empty,
    check_positive,
    joint_metric_crs,
    to_crs_checked,
)
from gisdesk.core.crs import STORAGE_CRS, require_crs, transformer
from gisdesk.core.errors import InputError
from gisdesk.core.progress import CancelToken, ProgressCallback, check_cancel, report

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "CONTROL_LEVELS",
    "MAX_RADIUS_M",
    "buffer_zones",
    "check_radius",
    "check_zone_inputs",
    "station_zones",
    "zone_members",
]

CONTROL_LEVELS = ("国控", "省控")
"""Station levels whose 3 km surroundings are key zones (海政办发〔2022〕36号, AIR-4)."""
DEFAULT_RADIUS_M = 3000.0
MAX_RADIUS_M = 50_000.0
"""Largest zone radius accepted (50 km: the whole district around one station)."""
QUAD_SEGS = 64  # 256-gon: the drawn circle is within 0.02% (0.6 m at 3 km) of the true one


def _distances(
    gdf: gpd.GeoDataFrame,
    *,
    distance_m: float | None,
    distance_field: str | None,
    layer: str,
) -> np.ndarray:
    if (distance_m is None) == (distance_field is None):
        raise InputError(
            "请给出固定距离或距离字段（二者之一）。",
            "Give either a fixed distance or a distance field (one of the two).",
        )
    if distance_field is not None:
        if distance_field not in gdf.columns:
            raise InputError(
                f"图层“{layer}”没有距离字段“{distance_field}”。",
                f"Layer '{layer}' has no distance field '{distance_field}'.",
            )
        d = pd.to_numeric(gdf[distance_field], errors="coerce").to_numpy(dtype=np.float64)
    else:
        d = np.full(len(gdf), float(distance_m), dtype=np.float64)  # type: ignore[arg-type]
    bad = ~np.isfinite(d) | (d < 0)
    if bad.any():
        rows = ", ".join(str(i) for i in gdf.index[bad][:10])
        raise InputError(
            f"图层“{layer}”有 {int(bad.sum())} 个要素的距离缺失或为负（行 {rows}）。",
            f"Layer '{layer}' has {int(bad.sum())} features with a missing or negative "
            f"distance (rows {rows}).",
        )
    return np.asarray(d, dtype=np.float64)


def buffer_zones(
    features: gpd.GeoDataFrame,
    *,
    distance_m: float | None = None,
    distance_field: str | None = None,
    rings: Sequence[float] | None = None,
    dissolve: bool = False,
    clip_to: gpd.GeoDataFrame | None = None,
    clip_name_field: str = "name",
    quad_segs: int = QUAD_SEGS,
    layer: str = "features",
) -> gpd.GeoDataFrame:
    """Return buffer zones in metres as polygons in EPSG:4490.

    Parameters
    ----------
    features
        Any geometry layer with a CRS.
    distance_m
        One distance for every feature.
    distance_field
        Or: a field holding each feature's distance in metres.
    rings
        Or: ring outer radii in metres (e.g. [1000, 2000, 3000]); each ring is the band
        between the previous radius and its own.
    dissolve
        Merge the zones of all features (per ring) into one.
    clip_to
        Polygons to clip to (e.g. towns); the result then has one row per zone and
        polygon, with the polygon's ``clip_name_field`` as ``clip_name``.
    quad_segs
        Segments per quarter circle of the drawn buffer.
    layer
        Name of the layer in messages.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``feature`` (row position, -1 when dissolved), ``inner_m``, ``outer_m``,
        the input's attributes (not when dissolved), ``clip_name`` when clipped, geometry.
    """
    layers = {layer: features} | ({} if clip_to is None else {"clip_to": clip_to})
    crs = joint_metric_crs(layers)
    metric = to_crs_checked(features, crs, layer=layer)
    check_geometry(
        metric,
        layer=layer,
        allowed={"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"},
    )
    geoms = metric.geometry.to_numpy()
    if rings is not None:
        radii = np.asarray(sorted(float(r) for r in rings), dtype=np.float64)
        if radii.size == 0 or radii[0] <= 0:
            raise InputError("环半径必须为正数。", "Ring radii must be positive.")
        bands = list(zip(np.concatenate([[0.0], radii[:-1]]), radii, strict=True))
        per_feature = [np.full(len(metric), outer) for _, outer in bands]
    else:
        d = _distances(metric, distance_m=distance_m, distance_field=distance_field, layer=layer)
        bands = [(0.0, np.nan)]
        per_feature = [d]
    frames = []
    for (inner, _), outer in zip(bands, per_feature, strict=True):
        outer_poly = shapely.buffer(geoms, outer, quad_segs=quad_segs)
        if inner > 0:
            outer_poly = shapely.difference(
                outer_poly, shapely.buffer(geoms, inner, quad_segs=quad_segs)
            )
        frame = pd.DataFrame(
            {"feature": np.arange(len(metric)), "inner_m": inner, "outer_m": outer}
        )
        if dissolve:
            frame = pd.DataFrame(
                {"feature": [-1], "inner_m": [inner], "outer_m": [float(np.max(outer, initial=0))]}
            )
            outer_poly = np.asarray([shapely.union_all(outer_poly)], dtype=object)
        else:
            attrs = metric.drop(columns=metric.geometry.name).reset_index(drop=True)
            frame = pd.concat([frame, attrs.drop(columns=frame.columns, errors="ignore")], axis=1)
        frames.append(gpd.GeoDataFrame(frame, geometry=outer_poly, crs=crs))
    zones = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=crs)
    if clip_to is not None:
        zones = _clip(zones, to_crs_checked(clip_to, crs, layer="clip_to"), clip_name_field)
    return zones.to_crs(STORAGE_CRS)


def _clip(zones: gpd.GeoDataFrame, polys: gpd.GeoDataFrame, name_field: str) -> gpd.GeoDataFrame:
    tree = shapely.STRtree(polys.geometry.to_numpy())
    zi, pi = tree.query(zones.geometry.to_numpy(), predicate="intersects")
    parts = shapely.intersection(zones.geometry.to_numpy()[zi], polys.geometry.to_numpy()[pi])
    keep = ~shapely.is_empty(parts) & (shapely.area(parts) > 0)
    out = zones.iloc[zi[keep]].reset_index(drop=True)
    names = (
        polys[name_field].astype(str).to_numpy()
        if name_field in polys.columns
        else polys.index.astype(str).to_numpy()
    )
    out["clip_name"] = names[pi[keep]]
    return gpd.GeoDataFrame(out, geometry=parts[keep], crs=zones.crs)


def _control_mask(
    stations: gpd.GeoDataFrame, levels: Sequence[str] | None, level_field: str
) -> np.ndarray:
    if levels is None or level_field not in stations.columns:
        return np.ones(len(stations), dtype=bool)
    return np.asarray(stations[level_field].isin(list(levels)).to_numpy(), dtype=bool)


def check_radius(radius_m: float | None) -> float | None:
    """Return the zone radius if it is a finite number of metres within range (None passes)."""
    if radius_m is None:
        return None
    return check_positive(radius_m, ("重点区域半径", "The zone radius"), MAX_RADIUS_M, ("米", "m"))


def check_zone_inputs(
    stations: gpd.GeoDataFrame,
    targets: Mapping[str, gpd.GeoDataFrame],
    *,
    levels: Sequence[str] | None = CONTROL_LEVELS,
    level_field: str = "level",
    stations_layer: str | None = None,
) -> None:
    """Refuse inputs that would make key zones say nothing: the window and the CLI call it.

    An empty station layer, no station of the wanted levels, or an empty layer to list
    members of raise an :class:`InputError` naming the layer (and the levels present).
    """
    needed_zh, needed_en = "划定重点区域", "key zones"
    check_not_empty(
        stations,
        what_zh="监测站点",
        what_en="station",
        needed_zh=needed_zh,
        needed_en=needed_en,
        layer=stations_layer,
    )
    if not _control_mask(stations, levels, level_field).any():
        assert levels is not None
        present = sorted({str(v) for v in stations[level_field].dropna()})
        want = "、".join(levels)
        found = "、".join(present) or "无"
        raise InputError(
            f"站点图层中没有级别为 {want} 的站点（现有级别：{found}），无法划定重点区域。"
            "请检查“级别”字段，或选择全部级别。",
            f"The station layer has no station of level {', '.join(levels)} (levels present: "
            f"{', '.join(present) or 'none'}), so there are no key zones. Check the 'level' "
            "field, or take every level.",
        )
    for name, gdf in targets.items():
        check_not_empty(
            gdf,
            what_zh="统计",
            what_en="member",
            needed_zh="统计区内要素",
            needed_en="zone members",
            layer=name,
        )


def station_zones(
    stations: gpd.GeoDataFrame,
    *,
    radius_m: float | None = DEFAULT_RADIUS_M,
    radius_field: str | None = None,
    levels: Sequence[str] | None = CONTROL_LEVELS,
    level_field: str = "level",
    dissolve: bool = False,
    clip_to: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Return the key zones around national/provincial control stations (AIR-4), EPSG:4490.

    Parameters
    ----------
    stations
        Monitoring stations (Point layer).
    radius_m
        Zone radius; None to take ``radius_field`` (e.g. ``zone_radius_m``) per station.
    radius_field
        Per-station radius field, used when ``radius_m`` is None.
    levels
        Station levels that have key zones (default 国控, 省控); None keeps every station.
    dissolve, clip_to
        As for :func:`buffer_zones`.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`buffer_zones`, with ``feature`` the station's row position in
        ``stations`` (the ``station`` of :func:`zone_members`), not in the chosen levels.
    """
    radius_m = check_radius(radius_m)
    check_geometry(stations, layer="stations", allowed={"Point"})
    mask = _control_mask(stations, levels, level_field)
    zones = buffer_zones(
        stations[mask],
        distance_m=radius_m,
        distance_field=radius_field if radius_m is None else None,
        dissolve=dissolve,
        clip_to=clip_to,
        layer="stations",
    )
    if not dissolve:  # the station's row in ``stations``, as zone_members numbers it
        zones["feature"] = np.flatnonzero(mask)[zones["feature"].to_numpy(dtype=np.int64)]
    return zones


def _near_stations(
    gdf: gpd.GeoDataFrame, stations: gpd.GeoDataFrame, radius: np.ndarray
) -> np.ndarray | None:
    """Return rows of a lon/lat layer whose envelope meets a box around some station.

    Only those few are projected and measured: projecting every point of a large layer
    cost more than the exact distance test itself. The boxes are widened by 2% plus about
    10 m, far more than the scale error of EPSG:4549 or a UTM zone, so no member is lost;
    membership itself is still decided by exact distance. None when the layer is not
    geographic (then everything is measured).
    """
    crs = require_crs(gdf, layer="layer")
    if not crs.is_geographic or not require_crs(stations, layer="stations").is_geographic:
        return None
    sxy = shapely.get_coordinates(stations.to_crs(crs).geometry.to_numpy())
    dlat = radius / 110_574.0 * 1.02 + 1e-4
    dlon = radius / (111_320.0 * np.cos(np.radians(sxy[:, 1]))) * 1.02 + 1e-4
    geoms = gdf.geometry.to_numpy()
    if bool(np.all(shapely.get_type_id(geoms) == 0)):  # points: a vectorised box test
        txy = shapely.get_coordinates(geoms)
        if len(txy) != len(geoms):
            return None  # empty points present: take the general path
        hit = np.zeros(len(txy), dtype=bool)
        for (x, y), dx, dy in zip(sxy, dlon, dlat, strict=True):
            hit |= (np.abs(txy[:, 0] - x) <= dx) & (np.abs(txy[:, 1] - y) <= dy)
        return np.flatnonzero(hit)
    boxes = shapely.box(sxy[:, 0] - dlon, sxy[:, 1] - dlat, sxy[:, 0] + dlon, sxy[:, 1] + dlat)
    return np.unique(shapely.STRtree(geoms).query(boxes)[1])


def _to_metric_points(subset: gpd.GeoDataFrame, crs: CRS) -> np.ndarray:
    """Project point coordinates with pyproj directly (cheaper than GeoDataFrame.to_crs)."""
    xy = shapely.get_coordinates(subset.geometry.to_numpy())
    x, y = transformer(require_crs(subset, layer="layer"), crs).transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def zone_members(
    stations: gpd.GeoDataFrame,
    targets: Mapping[str, gpd.GeoDataFrame],
    *,
    radius_m: float | None = DEFAULT_RADIUS_M,
    radius_field: str | None = None,
    levels: Sequence[str] | None = CONTROL_LEVELS,
    level_field: str = "level",
    kind_field: str = "kind",
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> gpd.GeoDataFrame:
    """List, per station, every target feature within its radius, with the exact distance.

    Membership is decided by the distance in metres (STRtree ``dwithin``, inclusive: a
    feature at exactly the radius is in), never by a buffer polygon.

    Parameters
    ----------
    stations
        Monitoring stations (Point layer).
    targets
        Layers to search by name, e.g. ``{"enterprises": ..., "rental_factories": ...}``.
    radius_m
        Radius for every station; None to take ``radius_field`` per station.
    levels
        Station levels that have key zones (default 国控, 省控); None keeps every station.
    kind_field
        Target field copied as ``kind`` (e.g. 建筑工地 / 工业企业) when present.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per (station, feature): ``station`` (row position in ``stations``),
        ``station_code``, ``station_name``, ``radius_m``, ``layer``, ``row`` (row position
        in that layer), ``kind``, ``name``, ``distance_m`` and the feature's geometry
        (EPSG:4490), sorted by station, layer and distance.
    """
    radius_m = check_radius(radius_m)
    check_geometry(stations, layer="stations", allowed={"Point"})
    mask = _control_mask(stations, levels, level_field)
    chosen = stations[mask]
    crs = joint_metric_crs({"stations": chosen, **dict(targets)})
    st = to_crs_checked(chosen, crs, layer="stations")
    radius = _distances(
        st,
        distance_m=radius_m,
        distance_field=radius_field if radius_m is None else None,
        layer="stations",
    )
    station_row = np.flatnonzero(mask)
    codes = _text(st, "code")
    names = _text(st, "name")
    sgeoms = st.geometry.to_numpy()
    frames = []
    for i, (layer, gdf) in enumerate(targets.items()):
        check_cancel(cancel)
        report(progress, i / max(1, len(targets)), f"统计 {layer}")
        if len(st) == 0 or len(gdf) == 0:
            continue
        near = _near_stations(gdf, chosen, radius)
        subset = gdf if near is None else gdf.iloc[near]
        sub_geoms = subset.geometry.to_numpy()
        # Empty points have no coordinates: the vectorised point path would shift every
        # later row onto its neighbour's coordinates; the general path skips them.
        points = bool(
            np.all(shapely.get_type_id(sub_geoms) == 0) and not shapely.is_empty(sub_geoms).any()
        )
        if points and near is not None:
            tg = subset  # attributes only; coordinates projected below
            s_idx, t_idx, dist = _point_pairs(
                shapely.get_coordinates(sgeoms), _to_metric_points(subset, crs), radius
            )
            geoms = subset.geometry.to_numpy()
        elif points:
            tg = to_crs_checked(subset, crs, layer=layer)
            geoms = tg.geometry.to_numpy()
            s_idx, t_idx, dist = _point_pairs(
                shapely.get_coordinates(sgeoms), shapely.get_coordinates(geoms), radius
            )
        else:
            tg = to_crs_checked(subset, crs, layer=layer)
            geoms = tg.geometry.to_numpy()
            # The index holds the few stations; every target asks it once (as a spatial
            # join does) at the largest radius; each pair is then kept by its own radius.
            t_idx, s_idx = shapely.STRtree(sgeoms).query(
                geoms, predicate="dwithin", distance=float(radius.max())
            )
            dist = shapely.distance(sgeoms[s_idx], geoms[t_idx])
            keep = dist <= radius[s_idx]
            s_idx, t_idx, dist = s_idx[keep], t_idx[keep], dist[keep]
        # Members keep their stored geometry (EPSG:4490) unless they came in another CRS.
        if require_crs(gdf, layer=layer).equals(STORAGE_CRS):
            out_geoms = subset.geometry.to_numpy()[t_idx]
        elif points and near is not None:  # geoms are still in the layer's own lon/lat
            out_geoms = subset.geometry.iloc[t_idx].to_crs(STORAGE_CRS).to_numpy()
        else:
            out_geoms = gpd.GeoSeries(geoms[t_idx], crs=crs).to_crs(STORAGE_CRS).to_numpy()
        frames.append(
            gpd.GeoDataFrame(
                {
                    "station": station_row[s_idx],
                    "station_code": codes[s_idx],
                    "station_name": names[s_idx],
                    "radius_m": radius[s_idx],
                    "layer": layer,
                    "row": t_idx if near is None else near[t_idx],
                    "kind": _text(tg, kind_field, t_idx),
                    "name": _text(tg, "name", t_idx),
                    "distance_m": dist,
                },
                geometry=out_geoms,
                crs=STORAGE_CRS,
            )
        )
    report(progress, 1.0, "完成")
    columns = [
        "station",
        "station_code",
        "station_name",
        "radius_m",
        "layer",
        "row",
        "kind",
        "name",
        "distance_m",
    ]
    if not frames:
        return gpd.GeoDataFrame(
            {c: [] for c in columns}, geometry=gpd.GeoSeries([], crs=STORAGE_CRS)
        )
    out = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=STORAGE_CRS)
    return out.sort_values(["station", "layer", "distance_m"], kind="stable", ignore_index=True)


def _point_pairs(
    sxy: np.ndarray, txy: np.ndarray, radius: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (station, target, distance) for points within each station's radius.

    Targets are sorted by x once; each station then measures only the targets in its
    x-window, exactly (Euclidean distance in metres, inclusive).
    """
    order = np.argsort(txy[:, 0], kind="stable")
    xs = txy[order, 0]
    s_out, t_out, d_out = [], [], []
    for i, ((x, y), r) in enumerate(zip(sxy, radius, strict=True)):
        lo = int(np.searchsorted(xs, x - r, side="left"))
        hi = int(np.searchsorted(xs, x + r, side="right"))
        cand = order[lo:hi]
        d = np.hypot(txy[cand, 0] - x, txy[cand, 1] - y)
        hit = d <= r
        s_out.append(np.full(int(hit.sum()), i, dtype=np.int64))
        t_out.append(cand[hit])
        d_out.append(d[hit])
    if not s_out:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(s_out), np.concatenate(t_out), np.concatenate(d_out)


def _text(gdf: gpd.GeoDataFrame, column: str, rows: np.ndarray | None = None) -> np.ndarray:
    n = len(gdf) if rows is None else rows.shape[0]
    if column not in gdf.columns:
        return np.full(n, "", dtype=object)
    values = gdf[column].to_numpy(dtype=object)
    values = values if rows is None else values[rows]
    return np.where(pd.isna(values), "", values.astype(str)).astype(object)
