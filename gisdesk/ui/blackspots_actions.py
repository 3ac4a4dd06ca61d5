"""The 事故多发路段 (accident black spots) menu of the window and what its commands do.

:func:`install_blackspots` adds a submenu under 分析 (Analysis) through the window's action
registry: import accident records, screen, the camera-gap check, the candidates table, the
segment file (history) and status changes. :class:`BlackspotsController` holds the docks and
the last screening. The screening and the camera-gap check run their tasks' Requests
(:mod:`gisdesk.tasks.blackspots`, :mod:`gisdesk.tasks.camera_gaps`) through the task
registry in a worker, on copies of the layers they read; a re-run replaces the layer of the
earlier run.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDockWidget, QWidget

from gisdesk.core.editing import EditTransaction
from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.tasks.blackspots import (
    SEGMENTS,
    ScreeningRequest,
    last_screening,
    remember_screening,
)
from gisdesk.tasks.camera_gaps import GAPS_LAYER, CameraGapsRequest
from gisdesk.ui.actions import ActionSpec
from gisdesk.ui.analysis_dialogs import AnalysisResult, place_layers, run_analysis
from gisdesk.ui.blackspots_history import SegmentHistoryPanel
from gisdesk.ui.blackspots_import import AccidentImportWizard
from gisdesk.ui.blackspots_lifecycle import (
    SETTINGS_KEY,
    AdministratorsDialog,
    ask_status,
    list_candidate,
    store_blackspot_settings,
)
from gisdesk.ui.blackspots_screening import CANDIDATES_LAYER, CandidatesPanel, ScreeningDialog
from gisdesk.ui.camera_gaps_dialog import CameraGapsDialog
from gisdesk.ui.i18n import tr
from gisdesk.ui.window_api import window_widget
from gisdesk.ui.workers import Task

if TYPE_CHECKING:
    from gisdesk.tasks.base import Request
    from gisdesk.tasks.blackspots import ScreeningResult
    from gisdesk.ui.window_api import WindowApi

__all__ = ["BlackspotsController", "install_blackspots"]


def install_blackspots(window: WindowApi) -> BlackspotsController:
    """Add the black-spot submenu to the window's Analysis menu and return its controller."""
    return BlackspotsController(window)


class BlackspotsController(QObject):
    """The black-spot commands of one window: import, screening, listing, status, history."""

    def __init__(self, window: WindowApi) -> None:
        super().__init__(window_widget(window))
        self.window = window
        self.result: AnalysisResult | None = None  # the last screening
        self.request: ScreeningRequest | None = None
        self.candidates_panel = CandidatesPanel(window_widget(window))
        self.candidates_panel.list_requested.connect(self.ask_list)
        self.candidates_panel.zoom_requested.connect(self.zoom_to_candidate)
        self.history_panel = SegmentHistoryPanel(window)
        # the notes just stored belong in the segment file shown
        window.session.settings_changed.connect(self._settings_stored)
        self.candidates_dock = self._dock(
            "blackspot_candidates",
            tr("事故多发路段候选", "Black-spot candidates"),
            self.candidates_panel,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        if "log" in window.docks:  # a wide table: beside the attribute table and the log
            window.tabifyDockWidget(window.docks["log"], self.candidates_dock)
        self.history_dock = self._dock(
            "segment_history",
            tr("路段整治档案", "Segment file"),
            self.history_panel,
            Qt.DockWidgetArea.RightDockWidgetArea,
        )
        self._project = window.project
        window.session.project_changed.connect(self._project_maybe_changed)
        registry = window.registry
        menu = registry.menus["analysis"].addMenu(tr("事故多发路段", "Accident black spots"))
        menu.setObjectName("menu_blackspots")
        registry.menus["blackspots"] = menu
        specs = [
            ActionSpec(
                "bs_import",
                "导入事故记录…",
                "Import accident records…",
                "blackspots",
                self.import_accidents,
            ),
            ActionSpec(
                "bs_screen",
                "事故多发路段筛查…",
                "Screen for black spots…",
                "blackspots",
                self.ask_screening,
            ),
            ActionSpec(
                "bs_status",
                "整治状态流转…",
                "Change segment status…",
                "blackspots",
                self.ask_status,
            ),
            ActionSpec(
                "bs_admins",
                "状态更正管理员…",
                "Status administrators…",
                "blackspots",
                self.ask_administrators,
            ),
            ActionSpec(
                "bs_cameras",
                "监控卡口间距检查…",
                "Check camera spacing…",
                "blackspots",
                self.ask_camera_gaps,
            ),
        ]
        for spec in specs:
            registry.add(spec)
        menu.addSeparator()
        menu.addAction(self.candidates_dock.toggleViewAction())
        menu.addAction(self.history_dock.toggleViewAction())

    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, window_widget(self.window))
        dock.setObjectName(f"dock_{name}")
        dock.setWidget(widget)
        self.window.addDockWidget(area, dock)
        dock.hide()
        return dock

    def _project_maybe_changed(self, *_args: object) -> None:
        if self.window.project is self._project:
            return
        self._project = self.window.project
        self.result = None
        self.request = None
        self.candidates_panel.clear()
        self.history_panel.refresh()

    def _raise(self, dock: QDockWidget) -> None:
        dock.show()
        dock.raise_()

    # --- import ------------------------------------------------------------------------

    def open_import_wizard(self, path: Path | None = None) -> AccidentImportWizard | None:
        """The import wizard on the current project (not yet shown)."""
        if self.window.project is None:
            return None
        return AccidentImportWizard(self.window.project, window_widget(self.window), path=path)

    def add_imported(self, wizard: AccidentImportWizard) -> Layer | None:
        """Add the layer a finished wizard built, and log what happened to the records."""
        project = self.window.project
        if wizard.layer is None or project is None:
            return None
        layer = wizard.layer
        project.add_layer(layer)
        self.window.log_message(
            tr(
                f"已导入事故记录到图层 {layer.name}：",
                f"Accident records imported as {layer.name}: ",
            )
            + wizard.summary_text()
        )
        for row in wizard.issues.itertuples():
            self.window.log_message(
                tr(f"  第 {row.row} 行：{row.issue_zh}", f"  row {row.row}: {row.issue_en}")
            )
        self.window.layer_tree.select_layer(layer.name)
        return layer

    def _settings_stored(self, key: str) -> None:
        if key == SETTINGS_KEY:  # the black-spot entry
            self.history_panel.refresh_details()

    def import_accidents(self, path: Path | None = None) -> Layer | None:
        """Run the import wizard and add its layer."""
        wizard = self.open_import_wizard(path)
        if wizard is None:
            return None
        layer = self.add_imported(wizard) if wizard.exec() else None
        wizard.deleteLater()
        return layer

    # --- screening ---------------------------------------------------------------------

    def previous_request(self) -> ScreeningRequest | None:
        """The screening last run on this project (from its settings)."""
        if self.window.project is None:
            return None
        return last_screening(self.window.project)

    @property
    def screening(self) -> ScreeningResult | None:
        """The engine's outcome of the last screening (threshold, windows, accidents)."""
        found = self.result.result if self.result is not None else None
        return found.extras.get("screening") if found is not None else None

    def ask_screening(self) -> None:
        """Ask for the screening parameters and run it."""
        if self.window.project is None:
            return
        dialog = ScreeningDialog(
            self.window.project, window_widget(self.window), previous=self.previous_request()
        )
        if dialog.exec():
            self.run_screening(dialog.request())
        dialog.deleteLater()

    def run_screening(self, request: ScreeningRequest, *, wait: bool = False) -> None:
        """Screen in a worker (progress and cancel in the status bar); show the candidates."""
        self.request = request
        self._run(request, self.show_result, tr("事故多发路段筛查", "Black-spot screening"), wait)

    def _run(self, request: Request, show: Any, label: str, wait: bool) -> None:
        """Run a Request's task in a worker on copies of its layers; ``show`` its result."""
        project = self.window.project
        if project is None:
            return
        copies = Project(title=project.title)
        for name in [*request.sources(), SEGMENTS]:  # the worker reads only these copies
            if name in project and name not in copies:
                own = project.layer(name)
                copies.add_layer(Layer(name, own.data.copy(), schema=own.schema, title=own.title))

        def done(result: AnalysisResult) -> None:
            if self.window.project is project:
                show(result)

        self.window.start_task(Task(run_analysis, copies, request), done, label, wait=wait)

    def _place(self, result: AnalysisResult, name: str) -> None:
        """Add a result's layers (replacing the earlier run's) and list its summary."""
        project = self.window.project
        assert project is not None
        place_layers(project, result.layers, {name})
        self.window.show_summary(result)
        for note in result.notes:
            self.window.log_message(note)

    def show_result(self, result: AnalysisResult) -> None:
        """Show candidates in the table and on the map; remember the parameters."""
        project = self.window.project
        assert project is not None and result.result is not None
        self.result = result
        self._place(result, CANDIDATES_LAYER)
        candidates = result.result.layer("candidates")
        self.candidates_panel.show_candidates(candidates, result.result.notes[0].show())
        self._raise(self.candidates_dock)
        if self.request is not None:
            remember_screening(project, self.request)
            store_blackspot_settings(self.window)

    # --- camera gaps -------------------------------------------------------------------

    def ask_camera_gaps(self) -> None:
        """Ask for the camera-gap check's inputs and run it."""
        if self.window.project is None:
            return
        dialog = CameraGapsDialog(self.window.project, window_widget(self.window))
        if dialog.exec():
            self.run_camera_gaps(dialog.request())
        dialog.deleteLater()

    def run_camera_gaps(self, request: CameraGapsRequest, *, wait: bool = False) -> None:
        """Measure the camera gaps in a worker; add the gaps layer and list the summary."""
        label = tr("监控卡口间距检查", "Camera spacing check")
        self._run(request, lambda result: self._place(result, GAPS_LAYER), label, wait)

    def zoom_to_candidate(self, row: int) -> None:
        """Select a candidate on the map and zoom to it."""
        project = self.window.project
        if project is None or CANDIDATES_LAYER not in project:
            return
        project.layer(CANDIDATES_LAYER).set_selection([row])
        self.window.canvas.zoom_to_selection(CANDIDATES_LAYER)

    # --- listing and status ------------------------------------------------------------

    def ask_list(self, row: int) -> int | None:
        """List a candidate through the attribute form."""
        return self.list_row(row)

    def list_row(
        self, row: int, values: dict[str, Any] | None = None, *, ask: Any = None
    ) -> int | None:
        """List the candidate at ``row``; return the new segment's feature id."""
        found, request, project = self.screening, self.request, self.window.project
        if found is None or request is None or project is None:
            return None
        candidate = found.candidates.iloc[[row]]
        c: Any = candidate.iloc[0]
        origin = {
            "candidate_id": str(c["candidate_id"]),
            "rank": int(c["rank"]),
            "count": int(c["count"]),
            "deaths": int(c["deaths"]),
            "injuries": int(c["injuries"]),
            "equivalent": float(c["equivalent"]),
            "window_m": float(request.window_m),
            "step_m": float(request.step_m),
            "min_count": int(found.min_count),
            "screened_on": dt.date.today().isoformat(),
        }
        fid = list_candidate(self.window, candidate, values, origin=origin, ask=ask)
        if fid is None:
            return None
        layer = project.layer(SEGMENTS)
        sid = str(layer.data["segment_id"].iloc[layer.row_of(fid)])
        self.candidates_panel.mark_listed(row, sid)
        if CANDIDATES_LAYER in project:
            cand = project.layer(CANDIDATES_LAYER)
            data = cand.data.copy()
            data.loc[data.index[row], "listed"] = sid
            data.loc[data.index[row], "is_listed"] = True
            cand.set_data(data)
        self.show_history(fid)
        return fid

    def ask_status(self, fid: int | None = None) -> EditTransaction | None:
        """Open the status dialog on a segment: the one given, the one selected, or one the
        user picks (among the selected ones, or all when none is selected)."""
        txn = ask_status(self.window, fid)
        if txn is not None:
            self.show_history(txn.changes[0].fid)
        return txn

    def ask_administrators(self) -> None:
        """Edit who may correct a status in any direction."""
        if self.window.project is None:
            return
        dialog = AdministratorsDialog(self.window)
        dialog.exec()
        dialog.deleteLater()

    def show_history(self, fid: int | None = None) -> None:
        """Show the segment file dock (on one segment)."""
        if fid is not None:
            self.history_panel.show_segment(fid)
        else:
            self.history_panel.refresh()
        self._raise(self.history_dock)
