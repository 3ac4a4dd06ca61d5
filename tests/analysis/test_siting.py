"""Siting: MILP optimum equals brute force; greedy is bounded; coverage re-checked."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from gisdesk.analysis.service_areas import service_areas
from gisdesk.analysis.siting import maximal_covering, set_covering, site_facilities
from tests.analysis.networks import grid_roads, random_points


def tiny_case(seed):
    rng = np.random.default_rng(seed)
    a = rng.random((14, 9)) < 0.22
    a[rng.integers(0, 14), :] = False  # one village no candidate covers
    existing = rng.random(14) < 0.2
    weights = rng.integers(100, 5000, 14).astype(float)
    return sparse.csr_array(a.astype(float)), a, existing, weights


def brute_force(a, existing, *, need=None, k=None, weights=None):
    best = None
    for r in range(a.shape[1] + 1):
        for combo in itertools.combinations(range(a.shape[1]), r):
            covered = existing | a[:, list(combo)].any(axis=1)
            if need is not None and covered.sum() >= need:
                return r
            if k is not None and r == k:
                value = weights[covered].sum()
                best = value if best is None else max(best, value)
    return best


@pytest.mark.parametrize("seed", range(4))
def test_set_covering_is_optimal_against_brute_force(seed):
    cover, a, existing, weights = tiny_case(seed)
    coverable = int((existing | a.any(axis=1)).sum())
    for share in (0.6, 0.8, 1.0):
        sol = set_covering(cover, existing=existing, share=share, weights=weights, solver="milp")
        need = min(int(np.ceil(share * 14 - 1e-9)), coverable)
        assert sol.optimal and sol.objective == brute_force(a, existing, need=need)
        assert sol.covered.sum() >= need
        np.testing.assert_array_equal(sol.covered, existing | a[:, sol.sites].any(axis=1))
        assert sol.feasible == (share * 14 <= coverable)
        greedy = set_covering(cover, existing=existing, share=share, solver="greedy")
        assert greedy.objective >= sol.objective >= greedy.bound


@pytest.mark.parametrize("seed", range(4))
def test_maximal_covering_is_optimal_against_brute_force(seed):
    cover, a, existing, weights = tiny_case(seed)
    for k in (1, 2, 3):
        sol = maximal_covering(cover, existing=existing, k=k, weights=weights, solver="milp")
        assert sol.optimal
        assert sol.objective == pytest.approx(brute_force(a, existing, k=k, weights=weights))
        greedy = maximal_covering(cover, existing=existing, k=k, weights=weights, solver="greedy")
        assert greedy.bound >= sol.objective - 1e-6 >= greedy.objective - 1e-6
        assert greedy.objective >= (1 - 1 / np.e) * sol.objective


def covered_without(roads, facilities, villages, chosen, drop, minutes, mode) -> int:
    """Villages covered by the facilities and the chosen sites but the ``drop``-th one."""
    rest = chosen.drop(chosen.index[drop]).to_crs(facilities.crs)[["geometry"]]
    points = pd.concat([facilities[["geometry"]], rest])
    sa = service_areas(roads, points, villages, minutes=minutes, mode=mode, polygons="none")
    return int(sa.demand["within"].sum())


def test_site_facilities_on_a_grid_is_rechecked():
    roads = grid_roads(20, 20, spacing=250, seed=3, drop_share=0.05)
    villages = random_points(roads, 120, seed=8, spread=50)
    villages["town"] = np.where(villages.geometry.x < villages.geometry.x.median(), "甲镇", "乙镇")
    villages["population"] = np.arange(120) * 10 + 100
    villages["households"] = 50
    facilities = random_points(roads, 2, seed=9, spread=0)
    candidates = villages.iloc[::3]
    res = site_facilities(
        roads, facilities, villages, candidates, minutes=4, mode="ebike", target_share=1.0
    )
    assert res.checks == {"sites_are_candidates": True, "coverage_matches": True}
    assert res.solution.optimal
    # Recompute coverage a third way: the service-area analysis with the chosen sites added.
    allpts = pd.concat([facilities[["geometry"]], res.chosen.to_crs(facilities.crs)[["geometry"]]])
    sa = service_areas(roads, allpts, villages, minutes=4, mode="ebike", polygons="none")
    np.testing.assert_array_equal(sa.demand["within"].to_numpy(), res.villages["covered_after"])
    coverable = ~villages.index.isin(res.uncoverable.index)
    assert res.villages["covered_after"].to_numpy()[coverable].all()
    med = res.targets.set_index("target")
    assert med.loc["MED-6", "share_after"] == pytest.approx(res.share_after)
    assert bool(med.loc["MED-6", "met_after"]) == (res.share_after == 1.0)
    # Fewer sites cannot do: dropping any chosen site loses coverage.
    for drop in range(len(res.chosen)):
        left = covered_without(roads, facilities, villages, res.chosen, drop, 4, "ebike")
        assert left < sa.demand["within"].sum()
    k2 = site_facilities(roads, facilities, villages, candidates, minutes=4, k=2)
    assert len(k2.chosen) == 2 and k2.solution.optimal
    assert k2.checks["coverage_matches"]


def test_sites_come_in_order_of_what_each_adds_and_none_adds_nothing():
    """k more than is useful: a second candidate at the same spot adds no village and is left
    out (the solver, with nothing to gain, picked it); each site's newly covered villages are
    what it adds to the sites before it, so they sum to the coverage gained."""
    roads = grid_roads(12, 12, spacing=250, seed=4, drop_share=0.0)
    villages = random_points(roads, 60, seed=11, spread=40)
    villages["population"] = 100
    facilities = random_points(roads, 1, seed=12, spread=0)
    candidates = pd.concat([villages.iloc[::6], villages.iloc[::6]])  # each spot twice
    res = site_facilities(roads, facilities, villages, candidates, minutes=2, k=len(candidates))
    assert res.checks["coverage_matches"]
    spots = {(round(p.x, 6), round(p.y, 6)) for p in res.chosen.geometry}
    assert len(spots) == len(res.chosen)  # no spot twice
    gained = int(res.villages["covered_after"].sum() - res.villages["covered_before"].sum())
    adds = res.chosen["covers_villages"].to_numpy()
    assert adds.sum() == gained and (adds > 0).all()
    assert (np.diff(res.chosen["covers_population"].to_numpy()) <= 0).all()  # most first
    assert res.chosen["order"].tolist() == list(range(1, len(res.chosen) + 1))
    # dropping any site loses coverage: none is idle
    for drop in range(len(res.chosen)):
        left = covered_without(roads, facilities, villages, res.chosen, drop, 2, "ebike")
        assert left < res.villages["covered_after"].sum()
