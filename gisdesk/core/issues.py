"""Problems found in a layer or a project: :class:`Issue` and the per-layer report.

:mod:`gisdesk.core.validation` finds them; the project keeps those found while loading
(``Project.load_problems``); ``gisdesk validate`` and the window list them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

__all__ = ["Issue", "Severity", "ValidationReport"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One problem found in a layer: where it is and what to do about it."""

    severity: Severity
    layer: str
    row: int | None  # position in the layer (0-based), None for layer-wide problems
    field: str | None
    code: str
    zh: str
    en: str

    def message(self, language: str = "zh") -> str:
        """Return the issue as one line of text for the user."""
        where_zh = "" if self.row is None else f"第 {self.row + 1} 行"
        where_en = "" if self.row is None else f"row {self.row + 1}"
        if self.field:
            where_zh += f"字段“{self.field}”"
            where_en += f"{', ' if where_en else ''}field '{self.field}'"
        if language == "zh":
            return (
                f"[{self.layer}] {where_zh}：{self.zh}" if where_zh else f"[{self.layer}] {self.zh}"
            )
        return f"[{self.layer}] {where_en}: {self.en}" if where_en else f"[{self.layer}] {self.en}"


@dataclass
class ValidationReport:
    """All issues of one layer."""

    layer: str
    issues: list[Issue] = field(default_factory=list)

    def add(
        self,
        severity: Severity,
        code: str,
        zh: str,
        en: str,
        *,
        row: int | None = None,
        field: str | None = None,
    ) -> Issue:
        """Record an issue of this layer (``row`` 0-based, None for the whole layer)."""
        issue = Issue(severity, self.layer, row, field, code, zh, en)
        self.issues.append(issue)
        return issue

    def error(
        self, code: str, zh: str, en: str, *, row: int | None = None, field: str | None = None
    ) -> Issue:
        """Record a problem that makes the layer unusable until fixed."""
        return self.add("error", code, zh, en, row=row, field=field)

    def warning(
        self, code: str, zh: str, en: str, *, row: int | None = None, field: str | None = None
    ) -> Issue:
        """Record a problem worth a look that does not block use."""
        return self.add("warning", code, zh, en, row=row, field=field)

    @property
    def errors(self) -> list[Issue]:
        """Issues that make the layer unusable until fixed."""
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        """Issues worth a look that do not block use."""
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        """Whether the layer has no errors."""
        return not self.errors

    def to_frame(self) -> pd.DataFrame:
        """Return the issues as a table (one row per issue)."""
        return pd.DataFrame(
            [
                {
                    "severity": i.severity,
                    "layer": i.layer,
                    "row": i.row,
                    "field": i.field,
                    "code": i.code,
                    "message_zh": i.zh,
                    "message_en": i.en,
                }
                for i in self.issues
            ],
            columns=["severity", "layer", "row", "field", "code", "message_zh", "message_en"],
        )
