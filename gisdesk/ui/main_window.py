"""The gisdesk main window: map canvas, layer tree, attribute table, results, log, status bar."""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShowEvent, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from gisdesk import __version__
from gisdesk.core.errors import GisdeskError
from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.io.project_store import open_project, save_project
from gisdesk.render.viewport import NICE_SCALES, Viewport
from gisdesk.ui import plain_text
from gisdesk.ui.actions import ActionRegistry, ActionSpec
from gisdesk.ui.attribute_table import AttributeTable, display_value
from gisdesk.ui.canvas import CanvasTool, MapCanvas, MapTool
from gisdesk.ui.editing import (
    EditController,
    JournalCommand,
    is_bundled_sample,
    recoverable_copies,
)
from gisdesk.ui.feature_form import edit_feature_attributes
from gisdesk.ui.feature_history import show_feature_history
from gisdesk.ui.i18n import language, set_language, settings, tr
from gisdesk.ui.layer_tree import LayerTree
from gisdesk.ui.output_paths import refuse_project_output
from gisdesk.ui.snapping import Snapper
from gisdesk.ui.style_dialog import StyleDialog
from gisdesk.ui.workers import Task, run_task, unexpected_error

if TYPE_CHECKING:
    from gisdesk.tasks import Request
    from gisdesk.ui.analysis_dialogs import AnalysisResult

__all__ = ["MainWindow"]

SP = QStyle.StandardPixmap
MAX_RECENT = 8


def digitize_actions(which: str, window: MainWindow) -> None:
    """Copy or paste features (the digitising module is loaded on first use)."""
    from gisdesk.ui import digitize

    if which == "copy":
        digitize.copy_selected(window)
    else:
        digitize.paste_features(window)


class MainWindow(QMainWindow):
    """One project at a time; every command comes from the action registry."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("gisdesk_main")
        self.project: Project | None = None
        self.modified = False
        self.undo = QUndoStack(self)
        self.edits = EditController(self.undo, self)
        self._quiet_undo = 0  # undo-stack moves of saved feature edits (not "unsaved")
        self.task: Task | None = None
        self.task_label = ""
        # Tasks asked for while another runs wait here and start in turn (saving during an
        # analysis waits for it instead of cancelling it).
        self._queued: list[Callable[[], None]] = []
        self._unsubscribe: list[Callable[[], None]] = []
        self.resize(1400, 900)

        self.canvas = MapCanvas(self)
        self.setCentralWidget(self.canvas)
        self.snapper = Snapper(self.canvas)
        self.feature_clipboard: object = None
        self.extra_edit_tools: dict[str, Callable[[MainWindow], CanvasTool]] = {}
        self.layer_tree = LayerTree(self)
        self.table = AttributeTable(self.undo, self, edits=self.edits)
        self.results = QTreeWidget(self)
        self.results.setObjectName("results")
        self.results.setHeaderLabels([tr("项目", "Item"), tr("值", "Value")])
        self.results.setColumnWidth(0, 180)
        self.log = QPlainTextEdit(self)
        self.log.setReadOnly(True)
        from gisdesk.ui.dashboard import TargetDashboard

        self.dashboard = TargetDashboard(self)
        self.dashboard.on_modified = self._mark_modified_now
        self.docks = {
            "layers": self._dock(
                "layers",
                tr("图层", "Layers"),
                self.layer_tree,
                Qt.DockWidgetArea.LeftDockWidgetArea,
            ),
            "results": self._dock(
                "results",
                tr("查询与分析结果", "Results"),
                self.results,
                Qt.DockWidgetArea.RightDockWidgetArea,
            ),
            "table": self._dock(
                "table",
                tr("属性表", "Attribute table"),
                self.table,
                Qt.DockWidgetArea.BottomDockWidgetArea,
            ),
            "targets": self._dock(
                "targets",
                tr("规划目标", "Plan targets"),
                self.dashboard,
                Qt.DockWidgetArea.BottomDockWidgetArea,
            ),
            "log": self._dock(
                "log", tr("日志", "Log"), self.log, Qt.DockWidgetArea.BottomDockWidgetArea
            ),
        }
        self.tabifyDockWidget(self.docks["table"], self.docks["targets"])
        self.tabifyDockWidget(self.docks["targets"], self.docks["log"])
        self.docks["table"].raise_()
        self._build_status_bar()
        self.registry = ActionRegistry(self)
        self._build_actions()
        self._connect()
        self._restore_layout()
        self._update_title()

    # --- construction -------------------------------------------------------------------

    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.lonlat_label = QLabel("")
        self.lonlat_label.setObjectName("lonlat")
        self.metric_label = QLabel("")
        self.metric_label.setObjectName("metric")
        self.scale_box = QComboBox()
        self.scale_box.setObjectName("scale")
        self.scale_box.setEditable(True)
        self.scale_box.setMinimumWidth(130)
        self.scale_box.addItems([f"1:{s:,}" for s in NICE_SCALES])
        self.crs_label = QLabel("")
        self.read_only_label = QLabel(tr("只读", "Read-only"))  # why: in its tooltip
        self.read_only_label.setObjectName("read_only")
        self.read_only_label.hide()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.cancel_button = QPushButton(tr("取消", "Cancel"))
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel_task)
        widgets: list[QWidget] = [
            self.lonlat_label,
            self.metric_label,
            QLabel(tr("比例尺", "Scale")),
            self.scale_box,
            self.crs_label,
            self.read_only_label,
            self.progress,
            self.cancel_button,
        ]
        for widget in widgets:
            bar.addPermanentWidget(widget)

    def _build_actions(self) -> None:
        a = self.registry
        c = self.canvas
        specs = [
            ActionSpec(
                "new",
                "新建项目",
                "New project",
                "project",
                self.new_project,
                QKeySequence.StandardKey.New,
                SP.SP_FileIcon,
                "项目",
            ),
            ActionSpec(
                "open",
                "打开项目…",
                "Open project…",
                "project",
                self.ask_open,
                QKeySequence.StandardKey.Open,
                SP.SP_DialogOpenButton,
                "项目",
            ),
            ActionSpec(
                "save",
                "保存",
                "Save",
                "project",
                self.save,
                QKeySequence.StandardKey.Save,
                SP.SP_DialogSaveButton,
                "项目",
            ),
            ActionSpec(
                "save_as",
                "另存为…",
                "Save as…",
                "project",
                self.save_as,
                QKeySequence.StandardKey.SaveAs,
            ),
            ActionSpec(
                "add_layer",
                "添加图层…",
                "Add layer…",
                "layer",
                self.ask_add_layer,
                "Ctrl+L",
                SP.SP_FileDialogNewFolder,
                "项目",
            ),
            ActionSpec(
                "undo",
                "撤销",
                "Undo",
                "edit",
                self.undo.undo,
                QKeySequence.StandardKey.Undo,
                SP.SP_ArrowBack,
                "项目",
            ),
            ActionSpec(
                "redo",
                "重做",
                "Redo",
                "edit",
                self.undo.redo,
                (QKeySequence.StandardKey.Redo, "Ctrl+Y"),  # Ctrl+Shift+Z and Ctrl+Y everywhere
                SP.SP_ArrowForward,
                "项目",
            ),
            ActionSpec(
                "quit", "退出", "Quit", "project", self.close, QKeySequence.StandardKey.Quit
            ),
            ActionSpec(
                "zoom_in",
                "放大",
                "Zoom in",
                "view",
                lambda: c.zoom_by(2.0),
                QKeySequence.StandardKey.ZoomIn,
                None,
                "导航",
            ),
            ActionSpec(
                "zoom_out",
                "缩小",
                "Zoom out",
                "view",
                lambda: c.zoom_by(0.5),
                QKeySequence.StandardKey.ZoomOut,
                None,
                "导航",
            ),
            ActionSpec(
                "zoom_full",
                "全图",
                "Full extent",
                "view",
                c.zoom_full,
                "Ctrl+Shift+F",
                SP.SP_DesktopIcon,
                "导航",
            ),
            ActionSpec(
                "zoom_layer",
                "缩放到图层",
                "Zoom to layer",
                "view",
                lambda: c.zoom_to_layer(self.current_layer_name() or ""),
                None,
                None,
                "导航",
            ),
            ActionSpec(
                "zoom_selection",
                "缩放到选中要素",
                "Zoom to selection",
                "view",
                c.zoom_to_selection,
                "Ctrl+J",
            ),
            ActionSpec(
                "prev_extent",
                "上一视图",
                "Previous extent",
                "view",
                c.previous_extent,
                "Alt+Left",
                SP.SP_MediaSeekBackward,
                "导航",
            ),
            ActionSpec(
                "next_extent",
                "下一视图",
                "Next extent",
                "view",
                c.next_extent,
                "Alt+Right",
                SP.SP_MediaSeekForward,
                "导航",
            ),
            ActionSpec(
                "refresh", "刷新", "Refresh", "view", c.refresh_now, "F5", SP.SP_BrowserReload
            ),
        ]
        tools = [
            ("pan", "平移", "Pan", MapTool.PAN, "P"),
            ("zoom_box", "拉框放大", "Zoom to box", MapTool.ZOOM_BOX, "Z"),
            ("identify", "识别要素", "Identify", MapTool.IDENTIFY, "I"),
            ("select", "选择要素（Shift 追加）", "Select (Shift adds)", MapTool.SELECT, "S"),
            ("measure_line", "量测距离", "Measure distance", MapTool.MEASURE_LINE, "M"),
            ("measure_area", "量测面积", "Measure area", MapTool.MEASURE_AREA, "Shift+M"),
        ]
        edit_tools = [
            ("add", "添加要素", "Add feature", "Ctrl+.", "点、线或面：单击放点，双击或回车结束"),
            ("move", "移动要素", "Move feature", None, "拖动当前图层的要素"),
            ("vertex", "编辑节点", "Edit vertices", "V", "拖动节点；双击线段加点；右键删点"),
            ("split", "打断线", "Split line", None, "在单击处把线分为两段"),
            (
                "factory",
                "登记出租厂房（占地）",
                "Register factory (footprint)",
                None,
                "画出厂房占地范围，填写厂房表单：同时登记厂房点位和占地面",
            ),
        ]
        for key, zh, en, shortcut, tip in edit_tools:
            specs.append(
                ActionSpec(
                    f"edit_{key}",
                    zh,
                    en,
                    "edit",
                    partial(self.set_edit_tool, key),
                    shortcut,
                    None,
                    "编辑",
                    checkable=True,
                    group="map_tools",
                    tip_zh=tip,
                )
            )
        specs += [
            ActionSpec(
                "delete_features",
                "删除所选要素",
                "Delete selected",
                "edit",
                self.delete_pressed,
                "Del",
            ),
            ActionSpec(
                "copy_features",
                "复制要素",
                "Copy features",
                "edit",
                lambda: digitize_actions("copy", self),
                QKeySequence.StandardKey.Copy,
            ),
            ActionSpec(
                "paste_features",
                "粘贴要素",
                "Paste features",
                "edit",
                lambda: digitize_actions("paste", self),
                QKeySequence.StandardKey.Paste,
            ),
            ActionSpec("snap_settings", "捕捉设置…", "Snapping…", "edit", self.snap_settings),
            ActionSpec(
                "user_name", "编辑人员姓名…", "Editor name…", "settings", self.ask_user_name
            ),
        ]
        for key, zh, en, tool, shortcut in tools:
            specs.append(
                ActionSpec(
                    f"tool_{key}",
                    zh,
                    en,
                    "tools",
                    partial(self.set_tool, tool),
                    shortcut,
                    None,
                    "工具",
                    checkable=True,
                    group="map_tools",
                )
            )
        specs += [
            ActionSpec(
                "clear_selection",
                "清除选择",
                "Clear selection",
                "tools",
                self.clear_selection,
                "Ctrl+Shift+A",
            ),
            ActionSpec(
                "attribute_table",
                "打开属性表",
                "Open attribute table",
                "layer",
                lambda: self.show_table(self.current_layer_name()),
                "F6",
            ),
            ActionSpec(
                "style",
                "图层样式…",
                "Layer style…",
                "layer",
                lambda: self.edit_style(self.current_layer_name()),
                "F7",
            ),
            ActionSpec(
                "remove_layer", "移除图层", "Remove layer", "layer", self.remove_current_layer
            ),
            # feature forms and audit trail (on the one selected feature of the current layer)
            ActionSpec(
                "edit_attributes",
                "编辑属性…",
                "Edit attributes…",
                "layer",
                lambda: edit_feature_attributes(self),
                tip_zh="在表单中编辑当前图层选中要素的属性（按图层定义校验）",
                tip_en="Edit the selected feature's attributes in a form checked by the schema",
            ),
            ActionSpec(
                "feature_history",
                "要素历史…",
                "Feature history…",
                "layer",
                lambda: show_feature_history(self),
                tip_zh="查看当前图层选中要素的编辑记录（谁、何时、修改前后）",
                tip_en="Who changed the selected feature, when, and the values before and after",
            ),
            ActionSpec(
                "zones",
                "监测站点重点区域…",
                "Station key zones…",
                "analysis",
                lambda: self.ask_analysis("zones"),
            ),
            ActionSpec(
                "service_areas",
                "15 分钟医保服务圈…",
                "15-minute service areas…",
                "analysis",
                lambda: self.ask_analysis("service_areas"),
            ),
            ActionSpec(
                "siting",
                "新增服务点选址…",
                "Site new service points…",
                "analysis",
                lambda: self.ask_analysis("siting"),
            ),
            ActionSpec(
                "rerun",
                "重新运行上次分析",
                "Run the last analysis again",
                "analysis",
                self.rerun_analysis,
                "Ctrl+R",
            ),
            ActionSpec(
                "evaluate_targets",
                "评估规划目标",
                "Evaluate plan targets",
                "analysis",
                lambda: self.evaluate_targets(self.dashboard.as_of.date().toPython()),
                "Ctrl+T",
            ),
            ActionSpec(
                "plate", "制图出版…", "Map plate…", "project", self.open_plate_designer, "Ctrl+P"
            ),
            ActionSpec(
                "webmap", "导出网页地图…", "Export web map…", "project", self.ask_export_webmap
            ),
            ActionSpec(
                "lang_zh",
                "中文界面",
                "Chinese interface",
                "settings",
                lambda: self.choose_language("zh"),
                checkable=True,
                group="language",
            ),
            ActionSpec(
                "lang_en",
                "英文界面（English）",
                "English interface",
                "settings",
                lambda: self.choose_language("en"),
                checkable=True,
                group="language",
            ),
            ActionSpec("about", "关于 gisdesk", "About gisdesk", "help", self.about),
        ]
        for spec in specs:
            a.add(spec)
        from gisdesk.ui.blackspots_actions import install_blackspots

        self.blackspots = install_blackspots(self)  # 分析 → 事故多发路段 (issue 7)
        from gisdesk.ui.postgis_dialog import install_postgis

        self.postgis = install_postgis(self)  # 项目 → 连接 PostGIS… (issue 11)
        from gisdesk.ui.road_stretch_tool import install_road_stretch

        install_road_stretch(self)  # 编辑 → 选取事故多发路段 (issue 8)
        from gisdesk.ui.derived import install_derived

        self.derived = install_derived(self)  # 派生结果跟随源图层更新 (issue 8)
        a["tool_pan"].setChecked(True)
        a[f"lang_{language()}"].setChecked(True)
        self.recent_menu = a.menus["project"].addMenu(tr("最近的项目", "Recent projects"))
        a.menus["project"].insertMenu(a["save"], self.recent_menu)
        for dock in self.docks.values():
            a.menus["view"].addAction(dock.toggleViewAction())
        self._refresh_recent()

    def _connect(self) -> None:
        c = self.canvas
        c.cursor_moved.connect(self._cursor_moved)
        c.view_changed.connect(self._view_changed)
        c.identified.connect(self.show_identify)
        c.measured.connect(self._measured)
        c.frame_rendered.connect(self._frame_rendered)
        edit = self.scale_box.lineEdit()
        assert edit is not None  # the box is editable
        edit.returnPressed.connect(self._scale_entered)
        self.scale_box.activated.connect(lambda _i: self._scale_entered())
        self.layer_tree.current_layer_changed.connect(self._current_layer_changed)
        self.layer_tree.zoom_requested.connect(c.zoom_to_layer)
        self.layer_tree.style_requested.connect(self.edit_style)
        self.layer_tree.table_requested.connect(self.show_table)
        self.table.message.connect(self.status)
        self.dashboard.message.connect(self.status)
        self.dashboard.evaluate_requested.connect(self.evaluate_targets)
        self.dashboard.gap_requested.connect(self.show_gap)
        self.undo.indexChanged.connect(self._undo_index_changed)
        self.edits.failed.connect(self._edit_failed)
        self.edits.recovered.connect(self._work_recovered)
        self.edits.edited.connect(self._edited)

    # --- project ------------------------------------------------------------------------

    def set_project(self, project: Project | None, *, working_copy: Path | None = None) -> None:
        """Show a project in every view (``working_copy``: where its edits are kept)."""
        for off in self._unsubscribe:
            off()
        self._unsubscribe = []
        self.project = project
        self.undo.clear()
        self.edits.attach(project, working_copy=working_copy)
        self.table.set_layer(None)
        self.results.clear()
        self.canvas.set_project(project)
        self.layer_tree.set_project(project)
        self.dashboard.set_project(project)
        if project is not None:
            self._unsubscribe.append(
                project.layers_changed.connect(lambda *_: self._mark_modified())
            )
            self._unsubscribe.append(project.layer_changed.connect(self._layer_changed))
            self.crs_label.setText(f"EPSG:{self.canvas.crs.to_epsg()}")
            names = [layer.name for layer in project]
            if names:
                self.layer_tree.select_layer(names[-1])
        self.modified = False
        self._update_title()

    def _layer_changed(self, _layer: Layer, reason: str) -> None:
        if reason == "data" and self.edits.applying and self._edits_saved():
            return  # an accepted edit, already in the project file
        if reason != "selection":
            self._mark_modified()

    def _edits_saved(self) -> bool:
        """Whether feature edits go straight into the project's own file."""
        return self.edits.durable and self.edits.working_copy is None

    def _undo_index_changed(self, _index: int) -> None:
        command = self.undo.command(self.undo.index() - 1) if self.undo.index() else None
        redone = self.undo.command(self.undo.index())
        journal = isinstance(command, JournalCommand) or isinstance(redone, JournalCommand)
        if journal and self._edits_saved():
            return
        self._mark_modified()

    def _edit_failed(self, title: str, message: str) -> None:
        self.status(message)
        plain_text.warning(self, title, message)

    def _work_recovered(self, message: str) -> None:
        self.log_message(message)
        QTimer.singleShot(
            0, lambda: plain_text.information(self, tr("已恢复编辑", "Edits recovered"), message)
        )

    def _edited(self, txn: object) -> None:
        label = getattr(txn, "label", None)
        if callable(label):
            text = str(label(language()))
            where = tr("已保存到项目文件", "saved to the project file")
            if not self._edits_saved():
                where = tr("已保存到工作副本", "saved to the working copy")
            self.status(f"{text}（{where}）" if language() == "zh" else f"{text} ({where})")

    def _mark_modified(self) -> None:
        if self.project is not None and not self.modified:
            self.modified = True
            self._update_title()

    def _update_title(self) -> None:
        name = self.project.title if self.project else tr("无项目", "no project")
        path = f" — {self.project.path}" if self.project and self.project.path else ""
        if self.edits.read_only is not None:  # why: in the status bar's 只读 tooltip
            path += tr("（只读）", " (read-only)")
        self._show_read_only()
        star = "*" if self.modified else ""
        self.setWindowTitle(plain_text.window_title(f"{star}{name}{path} — gisdesk"))

    def _show_read_only(self) -> None:
        """Show 只读 in the status bar while edits are refused, the reason as its tooltip."""
        reason = self.edits.read_only_message()
        self.read_only_label.setVisible(bool(reason))
        # always rich text, escaped: a file name in the reason is shown as it is
        self.read_only_label.setToolTip(
            f'<p style="white-space:pre-wrap">{html.escape(reason, quote=False)}</p>'
            if reason
            else ""
        )

    def confirm_discard(self) -> bool:
        """Ask before dropping unsaved changes; return True when it is fine to go on."""
        if not self.modified or self.project is None:
            return True
        answer = plain_text.question(
            self,
            tr("未保存的修改", "Unsaved changes"),
            tr(
                f"项目“{self.project.title}”有未保存的修改。是否保存？",
                f"The project '{self.project.title}' has unsaved changes. Save them?",
            ),
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save(wait=True)
        return answer == QMessageBox.StandardButton.Discard

    def new_project(self) -> None:
        """Start an empty project."""
        if self.confirm_discard():
            self.set_project(Project(title=tr("新项目", "New project")))

    def ask_open(self) -> None:
        """Ask for a project file and open it."""
        if not self.confirm_discard():
            return
        path, _ = QFileDialog.getOpenFileName(
            self, tr("打开项目", "Open project"), "", "GeoPackage (*.gpkg)"
        )
        if path:
            self.open_path(Path(path))

    def open_path(self, path: Path, *, wait: bool = False, recovered: bool = False) -> None:
        """Open a project in a worker; report a bad file without closing the current one.

        ``recovered`` opens a working copy left by a crashed session: its edits continue in
        that copy and the project counts as unsaved until the user saves it somewhere.
        """
        self.log_message(tr(f"正在打开 {path}", f"Opening {path}"))

        def done(project: Project) -> None:
            if recovered:
                project.path = None
                self.set_project(project, working_copy=path)
                self.modified = True
                self._update_title()
                self._warn_load_problems(project)
                return
            if is_bundled_sample(path):
                project.path = None  # the bundled sample: edits go to a working copy
                self.log_message(
                    tr(
                        f"{path.name} 是示例文件：编辑保存在工作副本中，"
                        "请用“另存为”保存到自己的文件。",
                        f"{path.name} is the sample file: edits are kept in a "
                        "working copy; use Save As to keep them in a file of your own.",
                    )
                )
            self.set_project(project)
            if self.edits.read_only is not None:
                self.log_message(tr("只读：", "Read-only: ") + self.edits.read_only_message())
            self._remember_recent(path)
            self.log_message(
                tr(
                    f"已打开 {path.name}：{len(project)} 个图层",
                    f"Opened {path.name}: {len(project)} layers",
                )
            )
            self._warn_load_problems(project)

        self.start_task(
            Task(open_project, path), done, tr("打开项目", "Opening"), wait=wait, replace=True
        )

    def _warn_load_problems(self, project: Project) -> None:
        """Say which parts of the file could not be read and were replaced by defaults."""
        if not project.load_problems:
            return
        lines = [issue.message(language()) for issue in project.load_problems]
        self.report_error(
            tr("项目部分内容无法读取", "Parts of the project could not be read"),
            "\n".join(lines),
        )

    def save(self, *, wait: bool = False) -> bool:
        """Save to the project's file (asking where when it has none)."""
        if self.project is None:
            return False
        if self.project.path is None or self.edits.read_only is not None:
            return self.save_as(wait=wait)  # a read-only file stays as it is
        return self._save_to(self.project.path, wait=wait)

    def save_as(self, *, wait: bool = False) -> bool:
        """Ask for a file and save the project there."""
        if self.project is None:
            return False
        path, _ = QFileDialog.getSaveFileName(
            self,
            tr("项目另存为", "Save project as"),
            f"{self.project.title}.gpkg",
            "GeoPackage (*.gpkg)",
        )
        if not path:
            return False
        target = Path(path) if path.endswith(".gpkg") else Path(path + ".gpkg")
        return self._save_to(target, wait=wait)

    def _save_to(self, path: Path, *, wait: bool) -> bool:
        assert self.project is not None
        project = self.project
        ok: list[bool] = []

        try:  # this window's lock, or the target's taken now: one writer at a time
            lock = self.edits.lock_for_save(path)
        except GisdeskError as exc:
            self.report_error(tr("无法保存", "Cannot save"), exc.message(language()))
            return False

        def done(saved: Path) -> None:
            self.edits.resume_after_save(saved, lock)
            self.modified = False
            self.undo.setClean()
            self._remember_recent(saved)
            self._update_title()
            self.log_message(tr(f"已保存到 {saved}", f"Saved to {saved}"))
            ok.append(True)

        journal = self.edits.journal_source()
        self.edits.suspend_for_save()
        self.start_task(
            Task(save_project, project, path, journal_from=journal, lock=lock),
            done,
            tr("保存项目", "Saving"),
            wait=wait,
            on_failed=lambda: self.edits.resume_after_save(None, lock),
        )
        return bool(ok) if wait else True

    def ask_add_layer(self) -> None:
        """Ask for a file and add it as a layer."""
        if self.project is None:
            self.set_project(Project(title=tr("新项目", "New project")))
        from gisdesk.ui.import_dialog import FILE_FILTER

        path, _ = QFileDialog.getOpenFileName(self, tr("添加图层", "Add layer"), "", FILE_FILTER)
        if path:
            self.add_layer_from(Path(path), ask=True)

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
        except GisdeskError as exc:
            self.report_error(title, exc.message(language()))
            return None
        except Exception as exc:
            message, details = unexpected_error("add layer", exc)  # traceback to the log
            self.report_error(title, message, details)
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

    # --- long work ----------------------------------------------------------------------

    def start_task(
        self,
        task: Task,
        on_done: object,
        label: str,
        *,
        wait: bool = False,
        on_failed: Callable[[], None] | None = None,
        replace: bool = False,
    ) -> None:
        """Run a task with the progress bar and cancel button; errors become messages.

        One task runs at a time. A task asked for while another runs waits for it and then
        starts; with ``replace`` (opening another project) the running task is cancelled and
        the waiting ones are dropped instead. ``on_failed`` runs when the task fails or is
        cancelled (e.g. to undo preparations). ``wait`` blocks, processing events, until the
        task has ended.
        """
        ended: list[bool] = []
        if replace:
            self._queued.clear()
            if self.task is not None:
                self.task.cancel()
        elif self.task is not None:
            self._queued.append(lambda: self._run_task(task, on_done, label, on_failed, ended))
            self.log_message(
                tr(
                    f"{label}：等待“{self.task_label}”完成后开始",
                    f"{label}: starts when '{self.task_label}' has finished",
                )
            )
            if wait:
                self._wait_for(ended)
            return
        self._run_task(task, on_done, label, on_failed, ended)
        if wait:
            self._wait_for(ended)

    def _wait_for(self, ended: list[bool]) -> None:
        import contextlib

        from PySide6.QtCore import QCoreApplication

        while not ended:
            if self.task is not None:
                with contextlib.suppress(TimeoutError):
                    self.task.wait(0.02)
            QCoreApplication.processEvents()

    def _run_task(
        self,
        task: Task,
        on_done: object,
        label: str,
        on_failed: Callable[[], None] | None,
        ended: list[bool],
    ) -> None:
        self.task = task
        self.task_label = label
        self.progress.setValue(0)
        self.progress.setFormat(f"{label} %p%")
        self.progress.show()
        self.cancel_button.show()

        def finish() -> None:
            if self.task is task:  # not replaced by a task that took over the bar
                self.task = None
                self.progress.hide()
                self.cancel_button.hide()
            ended.append(True)

        def next_task() -> None:
            if self.task is None and self._queued:
                self._queued.pop(0)()

        def failed(message: str, details: str) -> None:
            self.last_failure = task.error  # the exception itself, for callers that wait
            finish()
            if on_failed is not None:
                on_failed()
            self.report_error(label, message, details)
            next_task()

        def cancelled() -> None:
            finish()
            if on_failed is not None:
                on_failed()
            self.log_message(tr(f"{label}已取消", f"{label} cancelled"))
            next_task()

        def succeeded(result: object) -> None:
            finish()
            on_done(result)  # type: ignore[operator]
            next_task()

        def progress(fraction: float, message: str) -> None:
            self.progress.setValue(int(fraction * 100))
            self.status(message)

        task.signals.progress.connect(progress)
        task.signals.finished.connect(succeeded)
        task.signals.failed.connect(failed)
        task.signals.cancelled.connect(cancelled)
        run_task(task)

    def cancel_task(self) -> None:
        """Cancel the running task."""
        if self.task is not None:
            self.task.cancel()

    # --- plates -----------------------------------------------------------------------

    def open_plate_designer(self) -> None:
        """Open the plate designer on the current project."""
        if self.project is None:
            return
        from gisdesk.ui.plate_designer import PlateDesigner

        self.plate_designer = PlateDesigner(self.project, self, start_task=self.start_task)
        self.plate_designer.on_modified = self._mark_modified_now
        self.plate_designer.show()

    def ask_export_webmap(self) -> None:
        """Ask for an HTML file and export the visible layers as an offline web map."""
        if self.project is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self,
            tr("导出网页地图", "Export web map"),
            f"{self.project.title}.html",
            "HTML (*.html)",
        )
        if path:
            self.export_webmap(Path(path))

    def export_webmap(self, path: Path, *, wait: bool = False, force: bool = False) -> None:
        """Write the visible layers as a self-contained HTML map (works offline).

        A map too big for a browser is not written: the window shows the same message as
        ``gisdesk webmap`` and offers to write it anyway (``force``).
        """
        from gisdesk.export.webmap import WebMapTooLargeError, export_webmap
        from gisdesk.tasks import ProjectSource, run_request
        from gisdesk.tasks.webmap import WebMapRequest

        if self.project is None or refuse_project_output(self, self.project, path):
            return
        project = self.project
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
                self.webmap_result = result  # the task's Result: layers, features, size
                self.log_message(tr(f"已导出网页地图 {path}", f"Web map written to {path}"))
                return
            message = result.message(language())
            self.log_message(message)
            answer = plain_text.question(
                self,
                tr("网页地图过大", "Web map too large"),
                message + "\n\n" + tr("仍要写出吗？", "Write it anyway?"),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer == QMessageBox.StandardButton.Yes and self.project is project:
                self.export_webmap(path, wait=wait, force=True)

        self.start_task(Task(run), done, tr("导出网页地图", "Exporting web map"), wait=wait)

    # --- plan targets -----------------------------------------------------------------

    def _mark_modified_now(self) -> None:
        self._mark_modified()

    def evaluate_targets(self, as_of: object, *, wait: bool = False) -> None:
        """Run the dashboard's TargetsRequest (or one for a date) in a worker and show it."""
        from gisdesk.tasks import ProjectSource, run_request
        from gisdesk.tasks.targets import TargetsRequest

        if self.project is None:
            return
        project = self.project
        if isinstance(as_of, TargetsRequest):
            request = as_of
        else:
            request = self.dashboard.request(as_of)  # type: ignore[arg-type]

        def done(result: object) -> None:
            if self.project is project:
                self.dashboard.show_result(result)  # type: ignore[arg-type]
                self.docks["targets"].show()
                self.docks["targets"].raise_()

        self.start_task(
            Task(run_request, ProjectSource(project), request),
            done,
            tr("目标评估", "Evaluating targets"),
            wait=wait,
        )

    def show_gap(self, target_id: str, unit: str) -> None:
        """Select the features that make a target's gap and zoom the map to them."""
        ev = self.dashboard.evaluation
        if ev is None or self.project is None:
            return
        rows = ev.gap_rows(target_id, None if unit == "全区" else unit)
        shown = 0
        for name, positions in rows.items():
            if name in self.project:
                self.project.layer(name).set_selection(positions)
                shown += len(positions)
        first = next((n for n, r in rows.items() if len(r) and n in self.project), None)
        if first is not None:
            self.layer_tree.select_layer(first)
            self.canvas.zoom_to_selection(first)
        self.status(
            tr(
                f"{target_id} {unit}：{shown} 个要素构成差距",
                f"{target_id} {unit}: {shown} features make the gap",
            )
        )

    # --- analyses ---------------------------------------------------------------------

    def ask_analysis(self, kind: str) -> None:
        """Ask for an analysis's inputs and run it."""
        if self.project is None:
            return
        from gisdesk.ui.analysis_dialogs import ServiceAreaDialog, SitingDialog, ZonesDialog

        dialogs: dict[str, type[ZonesDialog | ServiceAreaDialog]] = {
            "zones": ZonesDialog,
            "service_areas": ServiceAreaDialog,
            "siting": SitingDialog,
        }
        dialog = dialogs[kind](self.project, self)
        if dialog.exec():
            self.run_analysis(dialog.request())

    def run_analysis(self, request: Request, *, wait: bool = False) -> None:
        """Run an analysis in a worker; add its layers and show its summary.

        The layers of an earlier run of the same analysis are replaced, not stacked.
        """
        from gisdesk.ui.analysis_dialogs import place_layers, run_analysis

        if self.project is None:
            return
        project = self.project
        self.last_request = request

        def done(result: AnalysisResult) -> None:
            if self.project is not project:
                return  # the project was closed meanwhile
            earlier = {
                name
                for record in self.derived.records()
                if record.get("kind") == request.kind
                for name in record.get("outputs", [])
            }
            place_layers(project, result.layers, earlier)
            self.derived.record(request, result)  # its layers follow edits of the sources
            self.show_summary(result)
            for note in result.notes:
                self.log_message(note)

        self.start_task(
            Task(run_analysis, project, request), done, tr("分析", "Analysis"), wait=wait
        )

    def rerun_analysis(self) -> None:
        """Run the last analysis again with the same inputs."""
        request = getattr(self, "last_request", None)
        if request is not None:
            self.run_analysis(request)

    def show_summary(self, result: AnalysisResult) -> None:
        """List an analysis summary table in the results dock (Chinese headers, units).

        One row per town (or station) under the title; its children are the columns, each
        value through the tasks' formatter (whole counts, percentages).
        """
        self.results.clear()
        head = QTreeWidgetItem(self.results, [result.title, "；".join(result.notes)])
        table = result.summary
        headers = table.headers()
        for row in table.formatted():
            item = QTreeWidgetItem(head, [row[0], ""])
            for header, value in zip(headers[1:], row[1:], strict=True):
                QTreeWidgetItem(item, [header, value])
        head.setExpanded(True)
        self.docks["results"].show()
        self.docks["results"].raise_()

    # --- layers, tools, results ---------------------------------------------------------

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
        if self.docks["table"].isVisible():
            self.show_table(name)

    def show_table(self, name: str | None) -> None:
        """Show a layer in the attribute table."""
        if self.project is None or not name or name not in self.project:
            return
        self.table.set_layer(self.project.layer(name))
        self.docks["table"].show()
        self.docks["table"].raise_()

    def edit_style(self, name: str | None) -> None:
        """Open the style dialog of a layer."""
        if self.project is None or not name or name not in self.project:
            return
        StyleDialog(self.project.layer(name), self.undo, self).exec()

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

    def set_tool(self, tool: MapTool) -> None:
        """Choose what the mouse does on the map."""
        self.canvas.set_edit_tool(None)
        self.canvas.tool = tool
        self.canvas.clear_measurement()
        self.registry[f"tool_{tool.value}"].setChecked(True)

    def set_edit_tool(self, key: str) -> None:
        """Choose an editing tool (add, move, vertex, split...) for the current layer."""
        from gisdesk.ui import digitize
        from gisdesk.ui.factory_tool import FactoryFootprintTool

        factories: dict[str, Callable[[MainWindow], CanvasTool]] = {
            "add": digitize.AddFeatureTool,
            "move": digitize.MoveFeatureTool,
            "vertex": digitize.VertexTool,
            "split": digitize.SplitLineTool,
            "factory": FactoryFootprintTool,
        }
        factories.update(self.extra_edit_tools)
        self.canvas.clear_measurement()
        tool = factories[key](self)
        self.canvas.set_edit_tool(tool)
        self.registry[f"edit_{key}"].setChecked(True)
        layer = self.current_layer()
        name = tr(tool.name_zh, tool.name_en)
        target = layer.title if layer is not None else tr("（未选图层）", "(no layer)")
        self.status(f"{name}：{target}" if language() == "zh" else f"{name}: {target}")

    def feature_values(
        self, layer: Layer, initial: object, *, read_only: tuple[str, ...] = ()
    ) -> dict[str, object] | None:
        """Ask for the attributes of a new feature (tests replace this with a function).

        ``read_only`` names initial values the form shows but does not let the user change.
        """
        from gisdesk.ui.feature_form import new_feature_values

        return new_feature_values(self, layer, initial, read_only=read_only)  # type: ignore[arg-type]

    def delete_pressed(self) -> None:
        """Delete: the hovered vertex in the vertex tool, else the selected features."""
        from gisdesk.ui import digitize

        tool = self.canvas.edit_tool if self.canvas.tool == MapTool.EDIT else None
        if isinstance(tool, digitize.VertexTool) and tool.hover is not None:
            layer = self.current_layer()
            if layer is not None and tool.row is not None:
                tool._delete(layer, tool.row, tool.hover)
                return
        digitize.delete_selected(self)

    def offer_recovery(self) -> bool:
        """Offer the newest working copy left by a crashed session; True if it is opened."""
        copies = recoverable_copies()
        if not copies:
            return False
        newest = copies[0]
        answer = plain_text.question(
            self,
            tr("恢复未保存的工作", "Recover unsaved work"),
            tr(
                f"上次 gisdesk 未正常关闭，留下了尚未另存的项目工作副本（{newest.name}），"
                "其中的编辑都已保存。是否打开它继续工作？\n"
                "选“否”则保留该副本，下次启动时再询问；选“放弃”则删除它。",
                f"gisdesk did not close normally last time and left a working copy of an "
                f"unsaved project ({newest.name}) with all its edits. Open it and go on?\n"
                "No keeps the copy and asks again next time; Discard deletes it.",
            ),
            QMessageBox.StandardButton.Yes
            | QMessageBox.StandardButton.No
            | QMessageBox.StandardButton.Discard,
            QMessageBox.StandardButton.Yes,
        )
        if answer == QMessageBox.StandardButton.Discard:
            for suffix in ("", "-journal"):
                Path(str(newest) + suffix).unlink(missing_ok=True)
            return False
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self.open_path(newest, recovered=True)
        return True

    def ask_user_name(self) -> None:
        """Set the name the audit trail records for this user's edits."""
        from PySide6.QtWidgets import QInputDialog

        current = EditController.user_name()
        name, ok = QInputDialog.getText(
            self,
            tr("编辑人员", "Editor name"),
            tr(
                "编辑记录中使用的姓名（留空则用系统用户名）：",
                "Name in the edit log (empty: OS user):",
            ),
            text=current,
        )
        if ok:
            settings().setValue("edit/user_name", name.strip())
            if self.edits.editor is not None:
                self.edits.editor.user = EditController.user_name()

    def snap_settings(self) -> None:
        """Choose snapping layers and tolerance."""
        from gisdesk.ui.digitize import SnapSettingsDialog

        SnapSettingsDialog(self).exec()

    def clear_selection(self) -> None:
        """Deselect everything in every layer."""
        for layer in self.project or []:
            layer.set_selection([])

    def show_identify(self, hits: list[tuple[Layer, int]]) -> None:
        """List identified features with their Chinese field labels."""
        self.results.clear()
        if not hits:
            self.status(tr("此处没有要素", "Nothing here"))
            return
        for layer, row in hits[:30]:
            data = layer.data
            head = QTreeWidgetItem(
                self.results, [layer.title, tr(f"第 {row + 1} 行", f"row {row + 1}")]
            )
            for column in data.columns:
                if column == data.geometry.name:
                    continue
                spec = layer.schema.field_index.get(column) if layer.schema else None
                label = spec.label(language()) if spec else column
                value = data[column].iloc[row]
                text = display_value(value)
                if spec is not None and spec.domain and text:
                    shown = spec.domain_label(value, language())
                    text = text if shown == text else f"{text}（{shown}）"
                QTreeWidgetItem(head, [label, text])
            head.setExpanded(len(hits) <= 3)
        self.docks["results"].show()
        self.docks["results"].raise_()
        self.status(tr(f"识别到 {len(hits)} 个要素", f"{len(hits)} features"))

    def _measured(self, value: float, kind: str) -> None:
        text = MapCanvas.format_length(value) if kind == "length" else MapCanvas.format_area(value)
        label = tr("距离", "Distance") if kind == "length" else tr("面积", "Area")
        self.status(
            f"{label}：{text}（EPSG:4549 平面量算）"
            if language() == "zh"
            else f"{label}: {text} (measured in EPSG:4549 metres)"
        )

    # --- status bar ---------------------------------------------------------------------

    def _cursor_moved(self, x: float, y: float) -> None:
        lon, lat = self.canvas.to_lonlat(x, y)
        e, n = self.canvas.to_4549(x, y)
        self.lonlat_label.setText(f"CGCS2000 {lon:.6f}°E {lat:.6f}°N")
        self.metric_label.setText(f"EPSG:4549 {e:,.1f} {n:,.1f} m")

    def _view_changed(self, viewport: Viewport) -> None:
        edit = self.scale_box.lineEdit()
        if edit is None or not edit.hasFocus():
            self.scale_box.setEditText(self.canvas.scale_text())
        self.registry["prev_extent"].setEnabled(self.canvas.can_go_back())
        self.registry["next_extent"].setEnabled(self.canvas.can_go_forward())

    def _scale_entered(self) -> None:
        scale = MapCanvas.parse_scale(self.scale_box.currentText())
        if scale is None:
            self.status(tr("比例尺格式应为 1:25000", "Enter a scale like 1:25000"))
            return
        self.canvas.set_scale(scale)

    def _frame_rendered(self, stats: object) -> None:
        seconds = getattr(stats, "seconds", 0.0)
        features = sum(getattr(stats, "features", {}).values())
        self.statusBar().showMessage(
            tr(
                f"绘制 {features:,} 个要素，用时 {seconds * 1000:.0f} 毫秒",
                f"Drew {features:,} features in {seconds * 1000:.0f} ms",
            ),
            3000,
        )

    def status(self, text: str) -> None:
        """Show a short message in the status bar."""
        self.statusBar().showMessage(text, 8000)

    def log_message(self, text: str) -> None:
        """Append a line to the log dock."""
        self.log.appendPlainText(f"{time.strftime('%H:%M:%S')}  {text}")

    def report_error(self, title: str, message: str, details: str = "") -> None:
        """Tell the user what went wrong; the window keeps running with its data."""
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
        self.last_error = message

    # --- settings -----------------------------------------------------------------------

    def choose_language(self, lang: str) -> None:
        """Remember the interface language (applies on the next start)."""
        set_language(lang)
        self.status(tr("界面语言将在下次启动时生效。", "The language applies at the next start."))

    def _remember_recent(self, path: Path) -> None:
        s = settings()
        recent = [p for p in self._recent() if p != str(path)]
        s.setValue("recent", [str(path), *recent][:MAX_RECENT])
        self._refresh_recent()

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        for p in self._recent():
            self.recent_menu.addAction(plain_text.menu_text(p), partial(self._open_recent, Path(p)))

    @staticmethod
    def _recent() -> list[str]:
        value = settings().value("recent", [])
        if isinstance(value, str):  # QSettings gives a lone string for a one-item list
            return [value]
        return [str(v) for v in value] if isinstance(value, list) else []

    def _open_recent(self, path: Path) -> None:
        if self.confirm_discard():
            self.open_path(path)

    def _restore_layout(self) -> None:
        s = settings()
        geometry = s.value("window/geometry")
        state = s.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self._restored = bool(self.restoreState(state))

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
        if not getattr(self, "_sized", False):
            self._sized = True
            if not getattr(self, "_restored", False):
                self.resizeDocks([self.docks["table"]], [220], Qt.Orientation.Vertical)
                self.resizeDocks(
                    [self.docks["layers"], self.docks["results"]],
                    [260, 220],
                    Qt.Orientation.Horizontal,
                )

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask about unsaved changes, remember the layout, then close."""
        if not self.confirm_discard():
            event.ignore()
            return
        s = settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        self.canvas.shutdown()
        self._queued.clear()
        if self.task is not None:
            self.task.cancel()
        self.edits.detach()
        event.accept()
