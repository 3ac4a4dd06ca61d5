"""What the window's tools, dialogs and controllers may use of the main window.

Modules such as the editing tools, the feature form and history, the black-spot, PostGIS and
derived-result controllers receive the main window. They type it as :class:`WindowApi`, this
Protocol, instead of importing :mod:`gisdesk.ui.main_window`, which imports them: so no ui
module reaches the window's module and there is no import cycle through it
(``tests/test_architecture.py::test_no_import_cycles``). ``MainWindow`` satisfies it
structurally; mypy checks that wherever the window is passed to one of these modules.

The project, its editor and undo stack and the task queue are the window's
:class:`~gisdesk.ui.session.Session` (``window.session``): a module that must know when
another project is shown connects to ``session.project_changed`` rather than comparing
projects or probing the window's attributes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtWidgets import QMainWindow

if TYPE_CHECKING:
    from pyproj import CRS
    from PySide6.QtWidgets import QDockWidget

    from gisdesk.core.layer import Layer
    from gisdesk.core.project import Project
    from gisdesk.ui.actions import ActionRegistry
    from gisdesk.ui.canvas import MapCanvas
    from gisdesk.ui.dashboard import TargetDashboard
    from gisdesk.ui.editing import EditController
    from gisdesk.ui.layer_tree import LayerTree
    from gisdesk.ui.session import Session
    from gisdesk.ui.snapping import Snapper

__all__ = ["FeatureClipboard", "WindowApi", "window_widget"]

FeatureClipboard = tuple[str, str | None, "CRS", list[dict[str, Any]]]
"""Copied features: source layer name, geometry family, CRS, rows of values."""


class WindowApi(Protocol):
    """The main window as its ui modules see it (see the module notes)."""

    @property
    def project(self) -> Project | None:
        """The open project, or None (the session's)."""

    feature_clipboard: FeatureClipboard | None
    """Copied features (layer name, geometry family, CRS, rows), or None."""

    @property
    def session(self) -> Session:
        """The open project, its editor and undo stack, the task queue, and their signals."""

    @property
    def edits(self) -> EditController:
        """The editor every feature change goes through."""

    @property
    def canvas(self) -> MapCanvas:
        """The map canvas."""

    @property
    def snapper(self) -> Snapper:
        """Snapping of the editing tools."""

    @property
    def layer_tree(self) -> LayerTree:
        """The layer tree dock's widget."""

    @property
    def docks(self) -> dict[str, QDockWidget]:
        """The window's docks by key (``log``, ``table``, ``results``...)."""

    @property
    def registry(self) -> ActionRegistry:
        """The window's actions, by key."""

    @property
    def dashboard(self) -> TargetDashboard:
        """The plan-target dashboard."""

    @property
    def tools(self) -> dict[str, Any]:
        """The map tools by action key (``tool_pan``, ``edit_add``...): factory(window).

        Plug-in modules add theirs here and an action that calls :meth:`set_tool`.
        """

    # QMainWindow methods used by the controllers (PySide6 overloads them).
    @property
    def addDockWidget(self) -> Callable[..., None]:
        """Add a dock (``QMainWindow.addDockWidget``)."""

    @property
    def tabifyDockWidget(self) -> Callable[..., None]:
        """Stack a dock onto another (``QMainWindow.tabifyDockWidget``)."""

    @property
    def statusBar(self) -> Callable[[], Any]:
        """The status bar (``QMainWindow.statusBar``)."""

    def status(self, text: str) -> None:
        """Show a short message in the status bar."""

    def log_message(self, text: str) -> None:
        """Append a line to the log dock."""

    def report_error(self, title: str, message: str, details: str = "") -> None:
        """Tell the user what went wrong."""

    @property
    def start_task(self) -> Callable[..., None]:
        """Run long work in a worker with progress and cancel (``Session.start_task``)."""

    def current_layer(self) -> Layer | None:
        """The layer chosen in the layer tree."""

    def feature_values(
        self, layer: Layer, initial: object, *, read_only: tuple[str, ...] = ()
    ) -> dict[str, object] | None:
        """Ask the user for a new feature's attributes (None when cancelled)."""

    def show_summary(self, result: Any) -> None:
        """List an analysis summary table in the results dock."""

    def set_project(self, project: Project | None, *, working_copy: Path | None = None) -> None:
        """Show a project in every view."""


def window_widget(window: WindowApi) -> QMainWindow:
    """Return the window as the Qt parent of a dialog, dock or controller.

    A Protocol cannot say that the window is also a ``QMainWindow``; this says it once,
    checked, where a ui module hands the window to Qt as a parent.
    """
    if not isinstance(window, QMainWindow):
        raise TypeError(f"the main window must be a QMainWindow, not {type(window).__name__}")
    return window
