"""Records of the analyses run on a project, so their results can follow their sources.

Every analysis the window runs is recorded in the project (``project.settings
["derived_results"]``, owned by this module): the task's request (kind, layers, options), the
layers it read and the result layers it made. A record is keyed by its result layers' names; a
second run that makes the same layers replaces the earlier record, never adds one. When a source
layer is edited, the window asks :func:`records_reading` which results are out of date and
re-runs their requests (:func:`gisdesk.tasks.request_from_record`). Station key zones are
refreshed per station instead (:func:`refresh_zones`): only the stations added, moved or deleted
are computed again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from gisdesk.analysis.zone_updates import (
    StationPart,
    assemble_zones,
    member_counts,
    station_parts,
)

if TYPE_CHECKING:
    import geopandas as gpd

    from gisdesk.core.progress import CancelToken, ProgressCallback
    from gisdesk.core.project import Project
    from gisdesk.tasks.base import Request
    from gisdesk.tasks.zones import ZonesRequest

__all__ = [
    "SETTINGS_KEY",
    "StationPart",
    "derived_records",
    "member_totals",
    "record_key",
    "records_reading",
    "refresh_zones",
    "remember_run",
]

SETTINGS_KEY = "derived_results"
"""Key of ``project.settings`` holding the records (a list of plain mappings)."""


def record_key(record: dict[str, Any]) -> str:
    """The record's key: the names of its result layers."""
    return "|".join(record["outputs"])


def derived_records(project: Project) -> list[dict[str, Any]]:
    """The recorded analyses whose result layers are all still in the project.

    A damaged record (a hand-edited project file: not a mapping, no kind, sources or result
    layers that are not lists of names) is passed over; its layers stay as they are.
    """
    found = project.settings.get(SETTINGS_KEY, [])
    if not isinstance(found, list):
        return []
    return [r for r in found if _well_formed(r) and all(name in project for name in r["outputs"])]


def _well_formed(record: object) -> bool:
    def names(value: object) -> bool:
        return isinstance(value, list) and all(isinstance(n, str) for n in value)

    return (
        isinstance(record, dict)
        and isinstance(record.get("kind"), str)
        and names(record.get("sources"))
        and names(record.get("outputs"))
        and bool(record["outputs"])
    )


def remember_run(project: Project, request: Request, outputs: Iterable[str]) -> dict[str, Any]:
    """Record that ``request`` made the layers ``outputs``; replace a record of the same layers.

    Returns the record (kept in ``project.settings``, saved with the project).
    """
    names = [str(name) for name in outputs]
    entry = {
        **request.to_record(),  # kind, layers, options: re-run with request_from_record
        "sources": [str(n) for n in request.sources() if n],
        "outputs": names,
    }
    found = project.settings.get(SETTINGS_KEY, [])
    found = found if isinstance(found, list) else []
    # a damaged record is kept as it is (it may be mended by hand); only this run's goes
    kept = [r for r in found if not (_well_formed(r) and r["outputs"] == names)]
    project.settings[SETTINGS_KEY] = [*kept, entry]
    return entry


def records_reading(project: Project, changed: set[str]) -> list[dict[str, Any]]:
    """The records whose sources include a layer of ``changed`` (and not their own results)."""
    return [
        record
        for record in derived_records(project)
        if changed & set(record["sources"]) and not changed & set(record["outputs"])
    ]


def refresh_zones(
    stations: gpd.GeoDataFrame,
    fids: np.ndarray,
    targets: dict[str, gpd.GeoDataFrame],
    request: ZonesRequest,
    parts: dict[int, StationPart],
    changed: set[int] | None,
    *,
    clip_to: gpd.GeoDataFrame | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> tuple[dict[int, StationPart], gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Recompute the zones of the ``changed`` stations (all when None) and assemble them.

    ``parts`` are the zones kept per station (fid) from the last run; ``request`` is the
    zones record's request (:func:`~gisdesk.tasks.request_from_record`), whose radius, radius
    field and levels apply as in a full run, and ``clip_to`` its clip layer's features.
    Returns the parts now valid, the zones and their members.
    """
    fresh = station_parts(
        stations,
        fids,
        targets,
        only=changed,
        **request.zone_options(),
        clip_to=clip_to,
        progress=progress,
        cancel=cancel,
    )
    kept = {} if changed is None else {k: v for k, v in parts.items() if k not in changed}
    kept.update(fresh)
    present = set(np.asarray(fids, dtype=np.int64).tolist())
    kept = {k: v for k, v in kept.items() if k in present}
    zones, members = assemble_zones(fids, kept)
    return kept, zones, members


def member_totals(members: gpd.GeoDataFrame) -> dict[str, int]:
    """How many features of each target layer lie in the zones (layer name -> count)."""
    counts = member_counts(members).sum(axis=0)
    return {str(name): int(value) for name, value in counts.items()}
