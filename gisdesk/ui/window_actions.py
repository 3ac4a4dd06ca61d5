"""The main window's commands as data, and the tools the map can be given.

:data:`WINDOW_ACTIONS` lists every command of the window once: key, Chinese and English
text, menu, the name of the window method it runs (dotted names reach the window's parts:
``canvas.zoom_full``, ``undo.redo``), shortcuts, icon, toolbar, check group and tips. The
:class:`~gisdesk.ui.actions.ActionRegistry` builds the QActions from it. Plug-in modules
(black spots, PostGIS, derived results, the road-stretch tool) add theirs the same way.

:func:`builtin_tools` gives the map tools by the key of their action: the navigation tools
(``tool_pan``...) and the editing tools (``edit_add``...). ``MainWindow.set_tool(key)``
makes one and hands it the canvas.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QStyle

from gisdesk.ui.actions import ActionSpec
from gisdesk.ui.canvas import CanvasTool
from gisdesk.ui.tools.navigation import NAVIGATION_TOOLS
from gisdesk.ui.window_api import WindowApi

__all__ = ["EDIT_TOOL_KEYS", "WINDOW_ACTIONS", "ToolFactory", "builtin_tools"]

SP = QStyle.StandardPixmap
KEY = QKeySequence.StandardKey
ToolFactory = Callable[[WindowApi], CanvasTool]


def _tool(key: str, zh: str, en: str, shortcut: str | None, tip_zh: str = "") -> ActionSpec:
    """A map tool's action: checkable, one of the ``map_tools`` group, runs set_tool(key)."""
    menu, toolbar = ("edit", "编辑") if key.startswith("edit_") else ("tools", "工具")
    return ActionSpec(
        key,
        zh,
        en,
        menu,
        "set_tool",
        shortcut,
        toolbar=toolbar,
        checkable=True,
        group="map_tools",
        tip_zh=tip_zh,
        args=(key,),
    )


WINDOW_ACTIONS: tuple[ActionSpec, ...] = (
    # 项目
    ActionSpec(
        "new", "新建项目", "New project", "project", "new_project", KEY.New, SP.SP_FileIcon, "项目"
    ),
    ActionSpec(
        "open",
        "打开项目…",
        "Open project…",
        "project",
        "ask_open",
        KEY.Open,
        SP.SP_DialogOpenButton,
        "项目",
    ),
    ActionSpec("save", "保存", "Save", "project", "save", KEY.Save, SP.SP_DialogSaveButton, "项目"),
    ActionSpec("save_as", "另存为…", "Save as…", "project", "save_as", KEY.SaveAs),
    ActionSpec(
        "add_layer",
        "添加图层…",
        "Add layer…",
        "layer",
        "ask_add_layer",
        "Ctrl+L",
        SP.SP_FileDialogNewFolder,
        "项目",
    ),
    ActionSpec("export_layer", "导出图层…", "Export layer…", "layer", "outputs.ask_export_layer"),
    ActionSpec("undo", "撤销", "Undo", "edit", "undo.undo", KEY.Undo, SP.SP_ArrowBack, "项目"),
    # Ctrl+Shift+Z and Ctrl+Y everywhere
    ActionSpec(
        "redo",
        "重做",
        "Redo",
        "edit",
        "undo.redo",
        (KEY.Redo, "Ctrl+Y"),
        SP.SP_ArrowForward,
        "项目",
    ),
    ActionSpec("quit", "退出", "Quit", "project", "close", KEY.Quit),
    # 视图
    ActionSpec(
        "zoom_in",
        "放大",
        "Zoom in",
        "view",
        "canvas.zoom_by",
        KEY.ZoomIn,
        None,
        "导航",
        args=(2.0,),
    ),
    ActionSpec(
        "zoom_out",
        "缩小",
        "Zoom out",
        "view",
        "canvas.zoom_by",
        KEY.ZoomOut,
        None,
        "导航",
        args=(0.5,),
    ),
    ActionSpec(
        "zoom_full",
        "全图",
        "Full extent",
        "view",
        "canvas.zoom_full",
        "Ctrl+Shift+F",
        SP.SP_DesktopIcon,
        "导航",
    ),
    ActionSpec(
        "zoom_layer",
        "缩放到图层",
        "Zoom to layer",
        "view",
        "zoom_to_current_layer",
        None,
        None,
        "导航",
    ),
    ActionSpec(
        "zoom_selection",
        "缩放到选中要素",
        "Zoom to selection",
        "view",
        "canvas.zoom_to_selection",
        "Ctrl+J",
    ),
    ActionSpec(
        "prev_extent",
        "上一视图",
        "Previous extent",
        "view",
        "canvas.previous_extent",
        "Alt+Left",
        SP.SP_MediaSeekBackward,
        "导航",
    ),
    ActionSpec(
        "next_extent",
        "下一视图",
        "Next extent",
        "view",
        "canvas.next_extent",
        "Alt+Right",
        SP.SP_MediaSeekForward,
        "导航",
    ),
    ActionSpec(
        "refresh", "刷新", "Refresh", "view", "canvas.refresh_now", "F5", SP.SP_BrowserReload
    ),
    # 编辑
    _tool("edit_add", "添加要素", "Add feature", "Ctrl+.", "点、线或面：单击放点，双击或回车结束"),
    _tool("edit_move", "移动要素", "Move feature", None, "拖动当前图层的要素"),
    _tool("edit_vertex", "编辑节点", "Edit vertices", "V", "拖动节点；双击线段加点；右键删点"),
    _tool("edit_split", "打断线", "Split line", None, "在单击处把线分为两段"),
    _tool(
        "edit_factory",
        "登记出租厂房（占地）",
        "Register factory (footprint)",
        None,
        "画出厂房占地范围，填写厂房表单：同时登记厂房点位和占地面",
    ),
    ActionSpec(
        "delete_features", "删除所选要素", "Delete selected", "edit", "edit_commands.delete", "Del"
    ),
    ActionSpec(
        "copy_features", "复制要素", "Copy features", "edit", "edit_commands.copy", KEY.Copy
    ),
    ActionSpec(
        "paste_features", "粘贴要素", "Paste features", "edit", "edit_commands.paste", KEY.Paste
    ),
    ActionSpec("snap_settings", "捕捉设置…", "Snapping…", "edit", "edit_commands.snap_settings"),
    ActionSpec(
        "user_name", "编辑人员姓名…", "Editor name…", "settings", "edit_commands.ask_user_name"
    ),
    # 工具
    _tool("tool_pan", "平移", "Pan", "P"),
    _tool("tool_zoom_box", "拉框放大", "Zoom to box", "Z"),
    _tool("tool_identify", "识别要素", "Identify", "I"),
    _tool("tool_select", "选择要素（Shift 追加）", "Select (Shift adds)", "S"),
    _tool("tool_measure_line", "量测距离", "Measure distance", "M"),
    _tool("tool_measure_area", "量测面积", "Measure area", "Shift+M"),
    ActionSpec(
        "clear_selection", "清除选择", "Clear selection", "tools", "clear_selection", "Ctrl+Shift+A"
    ),
    # 图层
    ActionSpec(
        "attribute_table", "打开属性表", "Open attribute table", "layer", "show_table", "F6"
    ),
    ActionSpec("style", "图层样式…", "Layer style…", "layer", "edit_style", "F7"),
    ActionSpec("remove_layer", "移除图层", "Remove layer", "layer", "remove_current_layer"),
    # feature forms and audit trail (on the one selected feature of the current layer)
    ActionSpec(
        "edit_attributes",
        "编辑属性…",
        "Edit attributes…",
        "layer",
        "edit_commands.edit_attributes",
        tip_zh="在表单中编辑当前图层选中要素的属性（按图层定义校验）",
        tip_en="Edit the selected feature's attributes in a form checked by the schema",
    ),
    ActionSpec(
        "feature_history",
        "要素历史…",
        "Feature history…",
        "layer",
        "edit_commands.history",
        tip_zh="查看当前图层选中要素的编辑记录（谁、何时、修改前后）",
        tip_en="Who changed the selected feature, when, and the values before and after",
    ),
    # 分析
    ActionSpec(
        "zones",
        "监测站点重点区域…",
        "Station key zones…",
        "analysis",
        "analyses.ask_analysis",
        args=("zones",),
    ),
    ActionSpec(
        "service_areas",
        "15 分钟医保服务圈…",
        "15-minute service areas…",
        "analysis",
        "analyses.ask_analysis",
        args=("service_areas",),
    ),
    ActionSpec(
        "siting",
        "新增服务点选址…",
        "Site new service points…",
        "analysis",
        "analyses.ask_analysis",
        args=("siting",),
    ),
    ActionSpec(
        "rerun",
        "重新运行上次分析",
        "Run the last analysis again",
        "analysis",
        "analyses.rerun_analysis",
        "Ctrl+R",
    ),
    ActionSpec(
        "evaluate_targets",
        "评估规划目标",
        "Evaluate plan targets",
        "analysis",
        "outputs.evaluate_targets_now",
        "Ctrl+T",
    ),
    ActionSpec(
        "plate", "制图出版…", "Map plate…", "project", "outputs.open_plate_designer", "Ctrl+P"
    ),
    ActionSpec(
        "webmap", "导出网页地图…", "Export web map…", "project", "outputs.ask_export_webmap"
    ),
    # 设置, 帮助
    ActionSpec(
        "lang_zh",
        "中文界面",
        "Chinese interface",
        "settings",
        "choose_language",
        checkable=True,
        group="language",
        args=("zh",),
    ),
    ActionSpec(
        "lang_en",
        "英文界面（English）",
        "English interface",
        "settings",
        "choose_language",
        checkable=True,
        group="language",
        args=("en",),
    ),
    ActionSpec("about", "关于 gisdesk", "About gisdesk", "help", "about"),
)


def _navigation(cls: type[CanvasTool]) -> ToolFactory:
    return lambda window: cls(window.canvas)


def _add(window: WindowApi) -> CanvasTool:
    from gisdesk.ui.digitize import AddFeatureTool

    return AddFeatureTool(window)


def _move(window: WindowApi) -> CanvasTool:
    from gisdesk.ui.digitize import MoveFeatureTool

    return MoveFeatureTool(window)


def _vertex(window: WindowApi) -> CanvasTool:
    from gisdesk.ui.digitize import VertexTool

    return VertexTool(window)


def _split(window: WindowApi) -> CanvasTool:
    from gisdesk.ui.digitize import SplitLineTool

    return SplitLineTool(window)


def _factory(window: WindowApi) -> CanvasTool:
    from gisdesk.ui.factory_tool import FactoryFootprintTool

    return FactoryFootprintTool(window)


EDIT_TOOL_KEYS = ("edit_add", "edit_move", "edit_vertex", "edit_split", "edit_factory")


def builtin_tools() -> dict[str, ToolFactory]:
    """The map tools by action key (the digitising modules load when a tool is first chosen)."""
    tools = {key: _navigation(cls) for key, cls in NAVIGATION_TOOLS.items()}
    tools.update(zip(EDIT_TOOL_KEYS, (_add, _move, _vertex, _split, _factory), strict=True))
    return tools
