"""The metric registry: metric functions by name, with the layers and fields they need.

A metric is an ordinary function: its layers come first (by role, e.g. ``villages``), then,
keyword-only, ``as_of`` and ``deadline`` and its own options. :func:`metric` registers it with
the fields each layer must have, so :func:`run_metric` can answer "no data: layer X lacks
field Y" instead of failing, or worse, inventing a value.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from gisdesk.analysis.targets.result import MetricResult, MissingInput

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["METRICS", "MetricSpec", "check_inputs", "get_metric", "metric", "run_metric"]

DistrictRule = Literal["metric", "share_of_units"]
F = TypeVar("F", bound=Callable[..., MetricResult])

_CONTEXT = ("as_of", "deadline")


@dataclass(frozen=True)
class MetricSpec:
    """A registered metric.

    Attributes
    ----------
    name
        The name targets use (``metric = "..."``).
    func
        The function.
    needs
        Required layer roles and the fields each must have.
    optional
        Layer roles used when present (e.g. ``towns`` for the full list of towns).
    district
        ``metric``: the function returns the district row itself; ``share_of_units``: the
        evaluation adds it as the share of units that meet the target.
    title_zh, title_en
        What it measures.
    options
        Its keyword options (the ``params`` a target may set).
    """

    name: str
    func: Callable[..., MetricResult]
    needs: Mapping[str, tuple[str, ...]]
    optional: Mapping[str, tuple[str, ...]]
    district: DistrictRule
    title_zh: str
    title_en: str
    options: tuple[str, ...]

    @property
    def roles(self) -> tuple[str, ...]:
        """Every layer role, required first."""
        return (*self.needs, *self.optional)


METRICS: dict[str, MetricSpec] = {}
"""Every registered metric by name."""


def metric(
    name: str,
    *,
    needs: Mapping[str, tuple[str, ...]],
    optional: Mapping[str, tuple[str, ...]] | None = None,
    district: DistrictRule = "metric",
    title_zh: str,
    title_en: str,
) -> Callable[[F], F]:
    """Register a metric function under ``name`` (a decorator; the function is unchanged)."""

    def register(func: F) -> F:
        sig = inspect.signature(func)
        roles = {*needs, *(optional or {})}
        options = tuple(
            p.name
            for p in sig.parameters.values()
            if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name not in _CONTEXT
        )
        missing = [r for r in roles if r not in sig.parameters]
        if missing or any(c not in sig.parameters for c in _CONTEXT):
            raise TypeError(f"metric {name}: signature lacks {missing or _CONTEXT}")
        if name in METRICS:
            raise ValueError(f"metric {name} registered twice")
        METRICS[name] = MetricSpec(
            name=name,
            func=func,
            needs=dict(needs),
            optional=dict(optional or {}),
            district=district,
            title_zh=title_zh,
            title_en=title_en,
            options=options,
        )
        return func

    return register


def get_metric(name: str) -> MetricSpec | None:
    """Return the metric registered under ``name``, or None."""
    return METRICS.get(name)


def check_inputs(
    spec: MetricSpec,
    layers: Mapping[str, gpd.GeoDataFrame | None],
    *,
    extra_fields: Mapping[str, tuple[str, ...]] | None = None,
) -> list[MissingInput]:
    """Return the required layers and fields that are absent or hold no value at all."""
    wanted: dict[str, list[str]] = {r: list(f) for r, f in spec.needs.items()}
    for role, more in (extra_fields or {}).items():
        wanted.setdefault(role, [])
        wanted[role].extend(f for f in more if f not in wanted[role])
    missing: list[MissingInput] = []
    for role, fields in wanted.items():
        gdf = layers.get(role)
        if gdf is None:
            missing.append(MissingInput(role))
            continue
        for name in fields:
            if name not in gdf.columns:
                missing.append(MissingInput(role, name))
            elif len(gdf) and bool(gdf[name].isna().all()):
                missing.append(MissingInput(role, name, empty=True))
    return missing


def run_metric(
    spec: MetricSpec,
    layers: Mapping[str, gpd.GeoDataFrame | None],
    *,
    as_of: date,
    deadline: date | None,
    params: Mapping[str, Any] | None = None,
    extra_fields: Mapping[str, tuple[str, ...]] | None = None,
) -> MetricResult:
    """Run a metric on the layers it needs, or return "no data" naming what is missing."""
    missing = check_inputs(spec, layers, extra_fields=extra_fields)
    if missing:
        return MetricResult.no_data(*missing)
    kwargs: dict[str, Any] = {role: layers.get(role) for role in spec.roles}
    kwargs.update(params or {})
    return spec.func(**kwargs, as_of=as_of, deadline=deadline)
