"""Write layers for other programs: GeoPackage (styled for QGIS), Shapefile, GeoJSON, Excel, CSV.

Every writer builds the output beside the target and renames it into place, so a failure
leaves no half-written file and an existing file is either replaced whole or untouched.

- GeoPackage: one table per layer, plus a ``layer_styles`` table as QGIS creates it with the
  style of each layer as QML and SLD (:mod:`gisdesk.io.layer_styles`), the default style.
  An existing GeoPackage keeps its other layers: the export adds its layers or replaces
  those of the same names, written back in one SQLite transaction (never into a gisdesk
  project).
- Shapefile: UTF-8 attributes with a ``.cpg``; field names shortened to 10 bytes
  predictably (:func:`shorten_field_names`), the mapping returned.
- GeoJSON: RFC 7946 (lon/lat, WGS84 = CGCS2000 at map scale).
- Excel / CSV: the attribute table with the schema's Chinese (or English) headers; points
  get 经度/纬度 columns; CSV is UTF-8 with a BOM so Excel and WPS open it right.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
import uuid
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import pandas as pd
import pyogrio

from gisdesk.core.crs import STORAGE_CRS, require_crs
from gisdesk.core.errors import GisdeskError, InputError
from gisdesk.core.i18n import tr
from gisdesk.core.schema import coerce_to_schema
from gisdesk.io.layer_styles import (
    StyleRow,
    drop_layer_styles,
    style_row,
    write_layer_styles,
)
from gisdesk.io.output_guard import is_project_file
from gisdesk.io.spreadsheet import write_csv, write_sheets
from gisdesk.io.sqlite_copy import copy_database, write_into

if TYPE_CHECKING:
    from gisdesk.core.layer import Layer

__all__ = [
    "EXPORT_FORMATS",
    "ExportResult",
    "attribute_table",
    "existing_layers",
    "export_geojson",
    "export_geopackage",
    "export_layer",
    "export_path",
    "export_shapefile",
    "export_table",
    "shorten_field_names",
]

ExportFormat = Literal["gpkg", "shp", "geojson", "xlsx", "csv"]
EXPORT_FORMATS: dict[str, str] = {
    ".gpkg": "gpkg",
    ".shp": "shp",
    ".geojson": "geojson",
    ".json": "geojson",
    ".xlsx": "xlsx",
    ".csv": "csv",
}


@dataclass
class ExportResult:
    """What an export wrote.

    Attributes
    ----------
    path
        The main output file.
    files
        Every file written (a Shapefile is several).
    field_names
        Original -> written field names, where they differ (Shapefile's 10-byte limit).
    notes
        What the user should know (columns renamed, types changed...).
    replaced, kept
        An export into an existing GeoPackage: the layers of the file it replaced, and
        those it left as they were.
    """

    path: Path
    files: list[Path] = field(default_factory=list)
    field_names: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def _write_error(path: Path, exc: BaseException) -> GisdeskError:
    return GisdeskError(
        f"无法写入 {path}（原文件未改动）：{exc}",
        f"Cannot write {path} (any existing file is untouched): {exc}",
    )


def _check_target(path: Path) -> None:
    if not path.parent.is_dir():
        raise GisdeskError(
            f"输出文件夹不存在：{path.parent}", f"The output folder does not exist: {path.parent}"
        )


@contextlib.contextmanager
def _staging(path: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; it is removed afterwards whatever happens."""
    _check_target(path)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.stem}.", suffix=".exporting", dir=path.parent))
    except OSError as exc:  # a folder the user cannot write in
        raise _write_error(path, exc) from None
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_quietly(gdf: gpd.GeoDataFrame, path: Path, **options: Any) -> None:
    """Write a layer with pyogrio, GDAL's warnings silenced (the export reports what matters)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gdf, path, **options)


def _prepared(layer: Layer) -> gpd.GeoDataFrame:
    gdf = layer.data
    crs = require_crs(gdf, layer=layer.name)
    if not crs.equals(STORAGE_CRS):
        gdf = gdf.to_crs(STORAGE_CRS)
    if layer.schema is not None:
        gdf = gpd.GeoDataFrame(
            coerce_to_schema(gdf, layer.schema), geometry=gdf.geometry.name, crs=gdf.crs
        )
    return gdf


def _geometry_type(layer: Layer, gdf: gpd.GeoDataFrame) -> str:
    types = {str(t) for t in gdf.geom_type.dropna()}
    if len(types) == 1:
        return types.pop()
    bases = {t.replace("Multi", "") for t in types}
    if len(bases) == 1:
        return "Multi" + bases.pop()
    if not types and layer.schema is not None:
        return layer.schema.geometry
    return "Unknown"


def _style_geometry(layer: Layer, gdf: gpd.GeoDataFrame) -> str | None:
    if layer.schema is not None:
        return layer.schema.geometry
    kind = _geometry_type(layer, gdf)
    return None if kind == "Unknown" else kind


def export_geopackage(
    layers: Sequence[Layer], path: str | Path, *, styles: bool = True
) -> ExportResult:
    """Write layers to a GeoPackage with QGIS styles in ``layer_styles``.

    Into an existing GeoPackage the layers are added, or replace the tables of their names,
    and every other table (and the styles of the other layers) stays: the file is copied
    aside, changed there, and written back into the original in one SQLite transaction, so
    it is the old or the new file whatever happens.

    Parameters
    ----------
    layers
        The layers, written as tables of their names in EPSG:4490.
    path
        The .gpkg to write or to add the layers to.
    styles
        Write each styled layer's style as QML and SLD, the table's default style in QGIS.

    Raises
    ------
    InputError
        No layers, a layer without CRS, or ``path`` exists and is not a GeoPackage or is a
        gisdesk project (projects take layers through an import, under their lock).
    GisdeskError
        The file cannot be written; an existing file is left as it was.
    """
    path = Path(path)
    if not layers:
        raise InputError("没有要导出的图层。", "There are no layers to export.")
    existing = existing_layers(path) if path.exists() else None
    notes: list[str] = []
    with _staging(path) as tmpdir:
        tmp = tmpdir / path.name
        rows: list[StyleRow] = []
        unstyled: list[str] = []
        try:
            if existing is not None:
                copy_database(path, tmp)
            for layer in layers:
                gdf = _prepared(layer)
                geometry_type = _geometry_type(layer, gdf)
                _write_quietly(
                    gdf,
                    tmp,
                    layer=layer.name,
                    driver="GPKG",
                    geometry_type=geometry_type,
                    promote_to_multi=geometry_type.startswith("Multi"),
                    layer_options={"SPATIAL_INDEX": "YES", "FID": "fid"},
                )
                style_geometry = _style_geometry(layer, gdf)
                if styles and layer.style is not None and style_geometry is not None:
                    rows.append(style_row(layer.name, layer.title, layer.style, style_geometry))
                else:
                    unstyled.append(layer.name)
                    if styles and layer.style is not None:
                        notes.append(f"{layer.name}: mixed geometry types, style not written")
            _store_styles(tmp, rows, unstyled)
            if existing is None:
                tmp.replace(path)
            else:
                write_into(tmp, path)
        except GisdeskError:
            raise
        except Exception as exc:  # GDAL and sqlite raise many kinds; report one
            raise _write_error(path, exc) from exc
    names = {layer.name for layer in layers}
    return ExportResult(
        path=path,
        files=[path],
        notes=notes,
        replaced=[n for n in existing or [] if n in names],
        kept=[n for n in existing or [] if n not in names],
    )


def existing_layers(path: Path) -> list[str]:
    """The feature tables of the existing GeoPackage ``path`` that an export adds to.

    Raises
    ------
    InputError
        ``path`` is a gisdesk project, or not a GeoPackage.
    """
    if is_project_file(path):
        raise InputError(
            f"{path} 是 gisdesk 项目文件，导出不会写入项目。请换一个输出文件名；"
            "要把图层加入这个项目，请打开它后用“项目 → 添加图层…”（命令行：gisdesk import）。",
            f"{path} is a gisdesk project; an export does not write into projects. Choose "
            "another output file; to add a layer to that project, open it and use Project → "
            "Add layer… (command line: gisdesk import).",
        )
    not_gpkg = InputError(
        f"{path} 已存在，但不是 GeoPackage，无法把图层加入其中。请换一个文件名，或先删除它。",
        f"{path} exists but is not a GeoPackage, so no layer can be added to it. Choose "
        "another file name or delete it first.",
    )
    try:
        with path.open("rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise not_gpkg
        con = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            return [
                r[0]
                for r in con.execute(
                    "SELECT table_name FROM gpkg_contents WHERE data_type='features' "
                    "ORDER BY table_name"
                )
            ]
        finally:
            con.close()
    except (OSError, sqlite3.Error):
        raise not_gpkg from None


def _store_styles(path: Path, rows: list[StyleRow], unstyled: list[str]) -> None:
    """Write the layers' QGIS styles into the GeoPackage at ``path`` in one transaction.

    A layer written without a style loses gisdesk's old style row (it was replaced).
    """
    con = sqlite3.connect(path)
    try:
        with con:
            drop_layer_styles(con, unstyled)
            write_layer_styles(con, rows)
    finally:
        con.close()


def shorten_field_names(names: Sequence[str], *, limit: int = 10) -> dict[str, str]:
    """Return original -> DBF field name, each at most ``limit`` UTF-8 bytes and unique.

    The rule, so the same table always gives the same names: a name that fits and is new
    (ignoring case, as DBF does) is kept; otherwise it is cut to the longest prefix of whole
    characters that fits, and if that is taken, cut shorter and suffixed ``_1``, ``_2``...
    in column order. Chinese characters take 3 bytes: 道路名称编号 -> 道路名 (9 bytes).
    """
    used: set[str] = set()
    out: dict[str, str] = {}

    def cut(text: str, size: int) -> str:
        data = text.encode("utf-8")[:size]
        return data.decode("utf-8", errors="ignore")

    for name in names:
        candidate = cut(name, limit) or "field"
        n = 0
        while candidate.lower() in used:
            n += 1
            suffix = f"_{n}"
            candidate = cut(name, limit - len(suffix)) + suffix
        used.add(candidate.lower())
        out[name] = candidate
    return out


def _dbf_ready(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Return columns the DBF can hold: booleans as 0/1, other objects as text."""
    out = gdf.copy()
    notes: list[str] = []
    for col in out.columns:
        if col == out.geometry.name:
            continue
        series = out[col]
        if pd.api.types.is_bool_dtype(series):
            out[col] = series.astype("Int64")
            notes.append(f"{col}: true/false written as 1/0")
        elif pd.api.types.is_datetime64_any_dtype(series):
            continue
        elif series.dtype == object or pd.api.types.is_string_dtype(series):
            out[col] = series.map(lambda v: None if pd.isna(v) else str(v)).astype(object)
    return out, notes


def export_shapefile(layer: Layer, path: str | Path) -> ExportResult:
    """Write a layer as a UTF-8 Shapefile (with .cpg and .prj) in EPSG:4490.

    Returns
    -------
    ExportResult
        The files written and the field-name mapping (original -> 10-byte name).

    Raises
    ------
    InputError
        The layer mixes points, lines and polygons (a Shapefile holds one kind).
    GisdeskError
        The files cannot be written; existing files are left as they were.
    """
    path = Path(path).with_suffix(".shp")
    gdf = _prepared(layer)
    geometry_type = _geometry_type(layer, gdf)
    if geometry_type == "Unknown":
        raise InputError(
            f"图层“{layer.name}”混有点、线、面，Shapefile 只能保存一种。请改用 GeoPackage。",
            f"Layer '{layer.name}' mixes points, lines and polygons; a Shapefile holds one "
            "kind. Use GeoPackage instead.",
        )
    attrs = [c for c in gdf.columns if c != gdf.geometry.name]
    mapping = shorten_field_names(attrs)
    gdf, notes = _dbf_ready(gdf.rename(columns=mapping))
    renamed = {k: v for k, v in mapping.items() if k != v}
    with _staging(path) as tmpdir:
        tmp = tmpdir / path.name
        try:
            _write_quietly(
                gdf,
                tmp,
                driver="ESRI Shapefile",
                encoding="UTF-8",
                geometry_type=geometry_type,
                promote_to_multi=geometry_type.startswith("Multi"),
            )
            cpg = tmp.with_suffix(".cpg")
            if not cpg.exists():
                cpg.write_text("UTF-8", encoding="ascii")
            files: list[Path] = []
            for part in sorted(tmpdir.iterdir()):
                target = path.with_suffix(part.suffix)
                part.replace(target)
                files.append(target)
        except GisdeskError:
            raise
        except Exception as exc:  # GDAL raises many kinds; report one
            raise _write_error(path, exc) from exc
    if renamed:
        notes.insert(0, "fields renamed: " + ", ".join(f"{k} -> {v}" for k, v in renamed.items()))
    return ExportResult(path=path, files=files, field_names=renamed, notes=notes)


def export_geojson(layer: Layer, path: str | Path) -> ExportResult:
    """Write a layer as RFC 7946 GeoJSON (UTF-8, lon/lat)."""
    path = Path(path)
    gdf = _prepared(layer)
    with _staging(path) as tmpdir:
        tmp = tmpdir / path.name
        try:
            _write_quietly(gdf, tmp, driver="GeoJSON", layer_options={"RFC7946": "YES"})
            tmp.replace(path)
        except Exception as exc:  # GDAL raises many kinds; report one
            raise _write_error(path, exc) from exc
    return ExportResult(path=path, files=[path])


def attribute_table(layer: Layer, *, language: str = "zh") -> pd.DataFrame:
    """Return a layer's attributes with schema labels as headers; points get lon/lat columns."""
    gdf = _prepared(layer)
    table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    if len(gdf) and set(gdf.geom_type.dropna()) == {"Point"}:
        table[tr("经度", "lon", language)] = gdf.geometry.x.round(7)
        table[tr("纬度", "lat", language)] = gdf.geometry.y.round(7)
    if layer.schema is not None:
        labels = {f.name: f.label(language) for f in layer.schema.fields if f.name in table.columns}
        taken = set(table.columns) - set(labels)
        table = table.rename(
            columns={k: v if v not in taken else f"{v} ({k})" for k, v in labels.items()}
        )
    return table


def export_table(layer: Layer, path: str | Path, *, language: str = "zh") -> ExportResult:
    """Write a layer's attribute table as Excel (.xlsx) or CSV (UTF-8 with BOM).

    Parameters
    ----------
    layer
        The layer.
    path
        The .xlsx or .csv to write.
    language
        Headers from the schema's "zh" or "en" labels.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InputError(
            f"表格只能导出为 .xlsx 或 .csv（收到 {suffix}）。",
            f"Tables export to .xlsx or .csv (got {suffix}).",
        )
    table = attribute_table(layer, language=language)
    for col in table.columns:
        if isinstance(table[col].dtype, pd.DatetimeTZDtype):
            table[col] = table[col].dt.tz_localize(None)
    with _staging(path) as tmpdir:
        tmp = tmpdir / f"{uuid.uuid4().hex}{suffix}"
        try:
            if suffix == ".csv":
                write_csv(tmp, table)  # no text a formula, line breaks kept in their cells
            else:
                write_sheets(tmp, {layer.name: table})  # text stays text, never a formula
            tmp.replace(path)
        except Exception as exc:  # openpyxl/OS errors: report one
            raise _write_error(path, exc) from exc
    return ExportResult(path=path, files=[path])


def export_layer(
    layer: Layer, path: str | Path, *, format: ExportFormat | None = None, language: str = "zh"
) -> ExportResult:
    """Export one layer in the format given or implied by the file extension.

    Raises
    ------
    InputError
        The format is unknown.
    """
    path = Path(path)
    fmt = format or EXPORT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"无法从扩展名“{path.suffix}”判断导出格式；请指定 gpkg、shp、geojson、xlsx 或 csv。",
            f"Cannot tell the export format from '{path.suffix}'; choose gpkg, shp, geojson, "
            "xlsx or csv.",
        )
    if fmt not in _SUFFIXES:
        raise InputError(f"未知导出格式：{fmt}", f"Unknown export format: {fmt}")
    path = export_path(path, fmt)
    if fmt == "gpkg":
        return export_geopackage([layer], path)
    if fmt == "shp":
        return export_shapefile(layer, path)
    if fmt == "geojson":
        return export_geojson(layer, path)
    return export_table(layer, path, language=language)


_SUFFIXES = {
    "gpkg": (".gpkg",),
    "shp": (".shp",),
    "geojson": (".geojson", ".json"),
    "xlsx": (".xlsx",),
    "csv": (".csv",),
}


def export_path(path: str | Path, fmt: str) -> Path:
    """The file an export in ``fmt`` writes for ``path``: its extension made the format's.

    ``--format geojson`` with ``out.gpkg`` writes ``out.geojson``, never GeoJSON text under a
    GeoPackage's name (nor a GeoPackage under ``.geojson``); a known extension is kept.
    """
    path = Path(path)
    suffixes = _SUFFIXES.get(fmt)
    if suffixes is None or path.suffix.lower() in suffixes:
        return path
    return path.with_suffix(suffixes[0])
