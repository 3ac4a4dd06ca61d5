"""The result of a target evaluation: the tidy table, the gap features, summaries and JSON.

:func:`gisdesk.analysis.targets.evaluate.evaluate_targets` builds it; the history
(:mod:`gisdesk.analysis.targets.history`) records it; the window and the command line show it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from gisdesk.analysis.targets.model import STATUSES, Target
from gisdesk.analysis.targets.result import UNIT_DISTRICT
from gisdesk.analysis.targets.status import worst_status
from gisdesk.core.values import plain_record

__all__ = ["GAP_COLUMNS", "TABLE_COLUMNS", "TargetEvaluation"]

TABLE_COLUMNS: tuple[str, ...] = (
    "target_id",
    "title_zh",
    "title_en",
    "source",
    "department",
    "scope",
    "metric",
    "unit_type",
    "unit",
    "unit_id",
    "town",
    "value",
    "comparison",
    "threshold",
    "value_unit",
    "expected",
    "projected",
    "numerator",
    "denominator",
    "deadline",
    "status",
    "explanation_zh",
    "explanation_en",
    "missing_zh",
    "gap_count",
)
"""Columns of :attr:`TargetEvaluation.table`, in order."""

GAP_COLUMNS: tuple[str, ...] = (
    "target_id",
    "unit_type",
    "unit",
    "layer",
    "row",
    "label",
    "reason_zh",
    "reason_en",
)
"""Columns of :attr:`TargetEvaluation.gaps`, in order."""


@dataclass
class TargetEvaluation:
    """The evaluation of a set of targets on a project at a date.

    Attributes
    ----------
    as_of
        The evaluation date.
    table
        One row per target and unit (:data:`TABLE_COLUMNS`): the district row first, then
        towns in the towns layer's order, then other units.
    gaps
        One row per gap feature (:data:`GAP_COLUMNS`): ``layer`` is the project layer name
        and ``row`` the feature's row position in ``project.layer(layer).data``.
    targets
        The targets evaluated, in order.
    layers
        The project layer used for each layer role (e.g. ``{"villages": "villages"}``).
    """

    as_of: date
    table: pd.DataFrame
    gaps: pd.DataFrame
    targets: list[Target]
    layers: dict[str, str] = field(default_factory=dict)

    def target_status(self) -> pd.DataFrame:
        """Return one row per target: its overall status (the district row's, else the worst)."""
        rows = []
        for t in self.targets:
            mine = self.table[self.table["target_id"] == t.id]
            district = mine[mine["unit_type"] == UNIT_DISTRICT]
            status = (
                str(district["status"].iloc[0])
                if len(district)
                else worst_status([str(s) for s in mine["status"]])
            )
            value = float(district["value"].iloc[0]) if len(district) else math.nan
            rows.append(
                {
                    "target_id": t.id,
                    "title_zh": t.title_zh,
                    "title_en": t.title_en,
                    "source": t.source,
                    "department": t.department,
                    "status": status,
                    "value": value,
                    "requirement": t.requirement(),
                    "deadline": t.deadline,
                }
            )
        return pd.DataFrame(
            rows,
            columns=[
                "target_id",
                "title_zh",
                "title_en",
                "source",
                "department",
                "status",
                "value",
                "requirement",
                "deadline",
            ],
        )

    def summary(self) -> dict[str, int]:
        """Return how many targets are met, on track, at risk, missed and without data."""
        counts = self.target_status()["status"].value_counts()
        return {s: int(counts.get(s, 0)) for s in STATUSES}

    def rows_for(self, target_id: str) -> pd.DataFrame:
        """Return the rows of one target."""
        return self.table[self.table["target_id"] == target_id]

    def gap_rows(self, target_id: str, unit: str | None = None) -> dict[str, np.ndarray]:
        """Return the gap features of a target (and unit) as row positions by layer name.

        Ready for ``project.layer(name).set_selection(rows)``; without ``unit``, the gaps of
        every unit of the target.
        """
        g = self.gaps[self.gaps["target_id"] == target_id]
        if unit is not None:
            g = g[g["unit"] == unit]
        return {
            str(name): np.unique(part["row"].to_numpy(dtype=np.intp))
            for name, part in g.groupby("layer", sort=False)
        }

    def to_dict(self) -> dict[str, Any]:
        """Return the evaluation as JSON-ready data (NaN as None, dates as ISO text)."""
        return {
            "as_of": self.as_of.isoformat(),
            "summary": self.summary(),
            "layers": dict(self.layers),
            "targets": [
                plain_record(r, dates="day") for r in self.target_status().to_dict("records")
            ],
            "rows": [plain_record(r, dates="day") for r in self.table.to_dict("records")],
            "gaps": [plain_record(r, dates="day") for r in self.gaps.to_dict("records")],
        }

    def to_json(self) -> str:
        """Return :meth:`to_dict` as JSON text (UTF-8, Chinese kept readable)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)
