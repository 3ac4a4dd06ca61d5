"""按位置选择 (select by location), as QGIS users know it: 工具 → 按位置选择….

The dialog chooses the layer whose features are selected, the relation (相交, 位于其内, 包含,
在距离以内 in metres), the reference layer (all its features or only the selected ones) and
how the found features change the selection (new, add, remove, within the current one). The
result goes through :meth:`Layer.set_selection`, the same path as clicking and 选择匹配项, so
the map highlight and the attribute table's 仅显示选中 follow. Selections are not part of the
undo history (as for clicks); the distance is measured in the layers' joint metric CRS
(:mod:`gisdesk.analysis.select_by_location`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QWidget,
)

from gisdesk.analysis.select_by_location import (
    MAX_DISTANCE_M,
    MODES,
    PREDICATES,
    LocationQuery,
    select_by_location,
)
from gisdesk.core.errors import GisdeskError
from gisdesk.core.i18n import language, tr
from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.ui.actions import ActionSpec
from gisdesk.ui.plain_text import plain_label
from gisdesk.ui.window_api import WindowApi, window_widget

__all__ = ["ACTION_ID", "SelectByLocationDialog", "install_select_by_location"]

ACTION_ID = "select_by_location"


def install_select_by_location(window: WindowApi) -> None:
    """Add 按位置选择… to the 工具 menu."""
    window.registry.add(
        ActionSpec(
            ACTION_ID,
            "按位置选择…",
            "Select by location…",
            "tools",
            open_select_by_location,
            args=(window,),
            tip_zh="按与另一图层要素的空间关系（相交、包含、距离以内等）选择要素",
            tip_en="Select features by their spatial relation to another layer's features "
            "(intersect, contain, within a distance...)",
        )
    )


def open_select_by_location(window: WindowApi) -> SelectByLocationDialog | None:
    """Show the dialog for the open project (modeless, like QGIS's); None without a project."""
    project = window.project
    if project is None or not project.layers:
        window.status(tr("没有可选择的图层。", "No layers to select from."))
        return None
    current = window.current_layer()
    dialog = SelectByLocationDialog(
        project, window_widget(window), target=current.name if current else None
    )
    dialog.selected.connect(window.status)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def _layer_items(combo: QComboBox, project: Project) -> None:
    for layer in reversed(project.layers):  # top layer first, as the layer tree
        combo.addItem(f"{layer.title}（{layer.name}）", layer.name)


class SelectByLocationDialog(QDialog):
    """选择要素的图层, 空间关系, 参照图层, 距离 and 选择方式; 应用 keeps the dialog open."""

    selected = Signal(str)  # what was selected, for the status bar

    def __init__(
        self,
        project: Project,
        parent: QWidget | None = None,
        *,
        target: str | None = None,
        reference: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.project = project
        self.setObjectName("select_by_location_dialog")
        self.setWindowTitle(tr("按位置选择", "Select by location"))
        self.target = QComboBox()
        self.target.setObjectName("target_layer")
        _layer_items(self.target, project)
        self.predicate = QComboBox()
        self.predicate.setObjectName("predicate")
        for key, (zh, en) in PREDICATES.items():
            self.predicate.addItem(tr(zh, en), key)
        self.reference = QComboBox()
        self.reference.setObjectName("reference_layer")
        _layer_items(self.reference, project)
        self.only_selected = QCheckBox()
        self.only_selected.setObjectName("only_selected")
        self.distance = QDoubleSpinBox()
        self.distance.setObjectName("distance_m")
        self.distance.setRange(0.0, MAX_DISTANCE_M)
        self.distance.setDecimals(1)
        self.distance.setSingleStep(100.0)
        self.distance.setValue(3000.0)
        self.distance.setSuffix(tr(" 米", " m"))
        self.mode = QComboBox()
        self.mode.setObjectName("mode")
        for key, (zh, en) in MODES.items():
            self.mode.addItem(tr(zh, en), key)
        self.intro = plain_label(
            tr(
                "选择“选择要素的图层”中与“参照图层”要素满足空间关系的要素。"
                "距离按米在 CGCS2000 高斯-克吕格投影（EPSG:4549）中量算。",
                "Selects the features of the first layer that are in the chosen relation to "
                "the reference layer's features. Distances are measured in metres in "
                "CGCS2000 Gauss-Kruger (EPSG:4549).",
            )
        )
        self.intro.setWordWrap(True)
        self.intro.setMinimumWidth(440)
        self.result_line = plain_label("")
        self.result_line.setObjectName("select_result")
        self.result_line.setWordWrap(True)
        self.result_line.setMinimumHeight(2 * self.result_line.fontMetrics().lineSpacing() + 4)
        self.error = plain_label("")
        self.error.setObjectName("dialog_error")
        self.error.setStyleSheet("color: #b2182b;")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.Close
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("选择并关闭", "Select"))
        buttons.button(QDialogButtonBox.StandardButton.Apply).setText(tr("应用", "Apply"))
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("关闭", "Close"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self.run)
        self.buttons = buttons

        form = QFormLayout(self)
        form.addRow(self.intro)
        form.addRow(tr("选择要素的图层", "Select features from"), self.target)
        form.addRow(tr("空间关系", "Where the features"), self.predicate)
        form.addRow(tr("距离", "Distance"), self.distance)
        form.addRow(tr("参照图层", "By comparing to the features of"), self.reference)
        form.addRow("", self.only_selected)
        form.addRow(tr("选择方式", "Modify current selection by"), self.mode)
        form.addRow(self.result_line)
        form.addRow(self.error)
        form.addRow(buttons)

        self.predicate.currentIndexChanged.connect(self._update_state)
        self.reference.currentIndexChanged.connect(self._update_state)
        self._choose(self.target, target)
        if reference is None:  # the top layer other than the target
            reference = next(
                (
                    layer.name
                    for layer in reversed(project.layers)
                    if layer.name != self.target.currentData()
                ),
                None,
            )
        self._choose(self.reference, reference)
        self._update_state()

    @staticmethod
    def _choose(combo: QComboBox, name: str | None) -> None:
        index = combo.findData(name)
        if index >= 0:
            combo.setCurrentIndex(index)

    def _layer(self, combo: QComboBox) -> Layer | None:
        name = combo.currentData()
        return self.project.layer(name) if name and name in self.project else None

    def _update_state(self) -> None:
        self.distance.setEnabled(self.predicate.currentData() == "dwithin")
        ref = self._layer(self.reference)
        n = len(ref.selection) if ref is not None else 0
        self.only_selected.setText(
            tr(f"仅使用所选要素（已选 {n} 个）", f"Selected features only ({n} selected)")
        )
        self.only_selected.setEnabled(n > 0)
        if n == 0:
            self.only_selected.setChecked(False)

    def query(self) -> LocationQuery:
        """The relation, distance and mode the dialog describes."""
        return LocationQuery(
            predicate=str(self.predicate.currentData()),
            distance_m=float(self.distance.value()),
            mode=str(self.mode.currentData()),
        )

    def run(self) -> int | None:
        """Select the features; return how many are selected now (None when refused)."""
        target, ref = self._layer(self.target), self._layer(self.reference)
        self.error.setText("")
        if target is None or ref is None:
            self.error.setText(tr("请选择两个图层。", "Choose both layers."))
            return None
        query = self.query()
        rows = ref.selection if self.only_selected.isChecked() else None
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            selection = select_by_location(
                target.data,
                ref.data,
                query,
                current=target.selection,
                reference_rows=rows,
                target_name=target.title,
                reference_name=ref.title,
            )
        except GisdeskError as exc:
            self.error.setText(exc.message(language()))
            return None
        finally:
            QApplication.restoreOverrideCursor()
        target.set_selection(selection)
        text = self._describe(target, ref, query, len(selection))
        self.result_line.setText(text)
        self.selected.emit(text.replace("\n", " "))
        self._update_state()
        return len(selection)

    def _describe(self, target: Layer, ref: Layer, query: LocationQuery, n: int) -> str:
        zh, en = PREDICATES[query.predicate]
        if query.predicate == "dwithin":
            zh = f"在 {query.distance_m:g} 米以内"
            en = f"within {query.distance_m:g} m of"
        return tr(
            f"“{target.title}”现选中 {n} 个要素\n（{MODES[query.mode][0]}：{zh}“{ref.title}”）",
            f"'{target.title}': {n} feature(s) selected\n({MODES[query.mode][1]}: {en} "
            f"'{ref.title}')",
        )

    def accept(self) -> None:
        """Select, and close unless refused."""
        if self.run() is not None:
            super().accept()
