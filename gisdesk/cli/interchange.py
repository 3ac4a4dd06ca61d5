"""``gisdesk import`` and ``gisdesk export``: forms for the import and export tasks.

``gisdesk import PROJECT FILE`` builds an :class:`~gisdesk.tasks.imports.ImportRequest`
(GeoPackage, Shapefile or zipped Shapefile, GeoJSON, KML/KMZ, FlatGeobuf, CSV/Excel with
coordinate columns, or an OpenStreetMap ``.osm.pbf`` extract), runs it under the project's
lock and saves the project atomically: a failed import leaves the project file untouched.
``gisdesk export PROJECT LAYER OUT`` builds an :class:`~gisdesk.tasks.exports.ExportRequest`
and writes one layer as GeoPackage (styled for QGIS), Shapefile, GeoJSON, Excel or CSV. The
reading, the layer building and the writing are the tasks' (:mod:`gisdesk.tasks.imports`,
:mod:`gisdesk.tasks.exports`), the same as the window's.

Exit codes: 0 done; 2 wrong usage or input (unreadable file, missing CRS, bad rows);
3 the project or the output cannot be opened or written.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gisdesk.cli.exit_codes import EXIT_OK
from gisdesk.core.i18n import tr

if TYPE_CHECKING:
    from gisdesk.tasks.base import Result
    from gisdesk.tasks.exports import ExportRequest
    from gisdesk.tasks.imports import ImportRequest

__all__ = [
    "add_interchange_parsers",
    "export_request",
    "import_request",
    "run_export",
    "run_import",
    "run_interchange",
]


# --- command line ----------------------------------------------------------------------------


def add_interchange_parsers(sub: Any) -> None:
    """Register ``import`` and ``export`` on the main parser's subparsers."""
    imp = sub.add_parser("import", help="导入数据到项目 / import a file into a project")
    imp.add_argument("project", type=Path, help="项目文件 (.gpkg) / project file")
    imp.add_argument("file", type=Path, help="要导入的文件 / file to import")
    imp.add_argument(
        "--layer",
        default=None,
        help="文件中的图层（QGIS 项目 .qgs/.qgz：图层在 QGIS 中的名称）/ layer inside the file "
        "(a QGIS project's layer by its QGIS name)",
    )
    imp.add_argument("--name", default=None, help="项目中的图层名 / layer name in the project")
    imp.add_argument(
        "--layer-type", default=None, help="图层类型（如 roads）/ layer type (schema id)"
    )
    imp.add_argument(
        "--crs",
        default=None,
        help="坐标系 / coordinate system: gcj02|bd09|wgs84|cgcs2000|epsg:4549|EPSG code",
    )
    imp.add_argument(
        "--encoding",
        default=None,
        help="文字编码（Shapefile、CSV、GeoJSON、KML），即使与内容不符也照此读取并警告 / "
        "text encoding (e.g. gbk), followed even where the bytes disagree, with a warning",
    )
    imp.add_argument("--x", default=None, help="经度/X 列 / longitude or X column")
    imp.add_argument("--y", default=None, help="纬度/Y 列 / latitude or Y column")
    imp.add_argument("--sheet", default=None, help="Excel 工作表 / sheet")
    imp.add_argument("--swap-xy", action="store_true", help="交换坐标列 / swap the columns")
    imp.add_argument(
        "--create", action="store_true", help="项目不存在时新建 / create the project if missing"
    )

    exp = sub.add_parser(
        "export",
        help="导出图层（已有的 GeoPackage：加入或替换同名图层，保留其他图层）/ export a layer "
        "(into an existing GeoPackage: added, or replacing the layer of its name)",
    )
    exp.add_argument("project", type=Path, help="项目文件 (.gpkg) / project file")
    exp.add_argument("layer", help="图层名 / layer name")
    exp.add_argument("out", type=Path, help="输出文件 / output file")
    exp.add_argument(
        "--format",
        choices=["gpkg", "shp", "geojson", "xlsx", "csv"],
        default=None,
        help="格式（默认按扩展名）/ format (default: from the extension)",
    )


def import_request(args: argparse.Namespace) -> ImportRequest:
    """Return the import request the command line states."""
    from gisdesk.tasks.imports import ImportRequest, normalise_crs

    sheet: str | int | None = args.sheet
    if isinstance(sheet, str) and sheet.isdigit():
        sheet = int(sheet)
    return ImportRequest(
        path=str(args.file),
        layer=args.layer,
        name=args.name,
        layer_type=args.layer_type,
        encoding=args.encoding,
        crs=normalise_crs(args.crs),
        x=args.x,
        y=args.y,
        sheet=sheet if sheet is not None else 0,
        swap_xy=args.swap_xy,
    )


def export_request(args: argparse.Namespace, *, lang: str = "zh") -> ExportRequest:
    """Return the export request the command line states (table headers in ``lang``)."""
    from gisdesk.tasks.exports import ExportRequest

    return ExportRequest(layer=args.layer, out=str(args.out), format=args.format, headers=lang)


def _print_notes(result: Result, lang: str) -> None:
    """Print the notes, what the user should check last and marked ``! 警告：``."""
    for note in result.notes:
        if note.warning:
            print(tr(f"  ! 警告：{note.zh}", f"  ! Warning: {note.en}", lang))
        else:
            print(f"  - {note.show(lang)}")


def run_interchange(args: argparse.Namespace, *, lang: str = "zh") -> int:
    """Run ``gisdesk import`` or ``gisdesk export`` and return the exit code."""
    if args.command == "import":
        return run_import(args, lang=lang)
    return run_export(args, lang=lang)


def run_import(args: argparse.Namespace, *, lang: str = "zh") -> int:
    """Run ``gisdesk import`` and return the exit code."""
    from gisdesk.cli.writing import locked_project
    from gisdesk.core.errors import ProjectError
    from gisdesk.core.project import Project
    from gisdesk.io.project_lock import check_writable
    from gisdesk.io.project_store import open_project, save_project
    from gisdesk.tasks import ProjectSource, run_request
    from gisdesk.tasks.imports import imported_layer

    project_path: Path = args.project
    if not project_path.exists() and not args.create:
        raise ProjectError(
            f"项目文件不存在：{project_path}（新建请加 --create）",
            f"The project file does not exist: {project_path} (add --create to create it)",
        )
    check_writable(project_path)  # a read-only project is refused before any work
    request = import_request(args)
    request.validate()
    # the project is read and written under its lock: no other writer comes in between
    with locked_project(project_path, purpose="import", lang=lang) as lock:
        if project_path.exists():
            project = open_project(project_path)
        else:
            project = Project(title=project_path.stem, path=project_path)
        result = run_request(ProjectSource(project), request)
        layer = imported_layer(result)
        project.add_layer(layer)
        save_project(project, project_path, lock=lock)
    print(
        tr(
            f"已导入图层“{layer.name}”：{len(layer)} 个要素",
            f"Imported layer '{layer.name}': {len(layer)} features",
            lang,
        )
    )
    _print_notes(result, lang)
    return EXIT_OK


def run_export(args: argparse.Namespace, *, lang: str = "zh") -> int:
    """Run ``gisdesk export`` and return the exit code."""
    from gisdesk.io.project_store import open_project
    from gisdesk.tasks import ProjectSource, run_request

    request = export_request(args, lang=lang)
    request.validate()
    result = run_request(ProjectSource(open_project(args.project)), request)
    print(tr(f"已导出：{result.details['path']}", f"Exported: {result.details['path']}", lang))
    _print_notes(result, lang)
    return EXIT_OK
