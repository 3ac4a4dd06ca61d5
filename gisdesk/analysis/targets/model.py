"""Plan targets as data: what a target asks, by when, measured how.

A :class:`Target` is one line of an official plan (e.g. MED-5 of 海政办发〔2022〕30号: 80% of
villages within a 15-minute service circle by 2023), encoded so the tool can evaluate it
against the project's layers: a metric (a named function of the layers), a comparison with a
threshold, a deadline, an optional schedule of intermediate milestones, and the layers and
fields the metric needs. Targets the layers cannot measure keep ``metric = "none"`` and say
why, so they still appear, as "no data", naming what is missing.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from gisdesk.core.i18n import tr

__all__ = [
    "COMPARISONS",
    "NO_METRIC",
    "SCOPES",
    "STATUSES",
    "Milestone",
    "Target",
    "compare",
    "format_number",
    "format_value",
    "plan_deadline",
    "symbol",
]

COMPARISONS: tuple[str, ...] = (">=", ">", "<=", "<", "==")
"""Comparisons a target can make between its value and its threshold."""

SCOPES: tuple[str, ...] = (
    "district",
    "town",
    "village",
    "segment",
    "station_zone",
    "sewage_district",
    "road",
    "site",
)
"""What a target applies to. ``district`` keeps only the district-wide row of a metric."""

STATUSES: tuple[str, ...] = ("met", "on_track", "at_risk", "missed", "no_data")
"""Evaluation outcomes, best to worst (``no_data`` last: nothing could be judged)."""

NO_METRIC = "none"
"""The metric name of a target the layers cannot measure."""

_EPS = 1e-9


def compare(value: float, comparison: str, threshold: float) -> bool:
    """Return whether ``value`` satisfies ``comparison`` against ``threshold``.

    A value equal to its threshold (within floating-point noise) satisfies ``>=``, ``<=``
    and ``==``. NaN satisfies nothing.
    """
    if math.isnan(value):
        return False
    tol = _EPS * max(1.0, abs(threshold))
    if comparison == ">=":
        return value >= threshold - tol
    if comparison == ">":
        return value > threshold + tol
    if comparison == "<=":
        return value <= threshold + tol
    if comparison == "<":
        return value < threshold - tol
    if comparison == "==":
        return abs(value - threshold) <= tol
    raise ValueError(f"unknown comparison {comparison!r}")


@dataclass(frozen=True)
class Milestone:
    """An intermediate requirement: ``value`` reached by ``by`` (same unit as the threshold)."""

    by: date
    value: float


@dataclass(frozen=True)
class Target:
    """One plan target.

    Attributes
    ----------
    id
        Short identifier, e.g. ``ROAD-1``; unique within a targets file.
    source
        The document it comes from, e.g. ``海政办发〔2022〕25号``.
    title_zh, title_en
        A short label for tables and the dashboard.
    description_zh, description_en
        The requirement, paraphrased.
    scope
        What it applies to (one of :data:`SCOPES`).
    metric
        Name of the metric function measuring it, or ``"none"``.
    department
        The lead department (交警, 医保, 生态环境...).
    comparison, threshold, unit
        The requirement on the metric's value (e.g. ``>=``, 80, ``%``).
    deadline
        When it must be met; None for a standing requirement (judged at once).
    start
        When work towards it started (the baseline date of linear progress).
    baseline
        The value at ``start``; with it, progress is judged linearly towards the deadline.
    stretch
        An aspirational value beyond the threshold ("力争"), reported only.
    period
        True when the value measures a period ending at the deadline (a year's accidents);
        before the deadline such a target can only be on track, not met.
    schedule
        Milestones before the deadline, earliest first.
    layers, fields
        Layer types the metric needs and the fields (``layer.field``) it reads.
    params
        Options of the metric function (e.g. ``minutes = 15``).
    reason_zh, reason_en
        For ``metric = "none"``: why the layers cannot measure it and what is needed.
    plan_zh
        Name of the (sub-)plan within the document.
    notes
        Anything else worth knowing (e.g. a part of the target no layer records).
    origin
        ``file:line`` where the target was defined.
    """

    id: str
    source: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    scope: str
    metric: str
    department: str
    comparison: str = ">="
    threshold: float | None = None
    unit: str = ""
    deadline: date | None = None
    start: date | None = None
    baseline: float | None = None
    stretch: float | None = None
    period: bool = False
    schedule: tuple[Milestone, ...] = ()
    layers: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    reason_zh: str = ""
    reason_en: str = ""
    plan_zh: str = ""
    notes: str = ""
    origin: str = ""

    @property
    def measurable(self) -> bool:
        """Whether a metric measures this target."""
        return self.metric != NO_METRIC

    def title(self, language: str = "zh") -> str:
        """Return the short title in the given language."""
        return tr(self.title_zh, self.title_en, language)

    def description(self, language: str = "zh") -> str:
        """Return the description in the given language."""
        return tr(self.description_zh, self.description_en, language)

    def requirement(self) -> str:
        """Return the requirement as text, e.g. ``≥ 80.0%`` or ``< 100 人``."""
        if self.threshold is None:
            return ""
        return f"{symbol(self.comparison)} {format_value(self.threshold, self.unit)}"

    def to_dict(self) -> dict[str, Any]:
        """Return the target as JSON-ready plain data (dates as ISO strings)."""
        out: dict[str, Any] = {
            "id": self.id,
            "source": self.source,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "description_zh": self.description_zh,
            "description_en": self.description_en,
            "scope": self.scope,
            "metric": self.metric,
            "department": self.department,
            "comparison": self.comparison,
            "unit": self.unit,
            "period": self.period,
            "layers": list(self.layers),
            "fields": list(self.fields),
            "params": dict(self.params),
        }
        optional: dict[str, Any] = {
            "threshold": self.threshold,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "start": self.start.isoformat() if self.start else None,
            "baseline": self.baseline,
            "stretch": self.stretch,
            "schedule": [{"by": m.by.isoformat(), "value": m.value} for m in self.schedule] or None,
            "reason_zh": self.reason_zh or None,
            "reason_en": self.reason_en or None,
            "plan_zh": self.plan_zh or None,
            "notes": self.notes or None,
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        return out


def plan_deadline(targets: Iterable[Target]) -> date | None:
    """Return the plan's deadline: the date most targets are due by (the later on a tie).

    A plan such as Haimen's 2022 one sets most of its targets for one day (41 of 48 dated
    targets by 2022-12-31) and a few for later years; judging the plan as of that day, not
    as of today, says which targets it met. None when no target has a deadline.
    """
    counts = Counter(t.deadline for t in targets if t.deadline is not None)
    if not counts:
        return None
    return max(counts, key=lambda day: (counts[day], day))


def format_number(value: float) -> str:
    """Return a number compactly: integers without decimals, others with up to one."""
    if not math.isfinite(value):
        return "∞" if value > 0 else ("-∞" if value < 0 else "-")
    if abs(value - round(value)) < 1e-9:
        return str(round(value))
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}".rstrip("0").rstrip(".")


_SYMBOLS = {">=": "≥", "<=": "≤", "==": "=", ">": ">", "<": "<"}


def symbol(comparison: str) -> str:
    """Return a comparison as a mathematical symbol (≥, ≤...)."""
    return _SYMBOLS.get(comparison, comparison)


def format_value(value: float | None, unit: str) -> str:
    """Return a value with its unit, e.g. ``93.2%`` or ``12 km``; ``-`` when there is none."""
    if value is None or math.isnan(value):
        return "-"
    text = f"{value:.1f}" if unit == "%" else format_number(value)
    if not unit:
        return text
    return f"{text}{unit}" if unit in ("%", "‰") else f"{text} {unit}"
