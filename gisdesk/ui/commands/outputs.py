"""The window's output commands: the plate designer, the offline web map and the plan targets.

Each builds the task Request the command line builds (``gisdesk plate``, ``gisdesk webmap``,
``gisdesk targets``) from the window's state and runs it through :func:`gisdesk.tasks.run_request`
in the session's worker; drawing functions come from :mod:`gisdesk.export`, as the tasks
take them from their callers (tasks never import Qt).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox

from gisdesk.ui import plain_text
from gisdesk.ui.i18n import language, tr
from gisdesk.ui.output_paths import ask_save_path, refuse_project_output
from gisdesk.ui.window_api import WindowApi, window_widget
from gisdesk.ui.workers import Task

__all__ = ["OutputCommands"]


class OutputCommands:
    """Plates, web maps and target evaluation for the window's project."""

    def __init__(self, window: WindowApi) -> None:
        self.window = window
        self.plate_designer: Any = None  # the open designer (kept alive while shown)
        self.webmap_result: Any = None  # the last web map's Result: layers, features, size

    def open_plate_designer(self) -> None:
        """Open the plate designer on the current project."""
        window = self.window
        if window.project is None:
            return
        from gisdesk.ui.plate_designer import PlateDesigner

        self.plate_designer = PlateDesigner(
            window.project, window_widget(window), start_task=window.start_task
        )
        self.plate_designer.on_modified = window.session.mark_modified
        self.plate_designer.show()

    def ask_export_layer(self, layer: str | None = None) -> None:
        """Ask where to export a layer (default: the current one) and export it in the worker."""
        from gisdesk.ui.export_dialog import ask_export_layer

        ask_export_layer(self.window, layer)

    def ask_export_webmap(self) -> None:
        """Ask for an HTML file and export the visible layers as an offline web map."""
        project = self.window.project
        if project is None:
            return
        path = ask_save_path(
            window_widget(self.window),
            tr("导出网页地图", "Export web map"),
            f"{project.title}.html",
            "HTML (*.html)",
        )
        if path is not None:
            self.export_webmap(path)

    def export_webmap(self, path: Path, *, wait: bool = False, force: bool = False) -> None:
        """Write the visible layers as a self-contained HTML map (works offline).

        A map too big for a browser is not written: the window shows the same message as
        ``gisdesk webmap`` and offers to write it anyway (``force``).
        """
        from gisdesk.export.webmap import WebMapTooLargeError, export_webmap
        from gisdesk.tasks import ProjectSource, run_request
        from gisdesk.tasks.webmap import WebMapRequest

        window = self.window
        project = window.project
        if project is None or refuse_project_output(window_widget(window), project, path):
            return
        request = WebMapRequest(
            out=str(path),
            layers=tuple(layer.name for layer in project if layer.visible),
            title=project.title,
            force=force,
        )
        write = partial(export_webmap, project)

        def run(**hooks: Any) -> object:
            try:
                return run_request(ProjectSource(project), request, write=write, **hooks)
            except WebMapTooLargeError as exc:
                return exc  # asked about in the GUI thread, in done()

        def done(result: object) -> None:
            if not isinstance(result, WebMapTooLargeError):
                self.webmap_result = result
                window.log_message(tr(f"已导出网页地图 {path}", f"Web map written to {path}"))
                return
            message = result.message(language())
            window.log_message(message)
            answer = plain_text.question(
                window_widget(window),
                tr("网页地图过大", "Web map too large"),
                message + "\n\n" + tr("仍要写出吗？", "Write it anyway?"),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer == QMessageBox.StandardButton.Yes and window.project is project:
                self.export_webmap(path, wait=wait, force=True)

        window.start_task(Task(run), done, tr("导出网页地图", "Exporting web map"), wait=wait)

    def evaluate_targets(self, as_of: object, *, wait: bool = False) -> None:
        """Run the dashboard's TargetsRequest (or one for a date) in a worker and show it."""
        from gisdesk.tasks import ProjectSource, run_request

        window = self.window
        project = window.project
        if project is None:
            return
        dashboard = window.dashboard
        request = dashboard.request(as_of)  # type: ignore[arg-type]

        def done(result: object) -> None:
            if window.project is project:
                dashboard.show_result(result)  # type: ignore[arg-type]
                window.docks["targets"].show()
                window.docks["targets"].raise_()

        window.start_task(
            Task(run_request, ProjectSource(project), request),
            done,
            tr("目标评估", "Evaluating targets"),
            wait=wait,
        )

    def evaluate_targets_now(self) -> None:
        """Evaluate the plan targets as of the dashboard's date."""
        self.evaluate_targets(self.window.dashboard.as_of.date().toPython())

    def show_gap(self, target_id: str, unit: str) -> None:
        """Select the features that make a target's gap and zoom the map to them."""
        window = self.window
        project = window.project
        evaluation = window.dashboard.evaluation
        if evaluation is None or project is None:
            return
        rows = evaluation.gap_rows(target_id, None if unit == "全区" else unit)
        shown = 0
        for name, positions in rows.items():
            if name in project:
                project.layer(name).set_selection(positions)
                shown += len(positions)
        first = next((n for n, r in rows.items() if len(r) and n in project), None)
        if first is not None:
            window.layer_tree.select_layer(first)
            window.canvas.zoom_to_selection(first)
        window.status(
            tr(
                f"{target_id} {unit}：{shown} 个要素构成差距",
                f"{target_id} {unit}: {shown} features make the gap",
            )
        )
