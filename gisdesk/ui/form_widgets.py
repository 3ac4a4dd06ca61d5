"""Pieces the window's dialogs build the same way: the OK / Cancel row, checkable lists and
the file path row.

:func:`ok_cancel_buttons` is the button row under a form (OK and Cancel wired to the
dialog, the texts set when the dialog names its OK); :func:`checkable_list` and
:func:`checked_names` are a list of rows with check boxes that each keep a name (a layer's,
usually) and give back the names of the rows ticked; :func:`layer_combo` offers the
project's layers of one geometry; :func:`number_box` is a number field of a request's
form; :func:`path_row` is a file path line with its 浏览… / Browse… button.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
)

from gisdesk.ui.i18n import tr

if TYPE_CHECKING:
    from gisdesk.core.project import Project

__all__ = [
    "checkable_list",
    "checked_names",
    "layer_combo",
    "number_box",
    "ok_cancel_buttons",
    "path_row",
]


def ok_cancel_buttons(
    dialog: QDialog, ok_text: str | None = None, *, on_ok: Callable[[], object] | None = None
) -> QDialogButtonBox:
    """Return an OK / Cancel row wired to ``dialog`` (OK runs ``on_ok``, else accepts).

    With ``ok_text`` the OK button says it and Cancel says 取消 / Cancel; without it both
    keep Qt's own texts.
    """
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    if ok_text is not None:
        box.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
        box.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消", "Cancel"))
    box.accepted.connect(on_ok if on_ok is not None else dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


def checkable_list(rows: Iterable[tuple[str, str, bool]]) -> QListWidget:
    """Return a list of checkable rows, each ``(text shown, name kept, ticked)``."""
    widget = QListWidget()
    for text, name, ticked in rows:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, name)
        item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
        widget.addItem(item)
    return widget


def checked_names(widget: QListWidget) -> list[str]:
    """Return the names kept by the ticked rows of ``widget``, top to bottom."""
    return [
        str(widget.item(i).data(Qt.ItemDataRole.UserRole))
        for i in range(widget.count())
        if widget.item(i).checkState() == Qt.CheckState.Checked
    ]


def path_row(object_name: str, on_browse: Callable[[], object]) -> tuple[QLineEdit, QHBoxLayout]:
    """Return a file path line named ``object_name`` and the row that holds it beside a
    浏览… / Browse… button running ``on_browse``."""
    line = QLineEdit()
    line.setObjectName(object_name)
    browse = QPushButton(tr("浏览…", "Browse…"))
    browse.clicked.connect(on_browse)
    row = QHBoxLayout()
    row.addWidget(line, 1)
    row.addWidget(browse)
    return line, row


def layer_combo(
    project: Project, chosen: str | None, geometry: str, *, optional: bool = False
) -> QComboBox:
    """Return a choice of the project's layers with ``geometry`` in a geometry type (``Point``
    takes MultiPoint too), top layer first, each kept by name; ``chosen`` is picked when
    offered. ``optional`` puts 不使用 / (none), kept as None, first."""
    combo = QComboBox()
    if optional:
        combo.addItem(tr("（不使用）", "(none)"), None)
    for layer in reversed(project.layers):
        types = {str(t) for t in layer.data.geom_type.dropna().unique()}
        if any(geometry in t for t in types):
            combo.addItem(f"{layer.title}（{layer.name}）", layer.name)
    index = combo.findData(chosen)
    if index >= 0:
        combo.setCurrentIndex(index)
    return combo


def number_box(
    minimum: float,
    maximum: float,
    value: float,
    *,
    decimals: int = 2,
    step: float = 1,
    suffix: str = "",
    name: str = "",
    special: str = "",
) -> QDoubleSpinBox:
    """Return a number field from ``minimum`` to ``maximum`` showing ``value``.

    ``decimals`` and ``step`` as in Qt (2 and 1 by default), ``suffix`` after the number
    (a unit), ``name`` the object name, ``special`` the text shown at the minimum.
    """
    box = QDoubleSpinBox()
    box.setDecimals(decimals)
    box.setRange(minimum, maximum)
    box.setSingleStep(step)
    box.setSuffix(suffix)
    box.setSpecialValueText(special)
    if name:
        box.setObjectName(name)
    box.setValue(value)
    return box
