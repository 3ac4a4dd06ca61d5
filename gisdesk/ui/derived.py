"""Derived results follow their sources: zones, service areas and target statuses after edits.

Every analysis run from the window is recorded in the project by
:mod:`gisdesk.tasks.derived` (kind, source layers, options and the result layers it made). When an
accepted edit (or its undo/redo) changes a source layer, the result layers are marked stale
(the layer tree shows “（待更新）”) and, with 设置 → 派生结果自动更新 on (the default),
recomputed in a worker thread, never blocking further edits; with it off they wait for
分析 → 更新派生结果. Refreshing replaces the result layers' data (their names, styles and
places in the tree stay). Plan targets shown on the dashboard are re-evaluated the same way
when a layer they read is edited.

Station key zones are kept per station (:func:`gisdesk.tasks.derived.refresh_zones`): when
stations are added, moved or deleted only those stations' zones and members are computed
again, so the zone layers and member counts follow a station placement at once. Plan targets
are re-evaluated through the targets task, as the dashboard's 评估 button does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from gisdesk.core.editing import EditTransaction
from gisdesk.core.errors import GisdeskError
from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.tasks import TASKS, ProjectSource, Request, request_from_record, run_request
from gisdesk.tasks.derived import (
    derived_records,
    member_totals,
    record_key,
    records_reading,
    refresh_zones,
    remember_run,
)
from gisdesk.tasks.zones import ZonesRequest, zones_summary
from gisdesk.ui.actions import ActionSpec
from gisdesk.ui.analysis_dialogs import AnalysisResult
from gisdesk.ui.i18n import settings, tr
from gisdesk.ui.window_api import window_widget
from gisdesk.ui.workers import Task, run_task

if TYPE_CHECKING:
    from gisdesk.tasks.derived import StationPart
    from gisdesk.ui.window_api import WindowApi

__all__ = ["AUTO_SETTING", "DerivedResults", "install_derived"]

AUTO_SETTING = "derived/auto_refresh"  # per user: refresh in the background (default on)
DEBOUNCE_MS = 150  # a burst of edits refreshes once


def _title(kind: str, lang: str | None = None) -> str:
    """The title of an analysis kind (from the task registry)."""
    spec = TASKS.get(kind)
    return spec.title(lang) if spec is not None else kind


def install_derived(window: WindowApi) -> DerivedResults:
    """Create the window's derived-results manager with its menu entries."""
    return DerivedResults(window)


@dataclass
class _Job:
    """What a refresh of one record works from (taken in the GUI thread)."""

    key: str
    record: dict[str, Any]
    version: int
    changed_fids: set[int] | None  # stations to recompute; None = everything
    inputs: dict[str, Layer] = field(default_factory=dict)
    request: Request | None = None  # the record's request, read when the refresh starts


class DerivedResults(QObject):
    """Marks result layers stale after edits of their sources and refreshes them."""

    refreshed = Signal(str)  # the record key (names of its result layers) after a refresh
    targets_refreshed = Signal()

    def __init__(self, window: WindowApi) -> None:
        super().__init__(window_widget(window))
        self.window = window
        self.auto = str(settings().value(AUTO_SETTING, "true")).lower() != "false"
        self._project: Project | None = None
        self._versions: dict[str, int] = {}
        self._changed_fids: dict[str, set[int] | None] = {}
        self._parts: dict[str, dict[int, StationPart]] = {}  # zones kept per station (fid)
        self._running: dict[str, Task] = {}
        self._targets_task: Task | None = None
        self._targets_version = 0
        self.targets_stale = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh)
        window.edits.edited.connect(self._edited)
        window.session.project_changed.connect(lambda _project: self._follow())
        registry = window.registry
        registry.add(
            ActionSpec(
                "refresh_derived",
                "更新派生结果",
                "Refresh derived results",
                "analysis",
                self.refresh,
                "Ctrl+Shift+R",
                tip_zh="重新计算源图层已修改的分析结果（重点区域、服务圈、目标评估）",
                tip_en="Recompute the results whose source layers were edited",
            )
        )
        auto = registry.add(
            ActionSpec(
                "derived_auto",
                "派生结果自动更新",
                "Refresh derived results automatically",
                "settings",
                lambda: self.set_auto(registry["derived_auto"].isChecked()),
                checkable=True,
                tip_zh="编辑源图层后在后台自动更新分析结果；关闭后需手动“更新派生结果”",
                tip_en="Recompute results in the background after their sources are edited",
            )
        )
        auto.setChecked(self.auto)

    # --- records ----------------------------------------------------------------------

    def _follow(self) -> Project | None:
        """The window's project; forget what belonged to a previous one."""
        project = self.window.project
        if project is not self._project:
            self._project = project
            self._versions.clear()
            self._changed_fids.clear()
            self._parts.clear()
            self._running.clear()
            self._targets_task = None
            self.targets_stale = False
        return project

    def records(self) -> list[dict[str, Any]]:
        """The recorded analyses whose result layers are all still in the project."""
        project = self._follow()
        return [] if project is None else derived_records(project)

    key = staticmethod(record_key)

    def record(self, request: Request, result: AnalysisResult) -> None:
        """Remember which layers and options made an analysis's result layers."""
        project = self._follow()
        if project is None or not result.layers:
            return
        entry = remember_run(project, request, [layer.name for layer in result.layers])
        key = self.key(entry)
        self._versions[key] = 0
        self._changed_fids.pop(key, None)
        self._parts.pop(key, None)

    def stale_layers(self) -> list[str]:
        """Names of the result layers waiting for a refresh."""
        project = self._follow()
        if project is None:
            return []
        return [layer.name for layer in project if layer.metadata.stale]

    # --- edits ------------------------------------------------------------------------

    def _edited(self, txn: EditTransaction) -> None:
        project = self._follow()
        if project is None:
            return
        changed = txn.layers
        marked = records_reading(project, changed)
        for record in marked:
            key = self.key(record)
            self._versions[key] = self._versions.get(key, 0) + 1
            self._note_changes(key, record, txn)
            for name in record["outputs"]:
                self._set_stale(project.layer(name), True)
        evaluation = self.window.dashboard.evaluation
        if evaluation is not None and changed & set(evaluation.layers.values()):
            self._targets_version += 1
            self.targets_stale = True
            self.window.dashboard.summary.setText(
                self.window.dashboard.summary.text().split(tr("（待更新）", " (out of date)"))[0]
                + tr("（待更新）", " (out of date)")
            )
        if not marked and not self.targets_stale:
            return
        if self.auto:
            self._timer.start()
        else:
            names = "、".join(_title(r["kind"]) for r in marked)
            if self.targets_stale:
                names = "、".join(n for n in (names, tr("规划目标", "plan targets")) if n)
            note = tr(
                f"{names}待更新（分析 → 更新派生结果）",
                f"{names} out of date (Analysis → Refresh derived results)",
            )
            QTimer.singleShot(0, lambda: self._add_status(note))

    def _add_status(self, note: str) -> None:
        """Put a note after the edit's own status message (which the window shows next)."""
        current = self.window.statusBar().currentMessage()
        self.window.status(f"{current}；{note}" if current else note)

    def _note_changes(self, key: str, record: dict[str, Any], txn: EditTransaction) -> None:
        """Remember which stations changed (zones) or that everything must be recomputed."""
        stations = record["layers"].get("stations")
        fids = {c.fid for c in txn.changes if c.layer == stations}
        others = {c.layer for c in txn.changes} - {stations}
        pending = self._changed_fids.get(key, set())
        if record["kind"] != "zones" or others or pending is None or key not in self._parts:
            self._changed_fids[key] = None
        else:
            self._changed_fids[key] = pending | fids

    def _set_stale(self, layer: Layer, stale: bool) -> None:
        if layer.metadata.stale != stale:
            layer.metadata.stale = stale
            layer.changed.emit(layer, "stale")

    # --- settings ---------------------------------------------------------------------

    def set_auto(self, on: bool) -> None:
        """Refresh in the background after edits (True) or only on request (False)."""
        self.auto = bool(on)
        settings().setValue(AUTO_SETTING, "true" if self.auto else "false")
        action = self.window.registry["derived_auto"]
        if action.isChecked() != self.auto:
            action.setChecked(self.auto)
        if self.auto and (self.stale_layers() or self.targets_stale):
            self._timer.start()

    # --- refreshing -------------------------------------------------------------------

    def busy(self) -> bool:
        """Whether a refresh is running or waiting to start."""
        running = any(not t.done() for t in self._running.values())
        targets = self._targets_task is not None and not self._targets_task.done()
        return bool(self._running) or running or targets or self._timer.isActive()

    def refresh(self) -> None:
        """Recompute every stale result (each in a worker; edits go on meanwhile)."""
        self._timer.stop()
        project = self._follow()
        if project is None:
            return
        for record in self.records():
            key = self.key(record)
            stale = any(project.layer(n).metadata.stale for n in record["outputs"])
            if stale and key not in self._running:
                self._start(project, record)
        if self.targets_stale and self._targets_task is None:
            self._start_targets(project)

    def _start(self, project: Project, record: dict[str, Any]) -> None:
        key = self.key(record)
        job = _Job(
            key,
            record,
            self._versions.get(key, 0),
            self._changed_fids.pop(key, None),
            {name: project.layer(name) for name in record["sources"] if name in project},
        )
        try:  # the record comes from the project file: a hand-edited one may be wrong
            request = job.request = request_from_record(record)
        except GisdeskError as exc:
            self._failed(job, str(exc))
            return
        if isinstance(request, ZonesRequest):
            stations = job.inputs[request.stations]
            parts = dict(self._parts.get(key, {}))
            changed = job.changed_fids if key in self._parts else None
            task = Task(
                refresh_zones,
                stations.data,
                stations.fids.copy(),
                {n: job.inputs[n].data for n in request.targets},
                request,
                parts,
                changed,
                clip_to=job.inputs[request.clip].data if request.clip else None,
            )
        else:
            snapshot = Project(title=project.title)
            # the plan targets imported into the project judge a siting as in the first run
            snapshot.settings = dict(project.settings)
            for layer in job.inputs.values():
                snapshot.add_layer(
                    Layer(
                        layer.name,
                        layer.data,
                        schema=layer.schema,
                        title=layer.title,
                        metadata=layer.metadata,
                    )
                )
            from gisdesk.ui.analysis_dialogs import run_analysis

            task = Task(run_analysis, snapshot, request)
        self._running[key] = task
        task.signals.finished.connect(lambda result, j=job: self._finished(j, result))
        task.signals.failed.connect(lambda message, _details, j=job: self._failed(j, message))
        task.signals.cancelled.connect(lambda j=job: self._running.pop(j.key, None))
        run_task(task)
        self.window.status(
            tr(
                f"正在后台更新{_title(record['kind'], 'zh')}…",
                f"Refreshing {_title(record['kind'], 'en')} in the background…",
            )
        )

    def _failed(self, job: _Job, message: str) -> None:
        self._running.pop(job.key, None)
        self._changed_fids[job.key] = None
        self.window.log_message(tr(f"派生结果更新失败：{message}", f"Refresh failed: {message}"))
        self.window.status(tr("派生结果更新失败，详见日志。", "Refresh failed; see the log."))

    def _finished(self, job: _Job, result: Any) -> None:
        self._running.pop(job.key, None)
        project = self.window.project
        if project is not self._project or project is None:
            return
        record = job.record
        if not all(name in project for name in record["outputs"]):
            return
        if record["kind"] == "zones":
            parts, zones, members = result
            self._parts[job.key] = parts  # valid for the stations as they were at the start
            frames = [zones, members]
        else:
            frames = [layer.data for layer in result.layers]
        if self._versions.get(job.key, 0) != job.version:
            # edited again meanwhile: these results are already old; go again
            if self.auto:
                self._timer.start()
            return
        for name, frame in zip(record["outputs"], frames, strict=False):
            layer = project.layer(name)
            layer.set_data(frame.to_crs(layer.data.crs) if layer.data.crs is not None else frame)
            self._set_stale(layer, False)
        self._report(job, frames, result)
        self.refreshed.emit(job.key)

    def _report(self, job: _Job, frames: list[Any], result: Any) -> None:
        record = job.record
        title = _title(record["kind"])
        if record["kind"] == "zones":
            zones, members = frames[0], frames[1]
            project = self.window.project
            targets = job.request.targets if isinstance(job.request, ZonesRequest) else ()
            titles = {
                name: project.layer(name).title if project and name in project else name
                for name in targets
            }
            summary = zones_summary(zones, members, titles)
            counts = member_totals(members)
            totals = "，".join(f"{titles.get(n, n)} {v}" for n, v in counts.items())
            stations = len(summary.rows)
            self.window.show_summary(
                AnalysisResult(
                    tr("重点区域（已更新）", "Key zones (refreshed)"),
                    [],
                    summary,
                    [
                        tr(
                            f"{stations} 个站点，区内要素 {len(members)} 个",
                            f"{stations} stations, {len(members)} features inside",
                        )
                    ],
                )
            )
            text = tr(
                f"重点区域已更新：{stations} 个站点，区内要素 {len(members)} 个（{totals}）",
                f"Key zones refreshed: {stations} stations, {len(members)} features inside",
            )
        else:
            self.window.show_summary(result)
            text = tr(f"派生结果已更新：{title}", f"Derived results refreshed: {title}")
        self.window.status(text)
        self.window.log_message(text)

    # --- plan targets -----------------------------------------------------------------

    def _start_targets(self, project: Project) -> None:
        evaluation = self.window.dashboard.evaluation
        if evaluation is None:
            self.targets_stale = False
            return
        version = self._targets_version
        request = self.window.dashboard.request(evaluation.as_of)
        task = Task(run_request, ProjectSource(project), request)
        self._targets_task = task

        def done(new: Any) -> None:
            self._targets_task = None
            if self.window.project is not project:
                return
            if version != self._targets_version:
                if self.auto:
                    self._timer.start()
                return
            self.targets_stale = False
            self.window.dashboard.show_result(new)
            self.window.status(tr("规划目标已重新评估", "Plan targets re-evaluated"))
            self.targets_refreshed.emit()

        def failed(message: str, _details: str) -> None:
            self._targets_task = None
            self.window.log_message(tr(f"目标评估失败：{message}", f"Evaluation failed: {message}"))

        task.signals.finished.connect(done)
        task.signals.failed.connect(failed)
        task.signals.cancelled.connect(lambda: setattr(self, "_targets_task", None))
        run_task(task)
