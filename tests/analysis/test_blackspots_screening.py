"""Sliding-window screening finds planted clusters, and only them; windows match a loop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from gisdesk.analysis.blackspots.referencing import place_stakes, road_measures
from gisdesk.analysis.blackspots.screening import (
    SeverityWeights,
    critical_count,
    equivalent_accidents,
    screen_accidents,
)
from gisdesk.analysis.blackspots.windows import make_windows, merge_windows, window_sums
from gisdesk.core.errors import InputError
from tests.analysis.test_blackspots_data import accidents_at, straight_roads, uniform_accidents

PLANTED = [("R1", 5.0, 30), ("R3", 12.0, 26), ("R5", 3.0, 22), ("R6", 18.4, 18)]


@pytest.fixture(scope="module")
def roads():
    return straight_roads()


def _planted(roads, *, noise: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    road, km = [], []
    for name, centre, n in PLANTED:
        road += [name] * n
        km += list(rng.uniform(centre - 0.2, centre + 0.2, n))
    nr, nk = uniform_accidents(roads, noise, seed=seed)
    return accidents_at(roads, np.concatenate([road, nr]), np.concatenate([km, nk]), seed=seed)


def test_planted_clusters_are_found_and_ranked_on_top(roads):
    result = screen_accidents(_planted(roads, noise=400), roads)
    cand = result.candidates
    assert len(cand) >= len(PLANTED)
    top = cand.head(len(PLANTED))
    for name, centre, _n in PLANTED:
        hit = top[(top["road"] == name) & (top["from_km"] <= centre) & (top["to_km"] >= centre)]
        assert len(hit) == 1, (name, centre, cand[["road", "from_km", "to_km", "count"]])
    # Candidates are tight around the clusters (trimmed to their outermost accidents).
    assert (top["length_km"] < 1.0).all()
    assert list(cand["rank"]) == list(range(1, len(cand) + 1))
    assert (np.diff(cand["equivalent"].to_numpy()) <= 0).all()


def test_uniform_noise_flags_nothing(roads):
    for seed in (3, 4, 5):
        road, km = uniform_accidents(roads, 600, seed=seed)
        result = screen_accidents(accidents_at(roads, road, km, seed=seed), roads)
        assert result.candidates.empty, result.candidates[["road", "from_km", "count"]]
        assert result.screened == 600


def test_windows_match_a_plain_loop():
    rng = np.random.default_rng(7)
    lengths = np.array([3.2, 0.3, 5.0])
    acc_road = rng.integers(0, 3, 300)
    acc_km = rng.uniform(0, lengths[acc_road])
    eq = rng.choice([1.0, 3.0, 10.0], 300)
    sums = window_sums(acc_road, acc_km, lengths, {"eq": eq}, window_km=0.5, step_km=0.1)
    expect = []
    for r, length in enumerate(lengths):
        s = 0.0
        while True:
            s0 = min(s, max(length - 0.5, 0.0))
            e0 = min(s0 + 0.5, length)
            inside = (acc_road == r) & (acc_km >= s0) & (acc_km <= e0)
            expect.append((r, s0, inside.sum(), eq[inside].sum()))
            if s0 + 0.5 >= length - 1e-9:
                break
            s += 0.1
    got = list(zip(sums.road, sums.start_km, sums.count, sums.sums["eq"], strict=True))
    assert len(got) == len(expect)
    for g, e in zip(got, expect, strict=True):
        assert g[0] == e[0] and g[1] == pytest.approx(e[1]) and g[2] == e[2]
        assert g[3] == pytest.approx(e[3])


def test_windows_cover_each_road_to_its_end():
    road, start, end = make_windows(np.array([1.05, 0.2]), window_km=0.5, step_km=0.1)
    assert end[road == 0].max() == pytest.approx(1.05)
    assert start[road == 0].max() == pytest.approx(0.55)
    assert list(end[road == 1]) == [pytest.approx(0.2)]


def test_merge_keeps_roads_apart():
    road = np.array([0, 0, 1, 1, 1])
    start = np.array([39.0, 39.1, 0.0, 5.0, 5.1])
    end = start + 0.5
    r, a, b = merge_windows(road, start, end)
    assert list(r) == [0, 1, 1]
    assert list(a) == [39.0, 0.0, 5.0]
    assert list(b) == pytest.approx([39.6, 0.5, 5.6])


def test_equivalent_weights_and_threshold():
    eq = equivalent_accidents(np.array([2, 0, 0]), np.array([1, 3, 0]))
    assert list(eq) == [10.0, 3.0, 1.0]
    eq = equivalent_accidents(
        np.array([1, 0]), np.array([0, 0]), weights=SeverityWeights(fatal=5, property=0.5)
    )
    assert list(eq) == [5.0, 0.5]
    assert critical_count(1.0, 1.0, alpha=0.05) == 4  # P(X >= 4 | 1) = 0.019, P(X >= 3) = 0.08


def test_options_and_exposure(roads):
    acc = _planted(roads, noise=0)
    towns = pd.DataFrame()
    del towns
    roads = roads.assign(aadt=10_000.0)
    result = screen_accidents(acc, roads, window_m=300, step_m=50, exposure_field="aadt", years=2)
    cand = result.candidates
    assert {"exposure", "rate_per_mvkm"} <= set(cand.columns)
    assert (cand["exposure"] == 10_000.0).all()
    assert result.settings["window_m"] == 300
    with pytest.raises(InputError):
        screen_accidents(acc, roads, window_m=100, step_m=200)
    forced = screen_accidents(acc, roads, min_count=10_000)
    assert forced.candidates.empty


def test_stakes_are_placed_by_linear_referencing():
    roads = straight_roads(2, stretch=1.1, connectors=False)
    m = road_measures(roads)
    pts, piece = place_stakes(m, np.array(["R1", "R2", "R9", "R1"]), np.array([12.3, 0.0, 1, 25]))
    assert list(piece >= 0) == [True, True, False, False]
    xy = shapely.get_coordinates(pts[:2])
    # 12.3 stake km at 1.1 m per stake metre from the road start.
    assert xy[0, 0] == pytest.approx(600_000 + 12_300 * 1.1, abs=1e-6)
    assert xy[1, 0] == pytest.approx(600_000, abs=1e-6)
