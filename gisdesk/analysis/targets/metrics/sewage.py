"""Metrics of rural sewage treatment by district (海政办发〔2022〕37号, SEW-1..3)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from gisdesk.analysis.targets.metrics._common import (
    DISTRICT_ZH,
    VILLAGES,
    as_day,
    days,
    district_count,
    feature_labels,
    gaps_of,
    numbers,
    of_kinds,
    pct,
    share_by_town,
    text,
    town_of,
)
from gisdesk.analysis.targets.metrics._registry import metric
from gisdesk.analysis.targets.result import (
    UNIT_DISTRICT,
    UNIT_SEWAGE_DISTRICT,
    Gap,
    MetricResult,
    UnitValue,
)

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "sewage_districts_completed",
    "sewage_households_treated",
    "villages_dual_standard",
]

COMPLETED = ("完工", "已验收")


@metric(
    "villages_dual_standard",
    needs={
        "villages": ("town", "sewage_treated_share", "sewage_normal_operation_share"),
    },
    optional={"towns": ("name",)},
    title_zh="达到生活污水治理“双60%”标准的行政村比例",
    title_en="Share of villages at the dual-60% sewage standard",
)
def villages_dual_standard(
    villages: gpd.GeoDataFrame,
    towns: gpd.GeoDataFrame | None = None,
    *,
    as_of: date,
    deadline: date | None = None,
    treated_min: float = 60.0,
    operation_min: float = 60.0,
    kinds: Sequence[str] | None = None,
) -> MetricResult:
    """Return the share of villages at the "dual-60%" standard, per town (SEW-1).

    A village meets it when its sewage treatment share is at least ``treated_min`` % and its
    facilities in normal operation at least ``operation_min`` % (both configurable). A
    village without either figure counts as not meeting it and is listed as lacking data.
    ``kinds`` limits the villages (e.g. ``["村"]`` for administrative villages only).
    """
    treated = numbers(villages, "sewage_treated_share")
    running = numbers(villages, "sewage_normal_operation_share")
    unknown = ~(np.isfinite(treated) & np.isfinite(running))
    meets = (treated >= treated_min) & (running >= operation_min)
    counted = of_kinds(villages, kinds)

    def without_figures(_name: str, here: np.ndarray) -> tuple[str, str] | None:
        n = int((counted & here & unknown).sum())
        return (f"{n} 个村缺少污水治理数据", f"{n} villages without sewage figures") if n else None

    units = share_by_town(
        town_of(villages, towns),
        meets,
        towns,
        layer="villages",
        what=VILLAGES,
        gap=(f"未达“双{treated_min:g}%”标准", f"below the dual-{treated_min:g}% standard"),
        counted=counted,
        note=without_figures,
        extra=[(unknown & counted, "缺少污水治理数据", "no sewage figures")],
    )
    return MetricResult(units)


def _completed(districts: gpd.GeoDataFrame, statuses: Sequence[str], as_of: date) -> np.ndarray:
    done = np.isin(text(districts, "status"), list(statuses))
    when = days(districts, "completed_date")
    return np.asarray(done & (np.isnat(when) | (when <= as_day(as_of))))


@metric(
    "sewage_districts_completed",
    needs={"sewage_districts": ("status",)},
    title_zh="完成治理的污水片区数",
    title_en="Sewage districts completed",
)
def sewage_districts_completed(
    sewage_districts: gpd.GeoDataFrame,
    *,
    as_of: date,
    deadline: date | None = None,
    statuses: Sequence[str] = COMPLETED,
) -> MetricResult:
    """Return the number of sewage districts completed by ``as_of`` (SEW-2).

    Each district gets a row (100 when completed: status 完工 or 已验收 with a completion
    date not after ``as_of``); the district-wide row counts them.
    """
    done = _completed(sewage_districts, statuses, as_of)
    names, ids, towns = feature_labels(sewage_districts, "district_id")
    status = text(sewage_districts, "status")
    units = [
        UnitValue(
            UNIT_SEWAGE_DISTRICT,
            str(names[k]),
            value=100.0 if done[k] else 0.0,
            threshold=100.0,
            comparison=">=",
            unit_label="%",
            note_zh=f"状态：{status[k] or '未填'}",
            note_en=f"status: {status[k] or 'unknown'}",
            town=str(towns[k]),
            unit_id=str(ids[k]),
            gaps=() if done[k] else (Gap("sewage_districts", (k,), "片区未完工", "not completed"),),
        )
        for k in range(len(sewage_districts))
    ]
    units.append(
        district_count(
            "sewage_districts",
            np.ones(len(sewage_districts), dtype=bool),
            done,
            note=lambda n, total: (f"{total} 个片区中完工 {n} 个", f"{n} of {total} completed"),
            gap=("片区未完工", "not completed"),
        )
    )
    return MetricResult(units)


@metric(
    "sewage_households_treated",
    needs={"sewage_districts": ("households_planned", "households_treated")},
    title_zh="农户生活污水治理完成比例",
    title_en="Share of planned households treated",
)
def sewage_households_treated(
    sewage_districts: gpd.GeoDataFrame,
    *,
    as_of: date,
    deadline: date | None = None,
) -> MetricResult:
    """Return households treated as a share of the year's plan, per district and overall.

    SEW-3, judged against the quarterly schedule (30% by Q2, 70% by Q3, all by November).
    The layer holds the current count, so the value is as recorded, whatever ``as_of``.
    """
    planned = numbers(sewage_districts, "households_planned")
    treated = numbers(sewage_districts, "households_treated")
    names, ids, towns = feature_labels(sewage_districts, "district_id")
    short = ~(treated >= planned)
    units = []
    for k in range(len(sewage_districts)):
        if not (planned[k] > 0) or not np.isfinite(treated[k]):
            units.append(
                UnitValue(
                    UNIT_SEWAGE_DISTRICT,
                    str(names[k]),
                    missing_zh="计划或已治理户数未填",
                    missing_en="planned or treated households missing",
                    town=str(towns[k]),
                    unit_id=str(ids[k]),
                )
            )
            continue
        units.append(
            UnitValue(
                UNIT_SEWAGE_DISTRICT,
                str(names[k]),
                value=pct(treated[k], planned[k]),
                numerator=float(treated[k]),
                denominator=float(planned[k]),
                note_zh=f"已治理 {treated[k]:.0f}/{planned[k]:.0f} 户",
                note_en=f"{treated[k]:.0f} of {planned[k]:.0f} households",
                town=str(towns[k]),
                unit_id=str(ids[k]),
                gaps=(Gap("sewage_districts", (k,), "治理户数未完成", "households pending"),)
                if short[k]
                else (),
            )
        )
    valid = (planned > 0) & np.isfinite(treated)
    total_p = float(planned[valid].sum())
    total_t = float(treated[valid].sum())
    units.append(
        UnitValue(
            UNIT_DISTRICT,
            DISTRICT_ZH,
            value=pct(total_t, total_p),
            numerator=total_t,
            denominator=total_p,
            note_zh=f"已治理 {total_t:.0f}/{total_p:.0f} 户",
            note_en=f"{total_t:.0f} of {total_p:.0f} households",
            missing_zh="" if total_p else "没有计划治理户数",
            missing_en="" if total_p else "no planned households",
            gaps=gaps_of("sewage_districts", valid & short, "治理户数未完成", "pending"),
        )
    )
    return MetricResult(units)
