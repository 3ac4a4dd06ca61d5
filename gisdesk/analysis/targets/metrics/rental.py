"""Metrics of the rental-factory sub-plan (海政办发〔2022〕25号, RENT-1, RENT-2, RENT-4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from gisdesk.analysis.targets.metrics._common import (
    as_day,
    days,
    flags,
    share_by_town,
    text,
    town_of,
    unit_rows,
)
from gisdesk.analysis.targets.metrics._registry import metric
from gisdesk.analysis.targets.result import MetricResult

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "rental_closures",
    "rental_efficiency_classified",
    "rental_registered_classified",
]

CATEGORIES = ("规范", "提升", "清理")
CLASSES = ("A", "B", "C", "D")
FACTORIES = ("出租厂房", "rental factories")
"""What the layer's features are, in Chinese and English."""


@metric(
    "rental_registered_classified",
    needs={"rental_factories": ("town", "registered", "category")},
    optional={"towns": ("name",)},
    title_zh="出租厂房电子登记并分类的比例",
    title_en="Share of rental factories registered and classified",
)
def rental_registered_classified(
    rental_factories: gpd.GeoDataFrame,
    towns: gpd.GeoDataFrame | None = None,
    *,
    as_of: date,
    deadline: date | None = None,
    categories: Sequence[str] = CATEGORIES,
) -> MetricResult:
    """Return the share of rental factories registered electronically and classified (RENT-1).

    Classified means one of ``categories`` (规范 regularise, 提升 upgrade, 清理 clear); an
    unknown registration counts as not registered.
    """
    registered = flags(rental_factories, "registered")
    classified = np.isin(text(rental_factories, "category"), list(categories))
    units = share_by_town(
        town_of(rental_factories, towns),
        registered & classified,
        towns,
        layer="rental_factories",
        what=FACTORIES,
        gap=("未电子登记或未分类", "not registered or not classified"),
    )
    return MetricResult(units)


@metric(
    "rental_closures",
    needs={"rental_factories": ("town", "category", "status")},
    optional={"towns": ("name",)},
    title_zh="“清理一批”出租厂房关停比例",
    title_en="Share of rental factories to clear that are closed",
)
def rental_closures(
    rental_factories: gpd.GeoDataFrame,
    towns: gpd.GeoDataFrame | None = None,
    *,
    as_of: date,
    deadline: date | None = None,
    category: str = "清理",
    closed_status: str = "已关停",
) -> MetricResult:
    """Return, per town, the share of factories classed "clear" (清理) that are closed (RENT-2).

    Before the deadline a town is on track while every such factory whose own ``deadline``
    has passed is closed; those overdue are named in the gap features.
    """
    to_clear = text(rental_factories, "category") == category
    closed = text(rental_factories, "status") == closed_status
    due = days(rental_factories, "deadline")
    overdue = to_clear & ~closed & ~np.isnat(due) & (due <= as_day(as_of))
    where = town_of(rental_factories, towns)
    units = share_by_town(
        where,
        closed,
        towns,
        layer="rental_factories",
        what=("“清理一批”出租厂房", "factories to clear"),
        gap=("应关停未关停", "to close, not closed"),
        counted=to_clear,
        extra=[(overdue, "整改期限已过仍未关停", "overdue and not closed")],
    )
    out = []
    for u in units:
        n = int((overdue & unit_rows(where, u.unit)).sum())
        out.append(
            replace(
                u,
                on_track=n == 0,
                note_zh=(f"逾期未关停 {n} 家" if n else u.note_zh),
                note_en=(f"{n} overdue" if n else u.note_en),
            )
        )
    return MetricResult(out)


@metric(
    "rental_efficiency_classified",
    needs={"rental_factories": ("town", "efficiency_class")},
    optional={"towns": ("name",)},
    title_zh="出租厂房资源集约利用评价覆盖（D类标记）",
    title_en="Rental factories with a resource-efficiency class (class D flagged)",
)
def rental_efficiency_classified(
    rental_factories: gpd.GeoDataFrame,
    towns: gpd.GeoDataFrame | None = None,
    *,
    as_of: date,
    deadline: date | None = None,
    flag_class: str = "D",
) -> MetricResult:
    """Return the share of rental factories with a resource-efficiency class, per town (RENT-4).

    Class D pays differentiated power and water prices: every factory needs a class for the
    list to be complete. Factories of ``flag_class`` are listed as features to pass to the
    power and water companies; those without a class are the gap.
    """
    cls = text(rental_factories, "efficiency_class")
    rated = np.isin(cls, list(CLASSES))
    flagged = cls == flag_class

    def flagged_count(_name: str, here: np.ndarray) -> tuple[str, str]:
        n = int((flagged & here).sum())
        return (
            f"{flag_class}类 {n} 家（执行差别化电价、水价）",
            f"{n} of class {flag_class} (differentiated power and water prices)",
        )

    units = share_by_town(
        town_of(rental_factories, towns),
        rated,
        towns,
        layer="rental_factories",
        what=FACTORIES,
        gap=("未评价资源集约利用类别", "no resource-efficiency class"),
        note=flagged_count,
        extra=[(flagged, f"{flag_class}类：差别化电价、水价", f"class {flag_class}: flag")],
    )
    return MetricResult(units)
