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
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
)

from gisdesk.analysis.blackspots.lifecycle import STATUS_DATES, STATUSES
from gisdesk.analysis.blackspots.listing import (
    SEGMENTS,
    SETTINGS_KEY,
    STATUS_EN,
    STEP_NEEDS,
    administrators,
    allowed_steps,
    blackspot_settings,
    correction_changes,
    correction_label,
    listing_attributes,
    record_listing_origin,
    record_status_note,
    set_administrators,
    status_changes,
    status_label,
    status_target,
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
    "AdministratorsDialog",
    "SegmentChooser",
    "StatusDialog",
    "ask_status",
    "blackspot_settings",
    "change_status",
    "choose_segment",
    "list_candidate",
    "listing_values",
    "segment_frame",
    "segment_text",
    "status_text",
    "steps_text",
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
    window: WindowApi,
    fid: int,
    to: str,
    on: dt.date,
    reason: str | None = None,
    *,
    values: dict[str, Any] | None = None,
    correction: bool = False,
) -> EditTransaction | None:
    """Move a listed segment to another status through the editor; None when refused.

    The lifecycle rules are checked first (the user sees why a step is refused): one step
    on with the step's notes and fields (``values``), or back with a reason. With
    ``correction`` an administrator moves it to any status with a reason, which the journal
    entry's label keeps. The notes are also kept with the edit in the project settings.
    """
    project = window.project
    if project is None or SEGMENTS not in project:
        return None
    layer = project.layer(SEGMENTS)
    user = window.edits.user_name()
    try:
        current = row_values(layer, layer.row_of(fid))
        if correction:
            if user not in administrators(project):
                raise InputError(
                    f"“{user}”不是状态更正管理员，不能越级更正状态。",
                    f"'{user}' is not a status administrator and cannot correct statuses.",
                )
            changes = correction_changes(layer, fid, to, on, reason)
        else:
            changes = status_changes(layer, fid, to, on, reason, values=values)
    except GisdeskError as exc:
        window.report_error(tr("无法流转状态", "Cannot change the status"), exc.message(language()))
        return None
    sid, was = str(current.get("segment_id")), str(current.get("status"))
    label = (
        correction_label(sid, was, to, reason or "")
        if correction
        else (
            f"整治状态 {sid}：{was}→{to}",
            f"Status {sid}: {STATUS_EN.get(was, was)} → {STATUS_EN.get(to, to)}",
        )
    )
    txn = window.edits.update_feature(SEGMENTS, fid, changes, label=label, guarded=False)
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
        correction=correction,
    )
    store_blackspot_settings(window)
    return txn


def segment_text(layer: Layer, fid: int) -> str:
    """A segment as listed for choosing: its number, name and status."""
    values = row_values(layer, layer.row_of(fid))
    name = values.get("name") or ""
    return f"{values.get('segment_id')}  {name}  [{status_text(values.get('status'))}]"


def steps_text(values: dict[str, Any]) -> str:
    """The loop with the segment's place in it: 排查 2022-03-01 → 【会商】 → 整改 → …"""
    current = str(values.get("status"))
    parts = []
    for step in STATUSES:
        day = plain_value(values.get(STATUS_DATES[step]), finite=False)
        text = status_text(step)
        if isinstance(day, dt.date | dt.datetime):
            text += f" {day:%Y-%m-%d}"
        parts.append(f"【{text}】" if step == current else text)
    return " → ".join(parts)


class SegmentChooser(QDialog):
    """Ask which segment a status change is for (none is chosen until the user picks one)."""

    def __init__(self, window: WindowApi, fids: tuple[int, ...], *, selected: bool) -> None:
        super().__init__(window_widget(window))
        self.setObjectName("segment_chooser")
        self.setWindowTitle(tr("选择路段", "Choose a segment"))
        assert window.project is not None
        layer = window.project.layer(SEGMENTS)
        self.prompt = QLabel(
            tr(
                f"选中了 {len(fids)} 个路段，请选择要流转状态的一个：",
                f"{len(fids)} segments are selected; choose the one to change:",
            )
            if selected
            else tr(
                "没有选中路段。请选择要流转状态的路段（也可先在地图或属性表中选中一个）：",
                "No segment is selected. Choose one (or select one on the map or in the table "
                "first):",
            )
        )
        self.prompt.setWordWrap(True)
        self.segments = QListWidget()
        self.segments.setObjectName("segment_list")
        for fid in fids:
            item = QListWidgetItem(segment_text(layer, fid))
            item.setData(Qt.ItemDataRole.UserRole, fid)
            self.segments.addItem(item)
        self.segments.setCurrentRow(-1)
        self.segments.itemSelectionChanged.connect(self._chosen_changed)
        self.segments.itemDoubleClicked.connect(lambda _item: self.accept())
        self.buttons = ok_cancel_buttons(self, tr("下一步", "Next"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addWidget(self.segments, 1)
        layout.addWidget(self.buttons)
        self.resize(460, 360)
        self._chosen_changed()

    def chosen(self) -> int | None:
        """The segment picked, None while none is."""
        items = self.segments.selectedItems()
        return int(items[0].data(Qt.ItemDataRole.UserRole)) if items else None

    def choose(self, fid: int) -> None:
        """Pick a segment (as clicking it does)."""
        for row in range(self.segments.count()):
            if self.segments.item(row).data(Qt.ItemDataRole.UserRole) == fid:
                self.segments.setCurrentRow(row)

    def _chosen_changed(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setEnabled(self.chosen() is not None)

    def accept(self) -> None:
        """Close only with a segment chosen."""
        if self.chosen() is not None:
            super().accept()


def choose_segment(window: WindowApi) -> int | None:
    """The segment a status command acts on: the one selected, else the one the user picks.

    With several selected the user picks among them; with none, among all segments. None
    when there is none or the user cancels (the status bar says why).
    """
    project = window.project
    layer = project.layer(SEGMENTS) if project is not None and SEGMENTS in project else None
    target = status_target(layer)
    if target.fid is not None:
        return target.fid
    if not target.choices:
        window.status(tr("项目中没有挂牌路段。", "The project has no listed segments."))
        return None
    chooser = SegmentChooser(window, target.choices, selected=bool(layer and len(layer.selection)))
    fid = chooser.chosen() if chooser.exec() else None
    chooser.deleteLater()
    if fid is None:
        window.status(tr("未选择路段，状态未变。", "No segment chosen; nothing changed."))
    return fid


class StatusDialog(QDialog):
    """Move one segment a step on (or back, with a reason), with the date, notes and fields.

    A form over :func:`gisdesk.analysis.blackspots.listing.status_changes`: it offers the
    next status and the earlier ones, asks for what the chosen step needs (its notes, and
    for 会商/整改 the measures and the responsible unit) and shows a refusal beside the
    buttons. An administrator may tick 管理员更正 to set any status with a reason.
    """

    def __init__(self, window: WindowApi, fid: int) -> None:
        super().__init__(window_widget(window))
        self.setObjectName("status_dialog")
        self.window_ = window
        self.fid = fid
        project = window.project
        assert project is not None
        layer = project.layer(SEGMENTS)
        values = row_values(layer, layer.row_of(fid))
        self.values = values
        self.current = str(values.get("status"))
        sid = values.get("segment_id")
        self.setWindowTitle(plain_text.window_title(tr(f"整治状态流转 — {sid}", f"Status — {sid}")))
        self.target = QComboBox()
        self.target.setObjectName("target_status")
        self.target.currentIndexChanged.connect(self._target_changed)
        self.date = QDateEdit()
        self.date.setObjectName("status_date")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setDate(QDate.currentDate())
        self.fields: dict[str, QLineEdit] = {}
        for name in ("measures", "responsible_unit"):
            edit = QLineEdit(str(values.get(name) or ""))
            edit.setObjectName(f"status_{name}")
            self.fields[name] = edit
        self.notes_label = QLabel()
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("status_notes")
        self.notes.setFixedHeight(80)
        admins = administrators(project)
        self.is_admin = window.edits.user_name() in admins
        self.correction = QCheckBox(
            tr("管理员更正（可改为任意状态，须写明原因）", "Administrator correction (any status)")
        )
        self.correction.setObjectName("status_correction")
        self.correction.setEnabled(self.is_admin)
        self.correction.setToolTip(
            plain_text.auto_text(
                tr(f"状态更正管理员：{'、'.join(admins) or '未设置'}",
                   f"Administrators: {', '.join(admins) or 'none'}")
            )
        )  # fmt: skip
        self.correction.toggled.connect(self._fill_targets)
        self.error = plain_text.plain_label("")  # messages quote the data
        self.error.setObjectName("dialog_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b2182b;")
        self.form = QFormLayout(self)
        form = self.form
        form.addRow(
            tr("路段", "Segment"), plain_text.plain_label(f"{sid}  {values.get('name') or ''}")
        )
        self.steps = plain_text.plain_label(steps_text(values))
        self.steps.setObjectName("status_steps")
        form.addRow(tr("流程", "Steps"), self.steps)
        form.addRow(tr("流转到", "Move to"), self.target)
        form.addRow(tr("日期", "Date"), self.date)
        form.addRow(_label(layer, "measures"), self.fields["measures"])
        form.addRow(_label(layer, "responsible_unit"), self.fields["responsible_unit"])
        form.addRow(self.notes_label, self.notes)
        form.addRow(self.correction)
        form.addRow(self.error)
        form.addRow(ok_cancel_buttons(self, tr("确定", "OK")))
        self.transaction: EditTransaction | None = None
        self.resize(560, 0)
        self._fill_targets()
        # a refusal stands until the user changes what it was about
        self.date.dateChanged.connect(self._target_changed)
        self.notes.textChanged.connect(self._target_changed)
        for edit in self.fields.values():
            edit.textChanged.connect(self._target_changed)

    def _fill_targets(self) -> None:
        self.target.blockSignals(True)
        self.target.clear()
        if self.correction.isChecked():
            for status in STATUSES:
                if status != self.current:
                    self.target.addItem(
                        tr(f"更正为：{status}", f"Correct to: {STATUS_EN[status]}"), status
                    )
        else:
            steps = allowed_steps(self.current)
            if steps.next is not None:
                nxt = steps.next
                self.target.addItem(tr(f"下一步：{nxt}", f"Next: {STATUS_EN[nxt]}"), nxt)
            for back in steps.back:
                self.target.addItem(tr(f"退回：{back}", f"Back to: {STATUS_EN[back]}"), back)
        self.target.blockSignals(False)
        self._target_changed()

    def needs(self) -> tuple[str, ...]:
        """The fields the chosen step asks for."""
        to = self.target.currentData()
        if self.correction.isChecked() or to is None or to != allowed_steps(self.current).next:
            return ()
        return STEP_NEEDS[to].fields if to in STEP_NEEDS else ()

    def _target_changed(self, *_args: object) -> None:
        to = self.target.currentData()
        needs = self.needs()
        for name, edit in self.fields.items():
            self.form.setRowVisible(edit, name in needs)
        if self.correction.isChecked():
            label, hint = (
                tr("更正原因", "Reason"),
                tr(
                    "为什么更正（记入编辑记录，可在要素历史中查看）",
                    "Why the status is corrected (kept in the edit journal)",
                ),
            )
        elif to is not None and to == allowed_steps(self.current).next and to in STEP_NEEDS:
            need = STEP_NEEDS[to]
            label = tr(need.notes_zh.split("（")[0], need.notes_en.split(" (")[0])
            hint = tr(need.notes_zh, need.notes_en)
        else:
            label, hint = (
                tr("退回原因", "Reason"),
                tr("退回必须写明原因，如：验收未通过", "Going back needs a reason"),
            )
        self.notes_label.setText(label)
        self.notes.setPlaceholderText(hint)
        if self.target.count() == 0:
            self.error.setText(tr("该路段已销号，无后续步骤。", "The segment is closed."))
        else:
            self.error.setText("")

    def step_values(self) -> dict[str, Any]:
        """The fields the chosen step fills, as typed (empty as None)."""
        return {n: self.fields[n].text().strip() or None for n in self.needs()}

    def accept(self) -> None:
        """Check the step by the lifecycle rules, then commit it; stay open when refused."""
        to = self.target.currentData()
        if to is None:
            return
        on: dt.date = self.date.date().toPython()  # type: ignore[assignment]
        reason = self.notes.toPlainText().strip() or None
        project = self.window_.project
        assert project is not None
        layer = project.layer(SEGMENTS)
        correction = self.correction.isChecked()
        try:
            if correction:
                correction_changes(layer, self.fid, to, on, reason)
            else:
                status_changes(layer, self.fid, to, on, reason, values=self.step_values())
        except InputError as exc:
            self.error.setText(exc.message(language()))
            return
        self.transaction = change_status(
            self.window_,
            self.fid,
            to,
            on,
            reason,
            values=None if correction else self.step_values(),
            correction=correction,
        )
        if self.transaction is not None:
            super().accept()


def _label(layer: Layer, name: str) -> str:
    spec = layer.schema.field_index.get(name) if layer.schema else None
    return spec.label(language()) if spec is not None else name


def ask_status(window: WindowApi, fid: int | None = None) -> EditTransaction | None:
    """Change one segment's status: the one given, the selected one, or the one the user picks."""
    fid = fid if fid is not None else choose_segment(window)
    if fid is None:
        return None
    dialog = StatusDialog(window, fid)
    dialog.exec()
    txn = dialog.transaction
    dialog.deleteLater()
    return txn


class AdministratorsDialog(QDialog):
    """Who may correct a status in any direction (one name a line, as recorded with edits)."""

    def __init__(self, window: WindowApi) -> None:
        super().__init__(window_widget(window))
        self.setObjectName("administrators_dialog")
        self.setWindowTitle(tr("状态更正管理员", "Status administrators"))
        self.window_ = window
        assert window.project is not None
        user = window.edits.user_name()
        self.names = QPlainTextEdit("\n".join(administrators(window.project)))
        self.names.setObjectName("administrator_names")
        self.error = plain_text.plain_label("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b2182b;")
        intro = plain_text.plain_label(
            tr(
                "名单中的人可以把事故多发路段的整治状态更正为任意状态，原因记入编辑记录。"
                f"每行一个姓名（与 设置 → 编辑人员姓名 一致）。当前编辑人员：{user}",
                "People listed may correct a segment's status to any status; the reason is "
                f"kept in the edit journal. One name a line. You are: {user}",
            )
        )
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.names)
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel_buttons(self, tr("保存", "Save")))

    def accept(self) -> None:
        """Store the names (refused unless the user is one of the administrators)."""
        project = self.window_.project
        assert project is not None
        try:
            set_administrators(
                project, self.names.toPlainText().splitlines(), by=self.window_.edits.user_name()
            )
        except InputError as exc:
            self.error.setText(exc.message(language()))
            return
        store_blackspot_settings(self.window_)
        super().accept()
