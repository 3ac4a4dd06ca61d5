"""Layer styles: symbols, classes (single / categorised / graduated / rule-based) and labels.

Styles are plain data. :meth:`LayerStyle.assign` tells which class each feature falls in;
the painter in :mod:`gisdesk.render` turns classes into pixels, and the legend lists them.
Graduated breaks are computed from data by :func:`gisdesk.analysis.classify.classify_style`
when a style names a method instead of fixed breaks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from dataclasses import field as dc_field
from typing import Any, Literal

import numpy as np
import pandas as pd

from gisdesk.core.errors import StyleError
from gisdesk.core.expressions import evaluate_filter, parse_filter
from gisdesk.core.i18n import tr

__all__ = [
    "CLASSIFICATION_METHODS",
    "MARKERS",
    "STYLE_KINDS",
    "LabelSpec",
    "LayerStyle",
    "StyleClass",
    "Symbol",
]

StyleKind = Literal["single", "categorized", "graduated", "rule"]
STYLE_KINDS: tuple[str, ...] = ("single", "categorized", "graduated", "rule")
MARKERS: tuple[str, ...] = ("circle", "square", "triangle", "diamond", "star", "cross", "pin")
DASHES: tuple[str, ...] = ("solid", "dash", "dot", "dashdot")
CLASSIFICATION_METHODS: tuple[str, ...] = (
    "manual",
    "equal_interval",
    "quantile",
    "natural_breaks",
)
MAX_SYMBOL_MM = 100.0  # a marker or line 10 cm wide on paper: beyond it, a typing slip
_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")


def _check_colour(value: str | None, where: str) -> str | None:
    if value is None or value == "none":
        return None
    if not _COLOUR.match(value):
        raise StyleError(
            f"颜色“{value}”无效（{where}），请使用 #RRGGBB 或 #RRGGBBAA。",
            f"Colour '{value}' is not valid ({where}); use #RRGGBB or #RRGGBBAA.",
        )
    return value.lower()


@dataclass(frozen=True)
class Symbol:
    """How a feature is drawn. Sizes and widths are in millimetres on paper."""

    fill: str | None = "#cccccc"
    stroke: str | None = "#333333"
    stroke_width: float = 0.26
    marker: str = "circle"
    size: float = 2.0
    dash: str = "solid"
    opacity: float = 1.0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "") -> Symbol:
        """Build a symbol from a style file's table, checking every value."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise StyleError(
                f"符号中有未知项 {sorted(unknown)}（{where}）。",
                f"Unknown symbol keys {sorted(unknown)} ({where}).",
            )
        sym = cls(
            fill=_check_colour(data.get("fill", cls.fill), where),
            stroke=_check_colour(data.get("stroke", cls.stroke), where),
            stroke_width=float(data.get("stroke_width", cls.stroke_width)),
            marker=str(data.get("marker", cls.marker)),
            size=float(data.get("size", cls.size)),
            dash=str(data.get("dash", cls.dash)),
            opacity=float(data.get("opacity", cls.opacity)),
        )
        if sym.marker not in MARKERS:
            raise StyleError(
                f"点符号“{sym.marker}”不存在（{where}）。",
                f"Unknown marker '{sym.marker}' ({where}); use one of {', '.join(MARKERS)}.",
            )
        if sym.dash not in DASHES:
            raise StyleError(
                f"线型“{sym.dash}”不存在（{where}）。",
                f"Unknown dash '{sym.dash}' ({where}); use one of {', '.join(DASHES)}.",
            )
        if (
            not 0.0 <= sym.opacity <= 1.0
            or not 0.0 <= sym.size <= MAX_SYMBOL_MM
            or not 0.0 <= sym.stroke_width <= MAX_SYMBOL_MM
        ):  # NaN and inf fail these comparisons too
            raise StyleError(
                f"不透明度须在 0 到 1 之间，尺寸和线宽须在 0 到 {MAX_SYMBOL_MM:g} 毫米之间"
                f"（{where}）。",
                f"Opacity must lie in [0, 1], sizes and widths in [0, {MAX_SYMBOL_MM:g}] mm "
                f"({where}).",
            )
        return sym

    def to_dict(self) -> dict[str, Any]:
        """Return the symbol as a table for a style file or the project."""
        return {k: ("none" if v is None else v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class StyleClass:
    """One legend entry: a symbol and what selects it."""

    symbol: Symbol
    label_zh: str
    label_en: str
    value: str | int | float | bool | None = None  # categorised
    lower: float | None = None  # graduated: lower < x <= upper (first class includes lower)
    upper: float | None = None
    filter: str | None = None  # rule-based

    def label(self, language: str = "zh") -> str:
        """Return the legend label in the given language."""
        return tr(self.label_zh, self.label_en, language)


@dataclass(frozen=True)
class LabelSpec:
    """Feature labels: which field, how big, what colour, with a halo to stay legible."""

    field: str
    size: float = 9.0  # points
    colour: str = "#222222"
    halo: str | None = "#ffffff"
    halo_width: float = 0.6  # mm
    bold: bool = False
    min_scale: float | None = None  # hide labels when zoomed out beyond 1:min_scale
    priority: int = 0  # higher is placed first when labels compete for space
    repeat_px: float = 300.0  # lines: the same text no closer than this (px at 96 dpi)


@dataclass(frozen=True)
class LayerStyle:
    """A layer's complete style."""

    kind: StyleKind
    classes: tuple[StyleClass, ...]
    field: str | None = None
    default: Symbol | None = None  # for features no class selects; None hides them
    method: str = "manual"
    n_classes: int = 5
    ramp: tuple[str, ...] = ()
    label: LabelSpec | None = None
    symbol: Symbol = Symbol()  # base symbol that classes computed from data start from
    extra: Mapping[str, Any] = dc_field(default_factory=dict)

    def assign(self, df: pd.DataFrame) -> np.ndarray:
        """Return, for every row, the index of its class, or -1 when no class takes it."""
        n = len(df)
        if self.kind == "single":
            return np.zeros(n, dtype=np.int32)
        out = np.full(n, -1, dtype=np.int32)
        if self.kind == "categorized":
            values = df[self._field_or_raise(df)]
            for i, cls in enumerate(self.classes):
                hit = (values == cls.value).fillna(False).to_numpy(dtype=bool)
                out[hit & (out < 0)] = i
            return out
        if self.kind == "graduated":
            numbers = pd.to_numeric(df[self._field_or_raise(df)], errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan
            )
            for i, cls in enumerate(self.classes):
                lo = -np.inf if cls.lower is None else cls.lower
                hi = np.inf if cls.upper is None else cls.upper
                hit = (numbers > lo) & (numbers <= hi) if i else (numbers >= lo) & (numbers <= hi)
                out[hit & (out < 0)] = i
            return out
        for i, cls in enumerate(self.classes):
            hit = np.ones(n, dtype=bool) if cls.filter is None else evaluate_filter(cls.filter, df)
            out[hit & (out < 0)] = i
        return out

    def _field_or_raise(self, df: pd.DataFrame) -> str:
        if self.field is None or self.field not in df.columns:
            raise StyleError(
                f"样式按字段“{self.field}”分类，但图层中没有该字段。",
                f"The style classifies by field '{self.field}', which the layer lacks.",
            )
        return self.field

    def symbol_for(self, index: int) -> Symbol | None:
        """Return the symbol of a class index from :meth:`assign` (-1 gives the default)."""
        return self.default if index < 0 else self.classes[index].symbol

    def with_classes(self, classes: Sequence[StyleClass]) -> LayerStyle:
        """Return a copy with other classes (e.g. breaks computed from data)."""
        return replace(self, classes=tuple(classes))

    # --- serialisation -------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "") -> LayerStyle:
        """Build a style from a style file's contents or a project's stored style."""
        where = source or "style"
        kind = data.get("kind", data.get("type"))
        if kind not in STYLE_KINDS:
            raise StyleError(
                f"样式类型“{kind}”无效（{where}）。",
                f"Style kind '{kind}' is not one of {', '.join(STYLE_KINDS)} ({where}).",
            )
        base = data.get("symbol", {})
        classes: list[StyleClass] = []
        for i, raw in enumerate(data.get("classes", [])):
            sym_data = {**base, **raw.get("symbol", {})}
            label_zh = str(raw.get("label_zh", raw.get("value", "")))
            classes.append(
                StyleClass(
                    symbol=Symbol.from_dict(sym_data, where=f"{where} class {i + 1}"),
                    label_zh=label_zh,
                    label_en=str(raw.get("label_en", label_zh)),
                    value=raw.get("value"),
                    lower=None if raw.get("lower") is None else float(raw["lower"]),
                    upper=None if raw.get("upper") is None else float(raw["upper"]),
                    filter=raw.get("filter"),
                )
            )
            if classes[-1].filter is not None:
                parse_filter(classes[-1].filter)
        if kind == "single" and not classes:
            classes.append(
                StyleClass(
                    symbol=Symbol.from_dict(base, where=where),
                    label_zh=str(data.get("label_zh", "")),
                    label_en=str(data.get("label_en", data.get("label_zh", ""))),
                )
            )
        method = str(data.get("method", "manual"))
        if method not in CLASSIFICATION_METHODS:
            raise StyleError(
                f"分级方法“{method}”无效（{where}）。",
                f"Classification method '{method}' is not one of "
                f"{', '.join(CLASSIFICATION_METHODS)} ({where}).",
            )
        if kind in ("categorized", "graduated") and not data.get("field"):
            raise StyleError(
                f"分类/分级样式须指定字段（{where}）。",
                f"A {kind} style needs a field ({where}).",
            )
        if kind == "graduated" and method == "manual" and not classes:
            raise StyleError(
                f"手动分级样式须列出分级（{where}）。",
                f"A manual graduated style needs its classes ({where}).",
            )
        default = data.get("default")
        label = data.get("label")
        ramp = tuple(_check_colour(c, where) or "#000000" for c in data.get("ramp", ()))
        return cls(
            kind=kind,
            classes=tuple(classes),
            field=data.get("field"),
            default=None if default is None else Symbol.from_dict({**base, **default}, where=where),
            method=method,
            n_classes=int(data.get("n_classes", 5)),
            ramp=ramp,
            label=None if label is None else LabelSpec(**label),
            symbol=Symbol.from_dict(base, where=where),
            extra={k: v for k, v in data.items() if k in ("layer", "description")},
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the style as plain data (JSON/TOML friendly) that :meth:`from_dict` reads."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "method": self.method,
            "n_classes": self.n_classes,
        }
        if self.field is not None:
            out["field"] = self.field
        if self.ramp:
            out["ramp"] = list(self.ramp)
        out["symbol"] = self.symbol.to_dict()
        out["classes"] = []
        for c in self.classes:
            item: dict[str, Any] = {
                "label_zh": c.label_zh,
                "label_en": c.label_en,
                "symbol": c.symbol.to_dict(),
            }
            for key in ("value", "lower", "upper", "filter"):
                if getattr(c, key) is not None:
                    item[key] = getattr(c, key)
            out["classes"].append(item)
        if self.default is not None:
            out["default"] = self.default.to_dict()
        if self.label is not None:
            out["label"] = {k: v for k, v in asdict(self.label).items() if v is not None}
        out.update(self.extra)
        return out
