"""The rules of a listed segment's status, applied to one segment, and what the project keeps.

A listed accident-prone segment (挂牌) moves 排查 → 会商 → 整改 → 验收 → 销号 one step at a
time; it may go back to any earlier status with a reason (e.g. acceptance failed), and a
step's date may not be earlier than the previous step's (:func:`advance_status` in
:mod:`.lifecycle`). :func:`allowed_steps` says where a segment may go from its status,
:func:`status_changes` checks one step and gives the values it changes, and
:func:`listing_attributes` the values a screening candidate gets when listed.

What the project's edit journal cannot hold is kept in ``project.settings["blackspots"]``
(saved with the project), owned here and read and written only through these functions:

* ``notes``: the reason or notes given with each status change, by journal transaction id
  (:func:`status_notes`, :func:`record_status_note`);
* ``listed_from``: what the screening said of a listed segment (:func:`listing_origin`,
  :func:`record_listing_origin`);
* ``before_after``: the radius and period of the before/after accident counts
  (:func:`before_after_settings`);
* ``screening``: the parameters of the last screening (:func:`screening_settings`,
  :func:`store_screening_settings`).

The stored format is unchanged from earlier versions; a damaged entry (not a mapping) is
replaced by an empty one, as a damaged settings document is (:mod:`gisdesk.io.project_state`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd

from gisdesk.analysis.blackspots.lifecycle import (
    STATUS_DATES,
    STATUSES,
    advance_status,
    empty_history,
    list_candidates,
)
from gisdesk.core.errors import InputError
from gisdesk.core.values import plain_value

if TYPE_CHECKING:
    from gisdesk.core.layer import Layer
    from gisdesk.core.project import Project

__all__ = [
    "DEFAULT_BEFORE_AFTER",
    "SEGMENTS",
    "SETTINGS_KEY",
    "STATUS_EN",
    "BeforeAfter",
    "Steps",
    "allowed_steps",
    "before_after_settings",
    "blackspot_settings",
    "listed_overlaps",
    "listing_attributes",
    "listing_origin",
    "record_listing_origin",
    "record_status_note",
    "screening_settings",
    "status_changes",
    "status_label",
    "status_notes",
    "store_screening_settings",
]

SEGMENTS = "accident_segments"
"""Name of the listed segments' layer."""

SETTINGS_KEY = "blackspots"
"""Key of ``project.settings`` owned by this module."""

STATUS_EN = dict(
    zip(STATUSES, ("Survey", "Joint review", "Rectify", "Acceptance", "Closed"), strict=True)
)
"""English names of the statuses."""

DEFAULT_BEFORE_AFTER: dict[str, Any] = {"radius_m": 50.0, "period_days": 365}
"""The before/after counts' radius (m) and period (days) unless the project says otherwise."""


class Steps(NamedTuple):
    """Where a segment may go from its status."""

    next: str | None
    """The next status, None once closed (销号) or for an unknown status past the loop."""
    back: tuple[str, ...]
    """Earlier statuses it may go back to (with a reason), the nearest first."""


class BeforeAfter(NamedTuple):
    """Parameters of the before/after accident counts."""

    radius_m: float
    period_days: int


def status_label(status: object, language: str) -> str:
    """Return a status as the user reads it (Chinese as stored, else its English name)."""
    text = "" if status is None else str(status)
    return text if language == "zh" else STATUS_EN.get(text, text)


def allowed_steps(current: str) -> Steps:
    """Return where a segment at ``current`` may go: one step on, or back with a reason.

    An unknown status counts as the first (排查), as the window always did.
    """
    here = STATUSES.index(current) if current in STATUSES else 0
    nxt = STATUSES[here + 1] if here + 1 < len(STATUSES) else None
    return Steps(nxt, tuple(reversed(STATUSES[:here])))


def status_changes(
    layer: Layer, fid: int, to: str, on: dt.date, reason: str | None
) -> dict[str, Any]:
    """Check one status step of a segment and return the values it changes.

    Parameters
    ----------
    layer
        The listed segments (:data:`SEGMENTS`).
    fid
        The segment's feature id.
    to, on, reason
        The new status, the step's date and the reason (required to go back).

    Returns
    -------
    dict
        ``status`` and each step date that changes (set, or None when going back clears it).

    Raises
    ------
    InputError
        The step breaks a rule (skipping, going back without a reason, a date before the
        previous step's); the message says which, in Chinese and English.
    """
    row = layer.row_of(fid)
    frame = gpd.GeoDataFrame(layer.data.iloc[[row]].reset_index(drop=True), crs=layer.data.crs)
    sid = str(frame["segment_id"].iloc[0])
    for name in STATUS_DATES.values():
        if name not in frame.columns:
            frame[name] = pd.NaT
    if str(frame["status"].iloc[0]) not in STATUSES:
        raise InputError(
            f"路段 {sid} 的状态“{frame['status'].iloc[0]}”不在 {'→'.join(STATUSES)} 之中。",
            f"Segment {sid} has the status '{frame['status'].iloc[0]}', not one of "
            f"{', '.join(STATUSES)}.",
        )
    new, _history = advance_status(
        frame, empty_history(), sid, to=to, on=on, by="", reason=reason or None
    )
    out: dict[str, Any] = {"status": to}
    for name in STATUS_DATES.values():
        before = plain_value(frame[name].iloc[0], finite=False)
        after = plain_value(new[name].iloc[0], finite=False)
        if before != after:
            out[name] = after
    return out


def listing_attributes(
    segments: gpd.GeoDataFrame,
    candidate: gpd.GeoDataFrame,
    *,
    level: str = "区级",
    listed_date: dt.date,
    by: str = "",
) -> dict[str, Any]:
    """Return the attributes a screening candidate gets when listed (status 排查).

    The segment is numbered after the existing ones; only the layer's fields are given, as
    plain Python values.
    """
    listed, _history = list_candidates(
        segments, empty_history(), candidate, level=level, listed_date=listed_date, by=by
    )
    row = listed.iloc[-1]
    return {
        str(k): plain_value(v, finite=False)
        for k, v in row.items()
        if k != listed.geometry.name and k in segments
    }


def listed_overlaps(candidates: pd.DataFrame, segments: pd.DataFrame | None) -> list[str]:
    """Return, per candidate, the listed segments of its road whose km ranges overlap it.

    Each entry joins the segments' ids with 、 (empty when none overlaps).
    """
    out = [""] * len(candidates)
    if segments is None or len(segments) == 0 or len(candidates) == 0:
        return out
    if not {"road", "from_km", "to_km", "segment_id"} <= set(segments.columns):
        return out
    s_road = segments["road"].astype(str).to_numpy()
    s_from = pd.to_numeric(segments["from_km"], errors="coerce").to_numpy(np.float64)
    s_to = pd.to_numeric(segments["to_km"], errors="coerce").to_numpy(np.float64)
    s_id = segments["segment_id"].astype(str).to_numpy()
    for i, (road, a, b) in enumerate(
        zip(candidates["road"], candidates["from_km"], candidates["to_km"], strict=True)
    ):
        hit = (s_road == str(road)) & (s_from < float(b)) & (s_to > float(a))
        out[i] = "、".join(s_id[hit])
    return out


# --- the project's settings entry -------------------------------------------------------------


def blackspot_settings(project: Project) -> dict[str, Any]:
    """Return the black-spot entry of the project settings, created with its parts if missing.

    The dict is the one kept in ``project.settings``: changes to it are saved with the project.
    """
    entry = project.settings.get(SETTINGS_KEY)
    if not isinstance(entry, dict):
        entry = project.settings[SETTINGS_KEY] = {}
    for key in ("notes", "listed_from"):
        if not isinstance(entry.get(key), dict):
            entry[key] = {}
    if not isinstance(entry.get("before_after"), dict):
        entry["before_after"] = dict(DEFAULT_BEFORE_AFTER)
    return entry


def status_notes(project: Project) -> dict[str, dict[str, Any]]:
    """Return the notes of status changes by journal transaction id (as text)."""
    notes: dict[str, dict[str, Any]] = blackspot_settings(project)["notes"]
    return notes


def record_status_note(
    project: Project,
    txn_id: int | str,
    *,
    segment_id: str,
    was: str,
    to: str,
    on: dt.date,
    reason: str | None,
    by: str,
    at: str,
) -> None:
    """Keep what a status change said (its reason or notes) with its journal transaction."""
    status_notes(project)[str(txn_id)] = {
        "segment_id": segment_id,
        "from": was,
        "to": to,
        "on": on.isoformat(),
        "reason": reason or "",
        "by": by,
        "at": at,
    }


def listing_origin(project: Project, segment_id: object) -> dict[str, Any]:
    """Return what the screening said of a listed segment (empty when listed by hand)."""
    found = blackspot_settings(project)["listed_from"].get(str(segment_id), {})
    return found if isinstance(found, dict) else {}


def record_listing_origin(
    project: Project, segment_id: str, origin: Mapping[str, Any] | None, *, by: str, at: str
) -> None:
    """Keep where a listed segment came from (the screening's candidate, counts, window)."""
    blackspot_settings(project)["listed_from"][segment_id] = {
        **(origin or {}),
        "listed_by": by,
        "listed_at": at,
    }


def before_after_settings(project: Project) -> BeforeAfter:
    """Return the radius and period of the project's before/after accident counts."""
    params = blackspot_settings(project)["before_after"]
    return BeforeAfter(
        float(params.get("radius_m", DEFAULT_BEFORE_AFTER["radius_m"])),
        int(params.get("period_days", DEFAULT_BEFORE_AFTER["period_days"])),
    )


def screening_settings(project: Project) -> dict[str, Any] | None:
    """Return the parameters of the project's last screening as stored, or None."""
    stored = blackspot_settings(project).get("screening")
    return stored if isinstance(stored, dict) else None


def store_screening_settings(project: Project, request: Mapping[str, Any]) -> None:
    """Keep the parameters of a screening (``ScreeningRequest.to_dict()``) in the project."""
    blackspot_settings(project)["screening"] = dict(request)
