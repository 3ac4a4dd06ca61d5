"""Cancelling the feature form drops the sketch: the next click starts a new feature."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog


def _cancel_the_form(seen: list[str]) -> None:
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, QDialog)  # the real schema form, opened modally
    seen.append(dialog.windowTitle())
    dialog.reject()


def test_cancelled_form_clears_the_polygon_sketch(window) -> None:
    window.snapper.enabled = False
    window.canvas.set_scale(20000)
    window.canvas.wait_for_frame()
    window.layer_tree.select_layer("towns")
    window.set_tool("edit_add")
    canvas = window.canvas
    for p in (QPoint(200, 150), QPoint(400, 150), QPoint(400, 300)):
        QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=p)
    tool = canvas.tool
    assert len(tool.vertices) == 3
    before = len(window.project.layer("towns"))
    seen: list[str] = []
    QTimer.singleShot(0, lambda: _cancel_the_form(seen))
    QTest.keyClick(canvas, Qt.Key.Key_Return)  # finish: the form opens, the user cancels
    assert seen, "the feature form did not open"
    assert tool.vertices == []
    assert tool.sketch() == []
    assert len(window.project.layer("towns")) == before
    assert window.statusBar().currentMessage() == "已取消添加要素。"
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(250, 200))
    assert len(tool.vertices) == 1  # a new sketch, not the old one continued


def test_cancelled_factory_form_clears_the_outline(window) -> None:
    window.snapper.enabled = False
    window.canvas.set_scale(20000)
    window.canvas.wait_for_frame()
    window.layer_tree.select_layer("rental_factories")
    window.set_tool("edit_factory")
    canvas = window.canvas
    for p in (QPoint(200, 150), QPoint(260, 150), QPoint(260, 200)):
        QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=p)
    tool = canvas.tool
    assert len(tool.vertices) == 3
    seen: list[str] = []
    QTimer.singleShot(0, lambda: _cancel_the_form(seen))
    QTest.keyClick(canvas, Qt.Key.Key_Return)
    assert seen
    assert tool.vertices == []
    assert window.statusBar().currentMessage() == "已取消登记厂房。"
