"""What a metric returns: one value per unit (town, segment, road...), with the gap features.

Metrics are pure functions of layers; they never invent a number. A metric whose layer or
field is missing returns :meth:`MetricResult.no_data` naming what it needs; a unit whose value
cannot be computed (a town without villages) carries its own ``missing`` reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = [
    "UNIT_DISTRICT",
    "UNIT_ROAD",
    "UNIT_SEGMENT",
    "UNIT_SEWAGE_DISTRICT",
    "UNIT_STATION_ZONE",
    "UNIT_TOWN",
    "UNIT_TYPES",
    "Gap",
    "MetricResult",
    "MissingInput",
    "UnitValue",
]

UNIT_DISTRICT = "district"
UNIT_TOWN = "town"
UNIT_SEGMENT = "segment"
UNIT_ROAD = "road"
UNIT_STATION_ZONE = "station_zone"
UNIT_SEWAGE_DISTRICT = "sewage_district"
UNIT_TYPES: tuple[str, ...] = (
    UNIT_DISTRICT,
    UNIT_TOWN,
    UNIT_SEGMENT,
    UNIT_ROAD,
    UNIT_STATION_ZONE,
    UNIT_SEWAGE_DISTRICT,
)
"""Kinds of evaluation unit, in the order tables list them."""

NAN = math.nan


@dataclass(frozen=True)
class Gap:
    """Features that make (or explain) a unit's gap: a layer and row positions in it.

    ``layer`` is the metric's layer role (e.g. ``villages``); the evaluation maps it to the
    project's layer name.
    """

    layer: str
    rows: tuple[int, ...]
    reason_zh: str
    reason_en: str = ""


@dataclass(frozen=True)
class UnitValue:
    """A metric's value for one unit.

    Attributes
    ----------
    unit_type, unit
        Kind of unit (:data:`UNIT_TYPES`) and its display name (``全区`` for the district).
    value
        The measured value; NaN when it cannot be computed (then ``missing_zh`` says why).
    numerator, denominator
        The counts behind a share, when the value is one.
    ok
        Overrides the comparison with the threshold when set (e.g. no accidents in either
        year counts as meeting a year-on-year fall).
    on_track
        The metric's own judgement of progress before the deadline, when it has one.
    projected
        The value expected at the deadline at the current pace (period targets).
    note_zh, note_en
        A short remark shown with the value.
    missing_zh, missing_en
        Why this unit has no value (no data).
    threshold, comparison, unit_label
        Override the target's for this row (e.g. a district row that counts towns).
    town, unit_id
        The unit's town and identifier, when it has them.
    gaps
        Features making the gap.
    """

    unit_type: str
    unit: str
    value: float = NAN
    numerator: float = NAN
    denominator: float = NAN
    ok: bool | None = None
    on_track: bool | None = None
    projected: float = NAN
    note_zh: str = ""
    note_en: str = ""
    missing_zh: str = ""
    missing_en: str = ""
    threshold: float | None = None
    comparison: str | None = None
    unit_label: str | None = None
    town: str = ""
    unit_id: str = ""
    gaps: tuple[Gap, ...] = ()


@dataclass(frozen=True)
class MissingInput:
    """A layer, or a field of a layer, that a metric needs and the project lacks."""

    layer: str
    field: str | None = None
    empty: bool = False  # the field exists but holds no value at all

    def message(self, language: str = "zh", *, layer_title: str = "", field_title: str = "") -> str:
        """Return what is missing, for the user, in the given language."""
        lt = f"“{layer_title}”（{self.layer}）" if layer_title else f"“{self.layer}”"
        ft = f"“{field_title}”（{self.field}）" if field_title else f"“{self.field}”"
        if language == "zh":
            if self.field is None:
                return f"缺少图层{lt}"
            if self.empty:
                return f"图层{lt}的字段{ft}没有任何值"
            return f"图层{lt}缺少字段{ft}"
        lt_en = f"'{self.layer}'" + (f" ({layer_title})" if layer_title else "")
        if self.field is None:
            return f"missing layer {lt_en}"
        if self.empty:
            return f"field '{self.field}' of layer {lt_en} holds no values"
        return f"layer {lt_en} lacks field '{self.field}'"


@dataclass
class MetricResult:
    """Everything a metric found: unit values, or what it needed and did not get."""

    units: list[UnitValue] = field(default_factory=list)
    missing: list[MissingInput] = field(default_factory=list)
    note_zh: str = ""
    note_en: str = ""

    @property
    def has_data(self) -> bool:
        """Whether the metric could run at all."""
        return not self.missing

    @classmethod
    def no_data(cls, *missing: MissingInput) -> MetricResult:
        """Return a result that measured nothing because inputs are missing."""
        return cls(units=[], missing=list(missing))
