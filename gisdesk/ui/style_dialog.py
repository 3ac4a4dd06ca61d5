"""The style dialog: single symbol, categorised, graduated; colour ramps; labels by field.

Categorised and graduated styles show their classes in a table (value or range, label,
colour swatch, feature count). A graduated class's bounds can be typed (manual breaks: the
neighbouring class follows, labels and counts update), any class's colour changed (click
its swatch) and any label edited; such a style is kept with ``method = "manual"`` so its
classes stay as drawn. The ramp box shows the named ramp the classes' colours come from,
or 自定义 (custom) when they match none. Apply and OK push one :class:`SetStyle` onto the
window's undo stack.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gisdesk.analysis.classify import (
    RAMPS,
    categorized_style,
    graduated_style,
    interpolate_ramp,
)
from gisdesk.core.errors import GisdeskError
from gisdesk.core.layer import Layer
from gisdesk.core.style import LabelSpec, LayerStyle, StyleClass, Symbol
from gisdesk.render.prepared import geometry_family
from gisdesk.ui import plain_text
from gisdesk.ui.i18n import language, tr

__all__ = ["SetStyle", "StyleDialog", "class_colour", "ramp_in_use"]

KINDS = (
    ("single", "单一符号", "Single symbol"),
    ("categorized", "分类", "Categorised"),
    ("graduated", "分级", "Graduated"),
)
METHODS = (
    ("natural_breaks", "自然断点", "Natural breaks"),
    ("quantile", "分位数", "Quantile"),
    ("equal_interval", "等间距", "Equal interval"),
    ("manual", "手动（表中界限）", "Manual (the table's breaks)"),
)

CUSTOM_RAMP = ("自定义", "Custom")
COLUMNS = (
    ("值", "Value"),
    ("上限", "Upper"),
    ("标签", "Label"),
    ("颜色", "Colour"),
    ("数量", "Count"),
)
COL_VALUE, COL_UPPER, COL_LABEL, COL_COLOUR, COL_COUNT = range(5)


def class_colour(symbol: Symbol) -> str:
    """The colour a class is told apart by: the fill, or the stroke of unfilled lines."""
    return (symbol.fill if symbol.fill is not None else symbol.stroke) or "#000000"


def _with_colour(symbol: Symbol, colour: str) -> Symbol:
    return (
        replace(symbol, fill=colour) if symbol.fill is not None else replace(symbol, stroke=colour)
    )


def ramp_in_use(style: LayerStyle | None) -> str | None:
    """The named ramp a graduated style's classes are coloured from; None if none matches.

    The classes' colours are compared with each ramp spread over as many classes (as
    :func:`gisdesk.analysis.classify.classify_style` spreads it); without classes, the
    style's ramp stops are compared.
    """
    if style is None or style.kind != "graduated":
        return None
    if style.classes:
        colours = [class_colour(c.symbol).lower() for c in style.classes]
        for name, stops in RAMPS.items():
            if interpolate_ramp(stops, len(colours)) == colours:
                return name
        return None
    for name, stops in RAMPS.items():
        if tuple(c.lower() for c in style.ramp) == stops:
            return name
    return None


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.4g}"


def _range_label(lower: float | None, upper: float | None) -> str:
    lo = "" if lower is None else _fmt(lower)
    hi = "" if upper is None else _fmt(upper)
    return f"{lo} – {hi}"


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
        self.ramp.addItem(tr(*CUSTOM_RAMP), None)
        in_use = ramp_in_use(style)
        self.ramp.setCurrentIndex(
            self.ramp.findData(in_use) if in_use is not None else self.ramp.count() - 1
        )
        if style is None or style.kind != "graduated":
            self.ramp.setCurrentIndex(0)
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
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([tr(zh, en) for zh, en in COLUMNS])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(
            COL_LABEL, QHeaderView.ResizeMode.Stretch
        )
        self.table.setMinimumHeight(200)
        self.table.itemChanged.connect(self._item_changed)
        self.table.cellClicked.connect(self._cell_clicked)
        self.message = plain_text.plain_label()
        self.message.setWordWrap(True)
        self.draft: list[StyleClass] = []
        self.edited = False  # breaks, colours or labels changed by hand
        self._filling = False
        self._computed: LayerStyle | None = None
        form = QFormLayout()
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
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        self.table_title = QLabel(
            tr(
                "分级（双击上下限或标签修改，单击颜色更换）",
                "Classes (double-click a bound or label to edit, click a colour to change it)",
            )
        )
        layout.addWidget(self.table_title)
        layout.addWidget(self.table)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(560, 640)
        self.kind.currentIndexChanged.connect(self._update_enabled)
        self._update_enabled()
        self._update_buttons()
        if style is not None and style.kind in ("categorized", "graduated") and style.classes:
            self._computed = style
            self.draft = list(style.classes)  # the classes in use, as drawn
            self._fill_table()
        else:
            self.reclassify()
        for combo in (self.kind, self.field, self.method):
            combo.currentIndexChanged.connect(self.reclassify)
        self.classes.valueChanged.connect(self.reclassify)
        self.ramp.currentIndexChanged.connect(self._ramp_changed)

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
        self.fill_button.setEnabled(self.family != "line" and kind == "single")
        self.table.setVisible(kind != "single")
        self.table_title.setVisible(kind != "single")
        self.table.setColumnHidden(COL_UPPER, kind != "graduated")
        value = ("下限", "Lower") if kind == "graduated" else ("值", "Value")
        self.table.setHorizontalHeaderItem(COL_VALUE, QTableWidgetItem(tr(*value)))

    # --- the class table --------------------------------------------------------------

    def reclassify(self) -> None:
        """Compute the classes afresh from the data and the controls (drops hand edits).

        With the method 手动 the table's classes stay (the breaks are the user's).
        """
        self.message.setText("")
        if (
            self.kind.currentData() == "graduated"
            and self.method.currentData() == "manual"
            and self.draft
            and self._computed is not None
            and self._computed.kind == "graduated"
        ):
            return
        if self.kind.currentData() == "single":
            self.draft, self._computed, self.edited = [], None, False
            self._fill_table()
            return
        try:
            style = self._compute_style()
        except GisdeskError as exc:
            self.draft, self._computed = [], None
            self.message.setText(exc.message(language()))
        else:
            self._computed, self.draft = style, list(style.classes)
        self.edited = False
        self._fill_table()

    def _ramp_changed(self) -> None:
        name = self.ramp.currentData()
        if name is None or self.kind.currentData() != "graduated" or not self.draft:
            return
        colours = interpolate_ramp(RAMPS[name], len(self.draft))
        self.draft = [
            replace(c, symbol=_with_colour(c.symbol, colour))
            for c, colour in zip(self.draft, colours, strict=True)
        ]
        self._fill_table()

    def class_counts(self) -> np.ndarray:
        """Features in each class of the table (in the table's order)."""
        if not self.draft or self._computed is None:
            return np.zeros(len(self.draft), dtype=np.int64)
        try:
            index = self._computed.with_classes(self.draft).assign(self.layer.data)
        except GisdeskError:
            return np.zeros(len(self.draft), dtype=np.int64)
        return np.bincount(index[index >= 0], minlength=len(self.draft))

    def _fill_table(self) -> None:
        self._filling = True
        try:
            graduated = self.kind.currentData() == "graduated"
            counts = self.class_counts()
            self.table.setRowCount(len(self.draft))
            lang = language()
            for row, cls in enumerate(self.draft):
                if graduated:
                    first = "" if cls.lower is None else _fmt(cls.lower)
                else:
                    first = "" if cls.value is None else str(cls.value)
                cells = {
                    COL_VALUE: first,
                    COL_UPPER: "" if cls.upper is None else _fmt(cls.upper),
                    COL_LABEL: cls.label(lang),
                    COL_COLOUR: class_colour(cls.symbol),
                    COL_COUNT: f"{int(counts[row]):,}",
                }
                for col, text in cells.items():
                    item = QTableWidgetItem(text)
                    flags = Qt.ItemFlag.ItemIsEnabled
                    if col == COL_LABEL or (graduated and col in (COL_VALUE, COL_UPPER)):
                        flags |= Qt.ItemFlag.ItemIsEditable
                    item.setFlags(flags)
                    if col == COL_COLOUR:
                        colour = QColor(text)
                        item.setBackground(QBrush(colour))
                        item.setForeground(
                            QBrush(QColor("#000000" if colour.lightness() > 128 else "#ffffff"))
                        )
                        item.setToolTip(tr("单击更换颜色", "Click to change the colour"))
                    if col in (COL_VALUE, COL_UPPER, COL_COUNT) and (graduated or col == COL_COUNT):
                        item.setTextAlignment(
                            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                        )
                    self.table.setItem(row, col, item)
            self.table.resizeColumnToContents(COL_COUNT)
        finally:
            self._filling = False

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        row, col = item.row(), item.column()
        if col == COL_LABEL:
            self.set_class_label(row, item.text())
            return
        text = item.text().strip().replace(",", "").replace("，", "")
        try:
            value = float(text)
        except ValueError:
            self.message.setText(
                tr(f"“{item.text()}”不是数字。", f"'{item.text()}' is not a number.")
            )
            self._fill_table()
            return
        if col == COL_UPPER:
            self.set_break(row, value)
        elif col == COL_VALUE:
            if row == 0:
                self.set_lower(value)
            else:
                self.set_break(row - 1, value)

    def _cell_clicked(self, row: int, col: int) -> None:
        if col != COL_COLOUR or not 0 <= row < len(self.draft):
            return
        colour = QColorDialog.getColor(QColor(class_colour(self.draft[row].symbol)), self)
        if colour.isValid():
            self.set_class_colour(row, colour.name())

    def _edited(self) -> None:
        self.edited = True
        self.message.setText("")
        if self.kind.currentData() == "graduated":
            self.method.blockSignals(True)
            self.method.setCurrentIndex(self.method.findData("manual"))
            self.method.blockSignals(False)
        self._fill_table()

    def set_break(self, index: int, value: float) -> bool:
        """Move the break between class ``index`` and the next (its upper bound).

        Refused (with a message, table unchanged) unless it stays above the class's lower
        bound and below the next class's upper bound.
        """
        if self.kind.currentData() != "graduated" or not 0 <= index < len(self.draft):
            return False
        cls = self.draft[index]
        nxt = self.draft[index + 1] if index + 1 < len(self.draft) else None
        lo = -math.inf if cls.lower is None else cls.lower
        hi = math.inf if nxt is None or nxt.upper is None else nxt.upper
        if not (math.isfinite(value) and lo < value < hi):
            self.message.setText(
                tr(
                    f"分级界限 {_fmt(value)} 须大于 {_fmt(lo)}"
                    + (f" 且小于 {_fmt(hi)}。" if math.isfinite(hi) else "。"),
                    f"The break {_fmt(value)} must lie above {_fmt(lo)}"
                    + (f" and below {_fmt(hi)}." if math.isfinite(hi) else "."),
                )
            )
            self._fill_table()
            return False
        label = _range_label(cls.lower, value)
        self.draft[index] = replace(cls, upper=value, label_zh=label, label_en=label)
        if nxt is not None:
            label = _range_label(value, nxt.upper)
            self.draft[index + 1] = replace(nxt, lower=value, label_zh=label, label_en=label)
        self._edited()
        return True

    def set_lower(self, value: float) -> bool:
        """Set the first class's lower bound (it must stay below its upper bound)."""
        if self.kind.currentData() != "graduated" or not self.draft:
            return False
        cls = self.draft[0]
        if not (math.isfinite(value) and (cls.upper is None or value < cls.upper)):
            self.message.setText(
                tr(
                    f"下限 {_fmt(value)} 须小于上限。",
                    f"The lower bound {_fmt(value)} must lie below the upper one.",
                )
            )
            self._fill_table()
            return False
        label = _range_label(value, cls.upper)
        self.draft[0] = replace(cls, lower=value, label_zh=label, label_en=label)
        self._edited()
        return True

    def set_class_colour(self, index: int, colour: str) -> None:
        """Give one class another colour (#rrggbb); the ramp box then says 自定义 if need be."""
        cls = self.draft[index]
        self.draft[index] = replace(cls, symbol=_with_colour(cls.symbol, QColor(colour).name()))
        self._show_ramp()
        self._edited()

    def set_class_label(self, index: int, text: str) -> None:
        """Rename one class in the legend."""
        cls = self.draft[index]
        self.draft[index] = replace(cls, label_zh=text, label_en=text)
        self._edited()

    def _show_ramp(self) -> None:
        probe = LayerStyle(kind="graduated", classes=tuple(self.draft))
        name = ramp_in_use(probe) if self.kind.currentData() == "graduated" else None
        index = self.ramp.findData(name) if name is not None else self.ramp.count() - 1
        self.ramp.blockSignals(True)
        self.ramp.setCurrentIndex(index)
        self.ramp.blockSignals(False)

    # --- the style --------------------------------------------------------------------

    def build_style(self) -> LayerStyle:
        """Return the style the dialog describes: the table's classes, or computed ones."""
        style = self._compute_style()
        if style.kind == "single" or not self.draft or self._computed is None:
            return style
        if self._computed.kind != style.kind or self._computed.field != style.field:
            return style
        classes = tuple(
            replace(c, symbol=self._restroke(c.symbol, style.symbol)) for c in self.draft
        )
        if style.kind == "graduated" and not self.edited and self.method.currentData() != "manual":
            return style  # the breaks follow the data as the method computes them
        if style.kind == "graduated":
            name = self.ramp.currentData()
            ramp = (
                RAMPS[name] if name is not None else tuple(class_colour(c.symbol) for c in classes)
            )
            return replace(
                style,
                classes=classes,
                method="manual",
                n_classes=len(classes),
                ramp=tuple(ramp),
            )
        return replace(style, classes=classes)

    def _restroke(self, symbol: Symbol, base: Symbol) -> Symbol:
        """A class symbol with the outline and width chosen in the dialog (colour kept)."""
        if self.family == "line":
            return replace(symbol, stroke_width=base.stroke_width)
        if self.family == "point":
            return replace(symbol, stroke=base.stroke)
        return replace(symbol, stroke=base.stroke, stroke_width=base.stroke_width)

    def _compute_style(self) -> LayerStyle:
        """Return the style the controls describe, computed from the layer's data."""
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
        name = self.ramp.currentData()
        if name is not None:
            ramp = RAMPS[name]
        elif self.draft and self.kind.currentData() == "graduated":  # 自定义: the classes' own
            ramp = tuple(class_colour(c.symbol) for c in self.draft)
        elif old is not None and old.ramp:
            ramp = old.ramp
        else:
            ramp = RAMPS["Blues"]
        method = self.method.currentData()
        return graduated_style(
            self.layer.data,
            field,
            method="natural_breaks" if method == "manual" else method,
            n_classes=self.classes.value(),
            ramp=ramp,
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
