"""Compute graduated classes from data (equal interval, quantile, natural breaks)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from gisdesk.core.errors import StyleError
from gisdesk.core.schema import FieldSpec
from gisdesk.core.style import LabelSpec, LayerStyle, StyleClass, Symbol
from gisdesk.core.values import plain_value

__all__ = [
    "QUALITATIVE",
    "RAMPS",
    "categorized_style",
    "class_breaks",
    "classify_style",
    "graduated_style",
    "interpolate_ramp",
]


def class_breaks(values: np.ndarray, *, method: str, k: int) -> list[float]:
    """Return the upper bounds of ``k`` classes of the finite values (fewer if data is short).

    ``natural_breaks`` is Fisher-Jenks (optimal), computed with mapclassify.
    """
    data = np.asarray(values, dtype=np.float64)
    data = data[np.isfinite(data)]
    if data.size == 0:
        return []
    unique = np.unique(data)
    k = max(1, min(k, unique.size))
    if k == 1:
        return [float(unique[-1])]
    if method == "equal_interval":
        lo, hi = float(data.min()), float(data.max())
        return [lo + (hi - lo) * (i + 1) / k for i in range(k)]
    if method == "quantile":
        qs = np.quantile(data, [(i + 1) / k for i in range(k)])
        return [float(q) for q in np.unique(qs)]
    if method == "natural_breaks":
        return _fisher_jenks(data, k)
    raise StyleError(
        f"分级方法“{method}”无法从数据计算。",
        f"Classification method '{method}' cannot be computed from data.",
    )


_JENKS_SAMPLE = 2000


def _fisher_jenks(data: np.ndarray, k: int) -> list[float]:
    """Return Fisher-Jenks (optimal 1-D k-means) upper bounds, by vectorised dynamic programming.

    The exact optimum costs O(n^2 k); above 2,000 values it is computed on the sorted data at
    evenly spaced ranks (min and max included). A random sample, as mapclassify's sampler
    draws, would make a legend change between two openings of the same project.
    """
    x = np.sort(data)
    if x.size > _JENKS_SAMPLE:
        x = x[np.linspace(0, x.size - 1, _JENKS_SAMPLE).round().astype(int)]
    x = x - x.mean()  # centring keeps the sums of squares well conditioned
    n = x.size
    cs = np.concatenate([[0.0], np.cumsum(x)])
    cs2 = np.concatenate([[0.0], np.cumsum(x * x)])
    start = np.arange(n)[:, None]  # m: first index of a class
    end = np.arange(n)[None, :]  # i: last index of a class
    with np.errstate(divide="ignore", invalid="ignore"):
        count = (end - start + 1).astype(np.float64)
        total = cs[end + 1] - cs[start]
        ssd = cs2[end + 1] - cs2[start] - total * total / count
    ssd[end < start] = np.inf
    cost = ssd[0].copy()  # one class covering 0..i
    back = np.zeros((k, n), dtype=np.int64)
    for j in range(1, k):
        prev = np.full(n, np.inf)
        prev[1:] = cost[:-1]  # best cost of j classes ending at m - 1
        total_cost = prev[:, None] + ssd
        total_cost[:j, :] = np.inf  # each earlier class needs at least one value
        back[j] = np.argmin(total_cost, axis=0)
        cost = total_cost[back[j], np.arange(n)]
    uppers: list[float] = []
    last = n - 1
    for j in range(k - 1, -1, -1):
        uppers.append(float(x[last]))
        last = int(back[j, last]) - 1
    offset = float(np.sort(data)[0] - x[0]) if data.size else 0.0
    return sorted(u + offset for u in uppers)


def _hex_to_rgba(colour: str) -> np.ndarray:
    text = colour.lstrip("#")
    parts = [int(text[i : i + 2], 16) for i in range(0, len(text), 2)]
    if len(parts) == 3:
        parts.append(255)
    return np.array(parts, dtype=np.float64)


def interpolate_ramp(ramp: Sequence[str], n: int) -> list[str]:
    """Return ``n`` colours spread evenly along a ramp of two or more stops."""
    if n <= 0:
        return []
    stops = [_hex_to_rgba(c) for c in (ramp or ["#deebf7", "#08519c"])]
    if len(stops) == 1:
        stops = stops * 2
    positions = np.linspace(0.0, 1.0, len(stops))
    out: list[str] = []
    for t in np.linspace(0.0, 1.0, n) if n > 1 else [1.0]:
        rgba = [np.interp(t, positions, [s[c] for s in stops]) for c in range(4)]
        r, g, b, a = (round(float(v)) for v in rgba)
        out.append(f"#{r:02x}{g:02x}{b:02x}" + ("" if a == 255 else f"{a:02x}"))
    return out


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.4g}"


def classify_style(style: LayerStyle, data: pd.DataFrame) -> LayerStyle:
    """Return the style with graduated classes computed from the data.

    Styles that are not graduated, or that fix their breaks (``method = "manual"``), come
    back unchanged.
    """
    if style.kind != "graduated" or style.method == "manual":
        return style
    if style.field is None or style.field not in data.columns:
        raise StyleError(
            f"分级字段“{style.field}”不在图层中。",
            f"The graduated field '{style.field}' is not in the layer.",
        )
    values = pd.to_numeric(data[style.field], errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    uppers = class_breaks(values, method=style.method, k=style.n_classes)
    colours = interpolate_ramp(style.ramp, len(uppers))
    finite = values[np.isfinite(values)]
    lower = float(finite.min()) if finite.size else 0.0
    classes: list[StyleClass] = []
    sizes = np.linspace(style.symbol.size, style.symbol.size * 2.0, max(1, len(uppers)))
    for i, (upper, colour) in enumerate(zip(uppers, colours, strict=True)):
        symbol = replace(style.symbol, fill=colour)
        if style.symbol.marker and len(uppers) > 1:
            symbol = replace(symbol, size=float(round(sizes[i], 2)))
        label = f"{_fmt(lower)} – {_fmt(upper)}"
        classes.append(
            StyleClass(symbol=symbol, label_zh=label, label_en=label, lower=lower, upper=upper)
        )
        lower = upper
    return replace(style, classes=tuple(classes))


QUALITATIVE = (
    "#1f78b4",
    "#e31a1c",
    "#33a02c",
    "#ff7f00",
    "#6a3d9a",
    "#b15928",
    "#a6cee3",
    "#fb9a99",
    "#b2df8a",
    "#fdbf6f",
    "#cab2d6",
    "#ffff99",
)
"""Twelve distinguishable colours (ColorBrewer Paired) for categories."""

RAMPS: dict[str, tuple[str, ...]] = {
    "Blues": ("#deebf7", "#9ecae1", "#4292c6", "#08519c"),
    "Reds": ("#fee0d2", "#fc9272", "#de2d26", "#a50f15"),
    "Greens": ("#e5f5e0", "#a1d99b", "#41ab5d", "#006d2c"),
    "YlOrRd": ("#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"),
    "Purples": ("#efedf5", "#bcbddc", "#807dba", "#54278f"),
    "Greys": ("#d9d9d9", "#969696", "#525252", "#252525"),
    "Viridis": ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154"),
}
"""Sequential colour ramps offered for graduated styles."""


def categorized_style(
    data: pd.DataFrame,
    field: str,
    *,
    base: Symbol | None = None,
    spec: FieldSpec | None = None,
    max_classes: int = 40,
    label: LabelSpec | None = None,
) -> LayerStyle:
    """Return a style with one class per value of ``field`` (the schema's value list first).

    Values beyond ``max_classes`` fall to a grey default class, so a field with thousands
    of distinct values still gives a readable legend.
    """
    if field not in data.columns:
        raise StyleError(f"图层中没有字段“{field}”。", f"The layer has no field '{field}'.")
    base = base or Symbol()
    present = pd.unique(data[field].dropna())
    values: list[Any] = []
    labels: dict[Any, tuple[str, str]] = {}
    if spec is not None and spec.domain:
        for d in spec.domain:
            values.append(d.value)
            labels[d.value] = (d.zh if d.zh != str(d.value) else str(d.value), d.en)
    try:
        extra = sorted(v for v in present if v not in labels)
    except TypeError:
        extra = [v for v in present if v not in labels]
    values.extend(extra)
    values = values[:max_classes]
    classes = []
    for i, value in enumerate(values):
        colour = QUALITATIVE[i % len(QUALITATIVE)]
        zh, en = labels.get(value, (str(value), str(value)))
        # lines (no fill) take the colour on the stroke, points and polygons on the fill
        symbol = replace(base, stroke=colour) if base.fill is None else replace(base, fill=colour)
        classes.append(
            StyleClass(
                symbol=symbol,
                label_zh=zh,
                label_en=en,
                value=plain_value(value, finite=False),
            )
        )
    default = replace(
        base,
        fill="#bdbdbd" if base.fill is not None else None,
        stroke="#bdbdbd" if base.fill is None else base.stroke,
    )
    return LayerStyle(
        kind="categorized",
        classes=tuple(classes),
        field=field,
        default=default,
        symbol=base,
        label=label,
    )


def graduated_style(
    data: pd.DataFrame,
    field: str,
    *,
    method: str = "natural_breaks",
    n_classes: int = 5,
    ramp: Sequence[str] = RAMPS["Blues"],
    base: Symbol | None = None,
    label: LabelSpec | None = None,
) -> LayerStyle:
    """Return a graduated style with breaks computed from the data."""
    style = LayerStyle(
        kind="graduated",
        classes=(),
        field=field,
        method=method,
        n_classes=n_classes,
        ramp=tuple(ramp),
        symbol=base or Symbol(),
        label=label,
    )
    return classify_style(style, data)
