"""A listed segment's file in the window: its steps, journal with notes, accidents before/after.

:class:`SegmentHistoryPanel` shows where a listed accident-prone segment is in the loop
(排查 → 会商 → 整改 → 验收 → 销号), the journaled edits of its row with the reasons given
(:func:`history_rows`), and the accident counts before listing and after rectification; it
opens the status dialog of :mod:`gisdesk.ui.blackspots_lifecycle`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gisdesk.analysis.blackspots.lifecycle import STATUS_DATES, STATUSES, before_after_counts
from gisdesk.analysis.blackspots.listing import (
    SEGMENTS,
    STATUS_EN,
    before_after_settings,
    listing_origin,
    status_notes,
)
from gisdesk.core.editing import GEOMETRY, EditTransaction, FeatureChange, row_values
from gisdesk.core.errors import GisdeskError
from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.core.values import plain_value
from gisdesk.tasks.blackspots import last_screening
from gisdesk.ui import plain_text
from gisdesk.ui.blackspots_lifecycle import (
    StatusDialog,
    segment_frame,
    status_text,
)
from gisdesk.ui.feature_history import local_time
from gisdesk.ui.i18n import language, tr
from gisdesk.ui.import_dialog import cell_text, frame_table
from gisdesk.ui.window_api import window_widget

if TYPE_CHECKING:
    from gisdesk.ui.window_api import WindowApi

__all__ = ["SegmentHistoryPanel", "history_rows"]

_STEP_COLOURS = ("#67001f", "#d6604d", "#f4a582", "#92c5de", "#4393c3")


# --- history -------------------------------------------------------------------------------


def history_rows(window: WindowApi, fid: int) -> pd.DataFrame:
    """One row per field a journaled edit changed on the segment, with the notes given."""
    project, editor = window.project, window.edits.editor
    columns = ["at", "user", "action", "field", "before", "after", "notes", "txn"]
    if project is None or editor is None or SEGMENTS not in project:
        return pd.DataFrame(columns=columns)
    layer = project.layer(SEGMENTS)
    notes = status_notes(project)
    specs = layer.schema.field_index if layer.schema is not None else {}
    rows = []
    for txn, change in editor.history_of(SEGMENTS, fid):
        note = notes.get(str(txn.id), {})
        text = note.get("reason", "") if txn.action == "edit" else ""

        def label(name: str) -> str:
            spec = specs.get(name)
            return spec.label(language()) if spec is not None else name

        def show(value: object) -> str:
            value = plain_value(value, finite=False)
            if isinstance(value, dt.datetime) and value == dt.datetime(
                value.year, value.month, value.day
            ):
                return value.strftime("%Y-%m-%d")
            if isinstance(value, str) and value in STATUS_EN:
                return status_text(value)
            return cell_text(value)

        base = {"at": txn.at, "user": txn.user, "action": txn.label(language()), "txn": txn.id}
        if change.op == "insert":
            after = change.after or {}
            rows.append(
                {**base, "field": label("status"), "before": "", "after": show(after.get("status")),
                 "notes": text or tr("挂牌", "listed")}
            )  # fmt: skip
            continue
        if change.op == "delete":
            rows.append({**base, "field": "", "before": "", "after": tr("已删除", "deleted"),
                         "notes": text})  # fmt: skip
            continue
        before = change.before or {}
        for name, value in (change.after or {}).items():
            if name == GEOMETRY:
                continue
            rows.append(
                {**base, "field": label(name), "before": show(before.get(name)),
                 "after": show(value), "notes": text}
            )  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


class SegmentHistoryPanel(QWidget):
    """A listed segment's file: where it is in the loop, its journal, accidents before/after."""

    def __init__(self, window: WindowApi) -> None:
        super().__init__(window_widget(window))
        self.setObjectName("segment_history_panel")
        self.window_ = window
        self._project: Project | None = None
        self._unsubscribe: list[Callable[[], None]] = []
        self.segment = QComboBox()
        self.segment.setObjectName("segment_choice")
        self.segment.currentIndexChanged.connect(lambda _i: self.refresh_details())
        self.steps: list[QLabel] = []
        steps_row = QHBoxLayout()
        for i, status in enumerate(STATUSES):
            label = QLabel("")
            label.setObjectName(f"step_{i}")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setFrameShape(QFrame.Shape.StyledPanel)
            label.setMinimumWidth(70)
            self.steps.append(label)
            steps_row.addWidget(label)
            if i + 1 < len(STATUSES):
                steps_row.addWidget(QLabel("→"))
            label.setToolTip(status_text(status))
        self.info = plain_text.plain_label("")  # the segment's values
        self.info.setObjectName("segment_info")
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.counts = plain_text.plain_label("")
        self.counts.setObjectName("before_after")
        self.counts.setWordWrap(True)
        lines = self.counts.fontMetrics().lineSpacing()
        self.counts.setMinimumHeight(3 * lines)
        self.info.setMinimumHeight(5 * lines)
        counts_box = QGroupBox(tr("整治前后事故", "Accidents before and after"))
        QVBoxLayout(counts_box).addWidget(self.counts)
        self.model, self.view = frame_table(self, "history_table")
        self.status_button = QPushButton(tr("状态流转…", "Change status…"))
        self.status_button.setObjectName("change_status")
        self.status_button.clicked.connect(self.ask_status)
        self.edit_button = QPushButton(tr("编辑属性…", "Edit attributes…"))
        self.edit_button.clicked.connect(self.ask_edit)
        self.zoom_button = QPushButton(tr("缩放到", "Zoom to"))
        self.zoom_button.clicked.connect(self.zoom)
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("路段", "Segment")))
        top.addWidget(self.segment, 1)
        buttons = QHBoxLayout()
        for b in (self.status_button, self.edit_button, self.zoom_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(steps_row)
        layout.addWidget(self.info)
        layout.addWidget(counts_box)
        layout.addWidget(
            QLabel(tr("变更记录（项目文件中的编辑日志）", "Changes (the project's edit journal)"))
        )
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        window.edits.edited.connect(self._edited)
        self.destroyed.connect(lambda *_: self._unsubscribe_all())
        self.refresh()

    # --- wiring ------------------------------------------------------------------------

    def _unsubscribe_all(self) -> None:
        for off in self._unsubscribe:
            off()
        self._unsubscribe = []

    def detach(self) -> None:
        """Stop following the window (its teardown)."""
        self._unsubscribe_all()
        with contextlib.suppress(RuntimeError, TypeError):  # already disconnected
            self.window_.edits.edited.disconnect(self._edited)

    def _edited(self, txn: object) -> None:
        changes: tuple[FeatureChange, ...] = getattr(txn, "changes", ())
        if any(c.layer == SEGMENTS for c in changes):
            self.refresh()

    def _layer_changed(self, layer: Layer, reason: str) -> None:
        if layer.name != SEGMENTS:
            return
        if reason == "selection" and len(layer.selection) == 1:
            self.show_segment(layer.fid_at(int(layer.selection[0])))
        elif reason == "data" and not self.window_.edits.applying:
            self.refresh()

    def _follow(self, project: Project | None) -> None:
        if project is self._project:
            return
        self._unsubscribe_all()
        self._project = project
        if project is not None:
            self._unsubscribe.append(project.layer_changed.connect(self._layer_changed))
            self._unsubscribe.append(project.layers_changed.connect(lambda *_: self.refresh()))

    # --- content -----------------------------------------------------------------------

    def current_fid(self) -> int | None:
        """The segment shown."""
        data = self.segment.currentData()
        return int(data) if data is not None else None

    def show_segment(self, fid: int) -> None:
        """Show one segment's file."""
        self.refresh()
        index = self.segment.findData(fid)
        if index >= 0:
            self.segment.setCurrentIndex(index)

    def refresh(self) -> None:
        """Re-list the segments (keeping the one shown) and redraw its file."""
        project = self.window_.project
        self._follow(project)
        keep = self.current_fid()
        self.segment.blockSignals(True)
        self.segment.clear()
        if project is not None and SEGMENTS in project:
            layer = project.layer(SEGMENTS)
            data = layer.data
            for row in range(len(data)):
                sid = cell_text(data["segment_id"].iloc[row]) if "segment_id" in data else ""
                name = cell_text(data["name"].iloc[row]) if "name" in data else ""
                status = status_text(data["status"].iloc[row]) if "status" in data else ""
                self.segment.addItem(f"{sid}  {name}  [{status}]", layer.fid_at(row))
        index = self.segment.findData(keep) if keep is not None else -1
        self.segment.setCurrentIndex(index if index >= 0 else (0 if self.segment.count() else -1))
        self.segment.blockSignals(False)
        self.refresh_details()

    def refresh_details(self) -> None:
        """Redraw the steps, details, before/after counts and journal of the segment shown."""
        project, fid = self.window_.project, self.current_fid()
        enabled = project is not None and fid is not None and SEGMENTS in project
        for b in (self.status_button, self.edit_button, self.zoom_button):
            b.setEnabled(enabled)
        if not enabled:
            for label in self.steps:
                label.setText("")
            self.info.setText(tr("项目中没有挂牌路段。", "No listed segments in the project."))
            self.counts.setText("")
            self.model.set_frame(pd.DataFrame())
            return
        assert project is not None and fid is not None
        layer = project.layer(SEGMENTS)
        values = row_values(layer, layer.row_of(fid))
        status = str(values.get("status"))
        here = STATUSES.index(status) if status in STATUSES else -1
        for i, (step, label) in enumerate(zip(STATUSES, self.steps, strict=True)):
            when = plain_value(values.get(STATUS_DATES[step]), finite=False)
            day = when.strftime("%Y-%m-%d") if isinstance(when, dt.date | dt.datetime) else "—"
            label.setText(f"{status_text(step)}\n{day}")
            colour = _STEP_COLOURS[i]
            if i == here:
                label.setStyleSheet(
                    f"background:{colour}; color:white; font-weight:bold; padding:3px;"
                )
            elif i < here:
                label.setStyleSheet(f"color:{colour}; padding:3px;")
            else:
                label.setStyleSheet("color:#999; padding:3px;")
        origin = listing_origin(project, values.get("segment_id"))
        where = (
            f"{values.get('road') or ''} K{_km(values.get('from_km'))}–K{_km(values.get('to_km'))}"
        )
        town, level = values.get("town") or "", values.get("listed_level") or ""
        lines = [
            tr(f"{where}，{town}，{level}挂牌", f"{where}, {town}, listed at {level} level"),
            tr("隐患：", "Hazard: ") + str(values.get("hazard") or "—"),
            tr("措施：", "Measures: ") + str(values.get("measures") or "—"),
            tr("责任单位：", "Responsible: ") + str(values.get("responsible_unit") or "—"),
        ]
        if origin:
            lines.append(
                tr(
                    f"挂牌依据：{origin.get('candidate_id', '')} 筛查（窗口 "
                    f"{_num(origin.get('window_m'))} 米）事故 {origin.get('count', '?')} 起、"
                    f"死亡 {origin.get('deaths', '?')} 人、当量 {_num(origin.get('equivalent'))}",
                    f"Listed from screening {origin.get('candidate_id', '')} (window "
                    f"{_num(origin.get('window_m'))} m): {origin.get('count', '?')} accidents, "
                    f"{origin.get('deaths', '?')} deaths, "
                    f"equivalent {_num(origin.get('equivalent'))}",
                )
            )
        self.info.setText("\n".join(lines))
        self.counts.setText(self.before_after_text(project, layer, fid))
        rows = history_rows(self.window_, fid)
        if rows.empty:
            rows = pd.DataFrame(
                [
                    {
                        "at": "",
                        "user": "",
                        "action": "",
                        "field": "",
                        "before": "",
                        "after": "",
                        "notes": tr(
                            "编辑日志中尚无此路段的变更；已有步骤的日期见上方流程。",
                            "No change of this segment in the edit journal yet; the dates "
                            "of its steps are shown above.",
                        ),
                    }
                ]
            )
        frame = pd.DataFrame(
            {
                "at": [local_time(a)[:16] for a in rows["at"]],
                "user": rows["user"],
                "action": rows["action"],
                "field": rows["field"],
                "before": rows["before"],
                "after": rows["after"],
                "notes": rows["notes"],
            }
        )
        headers = [
            tr("时间", "When"),
            tr("操作人", "Who"),
            tr("操作", "Action"),
            tr("字段", "Field"),
            tr("变更前", "Before"),
            tr("变更后", "After"),
            tr("说明", "Notes"),
        ]
        undo = {
            i: QColor("#f0f0f0") for i, a in enumerate(rows["action"]) if "撤销" in a or "Undo" in a
        }
        self.model.set_frame(frame, headers, undo)
        self.view.resizeColumnsToContents()
        self.view.horizontalHeader().setStretchLastSection(True)

    def before_after(self, project: Project, layer: Layer, fid: int) -> pd.Series | None:
        """The before/after counts of the segment (None without an accidents layer)."""
        screened = last_screening(project)
        name = screened.accidents if screened is not None else None
        name = name if name in project else ("accidents" if "accidents" in project else None)
        if name is None:
            return None
        params = before_after_settings(project)
        table = before_after_counts(
            segment_frame(layer, fid),
            project.layer(name).data,
            radius_m=params.radius_m,
            period_days=params.period_days,
        )
        return table.iloc[0]

    def before_after_text(self, project: Project, layer: Layer, fid: int) -> str:
        """The before/after counts as a sentence."""
        try:
            row = self.before_after(project, layer, fid)
        except GisdeskError as exc:
            return exc.message(language())
        if row is None:
            return tr("项目中没有事故图层。", "No accidents layer in the project.")
        radius = before_after_settings(project).radius_m
        before = tr(
            f"挂牌前一年（{_day(row['before_from'])} 至 {_day(row['before_to'])}）："
            f"{row['before']} 起，死亡 {row['before_deaths']} 人。",
            f"Year before listing ({_day(row['before_from'])} to {_day(row['before_to'])}): "
            f"{row['before']} accidents, {row['before_deaths']} deaths.",
        )
        if pd.isna(row["after_from"]):
            after = tr("尚未整改完成，无整改后数据。", "Not rectified yet: no after period.")
        elif pd.isna(row["after_days"]):
            after = tr(
                f"整改完成于 {_day(row['after_from'])}，事故数据截至 {_day(row['after_to'])}，"
                "尚无整改后的数据。",
                f"Rectified on {_day(row['after_from'])}; the accident data end on "
                f"{_day(row['after_to'])}: no after period yet.",
            )
        else:
            change = (
                tr(
                    f"，较整治前 {row['change_pct']:+.0f}%",
                    f", {row['change_pct']:+.0f}% on before",
                )
                if pd.notna(row["change_pct"])
                else ""
            )
            after = tr(
                f"整改后（{_day(row['after_from'])} 至 {_day(row['after_to'])}，"
                f"{int(row['after_days'])} 天）：{row['after']} 起，死亡 {row['after_deaths']} 人，"
                f"折合每年 {row['after_per_year']:.1f} 起{change}。",
                f"After rectification ({_day(row['after_from'])} to {_day(row['after_to'])}, "
                f"{int(row['after_days'])} days): {row['after']} accidents, "
                f"{row['after_deaths']} deaths, {row['after_per_year']:.1f} a year{change}.",
            )
        scope = tr(f"（路段 {radius:g} 米以内）", f" (within {radius:g} m)")
        return f"{before}\n{after}{scope}"

    # --- actions -----------------------------------------------------------------------

    def ask_status(self) -> EditTransaction | None:
        """Open the status dialog on the segment shown."""
        fid = self.current_fid()
        if fid is None:
            return None
        dialog = StatusDialog(self.window_, fid)
        dialog.exec()
        txn = dialog.transaction
        dialog.deleteLater()
        return txn

    def ask_edit(self) -> None:
        """Edit the segment's descriptive fields in the attribute form."""
        fid = self.current_fid()
        if fid is None:
            return
        from gisdesk.ui.feature_form import edit_feature_attributes

        edit_feature_attributes(self.window_, SEGMENTS, fid)

    def zoom(self) -> None:
        """Select the segment and show it on the map."""
        project, fid = self.window_.project, self.current_fid()
        if project is None or fid is None or SEGMENTS not in project:
            return
        layer = project.layer(SEGMENTS)
        layer.set_selection([layer.row_of(fid)])
        self.window_.canvas.zoom_to_selection(SEGMENTS)


def _km(value: object) -> str:
    try:
        km = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "?"
    whole = int(np.floor(km + 1e-9))
    return f"{whole}+{round((km - whole) * 1000):03d}"


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) else "?"


def _day(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")
