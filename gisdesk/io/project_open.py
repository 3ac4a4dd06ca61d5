"""Opening a project GeoPackage (:mod:`gisdesk.io.project_store` saves it): the file checked,
an interrupted write rolled back, gisdesk's tables read (:func:`read_catalog`), and the
layers read (:func:`open_project`), or only some of them (:class:`ProjectCatalog`).

Opening reads only (SQLite read-only connections): the file keeps its bytes and its time.
The one exception is a write that a crash cut off: SQLite's hot journal must be rolled back
before anyone can read the file, and opening does that (under the lock) when it may write.

A GeoPackage without gisdesk tables opens too: each vector table becomes a layer, typed by
its name when it matches a layer schema.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pyogrio

from gisdesk.core.errors import ProjectError
from gisdesk.core.layer import Layer
from gisdesk.core.progress import CancelToken, ProgressCallback, check_cancel, report
from gisdesk.core.project import Project
from gisdesk.core.schema import coerce_to_schema
from gisdesk.io.edit_journal import note_rolled_back
from gisdesk.io.project_lock import ProjectLock, default_timeout, held_here, read_only_reason
from gisdesk.io.project_state import parse_metadata, parse_opacity, parse_settings, parse_style
from gisdesk.io.schemas import load_schemas
from gisdesk.io.styles import load_styles

if TYPE_CHECKING:
    from gisdesk.core.issues import Issue
    from gisdesk.core.layer import LayerMetadata
    from gisdesk.core.schema import LayerSchema
    from gisdesk.core.style import LayerStyle

__all__ = [
    "FORMAT_VERSION",
    "SQLITE_MAGIC",
    "ProjectCatalog",
    "check_project_file",
    "open_project",
    "read_catalog",
    "read_project_layer",
    "recover_interrupted_write",
]

FORMAT_VERSION = 1
SQLITE_MAGIC = b"SQLite format 3\x00"


def check_project_file(path: Path) -> None:
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
        head = fh.read(len(SQLITE_MAGIC))
    if head != SQLITE_MAGIC:
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
    check_project_file(path)
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
