"""The project store: one GeoPackage per project.

Every layer is a GeoPackage feature table in EPSG:4490. gisdesk keeps its own state in two
tables beside them (unregistered in ``gpkg_contents``, so other GIS programs ignore them):

``gisdesk_project``  key / JSON value: format version, title, settings;
``gisdesk_layers``   one row per layer: drawing position, layer type, title, visibility,
                     opacity, group, style (JSON) and metadata (JSON, incl. 示意数据 flag).

Each save also writes QGIS's ``layer_styles`` table (:mod:`gisdesk.io.layer_styles`): every
styled layer's style as QML and SLD, its default in QGIS, so QGIS opens the project file with
gisdesk's symbols and labels. It is written in the same transaction as the rest, from the
layers being saved, so a restyled layer's row is replaced and a removed layer's row is gone;
styles QGIS users saved in the file under other names are kept for the layers that remain.

A save writes a complete new file beside the target and flushes it to disk. A new project
file is then renamed into place (``os.replace``). An existing project is never swapped for
another file: the new content goes into it in one SQLite transaction (the backup API copies
the new file's pages into the project under SQLite's rollback journal), so the project keeps
its permissions, owner and links, programs reading it see the old or the new content, and
a crash or a kill at any moment leaves either the old or the new project, never a mixture.
Every save holds the project's lock (:mod:`gisdesk.io.project_lock`) and refuses a project
this user may not write.

Opening reads only (SQLite read-only connections): the file keeps its bytes and its time.
The one exception is a write that a crash cut off: SQLite's hot journal must be rolled back
before anyone can read the file, and opening does that (under the lock) when it may write.

A GeoPackage without gisdesk tables opens too: each vector table becomes a layer, typed by
its name when it matches a layer schema.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pyogrio

from gisdesk.core.crs import STORAGE_CRS, require_crs
from gisdesk.core.errors import GisdeskError, ProjectError, StyleError
from gisdesk.core.layer import Layer
from gisdesk.core.progress import CancelToken, ProgressCallback, check_cancel, report
from gisdesk.core.project import Project
from gisdesk.core.schema import coerce_to_schema
from gisdesk.io.edit_journal import copy_journal, note_rolled_back, pid_alive
from gisdesk.io.layer_styles import (
    StyleRow,
    copy_user_styles,
    style_row,
    write_layer_styles,
)
from gisdesk.io.logs import log_exception
from gisdesk.io.project_lock import (
    ProjectLock,
    check_writable,
    default_timeout,
    held_here,
    read_only_reason,
)
from gisdesk.io.project_state import (
    parse_metadata,
    parse_opacity,
    parse_settings,
    parse_style,
    stored_settings,
)
from gisdesk.io.schemas import load_schemas
from gisdesk.io.sqlite_copy import write_into
from gisdesk.io.styles import load_styles

if TYPE_CHECKING:
    from gisdesk.core.issues import Issue
    from gisdesk.core.layer import LayerMetadata
    from gisdesk.core.schema import LayerSchema
    from gisdesk.core.style import LayerStyle

__all__ = [
    "FORMAT_VERSION",
    "ProjectCatalog",
    "open_project",
    "read_catalog",
    "read_project_layer",
    "recover_interrupted_write",
    "save_project",
    "update_settings",
]

FORMAT_VERSION = 1
_SQLITE_MAGIC = b"SQLite format 3\x00"
_PROMOTE = {"Polygon": "MultiPolygon", "MultiPolygon": "MultiPolygon"}


# --- opening ---------------------------------------------------------------------------


def _check_file(path: Path) -> None:
    if not path.exists():
        raise ProjectError(f"项目文件不存在：{path}", f"The project file does not exist: {path}")
    if path.suffix.lower() in (".qgs", ".qgz") and not path.is_dir():
        raise ProjectError(
            f"{path.name} 是 QGIS 项目文件，不是 gisdesk 项目（GeoPackage）。请新建或打开一个 "
            "gisdesk 项目，再用“项目 → 添加图层…”导入其中的图层（命令行：gisdesk import "
            f"项目.gpkg {path.name} --layer 图层名）。",
            f"{path.name} is a QGIS project, not a gisdesk project (GeoPackage). Create or "
            "open a gisdesk project and import its layers with Project → Add layer… (command "
            f"line: gisdesk import PROJECT.gpkg {path.name} --layer NAME).",
        )
    if path.is_dir():
        raise ProjectError(
            f"{path} 是文件夹，不是项目文件。", f"{path} is a folder, not a project file."
        )
    size = path.stat().st_size
    if size == 0:
        raise ProjectError(
            f"项目文件 {path.name} 是空文件（0 字节），可能在复制或下载时中断。请使用备份。",
            f"The project file {path.name} is empty (0 bytes); copying or downloading it was "
            "probably interrupted. Use a backup.",
        )
    with path.open("rb") as fh:
        head = fh.read(len(_SQLITE_MAGIC))
    if head != _SQLITE_MAGIC:
        raise ProjectError(
            f"{path.name} 不是 GeoPackage 项目文件（文件头不符）。",
            f"{path.name} is not a GeoPackage project file (its header does not match).",
        )


@contextlib.contextmanager
def _connect_ro(path: Path) -> Iterator[sqlite3.Connection]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        yield con
    finally:
        con.close()


_SQLITE_READONLY_ROLLBACK = 776  # a read-only connection met a hot journal


def _needs_rollback(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorcode", None) == _SQLITE_READONLY_ROLLBACK


def recover_interrupted_write(path: str | os.PathLike[str]) -> bool:
    """Roll back a write a crash cut off (SQLite's hot journal); True if there was one.

    Reading a file with a hot journal is impossible until the journal is played back,
    which writes the old pages back into the file. That happens here, under the project's
    lock, and only when this user may write the project.

    Raises
    ------
    ProjectError
        The journal must be rolled back but this user may not write the project, or
        another writer holds it longer than the lock timeout.
    """
    path = Path(path)
    try:
        with _connect_ro(path) as con:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return False
    except sqlite3.Error as exc:
        if not _needs_rollback(exc):
            return False  # not a hot journal: reading reports what is wrong
    reason = read_only_reason(path)
    if reason is not None:
        raise ProjectError(
            f"项目文件 {path.name} 上次写入时被中断（旁边有 {path.name}-journal），需要先恢复"
            f"才能读取，而恢复要写入文件。{reason[0]}请让有写权限的用户打开一次。",
            f"A write to the project file {path.name} was cut off (see {path.name}-journal "
            f"beside it); reading it needs a recovery, which writes the file. {reason[1]} "
            "Ask a user who may write it to open it once.",
        )
    own = None if held_here(path) is not None else ProjectLock(path)
    if own is not None:
        own.acquire(timeout=default_timeout(), purpose="recover")
    try:
        con = sqlite3.connect(path, timeout=30)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()  # plays it back
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise ProjectError(
            f"项目文件 {path.name} 上次写入时被中断，恢复失败（{exc}）。请使用备份。",
            f"A write to the project file {path.name} was cut off and recovering it failed "
            f"({exc}). Use a backup.",
        ) from None
    finally:
        if own is not None:
            own.release()
    note_rolled_back(path)
    return True


def _read_gisdesk_tables(
    path: Path,
) -> tuple[dict[str, Any], list[dict[str, Any]] | None, list[str]]:
    """Return project settings, gisdesk layer rows (None if absent) and GPKG feature tables."""
    try:
        with _connect_ro(path) as con:
            tables = {
                r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if "gpkg_contents" not in tables:
                raise ProjectError(
                    f"{path.name} 是 SQLite 数据库，但不是 GeoPackage（缺少 gpkg_contents 表）。",
                    f"{path.name} is an SQLite database but not a GeoPackage "
                    "(it has no gpkg_contents table).",
                )
            features = [
                r[0]
                for r in con.execute(
                    "SELECT table_name FROM gpkg_contents WHERE data_type='features' "
                    "ORDER BY table_name"
                )
            ]
            settings: dict[str, Any] = {}
            if "gisdesk_project" in tables:
                # JSON text, decoded by open_project (a damaged entry is reported, not fatal)
                settings = dict(con.execute("SELECT key, value FROM gisdesk_project"))
            rows = None
            if "gisdesk_layers" in tables:
                cur = con.execute(
                    "SELECT name, position, kind, title, visible, opacity, grp, style, metadata "
                    "FROM gisdesk_layers ORDER BY position"
                )
                cols = [c[0] for c in cur.description]
                rows = [dict(zip(cols, r, strict=True)) for r in cur]
    except sqlite3.DatabaseError as exc:
        raise ProjectError(
            f"项目文件 {path.name} 已损坏，无法读取（{exc}）。请使用备份。",
            f"The project file {path.name} is damaged and cannot be read ({exc}). Use a backup.",
        ) from None
    return settings, rows, features


def read_project_layer(
    path: Path, name: str, *, schema: LayerSchema | None = None
) -> gpd.GeoDataFrame:
    """Read one layer table of a project, typed by its schema when it has one."""
    return _read_layer(path, name, schema)[0]


def _read_layer(
    path: Path, name: str, schema: LayerSchema | None
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Read one layer table and its feature ids (the GeoPackage fids)."""
    try:
        gdf = pyogrio.read_dataframe(path, layer=name, use_arrow=True, fid_as_index=True)
    except Exception as exc:
        raise ProjectError(
            f"无法读取图层“{name}”：{exc}",
            f"Cannot read layer '{name}': {exc}",
        ) from None
    fids = gdf.index.to_numpy(dtype=np.int64)
    gdf = gdf.reset_index(drop=True)
    if schema is not None:
        gdf = gpd.GeoDataFrame(
            coerce_to_schema(gdf, schema), geometry=gdf.geometry.name, crs=gdf.crs
        )
    return gdf, fids


@dataclass(frozen=True)
class ProjectCatalog:
    """What a project holds, read without its features: its settings, the problems found
    reading them, and one row per layer (name, kind, title, style, ...), in drawing order."""

    path: Path
    title: str
    settings: dict[str, Any]
    problems: list[Issue]
    rows: list[dict[str, Any]]

    def names(self) -> list[str]:
        """Return the layer names."""
        return [str(row["name"]) for row in self.rows]

    def row(self, name: str) -> dict[str, Any] | None:
        """Return a layer's row, or None when there is no such layer."""
        return next((row for row in self.rows if row["name"] == name), None)

    def schema(self, name: str) -> LayerSchema | None:
        """Return the schema of a layer's kind (None for a layer without one)."""
        row = self.row(name)
        kind = row.get("kind") if row else None
        return load_schemas().get(kind) if kind else None

    def read_layer(self, name: str) -> gpd.GeoDataFrame:
        """Read one layer's features, typed by its schema."""
        return read_project_layer(self.path, name, schema=self.schema(name))

    def layer_problems(self, name: str) -> list[Issue]:
        """Return what is damaged in a layer's stored style, metadata or opacity."""
        row = self.row(name)
        if row is None:
            return []
        return _layer_state(self.path, row, self.schema(name), load_styles())[3]


def _layer_state(
    file: Path, row: dict[str, Any], schema: LayerSchema | None, styles: dict[str, LayerStyle]
) -> tuple[LayerStyle | None, LayerMetadata, float, list[Issue]]:
    """A layer row's style, metadata and opacity, and the problems found decoding them."""
    default = styles.get(schema.style) if schema is not None else None
    style, style_problem = parse_style(
        row.get("style"),
        layer=row["name"],
        source=f"{file.name}:{row['name']}",
        fallback=default,
    )
    metadata, metadata_problem = parse_metadata(row.get("metadata"), layer=row["name"])
    opacity, opacity_problem = parse_opacity(row.get("opacity"), layer=row["name"])
    found = [p for p in (style_problem, metadata_problem, opacity_problem) if p]
    return style, metadata, opacity, found


def read_catalog(path: str | os.PathLike[str]) -> ProjectCatalog:
    """Check a project file and read what it holds, but not its features (see
    :func:`open_project`, which reads them too; the command line reads only the layers an
    analysis names).

    Raises
    ------
    ProjectError
        When the file is missing, empty, not a GeoPackage or damaged; the message says which.
    """
    path = Path(path)
    _check_file(path)
    recover_interrupted_write(path)
    raw_settings, rows, features = _read_gisdesk_tables(path)
    settings, problems = parse_settings(raw_settings)
    version = settings.get("format_version", FORMAT_VERSION)
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise ProjectError(
            f"该项目由更新版本的 gisdesk 保存（格式 {version}），请升级 gisdesk。",
            f"This project was saved by a newer gisdesk (format {version}); upgrade gisdesk.",
        )
    if rows is None:
        schemas = load_schemas()
        rows = [{"name": n, "kind": n if n in schemas else None} for n in features]
    missing = [r["name"] for r in rows if r["name"] not in features]
    if missing:
        raise ProjectError(
            f"项目记录的图层在文件中不存在：{'、'.join(missing)}。文件可能被其他程序修改过。",
            f"Layers listed by the project are missing from the file: {', '.join(missing)}. "
            "Another program may have changed it.",
        )
    title = str(settings.get("title", path.stem))
    return ProjectCatalog(path, title, dict(settings.get("settings", {})), problems, rows)


def open_project(
    path: str | os.PathLike[str],
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Project:
    """Open a project GeoPackage (or any GeoPackage) and return the project.

    Raises
    ------
    ProjectError
        When the file is missing, empty, not a GeoPackage or damaged; the message says which.
    """
    catalog = read_catalog(path)
    file, rows, problems = catalog.path, catalog.rows, list(catalog.problems)
    schemas = load_schemas()
    styles = load_styles()
    project = Project(title=catalog.title, path=file)
    project.settings = dict(catalog.settings)
    project.load_problems = problems
    for i, row in enumerate(rows):
        check_cancel(cancel)
        report(progress, i / max(1, len(rows)), f"读取图层 {row['name']}")
        kind = row.get("kind")
        schema = schemas.get(kind) if kind else None
        gdf, fids = _read_layer(file, row["name"], schema)
        style, metadata, opacity, found = _layer_state(file, row, schema, styles)
        problems += found
        project.add_layer(
            Layer(
                row["name"],
                gdf,
                schema=schema,
                style=style,
                title=row.get("title") or None,
                visible=bool(row.get("visible", True)),
                opacity=opacity,
                group=str(row.get("grp") or ""),
                metadata=metadata,
            )
        ).fids = fids
    report(progress, 1.0, "完成")
    return project


# --- saving ----------------------------------------------------------------------------


def _fsync_path(path: Path, *, directory: bool = False) -> None:
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return  # directories cannot be opened on Windows; the rename is still atomic there
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_stale_temporaries(target: Path) -> None:
    """Delete half-written saves left beside ``target`` by processes that died mid-save."""
    for tmp in target.parent.glob(f".{target.name}.*.saving.gpkg"):
        parts = tmp.name[len(target.name) + 2 :].split(".")
        if parts and parts[0].isdigit() and not pid_alive(int(parts[0])):
            tmp.unlink(missing_ok=True)


def _geometry_type(layer: Layer, gdf: gpd.GeoDataFrame) -> str | None:
    if layer.schema is not None:
        return _PROMOTE.get(layer.schema.geometry, layer.schema.geometry)
    types = set(gdf.geom_type.dropna())
    return types.pop() if len(types) == 1 else "Unknown"


def _prepare(layer: Layer) -> gpd.GeoDataFrame:
    gdf = layer.data
    crs = require_crs(gdf, layer=layer.name)
    if not crs.equals(STORAGE_CRS):
        gdf = gdf.to_crs(STORAGE_CRS)
    if layer.schema is not None and layer.schema.geometry == "MultiPolygon":
        import shapely

        geoms = gdf.geometry.values
        single = gdf.geom_type.to_numpy() == "Polygon"
        if single.any():
            gdf = gdf.copy()
            promoted = [shapely.multipolygons([g]) for g in geoms[single]]
            gdf.loc[single, gdf.geometry.name] = promoted
    if layer.schema is not None:
        gdf = gpd.GeoDataFrame(
            coerce_to_schema(gdf, layer.schema), geometry=gdf.geometry.name, crs=gdf.crs
        )
    if "fid" in gdf.columns:  # an attribute called fid would clash with the feature id
        gdf = gdf.rename(columns={"fid": "fid_"})
    gdf = gdf.copy(deep=False)
    gdf.insert(0, "fid", layer.fids)  # GDAL takes a column named like the FID as the fid
    return gdf


def _layer_row(position: int, layer: Layer) -> tuple[Any, ...]:
    return (
        layer.name,
        position,
        layer.kind,
        layer.title,
        int(layer.visible),
        float(layer.opacity),
        layer.group,
        None
        if layer.style is None
        else json.dumps(layer.style.to_dict(), ensure_ascii=False, sort_keys=True),
        json.dumps(layer.metadata.to_dict(), ensure_ascii=False, sort_keys=True),
    )


def _style_rows(project: Project, geometry_types: dict[str, str | None]) -> list[StyleRow]:
    """The QGIS style rows of the project's styled layers (a layer without style has none)."""
    rows: list[StyleRow] = []
    for layer in project.layers:
        geometry_type = geometry_types.get(layer.name)
        if layer.style is None or geometry_type in (None, "Unknown"):
            continue  # gisdesk draws no unstyled layer; QGIS gives it its own default
        try:
            rows.append(style_row(layer.name, layer.title, layer.style, geometry_type))
        except StyleError as exc:  # QGIS then shows its own default; the save goes on
            log_exception(f"QGIS style of layer {layer.name} not written", exc, expected=True)
    return rows


def _write_state(
    path: Path,
    project: Project,
    journal_from: Path | None,
    styles: list[StyleRow],
    timestamp: str | None,
) -> None:
    con = sqlite3.connect(path)
    try:
        with con:
            if journal_from is not None:
                copy_user_styles(con, journal_from, [layer.name for layer in project.layers])
            write_layer_styles(con, styles, timestamp=timestamp)
            if journal_from is not None:
                copy_journal(con, journal_from)
            con.execute(
                "CREATE TABLE gisdesk_project (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)"
            )
            con.execute(
                "CREATE TABLE gisdesk_layers (name TEXT PRIMARY KEY NOT NULL, "
                "position INTEGER NOT NULL, kind TEXT, title TEXT, visible INTEGER NOT NULL, "
                "opacity REAL NOT NULL, grp TEXT, style TEXT, metadata TEXT)"
            )
            entries = {
                "format_version": FORMAT_VERSION,
                "title": project.title,
                "settings": project.settings,
            }
            con.executemany(
                "INSERT INTO gisdesk_project (key, value) VALUES (?, ?)",
                [
                    (k, json.dumps(v, ensure_ascii=False, sort_keys=True))
                    for k, v in entries.items()
                ],
            )
            con.executemany(
                "INSERT INTO gisdesk_layers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_layer_row(i, layer) for i, layer in enumerate(project.layers)],
            )
        con.execute("VACUUM")
    finally:
        con.close()


def _writer_lock(
    path: Path, lock: ProjectLock | None, lock_timeout: float | None, doing: tuple[str, str]
) -> ProjectLock | None:
    """Return the lock a writer takes on ``path`` itself (to release), or None.

    With ``lock`` None the writer takes the project's lock for itself; a given ``lock`` must be
    held and cover ``path`` (``doing`` names the write in the internal error: 保存/saving),
    and then only the file's permissions are checked.
    """
    if lock is None:
        return ProjectLock(path).acquire(
            timeout=default_timeout() if lock_timeout is None else lock_timeout, purpose="save"
        )
    if not lock.held or not lock.covers(path):
        raise ProjectError(
            f"内部错误：{doing[0]}时未持有该项目的锁。",
            f"Internal error: {doing[1]} without holding the project's lock.",
        )
    check_writable(path)
    return None


def save_project(
    project: Project,
    path: str | os.PathLike[str] | None = None,
    *,
    timestamp: str | None = None,
    journal_from: Path | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    lock: ProjectLock | None = None,
    lock_timeout: float | None = None,
    fresh_file: bool = False,
) -> Path:
    """Save the project to ``path`` (default: where it was opened from), all or nothing.

    Parameters
    ----------
    project
        The project to save; its ``path`` becomes ``path`` afterwards (save-as).
    path
        Target file; missing parent folders are an error, not created silently.
    timestamp
        Fix the GeoPackage change timestamps (ISO 8601, e.g. "2022-05-15T00:00:00Z") so
        the same content gives the same bytes; default is the current time.
    journal_from
        The GeoPackage whose edit journal (undo history and audit trail) the saved file
        carries on; default: the project's current file, if it has one.
    lock
        The target's lock, when the caller holds it already (the window holds its
        project's lock while the project is open); otherwise the save takes it.
    lock_timeout
        Seconds to wait for another writer's lock (default
        :func:`~gisdesk.io.project_lock.default_timeout`).
    fresh_file
        Replace an existing target by a new file (renamed into place, its permission bits
        kept) instead of writing into it: for rebuilding the sample byte for byte.

    Returns
    -------
    Path
        The saved file.

    Raises
    ------
    ProjectReadOnlyError
        This user may not write the target or its folder; nothing was written.
    ProjectBusyError
        Another writer holds the target's lock; nothing was written.
    """
    target = Path(path) if path is not None else project.path
    if target is None:
        raise ProjectError("请先选择保存位置。", "Choose where to save the project first.")
    target = target.resolve()
    if not target.parent.is_dir():
        raise ProjectError(
            f"保存位置的文件夹不存在：{target.parent}",
            f"The folder to save into does not exist: {target.parent}",
        )
    own = _writer_lock(target, lock, lock_timeout, ("保存", "saving"))
    try:
        _save_locked(project, target, timestamp, journal_from, progress, cancel, fresh_file)
    finally:
        if own is not None:
            own.release()
    project.path = target
    report(progress, 1.0, "已保存")
    return target


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC
    except OSError:
        return False


def _save_locked(
    project: Project,
    target: Path,
    timestamp: str | None,
    journal_from: Path | None,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
    fresh_file: bool,
) -> None:
    _remove_stale_temporaries(target)
    if journal_from is None and project.path is not None and Path(project.path).is_file():
        journal_from = Path(project.path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.saving.gpkg")
    options = {"OGR_CURRENT_DATE": timestamp} if timestamp else {}
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    try:
        pyogrio.set_gdal_config_options({**options} if options else {})
        layers = project.layers
        geometry_types: dict[str, str | None] = {}
        for i, layer in enumerate(layers):
            check_cancel(cancel)
            report(progress, i / max(1, len(layers)), f"保存图层 {layer.name}")
            gdf = _prepare(layer)
            geometry_types[layer.name] = _geometry_type(layer, gdf)
            pyogrio.write_dataframe(
                gdf,
                tmp,
                layer=layer.name,
                driver="GPKG",
                geometry_type=geometry_types[layer.name],
                promote_to_multi=False,
                use_arrow=True,
                layer_options={"SPATIAL_INDEX": "YES", "FID": "fid"},
            )
        if not layers:
            _create_empty_gpkg(tmp)
        check_cancel(cancel)
        styles = _style_rows(project, geometry_types)
        _write_state(tmp, project, journal_from, styles, timestamp)
        _fsync_path(tmp)
        check_cancel(cancel)
        if target.exists() and _is_sqlite(target) and not fresh_file:
            write_into(tmp, target)
            tmp.unlink()
        else:
            if target.exists():  # a new file in place of an old one keeps its permissions
                with contextlib.suppress(OSError):
                    tmp.chmod(target.stat().st_mode & 0o7777)
            tmp.replace(target)
        _fsync_path(target.parent, directory=True)
    except GisdeskError:
        tmp.unlink(missing_ok=True)
        raise
    except Exception as exc:
        tmp.unlink(missing_ok=True)
        raise ProjectError(
            f"保存项目失败，原文件未改动：{exc}",
            f"Saving the project failed; the previous file is untouched: {exc}",
        ) from exc
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})


def update_settings(
    path: str | os.PathLike[str],
    change: Callable[[dict[str, Any]], None],
    *,
    lock: ProjectLock | None = None,
    lock_timeout: float | None = None,
) -> dict[str, Any]:
    """Change the project settings kept in the file, in one SQLite transaction.

    ``change`` gets the settings as the file has them at that moment (under the lock, so
    nobody else changes them meanwhile) and edits the dict in place; the result is
    written back and returned. Nothing else in the file changes.
    """
    path = Path(path)
    _check_file(path)
    own = _writer_lock(path, lock, lock_timeout, ("写入", "writing"))
    try:
        con = sqlite3.connect(path, isolation_level=None, timeout=30)
        try:
            con.execute("PRAGMA synchronous=FULL")
            con.execute("BEGIN IMMEDIATE")
            try:
                con.execute(
                    "CREATE TABLE IF NOT EXISTS gisdesk_project "
                    "(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)"
                )
                row = con.execute(
                    "SELECT value FROM gisdesk_project WHERE key='settings'"
                ).fetchone()
                settings = stored_settings(None if row is None else row[0])
                change(settings)
                con.execute(
                    "INSERT OR REPLACE INTO gisdesk_project (key, value) VALUES ('settings', ?)",
                    (json.dumps(settings, ensure_ascii=False, sort_keys=True),),
                )
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise ProjectError(
            f"项目设置未能写入 {path.name}，文件未改动（{exc}）。",
            f"The project settings could not be written to {path.name}; the file is "
            f"unchanged ({exc}).",
        ) from None
    finally:
        if own is not None:
            own.release()
    return settings


def _create_empty_gpkg(path: Path) -> None:
    """Create a GeoPackage with no layers (GDAL needs one layer to create the file)."""
    empty = gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs=STORAGE_CRS)
    pyogrio.write_dataframe(empty, path, layer="gisdesk_placeholder", driver="GPKG")
    con = sqlite3.connect(path)
    try:
        with con:
            con.execute("DROP TABLE gisdesk_placeholder")
            con.execute("DELETE FROM gpkg_contents WHERE table_name='gisdesk_placeholder'")
            con.execute("DELETE FROM gpkg_geometry_columns WHERE table_name='gisdesk_placeholder'")
            for t in ("gpkg_extensions", "gpkg_ogr_contents"):
                with contextlib.suppress(sqlite3.OperationalError):
                    con.execute(f"DELETE FROM {t} WHERE table_name='gisdesk_placeholder'")
    finally:
        con.close()
