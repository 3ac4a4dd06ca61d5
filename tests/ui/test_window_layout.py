"""The 项目 menu ends with 退出; at 1400 px every toolbar tool is on screen (none behind >>)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from gisdesk.render.fonts import cjk_font


@pytest.fixture
def bare_window(qtbot):
    from gisdesk.ui.main_window import MainWindow

    QApplication.instance().setFont(cjk_font(9.0))
    win = MainWindow()
    yield win
    win.modified = False
    win.close()
    win.deleteLater()


def test_quit_is_the_last_entry_of_the_project_menu(bare_window):
    menu = bare_window.registry.menus["project"]
    texts = [a.text() for a in menu.actions()]
    assert texts[-1] == "退出"
    assert menu.actions()[-2].isSeparator()
    assert texts.index("制图出版…") < texts.index("退出")
    assert "连接 PostGIS…" in texts[:-2]  # added by a plug-in after 退出 was registered


@pytest.mark.parametrize("width", [1400, 1280])
def test_no_tool_hidden_at_common_widths(qtbot, bare_window, width):
    bare_window.resize(width, 900)
    bare_window.show()
    qtbot.waitExposed(bare_window)
    QApplication.processEvents()
    hidden = []
    toolbars = bare_window.registry.toolbars
    assert {"项目", "编辑", "工具"} <= set(toolbars)
    for name, toolbar in toolbars.items():
        for action in toolbar.actions():
            widget = toolbar.widgetForAction(action)
            if action.isVisible() and (widget is None or not widget.isVisible()):
                hidden.append(f"{name}: {action.text()}")
            elif widget is not None:  # on screen means inside the window, not cut off
                right = widget.mapTo(bare_window, widget.rect().topRight()).x()
                if right > bare_window.width():
                    hidden.append(f"{name}: {action.text()} (cut off)")
    assert hidden == []
    shown = {toolbar.widgetForAction(a).toolTip() for a in toolbars["工具"].actions()}
    assert "量测面积" in shown


def test_an_older_saved_layout_does_not_bring_back_one_row(qtbot, bare_window):
    from gisdesk.ui.i18n import settings
    from gisdesk.ui.main_window import LAYOUT_VERSION, MainWindow

    for toolbar in bare_window.registry.toolbars.values():
        bare_window.removeToolBarBreak(toolbar)
    settings().setValue("window/state", bare_window.saveState(0))  # one row, version 0
    again = MainWindow()
    try:
        assert not again._restored  # the old layout was left alone
        assert again.toolBarBreak(again.registry.toolbars["编辑"])
        assert not again.restoreState(bare_window.saveState(0), LAYOUT_VERSION)
    finally:
        again.modified = False
        again.close()
        again.deleteLater()
