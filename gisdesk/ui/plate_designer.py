"""The plate designer: template, texts, layers, item positions, a live preview, export.

The designer is the window's form for :class:`gisdesk.tasks.plates.PlateRequest` (``gisdesk
plate`` is the other): exporting a plate or an atlas runs that request through the task
registry in the window's worker, drawn by :func:`gisdesk.export.publish.draw_plates`.
The preview is drawn by the same plate renderer as the exported file (in a worker, at
screen resolution), so what the designer shows is what the PDF holds. Items are moved and
resized by their position and size in millimetres on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gisdesk.core.errors import GisdeskError
from gisdesk.core.project import Project
from gisdesk.export.publish import draw_plates, plate_spec
from gisdesk.export.spec import PlateSpec
from gisdesk.export.templates import (
    TEMPLATES,
    PlateTemplate,
    project_templates,
    store_project_template,
)
from gisdesk.tasks import ProjectSource, run_request
from gisdesk.tasks.plates import PlateRequest
from gisdesk.ui import plain_text
from gisdesk.ui.form_widgets import checkable_list, checked_names
from gisdesk.ui.i18n import language, tr
from gisdesk.ui.output_paths import ask_save_path, refuse_project_output
from gisdesk.ui.workers import Task, run_task

__all__ = ["PlateDesigner"]

ITEM_NAMES = {
    "title": "标题",
    "subtitle": "副标题",
    "map": "地图",
    "legend": "图例",
    "table": "统计表",
    "notes": "说明",
    "inset": "位置图",
    "scalebar": "比例尺",
    "north": "指北针",
    "badge": "示意数据标注",
}
PREVIEW_DPI = 50  # the lowest the plate renderer accepts; an A3 page is ~830 px wide


def _render_preview(
    project: Project, spec: PlateSpec, *, progress: Any = None, cancel: Any = None
) -> QImage:
    from gisdesk.export.output import render_plate_image

    image, _layout = render_plate_image(project, spec, dpi=PREVIEW_DPI, cancel=cancel)
    return image


class PlateDesigner(QDialog):
    """Design a map plate of the current project and export it (or an atlas per town)."""

    def __init__(
        self, project: Project, parent: QWidget | None = None, *, start_task: Any = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("制图出版", "Map plate"))
        self.project = project
        self.start_task = start_task
        self.on_modified: Any = None
        self.result: Any = None  # the Result of the last export (files written)
        self.template: PlateTemplate = TEMPLATES["A3-landscape"]
        self._task: Task | None = None
        self.last_image: QImage | None = None
        self.template_box = QComboBox()
        for name in TEMPLATES:
            self.template_box.addItem(name, name)
        for name in self.saved_templates():
            self.template_box.addItem(tr(f"{name}（项目模板）", f"{name} (project)"), name)
        self.template_box.setCurrentIndex(self.template_box.findData("A3-landscape"))
        self.template_box.currentIndexChanged.connect(self._template_changed)
        self.title = QLineEdit(project.title.replace("（示意数据）", ""))
        self.subtitle = QLineEdit("")
        self.organisation = QLineEdit(tr("海门区", "Haimen district"))
        self.scale = QSpinBox()
        self.scale.setRange(0, 5_000_000)
        self.scale.setSingleStep(5000)
        self.scale.setSpecialValueText(tr("适合页面", "fit the page"))
        self.grid = QComboBox()
        for key, zh, en in (
            ("graticule", "经纬网", "Graticule"),
            ("grid", "公里网", "Grid"),
            ("none", "无", "None"),
        ):
            self.grid.addItem(tr(zh, en), key)
        self.layers = checkable_list(
            (layer.title, layer.name, layer.visible) for layer in reversed(project.layers)
        )
        self.decor: dict[str, QCheckBox] = {}
        for key, zh, en in (
            ("legend", "图例", "Legend"),
            ("scalebar", "比例尺", "Scale bar"),
            ("north_arrow", "指北针", "North arrow"),
            ("inset", "位置图", "Inset"),
            ("notes", "说明", "Notes"),
        ):
            box = QCheckBox(tr(zh, en))
            box.setChecked(True)
            box.toggled.connect(self.schedule_preview)
            self.decor[key] = box
        self.item_box = QComboBox()
        self.item_spins = [QDoubleSpinBox() for _ in range(4)]
        for spin, label in zip(self.item_spins, ("x", "y", "宽", "高"), strict=True):
            spin.setRange(0, 2000)
            spin.setDecimals(1)
            spin.setSuffix(" mm")
            spin.setPrefix(f"{label} ")
            spin.valueChanged.connect(self._item_moved)
        self.item_box.currentIndexChanged.connect(self._item_chosen)
        self.preview = QLabel(tr("正在绘制预览…", "Drawing the preview…"))
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(640, 460)
        scroll = QScrollArea()
        scroll.setWidget(self.preview)
        scroll.setWidgetResizable(True)
        export = QPushButton(tr("导出…", "Export…"))
        export.clicked.connect(self.ask_export)
        atlas = QPushButton(tr("按镇导出图集…", "Atlas per town…"))
        atlas.clicked.connect(self.ask_atlas)
        save_template = QPushButton(tr("保存为项目模板…", "Save as project template…"))
        save_template.clicked.connect(self.ask_save_template)
        form = QFormLayout()
        form.addRow(tr("模板", "Template"), self.template_box)
        form.addRow(tr("标题", "Title"), self.title)
        form.addRow(tr("副标题", "Subtitle"), self.subtitle)
        form.addRow(tr("制图单位", "Producer"), self.organisation)
        form.addRow(tr("比例尺 1:", "Scale 1:"), self.scale)
        form.addRow(tr("坐标网", "Grid"), self.grid)
        form.addRow(tr("图层", "Layers"), self.layers)
        decor = QGroupBox(tr("整饰", "Furniture"))
        decor_layout = QVBoxLayout(decor)
        for box in self.decor.values():
            decor_layout.addWidget(box)
        form.addRow(decor)
        items = QGroupBox(tr("移动/缩放元素", "Move / resize items"))
        items_layout = QVBoxLayout(items)
        items_layout.addWidget(self.item_box)
        for spin in self.item_spins:
            items_layout.addWidget(spin)
        form.addRow(items)
        buttons = QHBoxLayout()
        buttons.addWidget(export)
        buttons.addWidget(atlas)
        form.addRow(buttons)
        form.addRow(save_template)
        left = QWidget()
        left.setLayout(form)
        left.setMaximumWidth(360)
        layout = QHBoxLayout(self)
        layout.addWidget(left)
        layout.addWidget(scroll, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.refresh_preview)
        for edit in (self.title, self.subtitle, self.organisation):
            edit.textChanged.connect(self.schedule_preview)
        self.scale.valueChanged.connect(self.schedule_preview)
        self.grid.currentIndexChanged.connect(self.schedule_preview)
        self.layers.itemChanged.connect(self.schedule_preview)
        self._fill_items()
        self.resize(1200, 760)
        self.schedule_preview()

    # --- spec ---------------------------------------------------------------------------

    def request(
        self, out: Path | str = "", *, dpi: float = 300, atlas: str | None = None
    ) -> PlateRequest:
        """Return the PlateRequest the dialog describes (``atlas``: one plate per feature)."""
        layers = tuple(checked_names(self.layers))
        name = self.template_box.currentData()
        saved = self.saved_templates()
        named = PlateTemplate.from_dict(saved[name]) if name in saved else TEMPLATES.get(name)
        return PlateRequest(
            out=str(out),
            template=name if self.template == named else self.template.to_dict(),
            title=self.title.text(),
            subtitle=self.subtitle.text(),
            organisation=self.organisation.text(),
            layers=tuple(reversed(layers)),  # bottom to top, as in the project
            scale=float(self.scale.value()) or None,
            grid=self.grid.currentData(),
            dpi=dpi,
            atlas=atlas,
            hide=tuple(key for key, box in self.decor.items() if not box.isChecked()),
        )

    def spec(self) -> PlateSpec:
        """Return the plate the dialog describes (for the preview)."""
        request = self.request()
        return plate_spec(self.project, request.template, request.spec_options())

    def saved_templates(self) -> dict[str, dict[str, Any]]:
        """Return the user templates saved in the project (name -> template as plain data)."""
        return project_templates(self.project)

    def save_template(self, name: str) -> None:
        """Save the current layout as a named template in the project (saved with it)."""
        store_project_template(self.project, name, self.template)
        if self.template_box.findData(name) < 0:
            self.template_box.addItem(tr(f"{name}（项目模板）", f"{name} (project)"), name)
        if self.on_modified is not None:
            self.on_modified()

    def ask_save_template(self) -> None:
        """Ask for a name and save the current layout as a project template."""
        from PySide6.QtWidgets import QInputDialog

        name, ok = QInputDialog.getText(
            self, tr("保存模板", "Save template"), tr("模板名称：", "Template name:")
        )
        if ok and name.strip():
            self.save_template(name.strip())

    def _template_changed(self) -> None:
        name = self.template_box.currentData()
        saved = self.saved_templates()
        self.template = PlateTemplate.from_dict(saved[name]) if name in saved else TEMPLATES[name]
        self._fill_items()
        self.schedule_preview()

    def _fill_items(self) -> None:
        self.item_box.blockSignals(True)
        self.item_box.clear()
        for name in self.template.items:
            self.item_box.addItem(ITEM_NAMES.get(name, name), name)
        self.item_box.blockSignals(False)
        self._item_chosen()

    def _item_chosen(self) -> None:
        name = self.item_box.currentData()
        rect = self.template.items.get(name) if name else None
        for spin, value in zip(self.item_spins, rect or (0, 0, 0, 0), strict=True):
            spin.blockSignals(True)
            spin.setValue(float(value))
            spin.blockSignals(False)

    def _item_moved(self) -> None:
        name = self.item_box.currentData()
        if not name:
            return
        items = dict(self.template.items)
        items[name] = tuple(spin.value() for spin in self.item_spins)  # type: ignore[assignment]
        try:
            self.template = replace(self.template, items=items)
        except GisdeskError as exc:  # off the page or empty: keep the item where it was
            self.preview.setToolTip(plain_text.auto_text(exc.message(language())))
            self.setWindowTitle(
                plain_text.window_title(tr("制图出版 — ", "Map plate — ") + exc.message(language()))
            )
            self._item_chosen()
            return
        self.schedule_preview()

    # --- preview and export -------------------------------------------------------------

    def schedule_preview(self, *_args: object) -> None:
        """Redraw the preview after a short pause (coalescing quick edits)."""
        self._timer.start(250)

    def refresh_preview(self) -> None:
        """Draw the preview in a worker, cancelling an older one."""
        if self._task is not None:
            self._task.cancel()
        try:
            spec = self.spec()
        except GisdeskError as exc:
            self.preview.setText(exc.message(language()))
            return
        task = Task(_render_preview, self.project, spec)
        task.signals.finished.connect(self._show_preview)
        task.signals.failed.connect(lambda message, _d: self.preview.setText(message))
        self._task = task
        run_task(task)

    def _show_preview(self, image: QImage) -> None:
        self.last_image = image
        self.preview.setPixmap(QPixmap.fromImage(image))

    def wait_for_preview(self, timeout_s: float = 60.0) -> bool:
        """Block until the pending preview is drawn (for tests)."""
        from PySide6.QtCore import QCoreApplication

        if self._timer.isActive():
            self._timer.stop()
            self.refresh_preview()
        if self._task is None:
            return False
        self._task.wait(timeout_s)
        QCoreApplication.processEvents()
        return self.last_image is not None

    def _ask_and_export(
        self, caption: str, untitled: str, filters: str, export: Callable[[Path], object]
    ) -> None:
        """Ask for a file (named after the title, else ``untitled``) and export to it."""
        path = ask_save_path(self, caption, f"{self.title.text() or untitled}.pdf", filters)
        if path is not None:
            export(path)

    def ask_export(self) -> None:
        """Ask for a file and export the plate (PDF, PNG or SVG by extension)."""
        filters = "PDF (*.pdf);;PNG (*.png);;SVG (*.svg)"
        self._ask_and_export(tr("导出专题图", "Export plate"), "plate", filters, self.export)

    def export(self, path: Path, *, dpi: float = 300, wait: bool = False) -> None:
        """Export the plate in a worker (through the main window's progress bar if any)."""
        self._run(self.request(path, dpi=dpi), tr("导出专题图", "Exporting plate"), wait=wait)

    def ask_atlas(self) -> None:
        """Ask for a PDF and export one page per town with its 15-minute coverage."""
        self._ask_and_export(
            tr("导出图集", "Export atlas"), "atlas", "PDF (*.pdf)", self.export_atlas
        )

    def export_atlas(self, path: Path, *, dpi: float = 300, wait: bool = False) -> None:
        """Export the atlas of towns (service-circle coverage on each page where it applies)."""
        request = self.request(path, dpi=dpi, atlas="towns")
        self._run(request, tr("导出图集", "Exporting atlas"), wait=wait)

    def _run(self, request: PlateRequest, label: str, *, wait: bool) -> None:
        """Run a PlateRequest through the task registry in a worker (the window's, if any)."""
        path = Path(request.out)
        if refuse_project_output(self, self.project, path):
            return
        draw = partial(draw_plates, self.project)
        task = Task(run_request, ProjectSource(self.project), request, draw=draw)

        def done(result: object) -> None:
            self.result = result
            self.setWindowTitle(
                plain_text.window_title(
                    tr(f"制图出版 — 已导出 {path.name}", f"Map plate — exported {path.name}")
                )
            )

        if self.start_task is not None:
            self.start_task(task, done, label, wait=wait)
            return
        task.signals.finished.connect(done)
        run_task(task)
        if wait:
            task.wait()
