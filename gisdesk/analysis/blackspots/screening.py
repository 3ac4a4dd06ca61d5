"""Sliding-window screening for accident-prone segments (事故多发路段).

Accidents are measured along their named roads (by kilometre stake); windows of
``window_m`` (default 500 m) slide along every road in steps of ``step_m`` (default 100 m).
Each window gets its accident count, deaths, injuries, fatal and injury accidents, and an
*equivalent accident number* (当量事故数): each accident weighted by its worst outcome,
with the default weights fatal 10, injury 3, property damage only 1.

A window is flagged when its count reaches ``min_count``. By default that threshold is the
Poisson critical count: with all located accidents spread evenly over the screened roads a
window would expect ``mu`` of them; the threshold is the smallest count whose upper-tail
probability is below ``alpha`` divided by the number of independent windows (total length
/ window), so uniform noise flags nothing 99 times in 100 (alpha = 0.01). ``min_equivalent``
adds a severity floor. Flagged windows of a road that overlap or touch merge into one
candidate segment, trimmed to its outermost accidents and ranked by equivalent accidents
(then deaths, then count), district-wide and per town.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisdesk.analysis._checks import check_metres, check_not_empty, check_number, check_positive
from gisdesk.analysis.blackspots.matching import locate_accidents
from gisdesk.analysis.blackspots.referencing import RoadMeasures, road_measures, road_substring
from gisdesk.analysis.blackspots.windows import merge_windows, window_sums
from gisdesk.core.crs import STORAGE_CRS
from gisdesk.core.errors import InputError
from gisdesk.core.progress import CancelToken, ProgressCallback, check_cancel, report
from gisdesk.core.values import local_times

if TYPE_CHECKING:
    from pyproj import CRS

__all__ = [
    "DEFAULT_ALPHA",
    "DEFAULT_QUALITIES",
    "DEFAULT_STEP_M",
    "DEFAULT_WINDOW_M",
    "ScreeningResult",
    "SeverityWeights",
    "accidents_in_period",
    "check_screening_parameters",
    "critical_count",
    "equivalent_accidents",
    "screen_accidents",
]


WINDOW_M_RANGE = (50.0, 10_000.0)
"""Window lengths accepted: 50 m to 10 km (the usual window is 500 m)."""
MIN_STEP_M = 5.0
DEFAULT_WINDOW_M = 500.0
"""The usual window length (m)."""
DEFAULT_STEP_M = 100.0
"""The usual step (m)."""
DEFAULT_ALPHA = 0.01
"""Chance that evenly spread accidents flag any window (the automatic threshold's level)."""
DEFAULT_QUALITIES = ("good", "fair")
"""Match qualities screened by default (ambiguous matches are left out)."""
MAX_YEARS = 100.0
"""Longest period of records accepted for per-year figures."""


@dataclass(frozen=True)
class SeverityWeights:
    """Weights of the equivalent accident number, by an accident's worst outcome."""

    fatal: float = 10.0
    injury: float = 3.0
    property: float = 1.0

    def as_tuple(self) -> tuple[float, float, float]:
        """Return the weights as (fatal, injury, property)."""
        return (self.fatal, self.injury, self.property)


@dataclass
class ScreeningResult:
    """The outcome of :func:`screen_accidents`.

    Attributes
    ----------
    candidates
        Candidate segments (EPSG:4490 lines), ranked: ``rank`` district-wide,
        ``rank_town`` within the town.
    windows
        Every window: road, from/to km, count, deaths, injuries, fatal, equivalent, flagged.
    accidents
        The accidents with their match columns (see
        :func:`~gisdesk.analysis.blackspots.matching.locate_accidents`).
    issues
        Row-by-row matching problems.
    min_count
        The count threshold used.
    expected_per_window
        Mean accidents per window were they spread evenly.
    screened
        Number of accidents on named roads that entered the windows.
    """

    candidates: gpd.GeoDataFrame
    windows: pd.DataFrame
    accidents: gpd.GeoDataFrame
    issues: pd.DataFrame
    min_count: int
    expected_per_window: float
    screened: int
    settings: dict[str, object] = field(default_factory=dict)


def equivalent_accidents(
    deaths: np.ndarray, injuries: np.ndarray, *, weights: SeverityWeights = SeverityWeights()
) -> np.ndarray:
    """Return each accident's weight by its worst outcome (fatal, injury, property only)."""
    d = np.nan_to_num(np.asarray(deaths, dtype=np.float64))
    i = np.nan_to_num(np.asarray(injuries, dtype=np.float64))
    return np.where(d > 0, weights.fatal, np.where(i > 0, weights.injury, weights.property))


def critical_count(expected: float, tests: float, *, alpha: float = 0.01) -> int:
    """Return the smallest count k with P(X >= k) <= alpha / tests for X ~ Poisson(expected)."""
    from scipy.stats import poisson

    q = alpha / max(1.0, tests)
    return int(poisson.isf(q, max(expected, 1e-12))) + 1


def check_screening_parameters(
    *,
    window_m: float,
    step_m: float,
    alpha: float,
    min_count: int | None,
    min_equivalent: float,
    weights: SeverityWeights,
    years: float | None = None,
) -> tuple[float, float, int | None]:
    """Check the screening's parameters; return window, step and threshold as numbers.

    Raises an :class:`~gisdesk.core.errors.InputError` that states the allowed range, in
    Chinese and English, for a value out of range or not finite.
    """
    window_m = check_metres(window_m, ("窗口长度", "The window length"), WINDOW_M_RANGE)
    step_m = check_metres(
        step_m,
        ("步长（不超过窗口长度）", "The step (no longer than the window)"),
        (MIN_STEP_M, window_m),
    )
    check_positive(alpha, ("显著性水平", "The significance level"), 0.5)
    if min_count is not None:
        min_count = int(
            check_number(
                min_count,
                what_zh="窗口最少事故数",
                what_en="The window threshold",
                low=1,
                high=100_000,
                unit_zh="起",
                unit_en="accidents",
                integer=True,
            )
        )
    check_number(
        min_equivalent,
        what_zh="当量事故数下限",
        what_en="The equivalent-accident floor",
        low=0.0,
        high=1e6,
    )
    for what_zh, what_en, w in (
        ("死亡事故权重", "The fatal weight", weights.fatal),
        ("受伤事故权重", "The injury weight", weights.injury),
        ("财损事故权重", "The property-damage weight", weights.property),
    ):
        check_number(w, what_zh=what_zh, what_en=what_en, low=0.0, high=1000.0)
    if years is not None:
        check_positive(
            years, ("事故记录覆盖的年数", "The years the records cover"), MAX_YEARS, ("年", "years")
        )
    return window_m, step_m, min_count


def accidents_in_period(
    accidents: gpd.GeoDataFrame, date_from: str | None, date_to: str | None
) -> tuple[gpd.GeoDataFrame, float | None]:
    """Return the accidents dated within a period (ISO dates, both ends included) and its years.

    Without either date every record is kept; records whose ``date`` is missing or unreadable
    fall outside any period. The years (days / 365.25) are given when both ends are, for
    per-year counts and rates; else None (the records' own span counts).
    """
    if not (date_from or date_to):
        return accidents, None
    dates = (
        accidents["date"]
        if "date" in accidents.columns
        else pd.Series(pd.NaT, index=accidents.index)
    )
    when = local_times(dates)
    keep = np.ones(len(accidents), dtype=bool)
    if date_from:
        keep &= (when >= pd.Timestamp(date_from)).to_numpy()
    if date_to:
        keep &= (when <= pd.Timestamp(date_to)).to_numpy()
    years = None
    if date_from and date_to:
        span = pd.Timestamp(date_to) - pd.Timestamp(date_from)
        years = max(span.days + 1, 1) / 365.25
    return accidents.loc[keep], years


def screen_accidents(
    accidents: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    *,
    window_m: float = DEFAULT_WINDOW_M,
    step_m: float = DEFAULT_STEP_M,
    weights: SeverityWeights = SeverityWeights(),
    min_count: int | None = None,
    min_equivalent: float = 0.0,
    alpha: float = DEFAULT_ALPHA,
    qualities: tuple[str, ...] = DEFAULT_QUALITIES,
    towns: gpd.GeoDataFrame | None = None,
    exposure_field: str | None = None,
    years: float | None = None,
    crs: CRS | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ScreeningResult:
    """Screen roads for accident-prone segments with sliding windows.

    Parameters
    ----------
    accidents
        Accident points (or records with ``road`` + ``stake_km``), with ``deaths`` and
        ``injuries``. Records already matched (``match_quality`` present) are used as is.
    roads
        Road layer with ``name``, ``from_km`` and ``to_km`` stakes.
    window_m, step_m
        Window length and step in metres (default 500 m / 100 m).
    weights
        Severity weights of the equivalent accident number (default 10 / 3 / 1).
    min_count
        Accidents a window needs to be flagged; default the Poisson critical count.
    min_equivalent
        Equivalent accidents a window also needs (default 0: no floor).
    alpha
        Chance that evenly spread accidents flag any window, for the default threshold.
    qualities
        Match qualities that enter the screening (ambiguous matches are left out).
    towns
        Town polygons with ``name``: each candidate gets the town of its middle.
    exposure_field
        Road field with traffic (vehicles per day, e.g. AADT) for accident rates per
        million vehicle-km.
    years
        Years the accidents cover, for counts per year (``per_year``) and rates; default the
        span of their ``date`` field in whole years (at least 1).
    crs
        Metric CRS; default EPSG:4549 (or a UTM zone outside its area of use).
    progress, cancel
        See :mod:`gisdesk.core.progress`.

    Returns
    -------
    ScreeningResult
        Ranked candidates, all windows, matched accidents and the threshold used.
    """
    window_m, step_m, min_count = check_screening_parameters(
        window_m=window_m,
        step_m=step_m,
        alpha=alpha,
        min_count=min_count,
        min_equivalent=min_equivalent,
        weights=weights,
        years=years,
    )
    check_not_empty(
        accidents,
        what_zh="事故",
        what_en="accident",
        needed_zh="筛查事故多发路段",
        needed_en="accident-prone segments",
    )
    check_not_empty(
        roads,
        what_zh="道路",
        what_en="road",
        needed_zh="筛查事故多发路段",
        needed_en="accident-prone segments",
    )
    report(progress, 0.0, "准备路网桩号")
    measures = road_measures(roads, crs=crs)
    if len(measures.roads) == 0:
        raise InputError(
            "道路图层没有带名称和起止桩号（from_km、to_km）的路段，无法按桩号筛查。",
            "The roads layer has no named pieces with from_km / to_km stakes to screen.",
        )
    check_cancel(cancel)
    report(progress, 0.2, "匹配事故到道路")
    if "match_quality" in accidents.columns and "measure_km" in accidents.columns:
        located, issues = accidents, pd.DataFrame()
    else:
        located, issues = locate_accidents(accidents, measures)
    check_cancel(cancel)
    report(progress, 0.5, "滑动窗口统计")
    code = measures.code_of(located["match_road"].to_numpy(dtype=object))
    km = located["measure_km"].to_numpy(dtype=np.float64)
    use = (code >= 0) & np.isfinite(km) & located["match_quality"].isin(qualities).to_numpy()
    if "valid" in located.columns:
        use &= located["valid"].fillna(False).to_numpy(dtype=bool)
    deaths = _numbers(located, "deaths")
    injuries = _numbers(located, "injuries")
    values = {
        "deaths": deaths[use],
        "injuries": injuries[use],
        "fatal": (deaths[use] > 0).astype(np.float64),
        "injury_accidents": ((deaths[use] == 0) & (injuries[use] > 0)).astype(np.float64),
        "equivalent": equivalent_accidents(deaths[use], injuries[use], weights=weights),
    }
    w_km, s_km = window_m / 1000.0, step_m / 1000.0
    sums = window_sums(
        code[use], km[use], measures.road_length_km, values, window_km=w_km, step_km=s_km
    )
    total_km = float(measures.road_length_km.sum())
    expected = int(use.sum()) * w_km / total_km
    threshold = (
        min_count
        if min_count is not None
        else max(2, critical_count(expected, total_km / w_km, alpha=alpha))
    )
    flagged = (sums.count >= threshold) & (sums.sums["equivalent"] >= min_equivalent)
    windows = pd.DataFrame(
        {
            "road": measures.roads[sums.road],
            "from_km": sums.start_km,
            "to_km": sums.end_km,
            "count": sums.count,
            **dict(sums.sums.items()),
            "flagged": flagged,
        }
    )
    check_cancel(cancel)
    report(progress, 0.7, "合并候选路段")
    span = years if years is not None else _years(located.loc[use])
    seg_road, seg_from, seg_to = merge_windows(
        sums.road[flagged], sums.start_km[flagged], sums.end_km[flagged]
    )
    candidates = _candidates(
        measures,
        seg_road,
        seg_from,
        seg_to,
        acc_road=code[use],
        acc_km=km[use],
        values=values,
        towns=towns,
        roads=roads,
        exposure_field=exposure_field,
        years=span,
    )
    report(progress, 1.0, "筛查完成")
    return ScreeningResult(
        candidates=candidates,
        windows=windows,
        accidents=located,
        issues=issues,
        min_count=int(threshold),
        expected_per_window=expected,
        screened=int(use.sum()),
        settings={
            "window_m": window_m,
            "step_m": step_m,
            "weights": (weights.fatal, weights.injury, weights.property),
            "alpha": alpha,
            "min_equivalent": min_equivalent,
            "years": span,
        },
    )


def _numbers(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.zeros(len(frame))
    values = pd.to_numeric(frame[name], errors="coerce").to_numpy(np.float64)
    return np.asarray(np.nan_to_num(values), dtype=np.float64)


def _years(frame: pd.DataFrame) -> float:
    if "date" not in frame.columns or len(frame) == 0:
        return 1.0
    dates = local_times(frame["date"]).dropna()
    if dates.empty:
        return 1.0
    span: pd.Timedelta = dates.max() - dates.min()
    return max(1.0, round(span.days / 365.25))


def _candidates(
    measures: RoadMeasures,
    seg_road: np.ndarray,
    seg_from: np.ndarray,
    seg_to: np.ndarray,
    *,
    acc_road: np.ndarray,
    acc_km: np.ndarray,
    values: dict[str, np.ndarray],
    towns: gpd.GeoDataFrame | None,
    roads: gpd.GeoDataFrame,
    exposure_field: str | None,
    years: float,
) -> gpd.GeoDataFrame:
    offset = measures.road_offset()
    key = offset[acc_road] + acc_km
    order = np.argsort(key, kind="stable")
    key = key[order]
    lo = np.searchsorted(key, offset[seg_road] + seg_from, side="left")
    hi = np.searchsorted(key, offset[seg_road] + seg_to, side="right")
    # Trim each merged run of windows to its outermost accidents.
    has = hi > lo
    first = np.where(has, key[np.minimum(lo, len(key) - 1)] - offset[seg_road], seg_from)
    last = np.where(has, key[np.maximum(hi - 1, 0)] - offset[seg_road], seg_to)
    frame = pd.DataFrame(
        {
            "road": measures.roads[seg_road].astype(object),
            "from_km": np.round(first, 3),
            "to_km": np.round(last, 3),
            "count": hi - lo,
        }
    )
    for name, v in values.items():
        cs = np.concatenate([[0.0], np.cumsum(np.asarray(v)[order])])
        frame[name] = cs[hi] - cs[lo]
    frame["length_km"] = frame["to_km"] - frame["from_km"]
    frame["per_year"] = frame["count"] / years
    geoms = np.array(
        [
            road_substring(measures, int(r), float(a), float(b))
            for r, a, b in zip(seg_road, first, last, strict=True)
        ],
        dtype=object,
    )
    if exposure_field is not None:
        frame["exposure"] = _exposure(measures, roads, exposure_field, seg_road, first, last)
        vkm = frame["exposure"] * 365.0 * years * np.maximum(frame["length_km"], 0.1) / 1e6
        frame["rate_per_mvkm"] = frame["count"] / vkm
    gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs=measures.crs)
    middle = shapely.line_interpolate_point(geoms, 0.5, normalized=True) if len(geoms) else geoms
    gdf["town"] = _towns(middle, towns, measures.crs) if towns is not None else None
    gdf = gdf.sort_values(
        ["equivalent", "deaths", "count", "road", "from_km"],
        ascending=[False, False, False, True, True],
    ).reset_index(drop=True)
    gdf.insert(0, "rank", np.arange(1, len(gdf) + 1))
    gdf.insert(1, "candidate_id", [f"C{r:03d}" for r in gdf["rank"]])
    gdf["rank_town"] = gdf.groupby(gdf["town"].fillna(""), sort=False).cumcount() + 1
    gdf["name"] = [
        f"{r} K{_stake(a)}–K{_stake(b)}"
        for r, a, b in zip(gdf["road"], gdf["from_km"], gdf["to_km"], strict=True)
    ]
    return gdf.to_crs(STORAGE_CRS)


def _stake(km: float) -> str:
    whole = int(np.floor(km + 1e-9))
    return f"{whole}+{round((km - whole) * 1000):03d}"


def _towns(points: np.ndarray, towns: gpd.GeoDataFrame, crs: CRS) -> np.ndarray:
    polys = towns.to_crs(crs).geometry.to_numpy()
    names = towns["name"].to_numpy(dtype=object) if "name" in towns.columns else None
    out = np.full(len(points), None, dtype=object)
    if names is None or len(points) == 0:
        return out
    pt_idx, poly_idx = shapely.STRtree(polys).query(points, predicate="within")
    out[pt_idx] = names[poly_idx]
    return out


def _exposure(
    measures: RoadMeasures,
    roads: gpd.GeoDataFrame,
    name: str,
    seg_road: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
) -> np.ndarray:
    if name not in roads.columns:
        raise InputError(f"道路图层没有字段“{name}”。", f"The roads layer has no field '{name}'.")
    value = pd.to_numeric(roads[name], errors="coerce").to_numpy(dtype=np.float64)
    out = np.full(len(seg_road), np.nan)
    for k, (r, lo, hi) in enumerate(zip(seg_road, a, b, strict=True)):
        idx = np.flatnonzero(
            (measures.road_code == r) & (measures.to_km > lo) & (measures.from_km < hi)
        )
        overlap = np.minimum(measures.to_km[idx], hi) - np.maximum(measures.from_km[idx], lo)
        ok = np.isfinite(value[idx])
        if ok.any() and overlap[ok].sum() > 0:
            out[k] = float(np.average(value[idx][ok], weights=overlap[ok]))
        elif ok.any():
            out[k] = float(np.nanmean(value[idx]))
    return out
