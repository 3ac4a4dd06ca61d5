"""Metrics of road-safety devices: camera spacing, video on listed segments, persuasion
stations (海政办发〔2022〕25号, ROAD-6, ROAD-7, ROAD-8)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import shapely

from gisdesk.analysis.targets.metrics._common import (
    DISTRICT_ZH,
    VILLAGES,
    count_by_town,
    feature_labels,
    flags,
    near_pairs,
    numbers,
    of_kinds,
    share_by_town,
    text,
    town_of,
)
from gisdesk.analysis.targets.metrics._registry import metric
from gisdesk.analysis.targets.metrics.roads import listed_on
from gisdesk.analysis.targets.result import (
    UNIT_DISTRICT,
    UNIT_ROAD,
    UNIT_SEGMENT,
    Gap,
    MetricResult,
    UnitValue,
)
from gisdesk.core.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "camera_max_gap",
    "listed_segments_under_video",
    "persuasion_town_stations",
    "persuasion_village_stations",
]

_TRUNK = re.compile(r"^[GS]\d+")


def _road_lengths(
    roads: gpd.GeoDataFrame | None, classes: Sequence[str]
) -> tuple[dict[str, tuple[float, float]], dict[str, np.ndarray]]:
    """Return the national/provincial roads' first and last stakes (km) and their rows.

    A road's stakes in the district need not start at K0 (a national road enters at K250).
    """
    if roads is None or "name" not in roads.columns:
        return {}, {}
    names = text(roads, "name")
    if "class" in roads.columns:
        trunk = np.isin(text(roads, "class"), list(classes))
    else:
        trunk = np.array([bool(_TRUNK.match(str(n))) for n in names], dtype=bool)
    from_km, to_km = numbers(roads, "from_km"), numbers(roads, "to_km")
    spans: dict[str, tuple[float, float]] = {}
    rows: dict[str, np.ndarray] = {}
    for name in sorted({str(n) for n in names[trunk] if n}):
        mine = trunk & (names == name)
        rows[name] = np.flatnonzero(mine)
        km, first = to_km[mine], from_km[mine]
        end = float(np.nanmax(km)) if np.isfinite(km).any() else float("nan")
        start = float(np.nanmin(first)) if np.isfinite(first).any() else 0.0
        spans[name] = (min(start, end) if np.isfinite(end) else start, end)
    return spans, rows


def _kind_gaps(
    devices: np.ndarray,
    stake: np.ndarray,
    *,
    kind: str,
    span: tuple[float, float],
    include_ends: bool,
    report_over_km: float,
    road_pieces: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
) -> tuple[float, str, str, list[Gap]]:
    """Return the largest gap of one kind of device along a road, its text and gap features.

    ``devices`` are row positions sorted by stake; ``road_pieces`` the road's rows with
    their from/to stakes, to report the pieces inside a long gap.
    """
    pts = stake[devices]
    start, length = span
    ends = include_ends and np.isfinite(length)
    if ends:
        first = min(start, pts.min()) if len(pts) else start
        pts = np.concatenate([[first], pts, [max(length, pts.max() if len(pts) else 0.0)]])
    if len(pts) < 2:
        return (
            float("nan"),
            f"{kind}：无法计算（无设备且道路长度未知）",
            f"{kind}: cannot tell (no devices, road length unknown)",
            [],
        )
    d = np.diff(pts)
    j = int(np.argmax(d))
    gaps: list[Gap] = []
    offset = 1 if ends else 0
    for g in np.flatnonzero(d > report_over_km):
        lo, hi = float(pts[g]), float(pts[g + 1])
        reason = f"K{lo:.1f}–K{hi:.1f} 无{kind}（{hi - lo:.1f} km）"
        reason_en = f"no {kind} over K{lo:.1f}-K{hi:.1f} ({hi - lo:.1f} km)"
        bounding = tuple(
            int(devices[i - offset]) for i in (g, g + 1) if 0 <= i - offset < len(devices)
        )
        if bounding:
            gaps.append(Gap("cameras", bounding, reason, reason_en))
        if road_pieces is not None:
            rows, r_from, r_to = road_pieces
            inside = rows[(r_to > lo) & (r_from < hi)]
            if len(inside):
                gaps.append(Gap("roads", tuple(int(i) for i in inside), reason, reason_en))
    return (
        float(d[j]),
        f"{kind}最大间距 {d[j]:.1f} km（K{pts[j]:.1f}–K{pts[j + 1]:.1f}）",
        f"{kind} {d[j]:.1f} km (K{pts[j]:.1f}-K{pts[j + 1]:.1f})",
        gaps,
    )


@metric(
    "camera_max_gap",
    needs={"cameras": ("kind", "road", "stake_km")},
    optional={"roads": ("name",)},
    title_zh="国省道监控/卡口最大间距",
    title_en="Largest camera or checkpoint gap on national and provincial roads",
)
def camera_max_gap(
    cameras: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | None = None,
    *,
    as_of: date,
    deadline: date | None = None,
    kinds: Sequence[str] = ("视频监控", "卡口"),
    classes: Sequence[str] = ("国道", "省道"),
    include_ends: bool = True,
    online_only: bool = False,
    report_over_km: float = 10.0,
) -> MetricResult:
    """Return the largest distance (km, by stake) between devices of a kind along each road.

    ROAD-6: every national and provincial road needs a video camera and a checkpoint every
    5-10 km, so each road's value is the worse of its largest camera gap and its largest
    checkpoint gap. The roads come from the roads layer (``class`` 国道/省道, from their
    smallest ``from_km`` to their largest ``to_km``) or, without it, from the devices' road
    names (G…/S…).
    ``include_ends`` counts the stretches from the road's start and to its end. Gaps longer
    than ``report_over_km`` are the gap features: the devices at both ends, and the road
    pieces between them. Devices without a stake are left out (and counted in a note).
    """
    lengths, road_rows = _road_lengths(roads, classes)
    road = text(cameras, "road")
    kind = text(cameras, "kind")
    stake = numbers(cameras, "stake_km")
    usable = np.isfinite(stake)
    if online_only and "online" in cameras.columns:
        usable &= flags(cameras, "online")
    names = list(lengths) or sorted({str(r) for r in road if _TRUNK.match(str(r))})
    unstaked = int((~np.isfinite(stake) & np.isin(road, names)).sum())
    r_from = numbers(roads, "from_km") if roads is not None else np.zeros(0)
    r_to = numbers(roads, "to_km") if roads is not None else np.zeros(0)
    units: list[UnitValue] = []
    for name in names:
        rr = road_rows.get(name)
        pieces = (rr, r_from[rr], r_to[rr]) if rr is not None and len(r_from) else None
        found = []
        for kd in kinds:
            mine = np.flatnonzero(usable & (road == name) & (kind == kd))
            found.append(
                _kind_gaps(
                    mine[np.argsort(stake[mine], kind="stable")],
                    stake,
                    kind=kd,
                    span=lengths.get(name, (0.0, float("nan"))),
                    include_ends=include_ends,
                    report_over_km=report_over_km,
                    road_pieces=pieces,
                )
            )
        values = [f[0] for f in found if np.isfinite(f[0])]
        note_zh = "；".join(f[1] for f in found)
        note_en = "; ".join(f[2] for f in found)
        units.append(
            UnitValue(
                UNIT_ROAD,
                name,
                value=max(values) if values else float("nan"),
                note_zh=note_zh if values else "",
                note_en=note_en if values else "",
                missing_zh="" if values else note_zh,
                missing_en="" if values else note_en,
                unit_id=name,
                gaps=tuple(g for f in found for g in f[3]),
            )
        )
    valued = [u for u in units if np.isfinite(u.value)]
    if valued:
        top = max(valued, key=lambda u: u.value)
        over = [u.unit for u in valued if u.value > report_over_km]
        units.append(
            UnitValue(
                UNIT_DISTRICT,
                DISTRICT_ZH,
                value=top.value,
                note_zh=f"最大间距在 {top.unit}"
                + (f"；超过 {report_over_km:g} km：{'、'.join(over)}" if over else "")
                + (f"；{unstaked} 个设备无桩号未计入" if unstaked else ""),
                note_en=f"largest on {top.unit}"
                + (f"; over {report_over_km:g} km: {', '.join(over)}" if over else "")
                + (f"; {unstaked} devices without stake left out" if unstaked else ""),
                gaps=tuple(g for u in units for g in u.gaps),
            )
        )
    return MetricResult(units)


@metric(
    "listed_segments_under_video",
    needs={"accident_segments": (), "cameras": ("kind",)},
    district="share_of_units",
    title_zh="挂牌路段视频监控覆盖",
    title_en="Listed segments under video",
)
def listed_segments_under_video(
    accident_segments: gpd.GeoDataFrame,
    cameras: gpd.GeoDataFrame,
    *,
    as_of: date,
    deadline: date | None = None,
    radius_m: float = 200.0,
    rule: str = "both_ends",
    online_only: bool = True,
    kinds: Sequence[str] = ("视频监控",),
) -> MetricResult:
    """Return, per listed segment, 100 when it is under connected video, else 0 (ROAD-7).

    ``rule="both_ends"``: a connected camera within ``radius_m`` of each end of the segment
    (a stand-in for "the whole stretch", since no layer records intersections);
    ``rule="any"``: one within ``radius_m`` of any part. Cameras not connected (``online``
    false) do not count when ``online_only`` and are reported.
    """
    if rule not in ("both_ends", "any"):
        raise InputError(
            f"rule 应为 both_ends 或 any，而不是“{rule}”。",
            f"rule must be 'both_ends' or 'any', not '{rule}'.",
        )
    video = np.isin(text(cameras, "kind"), list(kinds))
    online = (
        flags(cameras, "online") if "online" in cameras.columns else np.ones(len(cameras), bool)
    )
    counted = video & online if online_only else video
    listed = listed_on(accident_segments, as_of)
    names, ids, towns = feature_labels(accident_segments, "segment_id")
    geoms = accident_segments.geometry.to_numpy()
    if rule == "both_ends":
        ends = [
            shapely.points(shapely.get_coordinates(g)[[0, -1]])
            if g is not None and not shapely.is_empty(g)
            else [shapely.Point(), shapely.Point()]
            for g in geoms
        ]
        import geopandas as gpd

        probe = gpd.GeoDataFrame(
            {"seg": np.repeat(np.arange(len(geoms)), 2)},
            geometry=[p for pair in ends for p in pair],
            crs=accident_segments.crs,
        )
        owner = np.repeat(np.arange(len(geoms)), 2)
    else:
        probe = accident_segments
        owner = np.arange(len(geoms))
    pi, ci, _ = near_pairs(probe, cameras, radius_m, a_name="accident_segments", b_name="cameras")
    seen = np.zeros(len(probe), dtype=bool)
    seen[pi[counted[ci]]] = True
    units = []
    for k in np.flatnonzero(listed):
        probes = np.flatnonzero(owner == k)
        covered = bool(seen[probes].all())
        nearby = np.unique(ci[np.isin(pi, probes)])
        offline = nearby[video[nearby] & ~online[nearby]]
        note = f"{radius_m:g} 米内已联网监控 {int(counted[nearby].sum())} 个"
        if len(offline):
            note += f"，未联网 {len(offline)} 个"
        if not covered and rule == "both_ends":
            missing_end = int((~seen[probes]).sum())
            note += f"，{missing_end} 端无监控"
        gaps: list[Gap] = []
        if not covered:
            gaps.append(
                Gap("accident_segments", (int(k),), "监控未全覆盖", "not fully under video")
            )
        if len(offline):
            gaps.append(
                Gap("cameras", tuple(int(i) for i in offline), "监控未联网", "camera not connected")
            )
        units.append(
            UnitValue(
                UNIT_SEGMENT,
                str(names[k]),
                value=100.0 if covered else 0.0,
                note_zh=note,
                note_en=f"{int(counted[nearby].sum())} connected cameras within {radius_m:g} m",
                town=str(towns[k]),
                unit_id=str(ids[k]),
                gaps=tuple(gaps),
            )
        )
    return MetricResult(units)


@metric(
    "persuasion_town_stations",
    needs={"persuasion_stations": ("level", "town")},
    optional={"towns": ("name",)},
    district="share_of_units",
    title_zh="各镇一级或二级劝导站数",
    title_en="Level-1/2 persuasion stations per town",
)
def persuasion_town_stations(
    persuasion_stations: gpd.GeoDataFrame,
    towns: gpd.GeoDataFrame | None = None,
    *,
    as_of: date,
    deadline: date | None = None,
    levels: Sequence[int] = (1, 2),
) -> MetricResult:
    """Return the number of level-1 or level-2 persuasion stations in each town (ROAD-8)."""
    units = count_by_town(
        town_of(persuasion_stations, towns),
        np.isin(numbers(persuasion_stations, "level"), [float(v) for v in levels]),
        towns,
        note=lambda n: (f"一、二级劝导站 {n} 个", f"{n} level-1/2 stations"),
        none=("无一级或二级劝导站", "no level-1/2 station"),
    )
    return MetricResult(units)


@metric(
    "persuasion_village_stations",
    needs={"persuasion_stations": ("level",), "villages": ("town",)},
    optional={"towns": ("name",)},
    title_zh="建有三级劝导站的行政村比例",
    title_en="Share of villages with a level-3 persuasion station",
)
def persuasion_village_stations(
    persuasion_stations: gpd.GeoDataFrame,
    villages: gpd.GeoDataFrame,
    towns: gpd.GeoDataFrame | None = None,
    *,
    as_of: date,
    deadline: date | None = None,
    level: int = 3,
    radius_m: float = 500.0,
    kinds: Sequence[str] | None = None,
) -> MetricResult:
    """Return the share of villages with a level-3 persuasion station, per town (ROAD-8).

    A station belongs to a village named in its ``village`` field (within the same town);
    a station without a village name belongs to the villages within ``radius_m``.
    ``kinds`` limits the villages (e.g. ``["村"]`` for administrative villages only).
    """
    st_level = numbers(persuasion_stations, "level")
    third = st_level == float(level)
    st_town = town_of(persuasion_stations, towns)
    st_village = text(persuasion_stations, "village")
    v_town = town_of(villages, towns)
    v_name = text(villages, "name")
    named = {
        (str(t), str(v)) for t, v, s in zip(st_town, st_village, third, strict=True) if s and v
    }
    has = np.array([(str(t), str(v)) in named for t, v in zip(v_town, v_name, strict=True)])
    unnamed = third & (st_village == "")
    if unnamed.any():
        vi, _, _ = near_pairs(
            villages,
            persuasion_stations[unnamed],
            radius_m,
            a_name="villages",
            b_name="persuasion_stations",
        )
        has[vi] = True
    units = share_by_town(
        v_town,
        has,
        towns,
        layer="villages",
        what=VILLAGES,
        gap=("无三级劝导站", "no level-3 station"),
        counted=of_kinds(villages, kinds),
    )
    return MetricResult(units)
