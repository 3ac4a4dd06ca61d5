"""Export: one project layer to a file other programs read.

The one definition of what ``gisdesk export`` and the window's export dialog do:
:class:`ExportRequest` names the layer, the output file and its format (GeoPackage styled
for QGIS, added to an existing GeoPackage beside its other layers; Shapefile, GeoJSON, Excel
or CSV with the schema's Chinese or English headers);
:func:`run` refuses an output that is the project or one of its side files (the output
guard of :mod:`gisdesk.io.output_guard`) and writes through
:func:`gisdesk.io.vector_export.export_layer`. The Result lists the files written, the
Shapefile field names that had to be shortened and the export's notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from gisdesk.core.errors import InputError
from gisdesk.core.i18n import tr
from gisdesk.tasks.base import LayerSource, Note, ProjectSource, Result, SummaryTable
from gisdesk.tasks.job import Job, task
from gisdesk.tasks.records import Recorded

if TYPE_CHECKING:
    from gisdesk.core.layer import Layer
    from gisdesk.io.vector_export import ExportFormat

__all__ = [
    "FORMATS",
    "KIND",
    "ExportRequest",
    "format_for",
    "output_files",
    "run",
    "written_files",
]

KIND = "export"

FORMATS: dict[str, tuple[str, str, str]] = {
    "gpkg": ("GeoPackage（带 QGIS 样式）", "GeoPackage (styled for QGIS)", ".gpkg"),
    "shp": ("Shapefile", "Shapefile", ".shp"),
    "geojson": ("GeoJSON", "GeoJSON", ".geojson"),
    "xlsx": ("Excel 属性表", "Excel attribute table", ".xlsx"),
    "csv": ("CSV 属性表（UTF-8）", "CSV attribute table (UTF-8)", ".csv"),
}
"""Format key -> (Chinese label, English label, file extension)."""


def format_for(path: str | Path) -> str | None:
    """Return the format a file name implies (``.json`` is GeoJSON), or None."""
    from gisdesk.io.vector_export import EXPORT_FORMATS

    return EXPORT_FORMATS.get(Path(path).suffix.lower())


@dataclass(frozen=True)
class ExportRequest(Recorded):
    """Which layer to write where, in which format (None: by the file's extension).

    ``headers`` is the language of an Excel/CSV table's column headers.
    """

    kind: ClassVar[str] = KIND
    layer_fields: ClassVar[tuple[str, ...]] = ("layer",)
    layer: str = ""
    out: str = ""
    format: str | None = None
    headers: str = "zh"

    def validate(self) -> None:
        """Raise an :class:`InputError` (Chinese and English) for a bad option."""
        if not self.layer:
            raise InputError("请选择要导出的图层。", "Choose the layer to export.")
        if not self.out:
            raise InputError("请指明输出文件。", "Name the output file.")
        if self.format is not None and self.format not in FORMATS:
            known = ", ".join(FORMATS)
            raise InputError(
                f"未知导出格式“{self.format}”。可选：{known}。",
                f"Unknown export format '{self.format}'. Known: {known}.",
            )
        if self.format is None and format_for(self.out) is None:
            raise InputError(
                f"无法从扩展名“{Path(self.out).suffix}”判断导出格式；"
                "请指定 gpkg、shp、geojson、xlsx 或 csv。",
                f"Cannot tell the export format from '{Path(self.out).suffix}'; choose gpkg, "
                "shp, geojson, xlsx or csv.",
            )
        if self.headers not in ("zh", "en"):
            raise InputError(
                f"表头语言须为 zh 或 en，而不是“{self.headers}”。",
                f"The header language must be zh or en, not '{self.headers}'.",
            )

    def sources(self) -> list[str]:
        """Return the layer the export reads."""
        return [self.layer]


_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def output_files(request: ExportRequest) -> list[Path]:
    """Return every file the export may write (a Shapefile's parts, a table's real name)."""
    from gisdesk.io.vector_export import export_path

    fmt = request.format or format_for(request.out)
    out = Path(request.out) if fmt is None else export_path(request.out, fmt)
    if fmt == "shp":
        return [out.with_suffix(s) for s in _SHAPEFILE_PARTS]
    return [out]


def _layer(source: LayerSource, name: str) -> tuple[Layer, Path | None]:
    """Return the layer to write (with schema and style from a project) and the project file."""
    from gisdesk.core.layer import Layer

    data = source.get(name)  # an InputError names the layers there are
    if isinstance(source, ProjectSource):
        return source.project.layer(name), source.project.path
    return Layer(name, data), None


@task
def run(job: Job[LayerSource], request: ExportRequest) -> Result:
    """Write the request's layer to its output file; the Result lists the files written."""
    from gisdesk.io.output_guard import refuse_overwriting
    from gisdesk.io.vector_export import export_layer

    layer, project_path = _layer(job.source, request.layer)
    # never the project, nor the files SQLite and the lock keep beside it (issue 18)
    refuse_overwriting(output_files(request), [], project=project_path)
    job.check_cancel()
    job.report(0.0, tr(f"导出 {layer.name}", f"Exporting {layer.name}"))
    fmt = cast("ExportFormat | None", request.format or format_for(request.out))
    written = export_layer(layer, request.out, format=fmt, language=request.headers)
    job.report(1.0, tr("完成", "Done"))
    notes = [Note(f"已写出：{path}", f"Written: {path}") for path in written.files]
    notes += [
        Note(f"字段名缩短：{old} -> {new}", f"Field name shortened: {old} -> {new}")
        for old, new in written.field_names.items()
    ]
    if written.replaced:
        names = "、".join(written.replaced)
        notes.append(
            Note(
                f"已替换文件中原有的同名图层：{names}",
                f"Replaced the file's layer of the same name: {', '.join(written.replaced)}",
            )
        )
    if written.kept:
        notes.append(
            Note(
                f"文件中其他图层保持不变：{'、'.join(written.kept)}",
                f"The file's other layers are unchanged: {', '.join(written.kept)}",
            )
        )
    notes += [Note(note, note) for note in written.notes]
    return Result(
        kind=KIND,
        title_zh=f"导出 {layer.name}",
        title_en=f"Export {layer.name}",
        request=request,
        sources=((layer.name, layer.title),),
        layers=[],
        summary=SummaryTable((), ()),
        notes=tuple(notes),
        details={
            "path": str(written.path),
            "files": [str(p) for p in written.files],
            "field_names": dict(written.field_names),
        },
    )


def written_files(result: Result) -> list[Path]:
    """Return the files an export's result wrote."""
    return [Path(p) for p in result.details["files"]]
