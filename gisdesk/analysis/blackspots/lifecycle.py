"""Listing accident-prone segments (挂牌) and following them through rectification.

A listed segment moves through 排查 (survey) -> 会商 (joint review) -> 整改 (rectify) ->
验收 (acceptance) -> 销号 (closed), one step at a time, each with its date (ROAD-5).
Going back a step needs a reason (e.g. acceptance failed); skipping is refused. Every
change is appended to a history table (who, when, field, before, after, reason).

The functions are pure: they take the segment layer and the history table and return
new ones, so the GUI can offer undo by keeping the old frames.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisdesk.analysis._checks import joint_metric_crs, to_crs_checked
from gisdesk.core.crs import STORAGE_CRS
from gisdesk.core.errors import InputError
from gisdesk.core.values import local_times

__all__ = [
    "HISTORY_COLUMNS",
    "LEVELS",
    "STATUSES",
    "STATUS_DATES",
    "advance_status",
    "before_after_counts",
    "empty_history",
    "list_candidates",
    "update_segment",
]

STATUSES = ("排查", "会商", "整改", "验收", "销号")
"""The closed loop, in order."""

STATUS_DATES = {
    "排查": "listed_date",
    "会商": "reviewed_date",
    "整改": "rectified_date",
    "验收": "accepted_date",
    "销号": "closed_date",
}
"""The date field each status sets when it is reached."""

LEVELS = ("省级", "市级", "区级")
"""Listing levels (provincial, city, district)."""

HISTORY_COLUMNS = ("segment_id", "changed_at", "changed_by", "field", "before", "after", "reason")
"""Columns of the history table."""

_EDITABLE = (
    "name",
    "listed_level",
    "town",
    "water_adjacent",
    "hazard",
    "measures",
    "responsible_unit",
)


def empty_history() -> pd.DataFrame:
    """Return an empty history table."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in HISTORY_COLUMNS})


def _when(value: dt.date | dt.datetime | str | pd.Timestamp) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    if pd.isna(stamp):
        raise InputError(f"日期无效：{value}", f"Invalid date: {value}")
    return stamp


def _record(history: pd.DataFrame, entries: list[dict[str, Any]]) -> pd.DataFrame:
    new = pd.DataFrame(entries, columns=list(HISTORY_COLUMNS))
    if history.empty:
        return new.astype(object)
    return pd.concat([history, new.astype(object)], ignore_index=True)


def _next_ids(segments: gpd.GeoDataFrame, k: int, prefix: str) -> list[str]:
    ids = segments["segment_id"].astype("string") if "segment_id" in segments else []
    nums = pd.Series(ids, dtype="string").str.extract(r"(\d+)$")[0]
    top = int(pd.to_numeric(nums, errors="coerce").max()) if len(nums.dropna()) else 0
    return [f"{prefix}{top + i + 1:02d}" for i in range(k)]


def list_candidates(
    segments: gpd.GeoDataFrame,
    history: pd.DataFrame,
    candidates: gpd.GeoDataFrame,
    *,
    level: str,
    listed_date: dt.date | str,
    by: str,
    hazard: str | None = None,
    measures: str | None = None,
    responsible_unit: str | None = None,
    water_adjacent: bool = False,
    id_prefix: str = "HM-SG-",
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """List screening candidates as accident-prone segments, status 排查.

    Parameters
    ----------
    segments
        The ``accident_segments`` layer (may be empty).
    history
        The history table (see :func:`empty_history`).
    candidates
        Rows of a screening result's candidates to list (``road``, ``from_km``, ``to_km``,
        ``town``, ``name``, geometry).
    level
        省级, 市级 or 区级.
    listed_date
        Date of listing (the 排查 step).
    by
        Who lists them (recorded in the history).
    hazard, measures, responsible_unit, water_adjacent
        Attributes given to every listed segment (editable later).
    id_prefix
        Prefix of new segment ids, numbered after the highest existing one.

    Returns
    -------
    tuple
        The segments with the new rows appended, and the history with their creation.
    """
    if level not in LEVELS:
        raise InputError(
            f"挂牌级别应为 {'、'.join(LEVELS)} 之一，而不是“{level}”。",
            f"The listing level must be one of {', '.join(LEVELS)}, not '{level}'.",
        )
    missing_town = candidates["town"].isna() if "town" in candidates else np.ones(1, bool)
    if np.any(missing_town):
        raise InputError(
            "候选路段缺少所属镇（街道），请先指定镇街。",
            "A candidate has no town; assign one before listing.",
        )
    when = _when(listed_date)
    ids = _next_ids(segments, len(candidates), id_prefix)
    new = gpd.GeoDataFrame(
        {
            "segment_id": ids,
            "name": candidates["name"].to_numpy(dtype=object),
            "road": candidates["road"].to_numpy(dtype=object),
            "from_km": candidates["from_km"].to_numpy(dtype=np.float64),
            "to_km": candidates["to_km"].to_numpy(dtype=np.float64),
            "listed_level": level,
            "status": STATUSES[0],
            "town": candidates["town"].to_numpy(dtype=object),
            "water_adjacent": water_adjacent,
            "hazard": hazard,
            "measures": measures,
            "responsible_unit": responsible_unit,
            "listed_date": when,
            "reviewed_date": pd.NaT,
            "rectified_date": pd.NaT,
            "accepted_date": pd.NaT,
            "closed_date": pd.NaT,
        },
        geometry=candidates.to_crs(segments.crs or STORAGE_CRS).geometry.to_numpy(),
        crs=segments.crs or STORAGE_CRS,
    )
    out = new if segments.empty else pd.concat([segments, new], ignore_index=True)
    entries = [
        {
            "segment_id": sid,
            "changed_at": when,
            "changed_by": by,
            "field": "status",
            "before": None,
            "after": STATUSES[0],
            "reason": f"挂牌（{level}）",
        }
        for sid in ids
    ]
    return gpd.GeoDataFrame(out, geometry="geometry", crs=new.crs), _record(history, entries)


def _row(segments: gpd.GeoDataFrame, segment_id: str) -> int:
    hits = np.flatnonzero(segments["segment_id"].astype("string").to_numpy() == segment_id)
    if len(hits) != 1:
        raise InputError(f"找不到路段“{segment_id}”。", f"No segment '{segment_id}'.")
    return int(hits[0])


def advance_status(
    segments: gpd.GeoDataFrame,
    history: pd.DataFrame,
    segment_id: str,
    *,
    to: str,
    on: dt.date | str,
    by: str,
    reason: str | None = None,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Move a listed segment to the next status (or back one with a reason).

    Parameters
    ----------
    segments, history
        The segment layer and its history.
    segment_id
        The segment to move.
    to
        The new status: the next one in :data:`STATUSES`, or an earlier one with a reason.
    on
        Date of the step; not before the previous step's date.
    by
        Who records the step.
    reason
        Required when going back (the later steps' dates are cleared).

    Returns
    -------
    tuple
        New segment layer and history.
    """
    if to not in STATUSES:
        raise InputError(
            f"状态应为 {'→'.join(STATUSES)} 之一，而不是“{to}”。",
            f"Status must be one of {', '.join(STATUSES)}, not '{to}'.",
        )
    i = _row(segments, segment_id)
    current = str(segments["status"].iloc[i])
    here, there = STATUSES.index(current), STATUSES.index(to)
    when = _when(on)
    out = segments.copy()
    entries: list[dict[str, Any]] = []
    if there == here + 1:
        previous = pd.Timestamp(segments[STATUS_DATES[current]].iloc[i])
        if pd.notna(previous) and when < previous:
            raise InputError(
                f"{to}日期 {when.date()} 早于{current}日期 {previous.date()}。",
                f"The {to} date {when.date()} is before the {current} date {previous.date()}.",
            )
        field = STATUS_DATES[to]
        entries.append(_entry(segment_id, when, by, field, out[field].iloc[i], when, reason))
        out[field] = pd.to_datetime(out[field])
        out.loc[out.index[i], field] = when
    elif there < here:
        if not reason:
            raise InputError(
                f"从“{current}”退回“{to}”必须说明原因。",
                f"Going back from {current} to {to} needs a reason.",
            )
        for later in STATUSES[there + 1 : here + 1]:
            field = STATUS_DATES[later]
            entries.append(_entry(segment_id, when, by, field, out[field].iloc[i], None, reason))
            out[field] = pd.to_datetime(out[field])
            out.loc[out.index[i], field] = pd.NaT
    else:
        step = STATUSES[here + 1] if here + 1 < len(STATUSES) else "（已销号）"
        raise InputError(
            f"路段 {segment_id} 当前为“{current}”，下一步只能是“{step}”，不能直接到“{to}”。",
            f"Segment {segment_id} is at {current}; the next step is {step}, not {to}.",
        )
    entries.insert(0, _entry(segment_id, when, by, "status", current, to, reason))
    out.loc[out.index[i], "status"] = to
    return out, _record(history, entries)


def _entry(
    segment_id: str,
    when: pd.Timestamp,
    by: str,
    field: str,
    before: object,
    after: object,
    reason: str | None,
) -> dict[str, Any]:
    def plain(v: Any) -> object:
        return None if v is None or (np.ndim(v) == 0 and bool(pd.isna(v))) else v

    return {
        "segment_id": segment_id,
        "changed_at": when,
        "changed_by": by,
        "field": field,
        "before": plain(before),
        "after": plain(after),
        "reason": reason,
    }


def update_segment(
    segments: gpd.GeoDataFrame,
    history: pd.DataFrame,
    segment_id: str,
    changes: Mapping[str, Any],
    *,
    on: dt.date | str,
    by: str,
    reason: str | None = None,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Change descriptive fields of a listed segment (hazard, measures, unit, level ...).

    Status and dates change only through :func:`advance_status`.

    Returns
    -------
    tuple
        New segment layer and history (one entry per field that really changed).
    """
    bad = [k for k in changes if k not in _EDITABLE]
    if bad:
        raise InputError(
            f"不能直接修改字段：{'、'.join(bad)}（状态请用流转）。",
            f"These fields cannot be edited directly: {', '.join(bad)} (use the status steps).",
        )
    if "listed_level" in changes and changes["listed_level"] not in LEVELS:
        raise InputError(
            f"挂牌级别应为 {'、'.join(LEVELS)} 之一。",
            f"The listing level must be one of {', '.join(LEVELS)}.",
        )
    i = _row(segments, segment_id)
    when = _when(on)
    out = segments.copy()
    entries = []
    for field, value in changes.items():
        before = out[field].iloc[i] if field in out.columns else None
        if field in out.columns and before == value:
            continue
        if field not in out.columns:
            out[field] = None
        entries.append(_entry(segment_id, when, by, field, before, value, reason))
        out.loc[out.index[i], field] = value
    return out, _record(history, entries)


def before_after_counts(
    segments: gpd.GeoDataFrame,
    accidents: gpd.GeoDataFrame,
    *,
    radius_m: float = 50.0,
    period_days: int = 365,
    as_of: dt.date | str | None = None,
) -> pd.DataFrame:
    """Count accidents on each segment in the year before listing and since rectification.

    An accident belongs to a segment when it lies within ``radius_m`` of it (exact distance
    in a metric CRS). *Before* is the ``period_days`` up to the day before ``listed_date``;
    *after* starts on the rectification date (``rectified_date``, else ``accepted_date``,
    else ``closed_date``) and runs ``period_days`` or up to ``as_of``, whichever is sooner.
    Counts in a shorter *after* window are also given per year, so they compare with before.

    Parameters
    ----------
    segments
        The ``accident_segments`` layer (``segment_id``, date fields, geometry).
    accidents
        Accident points with ``date`` (and ``deaths``).
    radius_m
        Distance within which an accident counts for a segment (ROAD-1 uses 50 m).
    period_days
        Length of each window.
    as_of
        The last day the accident data covers; default its latest date.

    Returns
    -------
    pandas.DataFrame
        One row per segment: ``segment_id``, ``before_from``, ``before_to``, ``before``,
        ``before_deaths``, ``after_from``, ``after_to``, ``after``, ``after_deaths``,
        ``after_days``, ``after_per_year`` and ``change_pct`` (per-year after against before;
        NaN where there is no after window or nothing before).
    """
    n = len(segments)
    when = local_times(
        accidents["date"] if "date" in accidents.columns else pd.Series([pd.NaT] * len(accidents))
    ).to_numpy(dtype="datetime64[ns]")
    known = when[~np.isnat(when)]
    latest = pd.Timestamp(known.max()) if len(known) else pd.NaT
    end = _when(as_of) if as_of is not None else latest
    deaths = (
        np.nan_to_num(pd.to_numeric(accidents["deaths"], errors="coerce").to_numpy(np.float64))
        if "deaths" in accidents.columns
        else np.zeros(len(accidents))
    )

    def dates(name: str) -> pd.Series:
        if name not in segments.columns:
            return pd.Series([pd.NaT] * n, dtype="datetime64[ns]")
        parsed: pd.Series = local_times(segments[name])
        return parsed.reset_index(drop=True)

    listed = dates("listed_date")
    fixed = dates("rectified_date").fillna(dates("accepted_date")).fillna(dates("closed_date"))
    period = pd.Timedelta(days=period_days)
    day = pd.Timedelta(days=1)
    stop = fixed + period - day
    cap = pd.Series([end] * n, dtype="datetime64[ns]")
    out = pd.DataFrame(
        {
            "segment_id": (
                segments["segment_id"].astype(object).to_numpy()
                if "segment_id" in segments.columns
                else np.arange(n)
            ),
            "before_from": listed - period,
            "before_to": listed - day,
            "after_from": fixed,
            "after_to": stop.where(stop <= cap, cap).where(fixed.notna()),
        }
    )
    seg_rows, acc_rows = _near(segments, accidents, radius_m)
    acc_when = when[acc_rows]
    for key in ("before", "after"):
        lo = out[f"{key}_from"].to_numpy(dtype="datetime64[ns]")[seg_rows]
        hi = out[f"{key}_to"].to_numpy(dtype="datetime64[ns]")[seg_rows]
        inside = (acc_when >= lo) & (acc_when <= hi)
        inside &= ~(np.isnat(lo) | np.isnat(hi) | np.isnat(acc_when))
        out[key] = np.bincount(seg_rows[inside], minlength=n).astype(np.int64)
        out[f"{key}_deaths"] = np.bincount(
            seg_rows[inside], weights=deaths[acc_rows][inside], minlength=n
        ).astype(np.int64)
    valid_after = out["after_from"].notna() & out["after_to"].notna()
    valid_after &= out["after_to"] >= out["after_from"]
    after_days = ((out["after_to"] - out["after_from"]).dt.days + 1).where(valid_after)
    out["after_days"] = after_days
    out.loc[~valid_after, ["after", "after_deaths"]] = 0
    out["after_per_year"] = out["after"] * (period_days / after_days)
    before = out["before"].astype(np.float64).where(out["before"] > 0)
    out["change_pct"] = (out["after_per_year"] - before) / before * 100.0
    return out


def _near(
    segments: gpd.GeoDataFrame, accidents: gpd.GeoDataFrame, radius_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return (segment row, accident row) of every pair within ``radius_m``."""
    empty = np.zeros(0, np.int64)
    if len(segments) == 0 or len(accidents) == 0:
        return empty, empty
    crs = joint_metric_crs({"accident_segments": segments, "accidents": accidents})
    ga = to_crs_checked(segments, crs, layer="accident_segments").geometry.to_numpy()
    gb = to_crs_checked(accidents, crs, layer="accidents").geometry.to_numpy()
    ok = np.flatnonzero(~(shapely.is_missing(gb) | shapely.is_empty(gb)))
    if len(ok) == 0:
        return empty, empty
    tree = shapely.STRtree(gb[ok])
    present = np.flatnonzero(~(shapely.is_missing(ga) | shapely.is_empty(ga)))
    ia, ib = tree.query(ga[present], predicate="dwithin", distance=float(radius_m))
    return present[ia].astype(np.int64), ok[ib].astype(np.int64)
