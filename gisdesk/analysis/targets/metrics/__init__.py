"""Metrics: small pure functions of the layers, one per measurable plan target.

Importing this package registers every metric in :data:`METRICS`; each is also an ordinary
function to call with GeoDataFrames (see the modules: medical, roads, devices, air, sewage, rental).
"""

from __future__ import annotations

from gisdesk.analysis.targets.metrics import air, devices, medical, rental, roads, sewage
from gisdesk.analysis.targets.metrics._registry import (
    METRICS,
    MetricSpec,
    check_inputs,
    get_metric,
    metric,
    run_metric,
)

__all__ = [
    "METRICS",
    "MetricSpec",
    "air",
    "check_inputs",
    "devices",
    "get_metric",
    "medical",
    "metric",
    "rental",
    "roads",
    "run_metric",
    "sewage",
]
