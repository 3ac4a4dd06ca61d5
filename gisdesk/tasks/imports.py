"""Import: a file (vector, coordinate table or OpenStreetMap extract) into a project layer.

The one definition of what ``gisdesk import`` and the window's add-layer dialog do:
:class:`ImportRequest` holds what the user states (file, layer inside it, layer name and
type, text encoding, coordinate system, coordinate columns, sheet), :func:`read_file`
reads the file into EPSG:4490 with everything the user should know, :func:`build_layer`
makes the project layer (typed and styled by its schema) and :func:`run` does both for a
project and returns a :class:`~gisdesk.tasks.base.Result` whose layer is the new layer and
whose notes say what was read, converted, repaired and which encoding was chosen and why.

OpenStreetMap extracts are read by :mod:`gisdesk.tasks.osm_roads` (classes, default speeds,
lanes); :mod:`gisdesk.tasks.imported` holds :class:`ImportedFile` and the notes every reader
shares.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from gisdesk.core.errors import InputError
from gisdesk.core.i18n import language, normalise_language, tr
from gisdesk.tasks.base import (
    Figure,
    LayerSource,
    Note,
    ProjectSource,
    Result,
    ResultLayer,
    SummaryTable,
    field_infos,
    schema_fields,
)
from gisdesk.tasks.imported import ImportedFile, encoding_notes, geometry_notes
from gisdesk.tasks.job import Job, task
from gisdesk.tasks.osm_roads import (
    OSM_CLASS_NOTE,
    OSM_DEFAULT_SPEEDS,
    OSM_SPEED_NOTE,
    read_osm_roads,
)
from gisdesk.tasks.records import Recorded

if TYPE_CHECKING:
    import geopandas as gpd

    from gisdesk.core.layer import Layer
    from gisdesk.core.project import Project
    from gisdesk.core.style import LayerStyle
    from gisdesk.io.encodings import EncodingChoice
    from gisdesk.io.qgis_project import QgisLayer

__all__ = [
    "KIND",
    "OSM_DEFAULT_SPEEDS",
    "SHAPEFILE_SUFFIXES",
    "TEXT_SUFFIXES",
    "ImportRequest",
    "ImportedFile",
    "build_layer",
    "detected_encoding",
    "import_notes",
    "imported_layer",
    "layer_type_for",
    "normalise_crs",
    "read_file",
    "read_osm_roads",
    "run",
    "warning_text",
]

KIND = "import"


@dataclass(frozen=True)
class ImportRequest(Recorded):
    """What to import and how to read it (every option None: as the file states).

    ``crs`` is what the coordinates are: required for a coordinate table (``GCJ02`` for
    Amap/Tencent numbers, ``BD09`` for Baidu, ``WGS84``, ``CGCS2000``, ``EPSG:4549`` or an
    EPSG code), and overrides a vector file's own statement. ``encoding`` is followed even
    where the bytes contradict it (the notes then show one value read both ways).
    ``layer_type`` (a schema id) types and styles the layer; ``name`` is the layer's name in
    the project (default: the type, else the file's name, made unique).
    """

    kind: ClassVar[str] = KIND
    path: str = ""
    layer: str | None = None
    name: str | None = None
    layer_type: str | None = None
    encoding: str | None = None
    crs: str | None = None
    x: str | None = None
    y: str | None = None
    sheet: str | int = 0
    swap_xy: bool = False

    def validate(self) -> None:
        """Raise an :class:`InputError` (Chinese and English) for a bad option."""
        import codecs

        from gisdesk.core.layer import check_layer_name
        from gisdesk.io.crs_options import resolve_system
        from gisdesk.io.schemas import load_schemas

        if not self.path:
            raise InputError("请指明要导入的文件。", "Name the file to import.")
        if self.name is not None:
            check_layer_name(self.name)
        if self.layer_type is not None:
            schemas = load_schemas()
            if self.layer_type not in schemas:
                raise InputError(
                    f"未知图层类型“{self.layer_type}”。可用：{'、'.join(sorted(schemas))}",
                    f"Unknown layer type '{self.layer_type}'. Available: "
                    f"{', '.join(sorted(schemas))}",
                )
        if self.encoding is not None:
            try:
                codecs.lookup(self.encoding)
            except LookupError:
                raise InputError(
                    f"未知的文字编码“{self.encoding}”（可用如 UTF-8、GBK、GB18030）。",
                    f"Unknown text encoding '{self.encoding}' (e.g. UTF-8, GBK, GB18030).",
                ) from None
        if self.crs is not None:
            resolve_system(self.crs)  # a CRSError names what is accepted

    def sources(self) -> list[str]:
        """Return the project layers the import reads: none (it reads a file)."""
        return []


def normalise_crs(text: str | None) -> str | None:
    """Return the key of a named coordinate system (``gcj02`` -> ``GCJ02``), else the text."""
    if text is None:
        return None
    from gisdesk.io.crs_options import resolve_system

    try:
        resolved = resolve_system(text)
    except InputError:  # CRSError is an InputError: validate() says what is wrong
        return text
    return resolved if isinstance(resolved, str) else text


SHAPEFILE_SUFFIXES = (".shp", ".dbf", ".zip")
"""Files whose text encoding is the .dbf's."""
TEXT_SUFFIXES = (".csv", ".txt")
"""Text tables (an encoding to choose)."""


def detected_encoding(path: Path, encoding: str | None = None) -> EncodingChoice | None:
    """The encoding a file's text would be read with (None: not relevant).

    Without ``encoding``, what the file states weighed against its bytes; with it, the
    user's pick weighed against them (followed, with ``conflict`` set when they disagree).
    A GeoJSON or KML file counts only when it is not plain UTF-8.
    """
    from gisdesk.io.encodings import shapefile_encoding
    from gisdesk.io.tables import text_table_encoding
    from gisdesk.io.vector_import import text_vector_encoding

    suffix = path.suffix.lower()
    if suffix in SHAPEFILE_SUFFIXES:
        return shapefile_encoding(path, encoding=encoding)
    if suffix in TEXT_SUFFIXES:
        return text_table_encoding(path, encoding=encoding)
    try:
        choice = text_vector_encoding(path, encoding)
    except OSError:
        return None
    if choice is None or (
        encoding is None and choice.conflict is None and choice.encoding == "UTF-8"
    ):
        return None
    return choice


def layer_type_for(path: str | Path, layer: str | None = None) -> str | None:
    """Return the layer type the file's name (or layer's) matches (``roads.shp``: ``roads``)."""
    from gisdesk.io.schemas import load_schemas

    base = (layer or Path(path).stem)[:50]
    return base if base in load_schemas() else None


def _read_table_file(path: Path, request: ImportRequest) -> ImportedFile:
    from gisdesk.io.tables import (
        guess_coordinate_columns,
        read_coordinate_table,
        read_table,
        text_table_encoding,
    )

    if request.crs is None:
        raise InputError(
            "导入坐标表须指明坐标系：gcj02（高德、腾讯）、bd09（百度）、wgs84（GPS）、"
            "cgcs2000 或 epsg:4549（米制）。",
            "A coordinate table needs its coordinate system: gcj02 (Amap, Tencent), "
            "bd09 (Baidu), wgs84 (GPS), cgcs2000 or epsg:4549 (metres).",
        )
    df = read_table(path, sheet=request.sheet, encoding=request.encoding)
    gx, gy = guess_coordinate_columns(df)
    x, y = request.x or gx, request.y or gy
    if x is None or y is None:
        headers = [str(c) for c in df.columns]
        raise InputError(
            f"找不到坐标列（表头：{'、'.join(headers)}）。请指明经度/X 列和纬度/Y 列。",
            f"No coordinate columns found (headers: {', '.join(headers)}). Name the "
            "longitude/X and latitude/Y columns.",
        )
    gdf, conversions = read_coordinate_table(
        df, x=x, y=y, system=request.crs, swap_xy=request.swap_xy
    )
    choice = text_table_encoding(path, encoding=request.encoding)
    records = [] if choice is None else [choice.describe("en")]
    skipped = len(df) - len(gdf)
    notes, cautions = encoding_notes(choice)
    notes.append((f"读取 {len(df)} 行。", f"{len(df)} rows read."))
    if skipped > 0:
        cautions.append((f"{skipped} 行未导入。", f"{skipped} rows not imported."))
    return ImportedFile(
        gdf,
        path.name,
        choice,
        [*conversions, f"points from columns {x}/{y}", *records],  # the shift first
        notes,
        cautions=cautions + geometry_notes(gdf),
    )


def _short_crs(text: str) -> str:
    from pyproj import CRS

    try:
        crs = CRS.from_user_input(text)
    except Exception:  # any text pyproj refuses is shown as it is
        return text[:80]
    code = crs.to_epsg()
    return f"{crs.name}（EPSG:{code}）" if code else crs.name


def read_file(request: ImportRequest) -> ImportedFile:
    """Read the request's file into EPSG:4490, choosing the reader by its name.

    Raises
    ------
    InputError, CRSError
        Anything wrong with the file or the options, explained for the user.
    """
    from gisdesk.io.osm_extract import is_osm_file
    from gisdesk.io.qgis_project import is_qgis_project
    from gisdesk.io.tables import TABLE_SUFFIXES

    path = Path(request.path)
    if is_osm_file(path):
        return read_osm_roads(path)
    if is_qgis_project(path):
        return _follow_offset(_read_qgis_layer(path, request), request)
    if path.suffix.lower() in TABLE_SUFFIXES:
        return _follow_offset(_read_table_file(path, request), request)
    return _follow_offset(_read_vector_file(path, request), request)


def _follow_offset(imported: ImportedFile, request: ImportRequest) -> ImportedFile:
    """Coordinate columns that held the GCJ-02/BD-09 values take the converted coordinates."""
    from gisdesk.io.coordinate_columns import follow_offset

    system = normalise_crs(request.crs)
    if system is None:
        return imported
    shift = follow_offset(imported.data, system)
    imported.data = shift.data
    imported.conversions.extend(shift.records)
    imported.warnings.extend(shift.told)
    imported.cautions.extend(shift.cautions)
    return imported


def _qgis_layer_list(layers: list[QgisLayer]) -> tuple[str, str]:
    zh = "；".join(
        f"“{layer.name}”（{layer.path}" + (f"，表 {layer.table}" if layer.table else "") + "）"
        if layer.reason is None
        else f"“{layer.name}”（{layer.reason[0].rstrip('。')}）"
        for layer in layers
    )
    en = "; ".join(
        f"'{layer.name}' ({layer.path}" + (f", table {layer.table}" if layer.table else "") + ")"
        if layer.reason is None
        else f"'{layer.name}' ({layer.reason[1].rstrip('.')})"
        for layer in layers
    )
    return zh, en


def _chosen_qgis_layer(path: Path, layers: list[QgisLayer], name: str | None) -> QgisLayer:
    """The QGIS project layer to import: the one named, or the only importable one."""
    listed_zh, listed_en = _qgis_layer_list(layers)
    usable = [layer for layer in layers if layer.reason is None]
    if name is None and len(usable) == 1:
        return usable[0]
    if name is None and not usable:
        none_zh, none_en = listed_zh or "（没有矢量图层）", listed_en or "(no vector layers)"
        raise InputError(
            f"QGIS 项目 {path.name} 只记录图层的数据在哪里，本身不含数据，"
            f"而其中没有可导入的图层：{none_zh}。请直接导入这些图层的数据文件。",
            f"A QGIS project such as {path.name} only says where its layers' data is and holds "
            f"none itself, and none of its layers can be imported: {none_en}. Import the "
            "layers' data files instead.",
        )
    if name is None:
        raise InputError(
            f"QGIS 项目 {path.name} 有 {len(usable)} 个可导入的图层，请选择一个"
            f"（命令行加 --layer 图层名；窗口中在“文件中的图层”里选）：{listed_zh}。",
            f"The QGIS project {path.name} has {len(usable)} layers that can be imported; "
            f"choose one (--layer NAME on the command line; 'Layer in the file' in the "
            f"window): {listed_en}.",
        )
    found = next((layer for layer in layers if layer.name == name), None)
    if found is None:
        raise InputError(
            f"QGIS 项目 {path.name} 中没有图层“{name}”。其中的图层：{listed_zh}。",
            f"The QGIS project {path.name} has no layer '{name}'. Its layers: {listed_en}.",
        )
    if found.reason is not None:
        raise InputError(
            f"QGIS 项目 {path.name} 的图层“{name}”无法导入：{found.reason[0]}",
            f"Layer '{name}' of the QGIS project {path.name} cannot be imported: {found.reason[1]}",
        )
    return found


def _read_qgis_layer(path: Path, request: ImportRequest) -> ImportedFile:
    """One layer of a QGIS project: its data file read as any vector file, its QGIS style."""
    from dataclasses import replace

    from gisdesk.io.qgis_project import read_qgis_project

    layers = read_qgis_project(path)
    chosen = _chosen_qgis_layer(path, layers, request.layer)
    assert chosen.path is not None  # an importable layer has its file
    inner = replace(
        request, path=str(chosen.path), layer=chosen.table, crs=request.crs or chosen.crs
    )
    imported = _read_vector_file(chosen.path, inner)
    table = f"（表 {chosen.table}）" if chosen.table else ""
    imported.warnings.insert(
        0,
        (
            f"QGIS 项目图层“{chosen.name}”的数据取自 {chosen.path}{table}。",
            f"The data of the QGIS project layer '{chosen.name}' comes from {chosen.path}"
            + (f" (table {chosen.table})" if chosen.table else "")
            + ".",
        ),
    )
    if chosen.style is not None:
        imported.warnings.append(
            ("沿用了该图层在 QGIS 中的样式。", "The layer keeps its QGIS style.")
        )
    else:
        imported.warnings.append(
            (
                "该图层在 QGIS 中的样式（如按规则分类）无法沿用，改用默认样式。",
                (
                    "The layer's QGIS style (rule-based or another kind) cannot be carried over; "
                    "it takes the default style."
                ),
            )
        )
    imported.source = f"{path.name}:{chosen.name}"
    imported.title = chosen.name
    imported.style = chosen.style
    imported.conversions.insert(
        0, f"QGIS project layer {chosen.name}: data from {chosen.path}:{chosen.table or ''}"
    )
    return imported


def _read_vector_file(path: Path, request: ImportRequest) -> ImportedFile:
    from gisdesk.io.vector_import import import_vector

    result = import_vector(path, layer=request.layer, encoding=request.encoding, crs=request.crs)
    # the encoding, its mismatch and the import checks' findings come as result.notes
    warnings = encoding_notes(result.encoding)[0]
    if request.crs is None:
        shown = _short_crs(result.source_crs)
        warnings.append((f"坐标系按文件声明：{shown}。", f"CRS as the file declares: {shown}."))
    # the mismatch, repairs, out-of-area features and duplicate ids are for the user to check
    cautions = list(result.notes) + geometry_notes(result.data)
    return ImportedFile(
        result.data,
        f"{path.name}:{result.layer}",
        result.encoding,
        list(result.conversions),
        warnings,
        cautions=cautions,
    )


def build_layer(project: Project, request: ImportRequest, imported: ImportedFile) -> Layer:
    """Make the project layer (typed and styled by its schema when one applies).

    Raises
    ------
    InputError
        Unknown layer type, geometries that do not fit it, or a name already in the project.
    """
    import geopandas as gpd

    from gisdesk.analysis.classify import classify_style
    from gisdesk.core.default_style import default_style, geometry_family, notice
    from gisdesk.core.layer import Layer, LayerMetadata, check_layer_name
    from gisdesk.core.schema import coerce_to_schema
    from gisdesk.io.schemas import load_schemas
    from gisdesk.io.styles import load_styles

    kind = request.layer_type or imported.layer_type
    schema = None
    data = imported.data
    if kind is not None:
        schemas = load_schemas()
        if kind not in schemas:
            raise InputError(
                f"未知图层类型“{kind}”。可用：{'、'.join(sorted(schemas))}",
                f"Unknown layer type '{kind}'. Available: {', '.join(sorted(schemas))}",
            )
        schema = schemas[kind]
        want = schema.geometry.replace("Multi", "")
        found = {str(t).replace("Multi", "") for t in data.geom_type.dropna().unique()}
        if found - {want}:
            raise InputError(
                f"图层类型“{schema.title_zh}”要求{want}几何，"
                f"但文件中有 {'、'.join(sorted(found))}。",
                f"Layer type '{schema.title_en}' needs {want} geometries; the file has "
                f"{', '.join(sorted(found))}.",
            )
        data = gpd.GeoDataFrame(
            coerce_to_schema(data, schema), geometry=data.geometry.name, crs=data.crs
        )
    if request.name is not None:
        check_layer_name(request.name)
        if request.name in project:
            raise InputError(
                f"项目中已有图层“{request.name}”，请换一个名称。",
                f"The project already has a layer '{request.name}'; choose another name.",
            )
        name = request.name
    else:
        stem = re.sub(r"[^\w\u4e00-\u9fff-]+", "_", Path(request.path).stem)
        # a source layer named "it's" or with a control character still gives a name
        source = re.sub(r"[\x00-\x1f\"'`;]+", "_", request.layer or "")
        base = (source or kind or stem or "imported")[:50]
        name = project.unique_name(check_layer_name(base))
    style = _own_style(imported, data)
    if style is None:
        style = load_styles().get(schema.style) if schema is not None else None
        if style is not None:
            style = classify_style(style, data)
        elif schema is None:
            family = geometry_family(data)
            if family is not None:
                # A distinct colour from the layers already there, and a word on it.
                style = default_style(family, len(project.layers), name)
                imported.warnings.append((notice(name, family, "zh"), notice(name, family, "en")))
    return Layer(
        name,
        gpd.GeoDataFrame(data),
        schema=schema,
        style=style,
        title=imported.title
        or (tr(schema.title_zh, schema.title_en) if schema is not None else name),
        metadata=LayerMetadata(
            source_zh=f"导入自 {imported.source}",
            source_en=f"imported from {imported.source}",
            conversions=list(imported.conversions),
        ),
    )


def _own_style(imported: ImportedFile, data: gpd.GeoDataFrame) -> LayerStyle | None:
    """The style the file brought (a QGIS layer's), if it fits the data, else None."""
    from gisdesk.io.qgis_project import fit_to_data

    style = imported.style
    if style is None:
        return None
    if style.field is not None and style.field not in data.columns:
        return None
    if style.label is not None and style.label.field not in data.columns:
        from dataclasses import replace

        style = replace(style, label=None)
    return fit_to_data(style, data)


_CODE_REFERENCE = re.compile(r"\s*\((?:gisdesk|analysis|core|io|tasks)\.[\w.]+\)")
_TOLD_RECORDS = (
    "Attribute text encoding",
    "Text encoding",
    "make_valid",
    "coordinate columns",
    "OpenStreetMap highway",
    "missing maxspeed",
    "QGIS project layer",
)
"""Records whose content the import already told as a (Chinese, English) note."""


def _system_zh(key: str) -> str:
    """A coordinate system's Chinese name (GCJ02 -> GCJ-02 经纬度（高德、腾讯）), else the key."""
    from gisdesk.io.crs_options import COORDINATE_SYSTEMS

    return COORDINATE_SYSTEMS[key][0] if key in COORDINATE_SYSTEMS else key


def _record_zh(text: str) -> str | None:
    """The Chinese sentence for a conversion record, or None for one gisdesk does not know."""
    rules: tuple[tuple[str, Callable[[re.Match[str]], str]], ...] = (
        (r"^GCJ-02 -> CGCS2000", lambda m: "已把 GCJ-02（高德/腾讯）坐标纠偏转换为 CGCS2000。"),
        (r"^BD-09 -> CGCS2000", lambda m: "已把 BD-09（百度）坐标纠偏转换为 CGCS2000。"),
        (r"^WGS84 = CGCS2000", lambda m: "WGS84 与 CGCS2000 相差仅厘米级，未做平移。"),
        (
            r"^WGS84 \(EPSG:4326\) -> CGCS2000 \(EPSG:4490\), no shift",
            lambda m: "WGS84 坐标直接作为 CGCS2000（两者相差仅厘米级，未做平移）。",
        ),
        (
            r"^CRS stated as (.+?) \(the file declared none\)$",
            lambda m: f"坐标系按指定的 {_system_zh(m.group(1))}读取（文件未声明坐标系）。",
        ),
        (
            r"^CRS stated as (.+?); the file declared (.+)$",
            lambda m: f"坐标系按指定的 {_system_zh(m.group(1))}读取（文件声明为 {m.group(2)}）。",
        ),
        (r"^columns swapped", lambda m: "导入时交换了经纬度两列。"),
        (
            r"^points from columns (.+)/(.+)$",
            lambda m: f"由“{m.group(1)}”“{m.group(2)}”两列生成点。",
        ),
        (
            r"^(.+) -> CGCS2000 \(EPSG:4490\)",
            lambda m: f"坐标已由 {m.group(1)} 转换为 CGCS2000（EPSG:4490）。",
        ),
        (r"^OpenStreetMap highway -> road class", lambda m: str(OSM_CLASS_NOTE[0])),
        (r"^missing maxspeed", lambda m: str(OSM_SPEED_NOTE[0])),
    )
    for pattern, sentence in rules:
        match = re.match(pattern, text)
        if match:
            return sentence(match)
    return None


def warning_text(text: str, lang: str | None = None) -> str:
    """A conversion record (English, as stored on the layer) explained in a language.

    Chinese is a sentence of its own (no English, no module names); English is the record
    without the module it names. A record gisdesk has no sentence for is shown as it is.
    """
    english = _CODE_REFERENCE.sub("", text)
    if normalise_language(lang or language()) != "zh":
        return english
    return _record_zh(text) or english


def import_notes(imported: ImportedFile) -> tuple[Note, ...]:
    """The warnings and conversions of an import as notes (for the dialog, log and CLI)."""
    # the encoding, a repair and updated coordinate columns are among the bilingual notes
    records = [
        Note(warning_text(record, "zh"), warning_text(record, "en"))
        for record in imported.conversions
        if not record.startswith(_TOLD_RECORDS)
    ]
    told = [Note(zh, en) for zh, en in imported.warnings]
    cautions = [Note(zh, en, warning=True) for zh, en in imported.cautions]
    return tuple(told + records + cautions)


def imported_layer(result: Result) -> Layer:
    """Return the project layer an import's result made (to add to the project)."""
    layer: Layer = result.extras["layer"]
    return layer


@task
def run(job: Job[LayerSource], request: ImportRequest) -> Result:
    """Read the request's file and build its layer for the job.source's project.

    The project itself is not changed: the caller adds :func:`imported_layer` (the window
    in its own thread, the command line under the project's lock).
    """
    from gisdesk.core.project import Project

    project = job.source.project if isinstance(job.source, ProjectSource) else Project()
    job.report(0.0, tr("读取文件", "Reading the file"))
    imported = read_file(request)
    job.check_cancel()
    job.report(0.8, tr("建立图层", "Building the layer"))
    layer = build_layer(project, request, imported)
    labels = schema_fields(layer.schema)
    shown = ResultLayer(
        name=layer.name,
        file_name=layer.name,
        title_zh=layer.schema.title_zh if layer.schema is not None else layer.name,
        title_en=layer.schema.title_en if layer.schema is not None else layer.name,
        data=layer.data,
        fields=field_infos(layer.data, (), labels),
        style=layer.style,
    )
    job.report(1.0, tr("完成", "Done"))
    return Result(
        kind=KIND,
        title_zh=f"导入 {imported.source}",
        title_en=f"Import {imported.source}",
        request=request,
        sources=(),
        layers=[shown],
        summary=SummaryTable((), ()),
        district=(Figure("features", "要素数", "Features", len(layer)),),
        notes=import_notes(imported),
        details={"job.source": imported.source, "conversions": list(imported.conversions)},
        extras={"layer": layer, "imported": imported},
    )
