"""Export a layer to a file: the form for :class:`~gisdesk.tasks.exports.ExportRequest`.

The dialog asks for the layer, the output file, its format (by the file's extension, or
chosen) and, for Excel/CSV tables, the language of the column headers, and says what the
export does to an output file that exists (a GeoPackage: the layer of that name is replaced
or the layer added, the file's other layers kept; any other format: the file replaced);
:meth:`ExportDialog.request` is the same request ``gisdesk export`` builds from its arguments, and
:func:`ask_export_layer` runs it in the window's worker through the task registry. The
task refuses an output that is the open project or one of the files kept beside it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from gisdesk.core.errors import GisdeskError
from gisdesk.core.project import Project
from gisdesk.tasks.exports import FORMATS, ExportRequest, format_for, output_files
from gisdesk.ui import plain_text
from gisdesk.ui.file_dialogs import ask_save_path
from gisdesk.ui.form_widgets import ok_cancel_buttons, path_row
from gisdesk.ui.i18n import language, tr
from gisdesk.ui.window_api import WindowApi, window_widget

__all__ = ["ExportDialog", "ask_export_layer"]


def _file_filter() -> str:
    return ";;".join(f"{tr(zh, en)} (*{suffix})" for zh, en, suffix in FORMATS.values())


class ExportDialog(QDialog):
    """Ask which layer to write where, in which format."""

    def __init__(
        self, project: Project, layer: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("export_dialog")
        self.project = project
        self.setWindowTitle(tr("导出图层", "Export layer"))
        defaults = ExportRequest()

        self.layer = QComboBox()
        self.layer.setObjectName("layer")
        for item in project:
            self.layer.addItem(item.title or item.name, item.name)
        if layer is not None and self.layer.findData(layer) >= 0:
            self.layer.setCurrentIndex(self.layer.findData(layer))

        self.out, out_row = path_row("out", self._browse)

        self.format = QComboBox()
        self.format.setObjectName("format")
        self.format.addItem(tr("按扩展名", "By the file extension"), None)
        for key, (zh, en, _suffix) in FORMATS.items():
            self.format.addItem(tr(zh, en), key)
        self.format.setCurrentIndex(self.format.findData(defaults.format))

        self.headers = QComboBox()
        self.headers.setObjectName("headers")
        self.headers.addItem(tr("中文表头", "Chinese headers"), "zh")
        self.headers.addItem(tr("英文表头", "English headers"), "en")
        self.headers.setCurrentIndex(self.headers.findData(language()))

        # what the export will do to a file that exists (Qt's own "replace?" is not asked:
        # an export into a GeoPackage adds or replaces one layer and keeps the others)
        self.consequence = plain_text.plain_label("")
        self.consequence.setObjectName("consequence")
        self.consequence.setWordWrap(True)

        self.error = QLabel("")
        self.error.setObjectName("error")
        plain_text.make_plain(self.error)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b2182b;")

        form = QFormLayout()
        form.addRow(tr("图层", "Layer"), self.layer)
        form.addRow(tr("输出文件", "Output file"), out_row)
        form.addRow(tr("格式", "Format"), self.format)
        form.addRow(tr("表格表头（Excel/CSV）", "Table headers (Excel/CSV)"), self.headers)
        buttons = ok_cancel_buttons(self, tr("导出", "Export"))
        main = QVBoxLayout(self)
        main.addLayout(form)
        main.addWidget(self.consequence)
        main.addWidget(self.error)
        main.addWidget(buttons)
        self.out.textChanged.connect(self.refresh_consequence)
        self.layer.currentIndexChanged.connect(self.refresh_consequence)
        self.format.currentIndexChanged.connect(self.refresh_consequence)
        self.refresh_consequence()

    def _browse(self) -> None:
        path = ask_save_path(
            self,
            tr("导出图层", "Export layer"),
            self.out.text(),
            _file_filter(),
            confirm_overwrite=False,  # this dialog says itself what happens to the file
        )
        if path is not None:
            self.out.setText(str(path))

    def refresh_consequence(self) -> str:
        """Say what the export will do to an output file that exists ("" for a new file)."""
        text, refused = _consequence(self.request())
        self.consequence.setStyleSheet("color: #b2182b;" if refused else "color: #8a5a00;")
        self.consequence.setText(text)
        return text

    def request(self) -> ExportRequest:
        """The export the dialog states (what ``gisdesk export`` builds from its arguments)."""
        return ExportRequest(
            layer=str(self.layer.currentData() or ""),
            out=self.out.text().strip(),
            format=self.format.currentData(),
            headers=str(self.headers.currentData()),
        )

    def accept(self) -> None:
        """Close only on a request the task accepts (the reason is shown otherwise)."""
        try:
            self.request().validate()
        except GisdeskError as exc:
            self.error.setText(exc.message(language()))
            return
        super().accept()


def _consequence(request: ExportRequest) -> tuple[str, bool]:
    """What exporting does to the existing output, and whether the export will refuse it."""
    from gisdesk.io.vector_export import existing_layers

    if not request.out:
        return "", False
    out = Path(request.out)
    fmt = request.format or format_for(out)
    there = [p for p in output_files(request) if p.is_file()] if fmt else []
    if not there:
        return "", False
    if fmt != "gpkg":
        shown = "、".join(p.name for p in there)
        return (
            tr(
                f"文件 {shown} 已存在，导出将整个替换它。",
                f"{', '.join(p.name for p in there)} exists; the export replaces it entirely.",
            ),
            False,
        )
    try:
        names = existing_layers(out)
    except GisdeskError as exc:
        return exc.message(language()), True
    others = [n for n in names if n != request.layer]
    kept_zh = f"，其他 {len(others)} 个图层保留：{'、'.join(others)}。" if others else "。"
    kept_en = f" Its other {len(others)} layer(s) stay: {', '.join(others)}." if others else ""
    if request.layer in names:
        zh = f"文件 {out.name} 已存在：将替换其中的图层“{request.layer}”{kept_zh}"
        en = f"{out.name} exists: its layer '{request.layer}' is replaced.{kept_en}"
    else:
        zh = f"文件 {out.name} 已存在：将把图层“{request.layer}”添加进去{kept_zh}"
        en = f"{out.name} exists: layer '{request.layer}' is added to it.{kept_en}"
    return tr(zh, en), False


def ask_export_layer(window: WindowApi, layer: str | None = None) -> None:
    """Ask for an export of a layer (default: the current one) and run it in the worker."""
    from gisdesk.tasks import ProjectSource, Result, run_request
    from gisdesk.ui.workers import Task

    project = window.project
    if project is None:
        return
    current = window.current_layer()
    name = layer or (current.name if current is not None else None)
    dialog = ExportDialog(project, name, window_widget(window))
    if not dialog.exec():
        return
    request = dialog.request()

    def done(result: Result) -> None:
        window.log_message(result.title())
        for note in result.notes:  # the files written first, then shortened names and notes
            window.log_message(f"  - {note.show()}")

    label = tr(f"导出 {request.layer}", f"Exporting {request.layer}")
    window.start_task(Task(run_request, ProjectSource(project), request), done, label)
