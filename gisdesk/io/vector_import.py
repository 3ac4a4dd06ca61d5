"""Read vector files (GeoPackage, Shapefile, zipped Shapefile, GeoJSON, KML/KMZ, FlatGeobuf).

Every failure becomes an :class:`~gisdesk.core.errors.InputError` whose message says what to
do; nothing is written anywhere, so a failed import changes nothing. A layer without a CRS
is refused unless the caller states one; the result is in EPSG:4490 with what was done to
it listed in ``conversions`` (for :attr:`gisdesk.core.layer.LayerMetadata.conversions`).
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pyogrio
import shapely
from pyproj import CRS

from gisdesk.core import offsets
from gisdesk.core.crs import STORAGE_CRS
from gisdesk.core.errors import CRSError, InputError
from gisdesk.io.crs_options import OFFSET_SYSTEMS, resolve_system, system_crs
from gisdesk.io.encodings import (
    DeclaredSource,
    EncodingChoice,
    detect_text_encoding,
    normalise_encoding,
    shapefile_encoding,
)
from gisdesk.io.import_checks import check_features
from gisdesk.io.qgis_project import is_qgis_project, read_qgis_project

__all__ = [
    "MAX_VECTOR_BYTES",
    "VECTOR_SUFFIXES",
    "VectorImport",
    "apply_offset",
    "import_vector",
    "list_layers",
    "read_vector_file",
]

VECTOR_SUFFIXES = {".gpkg", ".shp", ".geojson", ".json", ".kml", ".kmz", ".fgb", ".zip"}
MAX_VECTOR_BYTES = 2 * 1024**3
"""Files above this are refused before GDAL sees them (override with ``max_bytes=``)."""

_MAGIC = {
    ".gpkg": (b"SQLite format 3\x00",),
    ".zip": (b"PK\x03\x04", b"PK\x05\x06"),
    ".kmz": (b"PK\x03\x04",),
    ".fgb": (b"fgb\x03",),
}


@dataclass
class VectorImport:
    """One imported vector layer and how it was read.

    Attributes
    ----------
    data
        The features in EPSG:4490.
    layer
        The layer (table) read from the file.
    source_crs
        The CRS of the data as found or stated (a name such as "GCJ02" or an EPSG/WKT).
    encoding
        The text encoding used and why: a Shapefile's attributes, or a GeoJSON/KML file
        that is not plain UTF-8; None otherwise.
    conversions
        What was done to the coordinates, for the layer metadata.
    warnings
        Things the user should know (rows without geometry, ...), in English.
    notes
        A stated text encoding the bytes contradict, and the findings of the import checks
        (repairs, features outside the CRS's area of use, duplicate ids), as (Chinese,
        English) pairs.
    """

    data: gpd.GeoDataFrame
    layer: str
    source_crs: str
    encoding: EncodingChoice | None = None
    conversions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)


_KML_BOILERPLATE = (
    "id", "description", "timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude",
    "visibility", "drawOrder", "icon",
)  # fmt: skip


def _gdal_path(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return f"/vsizip/{path}"
    if suffix == ".kmz":
        # read the main KML through /vsizip/: LIBKML's own KMZ reader drops ExtendedData
        try:
            with zipfile.ZipFile(path) as zf:
                kmls = [n for n in zf.namelist() if n.lower().endswith(".kml")]
        except (zipfile.BadZipFile, OSError, ValueError):
            return str(path)
        if kmls:
            main = "doc.kml" if "doc.kml" in kmls else kmls[0]
            return f"/vsizip/{path}/{main}"
    return str(path)


def _drop_kml_boilerplate(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Drop the KML standard columns that no feature fills (GDAL adds them all)."""
    empty = []
    for col in _KML_BOILERPLATE:
        if col in gdf.columns:
            values = gdf[col]
            if values.isna().all() or (
                col in ("tessellate", "extrude", "visibility") and values.isin([-1, 0]).all()
            ):
                empty.append(col)
    return gdf.drop(columns=empty)


_TEXT_VECTORS = (".geojson", ".json", ".kml", ".kmz")
_XML_DECLARATION = re.compile(
    rb"""^(\xef\xbb\xbf)?(\s*<\?xml[^>]*?encoding\s*=\s*["'])([^"']+)(["'])"""
)
_HEAD_BYTES = 4 * 1024 * 1024


def _text_bytes(path: Path, limit: int | None = None) -> bytes:
    """The text of a GeoJSON/KML file, or of the main KML inside a KMZ (first ``limit`` bytes)."""
    if path.suffix.lower() == ".kmz":
        with zipfile.ZipFile(path) as zf:
            kmls = [n for n in zf.namelist() if n.lower().endswith(".kml")]
            if not kmls:
                return b""
            with zf.open("doc.kml" if "doc.kml" in kmls else kmls[0]) as fh:
                return fh.read(-1 if limit is None else limit)
    with path.open("rb") as fh:
        return fh.read(-1 if limit is None else limit)


def text_vector_encoding(path: Path, encoding: str | None = None) -> EncodingChoice | None:
    """Return the encoding of a GeoJSON or KML/KMZ file's text; None for other formats.

    GeoJSON is UTF-8 by its standard and KML by its XML declaration (UTF-8 when it names
    none); GDAL reads no other (a GBK GeoJSON fails, a GB2312 KML is refused). The bytes
    are weighed against that, or against the user's ``encoding``, as for Shapefiles.
    """
    suffix = path.suffix.lower()
    if suffix not in _TEXT_VECTORS:
        return None
    try:
        head = _text_bytes(path, _HEAD_BYTES + 1)
    except (OSError, zipfile.BadZipFile, ValueError):
        return None  # the reader says what is wrong with the file
    if b"\x00" in head and head[:2] not in (b"\xff\xfe", b"\xfe\xff"):  # not UTF-16 text
        kind = "KML" if suffix in (".kml", ".kmz") else "GeoJSON"
        raise InputError(
            f"{path.name} 不是 {kind} 文本（含二进制内容），可能是其他格式的文件改了扩展名。"
            "请确认文件的格式。",
            f"{path.name} is not {kind} text (it holds binary data); it may be a file of "
            "another format under this extension. Check what the file is.",
        )
    source: DeclaredSource
    if encoding:
        declared, source = normalise_encoding(encoding), "argument"
    elif suffix in (".kml", ".kmz") and (match := _XML_DECLARATION.match(head[:200])):
        try:
            declared, source = normalise_encoding(match.group(3).decode("ascii")), "xml"
        except (InputError, UnicodeDecodeError):
            declared, source = "UTF-8", "xml"
    else:
        declared, source = "UTF-8", "format"  # GeoJSON's rule; XML's default
    return detect_text_encoding(
        head[:_HEAD_BYTES],
        declared=declared,
        source=source,
        truncated=len(head) > _HEAD_BYTES,
    )


@contextlib.contextmanager
def _readable_copy(path: Path, choice: EncodingChoice | None) -> Iterator[Path]:
    """Yield the file itself, or a UTF-8 copy of a GeoJSON/KML/KMZ file in another encoding."""
    if choice is None or choice.encoding.upper() in ("UTF-8", "UTF-8-SIG"):
        yield path
        return
    raw = _text_bytes(path)
    try:
        text = raw.decode(choice.encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path.name} 不能按 {choice.encoding} 完整读取（第 {exc.start} 字节起不属于该编码），"
            "文件可能混用了多种编码。请在其他软件中另存为 UTF-8。",
            f"{path.name} cannot be read as {choice.encoding} throughout (the bytes from "
            f"offset {exc.start} do not belong to it); it may mix encodings. Save it as UTF-8 "
            "in another program.",
        ) from None
    data = text.encode("utf-8")
    if path.suffix.lower() in (".kml", ".kmz"):
        data = _XML_DECLARATION.sub(rb"\2UTF-8\4", data, count=1)
    with tempfile.TemporaryDirectory(prefix="gisdesk-import-") as folder:
        # a KMZ's KML is read on its own: the archive's other files are icons and images
        name = path.name if path.suffix.lower() != ".kmz" else f"{path.stem}.kml"
        copy = Path(folder) / name
        copy.write_bytes(data)
        yield copy


def _cannot_read(path: Path, detail: object) -> InputError:
    text = str(detail).strip().splitlines()[0][:300] if str(detail).strip() else "?"
    return InputError(
        f"无法读取 {path.name}：文件可能已损坏、被截断或不是受支持的格式（{text}）。",
        f"Cannot read {path.name}: the file may be damaged, truncated or not a supported "
        f"format ({text}).",
    )


def _check_file(path: Path, *, max_bytes: int) -> None:
    if not path.exists():
        raise InputError(f"文件不存在：{path}", f"The file does not exist: {path}")
    if path.is_dir():
        raise InputError(f"{path} 是文件夹，不是文件。", f"{path} is a folder, not a file.")
    size = path.stat().st_size
    if size == 0:
        raise InputError(
            f"文件 {path.name} 是空文件（0 字节）。", f"The file {path.name} is empty."
        )
    if size > max_bytes:
        raise InputError(
            f"文件 {path.name} 过大（{size / 1024**2:.0f} MB，上限 {max_bytes / 1024**2:.0f} MB）。"
            "请先在其他软件中裁剪或拆分。",
            f"The file {path.name} is too large ({size / 1024**2:.0f} MB, limit "
            f"{max_bytes / 1024**2:.0f} MB). Clip or split it first.",
        )
    magic = _MAGIC.get(path.suffix.lower())
    if magic is not None:
        with path.open("rb") as fh:
            head = fh.read(16)
        if not head.startswith(magic):
            raise _cannot_read(path, "the file header does not match its extension")
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                bad = zf.testzip()
                names = zf.namelist()
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
            raise _cannot_read(path, exc) from None
        if bad is not None:
            raise _cannot_read(path, f"damaged member {bad}")
        if not any(
            n.lower().endswith((".shp", ".gpkg", ".geojson", ".kml", ".fgb")) for n in names
        ):
            raise InputError(
                f"压缩包 {path.name} 中没有 Shapefile 或其他矢量文件。",
                f"The archive {path.name} holds no Shapefile or other vector file.",
            )
    if path.suffix.lower() == ".shp":
        missing = [s for s in (".shx", ".dbf") if not _sibling(path, s)]
        if missing:
            raise InputError(
                f"Shapefile {path.name} 缺少配套文件 {'、'.join(missing)}，请一并复制。",
                f"The Shapefile {path.name} lacks its {', '.join(missing)} file(s); copy them "
                "along with it.",
            )


def _sibling(path: Path, suffix: str) -> bool:
    return path.with_suffix(suffix).exists() or path.with_suffix(suffix.upper()).exists()


def list_layers(path: str | Path, *, max_bytes: int = MAX_VECTOR_BYTES) -> list[str]:
    """Return the layer names in a vector file (a QGIS project: its importable layers).

    Raises
    ------
    InputError
        When the file is missing, empty, too large or unreadable.
    """
    path = Path(path)
    if is_qgis_project(path):  # its layers that can be imported, by their QGIS names
        return [layer.name for layer in read_qgis_project(path) if layer.reason is None]
    _check_file(path, max_bytes=max_bytes)
    with _readable_copy(path, text_vector_encoding(path)) as readable:
        return [name for name, _geometry in _layers(readable, max_bytes=max_bytes)]


def _layers(path: Path, *, max_bytes: int) -> list[tuple[str, str | None]]:
    _check_file(path, max_bytes=max_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layers = pyogrio.list_layers(_gdal_path(path))
    except Exception as exc:  # GDAL raises many kinds; the user needs one message
        raise _cannot_read(path, exc) from None
    return [(str(name), None if geom is None else str(geom)) for name, geom in layers]


def _read(path: Path, layer: str | int, encoding: str | None) -> gpd.GeoDataFrame:
    # pyogrio applies ``encoding`` to layer names too: a Chinese layer name goes by position
    kwargs: dict[str, Any] = {"layer": layer}
    if encoding is not None:
        kwargs["encoding"] = encoding
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gdf = pyogrio.read_dataframe(_gdal_path(path), use_arrow=False, **kwargs)
    except Exception as exc:  # GDAL raises many kinds; the user needs one message
        raise _cannot_read(path, exc) from None
    if isinstance(gdf, gpd.GeoDataFrame) and path.suffix.lower() in (".kml", ".kmz"):
        gdf = _drop_kml_boilerplate(gdf)
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(
            f"{path.name} 的图层 {layer} 没有几何（只是属性表）。请作为表格导入。",
            f"Layer {layer} of {path.name} has no geometry (an attribute table); import it as a "
            "table.",
        )
    return gdf


def read_vector_file(
    path: str | Path,
    layer: str | None = None,
    *,
    encoding: str | None = None,
    max_bytes: int = MAX_VECTOR_BYTES,
) -> gpd.GeoDataFrame:
    """Read a vector layer as stored; refuse one without a coordinate system.

    The parameters are those of :func:`import_vector`, with no ``crs`` to state.

    Raises
    ------
    InputError
        The file cannot be read.
    CRSError
        The layer has no CRS.
    """
    result = import_vector(path, layer=layer, encoding=encoding, max_bytes=max_bytes)
    return result.data


def apply_offset(gdf: gpd.GeoDataFrame, system: str) -> gpd.GeoDataFrame:
    """Return the geometries shifted from GCJ-02 or BD-09 lon/lat to true lon/lat."""
    convert = offsets.gcj02_to_wgs84 if system == "GCJ02" else offsets.bd09_to_wgs84

    def shift(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x, y = convert(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    out = gdf.copy()
    out[gdf.geometry.name] = shapely.transform(gdf.geometry.to_numpy(), shift)
    return out.set_crs(STORAGE_CRS, allow_override=True)


def _offset_record(system: str) -> str:
    return f"{'GCJ-02' if system == 'GCJ02' else 'BD-09'} -> CGCS2000 (gisdesk.core.offsets)"


def _check_lonlat(gdf: gpd.GeoDataFrame, name: str, source: str) -> None:
    if len(gdf) == 0 or gdf.geometry.is_empty.all():
        return
    minx, miny, maxx, maxy = (float(v) for v in gdf.total_bounds)
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        return
    if minx < -180.5 or maxx > 180.5 or miny < -90.5 or maxy > 90.5:
        raise CRSError(
            f"“{name}”的坐标（{minx:.0f}, {miny:.0f} – {maxx:.0f}, {maxy:.0f}）不是经纬度，"
            f"但坐标系为 {source}。坐标系可能写错了：请指明正确的坐标系（如米制的 EPSG:4549）。",
            f"The coordinates of '{name}' ({minx:.0f}, {miny:.0f} - {maxx:.0f}, {maxy:.0f}) "
            f"are not longitudes/latitudes, yet the CRS is {source}. The CRS is probably wrong: "
            "state the right one (e.g. EPSG:4549 metres).",
        )


def _rows(mask: npt.NDArray[np.bool_], limit: int = 8) -> str:
    rows = (np.flatnonzero(mask) + 1).tolist()
    return ", ".join(str(r) for r in rows[:limit]) + (" …" if len(rows) > limit else "")


def _check_finite(gdf: gpd.GeoDataFrame, name: str) -> None:
    """Refuse coordinates that are not numbers (NaN) or infinite, naming their rows."""
    coords, index = shapely.get_coordinates(gdf.geometry.to_numpy(), return_index=True)
    bad_rows = np.unique(index[~np.isfinite(coords).all(axis=1)])
    if len(bad_rows) == 0:
        return
    mask = np.zeros(len(gdf), dtype=bool)
    mask[bad_rows] = True
    rows = _rows(mask)
    raise InputError(
        f"“{name}”中 {len(bad_rows)} 个要素的坐标不是有效数值（NaN 或无穷大；第 {rows} 行），"
        "无法导入。请在原数据中修正或删除这些要素后重试。",
        f"{len(bad_rows)} features of '{name}' have coordinates that are not numbers (NaN or "
        f"infinite; rows {rows}); they cannot be imported. Correct or delete them in the "
        "source data and try again.",
    )


def _check_projected(gdf: gpd.GeoDataFrame, name: str, source: CRS, source_name: str) -> None:
    """Refuse longitudes/latitudes read as metres: a projected CRS stated for degrees.

    Every coordinate within +-180/+-90 and every feature outside the CRS's area of use once
    transformed: the numbers are degrees, and reading them as metres would put the layer
    hundreds of kilometres away (the reverse of :func:`_check_lonlat`).
    """
    area = source.area_of_use
    if area is None or len(gdf) == 0:
        return
    minx, miny, maxx, maxy = (float(v) for v in gdf.total_bounds)
    if not (minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90):
        return
    try:
        lonlat = gdf.to_crs(STORAGE_CRS)
    except Exception:  # _to_storage reports a CRS pyproj refuses
        return
    west, south, east, north = lonlat.total_bounds
    m = 0.5
    if not (
        east < area.west - m
        or west > area.east + m
        or north < area.south - m
        or south > area.north + m
    ):
        return
    raise CRSError(
        f"“{name}”的坐标（{minx:.4g}, {miny:.4g} – {maxx:.4g}, {maxy:.4g}）像经纬度（度），"
        f"但坐标系为米制的 {source_name}，按米读取会把图层放到别处。坐标系可能写错了："
        "请指明正确的坐标系（如 --crs cgcs2000、wgs84 或 gcj02）。",
        f"The coordinates of '{name}' ({minx:.4g}, {miny:.4g} - {maxx:.4g}, {maxy:.4g}) look "
        f"like degrees, yet the CRS is {source_name}, in metres: read as metres the layer "
        "would lie far from where it belongs. The CRS is probably wrong: state the right one "
        "(e.g. --crs cgcs2000, wgs84 or gcj02).",
    )


def import_vector(
    path: str | Path,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    crs: str | CRS | None = None,
    max_bytes: int = MAX_VECTOR_BYTES,
) -> VectorImport:
    """Read one layer of a vector file into EPSG:4490, recording what was done.

    Parameters
    ----------
    path
        The file (.gpkg, .shp, .zip, .geojson, .kml, .kmz, .fgb).
    layer
        The layer to read; default the first.
    encoding
        Shapefile attribute encoding ("GBK", "UTF-8" ...); default the .cpg, else detected.
    crs
        The coordinate system of the numbers: "gcj02", "bd09", "wgs84", "cgcs2000",
        "epsg:4549" or any pyproj CRS. Required when the file declares none; when it does,
        a stated GCJ-02/BD-09 shifts the coordinates and another stated CRS replaces the
        declared one (recorded).
    max_bytes
        Refuse larger files.

    Returns
    -------
    VectorImport
        The features and the record of the import.

    Raises
    ------
    InputError
        The file cannot be read or holds no features.
    CRSError
        The layer has no CRS and none was stated, or the coordinates do not fit the CRS.
    """
    path = Path(path)
    if is_qgis_project(path):
        raise InputError(
            f"{path.name} 是 QGIS 项目文件，只记录图层的数据在哪里，本身不含数据。"
            "请用“项目 → 添加图层…”或 gisdesk import（加 --layer 图层名）导入其中的图层，"
            "或直接导入它引用的数据文件。",
            f"{path.name} is a QGIS project: it says where its layers' data is and holds none "
            "itself. Import its layers with Project → Add layer… or gisdesk import (with "
            "--layer NAME), or import the data files it uses.",
        )
    _check_file(path, max_bytes=max_bytes)
    system = resolve_system(crs) if isinstance(crs, str) else crs
    text_choice = text_vector_encoding(path, encoding)
    if text_choice is not None:  # GeoJSON / KML: GDAL reads UTF-8; others are converted
        with _readable_copy(path, text_choice) as readable:
            name, index, others = _layer_name(readable, layer, max_bytes=max_bytes)
            gdf = _read(readable, index, None)
        plain = text_choice.encoding == "UTF-8" and text_choice.source in ("format", "xml")
        choice = None if plain else text_choice  # plain UTF-8 as the format says: no record
    else:
        name, index, others = _layer_name(path, layer, max_bytes=max_bytes)
        choice = shapefile_encoding(path, encoding=encoding)
        gdf = _read(path, index, choice.encoding if choice else None)
    if len(gdf) == 0:
        raise InputError(
            f"{path.name} 的图层“{name}”中没有要素。",
            f"Layer '{name}' of {path.name} holds no features.",
        )
    missing_geom = gdf.geometry.isna() | gdf.geometry.is_empty
    if bool(missing_geom.all()):
        raise InputError(
            f"{path.name} 的图层“{name}”中所有要素都没有几何。",
            f"No feature of layer '{name}' in {path.name} has a geometry.",
        )
    notes = [f"{int(missing_geom.sum())} features have no geometry"] if missing_geom.any() else []
    conversions = [] if choice is None else [choice.describe("en")]
    _check_finite(gdf, name)
    gdf, source, source_name = _assign_crs(gdf, system, path=path, conversions=conversions)
    if source.is_geographic:
        _check_lonlat(gdf, name, source_name)
    elif source.is_projected:
        _check_projected(gdf, name, source, source_name)
    gdf = _to_storage(gdf, system, source, source_name, conversions=conversions)
    if not np.all(np.isfinite(gdf.total_bounds)):
        raise CRSError(
            f"“{name}”的坐标无法转换到 CGCS2000（超出 {source_name} 的有效范围？）。",
            f"The coordinates of '{name}' cannot be transformed to CGCS2000 (outside the area "
            f"of {source_name}?).",
        )
    checked = check_features(gdf, source_crs=source)
    # a stated encoding the bytes contradict: said first, it explains any odd text
    mismatch = None if choice is None else choice.warning()
    found = ([mismatch] if mismatch is not None else []) + checked.notes
    if others:
        found.insert(0, _other_layers_note(path, name, others))
    return VectorImport(
        data=checked.data,
        layer=name,
        source_crs=source_name,
        encoding=choice,
        conversions=conversions + checked.records,
        warnings=notes + [en for _zh, en in found],
        notes=found,
    )


def _layer_name(path: Path, layer: str | None, *, max_bytes: int) -> tuple[str, int, list[str]]:
    """Return the layer's name and position (pyogrio is given the position), and the file's
    other layers with geometry when none was named (the user is told they were left)."""
    layers = _layers(path, max_bytes=max_bytes)
    names = [name for name, _geometry in layers]
    if not names:
        raise InputError(f"{path.name} 中没有图层。", f"{path.name} holds no layers.")
    if layer is not None and layer not in names:
        raise InputError(
            f"{path.name} 中没有图层“{layer}”。现有图层：{'、'.join(names)}",
            f"{path.name} has no layer '{layer}'. Layers: {', '.join(names)}",
        )
    if layer is not None:
        return layer, names.index(layer), []
    # default: the first layer with geometry (a styled GeoPackage also holds layer_styles)
    index = next((i for i, (_name, geom) in enumerate(layers) if geom is not None), 0)
    others = [n for i, (n, geom) in enumerate(layers) if geom is not None and i != index]
    return names[index], index, others


def _other_layers_note(path: Path, name: str, others: list[str]) -> tuple[str, str]:
    shown = others[:10]
    more_zh = f" 等 {len(others)} 个" if len(others) > len(shown) else ""
    more_en = f" ({len(others)} in all)" if len(others) > len(shown) else ""
    zh = (
        f"{path.name} 中有多个图层，只导入了第一个“{name}”；其他图层"
        f"（{'、'.join(shown)}{more_zh}）未导入。要导入其他图层，请指明图层"
        "（命令行加 --layer 图层名；窗口中在“文件中的图层”里选）。"
    )
    en = (
        f"{path.name} holds several layers; only the first, '{name}', was imported; the others "
        f"({', '.join(shown)}{more_en}) were not. To import another, name it (--layer NAME on "
        "the command line; 'Layer in the file' in the window)."
    )
    return zh, en


def _assign_crs(
    gdf: gpd.GeoDataFrame, system: str | CRS | None, *, path: Path, conversions: list[str]
) -> tuple[gpd.GeoDataFrame, CRS, str]:
    """Return the data with the CRS its numbers are in, that CRS and its name."""
    declared = None if gdf.crs is None else CRS.from_user_input(gdf.crs)
    if system is None:
        if declared is None:
            raise CRSError(
                f"“{path.name}”没有坐标系信息（Shapefile 缺少 .prj？）。请在导入时指明坐标系"
                "（如 --crs cgcs2000、wgs84、gcj02、epsg:4549），gisdesk 不会猜测。",
                f"'{path.name}' has no coordinate system (a Shapefile without .prj?). State it "
                "when importing (e.g. --crs cgcs2000, wgs84, gcj02, epsg:4549); gisdesk does "
                "not guess.",
            )
        return gdf, declared, declared.to_string()
    source = system_crs(system)
    source_name = system if isinstance(system, str) else system.to_string()
    if declared is None:
        conversions.append(f"CRS stated as {source_name} (the file declared none)")
    elif not declared.equals(source):
        conversions.append(f"CRS stated as {source_name}; the file declared {declared.to_string()}")
    return gdf.set_crs(source, allow_override=True), source, source_name


def _to_storage(
    gdf: gpd.GeoDataFrame,
    system: str | CRS | None,
    source: CRS,
    source_name: str,
    *,
    conversions: list[str],
) -> gpd.GeoDataFrame:
    """Return the data in EPSG:4490, removing web-map offsets; record what was done."""
    if isinstance(system, str) and system in OFFSET_SYSTEMS:
        lonlat = gdf if source.equals(CRS.from_epsg(4326)) else gdf.to_crs(4326)
        conversions.append(_offset_record(system))
        return apply_offset(lonlat, system)
    if source.equals(STORAGE_CRS):
        return gdf
    try:
        out = gdf.to_crs(STORAGE_CRS)
    except Exception as exc:  # pyproj refuses some exotic CRSs
        raise CRSError(
            f"无法把 {source_name} 转换为 CGCS2000：{exc}",
            f"Cannot transform {source_name} to CGCS2000: {exc}",
        ) from None
    conversions.append(f"{source_name} -> CGCS2000 (EPSG:4490)")
    return out
