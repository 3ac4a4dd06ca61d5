"""The window's analysis commands: key zones, service areas and siting.

A dialog (:mod:`gisdesk.ui.analysis_dialogs`) is the form for the task's Request; the
request runs through the task registry in the session's worker, its layers replace those of
an earlier run of the same analysis, and the derived-results controller records it so its
layers follow edits of their sources. Ctrl+R runs the last request again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gisdesk.ui.i18n import tr
from gisdesk.ui.window_api import WindowApi, window_widget
from gisdesk.ui.workers import Task

if TYPE_CHECKING:
    from gisdesk.tasks import Request
    from gisdesk.ui.analysis_dialogs import AnalysisResult
    from gisdesk.ui.derived import DerivedResults

__all__ = ["AnalysisCommands"]


class AnalysisCommands:
    """Ask for, run and re-run the analyses of the 分析 menu."""

    def __init__(self, window: WindowApi) -> None:
        self.window = window
        self.last_request: Request | None = None
        self.derived: DerivedResults | None = None  # set once the controller is installed

    def ask_analysis(self, kind: str) -> None:
        """Ask for an analysis's inputs and run it."""
        project = self.window.project
        if project is None:
            return
        from gisdesk.ui.analysis_dialogs import ServiceAreaDialog, SitingDialog, ZonesDialog

        dialogs: dict[str, type[ZonesDialog | ServiceAreaDialog]] = {
            "zones": ZonesDialog,
            "service_areas": ServiceAreaDialog,
            "siting": SitingDialog,
        }
        dialog = dialogs[kind](project, window_widget(self.window))
        if dialog.exec():
            self.run_analysis(dialog.request())

    def run_analysis(self, request: Request, *, wait: bool = False) -> None:
        """Run an analysis in a worker; add its layers and show its summary.

        The layers of an earlier run of the same analysis are replaced, not stacked.
        """
        from gisdesk.ui.analysis_dialogs import place_layers, run_analysis

        window = self.window
        project = window.project
        if project is None:
            return
        self.last_request = request

        def done(result: AnalysisResult) -> None:
            if window.project is not project:
                return  # the project was closed meanwhile
            derived = self.derived
            records = derived.records() if derived is not None else []
            earlier = {
                name
                for record in records
                if record.get("kind") == request.kind
                for name in record.get("outputs", [])
            }
            place_layers(project, result.layers, earlier)
            if derived is not None:
                derived.record(request, result)  # its layers follow edits of the sources
            window.show_summary(result)
            for note in result.notes:
                window.log_message(note)

        window.start_task(
            Task(run_analysis, project, request), done, tr("分析", "Analysis"), wait=wait
        )

    def rerun_analysis(self) -> None:
        """Run the last analysis again with the same inputs."""
        if self.last_request is not None:
            self.run_analysis(self.last_request)
