"""The action registry: every command once, with its menu, toolbar, shortcut and labels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QStyle, QToolBar

from gisdesk.ui.i18n import tr

__all__ = ["ActionRegistry", "ActionSpec", "key_sequences"]


Shortcut = str | QKeySequence.StandardKey


def key_sequences(shortcut: Shortcut | tuple[Shortcut, ...]) -> list[QKeySequence]:
    """Return every key sequence of ``shortcut``, without repeats, in the order given."""
    keys = shortcut if isinstance(shortcut, tuple) else (shortcut,)
    sequences: list[QKeySequence] = []
    for key in keys:
        found = (
            QKeySequence.keyBindings(key)
            if isinstance(key, QKeySequence.StandardKey)
            else [QKeySequence(key)]
        )
        sequences.extend(s for s in found if not s.isEmpty() and s not in sequences)
    return sequences


@dataclass(frozen=True)
class ActionSpec:
    """One command of the application."""

    id: str
    zh: str
    en: str
    menu: str  # menu id
    # what the action runs: a function, or the name of one on the window the registry
    # builds actions for ("save", "canvas.zoom_full"), called with ``args``
    callback: Callable[..., object] | str
    # one key or several; a standard key brings all of the platform's bindings for it
    shortcut: Shortcut | tuple[Shortcut, ...] | None = None
    icon: QStyle.StandardPixmap | None = None
    toolbar: str | None = None
    checkable: bool = False
    group: str | None = None  # exclusive group (map tools)
    tip_zh: str = ""
    tip_en: str = ""
    args: tuple[object, ...] = ()


MENUS = (
    ("project", "项目(&P)", "&Project"),
    ("edit", "编辑(&E)", "&Edit"),
    ("view", "视图(&V)", "&View"),
    ("tools", "工具(&T)", "&Tools"),
    ("layer", "图层(&L)", "&Layer"),
    ("analysis", "分析(&A)", "&Analysis"),
    ("settings", "设置(&S)", "&Settings"),
    ("help", "帮助(&H)", "&Help"),
)


MENU_TAIL = {"project": "quit"}
"""Actions that stay last in their menu (below a separator) whatever is added after them."""

TOOLBAR_ROWS = ("编辑",)
"""Toolbars that start a new row: one row of every toolbar is wider than a 1400 px window,
and Qt would hide the last tools behind its small ">>" extension button."""


class ActionRegistry:
    """Build QActions, menus and toolbars from specs; look actions up by id."""

    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.actions: dict[str, QAction] = {}
        self.menus: dict[str, QMenu] = {}
        self.toolbars: dict[str, QToolBar] = {}
        self.groups: dict[str, QActionGroup] = {}
        bar = window.menuBar()
        for menu_id, zh, en in MENUS:
            self.menus[menu_id] = bar.addMenu(tr(zh, en))

    def add(self, spec: ActionSpec) -> QAction:
        """Create the action, put it in its menu (and toolbar), and return it."""
        action = QAction(tr(spec.zh, spec.en), self.window)
        action.setObjectName(f"action_{spec.id}")
        if spec.icon is not None:
            action.setIcon(self.window.style().standardIcon(spec.icon))
        if spec.shortcut is not None:
            action.setShortcuts(key_sequences(spec.shortcut))
        tip = tr(spec.tip_zh, spec.tip_en) or action.text().replace("&", "")
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.setCheckable(spec.checkable)
        if spec.group:
            group = self.groups.setdefault(spec.group, QActionGroup(self.window))
            group.setExclusive(True)
            group.addAction(action)
        callback = spec.callback
        if isinstance(callback, str):  # a name on the window: found now, so a typo fails here
            callback = attrgetter(callback)(self.window)
        action.triggered.connect(lambda _checked=False, cb=callback, args=spec.args: cb(*args))
        menu = self.menus[spec.menu]
        tail = self.actions.get(MENU_TAIL.get(spec.menu, ""))
        if MENU_TAIL.get(spec.menu) == spec.id:
            menu.addSeparator()
            menu.addAction(action)
        elif tail is not None:  # before the separator above the tail (退出 stays last)
            separator = menu.actions()[menu.actions().index(tail) - 1]
            menu.insertAction(separator, action)
        else:
            menu.addAction(action)
        if spec.toolbar:
            if spec.toolbar not in self.toolbars:
                if spec.toolbar in TOOLBAR_ROWS:
                    self.window.addToolBarBreak()
                tb = self.window.addToolBar(spec.toolbar)
                tb.setObjectName(f"toolbar_{spec.toolbar}")
                self.toolbars[spec.toolbar] = tb
            self.toolbars[spec.toolbar].addAction(action)
        self.actions[spec.id] = action
        return action

    def __getitem__(self, action_id: str) -> QAction:
        return self.actions[action_id]
