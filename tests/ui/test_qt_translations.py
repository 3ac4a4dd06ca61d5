"""Qt's own texts (standard buttons, the file dialog) read in Chinese in a Chinese gisdesk."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeView,
)

from gisdesk.ui.i18n import install_qt_translations

SB = QMessageBox.StandardButton


@pytest.fixture
def chinese_qt(qapp):
    assert install_qt_translations("zh") == ["qtbase"]
    yield
    install_qt_translations("en")


def test_standard_buttons_are_chinese(qtbot, chinese_qt):
    box = QMessageBox(QMessageBox.Icon.Question, "保存", "保存对项目的修改？")
    box.setStandardButtons(SB.Save | SB.Discard | SB.Cancel)
    qtbot.addWidget(box)
    assert [box.button(b).text() for b in (SB.Save, SB.Discard, SB.Cancel)] == [
        "保存",
        "丢弃",
        "取消",
    ]
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok
        | QDialogButtonBox.StandardButton.Cancel
        | QDialogButtonBox.StandardButton.Apply
    )
    qtbot.addWidget(buttons)
    texts = {b.text() for b in buttons.buttons()}
    assert texts == {"确定", "取消", "应用"}


def test_file_dialog_is_qt_and_chinese(qtbot, chinese_qt, tmp_path):
    (tmp_path / "乡镇").mkdir()
    dialog = QFileDialog(None, "添加图层", str(tmp_path))
    qtbot.addWidget(dialog)
    dialog.show()  # non-modal: Qt's own dialog, whose widgets can be read
    assert QCoreApplication.testAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs)
    labels = {label.objectName(): label.text() for label in dialog.findChildren(QLabel)}
    assert labels["lookInLabel"] == "查找范围(&L)："  # Qt 6's text the catalogue lacks
    assert labels["fileTypeLabel"] == "文件类型(&T)："
    assert labels["fileNameLabel"].startswith("文件名称")
    view = dialog.findChild(QTreeView)
    model = view.model()
    qtbot.waitUntil(lambda: model.rowCount(view.rootIndex()) == 1)
    folder = model.index(0, 2, view.rootIndex())  # the type column of 乡镇
    assert model.data(folder) == "文件夹"


def test_english_removes_the_chinese_texts(qtbot, qapp):
    install_qt_translations("zh")
    assert install_qt_translations("en") == []
    box = QMessageBox()
    box.setStandardButtons(SB.Cancel)
    qtbot.addWidget(box)
    assert box.button(SB.Cancel).text() == "Cancel"
    dialog = QFileDialog(None, "Add layer")
    qtbot.addWidget(dialog)
    assert dialog.findChild(QLabel, "lookInLabel").text() == "&Look in:"


def test_the_windows_add_layer_dialog_reads_chinese(qtbot, chinese_qt, tmp_path):
    from gisdesk.ui.main_window import MainWindow

    win = MainWindow()
    win.show()
    seen: dict[str, str] = {}

    def inspect() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QFileDialog)  # Qt's own dialog, not the platform's
        seen.update({label.objectName(): label.text() for label in dialog.findChildren(QLabel)})
        seen["title"] = dialog.windowTitle()
        seen["buttons"] = " ".join(b.text() for b in dialog.findChildren(QPushButton))
        dialog.grab().save(str(tmp_path / "add_layer_dialog.png"))
        dialog.reject()

    try:
        QTimer.singleShot(0, inspect)
        win.ask_add_layer()  # modal: inspected and cancelled from the event loop
        assert seen["title"] == "添加图层"
        assert seen["lookInLabel"] == "查找范围(&L)："
        assert seen["fileTypeLabel"] == "文件类型(&T)："
        assert "取消" in seen["buttons"] and "打开(&O)" in seen["buttons"]
        assert win.project is not None and len(win.project.layers) == 0  # nothing added
    finally:
        win.modified = False
        win.close()
        win.deleteLater()
