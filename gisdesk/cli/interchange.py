"""``gisdesk import`` and ``gisdesk export``: data in and out the way Chinese offices have it.

``gisdesk import PROJECT FILE`` reads FILE (GeoPackage, Shapefile or zipped Shapefile,
GeoJSON, KML/KMZ, FlatGeobuf, CSV/Excel with coordinate columns, or an OpenStreetMap
``.osm.pbf`` extract) into a new layer of PROJECT and saves the project atomically: a failed
import leaves the project file untouched. ``gisdesk export PROJECT LAYER OUT`` writes one
layer as GeoPackage (styled for QGIS), Shapefile, GeoJSON, Excel or CSV.

Exit codes: 0 done; 2 wrong usage or input (unreadable file, missing CRS, bad rows);
3 the project or the output cannot be opened or written.

OpenStreetMap roads
-------------------
Ways become a ``roads`` layer through :func:`gisdesk.analysis.osm.roads_from_osm` (``highway``
-> class: motorway/trunk 国道, primary 省道, secondary 县道, tertiary 乡道, everything
routable below 村道; ``_link`` ways take their road's class; ``oneway=-1`` reversed). Where
``maxspeed`` is missing, ``speed_kmh`` is the default of :data:`OSM_DEFAULT_SPEEDS` by
``highway`` value; ``lanes`` comes from the ``lanes`` tag.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gisdesk.cli.exit_codes import EXIT_OK
from gisdesk.core.i18n import tr

if TYPE_CHECKING:
    import geopandas as gpd

    from gisdesk.core.layer import Layer
    from gisdesk.core.project import Project

__all__ = [
    "OSM_DEFAULT_SPEEDS",
    "ImportedData",
    "add_interchange_parsers",
    "import_file",
    "import_osm_roads",
    "layer_from_import",
    "run_export",
    "run_import",
    "run_interchange",
]

OSM_DEFAULT_SPEEDS: dict[str, float] = {
    "motorway": 100.0,
    "trunk": 80.0,
    "primary": 60.0,
    "secondary": 50.0,
    "tertiary": 40.0,
    "unclassified": 30.0,
    "residential": 30.0,
    "road": 30.0,
    "service": 20.0,
    "living_street": 10.0,
    "track": 15.0,
    "cycleway": 15.0,
    "pedestrian": 5.0,
    "footway": 5.0,
    "path": 5.0,
    "steps": 5.0,
}
"""km/h by OSM ``highway`` value (``_link`` dropped) where a way has no ``maxspeed``."""

_LANES = re.compile(r'"lanes"=>"(\d+)"')


@dataclass
class ImportedData:
    """Features read from a file, in EPSG:4490, and how they got there."""

    data: gpd.GeoDataFrame
    source: str
    layer_type: str | None = None
    conversions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (zh, en), e.g. encodings


def import_osm_roads(path: str | Path) -> ImportedData:
    """Read an OSM extract's routable ways into a ``roads`` layer in EPSG:4490.

    Raises
    ------
    InputError
        The extract cannot be read or holds no routable ways.
    """
    import numpy as np
    import pandas as pd

    from gisdesk.analysis.osm import HIGHWAY_CLASS, roads_from_osm
    from gisdesk.core.crs import STORAGE_CRS
    from gisdesk.core.errors import InputError
    from gisdesk.io.osm_extract import read_osm_lines

    path = Path(path)
    lines = read_osm_lines(path)
    lines = lines[lines.geom_type == "LineString"].reset_index(drop=True)
    roads = roads_from_osm(lines)
    if len(roads) == 0:
        raise InputError(
            f"OSM 文件 {path.name} 中没有可通行的道路。",
            f"The OSM file {path.name} holds no routable roads.",
        )
    # the same selection roads_from_osm made, to carry highway and lanes along
    highway = lines["highway"].astype(object).fillna("").str.replace("_link", "", regex=False)
    keep = highway.isin(list(HIGHWAY_CLASS)).to_numpy()
    kept_highway = highway[keep].to_numpy()
    other = lines.get("other_tags", pd.Series([None] * len(lines)))[keep]
    defaults = np.array([OSM_DEFAULT_SPEEDS.get(h, 30.0) for h in kept_highway])
    speeds = roads["speed_kmh"].to_numpy(dtype=np.float64)
    speeds = np.clip(np.where(np.isfinite(speeds) & (speeds > 0), speeds, defaults), 5.0, 120.0)
    lanes = [
        int(m.group(1)) if isinstance(t, str) and (m := _LANES.search(t)) else None for t in other
    ]
    roads = roads.assign(
        speed_kmh=speeds,
        lanes=pd.array([v if v is None or 1 <= v <= 12 else None for v in lanes], dtype="Int64"),
        level=np.clip(roads["level"].to_numpy(), -2, 3),
    ).to_crs(STORAGE_CRS)
    return ImportedData(
        data=roads,
        source=path.name,
        layer_type="roads",
        conversions=[
            "OpenStreetMap highway -> class (gisdesk.analysis.osm.HIGHWAY_CLASS)",
            "missing maxspeed -> speed by highway (gisdesk.cli.interchange.OSM_DEFAULT_SPEEDS)",
            "WGS84 (EPSG:4326) -> CGCS2000 (EPSG:4490), no shift",
        ],
        notes=[f"{int(keep.sum())} of {len(lines)} ways are routable roads"],
    )


def import_file(
    path: str | Path,
    *,
    layer: str | None = None,
    crs: str | None = None,
    encoding: str | None = None,
    x: str | None = None,
    y: str | None = None,
    sheet: str | int | None = 0,
    swap_xy: bool = False,
) -> ImportedData:
    """Read any supported file into EPSG:4490, choosing the reader by its name.

    Parameters
    ----------
    path
        Vector file, CSV/Excel table with coordinates, or OSM extract.
    layer
        Layer inside a multi-layer file (GeoPackage, KML).
    crs
        What the coordinates are (required for tables and files without a CRS).
    encoding
        Text encoding of a Shapefile's attributes, a CSV, GeoJSON or KML: followed even
        where the bytes contradict it (a warning then shows a value read both ways); without
        it, a .cpg or other statement the bytes plainly contradict is overruled.
    x, y
        Coordinate columns of a table (default: guessed from the headers).
    sheet
        Excel sheet.
    swap_xy
        A table's coordinate columns are the wrong way round.

    Raises
    ------
    InputError
        Anything wrong with the file or the options, explained.
    """
    from gisdesk.core.errors import InputError
    from gisdesk.io.osm_extract import is_osm_file
    from gisdesk.io.tables import (
        TABLE_SUFFIXES,
        guess_coordinate_columns,
        read_coordinate_table,
        read_table,
        text_table_encoding,
    )
    from gisdesk.io.vector_import import import_vector

    path = Path(path)
    if is_osm_file(path):
        return import_osm_roads(path)
    if path.suffix.lower() in TABLE_SUFFIXES:
        if crs is None:
            raise InputError(
                "导入坐标表须指明坐标系：--crs gcj02（高德、腾讯）、bd09（百度）、wgs84（GPS）、"
                "cgcs2000 或 epsg:4549（米制）。",
                "A coordinate table needs its coordinate system: --crs gcj02 (Amap, Tencent), "
                "bd09 (Baidu), wgs84 (GPS), cgcs2000 or epsg:4549 (metres).",
            )
        df = read_table(path, sheet=sheet, encoding=encoding)
        choice = text_table_encoding(path, encoding=encoding)
        mismatch = None if choice is None else choice.warning()
        gx, gy = guess_coordinate_columns(df)
        x, y = x or gx, y or gy
        if x is None or y is None:
            raise InputError(
                f"找不到坐标列（表头：{'、'.join(map(str, df.columns))}）。请用 --x 和 --y 指明。",
                f"No coordinate columns found (headers: {', '.join(map(str, df.columns))}). "
                "Name them with --x and --y.",
            )
        gdf, conversions = read_coordinate_table(df, x=x, y=y, system=crs, swap_xy=swap_xy)
        encoding_record = [] if choice is None else [choice.describe("en")]
        return ImportedData(
            data=gdf,
            source=path.name,
            conversions=[*encoding_record, f"points from columns {x}/{y}", *conversions],
            warnings=[] if mismatch is None else [mismatch],
        )
    result = import_vector(path, layer=layer, encoding=encoding, crs=crs)
    mismatch = None if result.encoding is None else result.encoding.warning()
    return ImportedData(
        data=result.data,
        source=f"{path.name}:{result.layer}",
        conversions=result.conversions,
        notes=[en for en in result.warnings if mismatch is None or en != mismatch[1]],
        warnings=[] if mismatch is None else [mismatch],
    )


def _check_geometry_fits(data: gpd.GeoDataFrame, geometry: str, layer_type: str) -> None:
    from gisdesk.core.errors import InputError

    base = geometry.replace("Multi", "")
    found = {str(t).replace("Multi", "") for t in data.geom_type.dropna().unique()}
    if found - {base}:
        raise InputError(
            f"图层类型“{layer_type}”要求{base}几何，但文件中有 {'、'.join(sorted(found))}。",
            f"Layer type '{layer_type}' needs {base} geometries; the file has "
            f"{', '.join(sorted(found))}.",
        )


def layer_from_import(
    imported: ImportedData,
    project: Project,
    *,
    name: str | None = None,
    layer_type: str | None = None,
) -> Layer:
    """Build a project layer (typed and styled by its schema when given) from imported data.

    Raises
    ------
    InputError
        Unknown layer type, geometries that do not fit it, or an unusable name.
    """
    import geopandas as gpd

    from gisdesk.core.errors import InputError
    from gisdesk.core.layer import Layer, LayerMetadata, check_layer_name
    from gisdesk.core.schema import coerce_to_schema
    from gisdesk.io.schemas import load_schemas
    from gisdesk.io.styles import load_styles

    kind = layer_type or imported.layer_type
    schema = None
    style = None
    data = imported.data
    if kind is not None:
        schemas = load_schemas()
        if kind not in schemas:
            raise InputError(
                f"未知图层类型“{kind}”。可用：{'、'.join(sorted(schemas))}",
                f"Unknown layer type '{kind}'. Available: {', '.join(sorted(schemas))}",
            )
        schema = schemas[kind]
        _check_geometry_fits(data, schema.geometry, kind)
        data = gpd.GeoDataFrame(
            coerce_to_schema(data, schema), geometry=data.geometry.name, crs=data.crs
        )
        style = load_styles().get(schema.style)
    base = name or kind or re.sub(r"[^\w\u4e00-\u9fff-]+", "_", Path(imported.source).stem)
    base = (base or "imported")[:60]
    if name is not None:
        check_layer_name(name)
        if name in project:
            raise InputError(
                f"项目中已有图层“{name}”，请用 --name 换一个名称。",
                f"The project already has a layer '{name}'; choose another with --name.",
            )
    final = name or project.unique_name(check_layer_name(base))
    metadata = LayerMetadata(
        source_zh=f"导入自 {imported.source}",
        source_en=f"imported from {imported.source}",
        conversions=list(imported.conversions),
    )
    return Layer(final, data, schema=schema, style=style, metadata=metadata)


# --- command line ----------------------------------------------------------------------------


def add_interchange_parsers(sub: Any) -> None:
    """Register ``import`` and ``export`` on the main parser's subparsers."""
    imp = sub.add_parser("import", help="导入数据到项目 / import a file into a project")
    imp.add_argument("project", type=Path, help="项目文件 (.gpkg) / project file")
    imp.add_argument("file", type=Path, help="要导入的文件 / file to import")
    imp.add_argument("--layer", default=None, help="文件中的图层 / layer inside the file")
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

    exp = sub.add_parser("export", help="导出图层 / export a layer")
    exp.add_argument("project", type=Path, help="项目文件 (.gpkg) / project file")
    exp.add_argument("layer", help="图层名 / layer name")
    exp.add_argument("out", type=Path, help="输出文件 / output file")
    exp.add_argument(
        "--format",
        choices=["gpkg", "shp", "geojson", "xlsx", "csv"],
        default=None,
        help="格式（默认按扩展名）/ format (default: from the extension)",
    )


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

    project_path: Path = args.project
    if not project_path.exists() and not args.create:
        raise ProjectError(
            f"项目文件不存在：{project_path}（新建请加 --create）",
            f"The project file does not exist: {project_path} (add --create to create it)",
        )
    check_writable(project_path)  # a read-only project is refused before any work
    sheet: str | int | None = args.sheet
    if isinstance(sheet, str) and sheet.isdigit():
        sheet = int(sheet)
    imported = import_file(
        args.file,
        layer=args.layer,
        crs=args.crs,
        encoding=args.encoding,
        x=args.x,
        y=args.y,
        sheet=sheet if sheet is not None else 0,
        swap_xy=args.swap_xy,
    )
    # the project is read and written under its lock: no other writer comes in between
    with locked_project(project_path, purpose="import", lang=lang) as lock:
        if project_path.exists():
            project = open_project(project_path)
        else:
            project = Project(title=project_path.stem, path=project_path)
        layer = layer_from_import(imported, project, name=args.name, layer_type=args.layer_type)
        project.add_layer(layer)
        save_project(project, project_path, lock=lock)
    print(
        tr(
            f"已导入图层“{layer.name}”：{len(layer)} 个要素",
            f"Imported layer '{layer.name}': {len(layer)} features",
            lang,
        )
    )
    for zh_text, en_text in imported.warnings:
        print(tr(f"  ! 警告：{zh_text}", f"  ! Warning: {en_text}", lang))
    for line in [*imported.conversions, *imported.notes]:
        print(f"  - {line}")
    return EXIT_OK


def run_export(args: argparse.Namespace, *, lang: str = "zh") -> int:
    """Run ``gisdesk export`` and return the exit code."""
    from gisdesk.io.project_store import open_project
    from gisdesk.io.vector_export import export_layer

    project = open_project(args.project)
    layer = project.layer(args.layer)
    result = export_layer(layer, args.out, format=args.format, language=lang)
    print(tr(f"已导出：{result.path}", f"Exported: {result.path}", lang))
    for old, new in result.field_names.items():
        print(f"  {old} -> {new}")
    for note in result.notes:
        print(f"  - {note}")
    return EXIT_OK
