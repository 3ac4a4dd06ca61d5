"""QGIS's ``layer_styles`` table in a GeoPackage: each layer's default style as QML and SLD.

QGIS opens a GeoPackage layer with the row of ``layer_styles`` that names its table and has
``useAsDefault`` set. gisdesk writes that table, as QGIS creates it, into exported
GeoPackages (:mod:`gisdesk.io.vector_export`) and into every saved project
(:mod:`gisdesk.io.project_store`), so QGIS shows gisdesk's styles and labels.

gisdesk's row of a table has the table's name as its ``styleName``. Writing a layer's style
replaces that row (and makes it the table's only default, as QGIS does when a style is saved
as the default); other rows of the table, saved by QGIS users under other names, stay (a
project save, which writes a new file, copies them over with :func:`copy_user_styles`).
The functions work inside the caller's SQLite transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from gisdesk import __version__
from gisdesk.io.qml import style_to_qml
from gisdesk.io.sld import style_to_sld

if TYPE_CHECKING:
    from gisdesk.core.style import LayerStyle

__all__ = [
    "LAYER_STYLES",
    "StyleRow",
    "copy_user_styles",
    "drop_layer_styles",
    "style_row",
    "write_layer_styles",
]

LAYER_STYLES = "layer_styles"
_CREATE = """
CREATE TABLE IF NOT EXISTS "layer_styles" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "f_table_catalog" TEXT(256),
  "f_table_schema" TEXT(256),
  "f_table_name" TEXT(256),
  "f_geometry_column" TEXT(256),
  "styleName" TEXT(30),
  "styleQML" TEXT,
  "styleSLD" TEXT,
  "useAsDefault" BOOLEAN,
  "description" TEXT,
  "owner" TEXT(30),
  "ui" TEXT(30),
  "update_time" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
)
"""


@dataclass(frozen=True)
class StyleRow:
    """One table's gisdesk style: its QML and SLD documents and the layer's title."""

    table: str
    qml: str
    sld: str
    title: str


def style_row(name: str, title: str, style: LayerStyle, geometry_type: str) -> StyleRow:
    """Return the style row of a layer table.

    Raises
    ------
    StyleError
        The geometry type has no QGIS symbol or a rule's filter cannot be translated.
    """
    return StyleRow(
        table=name,
        qml=style_to_qml(style, geometry_type=geometry_type),
        sld=style_to_sld(style, geometry_type=geometry_type, name=name),
        title=title,
    )


def _now(timestamp: str | None) -> str:
    if timestamp is not None:
        return timestamp
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _has_table(con: sqlite3.Connection, name: str) -> bool:
    row = con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,))
    return row.fetchone() is not None


def drop_layer_styles(con: sqlite3.Connection, tables: Iterable[str]) -> None:
    """Delete gisdesk's style rows of ``tables`` (rows QGIS users saved under other names stay)."""
    if not _has_table(con, LAYER_STYLES):
        return
    con.executemany(
        'DELETE FROM "layer_styles" WHERE f_table_name = ? AND styleName = ?',
        [(t, t) for t in tables],
    )
    _count(con)


def write_layer_styles(
    con: sqlite3.Connection, rows: Sequence[StyleRow], *, timestamp: str | None = None
) -> None:
    """Insert or replace each table's gisdesk style row, the table's default style in QGIS.

    Creates ``layer_styles`` as QGIS does when it is missing and registers it in
    ``gpkg_contents`` as an attributes table. Runs in the caller's transaction.

    Parameters
    ----------
    con
        A connection to the GeoPackage, inside a transaction the caller commits.
    rows
        The styles to write.
    timestamp
        ``update_time`` and ``last_change`` (ISO 8601); default: now. A fixed stamp gives
        the same bytes for the same content.
    """
    if not rows:
        return
    now = _now(timestamp)
    con.execute(_CREATE)
    geometry_columns = dict(
        con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
    )
    tables = [row.table for row in rows]
    con.executemany(
        'DELETE FROM "layer_styles" WHERE f_table_name = ? AND styleName = ?',
        [(t, t) for t in tables],
    )
    con.executemany(
        'UPDATE "layer_styles" SET useAsDefault = 0 WHERE f_table_name = ?', [(t,) for t in tables]
    )
    con.executemany(
        'INSERT INTO "layer_styles" (f_table_catalog, f_table_schema, f_table_name, '
        "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
        "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, ?, 1, ?, '', NULL, ?)",
        [
            (
                row.table,
                geometry_columns.get(row.table, "geom"),
                row.table,
                row.qml,
                row.sld,
                f"{row.title} — gisdesk {__version__}",
                now,
            )
            for row in rows
        ],
    )
    con.execute(
        "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, "
        "description, last_change) VALUES ('layer_styles', 'attributes', "
        "'layer_styles', '', ?)",
        (now,),
    )
    _count(con)


_USER_COLUMNS = (
    "f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, styleQML, "
    "styleSLD, description, owner, ui, update_time"
)


def copy_user_styles(con: sqlite3.Connection, source: Path, tables: Iterable[str]) -> int:
    """Copy the styles QGIS users saved in ``source`` for ``tables`` into ``con``'s file.

    A project save writes a new file; styles a QGIS user stored in the project under other
    names than gisdesk's (Layer Properties → Style → Save as default / in database) come
    along, as alternatives (not the default: gisdesk's row stays the default). Runs in the
    caller's transaction; returns how many rows were copied. An unreadable source copies none.
    """
    wanted = set(tables)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    except sqlite3.Error:
        return 0
    try:
        if not _has_table(src, LAYER_STYLES):
            return 0
        rows = [
            r
            for r in src.execute(
                f'SELECT {_USER_COLUMNS} FROM "layer_styles" '
                "WHERE styleName IS NOT f_table_name ORDER BY id"
            )
            if r[2] in wanted
        ]
    except sqlite3.Error:
        return 0
    finally:
        src.close()
    if not rows:
        return 0
    con.execute(_CREATE)
    con.executemany(
        f'INSERT INTO "layer_styles" ({_USER_COLUMNS}, useAsDefault) '
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
        rows,
    )
    _count(con)
    return len(rows)


def _count(con: sqlite3.Connection) -> None:
    """Keep GDAL's feature count of ``layer_styles`` right (when the file keeps counts)."""
    if _has_table(con, "gpkg_ogr_contents") and _has_table(con, LAYER_STYLES):
        con.execute(
            "INSERT OR REPLACE INTO gpkg_ogr_contents (table_name, feature_count) "
            "SELECT 'layer_styles', count(*) FROM \"layer_styles\""
        )
