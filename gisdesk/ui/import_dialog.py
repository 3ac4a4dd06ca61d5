"""Add a layer from a file, showing how it will be read before anything changes.

The dialog shows the text encoding gisdesk found for a Shapefile or CSV (from the .cpg, or
detected from the bytes) and lets the user pick another with a live preview of the first
rows, so a GBK file without a .cpg reads as Chinese and a wrong guess can be corrected.
When a stated encoding (the .cpg, the .dbf language id, GeoJSON's UTF-8 rule, or the
user's own pick) and the bytes disagree, the first rows are shown side by side under both,
with a button for each; the user's pick is what is imported. It
asks for the coordinate system where the file states none (and offers GCJ-02 / BD-09 for
numbers copied from web maps), and lists every warning of the import (conversions,
features without geometry, CRS assumptions) before the layer is added.

The dialog is a form for :class:`~gisdesk.tasks.imports.ImportRequest`: :meth:`ImportDialog.request`
is what the window runs (in its worker, through the task registry), the same request
``gisdesk import`` builds from its arguments. The reading is the task's
(:func:`~gisdesk.tasks.imports.read_file`, no Qt); the dialog only previews it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gisdesk.core.driver_errors import explain, explain_gisdesk_error
from gisdesk.core.errors import GisdeskError
from gisdesk.core.project import Project
from gisdesk.io.crs_options import COORDINATE_SYSTEMS
from gisdesk.io.encodings import (
    ENCODING_OPTIONS,
    EncodingChoice,
    preview_dbf,
    preview_text_values,
)
from gisdesk.io.schemas import load_schemas
from gisdesk.io.tables import (
    TABLE_SUFFIXES,
    guess_coordinate_columns,
    preview_text_table,
    read_table,
)
from gisdesk.io.vector_import import list_layers
from gisdesk.tasks.imports import (
    SHAPEFILE_SUFFIXES,
    TEXT_SUFFIXES,
    ImportedFile,
    ImportRequest,
    build_layer,
    detected_encoding,
    import_notes,
    layer_type_for,
    read_file,
    warning_text,
)
from gisdesk.ui import plain_text
from gisdesk.ui.form_widgets import ok_cancel_buttons
from gisdesk.ui.i18n import language, tr
from gisdesk.ui.workers import unexpected_error

__all__ = ["FILE_FILTER", "FrameModel", "ImportDialog", "cell_text", "frame_table", "warning_text"]

FILE_FILTER = ";;".join(
    [
        (
            "所有支持的文件 (*.gpkg *.shp *.zip *.geojson *.json *.kml *.kmz *.fgb "
            "*.csv *.txt *.xlsx *.xls *.qgs *.qgz)"
        ),
        "GeoPackage (*.gpkg)",
        "Shapefile (*.shp *.zip)",
        "GeoJSON (*.geojson *.json)",
        "表格 / Tables (*.csv *.txt *.xlsx *.xls)",
        "QGIS 项目中的图层 / QGIS project layers (*.qgs *.qgz)",
    ]
)

PREVIEW_ROWS = 10


class FrameModel(QAbstractTableModel):
    """A read-only table model over a pandas DataFrame (previews, issue lists)."""

    def __init__(self, frame: pd.DataFrame | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.frame = frame if frame is not None else pd.DataFrame()
        self.headers: list[str] = [str(c) for c in self.frame.columns]
        self.row_colours: dict[int, QColor] = {}

    def set_frame(
        self,
        frame: pd.DataFrame,
        headers: list[str] | None = None,
        row_colours: dict[int, QColor] | None = None,
    ) -> None:
        """Show another frame (with optional display headers and row colours)."""
        self.beginResetModel()
        self.frame = frame.reset_index(drop=True)
        self.headers = headers or [str(c) for c in frame.columns]
        self.row_colours = row_colours or {}
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        """Rows of the frame."""
        return len(self.frame)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        """Columns of the frame."""
        return len(self.frame.columns)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        """Cell text; row colour as background."""
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(self.frame.iat[index.row(), index.column()])
        if role == Qt.ItemDataRole.BackgroundRole:
            return self.row_colours.get(index.row())
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        """Column headers and 1-based row numbers."""
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.headers[section] if section < len(self.headers) else None
        return str(section + 1)


def frame_table(parent: QWidget, name: str) -> tuple[FrameModel, QTableView]:
    """Return an empty FrameModel owned by ``parent`` and a view of it named ``name``,
    without the row numbers (a list of issues, candidates or history)."""
    model = FrameModel(parent=parent)
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.verticalHeader().hide()
    return model, view


def cell_text(value: object) -> str:
    """A cell as text for previews (empty for missing values)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and np.isnan(value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else str(value)
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e6 else f"{value:.1f}"
    return str(value)


def _is_table(path: Path) -> bool:
    return path.suffix.lower() in TABLE_SUFFIXES


class ImportDialog(QDialog):
    """Show how a file will be read (encoding, CRS, columns, warnings) and read it."""

    def __init__(self, path: Path, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import_dialog")
        self.path = Path(path)
        self.project = project
        self.imported: ImportedFile | None = None
        self.error: str | None = None
        self.error_details = ""  # a driver's own text, shown as the error line's tooltip
        self.setWindowTitle(
            plain_text.window_title(
                tr(f"添加图层：{self.path.name}", f"Add layer: {self.path.name}")
            )
        )
        self.resize(760, 620)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.refresh_import)
        is_table = _is_table(self.path)

        form = QFormLayout()
        form.addRow(tr("文件", "File"), plain_text.plain_label(str(self.path)))
        self.layer_combo = QComboBox()
        self.layer_combo.setObjectName("layer_combo")
        if not is_table:
            try:
                names = list_layers(self.path)
            except GisdeskError:
                names = []
            self.layer_combo.addItems(names)
        self.layer_row_visible = self.layer_combo.count() > 1
        if self.layer_row_visible:
            form.addRow(tr("文件中的图层", "Layer in the file"), self.layer_combo)

        try:
            self.detected = detected_encoding(self.path)
        except GisdeskError:
            self.detected = None
        self.encoding = QComboBox()
        self.encoding.setObjectName("encoding")
        self.encoding.setEditable(True)
        self.encoding.addItems(list(ENCODING_OPTIONS))
        self.encoding_note = plain_text.plain_label("")  # quotes sample values
        self.encoding_note.setObjectName("encoding_note")
        self.encoding_note.setWordWrap(True)
        self.has_encoding = self.detected is not None
        if self.detected is not None:
            if self.encoding.findText(self.detected.encoding) < 0:
                self.encoding.insertItem(0, self.detected.encoding)
            self.encoding.setCurrentText(self.detected.encoding)
            row = QHBoxLayout()
            row.addWidget(self.encoding)
            row.addWidget(self.encoding_note, 1)
            form.addRow(tr("文字编码", "Text encoding"), row)
            self.encoding_note.setText(self.detected.describe(language()))

        self.x_column = QComboBox()
        self.y_column = QComboBox()
        self.system = QComboBox()
        for key, (zh, en) in COORDINATE_SYSTEMS.items():
            self.system.addItem(tr(zh, en), key)
        self.crs = QComboBox()
        self.crs.setObjectName("crs")
        self.crs.addItem(tr("按文件声明", "As the file declares"), None)
        for key, (zh, en) in COORDINATE_SYSTEMS.items():
            self.crs.addItem(tr(zh, en), key)
        if is_table:
            form.addRow(tr("经度 / X 列", "Longitude / X column"), self.x_column)
            form.addRow(tr("纬度 / Y 列", "Latitude / Y column"), self.y_column)
            form.addRow(tr("坐标系", "Coordinate system"), self.system)
        else:
            form.addRow(tr("坐标系", "Coordinate system"), self.crs)
        offset_note = QLabel(
            tr(
                "从高德/腾讯地图得到的坐标请选 GCJ-02，百度地图选 BD-09；选错会偏移约 500 米。",
                "Coordinates from Amap/Tencent are GCJ-02, from Baidu BD-09; a wrong choice "
                "shifts features by about 500 m.",
            )
        )
        offset_note.setWordWrap(True)
        offset_note.setStyleSheet("color: #555;")
        form.addRow("", offset_note)

        self.layer_type = QComboBox()
        self.layer_type.setObjectName("layer_type")
        self.layer_type.addItem(tr("（不套用图层类型）", "(no layer type)"), "")
        schemas = load_schemas()
        for key, schema in sorted(schemas.items()):
            self.layer_type.addItem(f"{tr(schema.title_zh, schema.title_en)}（{key}）", key)
        stem = self.path.stem[:50]
        guessed = layer_type_for(self.path)
        if guessed is not None:
            self.layer_type.setCurrentIndex(self.layer_type.findData(guessed))
        self.name = QLineEdit(project.unique_name(stem or "imported"))
        self.name.setObjectName("layer_name")
        form.addRow(tr("图层类型", "Layer type"), self.layer_type)
        form.addRow(tr("图层名称", "Layer name"), self.name)

        # the first rows under the stated and the detected encoding, when they disagree
        self.compare_box = QGroupBox(
            tr("文字编码不一致：请对照选择", "Encodings disagree: compare")
        )
        self.compare_box.setObjectName("encoding_compare")
        self.compare_note = QLabel("")
        self.compare_note.setObjectName("compare_note")
        self.compare_note.setWordWrap(True)
        self.compare_note.setTextFormat(Qt.TextFormat.PlainText)
        self.declared_model = FrameModel(parent=self)
        self.detected_model = FrameModel(parent=self)
        self.declared_title = QLabel("")
        self.detected_title = QLabel("")
        self.use_declared = QPushButton("")
        self.use_detected = QPushButton("")
        self.compare_encodings: tuple[str, str] | None = None  # (declared, detected)
        sides = QHBoxLayout()
        for key, title, model, button in (
            ("declared", self.declared_title, self.declared_model, self.use_declared),
            ("detected", self.detected_title, self.detected_model, self.use_detected),
        ):
            title.setObjectName(f"{key}_title")
            title.setTextFormat(Qt.TextFormat.PlainText)
            title.setWordWrap(True)
            view = QTableView()
            view.setObjectName(f"{key}_preview")
            view.setModel(model)
            view.verticalHeader().setDefaultSectionSize(22)
            button.setObjectName(f"use_{key}")
            button.clicked.connect(lambda _c=False, k=key: self._use_compared(k))
            column = QVBoxLayout()
            column.addWidget(title)
            column.addWidget(view)
            column.addWidget(button)
            sides.addLayout(column)
        compare_lay = QVBoxLayout(self.compare_box)
        compare_lay.addWidget(self.compare_note)
        compare_lay.addLayout(sides)
        self.compare_box.setVisible(False)

        self.preview_box = preview_box = QGroupBox(tr("前几行预览", "First rows"))
        self.preview_model = FrameModel(parent=self)
        self.preview = QTableView()
        self.preview.setObjectName("preview")
        self.preview.setModel(self.preview_model)
        self.preview.verticalHeader().setDefaultSectionSize(22)
        lay = QVBoxLayout(preview_box)
        lay.addWidget(self.preview)

        warn_box = QGroupBox(tr("导入说明与警告", "Import notes and warnings"))
        self.warnings = QListWidget()
        self.warnings.setObjectName("warnings")
        self.warnings.setWordWrap(True)
        lay2 = QVBoxLayout(warn_box)
        lay2.addWidget(self.warnings)

        self.buttons = ok_cancel_buttons(self, tr("添加图层", "Add layer"))

        main = QVBoxLayout(self)
        main.addLayout(form)
        main.addWidget(self.compare_box, 3)
        main.addWidget(preview_box, 3)
        main.addWidget(warn_box, 2)
        main.addWidget(self.buttons)

        if is_table:
            self._fill_columns()
        self.refresh_preview()
        self.refresh_import()
        if self.compare_box.isVisibleTo(self):
            self.resize(900, 820)  # room for the two readings side by side
        self.encoding.currentTextChanged.connect(self._encoding_changed)
        for combo in (self.layer_combo, self.x_column, self.y_column, self.system, self.crs):
            combo.currentIndexChanged.connect(lambda _i: self._timer.start())
        self.layer_type.currentIndexChanged.connect(lambda _i: self._timer.start())

    # --- the request --------------------------------------------------------------------

    def request(self) -> ImportRequest:
        """The import the dialog states (what the window runs, as ``gisdesk import`` would)."""
        encoding = None
        if self.has_encoding and self.detected is not None:
            chosen = self.encoding.currentText().strip()
            # the detected one: let the reader find it again and say where it came from
            if chosen and chosen.upper() != self.detected.encoding.upper():
                encoding = chosen
        table = _is_table(self.path)
        return ImportRequest(
            path=str(self.path),
            # a file of one layer: that layer, as the command line reads it without --layer
            layer=(self.layer_combo.currentText() or None) if self.layer_row_visible else None,
            name=self.name.text().strip() or None,
            layer_type=self.layer_type.currentData() or None,
            encoding=encoding,
            crs=self.system.currentData() if table else self.crs.currentData(),
            x=(self.x_column.currentText() or None) if table else None,
            y=(self.y_column.currentText() or None) if table else None,
        )

    def _encoding_changed(self, _text: str) -> None:
        self.refresh_preview()
        if _is_table(self.path):
            self._fill_columns()
        self._timer.start()

    def _fill_columns(self) -> None:
        try:
            df = read_table(self.path, encoding=self.request().encoding)
        except GisdeskError:
            return
        columns = [str(c) for c in df.columns]
        gx, gy = guess_coordinate_columns(df)
        for combo, guess in ((self.x_column, gx), (self.y_column, gy)):
            current = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(columns)
            pick = current if current in columns else guess
            if pick is not None:
                combo.setCurrentText(str(pick))
            combo.blockSignals(False)

    # --- preview and import -------------------------------------------------------------

    def preview_frame(self) -> pd.DataFrame:
        """The first rows as the current encoding reads them."""
        return self.preview_as(self.encoding.currentText().strip() or "UTF-8")

    def preview_as(self, encoding: str) -> pd.DataFrame:
        """The first rows as ``encoding`` reads them."""
        suffix = self.path.suffix.lower()
        chosen = encoding
        if suffix in SHAPEFILE_SUFFIXES and self.has_encoding:
            return preview_dbf(self.path, chosen, rows=PREVIEW_ROWS)
        if suffix in TEXT_SUFFIXES:
            return preview_text_table(self.path, chosen, rows=PREVIEW_ROWS)
        if self.has_encoding:  # GeoJSON / KML that is not plain UTF-8: its text values
            return preview_text_values(self.path, chosen, rows=PREVIEW_ROWS)
        if _is_table(self.path):
            return read_table(self.path).head(PREVIEW_ROWS)
        if self.imported is not None:
            data = self.imported.data
            return pd.DataFrame(data.drop(columns=data.geometry.name)).head(PREVIEW_ROWS)
        return pd.DataFrame()

    def refresh_preview(self) -> None:
        """Re-read the first rows with the chosen encoding (and both disagreeing ones)."""
        try:
            frame = self.preview_frame()
        except GisdeskError as exc:
            frame = pd.DataFrame({tr("无法预览", "No preview"): [exc.message(language())]})
        self.preview_model.set_frame(frame)
        self.preview.resizeColumnsToContents()
        self.refresh_comparison()

    def current_encoding(self) -> EncodingChoice | None:
        """How the chosen encoding stands against the bytes (None: no encoding to choose)."""
        if not self.has_encoding or self.detected is None:
            return None
        chosen = self.encoding.currentText().strip()
        if not chosen or chosen.upper() == self.detected.encoding.upper():
            return self.detected
        try:
            return detected_encoding(self.path, chosen)
        except GisdeskError:  # an encoding name Python does not know: the preview says so
            return None

    def refresh_comparison(self) -> None:
        """Show the first rows under the stated and the detected encoding when they disagree.

        The stated one is the user's pick when the bytes contradict it, else what the file
        states (.cpg, language id, format). The chosen one is marked; it is what is imported.
        """
        current = self.current_encoding()
        conflict = None if current is None else current.conflict
        if conflict is None and self.detected is not None:
            conflict = self.detected.conflict
        self.compare_encodings = None
        if conflict is None:
            self.compare_box.setVisible(False)
            self.preview_box.setVisible(True)
            return
        declared, detected = conflict.declared, conflict.detected
        self.compare_encodings = (declared, detected)
        lang = language()
        chosen = (self.encoding.currentText().strip() or "").upper()
        mark = tr("（当前选择，将按此导入）", " (chosen: will be imported)")
        self.declared_title.setText(
            conflict.stated(lang) + (mark if chosen == declared.upper() else "")
        )
        self.detected_title.setText(
            tr(f"按内容检测为 {detected}", f"The bytes fit {detected}")
            + (mark if chosen == detected.upper() else "")
        )
        self.use_declared.setText(tr(f"按 {declared} 导入", f"Use {declared}"))
        self.use_detected.setText(tr(f"按 {detected} 导入", f"Use {detected}"))
        self.use_declared.setEnabled(chosen != declared.upper())
        self.use_detected.setEnabled(chosen != detected.upper())
        source = current if current is not None and current.conflict is conflict else self.detected
        pair = source.warning() if source is not None else None
        self.compare_note.setText("" if pair is None else tr(*pair, lang))
        for model, encoding in ((self.declared_model, declared), (self.detected_model, detected)):
            try:
                frame = self.preview_as(encoding)
            except GisdeskError as exc:
                frame = pd.DataFrame({tr("无法预览", "No preview"): [exc.message(lang)]})
            model.set_frame(frame)
        self.compare_box.setVisible(True)
        # the chosen reading is one of the two: the single preview would only repeat it
        self.preview_box.setVisible(chosen not in (declared.upper(), detected.upper()))

    def _use_compared(self, which: str) -> None:
        if self.compare_encodings is None:
            return
        declared, detected = self.compare_encodings
        self.encoding.setCurrentText(declared if which == "declared" else detected)

    def refresh_import(self) -> None:
        """Read the file as the request says and list what happened (or what is wrong)."""
        self._timer.stop()
        request = self.request()
        self.imported, self.error, self.error_details = None, None, ""
        try:
            self.imported = read_file(request)
            # the layer type must fit; the name is checked against the project when added
            build_layer(Project(), replace(request, name=None), self.imported)
        except GisdeskError as exc:
            zh, en, self.error_details = explain_gisdesk_error(exc)
            self.error = tr(zh, en)
            self.imported = None
        except Exception as exc:  # GDAL and pandas have many kinds; never crash the dialog
            problem = explain(exc)  # a driver's error in words, its own text as the tooltip
            if problem is not None:
                self.error, self.error_details = problem.message(language()), problem.details
            else:  # logged with its traceback; the dialog says so in the user's language
                self.error, self.error_details = unexpected_error(f"import {request.path}", exc)
            self.imported = None
        self._show_warnings()
        if not self.has_encoding and not _is_table(self.path):
            self.refresh_preview()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(self.imported is not None)

    def warning_lines(self) -> list[str]:
        """What the list shows: the error, or the notes and conversions of the import."""
        if self.error is not None:
            return [self.error]
        assert self.imported is not None
        lang = language()
        n = len(self.imported.data)
        notes = [note.show(lang) for note in import_notes(self.imported)]
        return [tr(f"共 {n} 个要素", f"{n} features"), *notes]

    def _show_warnings(self) -> None:
        self.warnings.clear()
        for text in self.warning_lines():
            item = QListWidgetItem(text)
            if self.error is not None:
                item.setForeground(QColor("#b2182b"))
                item.setToolTip(self.error_details)
            self.warnings.addItem(item)

    def accept(self) -> None:
        """Add only a file that read without errors."""
        if self._timer.isActive():
            self.refresh_import()
        if self.imported is None:
            return
        super().accept()
