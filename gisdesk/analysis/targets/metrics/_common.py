"""Helpers the metrics share: typed columns, periods, towns, feature units, the count and share
rows of towns and the district, distances."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from gisdesk.analysis._checks import joint_metric_crs, to_crs_checked
from gisdesk.analysis.targets.result import (
    UNIT_DISTRICT,
    UNIT_TOWN,
    Gap,
    UnitValue,
)
from gisdesk.core.values import local_times

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "DISTRICT_ZH",
    "VILLAGES",
    "as_day",
    "count_by_town",
    "days",
    "days_between",
    "district_count",
    "feature_labels",
    "flags",
    "gaps_of",
    "in_window",
    "near_pairs",
    "numbers",
    "of_kinds",
    "pct",
    "period_window",
    "positions",
    "resolve_towns",
    "same_day_year_before",
    "share_by_town",
    "share_unit",
    "text",
    "town_gap",
    "town_names",
    "town_of",
    "unit_notes",
    "unit_rows",
]

DISTRICT_ZH = "全区"
"""The display name of the district-wide unit."""

VILLAGES = ("村（社区）", "villages")
"""What the villages layer's features are, in Chinese and English (for messages)."""


def text(gdf: pd.DataFrame, column: str) -> np.ndarray:
    """Return a column as an object array of stripped strings ("" where missing)."""
    if column not in gdf.columns:
        return np.full(len(gdf), "", dtype=object)
    values = gdf[column].to_numpy(dtype=object)
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        missing = v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v))
        out[i] = "" if missing else str(v).strip()
    return out


def flags(gdf: pd.DataFrame, column: str) -> np.ndarray:
    """Return a yes/no column as booleans (missing counts as no; 是/true/1 count as yes)."""
    if column not in gdf.columns:
        return np.zeros(len(gdf), dtype=bool)
    col = gdf[column]
    if col.dtype == bool or str(col.dtype) == "boolean":
        return np.asarray(col.fillna(False).to_numpy(dtype=bool))
    if col.dtype.kind in "iuf":
        return np.asarray(pd.to_numeric(col, errors="coerce").fillna(0).to_numpy() != 0)
    truthy = {"true", "1", "1.0", "是", "yes", "y", "t"}
    out = np.zeros(len(col), dtype=bool)
    for i, v in enumerate(col.to_numpy(dtype=object)):
        if isinstance(v, bool | np.bool_):
            out[i] = bool(v)
        elif v is not None and not (isinstance(v, float) and np.isnan(v)):
            out[i] = str(v).strip().lower() in truthy
    return out


def numbers(gdf: pd.DataFrame, column: str) -> np.ndarray:
    """Return a numeric column as float64 (NaN where missing or not a number)."""
    if column not in gdf.columns:
        return np.full(len(gdf), np.nan)
    return np.asarray(pd.to_numeric(gdf[column], errors="coerce"), dtype=np.float64)


def days(gdf: pd.DataFrame, column: str) -> np.ndarray:
    """Return a date column as ``datetime64[D]`` (NaT where missing or not a date).

    Read by :func:`gisdesk.core.values.local_times`: a time stamp with a zone
    (``2022-01-01T00:30+08:00``, or one in UTC) counts on its day in Beijing time, and text
    dates may mix forms (``2022-01-05``, ``2022/1/5``, ``2022年1月5日``, ``2022-01-05 08:00``).
    """
    if column not in gdf.columns:
        return np.full(len(gdf), np.datetime64("NaT"), dtype="datetime64[D]")
    return np.asarray(local_times(gdf[column]).to_numpy().astype("datetime64[D]"))


def as_day(d: date) -> np.datetime64:
    """Return a date as ``numpy.datetime64[D]``."""
    return np.datetime64(d.isoformat(), "D")


def period_window(as_of: date, deadline: date | None) -> tuple[date, date]:
    """Return the calendar-year window a yearly metric measures: 1 January to its end.

    The window ends at ``as_of``, or at the deadline when it has passed (a 2022 target
    evaluated in 2023 still measures 2022).
    """
    end = min(as_of, deadline) if deadline is not None else as_of
    return date(end.year, 1, 1), end


def same_day_year_before(d: date) -> date:
    """Return the same calendar day a year earlier (29 February becomes the 28th)."""
    try:
        return d.replace(year=d.year - 1)
    except ValueError:
        return d.replace(year=d.year - 1, day=28)


def in_window(values: np.ndarray, start: date, end: date) -> np.ndarray:
    """Return which ``datetime64[D]`` values fall in [start, end] (NaT never does)."""
    return np.asarray((values >= as_day(start)) & (values <= as_day(end)))


def pct(numerator: float, denominator: float) -> float:
    """Return ``100 * numerator / denominator``, NaN when the denominator is 0."""
    return 100.0 * numerator / denominator if denominator else float("nan")


def positions(mask: np.ndarray) -> tuple[int, ...]:
    """Return the row positions where ``mask`` holds."""
    return tuple(int(i) for i in np.flatnonzero(mask))


def feature_labels(gdf: pd.DataFrame, id_field: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return each feature's display name, identifier and town, for units that are features.

    The display name is the feature's name, else its identifier, else its row (``#3``).
    """
    ids = text(gdf, id_field)
    names = text(gdf, "name")
    label = [n or i or f"#{k}" for k, (n, i) in enumerate(zip(names, ids, strict=True))]
    return np.array(label, dtype=object), ids, text(gdf, "town")


def _aliases(towns: gpd.GeoDataFrame | None) -> dict[str, str]:
    if towns is None:
        return {}
    names = text(towns, "name")
    out = {str(n): str(n) for n in names if n}
    for name, alias in zip(names, text(towns, "alias"), strict=True):
        if alias and name:
            out.setdefault(str(alias), str(name))
    return out


def town_of(
    gdf: pd.DataFrame, towns: gpd.GeoDataFrame | None, *, column: str = "town"
) -> np.ndarray:
    """Return each feature's town name, with park/office aliases (海门港新区) resolved."""
    return resolve_towns(text(gdf, column), towns)


def resolve_towns(values: Sequence[str] | np.ndarray, towns: gpd.GeoDataFrame | None) -> np.ndarray:
    """Return town names with the aliases of the towns layer resolved to their towns."""
    alias = _aliases(towns)
    if not alias:
        return np.asarray(values, dtype=object)
    return np.array([alias.get(str(v), str(v)) for v in values], dtype=object)


def town_names(towns: gpd.GeoDataFrame | None, *values: np.ndarray) -> list[str]:
    """Return the towns to report: the towns layer's order, then any other town in the data."""
    out: list[str] = []
    if towns is not None and "name" in towns.columns:
        out = [str(n) for n in text(towns, "name") if n]
    seen = set(out)
    extra = sorted({str(v) for arr in values for v in arr if v and str(v) not in seen})
    return out + extra


def town_gap(towns: gpd.GeoDataFrame | None, name: str, zh: str, en: str) -> tuple[Gap, ...]:
    """Return the town's polygon as a gap feature (when there is a towns layer)."""
    if towns is None or "name" not in towns.columns:
        return ()
    return gaps_of("towns", text(towns, "name") == name, zh, en)


def count_by_town(
    towns_of_features: np.ndarray,
    chosen: np.ndarray,
    towns: gpd.GeoDataFrame | None,
    *,
    note: Callable[[int], tuple[str, str]],
    none: tuple[str, str],
    listed: tuple[str, str, str] | None = None,
) -> list[UnitValue]:
    """Return the number of chosen features in each town (:func:`town_names`).

    ``note`` gives a town's remark from its count, in Chinese and English. A town with none
    has its polygon as the gap feature, ``none`` saying why; with ``listed`` (layer role,
    reason_zh, reason_en) a town's counted features are listed as its gap features.
    """
    units: list[UnitValue] = []
    for name in town_names(towns, towns_of_features):
        mine = chosen & (towns_of_features == name)
        n = int(mine.sum())
        if n == 0:
            gaps = town_gap(towns, name, *none)
        else:
            gaps = gaps_of(listed[0], mine, *listed[1:]) if listed else ()
        note_zh, note_en = note(n)
        units.append(
            UnitValue(
                UNIT_TOWN,
                name,
                value=float(n),
                note_zh=note_zh,
                note_en=note_en,
                town=name,
                gaps=gaps,
            )
        )
    return units


def district_count(
    layer: str,
    chosen: np.ndarray,
    done: np.ndarray,
    *,
    note: Callable[[int, int], tuple[str, str]],
    gap: tuple[str, str],
) -> UnitValue:
    """Return the district row counting the chosen features that are done.

    ``note`` gives the remark from the counts (done, chosen), in Chinese and English; the
    chosen features not done are the gap features, ``gap`` saying why.
    """
    n_done = int((chosen & done).sum())
    n_chosen = int(chosen.sum())
    note_zh, note_en = note(n_done, n_chosen)
    return UnitValue(
        UNIT_DISTRICT,
        DISTRICT_ZH,
        value=float(n_done),
        numerator=n_done,
        denominator=n_chosen,
        note_zh=note_zh,
        note_en=note_en,
        gaps=gaps_of(layer, chosen & ~done, *gap),
    )


def of_kinds(gdf: pd.DataFrame, kinds: Sequence[str] | None) -> np.ndarray:
    """Return which features have one of ``kinds`` in their ``kind`` field (None: all do)."""
    if kinds is None:
        return np.ones(len(gdf), dtype=bool)
    return np.isin(text(gdf, "kind"), list(kinds))


def unit_rows(towns_of_features: np.ndarray, unit: str) -> np.ndarray:
    """Return which features a unit holds: those of the town, or all for the district."""
    if unit == DISTRICT_ZH:
        return np.ones(len(towns_of_features), dtype=bool)
    return np.asarray(towns_of_features == unit)


def unit_notes(
    towns_of_features: np.ndarray,
    towns: Sequence[str],
    note: Callable[[str, np.ndarray], tuple[str, str] | None],
) -> dict[str, tuple[str, str]]:
    """Return the remarks of each town and the district for :func:`share_by_town`.

    ``note`` gets the unit's name and its features (:func:`unit_rows`) and returns the
    remark in Chinese and English, or None for none.
    """
    out: dict[str, tuple[str, str]] = {}
    for name in [*towns, DISTRICT_ZH]:
        remark = note(name, unit_rows(towns_of_features, name))
        if remark is not None:
            out[name] = remark
    return out


def share_unit(
    unit_type: str,
    name: str,
    num: int,
    den: int,
    *,
    missing: tuple[str, str],
    note: tuple[str, str] = ("", ""),
    town: str = "",
    unit_id: str = "",
    gaps: tuple[Gap, ...] = (),
) -> UnitValue:
    """Return a unit's share ``num`` of ``den`` in %, with its remark and gap features.

    A unit with nothing to count (``den`` 0) gets no value, ``missing`` saying why, in
    Chinese and English.
    """
    if den == 0:
        return UnitValue(
            unit_type,
            name,
            missing_zh=missing[0],
            missing_en=missing[1],
            town=town,
            unit_id=unit_id,
        )
    return UnitValue(
        unit_type,
        name,
        value=pct(num, den),
        numerator=num,
        denominator=den,
        note_zh=note[0],
        note_en=note[1],
        town=town,
        unit_id=unit_id,
        gaps=gaps,
    )


def share_by_town(
    towns_of_features: np.ndarray,
    meets: np.ndarray,
    towns: gpd.GeoDataFrame | None,
    *,
    layer: str,
    what: tuple[str, str],
    gap: tuple[str, str],
    counted: np.ndarray | None = None,
    note: Callable[[str, np.ndarray], tuple[str, str] | None] | None = None,
    extra: Sequence[tuple[np.ndarray, str, str]] = (),
) -> list[UnitValue]:
    """Return the share of features meeting a condition per town and for the district.

    Parameters
    ----------
    towns_of_features
        Each feature's town (:func:`town_of`).
    meets
        Whether each feature meets the condition.
    towns
        The towns layer, if any: the towns reported are its towns, then any other town of
        the features (:func:`town_names`); a town without any counted feature gets no value
        and says so.
    layer
        The layer role of the features (for the gap features).
    what
        What the features are, in Chinese and English (e.g. 村（社区） / villages).
    gap
        Why a feature that does not meet is a gap, in Chinese and English.
    counted
        Which features count at all (default: every feature).
    note
        The remark of a unit (:func:`unit_notes`), from its name and its features.
    extra
        More gap features per unit: (mask, reason_zh, reason_en), e.g. features without
        data or features to flag.
    """
    # as bool: a list comprehension over no features gives a float array
    meets = np.asarray(meets, dtype=bool)
    counted = np.ones(len(meets), dtype=bool) if counted is None else np.asarray(counted, bool)
    ok = meets & counted
    groups = [(~meets & counted, *gap), *extra]
    names = town_names(towns, towns_of_features)
    notes = unit_notes(towns_of_features, names, note) if note is not None else {}

    def unit(unit_type: str, name: str, here: np.ndarray, missing: tuple[str, str]) -> UnitValue:
        return share_unit(
            unit_type,
            name,
            int((ok & here).sum()),
            int((counted & here).sum()),
            missing=missing,
            note=notes.get(name, ("", "")),
            town=name if unit_type == UNIT_TOWN else "",
            gaps=_gaps(layer, here, groups),
        )

    units = [
        unit(
            UNIT_TOWN,
            name,
            towns_of_features == name,
            (f"该镇（街道）没有{what[0]}记录", f"no {what[1]} recorded in this town"),
        )
        for name in names
    ]
    everywhere = np.ones(len(meets), dtype=bool)
    units.append(
        unit(
            UNIT_DISTRICT, DISTRICT_ZH, everywhere, (f"没有{what[0]}记录", f"no {what[1]} recorded")
        )
    )
    return units


def _gaps(
    layer: str, here: np.ndarray, groups: Sequence[tuple[np.ndarray, str, str]]
) -> tuple[Gap, ...]:
    return tuple(g for mask, zh, en in groups for g in gaps_of(layer, mask & here, zh, en))


def gaps_of(layer: str, rows: np.ndarray | Sequence[int], zh: str, en: str) -> tuple[Gap, ...]:
    """Return the gap of these features, or no gap when there are none.

    ``rows`` is a boolean mask over the layer or row positions (kept in their order).
    """
    picked = np.asarray(rows)
    found = positions(picked) if picked.dtype == bool else tuple(int(i) for i in picked)
    return (Gap(layer, found, zh, en),) if found else ()


def near_pairs(
    a: gpd.GeoDataFrame,
    b: gpd.GeoDataFrame,
    radius_m: float,
    *,
    a_name: str,
    b_name: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (row in a, row in b, distance in metres) for every pair within ``radius_m``.

    Distances are exact, measured in the metric CRS of both layers (EPSG:4549 around
    Haimen); features without geometry are skipped.
    """
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    if len(a) == 0 or len(b) == 0:
        return empty
    crs = joint_metric_crs({a_name: a, b_name: b})
    ga = to_crs_checked(a, crs, layer=a_name).geometry.to_numpy()
    gb = to_crs_checked(b, crs, layer=b_name).geometry.to_numpy()
    va = ~(shapely.is_missing(ga) | shapely.is_empty(ga))
    vb = ~(shapely.is_missing(gb) | shapely.is_empty(gb))
    ia_valid, ib_valid = np.flatnonzero(va), np.flatnonzero(vb)
    if not len(ia_valid) or not len(ib_valid):
        return empty
    tree = shapely.STRtree(gb[ib_valid])
    ia, ib = tree.query(ga[ia_valid], predicate="dwithin", distance=float(radius_m))
    ia, ib = ia_valid[ia], ib_valid[ib]
    dist = shapely.distance(ga[ia], gb[ib])
    order = np.lexsort((dist, ib, ia))
    return ia[order].astype(np.int64), ib[order].astype(np.int64), np.asarray(dist[order])


def days_between(a: date, b: date) -> int:
    """Return the number of days from ``a`` to ``b``."""
    return (b - a) // timedelta(days=1)
