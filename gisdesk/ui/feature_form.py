"""Attribute forms generated from a layer schema, validated by the same rule as the table.

:class:`FeatureForm` shows one row per schema field: its label (with unit), a mark for
required fields and an editor fitting the field: a drop-down for value lists, a date picker
(with a box to leave it empty when the field is optional), a number box that shows the
allowed range, yes/no for booleans, a line edit for text. Nothing is accepted before every
field passes :func:`gisdesk.core.validation.check_value`; a field that does not shows its
message under it.

:func:`edit_feature_attributes` opens the form on an existing feature and commits the fields
the user changed through the window's edit controller; :func:`new_feature_values` asks for
the attributes of a feature a tool is about to create.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeyEvent, QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from gisdesk.analysis.blackspots.listing import form_locks
from gisdesk.core.editing import GEOMETRY, EditTransaction, row_values, same_value
from gisdesk.core.errors import GisdeskError
from gisdesk.core.expressions import column_kind
from gisdesk.core.layer import Layer
from gisdesk.core.schema import FieldSpec, LayerSchema
from gisdesk.core.validation import check_value
from gisdesk.core.values import plain_value
from gisdesk.ui import plain_text
from gisdesk.ui.form_widgets import ok_cancel_buttons
from gisdesk.ui.i18n import language, tr
from gisdesk.ui.window_api import window_widget

if TYPE_CHECKING:
    from gisdesk.ui.window_api import WindowApi

__all__ = [
    "FeatureForm",
    "attribute_form",
    "edit_feature_attributes",
    "feature_specs",
    "new_feature_values",
    "selected_feature",
]

_ERROR_COLOUR = "#c5221f"
_STYLE = f"""
*[invalid="true"] {{ border: 1px solid {_ERROR_COLOUR}; border-radius: 2px; }}
QLabel[role="error"] {{ color: {_ERROR_COLOUR}; }}
QLabel[role="hint"] {{ color: #5f6368; }}
"""


# --- fields ------------------------------------------------------------------------------


def feature_specs(layer: Layer) -> list[FieldSpec]:
    """The fields a form shows for a layer: its schema's, or one per column without one."""
    if layer.schema is not None:
        return list(layer.schema.fields)
    data = layer.data
    return [
        FieldSpec(
            name=str(column),
            type=column_kind(data[column]),  # type: ignore[arg-type]
            label_zh=str(column),
            label_en=str(column),
        )
        for column in data.columns
        if column != data.geometry.name
    ]


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and bool(np.isnan(value))


def _number_text(value: object) -> str:
    if _missing(value):
        return ""
    if isinstance(value, bool | np.bool_):
        return str(int(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number))
        return repr(number)
    return str(value)


def _range_hint(spec: FieldSpec) -> str:
    low, high = spec.min, spec.max
    if low is not None and high is not None:
        return f"{low:g} – {high:g}"
    if low is not None:
        return f"≥ {low:g}"
    if high is not None:
        return f"≤ {high:g}"
    return ""


class _NumberValidator(QValidator):
    """Accept what can become a number of the field's kind (full-width digits included)."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        sign = "" if spec.min is not None and spec.min >= 0 else "-?"
        body = r"\d*" if spec.type == "int" else r"\d*(?:\.\d*)?(?:[eE][-+]?\d*)?"
        self._pattern = re.compile(f"{sign}{body}")

    @staticmethod
    def normalise(text: str) -> str:
        """Half-width digits and signs for what a Chinese input method types full-width."""
        return unicodedata.normalize("NFKC", text).replace("。", ".").replace(" ", "")

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        plain = self.normalise(text)
        if self._pattern.fullmatch(plain):
            return QValidator.State.Acceptable, plain, min(pos, len(plain))
        return QValidator.State.Invalid, text, pos

    def fixup(self, text: str) -> str:
        return self.normalise(text)


class _NumberEdit(QLineEdit):
    """A number box that may stay empty and lets check_value explain a value out of range.

    Up/Down step by one within the field's range, like a spin box.
    """

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setValidator(_NumberValidator(spec, self))
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        hint = _range_hint(spec)
        kind = tr("整数", "whole number") if spec.type == "int" else tr("数值", "number")
        self.setPlaceholderText(f"{kind}  {hint}".strip())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        step = {Qt.Key.Key_Up: 1, Qt.Key.Key_Down: -1}.get(Qt.Key(event.key()))
        if step is None or self.isReadOnly():
            super().keyPressEvent(event)
            return
        try:
            current = float(self.text()) if self.text() else (self.spec.min or 0) - step
        except ValueError:
            super().keyPressEvent(event)
            return
        number = current + step
        if self.spec.min is not None:
            number = max(number, self.spec.min)
        if self.spec.max is not None:
            number = min(number, self.spec.max)
        self.setText(_number_text(number))


class _DateField(QWidget):
    """A date picker with a calendar; optional fields have a box to leave the date empty."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.present: QCheckBox | None = None
        if not spec.required:
            self.present = QCheckBox(tr("填写", "set"), self)
            self.present.setToolTip(tr("不勾选则此项留空", "Leave unticked to keep it empty"))
            layout.addWidget(self.present)
        self.date = QDateEdit(self)
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setDate(QDate.currentDate())
        layout.addWidget(self.date, 1)
        if self.present is not None:
            self.present.toggled.connect(self.date.setEnabled)
            self.date.setEnabled(False)

    def set_value(self, value: object) -> None:
        """Show a date (a missing value unticks the box of an optional field)."""
        day: pd.Timestamp | None = None
        if not _missing(value):
            try:
                day = pd.Timestamp(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                day = None  # not a date: shown empty, as the table shows it
        if day is not None and not pd.isna(day):
            self.date.setDate(QDate(day.year, day.month, day.day))
        if self.present is not None:
            self.present.setChecked(day is not None and not pd.isna(day))

    def value(self) -> dt.datetime | None:
        """The chosen date at midnight, or None when left empty."""
        if self.present is not None and not self.present.isChecked():
            return None
        day = self.date.date()
        return dt.datetime(day.year(), day.month(), day.day())

    def set_read_only(self, on: bool) -> None:
        """Show the date without letting it change."""
        self.date.setReadOnly(on)
        if self.present is not None:
            self.present.setEnabled(not on)


# --- the form ----------------------------------------------------------------------------


class FeatureForm(QDialog):
    """A validated attribute form for one feature, generated from a layer schema.

    Parameters
    ----------
    specs
        The fields, in order (a :class:`LayerSchema`'s, or :func:`feature_specs` of a layer).
    initial
        Values to show: an existing feature's, or what a tool already knows of a new one.
    title
        The layer title shown in the window title.
    fid
        The feature id of an existing feature (None for a new one).
    read_only
        Fields the caller fills (shown, not editable).
    on_accept
        Called with the changed values after validation; returning False keeps the form open
        (e.g. when saving the edit failed), so nothing typed is lost.
    """

    def __init__(
        self,
        specs: LayerSchema | Iterable[FieldSpec],
        initial: Mapping[str, Any] | None = None,
        *,
        title: str = "",
        fid: int | None = None,
        read_only: Iterable[str] = (),
        on_accept: Callable[[dict[str, Any]], bool] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("feature_form")
        self.specs = list(specs.fields if isinstance(specs, LayerSchema) else specs)
        self.fid = fid
        self.on_accept = on_accept
        self.transaction: EditTransaction | None = None  # the edit accepting it committed
        self.editors: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self.error_labels: dict[str, QLabel] = {}
        self._attempted = False
        self._read_only = set(read_only)
        self.setStyleSheet(_STYLE)
        if fid is None:
            self.setWindowTitle(
                plain_text.window_title(tr(f"新建要素 — {title}", f"New feature — {title}"))
            )
        else:
            self.setWindowTitle(
                plain_text.window_title(
                    tr(f"编辑属性 — {title} #{fid}", f"Edit attributes — {title} #{fid}")
                )
            )

        outer = QVBoxLayout(self)
        heading = plain_text.plain_label(
            tr(f"{title}：要素 #{fid}", f"{title}: feature #{fid}")
            if fid is not None
            else tr(f"{title}：新要素", f"{title}: new feature")
        )
        heading.setObjectName("form_heading")
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        outer.addWidget(heading)
        if any(s.required for s in self.specs):
            star = f'<span style="color:{_ERROR_COLOUR}">*</span>'
            hint = QLabel(tr(f"带 {star} 的为必填项", f"Fields marked {star} are required"))
            hint.setProperty("role", "hint")
            outer.addWidget(hint)

        body = QWidget()
        grid = QGridLayout(body)
        grid.setColumnStretch(1, 1)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(2)
        for i, spec in enumerate(self.specs):
            label = QLabel(self._label_text(spec))
            label.setTextFormat(Qt.TextFormat.RichText)  # escaped label + a red star
            label.setObjectName(f"label_{spec.name}")
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            editor = self._make_editor(spec)
            editor.setObjectName(f"field_{spec.name}")
            label.setBuddy(editor if not isinstance(editor, _DateField) else editor.date)
            error = plain_text.plain_label("")  # messages quote the value
            error.setObjectName(f"error_{spec.name}")
            error.setProperty("role", "error")
            error.setWordWrap(True)
            error.hide()
            grid.addWidget(label, 2 * i, 0)
            grid.addWidget(editor, 2 * i, 1)
            grid.addWidget(error, 2 * i + 1, 1)
            self.labels[spec.name] = label
            self.editors[spec.name] = editor
            self.error_labels[spec.name] = error
        grid.setRowStretch(2 * len(self.specs), 1)
        if not self.specs:
            grid.addWidget(QLabel(tr("此图层没有属性字段。", "This layer has no attributes.")))

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

        self.summary = QLabel("")
        self.summary.setObjectName("form_summary")
        self.summary.setProperty("role", "error")
        self.summary.hide()
        outer.addWidget(self.summary)
        self.buttons = ok_cancel_buttons(self, tr("确定", "OK"))
        outer.addWidget(self.buttons)

        self.set_values(initial or {})
        for spec in self.specs:
            self._watch(spec)
        body.adjustSize()
        wanted = body.sizeHint()
        self.resize(
            max(480, wanted.width() + 60),
            min(720, wanted.height() + 150 + 20 * min(4, sum(s.required for s in self.specs))),
        )

    # --- building ---------------------------------------------------------------------

    @staticmethod
    def _label_text(spec: FieldSpec) -> str:
        # rich text (for the star), the label escaped; "&&" shows one "&" beside a buddy
        text = html.escape(plain_text.menu_text(spec.label(language())), quote=False)
        return f'{text} <span style="color:{_ERROR_COLOUR}">*</span>' if spec.required else text

    def _make_editor(self, spec: FieldSpec) -> QWidget:
        read_only = spec.name in self._read_only
        editor: QWidget
        if spec.domain:
            combo = QComboBox()
            if spec.required:
                combo.setPlaceholderText(tr("请选择…", "Choose…"))
            else:
                combo.addItem("", None)
            for d in spec.domain:
                label = d.label(language())
                text = str(d.value) if str(d.value) == label else f"{d.value}（{label}）"
                combo.addItem(text, d.value)
            combo.setCurrentIndex(-1 if spec.required else 0)
            combo.setEnabled(not read_only)
            editor = combo
        elif spec.type == "date":
            date = _DateField(spec)
            date.set_read_only(read_only)
            editor = date
        elif spec.type == "bool" and spec.required:
            check = QCheckBox(tr("是", "yes"))
            check.setEnabled(not read_only)
            editor = check
        elif spec.type == "bool":
            combo = QComboBox()
            combo.addItem(tr("（未填）", "(not set)"), None)
            combo.addItem(tr("是", "yes"), True)
            combo.addItem(tr("否", "no"), False)
            combo.setEnabled(not read_only)
            editor = combo
        elif spec.type in ("int", "float"):
            number = _NumberEdit(spec)
            number.setReadOnly(read_only)
            editor = number
        else:
            line = QLineEdit()
            line.setReadOnly(read_only)
            editor = line
        if read_only:
            editor.setToolTip(tr("由工具填写", "Filled in by the tool"))
        return editor

    def _watch(self, spec: FieldSpec) -> None:
        editor = self.editors[spec.name]

        def changed(*_args: object) -> None:
            if self._attempted:
                self._check_field(spec)
                self._show_summary()

        if isinstance(editor, QComboBox):
            editor.currentIndexChanged.connect(changed)
        elif isinstance(editor, QCheckBox):
            editor.toggled.connect(changed)
        elif isinstance(editor, _DateField):
            editor.date.dateChanged.connect(changed)
            if editor.present is not None:
                editor.present.toggled.connect(changed)
        elif isinstance(editor, QLineEdit):
            editor.textChanged.connect(changed)

    # --- values -----------------------------------------------------------------------

    def set_values(self, values: Mapping[str, Any]) -> None:
        """Show values in the editors (fields not given keep their defaults)."""
        for spec in self.specs:
            if spec.name in values:
                self._set_raw(spec, values[spec.name])
        self._initial = {spec.name: self.raw_value(spec.name) for spec in self.specs}

    def _set_raw(self, spec: FieldSpec, value: object) -> None:
        editor = self.editors[spec.name]
        if isinstance(editor, QComboBox):
            wanted = None if _missing(value) else value
            wanted = plain_value(wanted, finite=False)
            pos = -1 if wanted is None else editor.findData(wanted)
            if pos < 0 and wanted is not None:  # a value outside the list: show it, flag it
                editor.addItem(tr(f"{wanted}（不在允许值内）", f"{wanted} (not allowed)"), wanted)
                pos = editor.count() - 1
            if pos < 0:
                pos = -1 if spec.required else editor.findData(None)
            editor.setCurrentIndex(pos)
        elif isinstance(editor, QCheckBox):
            editor.setChecked(not _missing(value) and bool(value))
        elif isinstance(editor, _DateField):
            editor.set_value(value)
        elif isinstance(editor, _NumberEdit):
            editor.setText(_number_text(value))
        elif isinstance(editor, QLineEdit):
            if _missing(value):
                editor.setText("")
            elif isinstance(value, dt.datetime | pd.Timestamp):
                editor.setText(value.isoformat(sep=" "))
            else:
                editor.setText(str(value))

    def raw_value(self, name: str) -> object:
        """What the editor of a field holds, before conversion (None when empty)."""
        editor = self.editors[name]
        if isinstance(editor, QComboBox):
            return editor.currentData() if editor.currentIndex() >= 0 else None
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, _DateField):
            return editor.value()
        if isinstance(editor, _NumberEdit):
            return _NumberValidator.normalise(editor.text()) or None
        if isinstance(editor, QLineEdit):
            return editor.text().strip() or None
        return None

    def field_error(self, name: str) -> str | None:
        """The message of a field that breaks its rules (None when it is valid)."""
        spec = next(s for s in self.specs if s.name == name)
        try:
            check_value(spec, self.raw_value(name))
        except GisdeskError as exc:
            return exc.message(language())
        return None

    def errors(self) -> dict[str, str]:
        """Every field that breaks its rules, with its message."""
        found = {}
        for spec in self.specs:
            message = self.field_error(spec.name)
            if message is not None:
                found[spec.name] = message
        return found

    def values(self) -> dict[str, Any]:
        """Every field's value converted to its type; raises InputError if one is invalid."""
        out: dict[str, Any] = {}
        for spec in self.specs:
            out[spec.name] = check_value(spec, self.raw_value(spec.name))
        return out

    def changed_names(self) -> list[str]:
        """Fields whose editor no longer shows what the form was filled with."""
        return [s.name for s in self.specs if self.raw_value(s.name) != self._initial[s.name]]

    def changed_values(self) -> dict[str, Any]:
        """The converted values of the fields the user changed."""
        names = set(self.changed_names())
        return {k: v for k, v in self.values().items() if k in names}

    # --- validation -------------------------------------------------------------------

    def _check_field(self, spec: FieldSpec) -> str | None:
        message = self.field_error(spec.name)
        editor = self.editors[spec.name]
        error = self.error_labels[spec.name]
        target = editor.date if isinstance(editor, _DateField) else editor
        target.setProperty("invalid", message is not None)
        target.style().unpolish(target)
        target.style().polish(target)
        self.labels[spec.name].setStyleSheet(
            f"color: {_ERROR_COLOUR};" if message is not None else ""
        )
        error.setText(message or "")
        error.setVisible(message is not None)
        return message

    def _show_summary(self) -> None:
        bad = [s for s in self.specs if self.error_labels[s.name].isVisibleTo(self)]
        if bad:
            self.summary.setText(
                tr(
                    f"有 {len(bad)} 项需要修改，请按红色提示更正后再确定。",
                    f"{len(bad)} field(s) need correcting (see the red messages).",
                )
            )
        self.summary.setVisible(bool(bad))

    def validate(self) -> bool:
        """Check every field, show the messages; return True when all are valid."""
        self._attempted = True
        first: QWidget | None = None
        for spec in self.specs:
            if self._check_field(spec) is not None and first is None:
                first = self.editors[spec.name]
        self._show_summary()
        if first is not None:
            scroll = self.findChild(QScrollArea)
            if scroll is not None:
                scroll.ensureWidgetVisible(first)
            first.setFocus()
        return first is None

    def accept(self) -> None:
        """Close only when every field is valid (and the caller's commit succeeded)."""
        if not self.validate():
            return
        if self.on_accept is not None and not self.on_accept(self.changed_values()):
            return
        super().accept()


# --- window helpers ----------------------------------------------------------------------


def selected_feature(window: WindowApi) -> tuple[Layer, int] | None:
    """The one selected feature of the current layer (layer, fid); tells the user otherwise."""
    layer = window.current_layer()
    if layer is None:
        window.status(tr("请先在图层列表中选择一个图层。", "Choose a layer first."))
        return None
    if len(layer.selection) != 1:
        window.status(
            tr(
                f"请在图层“{layer.title}”中选中一个要素（当前选中 {len(layer.selection)} 个）。",
                f"Select one feature of '{layer.title}' ({len(layer.selection)} selected).",
            )
        )
        return None
    return layer, layer.fid_at(int(layer.selection[0]))


def target_feature(
    window: WindowApi, layer_name: str | None, fid: int | None
) -> tuple[Layer, int] | None:
    """The feature a command works on: the one named, else the one selected (or None)."""
    if window.project is None:
        return None
    if layer_name is None or fid is None:
        return selected_feature(window)
    return window.project.layer(layer_name), fid


def attribute_form(window: WindowApi, layer_name: str, fid: int) -> FeatureForm:
    """A form on an existing feature that commits the changed fields when accepted."""
    assert window.project is not None
    layer = window.project.layer(layer_name)
    current = row_values(layer, layer.row_of(fid))
    current.pop(GEOMETRY, None)
    form: FeatureForm | None = None

    def commit(changed: dict[str, Any]) -> bool:
        # "4.0" typed over 4 changes the text, not the value
        changed = {k: v for k, v in changed.items() if not same_value(current.get(k), v)}
        if not changed:
            window.status(tr("属性没有变化。", "Nothing changed."))
            return True
        label = (
            f"修改属性（{layer.title} #{fid}）",
            f"Edit attributes ({layer.title} #{fid})",
        )
        txn = window.edits.update_feature(layer_name, fid, changed, label=label)
        if txn is None:
            return False  # the window told the user why; the form keeps what was typed
        if form is not None:
            form.transaction = txn
        return True

    form = FeatureForm(
        feature_specs(layer),
        current,
        title=layer.title,
        fid=fid,
        on_accept=commit,
        read_only=form_locks(layer.name, new=False)[1],  # e.g. a segment's status: by steps
        parent=window_widget(window),
    )
    return form


def edit_feature_attributes(
    window: WindowApi, layer_name: str | None = None, fid: int | None = None
) -> EditTransaction | None:
    """Edit one feature's attributes in a form (default: the selected one); return the edit.

    Only the fields the user changed are committed, as one undoable edit. None when the
    form was cancelled, nothing changed or the edit was refused (the user was told why).
    """
    target = target_feature(window, layer_name, fid)
    if target is None:
        return None
    try:
        form = attribute_form(window, target[0].name, target[1])
    except GisdeskError as exc:
        window.report_error(tr("无法编辑属性", "Cannot edit attributes"), exc.message(language()))
        return None
    form.exec()
    txn = form.transaction
    form.deleteLater()
    return txn


def new_feature_values(
    window: WindowApi,
    layer: Layer | str,
    initial: Mapping[str, Any] | None = None,
    *,
    read_only: Iterable[str] = (),
) -> dict[str, Any] | None:
    """Ask for the attributes of a feature about to be created; None when cancelled.

    ``initial`` holds what the calling tool already knows (e.g. road name and from/to km of
    a stretch); ``read_only`` names those of them the user should not change.
    """
    if isinstance(layer, str):
        assert window.project is not None
        layer = window.project.layer(layer)
    fixed, locked = form_locks(layer.name, new=True)  # a new segment starts at 排查
    form = FeatureForm(
        feature_specs(layer),
        {**(initial or {}), **fixed},
        title=layer.title,
        read_only=[*read_only, *locked],
        parent=window_widget(window),
    )
    accepted = form.exec() == QDialog.DialogCode.Accepted
    values = form.values() if accepted else None
    form.deleteLater()
    return values
