"""The vectorised core of sliding-window screening: windows, sums, merging.

Accidents and windows share one global key per road (road offset + measure in km), so
the accidents in every window of every road come from two ``np.searchsorted`` calls and
the window sums from differences of cumulative sums; nothing loops over windows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["WindowSums", "make_windows", "merge_windows", "window_sums"]


@dataclass
class WindowSums:
    """Windows along roads and what falls in each.

    Attributes
    ----------
    road
        Road code per window.
    start_km, end_km
        Window ends along the road (end clipped to the road's length).
    count
        Accidents in the window (ends included).
    sums
        Per summed quantity (e.g. ``deaths``), its total in each window.
    """

    road: np.ndarray
    start_km: np.ndarray
    end_km: np.ndarray
    count: np.ndarray
    sums: dict[str, np.ndarray]


def make_windows(
    road_length_km: np.ndarray, *, window_km: float, step_km: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (road code, start km, end km) of the sliding windows of every road.

    Windows start every ``step_km`` from 0; the last starts at ``length - window_km`` so
    the road's end is covered; a road shorter than the window gets one window.
    """
    length = np.asarray(road_length_km, dtype=np.float64)
    room = np.maximum(length - window_km, 0.0)
    per_road = np.ceil(room / step_km - 1e-9).astype(np.int64) + 1
    road = np.repeat(np.arange(len(length)), per_road)
    first = np.concatenate([[0], np.cumsum(per_road)[:-1]])
    k = np.arange(int(per_road.sum())) - np.repeat(first, per_road)
    start = np.minimum(k * step_km, room[road])
    end = np.minimum(start + window_km, length[road])
    return road, start, end


def window_sums(
    acc_road: np.ndarray,
    acc_km: np.ndarray,
    road_length_km: np.ndarray,
    values: dict[str, np.ndarray],
    *,
    window_km: float,
    step_km: float,
) -> WindowSums:
    """Count accidents and sum per-accident values in every sliding window.

    Parameters
    ----------
    acc_road, acc_km
        Road code and measure (km) of each accident.
    road_length_km
        Length of each road.
    values
        Per-accident quantities to sum (e.g. deaths, equivalent accidents).
    window_km, step_km
        Window length and step.

    Returns
    -------
    WindowSums
        Windows in road then start order, with counts and sums.
    """
    road, start, end = make_windows(road_length_km, window_km=window_km, step_km=step_km)
    offset = np.concatenate([[0.0], np.cumsum(np.asarray(road_length_km) + 1.0)[:-1]])
    key = offset[acc_road] + acc_km
    order = np.argsort(key, kind="stable")
    key = key[order]
    lo = np.searchsorted(key, offset[road] + start, side="left")
    hi = np.searchsorted(key, offset[road] + end, side="right")
    sums = {}
    for name, v in values.items():
        cs = np.concatenate([[0.0], np.cumsum(np.asarray(v, dtype=np.float64)[order])])
        sums[name] = cs[hi] - cs[lo]
    return WindowSums(road, start, end, hi - lo, sums)


def merge_windows(
    road: np.ndarray, start_km: np.ndarray, end_km: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge overlapping or touching windows of the same road into segments.

    The windows must be in road then start order (as :func:`make_windows` gives them).

    Returns
    -------
    tuple of ndarray
        Road code, start and end (km) of each merged segment.
    """
    if len(road) == 0:
        empty = np.zeros(0)
        return np.zeros(0, dtype=np.int64), empty, empty
    # A global key (roads 10^6 km apart) keeps one road's ends from reaching into the next.
    base = road.astype(np.float64) * 1e6
    run_end = np.maximum.accumulate(base + end_km)
    new = np.ones(len(road), dtype=bool)
    new[1:] = (road[1:] != road[:-1]) | (base[1:] + start_km[1:] > run_end[:-1] + 1e-9)
    heads = np.flatnonzero(new)
    seg_end = np.maximum.reduceat(end_km, heads)
    return road[heads], start_km[heads], seg_end
