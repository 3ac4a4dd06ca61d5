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

Opening is :mod:`gisdesk.io.project_open` (its names are re-exported here): it reads only,
but for rolling back a write a crash cut off; a GeoPackage without gisdesk tables opens too.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio

from gisdesk.core.crs import STORAGE_CRS, require_crs
from gisdesk.core.errors import GisdeskError, ProjectError, StyleError
from gisdesk.core.layer import Layer
from gisdesk.core.progress import CancelToken, ProgressCallback, check_cancel, report
from gisdesk.core.project import Project
from gisdesk.core.schema import coerce_to_schema
from gisdesk.io.edit_journal import copy_journal, pid_alive
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
)
from gisdesk.io.project_open import (
    FORMAT_VERSION,
    SQLITE_MAGIC,
    ProjectCatalog,
    check_project_file,
    open_project,
    read_catalog,
    read_project_layer,
    recover_interrupted_write,
)
from gisdesk.io.project_state import (
    stored_settings,
)
from gisdesk.io.sqlite_copy import write_into

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

_PROMOTE = {"Polygon": "MultiPolygon", "MultiPolygon": "MultiPolygon"}


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
            return fh.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
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
    check_project_file(path)
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
