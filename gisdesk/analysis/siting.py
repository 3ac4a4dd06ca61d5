"""Where to put new service points: set covering and maximal covering over candidate sites.

Existing service points stay; candidates (e.g. villages without a point) may be added.

* Set covering (LSCP): the fewest new sites so that a required share of villages is within
  the time limit (e.g. 0.8 = MED-5, 2023; 1.0 = MED-6, 2024; 海政办发〔2022〕30号); among
  equally few, the most people covered.
* Maximal covering (MCLP): the most people covered by ``k`` new sites.

Both are solved to proven optimum with ``scipy.optimize.milp`` (HiGHS). Very large cases can
use the greedy heuristic; its gap to the LP-relaxation bound is reported. Every solution is
re-checked: the chosen sites must be candidates on the network, and coverage is recomputed
independently with a fresh multi-source Dijkstra from the existing plus chosen sites. The
result is judged against the village-coverage targets of the plan-targets file (their
thresholds and years are read from it, see :func:`coverage_targets`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse

from gisdesk.analysis._checks import check_geometry, check_number, check_positive, point_xy
from gisdesk.analysis.routing import (
    Direction,
    facility_reach,
    nearest_facility,
    routing_graph,
    snap_points,
)
from gisdesk.analysis.service_areas import (
    DEFAULT_MINUTES,
    DEFAULT_MODE,
    _network,
    check_travel_inputs,
)
from gisdesk.analysis.site_order import order_sites
from gisdesk.analysis.speeds import DEFAULT_MAX_SNAP_M, WALK_KMH, ModeSpeeds, mode_speeds
from gisdesk.core.crs import STORAGE_CRS
from gisdesk.core.errors import GisdeskError, InputError
from gisdesk.core.progress import CancelToken, ProgressCallback, check_cancel, report

if TYPE_CHECKING:
    from gisdesk.analysis.network import RoadNetwork
    from gisdesk.analysis.targets.model import Target

__all__ = [
    "COVERAGE_METRIC",
    "CoverSolution",
    "CoverageTarget",
    "SitingResult",
    "check_goal",
    "coverage_matrix",
    "coverage_targets",
    "default_candidates",
    "maximal_covering",
    "set_covering",
    "site_facilities",
]

Solver = Literal["auto", "milp", "greedy"]
COVERAGE_METRIC = "villages_within_minutes"
"""The metric of the plan targets a siting is checked against (MED-5, MED-6 in Haimen's file)."""
_AUTO_MILP_NNZ = 2_000_000


@dataclass(frozen=True)
class CoverageTarget:
    """A plan target on the share of villages within the time limit, as siting checks it."""

    id: str
    share: float  # 0-1
    year: int | None
    text_zh: str
    text_en: str


def coverage_targets(targets: Sequence[Target] | None = None) -> tuple[CoverageTarget, ...]:
    """Return the village-coverage targets among plan targets (default: the targets file).

    A target counts when its metric is :data:`COVERAGE_METRIC` and it has a threshold; a
    threshold in ``%`` is a percentage (80 -> 0.8), otherwise a share.
    """
    if targets is None:
        from gisdesk.analysis.targets.registry import default_targets

        targets = default_targets()
    found = []
    for t in targets:
        if t.metric != COVERAGE_METRIC or t.threshold is None:
            continue
        share = t.threshold / 100.0 if t.unit == "%" else float(t.threshold)
        year = t.deadline.year if t.deadline is not None else None
        found.append(CoverageTarget(t.id, share, year, t.title_zh, t.title_en))
    return tuple(found)


@dataclass(frozen=True)
class CoverSolution:
    """A solved covering problem.

    Attributes
    ----------
    sites
        Chosen candidate columns, in order of choice (greedy) or of index (MILP);
        :func:`site_facilities` orders them (:func:`~gisdesk.analysis.site_order.order_sites`).
    covered
        Demand rows covered after adding the sites (existing coverage included).
    objective
        Sites used (set covering) or weight covered (maximal covering).
    bound
        Proven bound on the objective (LP relaxation for greedy, HiGHS's dual bound).
    gap
        Relative gap between objective and bound (0 = proven optimal).
    method
        "milp" or "greedy".
    optimal
        Whether the objective is proven optimal.
    feasible
        Whether the requirement could be met at all.
    """

    sites: np.ndarray
    covered: np.ndarray
    objective: float
    bound: float
    gap: float
    method: str
    optimal: bool
    feasible: bool


def coverage_matrix(
    network: RoadNetwork,
    demand_xy: np.ndarray,
    site_xy: np.ndarray,
    *,
    limit_s: float,
    mode: str | ModeSpeeds,
    direction: Direction = "to_facility",
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    walk_kmh: float = WALK_KMH,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> sparse.csr_array:
    """Return (n_demand x n_sites) door-to-door seconds for pairs within ``limit_s``.

    Absent entries are pairs beyond the limit (or off the network). One limited Dijkstra
    runs per site on the reversed graph, so sparse rows stay small.
    """
    nd = demand_xy.shape[0]
    snapped = snap_points(
        network, np.vstack([demand_xy, site_xy]), max_snap_m=max_snap_m, mode=mode
    )
    rg = routing_graph(network, mode, snapped, walk_kmh=walk_kmh)
    sites = nd + np.flatnonzero(snapped.on_network[nd:])
    reach = facility_reach(
        rg, sites, limit_s=limit_s, direction=direction, progress=progress, cancel=cancel
    )
    on = np.flatnonzero(snapped.on_network[:nd])
    sub = reach[:, rg.point_node[on]].tocoo()  # (sites x on-network demand)
    seconds = sub.data + rg.access_s[on][sub.col]
    keep = seconds <= limit_s
    return sparse.csr_array(
        (seconds[keep], (on[sub.col[keep]], sites[sub.row[keep]] - nd)),
        shape=(nd, site_xy.shape[0]),
    )


def _milp(
    cover: sparse.csr_array,
    *,
    site_cost: np.ndarray,
    demand_weight: np.ndarray,
    need: int | None,
    k: int | None,
    relax: bool = False,
    time_limit: float | None = None,
) -> Any:
    """Solve max/min over x (sites) and y (demand) with y_i <= sum_j a_ij x_j."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    n, m = cover.shape
    a = sparse.csr_array(cover, dtype=np.float64)
    a.data[:] = 1.0
    rows = [sparse.hstack([-a, sparse.eye_array(n)]).tocsr()]
    lo = [np.full(n, -np.inf)]
    hi = [np.zeros(n)]
    if need is not None:
        rows.append(sparse.csr_array(np.concatenate([np.zeros(m), np.ones(n)])[None, :]))
        lo.append(np.array([float(need)]))
        hi.append(np.array([np.inf]))
    if k is not None:
        rows.append(sparse.csr_array(np.concatenate([np.ones(m), np.zeros(n)])[None, :]))
        lo.append(np.array([-np.inf]))
        hi.append(np.array([float(k)]))
    cons = LinearConstraint(sparse.vstack(rows).tocsr(), np.concatenate(lo), np.concatenate(hi))
    c = np.concatenate([site_cost, -demand_weight])
    integrality = np.zeros(m + n) if relax else np.ones(m + n)
    options: dict[str, Any] = {"disp": False}
    if time_limit is not None:
        options["time_limit"] = time_limit
    return milp(c, constraints=cons, integrality=integrality, bounds=Bounds(0, 1), options=options)


MAX_NEW_SITES = 10_000


def _required(n_total: int, share: float) -> int:
    return math.ceil(share * n_total - 1e-9)


def set_covering(
    cover: sparse.csr_array,
    *,
    existing: np.ndarray,
    share: float = 1.0,
    weights: np.ndarray | None = None,
    solver: Solver = "auto",
    time_limit: float | None = 60.0,
) -> CoverSolution:
    """Choose the fewest sites so that at least ``share`` of demand rows are covered.

    Parameters
    ----------
    cover
        (n_demand x n_sites) matrix; a stored entry means the site covers the demand row.
    existing
        Bool per demand row: already covered by existing facilities.
    share
        Required share of all demand rows (existing coverage counts).
    weights
        Tie-break among equally few sites: the most weight (e.g. population) covered.
    solver
        "milp" (proven optimum), "greedy", or "auto" (MILP unless very large).
    time_limit
        Seconds HiGHS may use; the result says whether the optimum was proven.
    """
    if not 0 < share <= 1:
        raise InputError("覆盖比例须在 0 到 1 之间。", "The coverage share must be in (0, 1].")
    n, m = cover.shape
    has = np.asarray(existing, dtype=bool)
    coverable = has | (np.diff(cover.indptr) > 0)
    need_total = _required(n, share)
    feasible = int(coverable.sum()) >= need_total
    need_total = min(need_total, int(coverable.sum()))
    need = need_total - int(has.sum())
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    if need <= 0:
        return CoverSolution(np.zeros(0, np.int64), has, 0.0, 0.0, 0.0, "none", True, feasible)
    # Only rows not yet covered but coverable matter.
    rows = np.flatnonzero(~has & coverable)
    sub = cover[rows]
    method = _method(solver, sub)
    # The fewest sites covering ``need`` more rows: relaxed for a bound, or exact.
    fewest_sites = partial(
        _milp, sub, site_cost=np.ones(m), demand_weight=np.zeros(rows.shape[0]), need=need, k=None
    )
    if method == "greedy":
        sites = _greedy(sub, np.ones(rows.shape[0]), need=need, k=None)
        lp = fewest_sites(relax=True)
        bound = float(math.ceil(lp.fun - 1e-9)) if lp.status == 0 else 0.0
        covered = has.copy()
        covered[rows] = _covered_by(sub, sites)
        obj = float(sites.shape[0])
        return CoverSolution(
            sites, covered, obj, bound, _gap(obj, bound), method, obj <= bound, feasible
        )
    res = fewest_sites(time_limit=time_limit)
    if res.x is None:
        raise GisdeskError(f"求解失败：{res.message}", f"The solver failed: {res.message}")
    n_sites = round(res.fun)
    optimal = res.status == 0
    bound = (
        float(math.ceil(res.mip_dual_bound - 1e-6))
        if optimal
        else float(math.ceil((res.mip_dual_bound or 0.0) - 1e-6))
    )
    x = res.x[:m]
    if weights is not None and n_sites > 0:
        # Second stage: as few sites, as much weight covered as possible.
        res2 = _milp(
            sub,
            site_cost=np.zeros(m),
            demand_weight=w[rows],
            need=need,
            k=n_sites,
            time_limit=time_limit,
        )
        if res2.x is not None:
            x = res2.x[:m]
    sites = np.flatnonzero(x > 0.5)
    covered = has.copy()
    covered[rows] = _covered_by(sub, sites)
    obj = float(sites.shape[0])
    return CoverSolution(sites, covered, obj, bound, _gap(obj, bound), "milp", optimal, feasible)


def maximal_covering(
    cover: sparse.csr_array,
    *,
    existing: np.ndarray,
    k: int,
    weights: np.ndarray | None = None,
    solver: Solver = "auto",
    time_limit: float | None = 60.0,
) -> CoverSolution:
    """Choose ``k`` sites covering the most weight (e.g. population) not yet covered."""
    if k < 0:
        raise InputError("新增站点数不能为负。", "The number of new sites cannot be negative.")
    n, m = cover.shape
    has = np.asarray(existing, dtype=bool)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    rows = np.flatnonzero(~has & (np.diff(cover.indptr) > 0))
    sub = cover[rows]
    base = float(w[has].sum())
    if k == 0 or rows.size == 0:
        return CoverSolution(np.zeros(0, np.int64), has, base, base, 0.0, "none", True, True)
    method = _method(solver, sub)
    if method == "greedy":
        sites = _greedy(sub, w[rows], need=None, k=k)
        lp = _milp(sub, site_cost=np.zeros(m), demand_weight=w[rows], need=None, k=k, relax=True)
        bound = base - float(lp.fun) if lp.status == 0 else np.inf
        covered = has.copy()
        covered[rows] = _covered_by(sub, sites)
        obj = float(w[covered].sum())
        return CoverSolution(
            sites, covered, obj, bound, _gap(obj, bound), method, obj >= bound - 1e-9, True
        )
    res = _milp(
        sub, site_cost=np.zeros(m), demand_weight=w[rows], need=None, k=k, time_limit=time_limit
    )
    if res.x is None:
        raise GisdeskError(f"求解失败：{res.message}", f"The solver failed: {res.message}")
    sites = np.flatnonzero(res.x[:m] > 0.5)
    covered = has.copy()
    covered[rows] = _covered_by(sub, sites)
    obj = float(w[covered].sum())
    bound = base - float(res.mip_dual_bound)
    return CoverSolution(
        sites, covered, obj, bound, _gap(obj, bound), "milp", res.status == 0, True
    )


def _method(solver: Solver, sub: sparse.csr_array) -> str:
    if solver == "auto":
        return "milp" if sub.nnz <= _AUTO_MILP_NNZ else "greedy"
    if solver not in ("milp", "greedy"):
        raise InputError(
            f"未知的求解方法“{solver}”（可选 auto、milp、greedy）。",
            f"Unknown solver '{solver}' (auto, milp or greedy).",
        )
    return solver


def _gap(objective: float, bound: float) -> float:
    if not np.isfinite(bound) or objective == bound:
        return 0.0 if objective == bound else float("inf")
    return abs(objective - bound) / max(abs(objective), abs(bound), 1e-12)


def _covered_by(sub: sparse.csr_array, sites: np.ndarray) -> np.ndarray:
    if sites.size == 0:
        return np.zeros(sub.shape[0], dtype=bool)
    return np.asarray(sub[:, sites].sum(axis=1) > 0).ravel()


def _greedy(
    sub: sparse.csr_array, weight: np.ndarray, *, need: int | None, k: int | None
) -> np.ndarray:
    """Pick the site adding the most uncovered weight until ``need`` rows or ``k`` sites."""
    a = sparse.csc_array(sub, dtype=np.float64)
    a.data[:] = 1.0
    alive = np.ones(sub.shape[0], dtype=bool)
    chosen: list[int] = []
    done = 0
    while True:
        if k is not None and len(chosen) >= k:
            break
        if need is not None and done >= need:
            break
        gain = a.T @ (weight * alive)
        best = int(np.argmax(gain))
        if gain[best] <= 0:
            break
        chosen.append(best)
        hit = a[:, [best]].toarray().ravel() > 0
        done += int((hit & alive).sum())
        alive &= ~hit
    return np.asarray(chosen, dtype=np.int64)


# --- the planner's question ---------------------------------------------------------------


@dataclass
class SitingResult:
    """Chosen new sites and what they change.

    Attributes
    ----------
    chosen
        Chosen candidate rows (EPSG:4490) with ``order``, ``newly_covered`` villages and
        ``newly_covered_population``.
    villages
        The demand layer with ``minutes_before``, ``covered_before``, ``minutes_after`` and
        ``covered_after`` (after = recomputed with the chosen sites as facilities).
    targets
        MED-5 and MED-6: required share, share before and after, met before and after.
    solution
        The solver's answer (method, objective, bound, gap, optimal).
    uncoverable
        Villages no candidate nor existing facility can reach within the limit.
    checks
        Re-check results: ``sites_are_candidates``, ``coverage_matches`` (bool each).
    """

    chosen: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    targets: pd.DataFrame
    solution: CoverSolution
    uncoverable: gpd.GeoDataFrame
    checks: dict[str, bool] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def share_before(self) -> float:
        """Share of villages covered by the existing facilities."""
        return float(self.villages["covered_before"].mean()) if len(self.villages) else 0.0

    @property
    def share_after(self) -> float:
        """Share of villages covered after adding the chosen sites (recomputed)."""
        return float(self.villages["covered_after"].mean()) if len(self.villages) else 0.0


def default_candidates(demand: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the villages that have no service point (matched by town and village name).

    Without those fields every demand point is a candidate.
    """
    if {"town", "name"} <= set(demand.columns) and {"town", "village"} <= set(facilities.columns):
        have = pd.MultiIndex.from_frame(facilities[["town", "village"]].astype(str))
        mine = pd.MultiIndex.from_frame(demand[["town", "name"]].astype(str))
        return demand[~mine.isin(have)]
    return demand


def check_goal(k: int | None, target_share: float | None) -> int | None:
    """Check the number of new sites, or else the share to cover; return ``k``."""
    if k is not None:
        return int(
            check_number(
                k,
                what_zh="新增站点数",
                what_en="The number of new sites",
                low=0,
                high=MAX_NEW_SITES,
                integer=True,
            )
        )
    if target_share is not None:
        check_positive(
            target_share, ("需覆盖的比例（1 表示 100%）", "The share to cover (1 means 100%)"), 1.0
        )
    return None


def _judge(
    checked: Sequence[CoverageTarget], existing: np.ndarray, covered_after: np.ndarray
) -> pd.DataFrame:
    """Return each target's required share, the shares before and after, met or not."""
    n = existing.shape[0]
    return pd.DataFrame(
        [
            {
                "target": t.id,
                "year": t.year,
                "text": t.text_zh,
                "required_share": t.share,
                "share_before": float(existing.mean()) if n else 0.0,
                "share_after": float(covered_after.mean()) if n else 0.0,
                "met_before": bool(existing.sum() >= _required(n, t.share)),
                "met_after": bool(covered_after.sum() >= _required(n, t.share)),
            }
            for t in checked
        ],
        columns=[
            "target",
            "year",
            "text",
            "required_share",
            "share_before",
            "share_after",
            "met_before",
            "met_after",
        ],
    )


def site_facilities(
    roads: gpd.GeoDataFrame | RoadNetwork,
    facilities: gpd.GeoDataFrame,
    demand: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    *,
    minutes: float = DEFAULT_MINUTES,
    mode: str | ModeSpeeds = DEFAULT_MODE,
    speed_kmh: float | None = None,
    target_share: float | None = 1.0,
    k: int | None = None,
    plan_targets: Sequence[CoverageTarget] | None = None,
    population_field: str | None = "population",
    direction: Direction = "to_facility",
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    walk_kmh: float = WALK_KMH,
    solver: Solver = "auto",
    time_limit: float | None = 60.0,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> SitingResult:
    """Choose new service-point sites among candidates, existing points kept.

    Parameters
    ----------
    roads, facilities, demand
        As for :func:`~gisdesk.analysis.service_areas.service_areas`.
    candidates
        Candidate sites (Point layer), e.g. villages without a service point.
    target_share
        Set covering: the share of villages to reach (1.0 = MED-6, 0.8 = MED-5).
    k
        Maximal covering instead: the number of new sites (``target_share`` is ignored).
    population_field
        Weight for maximal covering and for the tie-break of set covering.
    solver
        "auto", "milp" or "greedy".
    plan_targets
        The plan targets to judge the result by (default: :func:`coverage_targets` of the
        targets file shipped with gisdesk).
    """
    limit_s = 60.0 * check_travel_inputs(
        roads,
        facilities,
        demand,
        minutes=minutes,
        max_snap_m=max_snap_m,
        walk_kmh=walk_kmh,
        needed_zh="选址",
        needed_en="sites",
    )
    k = check_goal(k, target_share)
    spec = mode_speeds(mode, speed_kmh=speed_kmh)
    for name, gdf in (("facilities", facilities), ("demand", demand), ("candidates", candidates)):
        check_geometry(gdf, layer=name, allowed={"Point"})
    network = _network(
        roads,
        {"facilities": facilities, "demand": demand, "candidates": candidates},
        progress=None,
        cancel=cancel,
    )
    dxy = point_xy(demand, network.crs, layer="demand")
    fxy = point_xy(facilities, network.crs, layer="facilities")
    cxy = point_xy(candidates, network.crs, layer="candidates")
    report(progress, 0.1, "现状覆盖")
    opts: dict[str, Any] = {
        "mode": spec,
        "direction": direction,
        "max_snap_m": max_snap_m,
        "walk_kmh": walk_kmh,
    }
    before, _ = nearest_facility(network, dxy, fxy, **opts)
    existing = before.seconds <= limit_s
    check_cancel(cancel)
    report(progress, 0.2, "候选站点覆盖矩阵")
    cover = coverage_matrix(
        network, dxy, cxy, limit_s=limit_s, progress=None, cancel=cancel, **opts
    )
    weights = (
        pd.to_numeric(demand[population_field], errors="coerce").fillna(0).to_numpy(float)
        if population_field is not None and population_field in demand.columns
        else None
    )
    check_cancel(cancel)
    report(progress, 0.6, "求解选址模型")
    if k is not None:
        sol = maximal_covering(
            cover, existing=existing, k=k, weights=weights, solver=solver, time_limit=time_limit
        )
    else:
        sol = set_covering(
            cover,
            existing=existing,
            share=target_share or 1.0,
            weights=weights,
            solver=solver,
            time_limit=time_limit,
        )
    check_cancel(cancel)
    sites, newly = order_sites(cover.tocsc(), sol.sites, existing, weights)
    sol = replace(sol, sites=sites)
    report(progress, 0.8, "复核")
    # Independent re-check: a fresh multi-source search from existing + chosen sites.
    after, _ = nearest_facility(network, dxy, np.vstack([fxy, cxy[sol.sites]]), **opts)
    covered_after = after.seconds <= limit_s
    cand_ok = bool(np.all((sol.sites >= 0) & (sol.sites < len(candidates))))
    cand_ok &= bool(np.all(np.diff(cover.tocsc().indptr)[sol.sites] > 0))
    # Times summed in another order may differ in the last bits: only a pair within a
    # microsecond of the limit may disagree.
    differ = covered_after != sol.covered
    checks = {
        "sites_are_candidates": cand_ok,
        "coverage_matches": bool(np.all(np.abs(after.seconds[differ] - limit_s) <= 1e-6)),
    }
    if not all(checks.values()):
        raise GisdeskError(
            "选址结果复核不一致，请报告此问题。",
            f"The siting result failed its re-check ({checks}); please report this.",
        )
    villages = demand.to_crs(STORAGE_CRS).copy()
    villages["minutes_before"] = before.seconds / 60.0
    villages["covered_before"] = existing
    villages["minutes_after"] = after.seconds / 60.0
    villages["covered_after"] = covered_after
    chosen = candidates.iloc[sol.sites].to_crs(STORAGE_CRS).copy()
    chosen["order"] = np.arange(1, sol.sites.shape[0] + 1)
    chosen["covers_villages"] = [int(x.size) for x in newly]
    if weights is not None:
        chosen["covers_population"] = [float(weights[x].sum()) for x in newly]
    coverable = existing | (np.diff(cover.indptr) > 0)
    uncoverable = villages[~coverable].copy()
    checked = coverage_targets() if plan_targets is None else tuple(plan_targets)
    targets = _judge(checked, existing, covered_after)
    report(progress, 1.0, "完成")
    return SitingResult(
        chosen=chosen,
        villages=villages,
        targets=targets,
        solution=sol,
        uncoverable=uncoverable,
        checks=checks,
        params={
            "minutes": float(minutes),
            "mode": spec.mode,
            "target_share": target_share if k is None else None,
            "k": k,
            "solver": sol.method,
        },
    )
