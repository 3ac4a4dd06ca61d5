"""Benchmark sliding-window screening: 10^5 accidents on about 10^4 km of generated roads.

Times the full :func:`screen_accidents` (matching points to roads included) and its window
core, and compares the core with a plain per-window Python loop on the same data after
checking that both give the same windows, counts, equivalent sums and flagged windows.

Run: ``.venv/bin/python benchmarks/bench_blackspots.py [--roads 500] [--accidents 100000]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gisdesk.analysis.blackspots.screening import (
    critical_count,
    equivalent_accidents,
    screen_accidents,
)
from gisdesk.analysis.blackspots.windows import make_windows, window_sums
from tests.analysis.test_blackspots_data import (
    accidents_at,
    straight_roads,
    uniform_accidents,
)


def loop_windows(
    acc_road: np.ndarray,
    acc_km: np.ndarray,
    eq: np.ndarray,
    lengths: np.ndarray,
    *,
    window_km: float,
    step_km: float,
) -> tuple[list[int], list[float], list[int], list[float]]:
    """Count each window with a plain Python loop over windows (the reference)."""
    by_road = [np.flatnonzero(acc_road == r) for r in range(len(lengths))]
    roads, starts, counts, sums = [], [], [], []
    for r, length in enumerate(lengths):
        km, w = acc_km[by_road[r]], eq[by_road[r]]
        k = 0
        while True:
            s = min(k * step_km, max(length - window_km, 0.0))
            e = min(s + window_km, length)
            inside = (km >= s) & (km <= e)
            roads.append(r)
            starts.append(s)
            counts.append(int(inside.sum()))
            sums.append(float(w[inside].sum()))
            if s + window_km >= length - 1e-9:
                break
            k += 1
    return roads, starts, counts, sums


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--roads", type=int, default=500, help="roads of 20 km each")
    parser.add_argument("--accidents", type=int, default=100_000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    roads = straight_roads(args.roads, length_km=20.0, spacing_m=500.0, connectors=False)
    rng = np.random.default_rng(0)
    n_planted = args.accidents // 20
    names = rng.choice(roads["name"].unique(), 40)
    p_road = np.repeat(names, n_planted // 40)
    p_km = rng.uniform(2, 18, 40).repeat(n_planted // 40) + rng.uniform(-0.2, 0.2, len(p_road))
    u_road, u_km = uniform_accidents(roads, args.accidents - len(p_road), seed=1)
    acc = accidents_at(roads, np.concatenate([p_road, u_road]), np.concatenate([p_km, u_km]))
    km_total = 20.0 * args.roads
    print(f"network: {len(roads):,} pieces, {km_total:,.0f} km; accidents: {len(acc):,}")
    print(f"data generation: {time.perf_counter() - t0:.2f} s")

    t = time.perf_counter()
    result = screen_accidents(acc, roads)
    full = time.perf_counter() - t
    print(
        f"screen_accidents (match + windows + merge): {full:.2f} s; "
        f"{len(result.windows):,} windows, {len(result.candidates)} candidates, "
        f"threshold {result.min_count}"
    )

    # The window core on the matched measures, against the loop.
    from gisdesk.analysis.blackspots.referencing import road_measures

    m = road_measures(roads)
    code = m.code_of(result.accidents["match_road"].to_numpy(dtype=object))
    km = result.accidents["measure_km"].to_numpy(dtype=np.float64)
    eq = equivalent_accidents(
        result.accidents["deaths"].to_numpy(), result.accidents["injuries"].to_numpy()
    )
    lengths = m.road_length_km
    reps = 5
    t = time.perf_counter()
    for _ in range(reps):
        sums = window_sums(code, km, lengths, {"eq": eq}, window_km=0.5, step_km=0.1)
    vec = (time.perf_counter() - t) / reps
    t = time.perf_counter()
    l_road, l_start, l_count, l_sum = loop_windows(
        code, km, eq, lengths, window_km=0.5, step_km=0.1
    )
    loop = time.perf_counter() - t
    road, start, _end = make_windows(lengths, window_km=0.5, step_km=0.1)
    assert np.array_equal(sums.road, np.asarray(l_road))
    assert np.allclose(sums.start_km, np.asarray(l_start))
    assert np.array_equal(sums.count, np.asarray(l_count))
    assert np.allclose(sums.sums["eq"], np.asarray(l_sum))
    threshold = critical_count(len(km) * 0.5 / lengths.sum(), lengths.sum() / 0.5)
    flagged_vec = np.flatnonzero(sums.count >= threshold)
    flagged_loop = np.flatnonzero(np.asarray(l_count) >= threshold)
    assert np.array_equal(flagged_vec, flagged_loop)
    print(
        f"windows verified identical: {len(road):,} windows, {len(flagged_vec):,} flagged "
        f"(threshold {threshold})"
    )
    print(f"window core, vectorised: {vec * 1000:.1f} ms (mean of {reps})")
    print(f"window core, per-window Python loop: {loop:.2f} s")
    print(f"speed-up: {loop / vec:,.0f}x")
    del start


if __name__ == "__main__":
    main()
