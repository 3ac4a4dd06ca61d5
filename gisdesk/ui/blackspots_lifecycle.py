"""Listing accident-prone segments (挂牌) and following them to rectification, in the window.

Every change of a segment goes through the window's editor (``window.edits``), so it is
validated against the ``accident_segments`` schema, written to the project file at once and
journaled: the journal is the segment's history (who, when, before, after). What the
journal cannot hold lives in the project settings under ``"blackspots"`` and is written
into the project file together with the edit:

* ``notes``: the reason or notes given with each status change, by journal transaction id;
* ``listed_from``: the screening a listed segment came from (candidate, counts, window);
* ``before_after``: the radius and period of the before/after accident counts.

The lifecycle rules (one step at a time, dates not going backwards, a reason to go back),
the steps offered and the settings entry are those of
:mod:`gisdesk.analysis.blackspots.listing` (Qt-free); this module holds the widgets and
writes through the window's editor. The segment file (steps, journal, accidents before and
after) is :mod:`gisdesk.ui.blackspots_history`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
)

from gisdesk.analysis.blackspots.lifecycle import STATUS_DATES, STATUSES
from gisdesk.analysis.blackspots.listing import (
    SEGMENTS,
    SETTINGS_KEY,
    STATUS_EN,
    allowed_steps,
    blackspot_settings,
    listing_attributes,
    record_listing_origin,
    record_status_note,
    status_changes,
    status_label,
)
from gisdesk.core.editing import GEOMETRY, EditTransaction, row_values
from gisdesk.core.errors import GisdeskError, InputError
from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.core.values import plain_value
from gisdesk.ui import plain_text
from gisdesk.ui.form_widgets import ok_cancel_buttons
from gisdesk.ui.i18n import language, tr
from gisdesk.ui.window_api import window_widget

if TYPE_CHECKING:
    from gisdesk.ui.window_api import WindowApi

__all__ = [
    "SEGMENTS",
    "SETTINGS_KEY",
    "STATUS_EN",
    "StatusDialog",
    "blackspot_settings",
    "change_status",
    "list_candidate",
    "listing_values",
    "segment_frame",
    "status_text",
    "store_blackspot_settings",
]

_READ_ONLY = ("segment_id", "road", "from_km", "to_km", "status", *list(STATUS_DATES.values())[1:])


def status_text(status: object) -> str:
    return status_label(status, language())


# --- settings kept in the project ----------------------------------------------------------


def store_blackspot_settings(window: WindowApi) -> None:
    """Write the black-spot settings into the project file now (or mark them unsaved)."""
    project = window.project
    if project is None:
        return
    entry = blackspot_settings(project)
    store = window.edits.store
    if store is not None:
        try:
            store.update_setting(SETTINGS_KEY, entry)
        except GisdeskError as exc:
            window.report_error(tr("保存失败", "Not saved"), exc.message(language()))
            window.session.mark_modified()
            return
        if not window.session.edits_saved():
            window.session.mark_modified()
    else:
        window.session.mark_modified()
    window.session.settings_changed.emit(SETTINGS_KEY)


# --- listing -----------------------------------------------------------------------------


def _segments_layer(project: Project) -> Layer:
    if SEGMENTS not in project:
        from gisdesk.io.schemas import load_schemas
        from gisdesk.io.styles import load_styles

        schema = load_schemas()[SEGMENTS]
        columns = {f.name: pd.Series(dtype=object) for f in schema.fields}
        empty = gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries([], crs=4490), crs=4490)
        project.add_layer(
            Layer(
                SEGMENTS,
                empty,
                schema=schema,
                style=load_styles().get(schema.style),
                title=schema.title_zh if language() == "zh" else schema.title_en,
            )
        )
    return project.layer(SEGMENTS)


def listing_values(
    project: Project,
    candidate: gpd.GeoDataFrame,
    *,
    level: str = "区级",
    listed_date: dt.date | None = None,
    by: str = "",
) -> dict[str, Any]:
    """The attributes a candidate gets when listed (numbered after the existing segments)."""
    return listing_attributes(
        _segments_layer(project).data,
        candidate,
        level=level,
        listed_date=listed_date or dt.date.today(),
        by=by,
    )


def list_candidate(
    window: WindowApi,
    candidate: gpd.GeoDataFrame,
    values: dict[str, Any] | None = None,
    *,
    origin: dict[str, Any] | None = None,
    ask: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None,
) -> int | None:
    """List one screening candidate as an accident-prone segment through the editor.

    Parameters
    ----------
    window
        The main window (its editor makes the change durable and undoable).
    candidate
        One row of the screening candidates (EPSG:4490).
    values
        Attributes to give (merged over the defaults); without them the attribute form
        asks the user, starting from the defaults.
    origin
        What the screening said of the candidate, kept in the project settings.
    ask
        Replaces the form (tests, scripts): gets the defaults, returns values or None.

    Returns
    -------
    int or None
        The new feature's id; None when cancelled or refused (the user was told why).
    """
    project = window.project
    if project is None or len(candidate) != 1:
        return None
    try:
        layer = _segments_layer(project)
        defaults = listing_values(project, candidate, by=window.edits.user_name())
    except GisdeskError as exc:
        window.report_error(tr("无法挂牌", "Cannot list"), exc.message(language()))
        return None
    if values is None:
        if ask is None:
            from gisdesk.ui.feature_form import new_feature_values

            def ask(initial: dict[str, Any]) -> dict[str, Any] | None:
                return new_feature_values(window, layer, initial, read_only=_READ_ONLY)

        chosen = ask(defaults)
        if chosen is None:
            return None
        values = {**defaults, **chosen}
    else:
        values = {**defaults, **values}
    values.pop(GEOMETRY, None)
    values["status"] = STATUSES[0]  # a new listing starts the loop, whatever was typed
    sid = str(values["segment_id"])
    geometry = candidate.to_crs(layer.data.crs or 4490).geometry.iloc[0]
    fid = window.edits.add_feature(
        SEGMENTS,
        geometry,
        values,
        label=(f"挂牌 {sid}（{values.get('name', '')}）", f"List {sid} ({values.get('name', '')})"),
    )
    if fid is None:
        return None
    record_listing_origin(
        project,
        sid,
        origin,
        by=window.edits.user_name(),
        at=dt.datetime.now().isoformat(timespec="seconds"),
    )
    store_blackspot_settings(window)
    return fid


# --- status changes ------------------------------------------------------------------------


def segment_frame(layer: Layer, fid: int) -> gpd.GeoDataFrame:
    row = layer.row_of(fid)
    return gpd.GeoDataFrame(layer.data.iloc[[row]].reset_index(drop=True), crs=layer.data.crs)


def change_status(
    window: WindowApi, fid: int, to: str, on: dt.date, reason: str | None = None
) -> EditTransaction | None:
    """Move a listed segment to another status through the editor; None when refused.

    The lifecycle rules are checked first (the user sees why a step is refused); the
    reason is kept with the edit in the project settings.
    """
    project = window.project
    if project is None or SEGMENTS not in project:
        return None
    layer = project.layer(SEGMENTS)
    try:
        current = row_values(layer, layer.row_of(fid))
        changes = status_changes(layer, fid, to, on, reason)
    except GisdeskError as exc:
        window.report_error(tr("无法流转状态", "Cannot change the status"), exc.message(language()))
        return None
    sid, was = str(current.get("segment_id")), str(current.get("status"))
    txn = window.edits.update_feature(
        SEGMENTS,
        fid,
        changes,
        label=(
            f"整治状态 {sid}：{was}→{to}",
            f"Status {sid}: {STATUS_EN.get(was, was)} → {STATUS_EN.get(to, to)}",
        ),
    )
    if txn is None:
        return None
    record_status_note(
        project,
        txn.id,
        segment_id=sid,
        was=was,
        to=to,
        on=on,
        reason=reason,
        by=txn.user,
        at=txn.at,
    )
    store_blackspot_settings(window)
    return txn


class StatusDialog(QDialog):
    """Move a segment one step on (or back, with a reason), with the date and notes."""

    def __init__(self, window: WindowApi, fid: int) -> None:
        super().__init__(window_widget(window))
        self.setObjectName("status_dialog")
        self.window_ = window
        self.fid = fid
        assert window.project is not None
        layer = window.project.layer(SEGMENTS)
        values = row_values(layer, layer.row_of(fid))
        self.current = str(values.get("status"))
        sid = values.get("segment_id")
        self.setWindowTitle(plain_text.window_title(tr(f"整治状态流转 — {sid}", f"Status — {sid}")))
        here = STATUSES.index(self.current) if self.current in STATUSES else 0
        steps = allowed_steps(self.current)
        self.target = QComboBox()
        self.target.setObjectName("target_status")
        if steps.next is not None:
            nxt = steps.next
            self.target.addItem(tr(f"下一步：{nxt}", f"Next: {STATUS_EN[nxt]}"), nxt)
        for back in steps.back:
            self.target.addItem(tr(f"退回：{back}", f"Back to: {STATUS_EN[back]}"), back)
        last_date = None
        for step in reversed(STATUSES[: here + 1]):
            last_date = plain_value(values.get(STATUS_DATES[step]), finite=False)
            if last_date is not None:
                break
        self.date = QDateEdit()
        self.date.setObjectName("status_date")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setDate(QDate.currentDate())
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("status_notes")
        self.notes.setPlaceholderText(
            tr("会商纪要、整改措施落实情况、验收意见；退回时必须写明原因。",
               "Minutes, measures taken, acceptance remarks; a reason is required to go back.")
        )  # fmt: skip
        self.notes.setFixedHeight(90)
        self.error = plain_text.plain_label("")  # messages quote the data
        self.error.setObjectName("dialog_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b2182b;")
        form = QFormLayout(self)
        form.addRow(
            tr("路段", "Segment"), plain_text.plain_label(f"{sid}  {values.get('name') or ''}")
        )
        last = f"（{last_date:%Y-%m-%d}）" if isinstance(last_date, dt.date | dt.datetime) else ""
        form.addRow(tr("当前状态", "Current status"), QLabel(status_text(self.current) + last))
        form.addRow(tr("流转到", "Move to"), self.target)
        form.addRow(tr("日期", "Date"), self.date)
        form.addRow(tr("说明", "Notes"), self.notes)
        form.addRow(self.error)
        form.addRow(ok_cancel_buttons(self, tr("确定", "OK")))
        self.transaction: EditTransaction | None = None
        if self.target.count() == 0:
            self.error.setText(tr("该路段已销号，无后续步骤。", "The segment is closed."))

    def accept(self) -> None:
        """Check the step by the lifecycle rules, then commit it; stay open when refused."""
        to = self.target.currentData()
        if to is None:
            return
        on: dt.date = self.date.date().toPython()  # type: ignore[assignment]
        reason = self.notes.toPlainText().strip() or None
        project = self.window_.project
        assert project is not None
        try:
            status_changes(project.layer(SEGMENTS), self.fid, to, on, reason)
        except InputError as exc:
            self.error.setText(exc.message(language()))
            return
        self.transaction = change_status(self.window_, self.fid, to, on, reason)
        if self.transaction is not None:
            super().accept()
