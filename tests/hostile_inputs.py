"""A corpus of bad input for gisdesk: empty layers, damaged state, broken files.

Each function makes a copy of a project (normally the Haimen sample) with one thing wrong,
the way a user or another program could leave it. The CLI tests (tests/cli) and the window
tests (tests/ui) feed them to gisdesk and require a clear message, never a traceback.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

__all__ = [
    "BROKEN_FILES",
    "broken_file",
    "damage_metadata",
    "damage_settings",
    "damage_style",
    "empty_layer",
    "set_geometry",
    "set_value",
]

BROKEN_FILES = ("text", "empty", "truncated", "sqlite-not-gpkg", "missing", "folder")
"""Kinds of file that are not a readable project (see :func:`broken_file`)."""


def _copy(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    return target


def _not_for_geometry(*_args: object) -> object:
    raise sqlite3.OperationalError("hostile_inputs changes attributes only, not geometries")


def _execute(path: Path, sql: str, params: tuple[object, ...] = ()) -> None:
    con = sqlite3.connect(path)
    # The GeoPackage spatial-index triggers name these SpatiaLite functions; SQLite wants
    # them to exist to prepare any UPDATE of the table, though they run only when a
    # geometry changes (which these helpers never do).
    for name in ("ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):
        con.create_function(name, 1, _not_for_geometry)
    try:
        with con:
            con.execute(sql, params)
    finally:
        con.close()


def empty_layer(source: Path, target: Path, layer: str) -> Path:
    """Copy ``source`` to ``target`` with every feature of ``layer`` deleted (table kept)."""
    _copy(source, target)
    _execute(target, f'DELETE FROM "{layer}"')
    return target


def damage_settings(source: Path, target: Path, *, key: str = "settings") -> Path:
    """Copy with one ``gisdesk_project`` entry cut off mid-JSON (as a torn hand edit)."""
    _copy(source, target)
    _execute(
        target,
        "UPDATE gisdesk_project SET value = ? WHERE key = ?",
        ('{"language": "zh", "sample": {"sc', key),
    )
    return target


def damage_style(source: Path, target: Path, layer: str, *, text: str = '{"classes": [') -> Path:
    """Copy with a layer's stored style replaced by ``text`` (damaged JSON by default)."""
    _copy(source, target)
    _execute(target, "UPDATE gisdesk_layers SET style = ? WHERE name = ?", (text, layer))
    return target


def damage_metadata(source: Path, target: Path, layer: str) -> Path:
    """Copy with a layer's metadata JSON damaged."""
    _copy(source, target)
    _execute(target, "UPDATE gisdesk_layers SET metadata = '[1, 2' WHERE name = ?", (layer,))
    return target


def set_value(source: Path, target: Path, layer: str, column: str, value: object) -> Path:
    """Copy with ``column`` of the first feature of ``layer`` set to ``value`` (e.g. inf)."""
    _copy(source, target)
    _execute(
        target,
        f'UPDATE "{layer}" SET "{column}" = ? WHERE fid = (SELECT min(fid) FROM "{layer}")',
        (value,),
    )
    return target


def broken_file(source: Path, folder: Path, kind: str) -> Path:
    """Return a path in ``folder`` that is not a readable project, of the given kind.

    text: a text file named .gpkg; empty: 0 bytes; truncated: the first 100 kB of a real
    project; sqlite-not-gpkg: an SQLite database without GeoPackage tables; missing: no file
    at all; folder: a directory named .gpkg.
    """
    path = folder / f"broken-{kind}.gpkg"
    if kind == "text":
        path.write_text("这不是项目文件 / not a project\n", encoding="utf-8")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        path.write_bytes(source.read_bytes()[:100_000])
    elif kind == "sqlite-not-gpkg":
        _execute(path, "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    elif kind == "folder":
        path.mkdir()
    elif kind != "missing":
        raise ValueError(f"unknown kind {kind!r}")
    return path


def set_geometry(source: Path, target: Path, layer: str, geometry: object) -> Path:
    """Save a copy whose first feature of ``layer`` has ``geometry`` (EPSG:4490 lon/lat).

    Goes through gisdesk's own open and save, as an import or another program would leave
    the file, so the GeoPackage stays consistent (spatial index, extents).
    """
    import numpy as np

    from gisdesk.io.project_store import open_project, save_project

    project = open_project(source)
    target_layer = project.layer(layer)
    data = target_layer.data.copy()
    geoms = np.asarray(data.geometry.values, dtype=object).copy()
    geoms[0] = geometry
    data[data.geometry.name] = geoms
    target_layer.set_data(data, fids=target_layer.fids)
    save_project(project, target)
    return target
