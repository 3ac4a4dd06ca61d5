"""The rules of a listed segment's status, applied to one segment, and what the project keeps.

A listed accident-prone segment (挂牌) moves 排查 → 会商 → 整改 → 验收 → 销号 one step at a
time; it may go back to any earlier status with a reason (e.g. acceptance failed), and a
step's date may not be earlier than the previous step's (:func:`advance_status` in
:mod:`.lifecycle`) nor after today. Each step forward needs its notes (:data:`STEP_NEEDS`:
会商纪要, 整改完成情况, 验收意见, 销号依据) and, for 会商 and 整改, the measures and the
responsible unit. :func:`allowed_steps` says where a segment may go from its status,
:func:`status_changes` checks one step and gives the values it changes, and
:func:`listing_attributes` the values a screening candidate gets when listed.

Outside the steps:

* an administrator (:func:`administrators`, set with :func:`set_administrators`) may correct
  a status in any direction with a reason (:func:`correction_changes`); the window writes the
  reason into the journal entry's label (:func:`correction_label`), so the audit trail
  ``gisdesk_edits`` holds it;
* a new segment starts at 排查 and no edit outside the steps may change the status or the
  later steps' dates: :func:`check_segment_change` is the editor's guard for the layer and
  :func:`form_locks` tells the attribute forms what to fix and lock;
* :func:`status_target` says which segment a status command acts on (the one selected, or
  the user must choose among the selected or, with none selected, among all).

What the project's edit journal cannot hold is kept in ``project.settings["blackspots"]``
(saved with the project), owned here and read and written only through these functions:

* ``notes``: the reason or notes given with each status change, by journal transaction id
  (:func:`status_notes`, :func:`record_status_note`);
* ``listed_from``: what the screening said of a listed segment (:func:`listing_origin`,
  :func:`record_listing_origin`);
* ``before_after``: the radius and period of the before/after accident counts
  (:func:`before_after_settings`);
* ``screening``: the parameters of the last screening (:func:`screening_settings`,
  :func:`store_screening_settings`);
* ``administrators``: who may correct a status (:func:`administrators`).

The stored format is unchanged from earlier versions; a damaged entry (not a mapping) is
replaced by an empty one, as a damaged settings document is (:mod:`gisdesk.io.project_state`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
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
    from gisdesk.core.editing import FeatureChange
    from gisdesk.core.layer import Layer
    from gisdesk.core.project import Project

__all__ = [
    "DEFAULT_BEFORE_AFTER",
    "SEGMENTS",
    "SETTINGS_KEY",
    "STATUS_EN",
    "STEP_NEEDS",
    "BeforeAfter",
    "SegmentChoice",
    "StepNeeds",
    "Steps",
    "administrators",
    "allowed_steps",
    "before_after_settings",
    "blackspot_settings",
    "check_segment_change",
    "correction_changes",
    "correction_label",
    "form_locks",
    "listed_overlaps",
    "listing_attributes",
    "listing_origin",
    "record_listing_origin",
    "record_status_note",
    "screening_settings",
    "set_administrators",
    "status_changes",
    "status_label",
    "status_notes",
    "status_target",
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


class StepNeeds(NamedTuple):
    """What a step forward needs besides its date."""

    notes_zh: str
    """What its notes must say (the form's label and the refusal name it)."""
    notes_en: str
    fields: tuple[str, ...]
    """Segment fields that must hold a value once the segment reaches the status."""


STEP_NEEDS: dict[str, StepNeeds] = {
    "会商": StepNeeds(
        "会商纪要（参加单位、商定的整改措施）",
        "Minutes (who took part, the measures agreed)",
        ("measures", "responsible_unit"),
    ),
    "整改": StepNeeds(
        "整改完成情况（已落实的措施）", "What was done (measures carried out)", ("measures",)
    ),
    "验收": StepNeeds("验收意见（验收单位和结论）", "Acceptance (who accepted, the verdict)", ()),
    "销号": StepNeeds(
        "销号依据（批准文件或会议纪要）", "Grounds for closing (approval, minutes)", ()
    ),
}
"""What each step forward needs: its notes, and fields to fill (排查 is the listing itself)."""

_LATER_DATES = tuple(STATUS_DATES[s] for s in STATUSES[1:])
_FIELD_NAMES = {
    "measures": ("整改措施", "measures"),
    "responsible_unit": ("责任单位", "responsible unit"),
}


class SegmentChoice(NamedTuple):
    """The segment a status command acts on, or the segments the user must choose from."""

    fid: int | None
    """The one segment selected, else None."""
    choices: tuple[int, ...]
    """With several selected, those; with none, every segment (empty without segments)."""


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


def status_target(layer: Layer | None) -> SegmentChoice:
    """Which segment a status command acts on: the selected one, or those to choose from."""
    if layer is None or len(layer.data) == 0:
        return SegmentChoice(None, ())
    selected = tuple(layer.fid_at(int(r)) for r in sorted(layer.selection))
    if len(selected) == 1:
        return SegmentChoice(selected[0], ())
    if selected:
        return SegmentChoice(None, selected)
    return SegmentChoice(None, tuple(int(f) for f in layer.fids))


def _field_label(layer: Layer, name: str, language: str = "zh") -> str:
    if layer.schema is not None and name in layer.schema.field_index:
        spec = layer.schema.field_index[name]
        return spec.label_zh if language == "zh" else spec.label_en
    zh, en = _FIELD_NAMES.get(name, (name, name))
    return zh if language == "zh" else en


def _filled(value: object) -> bool:
    return plain_value(value, finite=False) not in (None, "") and not (
        isinstance(value, str) and not value.strip()
    )


def _check_day(on: dt.date, today: dt.date | None) -> None:
    today = today or dt.date.today()
    day = on.date() if isinstance(on, dt.datetime) else on
    if day > today:
        raise InputError(
            f"日期 {day.isoformat()} 晚于今天（{today.isoformat()}），只能登记已经发生的步骤。",
            f"The date {day.isoformat()} is after today ({today.isoformat()}); only steps "
            "that have happened can be recorded.",
        )


def status_changes(
    layer: Layer,
    fid: int,
    to: str,
    on: dt.date,
    reason: str | None,
    *,
    values: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Check one status step of a segment and return the values it changes.

    Parameters
    ----------
    layer
        The listed segments (:data:`SEGMENTS`).
    fid
        The segment's feature id.
    to, on, reason
        The new status, the step's date (not after ``today``) and the notes of the step
        (required for every step: :data:`STEP_NEEDS` forward, the reason going back).
    values
        Fields the step fills (``measures``, ``responsible_unit``), over the segment's own.
    today
        The day dates may not pass (default: the computer's date).

    Returns
    -------
    dict
        ``status``, each step date that changes (set, or None when going back clears it) and
        the given ``values`` that differ from the segment's.

    Raises
    ------
    InputError
        The step breaks a rule (skipping, no notes or reason, a missing field, a date before
        the previous step's or after today); the message says which, in Chinese and English.
    """
    row = layer.row_of(fid)
    current = layer.data["status"].iloc[row]
    notes = (reason or "").strip()
    if current in STATUSES and to == allowed_steps(str(current)).next:
        needs = STEP_NEEDS[to]
        if not notes:
            raise InputError(
                f"流转到“{to}”须填写{needs.notes_zh}。",
                f"Moving to {STATUS_EN[to]} needs notes: {needs.notes_en}.",
            )
        given = dict(values or {})
        missing = [
            name
            for name in needs.fields
            if not _filled(
                given.get(name, layer.data[name].iloc[row] if name in layer.data else None)
            )
        ]
        if missing:
            raise InputError(
                f"流转到“{to}”前须填写：{'、'.join(_field_label(layer, n) for n in missing)}。",
                f"Before moving to {STATUS_EN[to]}, fill in: "
                f"{', '.join(_field_label(layer, n, 'en') for n in missing)}.",
            )
    _check_day(on, today)
    out = _step_changes(layer, fid, to, on, notes or None)
    for name, value in (values or {}).items():
        before = layer.data[name].iloc[row] if name in layer.data else None
        if plain_value(before, finite=False) != plain_value(value, finite=False):
            out[name] = value
    return out


def _step_changes(
    layer: Layer, fid: int, to: str, on: dt.date, reason: str | None
) -> dict[str, Any]:
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


def correction_changes(
    layer: Layer,
    fid: int,
    to: str,
    on: dt.date,
    reason: str | None,
    *,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """An administrator's correction of a status, in any direction; the values it changes.

    The statuses after ``to`` lose their dates; ``to`` keeps its date, or gets ``on`` when it
    has none; earlier steps keep theirs. A reason is required (it goes into the journal).
    """
    if to not in STATUSES:
        raise InputError(
            f"状态应为 {'→'.join(STATUSES)} 之一，而不是“{to}”。",
            f"The status must be one of {', '.join(STATUS_EN.values())}, not '{to}'.",
        )
    row = layer.row_of(fid)
    current = str(layer.data["status"].iloc[row])
    if current == to:
        raise InputError(
            f"路段已是“{to}”，无需更正。", f"The segment is already at {STATUS_EN[to]}."
        )
    if not (reason or "").strip():
        raise InputError(
            "管理员更正状态必须说明原因（将记入编辑记录）。",
            "A status correction needs a reason (it is kept in the edit journal).",
        )
    _check_day(on, today)
    out: dict[str, Any] = {"status": to}
    later = STATUSES[STATUSES.index(to) + 1 :]
    for status in later:
        name = STATUS_DATES[status]
        if name in layer.data and _filled(layer.data[name].iloc[row]):
            out[name] = None
    own = STATUS_DATES[to]
    if own not in layer.data or not _filled(layer.data[own].iloc[row]):
        out[own] = dt.datetime(on.year, on.month, on.day)
    return out


def correction_label(sid: str, was: str, to: str, reason: str) -> tuple[str, str]:
    """The journal label of a correction: who sees the audit trail reads the reason there."""
    return (
        f"管理员更正整治状态 {sid}：{was}→{to}（原因：{reason.strip()}）",
        (
            f"Status corrected by an administrator {sid}: {STATUS_EN.get(was, was)} → "
            f"{STATUS_EN.get(to, to)} (reason: {reason.strip()})"
        ),
    )


def check_segment_change(change: FeatureChange) -> None:
    """The editor's guard of the segments: :class:`InputError` for a change outside the steps.

    A new segment starts at 排查 without later steps' dates; an edit of an existing one may
    not touch the status or the later dates (the status steps and corrections commit
    without this guard).
    """
    if change.layer != SEGMENTS or change.after is None:
        return
    if change.before is None:
        status = change.after.get("status")
        later = [n for n in _LATER_DATES if _filled(change.after.get(n))]
        if status not in (None, "", STATUSES[0]) or later:
            raise InputError(
                f"新挂牌路段的整治状态只能是“{STATUSES[0]}”，会商、整改、验收、销号须依次通过"
                "“整治状态流转…”登记。",
                f"A new segment starts at {STATUS_EN[STATUSES[0]]}; later steps are recorded "
                "one by one through 'Change segment status…'.",
            )
        return
    touched = [n for n in change.after if n == "status" or n in _LATER_DATES]
    if touched:
        raise InputError(
            "整治状态和会商、整改、验收、销号日期只能通过 分析 → 事故多发路段 → "
            "整治状态流转… 修改。",
            "The status and the later steps' dates change only through Analysis → Accident "
            "black spots → Change segment status….",
        )


def form_locks(layer_name: str, *, new: bool) -> tuple[dict[str, Any], tuple[str, ...]]:
    """What an attribute form fixes and locks for a layer: (values, read-only field names)."""
    if layer_name != SEGMENTS:
        return {}, ()
    locked = ("status", *_LATER_DATES)
    return ({"status": STATUSES[0]} if new else {}), locked


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


def administrators(project: Project) -> list[str]:
    """Who may correct a status in any direction (names as recorded with edits)."""
    found = blackspot_settings(project).get("administrators")
    return [str(n) for n in found if str(n).strip()] if isinstance(found, list) else []


def set_administrators(project: Project, names: Iterable[str], *, by: str) -> list[str]:
    """Set who may correct a status; only an administrator may, or anyone while none is set."""
    current = administrators(project)
    if current and by not in current:
        raise InputError(
            f"只有状态更正管理员（{'、'.join(current)}）可以修改管理员名单。",
            f"Only the administrators ({', '.join(current)}) may change the list.",
        )
    clean = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    blackspot_settings(project)["administrators"] = clean
    return clean


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
    correction: bool = False,
) -> None:
    """Keep what a status change said (its reason or notes) with its journal transaction."""
    note: dict[str, Any] = {
        "segment_id": segment_id,
        "from": was,
        "to": to,
        "on": on.isoformat(),
        "reason": reason or "",
        "by": by,
        "at": at,
    }
    if correction:
        note["correction"] = True
    status_notes(project)[str(txn_id)] = note


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
