"""The style dialog: single symbol, categorised, graduated; colour ramps; labels by field."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtGui import QColor, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QPushButton,
    QSpinBox,
    QWidget,
)

from gisdesk.analysis.classify import RAMPS, categorized_style, graduated_style
from gisdesk.core.errors import GisdeskError
from gisdesk.core.layer import Layer
from gisdesk.core.style import LabelSpec, LayerStyle, StyleClass, Symbol
from gisdesk.render.prepared import geometry_family
from gisdesk.ui import plain_text
from gisdesk.ui.i18n import language, tr

__all__ = ["SetStyle", "StyleDialog"]

KINDS = (
    ("single", "单一符号", "Single symbol"),
    ("categorized", "分类", "Categorised"),
    ("graduated", "分级", "Graduated"),
)
METHODS = (
    ("natural_breaks", "自然断点", "Natural breaks"),
    ("quantile", "分位数", "Quantile"),
    ("equal_interval", "等间距", "Equal interval"),
)


class SetStyle(QUndoCommand):
    """Change a layer's style; undo restores the previous one."""

    def __init__(self, layer: Layer, style: LayerStyle) -> None:
        super().__init__(tr(f"{layer.title} 样式", f"Style of {layer.title}"))
        self.layer = layer
        self.new = style
        self.old = layer.style

    def redo(self) -> None:
        """Apply the new style."""
        self.layer.set_style(self.new)

    def undo(self) -> None:
        """Restore the old style."""
        if self.old is not None:
            self.layer.set_style(self.old)


class StyleDialog(QDialog):
    """Edit a layer's style; Apply shows it at once, OK keeps it (both undoable)."""

    def __init__(self, layer: Layer, undo: QUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer = layer
        self.undo = undo
        self.setWindowTitle(
            plain_text.window_title(tr(f"样式 — {layer.title}", f"Style — {layer.title}"))
        )
        style = layer.style
        import numpy as np

        self.family = geometry_family(np.asarray(layer.data.geometry.values[:100], dtype=object))
        base = (
            style.classes[0].symbol
            if style and style.kind == "single" and style.classes
            else (style.symbol if style else Symbol())
        )
        self.fill = base.fill or "#3182bd"
        self.stroke = base.stroke or "#333333"

        self.kind = QComboBox()
        for key, zh, en in KINDS:
            self.kind.addItem(tr(zh, en), key)
        fields = [c for c in layer.data.columns if c != layer.data.geometry.name]
        labels = {
            f: (
                layer.schema.field_index[f].label(language())
                if layer.schema and f in layer.schema.field_index
                else f
            )
            for f in fields
        }
        self.field = QComboBox()
        for f in fields:
            self.field.addItem(labels[f], f)
        self.method = QComboBox()
        for key, zh, en in METHODS:
            self.method.addItem(tr(zh, en), key)
        self.classes = QSpinBox()
        self.classes.setRange(2, 12)
        self.classes.setValue(style.n_classes if style else 5)
        self.ramp = QComboBox()
        for name in RAMPS:
            self.ramp.addItem(name, name)
        self.size_spin = QDoubleSpinBox()
        self.size_spin.setRange(0.0, 20.0)
        self.size_spin.setSingleStep(0.1)
        self.size_spin.setSuffix(" mm")
        self.size_spin.setValue(base.size if self.family == "point" else base.stroke_width)
        self.fill_button = QPushButton()
        self.fill_button.clicked.connect(lambda: self._pick("fill"))
        self.stroke_button = QPushButton()
        self.stroke_button.clicked.connect(lambda: self._pick("stroke"))
        self.label_field = QComboBox()
        self.label_field.addItem(tr("（不标注）", "(no labels)"), "")
        for f in fields:
            self.label_field.addItem(labels[f], f)
        self.label_size = QDoubleSpinBox()
        self.label_size.setRange(4, 40)
        self.label_size.setValue(style.label.size if style and style.label else 9)
        if style is not None:
            idx = self.kind.findData(style.kind)
            if idx >= 0:
                self.kind.setCurrentIndex(idx)
            if style.field:
                self.field.setCurrentIndex(max(0, self.field.findData(style.field)))
            m = self.method.findData(style.method)
            if m >= 0:
                self.method.setCurrentIndex(m)
            if style.label:
                self.label_field.setCurrentIndex(
                    max(0, self.label_field.findData(style.label.field))
                )
        form = QFormLayout(self)
        form.addRow(tr("类型", "Kind"), self.kind)
        form.addRow(tr("字段", "Field"), self.field)
        form.addRow(tr("分级方法", "Method"), self.method)
        form.addRow(tr("级数", "Classes"), self.classes)
        form.addRow(tr("色带", "Colour ramp"), self.ramp)
        form.addRow(tr("填充色", "Fill"), self.fill_button)
        form.addRow(tr("边线色", "Outline"), self.stroke_button)
        form.addRow(tr("大小/线宽", "Size / width"), self.size_spin)
        form.addRow(tr("标注字段", "Label field"), self.label_field)
        form.addRow(tr("标注字号", "Label size"), self.label_size)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self.apply)
        form.addRow(buttons)
        self.kind.currentIndexChanged.connect(self._update_enabled)
        self._update_enabled()
        self._update_buttons()

    def _pick(self, which: str) -> None:
        current = QColor(self.fill if which == "fill" else self.stroke)
        colour = QColorDialog.getColor(current, self)
        if colour.isValid():
            setattr(self, which, colour.name())
            self._update_buttons()

    def _update_buttons(self) -> None:
        self.fill_button.setStyleSheet(f"background: {self.fill}")
        self.fill_button.setText(self.fill)
        self.stroke_button.setStyleSheet(f"background: {self.stroke}")
        self.stroke_button.setText(self.stroke)

    def _update_enabled(self) -> None:
        kind = self.kind.currentData()
        self.field.setEnabled(kind != "single")
        self.method.setEnabled(kind == "graduated")
        self.classes.setEnabled(kind == "graduated")
        self.ramp.setEnabled(kind == "graduated")
        self.fill_button.setEnabled(self.family != "line")

    def build_style(self) -> LayerStyle:
        """Return the style the dialog describes, computed from the layer's data."""
        old = self.layer.style
        if self.family == "point":
            base = replace(
                old.symbol if old else Symbol(),
                fill=self.fill,
                stroke=self.stroke,
                size=self.size_spin.value(),
            )
        elif self.family == "line":
            base = Symbol(fill=None, stroke=self.stroke, stroke_width=self.size_spin.value())
        else:
            base = Symbol(fill=self.fill, stroke=self.stroke, stroke_width=self.size_spin.value())
        label = None
        if self.label_field.currentData():
            old_label = old.label if old and old.label else LabelSpec(field="")
            label = replace(
                old_label, field=self.label_field.currentData(), size=self.label_size.value()
            )
        kind = self.kind.currentData()
        field = self.field.currentData()
        if kind == "single":
            return LayerStyle(
                kind="single",
                classes=(
                    StyleClass(symbol=base, label_zh=self.layer.title, label_en=self.layer.title),
                ),
                symbol=base,
                label=label,
            )
        if kind == "categorized":
            spec = self.layer.schema.field_index.get(field) if self.layer.schema else None
            return categorized_style(self.layer.data, field, base=base, spec=spec, label=label)
        return graduated_style(
            self.layer.data,
            field,
            method=self.method.currentData(),
            n_classes=self.classes.value(),
            ramp=RAMPS[self.ramp.currentData()],
            base=base,
            label=label,
        )

    def apply(self) -> bool:
        """Show the style now (one undo step)."""
        try:
            style = self.build_style()
        except GisdeskError as exc:
            plain_text.warning(
                self, tr("无法应用样式", "Cannot apply style"), exc.message(language())
            )
            return False
        self.undo.push(SetStyle(self.layer, style))
        return True

    def _ok(self) -> None:
        if self.apply():
            self.accept()
