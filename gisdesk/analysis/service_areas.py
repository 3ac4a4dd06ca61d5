"""Service areas: who is within N minutes of a facility, and the areas that are.

:func:`service_areas` answers the 15-minute medical-insurance circle (海政办发〔2022〕30号,
MED-5/6): for every village (or any demand point) the door-to-door time to its nearest
service point by the chosen mode, the villages, households and people within the limit per
town and for the district, the list of those that are not (with their time, inf when no
service point can be reached), the points that are off the road network, and service-area
polygons of the reachable network. :func:`travel_time_grid` makes a travel-time raster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisdesk.analysis._checks import (
    check_geometry,
    check_metres,
    check_not_empty,
    check_positive,
    joint_metric_crs,
    point_xy,
)
from gisdesk.analysis.isochrones import (
    DEFAULT_FRONTAGE_M,
    DEFAULT_POLYGON_METHOD,
    PolygonMethod,
    ReachableParts,
    area_polygons,
    reachable_parts,
    reachable_parts_by_source,
    substrings,
)
from gisdesk.analysis.network import RoadNetwork, build_network
from gisdesk.analysis.routing import (
    Direction,
    NearestFacility,
    facility_reach,
    nearest_facility,
)
from gisdesk.analysis.speeds import (
    DEFAULT_MAX_SNAP_M,
    DEFAULT_MINUTES,
    DEFAULT_MODE,
    MAX_MINUTES,
    WALK_KMH,
    ModeSpeeds,
    check_travel_params,
    mode_speeds,
)
from gisdesk.core.crs import STORAGE_CRS
from gisdesk.core.errors import InputError
from gisdesk.core.progress import CancelToken, ProgressCallback, check_cancel, report

if TYPE_CHECKING:
    from affine import Affine
    from pyproj import CRS

__all__ = [
    "DEFAULT_MINUTES",
    "DEFAULT_MODE",
    "MAX_MINUTES",
    "ServiceAreaResult",
    "TravelTimeGrid",
    "check_frontage",
    "check_raster_cell",
    "check_travel_inputs",
    "check_travel_params",
    "coverage_summary",
    "service_areas",
    "travel_time_grid",
]

Polygons = Literal["merged", "per_facility", "both", "none"]
MAX_FRONTAGE_M = 1_000.0
CELL_M_RANGE = (10.0, 5_000.0)
"""Cell sizes of the travel-time raster: 10 m to 5 km."""
MAX_CELLS = 50_000_000
STATUS_COVERED = "covered"
STATUS_TOO_FAR = "too_far"
STATUS_UNREACHABLE = "unreachable"
STATUS_OFF_NETWORK = "off_network"


@dataclass
class ServiceAreaResult:
    """Everything :func:`service_areas` found (layers in EPSG:4490, times in minutes).

    Attributes
    ----------
    demand
        The demand layer with ``minutes`` (inf = no facility reachable), ``facility``
        (row position of the nearest facility, -1 = none), ``within`` (bool), ``status``
        (covered / too_far / unreachable / off_network) and ``snap_m`` (access leg).
    by_town
        Villages, households and people within the limit per town, with shares.
    district
        The same for the whole district (one row).
    uncovered
        Demand points not within the limit, slowest first (inf first).
    off_network
        Demand points and facilities farther than ``max_snap_m`` from every road.
    areas
        Merged service area (one row) and/or one row per facility.
    lines
        The reachable network as lines (``road`` row, network ``edge``, ``from_m`` and
        ``to_m`` along the edge, ``length_m``), each stretch once however many facilities
        reach it; None unless asked for.
    network
        The road network used (cached by content).
    nearest
        The routing result (node times, routing graph).
    """

    demand: gpd.GeoDataFrame
    by_town: pd.DataFrame
    district: pd.DataFrame
    uncovered: gpd.GeoDataFrame
    off_network: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    network: RoadNetwork
    nearest: NearestFacility
    params: dict[str, Any] = field(default_factory=dict)
    lines: gpd.GeoDataFrame | None = None

    @property
    def share_within(self) -> float:
        """Share of demand points within the limit (0 when there are none)."""
        return float(self.demand["within"].mean()) if len(self.demand) else 0.0


def _network(
    roads: gpd.GeoDataFrame | RoadNetwork,
    layers: dict[str, gpd.GeoDataFrame],
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> RoadNetwork:
    if isinstance(roads, RoadNetwork):
        return roads
    crs = joint_metric_crs({"roads": roads, **layers})
    return build_network(roads, crs=crs, progress=progress, cancel=cancel)


def coverage_summary(
    demand: pd.DataFrame,
    *,
    within: str = "within",
    town_field: str | None = "town",
    households_field: str | None = "households",
    population_field: str | None = "population",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (per town, district) counts and shares of demand within the limit.

    Columns: ``villages``, ``villages_within``, ``village_share`` and, where the fields
    exist, ``households``/``households_within``/``household_share`` and the same for
    ``population``.
    """
    frame = pd.DataFrame({"within": demand[within].to_numpy(dtype=bool)})
    frame["villages"] = 1
    weights = [("households", households_field), ("population", population_field)]
    for name, col in weights:
        if col is not None and col in demand.columns:
            frame[name] = pd.to_numeric(demand[col], errors="coerce").fillna(0).to_numpy()
    has_town = town_field is not None and town_field in demand.columns
    frame["town"] = demand[town_field].astype(str).to_numpy() if has_town else "全区"

    for name, _ in weights:
        if name in frame.columns:
            frame[f"{name}_in"] = frame[name].where(frame["within"], 0)
    frame["_all"] = "全区"

    def table(key: str) -> pd.DataFrame:
        groups = frame.groupby(key, sort=True)
        out = pd.DataFrame({"villages": groups["villages"].sum()})
        out["villages_within"] = groups["within"].sum().astype(int)
        out["village_share"] = out["villages_within"] / out["villages"]
        for name, _ in weights:
            if name in frame.columns:
                out[name] = groups[name].sum()
                out[f"{name}_within"] = groups[f"{name}_in"].sum()
                share = out[f"{name}_within"] / out[name].replace(0, np.nan)
                out["household_share" if name == "households" else "population_share"] = share
        return out

    by_town = table("town").reset_index()
    district = table("_all").reset_index(drop=True)
    return by_town, district


def check_frontage(frontage_m: float) -> float:
    """Check the width the reachable network is buffered by."""
    return check_positive(
        frontage_m, ("临街宽度", "The frontage width"), MAX_FRONTAGE_M, ("米", "m")
    )


def check_travel_inputs(
    roads: gpd.GeoDataFrame | RoadNetwork,
    facilities: gpd.GeoDataFrame,
    demand: gpd.GeoDataFrame,
    *,
    minutes: float,
    max_snap_m: float,
    walk_kmh: float,
    needed_zh: str = "计算服务圈",
    needed_en: str = "service areas",
) -> float:
    """Check the inputs every network analysis shares; return the time limit as a float.

    Raises an :class:`InputError` for an empty road, facility or demand layer and for a
    time limit, access distance or walking speed that is not finite or out of its range.
    """
    minutes = check_travel_params(minutes=minutes, max_snap_m=max_snap_m, walk_kmh=walk_kmh)
    if not isinstance(roads, RoadNetwork):
        check_not_empty(
            roads, what_zh="道路", what_en="road", needed_zh=needed_zh, needed_en=needed_en
        )
    check_not_empty(
        facilities,
        what_zh="服务点",
        what_en="facility",
        needed_zh=needed_zh,
        needed_en=needed_en,
    )
    check_not_empty(
        demand,
        what_zh="需求点（村）",
        what_en="demand (village)",
        needed_zh=needed_zh,
        needed_en=needed_en,
    )
    return minutes


def service_areas(
    roads: gpd.GeoDataFrame | RoadNetwork,
    facilities: gpd.GeoDataFrame,
    demand: gpd.GeoDataFrame,
    *,
    minutes: float = DEFAULT_MINUTES,
    mode: str | ModeSpeeds = DEFAULT_MODE,
    speed_kmh: float | None = None,
    direction: Direction = "to_facility",
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    walk_kmh: float = WALK_KMH,
    polygons: Polygons = "merged",
    frontage_m: float = DEFAULT_FRONTAGE_M,
    polygon_method: PolygonMethod = DEFAULT_POLYGON_METHOD,
    lines: bool = False,
    town_field: str | None = "town",
    households_field: str | None = "households",
    population_field: str | None = "population",
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ServiceAreaResult:
    """Compute who is within ``minutes`` of a facility over the road network.

    Parameters
    ----------
    roads
        Road layer (see :func:`~gisdesk.analysis.network.build_network`) or a built network.
    facilities
        Service points (Point layer).
    demand
        Villages or other demand points (Point layer); optional ``town``,
        ``households`` and ``population`` fields are summed.
    minutes
        The time limit, door to door (both walked access legs included).
    mode
        "walk", "bike", "ebike", "car" or a :class:`ModeSpeeds`.
    speed_kmh
        One speed on every road for the mode (the road's own speed still caps it).
    direction
        "to_facility" (home to service point, default) or "from_facility".
    max_snap_m
        Points farther than this from every road are reported off the network.
    walk_kmh
        Speed of the access legs.
    polygons
        Which service-area polygons to make: "merged", "per_facility", "both" or "none".
    frontage_m
        Width the reachable network is buffered by.
    polygon_method
        "raster" (generalised, the default) or "union" (exact outline), see
        :mod:`gisdesk.analysis.isochrones`.
    lines
        Also return the reachable network as lines (what QGIS's service-area tools output).

    Returns
    -------
    ServiceAreaResult
        Tables and layers (EPSG:4490).
    """
    minutes = check_travel_inputs(
        roads, facilities, demand, minutes=minutes, max_snap_m=max_snap_m, walk_kmh=walk_kmh
    )
    check_frontage(frontage_m)
    spec = mode_speeds(mode, speed_kmh=speed_kmh)
    check_geometry(facilities, layer="facilities", allowed={"Point"})
    check_geometry(demand, layer="demand", allowed={"Point"})
    report(progress, 0.0, "构建路网")
    network = _network(
        roads, {"facilities": facilities, "demand": demand}, progress=None, cancel=cancel
    )
    check_cancel(cancel)
    report(progress, 0.3, "计算到最近站点的时间")
    dxy = point_xy(demand, network.crs, layer="demand")
    fxy = point_xy(facilities, network.crs, layer="facilities")
    # No limit_s here: villages beyond the limit are listed with their own time, and
    # "too far" must stay apart from "unreachable" (inf).
    nearest, snapped = nearest_facility(
        network,
        dxy,
        fxy,
        mode=spec,
        direction=direction,
        max_snap_m=max_snap_m,
        walk_kmh=walk_kmh,
    )
    limit_s = float(minutes) * 60.0
    nd = dxy.shape[0]
    on = snapped.on_network[:nd]
    within = nearest.seconds <= limit_s
    status = np.where(
        ~on,
        STATUS_OFF_NETWORK,
        np.where(
            within,
            STATUS_COVERED,
            np.where(np.isfinite(nearest.seconds), STATUS_TOO_FAR, STATUS_UNREACHABLE),
        ),
    )
    out = demand.to_crs(STORAGE_CRS).copy()
    out["minutes"] = nearest.seconds / 60.0
    out["facility"] = nearest.facility
    out["within"] = within
    out["status"] = status
    out["snap_m"] = snapped.distance_m[:nd]
    by_town, district = coverage_summary(
        out,
        town_field=town_field,
        households_field=households_field,
        population_field=population_field,
    )
    uncovered = out[~within].sort_values("minutes", ascending=False, kind="stable")
    off = _off_network(demand, facilities, snapped.distance_m, snapped.on_network, max_snap_m)

    check_cancel(cancel)
    report(progress, 0.5, "生成服务区")
    frames = []
    reach_lines = None
    if polygons in ("merged", "both") or lines:
        parts = reachable_parts(
            nearest.routing, nearest.node_seconds, limit_s=limit_s, direction=direction
        )
        stretches = substrings(network, parts.edge, parts.start_m, parts.end_m)
        if lines:
            reach_lines = _reach_lines(network, parts, stretches)
    if polygons in ("merged", "both"):
        _, geom = area_polygons(
            stretches,
            frontage_m=frontage_m,
            method=polygon_method,
            progress=None if progress is None else lambda f, m: report(progress, 0.5 + 0.4 * f, m),
            cancel=cancel,
        )
        frames.append(
            pd.DataFrame(
                {
                    "facility": [-1],
                    "kind": ["merged"],
                    "network_km": [float(parts.length_m.sum()) / 1000.0],
                    "geometry": list(geom) if len(geom) else [shapely.Polygon()],
                }
            )
        )
    if polygons in ("per_facility", "both"):
        frames.append(
            _facility_areas(
                network,
                nearest,
                nd,
                limit_s=limit_s,
                direction=direction,
                frontage_m=frontage_m,
                method=polygon_method,
                progress=progress,
                cancel=cancel,
            )
        )
    areas = gpd.GeoDataFrame(
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["facility", "kind", "network_km", "geometry"]),
        geometry="geometry",
        crs=network.crs,
    ).to_crs(STORAGE_CRS)
    report(progress, 1.0, "完成")
    return ServiceAreaResult(
        demand=out,
        by_town=by_town,
        district=district,
        uncovered=uncovered,
        off_network=off,
        areas=areas,
        network=network,
        nearest=nearest,
        lines=reach_lines,
        params={
            "minutes": float(minutes),
            "mode": spec.mode,
            "speed_kmh": speed_kmh,
            "direction": direction,
            "max_snap_m": max_snap_m,
            "walk_kmh": walk_kmh,
            "frontage_m": frontage_m,
            "polygon_method": polygon_method,
            "metric_crs": network.crs.to_string(),
        },
    )


def _reach_lines(
    network: RoadNetwork, parts: ReachableParts, stretches: np.ndarray
) -> gpd.GeoDataFrame:
    """The reachable stretches (those of some length) as a line layer in EPSG:4490."""
    keep = parts.length_m > 0
    return gpd.GeoDataFrame(
        {
            "road": network.edge_road[parts.edge[keep]],
            "edge": parts.edge[keep],
            "from_m": parts.start_m[keep],
            "to_m": parts.end_m[keep],
            "length_m": parts.length_m[keep],
        },
        geometry=stretches[keep],
        crs=network.crs,
    ).to_crs(STORAGE_CRS)


def _off_network(
    demand: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    distance: np.ndarray,
    on: np.ndarray,
    max_snap_m: float,
) -> gpd.GeoDataFrame:
    nd = len(demand)
    rows = []
    for layer, gdf, dist, ok in (
        ("demand", demand, distance[:nd], on[:nd]),
        ("facilities", facilities, distance[nd:], on[nd:]),
    ):
        bad = np.flatnonzero(~ok)
        if bad.size:
            g = gdf.iloc[bad].to_crs(STORAGE_CRS)
            rows.append(
                gpd.GeoDataFrame(
                    {
                        "layer": layer,
                        "row": bad,
                        "name": g["name"].astype(str).to_numpy()
                        if "name" in g.columns
                        else [str(i) for i in g.index],
                        "distance_m": dist[bad],
                        "max_snap_m": max_snap_m,
                    },
                    geometry=g.geometry.to_numpy(),
                    crs=STORAGE_CRS,
                )
            )
    if not rows:
        return gpd.GeoDataFrame(
            {"layer": [], "row": [], "name": [], "distance_m": [], "max_snap_m": []},
            geometry=gpd.GeoSeries([], crs=STORAGE_CRS),
        )
    return gpd.GeoDataFrame(pd.concat(rows, ignore_index=True), crs=STORAGE_CRS)


def _facility_areas(
    network: RoadNetwork,
    nearest: NearestFacility,
    nd: int,
    *,
    limit_s: float,
    direction: Direction,
    frontage_m: float,
    method: PolygonMethod,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> pd.DataFrame:
    rg = nearest.routing
    fac_points = nd + np.flatnonzero(rg.point_node[nd:] >= 0)
    reach = facility_reach(
        rg, fac_points, limit_s=limit_s, direction=direction, progress=progress, cancel=cancel
    )
    parts = reachable_parts_by_source(rg, reach, limit_s=limit_s, direction=direction)
    lines = substrings(network, parts.edge, parts.start_m, parts.end_m)
    check_cancel(cancel)
    ids, geoms = area_polygons(
        lines, parts.source, frontage_m=frontage_m, method=method, cancel=cancel
    )
    km = np.bincount(parts.source, weights=parts.length_m, minlength=fac_points.shape[0])
    return pd.DataFrame(
        {
            "facility": fac_points[ids] - nd,
            "kind": "facility",
            "network_km": km[ids] / 1000.0,
            "geometry": geoms,
        }
    )


# --- travel-time raster --------------------------------------------------------------------


@dataclass(frozen=True)
class TravelTimeGrid:
    """Minutes to the nearest facility on a regular grid (NaN = beyond the access limit).

    Attributes
    ----------
    minutes
        (rows, cols) float32 grid, north up.
    transform
        Affine transform of the grid (metric CRS).
    crs
        The grid's CRS.
    """

    minutes: np.ndarray
    transform: Affine
    crs: CRS


def check_raster_cell(cell_m: float) -> float:
    """Return the travel-time raster's cell size if it is within :data:`CELL_M_RANGE`."""
    return check_metres(cell_m, ("栅格单元大小", "The raster cell size"), CELL_M_RANGE)


def travel_time_grid(
    result: ServiceAreaResult,
    *,
    cell_m: float = 50.0,
    max_access_m: float | None = None,
) -> TravelTimeGrid:
    """Return a travel-time raster: from each cell, walk to the nearest road, then travel.

    A cell's time is the network time at its nearest network point (sampled every half
    cell along the roads) plus the walk to it, the way demand points are timed; cells
    farther than ``max_access_m`` (default: the result's ``max_snap_m``) from every road
    are NaN.
    """
    from affine import Affine
    from scipy.spatial import cKDTree

    cell_m = check_raster_cell(cell_m)
    network = result.network
    rg = result.nearest.routing
    direction = result.params["direction"]
    walk_mps = float(result.params["walk_kmh"]) / 3.6
    reach = float(max_access_m if max_access_m is not None else result.params["max_snap_m"])
    spacing = cell_m / 2.0
    length = rg.pieces.b - rg.pieces.a
    count = np.maximum(1, np.ceil(length / spacing).astype(np.int64)) + 1
    piece = np.repeat(np.arange(length.shape[0]), count)
    frac = (np.arange(piece.shape[0]) - np.repeat(np.cumsum(count) - count, count)) / (
        count[piece] - 1
    )
    offset = rg.pieces.a[piece] + frac * length[piece]
    seconds = rg.pieces.seconds[piece]
    du = result.nearest.node_seconds[rg.pieces.u[piece]]
    dv = result.nearest.node_seconds[rg.pieces.v[piece]]
    back = rg.pieces.back[piece]
    via_v = dv + (1 - frac) * seconds
    via_u = du + frac * seconds
    if direction == "to_facility":
        t = np.where(back, np.minimum(via_u, via_v), via_v)
    else:
        t = np.where(back, np.minimum(via_u, via_v), via_u)
    pts = shapely.line_interpolate_point(network.edge_geometry[rg.pieces.edge[piece]], offset)
    xy = shapely.get_coordinates(pts)
    minx, miny = xy.min(axis=0) - reach
    maxx, maxy = xy.max(axis=0) + reach
    x0 = np.floor(minx / cell_m) * cell_m
    y1 = np.ceil(maxy / cell_m) * cell_m
    width = int(np.ceil((maxx - x0) / cell_m))
    height = int(np.ceil((y1 - miny) / cell_m))
    if width * height > MAX_CELLS:
        raise InputError(
            f"栅格单元 {cell_m:g} 米时需 {width} × {height} 个单元，超过上限 {MAX_CELLS:,}；"
            "请用更大的单元。",
            f"A {cell_m:g} m cell needs {width} x {height} cells, above the limit of "
            f"{MAX_CELLS:,}; use a larger cell.",
        )
    cx = x0 + (np.arange(width) + 0.5) * cell_m
    cy = y1 - (np.arange(height) + 0.5) * cell_m
    gx, gy = np.meshgrid(cx, cy)
    dist, idx = cKDTree(xy).query(
        np.column_stack([gx.ravel(), gy.ravel()]), distance_upper_bound=reach
    )
    found = np.isfinite(dist)
    minutes = np.full(gx.size, np.nan, dtype=np.float64)
    minutes[found] = (t[idx[found]] + dist[found] / walk_mps) / 60.0
    minutes[~np.isfinite(minutes)] = np.nan
    return TravelTimeGrid(
        minutes=minutes.reshape(height, width).astype(np.float32),
        transform=Affine(cell_m, 0.0, x0, 0.0, -cell_m, y1),
        crs=network.crs,
    )
