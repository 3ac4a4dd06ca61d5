"""The gisdesk main window: a frame of docks and menus around the map canvas.

What it shows comes from its :class:`~gisdesk.ui.session.Session` (the project, editor, undo
stack and task queue) through the session's signals; opening and saving files is
:class:`~gisdesk.ui.project_files.ProjectFiles`; the commands are the data table
:data:`~gisdesk.ui.window_actions.WINDOW_ACTIONS`; the map tools are
:class:`~gisdesk.ui.canvas.CanvasTool` objects chosen by :meth:`MainWindow.set_tool`.

The plate, web-map and plan-target commands are
:class:`~gisdesk.ui.commands.outputs.OutputCommands` (``window.outputs``), the analyses
:class:`~gisdesk.ui.commands.analyses.AnalysisCommands` (``window.analyses``), the feature
commands :class:`~gisdesk.ui.commands.editing.EditCommands` (``window.edit_commands``).
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QShowEvent, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QWidget,
)

from gisdesk import __version__
from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.render.viewport import Viewport
from gisdesk.ui import plain_text
from gisdesk.ui.actions import ActionRegistry
from gisdesk.ui.attribute_table import AttributeTable
from gisdesk.ui.canvas import MapCanvas
from gisdesk.ui.commands.analyses import AnalysisCommands
from gisdesk.ui.commands.editing import EditCommands
from gisdesk.ui.commands.outputs import OutputCommands
from gisdesk.ui.editing import EditController
from gisdesk.ui.file_dialogs import ask_open_path
from gisdesk.ui.i18n import language, set_language, settings, tr
from gisdesk.ui.layer_tree import LayerTree
from gisdesk.ui.project_files import ProjectFiles
from gisdesk.ui.results_panel import ResultsDock, ResultsPanel
from gisdesk.ui.session import Session
from gisdesk.ui.snapping import Snapper
from gisdesk.ui.status_indicators import StatusIndicators
from gisdesk.ui.style_dialog import StyleDialog
from gisdesk.ui.window_actions import WINDOW_ACTIONS, ToolFactory, builtin_tools
from gisdesk.ui.window_api import FeatureClipboard
from gisdesk.ui.workers import Task, error_text

if TYPE_CHECKING:
    from collections.abc import Callable

    from gisdesk.ui.analysis_dialogs import AnalysisResult

__all__ = ["MainWindow"]

LAYOUT_VERSION = 2  # 2: the 分析汇总 dock (a layout saved before it is not restored)
"""Saved docks and toolbars of an older version are not restored (1: toolbars in two rows)."""

_AREA = Qt.DockWidgetArea
DOCKS = (  # key, title, area (the table, targets, log and summary share the bottom as tabs)
    ("layers", "图层", "Layers", _AREA.LeftDockWidgetArea),
    ("results", "查询与分析结果", "Results", _AREA.RightDockWidgetArea),
    ("table", "属性表", "Attribute table", _AREA.BottomDockWidgetArea),
    ("targets", "规划目标", "Plan targets", _AREA.BottomDockWidgetArea),
    ("log", "日志", "Log", _AREA.BottomDockWidgetArea),
    ("summary", "分析汇总", "Analysis summary", _AREA.BottomDockWidgetArea),
)


class MainWindow(QMainWindow):
    """One project at a time (its Session); every command comes from the action table."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("gisdesk_main")
        self.session = Session(self)
        self.files = ProjectFiles(self.session, self)
        self.resize(1400, 900)
        self.canvas = MapCanvas(self)
        self.setCentralWidget(self.canvas)
        self.snapper = Snapper(self.canvas)
        self.feature_clipboard: FeatureClipboard | None = None
        # the map tools by action key; plug-ins (the road-stretch tool) add theirs
        self.tools: dict[str, ToolFactory] = builtin_tools()
        self.layer_tree = LayerTree(self)
        self.table = AttributeTable(self.undo, self, edits=self.edits)
        self.results = ResultsPanel(self)
        self.results_dock = ResultsDock(self.results, self.canvas, self)  # + identify scope
        self.log = QPlainTextEdit(self)
        self.log.setReadOnly(True)
        from gisdesk.ui.dashboard import TargetDashboard

        self.dashboard = TargetDashboard(self)
        self.dashboard.on_modified = self.session.mark_modified
        widgets: dict[str, QWidget] = {
            "layers": self.layer_tree,
            "results": self.results_dock,
            "table": self.table,
            "targets": self.dashboard,
            "log": self.log,
            "summary": self.results_dock.table,
        }
        self.docks = {
            key: self._dock(key, tr(zh, en), widgets[key], area) for key, zh, en, area in DOCKS
        }
        self.tabifyDockWidget(self.docks["table"], self.docks["targets"])
        self.tabifyDockWidget(self.docks["targets"], self.docks["log"])
        self.tabifyDockWidget(self.docks["log"], self.docks["summary"])
        self.docks["table"].raise_()
        self.indicators = StatusIndicators(self.statusBar(), self.canvas, self.session)
        self.edit_commands = EditCommands(self)
        self.outputs = OutputCommands(self)  # plates, web map, plan targets
        self.analyses = AnalysisCommands(self)  # zones, service areas, siting
        self.registry = ActionRegistry(self)
        self._build_actions()
        self._connect()
        self._restore_layout()
        self._update_title()

    # --- the session, as the window's parts and plug-ins reach it ----------------------

    @property
    def project(self) -> Project | None:
        """The open project (the session's)."""
        return self.session.project

    @property
    def modified(self) -> bool:
        """Whether the project has unsaved changes."""
        return self.session.modified

    @modified.setter
    def modified(self, value: bool) -> None:
        self.session.modified = value

    @property
    def undo(self) -> QUndoStack:
        """The session's undo stack."""
        return self.session.undo

    @property
    def edits(self) -> EditController:
        """The session's editor: every feature change goes through it."""
        return self.session.edits

    @property
    def task(self) -> Task | None:
        """The task running now, if any."""
        return self.session.task

    @property
    def last_failure(self) -> BaseException | None:
        """What made the last failed task fail."""
        return self.session.last_failure

    @property
    def last_error(self) -> str:
        """The message of the last error reported."""
        return self.session.last_error

    def set_project(self, project: Project | None, *, working_copy: Path | None = None) -> None:
        """Show a project in every view (``working_copy``: where its edits are kept)."""
        self.session.set_project(project, working_copy=working_copy)

    @property
    def start_task(self) -> Callable[..., None]:
        """Run long work through the session's one-at-a-time queue (Session.start_task)."""
        return self.session.start_task

    def cancel_task(self) -> None:
        """Cancel the running task."""
        self.session.cancel_task()

    def new_project(self) -> None:
        """Start an empty project (after asking about unsaved changes)."""
        self.files.new_project()

    def ask_open(self) -> None:
        """Ask for a project file and open it."""
        self.files.ask_open()

    def open_path(self, path: Path, *, wait: bool = False, recovered: bool = False) -> None:
        """Open a project file in a worker (see :meth:`ProjectFiles.open_path`)."""
        self.files.open_path(path, wait=wait, recovered=recovered)

    def save(self, *, wait: bool = False) -> bool:
        """Save to the project's file (asking where when it has none)."""
        return self.files.save(wait=wait)

    def save_as(self, *, wait: bool = False) -> bool:
        """Ask for a file and save the project there."""
        return self.files.save_as(wait=wait)

    def confirm_discard(self) -> bool:
        """Ask before dropping unsaved changes; True when it is fine to go on."""
        return self.files.confirm_discard()

    def offer_recovery(self) -> bool:
        """Offer the working copy a crashed session left; True if it is opened."""
        return self.files.offer_recovery()

    # --- construction -------------------------------------------------------------------

    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_actions(self) -> None:
        a = self.registry
        for spec in WINDOW_ACTIONS:
            a.add(spec)
        from gisdesk.ui.blackspots_actions import install_blackspots

        self.blackspots = install_blackspots(self)  # 分析 → 事故多发路段 (issue 7)
        from gisdesk.ui.camera_gaps_dialog import install_camera_gaps

        install_camera_gaps(a, self.blackspots.ask_camera_gaps)  # 分析 → 间距检查 (issue 20)
        from gisdesk.ui.postgis_dialog import install_postgis

        self.postgis = install_postgis(self)  # 项目 → 连接 PostGIS… (issue 11)
        from gisdesk.ui.road_stretch_tool import install_road_stretch

        install_road_stretch(self)  # 编辑 → 选取事故多发路段 (issue 8)
        from gisdesk.ui.select_by_location_dialog import install_select_by_location

        install_select_by_location(self)  # 工具 → 按位置选择… (issue 20)
        from gisdesk.ui.field_calculator_dialog import install_field_calculator

        install_field_calculator(self)  # 图层 → 字段计算器… (issue 20)
        from gisdesk.ui.derived import install_derived

        self.derived = install_derived(self)  # 派生结果跟随源图层更新 (issue 8)
        self.analyses.derived = self.derived
        self.set_tool("tool_pan")
        a[f"lang_{language()}"].setChecked(True)
        self.recent_menu = a.menus["project"].addMenu(tr("最近的项目", "Recent projects"))
        a.menus["project"].insertMenu(a["save"], self.recent_menu)
        for dock in self.docks.values():
            a.menus["view"].addAction(dock.toggleViewAction())
        self._refresh_recent()

    def _connect(self) -> None:
        c = self.canvas
        c.view_changed.connect(self._view_changed)
        c.identified.connect(self.show_identify)
        self.layer_tree.current_layer_changed.connect(self._current_layer_changed)
        self.layer_tree.zoom_requested.connect(c.zoom_to_layer)
        self.layer_tree.style_requested.connect(self.edit_style)
        self.layer_tree.table_requested.connect(self.show_table)
        self.layer_tree.export_requested.connect(self.outputs.ask_export_layer)
        self.table.message.connect(self.status)
        self.dashboard.message.connect(self.status)
        self.dashboard.evaluate_requested.connect(self.outputs.evaluate_targets)
        self.dashboard.gap_requested.connect(self.outputs.show_gap)
        self.edits.failed.connect(self._edit_failed)
        self.edits.recovered.connect(self._work_recovered)
        s = self.session
        # every view follows the project shown, in this order: the top layer is chosen last
        s.project_changed.connect(lambda _project: self.table.set_layer(None))
        s.project_changed.connect(lambda _project: self.results.clear())
        s.project_changed.connect(lambda _project: self.results_dock.clear_summary())
        s.project_changed.connect(self.canvas.set_project)
        s.project_changed.connect(self.layer_tree.set_project)
        s.project_changed.connect(self.dashboard.set_project)
        s.project_changed.connect(self._project_shown)
        s.state_changed.connect(self._update_title)
        s.logged.connect(self.log_message)
        s.error_reported.connect(self._show_error)
        s.recent_changed.connect(self._refresh_recent)

    # --- the project --------------------------------------------------------------------

    def _project_shown(self, project: Project | None) -> None:
        if project is not None:
            self.indicators.show_crs()
            if len(project):
                self.layer_tree.select_layer(project.layers[-1].name)

    def _edit_failed(self, title: str, message: str, details: str = "") -> None:
        self.status(message)
        if details:  # a driver's own text: behind the box's details button
            self.report_error(title, message, details)
        else:
            plain_text.warning(self, title, message)

    def _work_recovered(self, message: str) -> None:
        self.log_message(message)
        QTimer.singleShot(
            0, lambda: plain_text.information(self, tr("已恢复编辑", "Edits recovered"), message)
        )

    def _update_title(self) -> None:
        project = self.project
        name = project.title if project is not None else tr("无项目", "no project")
        path = f" — {project.path}" if project is not None and project.path else ""
        if self.edits.read_only is not None:  # why: in the status bar's 只读 tooltip
            path += tr("（只读）", " (read-only)")
        self.indicators.show_read_only(self.edits.read_only_message())
        star = "*" if self.modified else ""
        self.setWindowTitle(plain_text.window_title(f"{star}{name}{path} — gisdesk"))

    # --- layers from files -------------------------------------------------------------

    def ask_add_layer(self) -> None:
        """Ask for a file and add it as a layer."""
        if self.project is None:
            self.set_project(Project(title=tr("新项目", "New project")))
        from gisdesk.ui.import_dialog import FILE_FILTER

        path = ask_open_path(self, tr("添加图层", "Add layer"), FILE_FILTER)
        if path is not None:
            self.add_layer_from(path, ask=True)

    def add_layer_from(
        self,
        path: Path,
        *,
        layer: str | None = None,
        table_choice: tuple[str, str, str] | None = None,
        ask: bool = False,
    ) -> Layer | None:
        """Add a file as a layer; a bad file gives a message and changes nothing.

        With ``ask`` (and for a table whose columns are not given) the import dialog shows
        the encoding, coordinate system, first rows and warnings before anything is added.
        """
        from gisdesk.io.tables import TABLE_SUFFIXES
        from gisdesk.tasks import ProjectSource, Result, run_request
        from gisdesk.tasks.imports import ImportRequest, imported_layer, layer_type_for
        from gisdesk.ui.import_dialog import ImportDialog

        assert self.project is not None
        project = self.project
        title = tr("无法添加图层", "Cannot add the layer")
        try:
            if ask or (path.suffix.lower() in TABLE_SUFFIXES and table_choice is None):
                dialog = ImportDialog(path, project, self)
                if not dialog.exec() or dialog.imported is None:
                    return None
                request = dialog.request()
            else:
                x, y, crs = table_choice if table_choice is not None else (None, None, None)
                kind = layer_type_for(path, layer)
                request = ImportRequest(
                    path=str(path), layer=layer, layer_type=kind, crs=crs, x=x, y=y
                )
        except Exception as exc:  # a driver's text goes to the details, a traceback to the log
            self.report_error(title, *error_text("add layer", exc))
            return None
        added: list[Layer] = []

        def done(result: Result) -> None:
            if self.project is not project:
                return  # another project was opened meanwhile
            new = imported_layer(result)
            project.add_layer(new)
            self.log_message(
                tr(
                    f"已添加图层 {new.name}（{len(new)} 个要素）",
                    f"Added layer {new.name} ({len(new)} features)",
                )
            )
            for note in result.notes:
                self.log_message(f"  - {note.show()}")
            self.layer_tree.select_layer(new.name)
            added.append(new)

        # read in the worker, added here: the same request gisdesk import runs
        task = Task(run_request, ProjectSource(project), request)
        self.start_task(task, done, title, wait=True)
        return added[0] if added else None

    # --- analyses ---------------------------------------------------------------------

    def show_summary(self, result: AnalysisResult) -> None:
        """List an analysis summary table in the results dock."""
        self.results.show_summary(result)
        self._raise_dock("results")
        self._raise_dock("summary")

    def show_identify(self, hits: list[tuple[Layer, int]]) -> None:
        """List identified features with their Chinese field labels."""
        self.results.show_identify(hits)
        if not hits:
            self.status(tr("此处没有要素", "Nothing here"))
            return
        self._raise_dock("results")
        self.status(tr(f"识别到 {len(hits)} 个要素", f"{len(hits)} features"))

    def _raise_dock(self, key: str) -> None:
        self.docks[key].show()
        self.docks[key].raise_()

    # --- layers and tools ---------------------------------------------------------------

    def current_layer_name(self) -> str | None:
        """Return the layer selected in the layer tree."""
        return self.layer_tree.current_layer()

    def current_layer(self) -> Layer | None:
        """Return the current layer object."""
        name = self.current_layer_name()
        if self.project is None or name is None or name not in self.project:
            return None
        return self.project.layer(name)

    def _current_layer_changed(self, name: str) -> None:
        self.canvas.current_layer = name
        layer = self._layer(name)
        if layer is not None and self.docks["table"].isVisible():
            self.table.set_layer(layer)  # follows the tree, without raising its tab

    def show_table(self, name: str | None = None) -> None:
        """Show a layer (default: the current one) in the attribute table."""
        layer = self._layer(name)
        if layer is not None:
            self.table.set_layer(layer)
            self._raise_dock("table")

    def edit_style(self, name: str | None = None) -> None:
        """Open the style dialog of a layer (default: the current one)."""
        layer = self._layer(name)
        if layer is not None:
            StyleDialog(layer, self.undo, self).exec()

    def _layer(self, name: str | None) -> Layer | None:
        name = name or self.current_layer_name()
        if self.project is None or not name or name not in self.project:
            return None
        return self.project.layer(name)

    def zoom_to_current_layer(self) -> None:
        """Show the whole current layer."""
        self.canvas.zoom_to_layer(self.current_layer_name() or "")

    def remove_current_layer(self) -> None:
        """Remove the current layer (undo does not bring it back: confirm first)."""
        layer = self.current_layer()
        if layer is None or self.project is None:
            return
        answer = plain_text.question(
            self,
            tr("移除图层", "Remove layer"),
            tr(
                f"从项目中移除图层“{layer.title}”？保存前可通过“不保存”找回。",
                f"Remove layer '{layer.title}' from the project?",
            ),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.project.remove_layer(layer.name)

    def set_tool(self, key: str) -> None:
        """Choose what the mouse does on the map, by its action's key.

        ``tool_pan``, ``tool_zoom_box``, ``tool_identify``, ``tool_select``,
        ``tool_measure_line``, ``tool_measure_area``; the editing tools ``edit_add``,
        ``edit_move``, ``edit_vertex``, ``edit_split``, ``edit_factory`` and those plug-ins
        add to :attr:`tools`. An editing tool works on the current layer, named in the status.
        """
        tool = self.tools[key](self)
        self.canvas.set_tool(tool)
        self.registry[key].setChecked(True)
        if tool.on_layer:
            layer = self.current_layer()
            target = layer.title if layer is not None else tr("（未选图层）", "(no layer)")
            name = tr(tool.name_zh, tool.name_en)
            self.status(tr(f"{name}：{target}", f"{name}: {target}"))

    def feature_values(
        self, layer: Layer, initial: object, *, read_only: tuple[str, ...] = ()
    ) -> dict[str, object] | None:
        """Ask for the attributes of a new feature (tests replace this with a function).

        ``read_only`` names initial values the form shows but does not let the user change.
        """
        from gisdesk.ui.feature_form import new_feature_values

        return new_feature_values(self, layer, initial, read_only=read_only)  # type: ignore[arg-type]

    def clear_selection(self) -> None:
        """Deselect everything in every layer."""
        for layer in self.project or []:
            layer.set_selection([])

    def _view_changed(self, _viewport: Viewport) -> None:
        self.registry["prev_extent"].setEnabled(self.canvas.can_go_back())
        self.registry["next_extent"].setEnabled(self.canvas.can_go_forward())

    # --- messages -----------------------------------------------------------------------

    def status(self, text: str) -> None:
        """Show a short message in the status bar."""
        self.indicators.show(text)

    def log_message(self, text: str) -> None:
        """Append a line to the log dock."""
        self.log.appendPlainText(f"{time.strftime('%H:%M:%S')}  {text}")

    def report_error(self, title: str, message: str, details: str = "") -> None:
        """Tell the user what went wrong; the window keeps running with its data."""
        self.session.report_error(title, message, details)

    def _show_error(self, title: str, message: str, details: str) -> None:
        self.log_message(f"{title}：{message}")
        if details:
            self.log.appendPlainText(details)
        box = QMessageBox(
            QMessageBox.Icon.Warning, plain_text.window_title(title), message, parent=self
        )
        box.setTextFormat(Qt.TextFormat.PlainText)  # the message may quote data
        if details:
            box.setDetailedText(details)
        box.setObjectName("error_box")
        QTimer.singleShot(0, box.open)

    # --- settings -----------------------------------------------------------------------

    def choose_language(self, lang: str) -> None:
        """Remember the interface language (applies on the next start)."""
        set_language(lang)
        self.status(tr("界面语言将在下次启动时生效。", "The language applies at the next start."))

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        for p in self.session.recent():
            self.recent_menu.addAction(
                plain_text.menu_text(p), partial(self.files.open_recent, Path(p))
            )

    def _restore_layout(self) -> None:
        s = settings()
        geometry = s.value("window/geometry")
        state = s.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        self._restored = isinstance(state, QByteArray) and bool(
            self.restoreState(state, LAYOUT_VERSION)
        )
        self._sized = False

    def about(self) -> None:
        """Show version and data notes."""
        QMessageBox.about(
            self,
            "gisdesk",
            tr(
                f"gisdesk {__version__}\n海门区规划与监管桌面 GIS。\n"
                "示例项目除区界与两个国控站点外均为示意数据。",
                f"gisdesk {__version__}\nDesktop GIS for Haimen district planning.\n"
                "The sample project is schematic except the outline and two national stations.",
            ),
        )

    def showEvent(self, event: QShowEvent) -> None:
        """Give the map most of the window the first time (unless a saved layout exists)."""
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            if not self._restored:
                self.resizeDocks([self.docks["table"]], [220], Qt.Orientation.Vertical)
                self.resizeDocks(
                    [self.docks["layers"], self.docks["results"]],
                    [260, 300],
                    Qt.Orientation.Horizontal,
                )

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask about unsaved changes, remember the layout, then close."""
        if not self.confirm_discard():
            event.ignore()
            return
        s = settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState(LAYOUT_VERSION))
        self.canvas.shutdown()
        self.session.close()
        event.accept()
