"""Siting new service points: the fewest sites for a share of villages, or the best k.

The one definition of the job the 新增服务点选址 dialog and ``gisdesk analyze siting`` run.
:class:`SitingRequest` holds the defaults (those of the service areas, every village to
cover); the result is judged against the village-coverage targets of the plan-targets file
(``targets_file``, else the targets imported into the project, else the file shipped with
gisdesk), so a changed threshold in the file changes the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from gisdesk.core.errors import InputError
from gisdesk.core.style import LabelSpec, LayerStyle, StyleClass, Symbol
from gisdesk.tasks.base import (
    Column,
    FieldInfo,
    Figure,
    LayerSource,
    Note,
    Result,
    ResultLayer,
    SummaryTable,
    field_infos,
    finite_frame,
    format_value,
)
from gisdesk.tasks.job import Job, task
from gisdesk.tasks.service_areas import TravelRequest, mode_label

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["KIND", "SOLVERS", "SitingRequest", "run"]

KIND = "siting"
SOLVERS = ("auto", "milp", "greedy")
METHODS_ZH = {"milp": "整数规划", "greedy": "贪心算法"}
"""How the sites were chosen, as the Chinese output says it."""

CHOSEN_FIELDS = (
    FieldInfo("order", "建议顺序", "Order"),
    FieldInfo("covers_villages", "新覆盖村数", "Villages newly covered", "个"),
    FieldInfo("covers_population", "新覆盖人口", "People newly covered", "人"),
)
VILLAGE_FIELDS = (
    FieldInfo("minutes_before", "现状到最近站点时间", "Time now", "分钟"),
    FieldInfo("covered_before", "现状覆盖", "Covered now"),
    FieldInfo("minutes_after", "新增后到最近站点时间", "Time after", "分钟"),
    FieldInfo("covered_after", "新增后覆盖", "Covered after"),
)
TARGET_FIELDS = (
    FieldInfo("target", "目标", "Target"),
    FieldInfo("year", "年份", "Year"),
    FieldInfo("text", "内容", "Text"),
    FieldInfo("required_share", "要求比例", "Required share", "0–1"),
    FieldInfo("share_before", "现状比例", "Share now", "0–1"),
    FieldInfo("share_after", "新增后比例", "Share after", "0–1"),
    FieldInfo("met_before", "现状达标", "Met now"),
    FieldInfo("met_after", "新增后达标", "Met after"),
)
TOWN_COLUMNS = (
    Column("town", "镇（街道）", "Town"),
    Column("villages", "村数", "Villages", "count"),
    Column("covered_before", "现状覆盖村数", "Covered now", "count"),
    Column("share_before", "现状覆盖率", "Share now", "share"),
    Column("covered_after", "新增后覆盖村数", "Covered after", "count"),
    Column("share_after", "新增后覆盖率", "Share after", "share"),
    Column("new_sites", "新增服务点", "New sites", "count"),
)


@dataclass(frozen=True)
class SitingRequest(TravelRequest):
    """Siting: the service-area inputs plus the goal (a share, or ``k`` new sites).

    ``candidates`` None: the villages without a service point. ``k`` set: maximal covering
    (``target_share`` must then be None). ``targets_file`` None: the project's targets, else
    the file shipped with gisdesk.
    """

    kind: ClassVar[str] = KIND
    layer_fields: ClassVar[tuple[str, ...]] = ("roads", "facilities", "demand", "candidates")
    candidates: str | None = None
    target_share: float | None = 1.0
    k: int | None = None
    solver: Literal["auto", "milp", "greedy"] = "auto"
    targets_file: str | None = None

    def validate(self) -> None:
        """Raise an :class:`InputError` (Chinese and English) for a bad value."""
        from gisdesk.analysis.siting import check_goal

        self.validate_travel()
        if self.k is not None and self.target_share is not None:
            raise InputError(
                "请只给出覆盖率目标或新增点数之一。",
                "Give either the share to cover or the number of new sites, not both.",
            )
        if self.k is None and self.target_share is None:
            raise InputError(
                "请给出覆盖率目标或新增点数。",
                "Give the share to cover or the number of new sites.",
            )
        check_goal(self.k, self.target_share)
        if self.solver not in SOLVERS:
            raise InputError(
                f"未知的求解方法“{self.solver}”。可选：{'、'.join(SOLVERS)}。",
                f"Unknown solver '{self.solver}'. Choose one of: {', '.join(SOLVERS)}.",
            )

    def sources(self) -> list[str]:
        """Return the layers the siting reads."""
        extra = [self.candidates] if self.candidates else []
        return list(dict.fromkeys([*super().sources(), *extra]))

    @classmethod
    def upgrade_record(cls, given: dict[str, Any]) -> dict[str, Any]:
        """Older records kept the default share beside ``k``: ``k`` wins."""
        if given.get("k") is not None:
            return {**given, "target_share": None}
        return given


def _plan_targets(source: LayerSource, request: SitingRequest) -> Any:
    from gisdesk.analysis.siting import coverage_targets

    if request.targets_file is not None:
        from gisdesk.analysis.targets.registry import load_targets

        return coverage_targets(load_targets(request.targets_file))
    return coverage_targets(source.plan_targets())


def _by_town(villages: pd.DataFrame, chosen: pd.DataFrame) -> SummaryTable:
    import pandas as pd

    towns = (
        villages["town"].astype(str)
        if "town" in villages.columns
        else pd.Series("全区", index=villages.index)
    )
    frame = pd.DataFrame(
        {
            "town": towns.to_numpy(),
            "before": villages["covered_before"].to_numpy(bool),
            "after": villages["covered_after"].to_numpy(bool),
        }
    )
    groups = frame.groupby("town", sort=True)
    new = (
        chosen["town"].astype(str).value_counts()
        if "town" in chosen.columns
        else pd.Series({"全区": len(chosen)})
    )
    rows = []
    for town, group in groups:
        n = len(group)
        rows.append(
            {
                "town": town,
                "villages": n,
                "covered_before": int(group["before"].sum()),
                "share_before": float(group["before"].mean()) if n else None,
                "covered_after": int(group["after"].sum()),
                "share_after": float(group["after"].mean()) if n else None,
                "new_sites": int(new.get(town, 0)),
            }
        )
    return SummaryTable(TOWN_COLUMNS, tuple(rows))


@task
def run(job: Job[LayerSource], request: SitingRequest) -> Result:
    """Choose the new sites; return them, the villages before/after and the plan verdicts."""
    from gisdesk.analysis.siting import default_candidates, site_facilities

    facilities, demand = job.source.get(request.facilities), job.source.get(request.demand)
    candidates = (
        job.source.get(request.candidates)
        if request.candidates
        else default_candidates(demand, facilities)
    )
    found = site_facilities(
        job.source.get(request.roads),
        facilities,
        demand,
        candidates,
        minutes=request.minutes,
        mode=request.mode,
        speed_kmh=request.speed_kmh,
        target_share=request.target_share,
        k=request.k,
        direction=request.direction,
        max_snap_m=request.max_snap_m,
        solver=request.solver,
        plan_targets=_plan_targets(job.source, request),
        **job.hooks,
    )
    sol = found.solution
    n = len(found.chosen)
    labels = job.source.fields(request.candidates or request.demand)
    star = Symbol(fill="#e7298a", stroke="#000000", stroke_width=0.3, size=4.0, marker="star")
    label = LabelSpec(field="name", size=8) if "name" in found.chosen.columns else None
    chosen_style = LayerStyle("single", (StyleClass(star, "", ""),), symbol=star, label=label)
    before, after = (
        format_value(found.share_before, "share"),
        format_value(found.share_after, "share"),
    )
    proof_zh = "已证明最优" if sol.optimal else f"差距 {format_value(sol.gap, 'share')}"
    proof_en = "proven optimal" if sol.optimal else f"gap {format_value(sol.gap, 'share')}"
    notes = [
        Note(
            f"建议新增 {n} 个服务点（{METHODS_ZH.get(sol.method, sol.method)}，{proof_zh}）："
            f"覆盖 {before} → {after}",
            f"{n} new service points ({sol.method}, {proof_en}): coverage {before} -> {after}",
        )
    ]
    for t in found.targets.to_dict("records"):
        year = "" if t["year"] is None else f"{int(t['year'])}，"
        required = format_value(t["required_share"], "share")
        b, a = (format_value(t[k], "share") for k in ("share_before", "share_after"))
        notes.append(
            Note(
                f"{t['target']}（{year}要求 {required}）：{b} → {a} "
                f"{'达标' if t['met_after'] else '未达标'}",
                f"{t['target']} ({year.rstrip('，')}{', ' if year else ''}required {required}): "
                f"{b} -> {a} {'met' if t['met_after'] else 'not met'}",
            )
        )
    if not sol.feasible:
        notes.append(
            Note(
                f"有 {len(found.uncoverable)} 个村任何候选点都无法在时限内覆盖。",
                f"{len(found.uncoverable)} villages cannot be covered by any candidate.",
            )
        )
    mode = mode_label(found.params.get("mode", request.mode), "zh")
    m = f"{float(request.minutes):g}"
    layers = [
        ResultLayer(
            "proposed_sites",
            "chosen",
            "建议新增服务点",
            "Proposed sites",
            found.chosen,
            field_infos(found.chosen, CHOSEN_FIELDS, labels),
            chosen_style,
        ),
        ResultLayer(
            "siting_villages",
            "villages",
            f"选址前后村覆盖（{m} 分钟，{mode}）",
            f"Villages before and after siting ({m} min)",
            finite_frame(found.villages),
            field_infos(found.villages, VILLAGE_FIELDS, labels),
            shown=False,
        ),
        ResultLayer(
            "uncoverable_villages",
            "uncoverable",
            "无法覆盖的村",
            "Villages no site can cover",
            finite_frame(found.uncoverable),
            field_infos(found.uncoverable, VILLAGE_FIELDS, labels),
            shown=False,
        ),
        ResultLayer(
            "siting_targets",
            "targets",
            "规划目标核对",
            "Plan targets checked",
            found.targets,
            field_infos(found.targets, TARGET_FIELDS),
            shown=False,
        ),
    ]
    plain = [c for c in ("code", "name", "town") if c in found.uncoverable]
    return Result.of(
        request,
        job.source,
        title_zh="选址",
        title_en="Siting",
        layers=layers,
        summary=_by_town(found.villages, found.chosen),
        district=(
            Figure("new_sites", "新增服务点", "New sites", n),
            Figure("share_before", "现状覆盖率", "Share now", found.share_before, "share"),
            Figure("share_after", "新增后覆盖率", "Share after", found.share_after, "share"),
        ),
        notes=tuple(notes),
        ok=bool(sol.feasible),
        details={
            "analysis": "siting",
            "params": found.params,
            "candidates": len(candidates),
            "chosen": finite_frame(found.chosen.drop(columns="geometry")).to_dict("records"),
            "share_before": found.share_before,
            "share_after": found.share_after,
            "targets": found.targets.to_dict("records"),
            "solution": {
                "method": sol.method,
                "objective": sol.objective,
                "bound": sol.bound,
                "gap": sol.gap,
                "optimal": sol.optimal,
                "feasible": sol.feasible,
            },
            "uncoverable": found.uncoverable[plain].to_dict("records"),
            "checks": found.checks,
        },
    )
