"""Accident black spots (事故多发路段): screening, density, listing lifecycle, cameras.

Modules: :mod:`.referencing` (stakes <-> points along named roads), :mod:`.matching`
(accidents to road pieces with a match quality), :mod:`.windows` (the vectorised window
core), :mod:`.screening` (ranked candidate segments), :mod:`.density` (network kernel
density and its raster), :mod:`.lifecycle` (挂牌 and 排查 -> 销号 with history) and
:mod:`.cameras` (ROAD-6/7/8 checks).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gisdesk.analysis.blackspots.cameras import camera_gaps, persuasion_coverage, video_coverage
    from gisdesk.analysis.blackspots.density import DensityRaster, density_raster, network_density
    from gisdesk.analysis.blackspots.lifecycle import (
        LEVELS,
        STATUSES,
        advance_status,
        empty_history,
        list_candidates,
        update_segment,
    )
    from gisdesk.analysis.blackspots.matching import MATCH_COLUMNS, locate_accidents
    from gisdesk.analysis.blackspots.referencing import (
        MATCH_QUALITIES,
        RoadMeasures,
        place_stakes,
        road_measures,
    )
    from gisdesk.analysis.blackspots.screening import (
        ScreeningResult,
        SeverityWeights,
        screen_accidents,
    )


__all__ = [
    "LEVELS",
    "MATCH_COLUMNS",
    "MATCH_QUALITIES",
    "STATUSES",
    "DensityRaster",
    "RoadMeasures",
    "ScreeningResult",
    "SeverityWeights",
    "advance_status",
    "camera_gaps",
    "density_raster",
    "empty_history",
    "list_candidates",
    "locate_accidents",
    "network_density",
    "persuasion_coverage",
    "place_stakes",
    "road_measures",
    "screen_accidents",
    "update_segment",
    "video_coverage",
]

_MODULE_OF = {
    "camera_gaps": "cameras",
    "persuasion_coverage": "cameras",
    "video_coverage": "cameras",
    "DensityRaster": "density",
    "density_raster": "density",
    "network_density": "density",
    "LEVELS": "lifecycle",
    "STATUSES": "lifecycle",
    "advance_status": "lifecycle",
    "empty_history": "lifecycle",
    "list_candidates": "lifecycle",
    "update_segment": "lifecycle",
    "MATCH_COLUMNS": "matching",
    "locate_accidents": "matching",
    "MATCH_QUALITIES": "referencing",
    "RoadMeasures": "referencing",
    "place_stakes": "referencing",
    "road_measures": "referencing",
    "ScreeningResult": "screening",
    "SeverityWeights": "screening",
    "screen_accidents": "screening",
}
"""Where each name above lives: the submodule is imported on first access (the density's
scipy and network and the cameras' geopandas are loaded only by the analyses that use them)."""


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
