"""Continuous save: every accepted edit goes into the project GeoPackage at once.

:class:`GpkgEditStore` is the :class:`~gisdesk.core.editing.EditStore` of a project file.
Each transaction is one SQLite transaction (rollback journal, ``synchronous=FULL``): the
feature rows change and the journal table ``gisdesk_edits`` gets one row per changed feature
(who, when, layer, feature id, before / after values as JSON). A kill or power cut during a
write leaves SQLite's hot journal, which rolls the half-written transaction back on the next
open; a committed transaction is on disk before :meth:`apply` returns.

``gisdesk_edits`` is the audit trail and the undo history at once (undo and redo are recorded
as transactions of their own). A marker row in ``gisdesk_project`` says that a session is
editing the file; a clean close removes it, so a marker left by a process that no longer
exists means that session ended in a crash, and :meth:`GpkgEditStore.begin_session` reports
what that session had saved.

The GeoPackage R-tree triggers call ``ST_IsEmpty``/``ST_MinX``...; plain SQLite lacks them,
so the store registers them, reading the envelope from the geometry blob header.

Why one module (over 700 lines): everything here reads or writes the same tables through one
SQLite connection (feature rows, journal rows, the session marker, recovery), and the
transaction protocol that keeps a crash from losing an acknowledged edit is checked best when
it is read in one place; the JSON value and geometry-blob encoders are its private formats.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import os
import socket
import sqlite3
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from gisdesk.core.editing import GEOMETRY, EditTransaction, FeatureChange
from gisdesk.core.errors import GisdeskError, ProjectError
from gisdesk.io.project_lock import ProjectLock
from gisdesk.io.project_state import stored_settings

__all__ = [
    "JOURNAL_TABLE",
    "GpkgEditStore",
    "RecoveryReport",
    "copy_journal",
    "decode_value",
    "encode_value",
    "gpkg_blob",
    "note_rolled_back",
    "pid_alive",
    "read_transactions",
]

JOURNAL_TABLE = "gisdesk_edits"
_SESSION_KEY = "edit_session"
_JOURNAL_SQL = (
    f"CREATE TABLE IF NOT EXISTS {JOURNAL_TABLE} ("
    "txn INTEGER NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, user TEXT NOT NULL, "
    "action TEXT NOT NULL, target INTEGER, label_zh TEXT NOT NULL, label_en TEXT NOT NULL, "
    "layer TEXT NOT NULL, fid INTEGER NOT NULL, op TEXT NOT NULL, before TEXT, after TEXT, "
    "PRIMARY KEY (txn, seq))"
)
_JOURNAL_COLUMNS = (
    "txn, seq, at, user, action, target, label_zh, label_en, layer, fid, op, before, after"
)
_SQL_TYPES = {"int": "INTEGER", "float": "REAL", "str": "TEXT", "bool": "BOOLEAN", "date": "DATE"}
"""Column types of fields added by :meth:`GpkgEditStore.add_field` (as GDAL writes them)."""


# --- values as JSON --------------------------------------------------------------------


def encode_value(value: Any) -> Any:
    """A value as JSON-ready data (geometries as WKB, dates as ISO text), losslessly."""
    if isinstance(value, BaseGeometry):
        return {"$wkb": base64.b64encode(shapely.to_wkb(value, flavor="iso")).decode("ascii")}
    if isinstance(value, dt.datetime | dt.date):
        return {"$date": value.isoformat()}
    return value


def decode_value(value: Any) -> Any:
    """The inverse of :func:`encode_value`."""
    if isinstance(value, dict):
        if "$wkb" in value:
            return shapely.from_wkb(base64.b64decode(value["$wkb"]))
        if "$date" in value:
            return dt.datetime.fromisoformat(value["$date"])
    return value


def _dump(values: Mapping[str, Any] | None) -> str | None:
    if values is None:
        return None
    return json.dumps(
        {k: encode_value(v) for k, v in values.items()}, ensure_ascii=False, sort_keys=True
    )


def _load(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    return {k: decode_value(v) for k, v in json.loads(text).items()}


# --- GeoPackage geometry blobs ---------------------------------------------------------


def gpkg_blob(geom: BaseGeometry | None, srs_id: int) -> bytes | None:
    """Encode a geometry as a GeoPackage binary (header with envelope + ISO WKB)."""
    if geom is None:
        return None
    if geom.is_empty:
        flags = 0b0001_0001  # little endian, no envelope, empty
        return b"GP\x00" + bytes([flags]) + struct.pack("<i", srs_id) + bytes(shapely.to_wkb(geom))
    if geom.geom_type == "Point":
        header = b"GP\x00" + bytes([0b0000_0001]) + struct.pack("<i", srs_id)
    else:
        minx, miny, maxx, maxy = geom.bounds
        header = (
            b"GP\x00"
            + bytes([0b0000_0011])
            + struct.pack("<i", srs_id)
            + struct.pack("<4d", minx, maxx, miny, maxy)
        )
    return header + bytes(shapely.to_wkb(geom, flavor="iso", byte_order=1))


_ENVELOPE_DOUBLES = {0: 0, 1: 4, 2: 6, 3: 6, 4: 8}


def _blob_envelope(blob: bytes | None) -> tuple[float, float, float, float] | None:
    """Return (minx, maxx, miny, maxy) of a GeoPackage blob, or None when empty/NULL."""
    if blob is None or len(blob) < 8 or blob[:2] != b"GP":
        return None
    flags = blob[3]
    if flags & 0b0001_0000:
        return None
    order = "<" if flags & 1 else ">"
    kind = (flags >> 1) & 0b111
    n = _ENVELOPE_DOUBLES.get(kind, 0)
    if n:
        env = struct.unpack(order + "4d", blob[8 : 8 + 32])
        return env[0], env[1], env[2], env[3]
    geom = shapely.from_wkb(bytes(blob[8:]))
    if geom.is_empty:
        return None
    minx, miny, maxx, maxy = geom.bounds
    return minx, maxx, miny, maxy


def _st_function(index: int) -> Any:
    def fn(blob: bytes | None) -> float | None:
        env = _blob_envelope(blob)
        return None if env is None else env[index]

    return fn


def _register_functions(con: sqlite3.Connection) -> None:
    con.create_function("ST_IsEmpty", 1, lambda b: 1 if _blob_envelope(b) is None else 0)
    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        con.create_function(name, 1, _st_function(i))


# --- the store -------------------------------------------------------------------------


@dataclass(frozen=True)
class RecoveryReport:
    """What an earlier session that ended in a crash had saved."""

    user: str
    host: str
    started: str
    transactions: int
    last_label_zh: str
    last_label_en: str
    last_at: str
    rolled_back: bool  # a write was cut off mid-way and SQLite undid it

    def message(self, language: str = "zh") -> str:
        """A sentence for the user."""
        if language == "zh":
            text = (
                f"上次编辑会话（{self.user}，开始于 {self.started[:19].replace('T', ' ')}）"
                f"未正常结束。该会话已确认的 {self.transactions} 项编辑都已保存在项目中"
            )
            if self.transactions:
                text += (
                    f"，最后一项：“{self.last_label_zh}”（{self.last_at[:19].replace('T', ' ')}）"
                )
            text += "。"
            if self.rolled_back:
                text += "中断时正在写入的那一项未完成，已撤回，文件完好。"
            return text
        text = (
            f"The previous editing session ({self.user}, started "
            f"{self.started[:19].replace('T', ' ')}) did not end normally. All "
            f"{self.transactions} edits it accepted are in the project"
        )
        if self.transactions:
            text += f"; the last was '{self.last_label_en}' at {self.last_at[:19]}"
        text += "."
        if self.rolled_back:
            text += " The write interrupted by the crash was incomplete and was undone; "
            text += "the file is intact."
        return text


@dataclass(frozen=True)
class _Table:
    name: str
    geom_col: str | None
    srs_id: int
    fid_col: str
    columns: dict[str, str]  # name -> declared type (upper case)


_ROLLED_BACK: set[str] = set()


def note_rolled_back(path: str | os.PathLike[str]) -> None:
    """Record that opening rolled back a write a crash cut off (for the recovery report)."""
    _ROLLED_BACK.add(os.path.realpath(path))


def _take_rolled_back(path: Path) -> bool:
    real = os.path.realpath(path)
    if real in _ROLLED_BACK:
        _ROLLED_BACK.discard(real)
        return True
    return False


def pid_alive(pid: int) -> bool:
    """Whether a process of this machine is still running (True when the OS cannot tell)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class GpkgEditStore:
    """Writes edit transactions into a project GeoPackage as they are accepted.

    Creating the store and reading from it write nothing: the journal table, the session
    marker and the rows go into the file with the first edit, in that edit's transaction.
    Every write holds the project's lock: ``lock`` when the caller holds it (the window
    holds its project's lock while the project is open), otherwise the store takes the
    lock at its first write and keeps it until :meth:`close`.

    New feature ids and transaction numbers are taken inside the write transaction, above
    everything the file has used (its rows, the table's AUTOINCREMENT counter and its
    journal), so ids never collide and are never reused, whatever another program wrote
    since the layer was read; :meth:`apply` returns the transaction as stored.
    """

    def __init__(self, path: str | os.PathLike[str], *, lock: ProjectLock | None = None) -> None:
        self.path = Path(path)
        journal = self.path.with_name(self.path.name + "-journal")
        self.rolled_back = journal.exists() and journal.stat().st_size > 0
        self.rolled_back = _take_rolled_back(self.path) or self.rolled_back
        try:
            con = sqlite3.connect(self.path, isolation_level=None, timeout=10)
            con.execute("PRAGMA synchronous=FULL")
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()  # rolls back a hot journal
            _register_functions(con)
        except sqlite3.DatabaseError as exc:
            raise ProjectError(
                f"无法打开项目文件 {self.path.name} 进行编辑（{exc}）。",
                f"Cannot open the project file {self.path.name} for editing ({exc}).",
            ) from None
        self._con = con
        self._lock = lock
        self._own_lock: ProjectLock | None = None
        self._closed = False
        self._user = ""
        self._marker: dict[str, Any] | None = None  # this session's marker, once written
        self._tables: dict[str, _Table] = {}
        self._transformers: dict[tuple[str, int], Transformer] = {}
        self.layer_crs: dict[str, CRS] = {}

    # --- sessions ---------------------------------------------------------------------

    def begin_session(self, user: str) -> RecoveryReport | None:
        """Start a session (its marker is written with its first edit); report a crash.

        A marker left by another process that no longer runs (or by anyone, when this
        store holds the project's lock: the lock admits one writer) means that session
        ended in a crash; the report says what it had saved, and the marker is removed.
        """
        self._user = user
        if not self._has_table("gisdesk_project"):
            return None
        row = self._con.execute(
            "SELECT value FROM gisdesk_project WHERE key=?", (_SESSION_KEY,)
        ).fetchone()
        if row is None:
            return None
        old = json.loads(row[0])
        pid = int(old.get("pid", 0))
        if pid == os.getpid():
            return None
        crashed = (
            self._holds_lock() or old.get("host") != socket.gethostname() or not pid_alive(pid)
        )
        if not crashed:
            return None
        since = int(old.get("since", 0))
        last = count = None
        if self._has_table(JOURNAL_TABLE):
            last = self._con.execute(
                f"SELECT label_zh, label_en, at FROM {JOURNAL_TABLE} WHERE txn >= ? "
                "ORDER BY txn DESC LIMIT 1",
                (since,),
            ).fetchone()
            count = self._con.execute(
                f"SELECT count(DISTINCT txn) FROM {JOURNAL_TABLE} WHERE txn >= ?", (since,)
            ).fetchone()[0]
        report = RecoveryReport(
            user=str(old.get("user", "")),
            host=str(old.get("host", "")),
            started=str(old.get("started", "")),
            transactions=int(count or 0),
            last_label_zh=last[0] if last else "",
            last_label_en=last[1] if last else "",
            last_at=last[2] if last else "",
            rolled_back=self.rolled_back,
        )
        # the crashed session is over: its marker goes, so the next opening is quiet
        with contextlib.suppress(GisdeskError, sqlite3.Error), self._writing(marker=False):
            self._con.execute(
                "DELETE FROM gisdesk_project WHERE key=? AND value=?", (_SESSION_KEY, row[0])
            )
        return report

    def end_session(self) -> None:
        """Remove this session's marker (a clean close); nothing to do if it never edited."""
        if self._marker is None or self._closed:
            return
        with self._writing(marker=False):
            self._con.execute("DELETE FROM gisdesk_project WHERE key=?", (_SESSION_KEY,))
        self._marker = None

    def update_setting(self, name: str, value: Any) -> None:
        """Write one entry of the project settings into the file at once.

        The other entries stay as the file has them (a full save writes them all), so
        records that go with an edit, such as the reason of a status change, are as durable
        as the edit itself.
        """
        try:
            with self._writing():
                row = self._con.execute(
                    "SELECT value FROM gisdesk_project WHERE key='settings'"
                ).fetchone()
                settings = stored_settings(None if row is None else row[0])
                settings[name] = value
                self._con.execute(
                    "INSERT OR REPLACE INTO gisdesk_project (key, value) VALUES ('settings', ?)",
                    (json.dumps(settings, ensure_ascii=False, sort_keys=True),),
                )
        except sqlite3.Error as exc:
            raise _write_error(
                exc,
                "项目设置未能写入项目文件",
                "The project settings could not be written to the project file",
            ) from None

    # --- EditStore --------------------------------------------------------------------

    def has_table(self, layer: str) -> bool:
        """Whether the file has a feature table for the layer."""
        return (
            self._con.execute(
                "SELECT 1 FROM gpkg_contents WHERE table_name=? AND data_type='features'",
                (layer,),
            ).fetchone()
            is not None
        )

    def has_field(self, layer: str, name: str) -> bool:
        """Whether the file's table of the layer has a column of that name.

        Raises
        ------
        ProjectError
            The file has no table for the layer yet (it was added since the last save).
        """
        return name in self._table(layer).columns

    def add_field(self, layer: str, name: str, kind: str) -> None:
        """Add an empty column (``int``, ``float``, ``str``, ``bool`` or ``date``) to the
        layer's table, in one transaction under the lock (GeoPackage column types).

        Raises
        ------
        ProjectError
            No table for the layer, a column of that name exists, or the write failed.
        """
        table = self._table(layer)
        sql_type = _SQL_TYPES.get(kind)
        if sql_type is None or name in table.columns or name == table.geom_col:
            raise ProjectError(
                f"不能在项目文件的图层“{layer}”中添加字段“{name}”（{kind}）。",
                f"Field '{name}' ({kind}) cannot be added to layer '{layer}' in the project file.",
            )
        self._alter(
            table,
            f"ADD COLUMN {_quote(name)} {sql_type}",
            ("字段未能添加到项目文件", "The field could not be added to the project file"),
        )

    def drop_field(self, layer: str, name: str) -> None:
        """Remove a column whose values are all empty from the layer's table (one transaction).

        Raises
        ------
        ProjectError
            No such column, it is the id or geometry column, it still holds values, or the
            write failed; the file is then unchanged.
        """
        table = self._table(layer)
        if name not in table.columns or name in (table.fid_col, table.geom_col):
            raise ProjectError(
                f"项目文件的图层“{layer}”没有可删除的字段“{name}”。",
                f"Layer '{layer}' in the project file has no field '{name}' to remove.",
            )
        held = self._con.execute(
            f"SELECT 1 FROM {_quote(table.name)} WHERE {_quote(name)} IS NOT NULL LIMIT 1"
        ).fetchone()
        if held is not None:
            raise ProjectError(
                f"项目文件中图层“{layer}”的字段“{name}”还有值，未删除。",
                f"Field '{name}' of layer '{layer}' in the project file still holds values; "
                "it was not removed.",
            )
        self._alter(
            table,
            f"DROP COLUMN {_quote(name)}",
            ("字段未能从项目文件中删除", "The field could not be removed from the project file"),
        )

    def _alter(self, table: _Table, clause: str, what: tuple[str, str]) -> None:
        try:
            with self._writing():
                self._con.execute(f"ALTER TABLE {_quote(table.name)} {clause}")
        except sqlite3.Error as exc:
            raise _write_error(exc, *what) from None
        finally:
            self._tables.pop(table.name, None)  # read the columns again at the next use

    def apply(self, txn: EditTransaction) -> EditTransaction:
        """Write the transaction's rows and journal entries in one SQLite transaction.

        Returns the transaction as stored: its number and the ids of new features are
        taken here, inside the write (see the class documentation).
        """
        try:
            with self._writing():
                stored = self._allocate(txn)
                for seq, change in enumerate(stored.changes):
                    self._write_change(change, restore=stored.action != "edit")
                    self._con.execute(
                        f"INSERT INTO {JOURNAL_TABLE} ({_JOURNAL_COLUMNS}) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            stored.id,
                            seq,
                            stored.at,
                            stored.user,
                            stored.action,
                            stored.target,
                            stored.label_zh,
                            stored.label_en,
                            change.layer,
                            change.fid,
                            change.op,
                            _dump(change.before),
                            _dump(change.after),
                        ),
                    )
        except sqlite3.Error as exc:
            raise _write_error(
                exc,
                "编辑未能写入项目文件，已取消",
                "The edit could not be written to the project file and was cancelled",
            ) from None
        return stored

    def transactions(self) -> list[EditTransaction]:
        """Every recorded transaction, oldest first."""
        if not self._has_table(JOURNAL_TABLE):
            return []
        rows = self._con.execute(
            f"SELECT {_JOURNAL_COLUMNS} FROM {JOURNAL_TABLE} ORDER BY txn, seq"
        ).fetchall()
        return _group_transactions(rows)

    def fid_floor(self, layer: str) -> int:
        """The highest feature id the layer's table or the journal has ever used."""
        return self._fid_floor(layer)

    def close(self) -> None:
        """Close the connection (the file stays as it is) and give up a lock it took."""
        self._closed = True
        with contextlib.suppress(sqlite3.Error):
            self._con.close()
        if self._own_lock is not None:
            self._own_lock.release()
            self._own_lock = None

    # --- internals --------------------------------------------------------------------

    def _has_table(self, name: str) -> bool:
        return (
            self._con.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)
            ).fetchone()
            is not None
        )

    def _holds_lock(self) -> bool:
        return (self._lock is not None and self._lock.held) or self._own_lock is not None

    def _hold_lock(self) -> None:
        if self._closed:
            raise ProjectError(
                f"编辑未能写入项目文件 {self.path.name}：编辑存储已关闭。",
                f"The edit could not be written to the project file {self.path.name}: the "
                "edit store is closed.",
            )
        if self._lock is not None:
            if not self._lock.held:
                raise ProjectError(
                    f"编辑未能写入项目文件 {self.path.name}：已不再持有项目锁。",
                    f"The edit could not be written to the project file {self.path.name}: "
                    "the project's lock is no longer held.",
                )
            return
        if self._own_lock is None:
            self._own_lock = ProjectLock(self.path).acquire(purpose="edit", user=self._user or None)

    @contextlib.contextmanager
    def _writing(self, *, marker: bool = True) -> Iterator[None]:
        """One write transaction, under the lock, with the journal table and the marker."""
        self._hold_lock()
        self._con.execute("BEGIN IMMEDIATE")
        written = None
        try:
            self._con.execute(_JOURNAL_SQL)
            self._con.execute(
                "CREATE TABLE IF NOT EXISTS gisdesk_project "
                "(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)"
            )
            if marker and self._marker is None:
                written = self._write_marker()
            yield
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")
        if written is not None:
            self._marker = written

    def _write_marker(self) -> dict[str, Any]:
        next_txn = self._con.execute(
            f"SELECT coalesce(max(txn), 0) + 1 FROM {JOURNAL_TABLE}"
        ).fetchone()[0]
        marker = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "user": self._user,
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "since": int(next_txn),
        }
        self._con.execute(
            "INSERT OR REPLACE INTO gisdesk_project (key, value) VALUES (?, ?)",
            (_SESSION_KEY, json.dumps(marker, ensure_ascii=False)),
        )
        return marker

    def _fid_floor(self, layer: str) -> int:
        table = self._table(layer)
        name, fid_col = _quote(table.name), _quote(table.fid_col)
        highest = int(
            self._con.execute(f"SELECT coalesce(max({fid_col}), 0) FROM {name}").fetchone()[0]
        )
        with contextlib.suppress(sqlite3.OperationalError):  # no AUTOINCREMENT table in the file
            row = self._con.execute(
                "SELECT seq FROM sqlite_sequence WHERE name=?", (table.name,)
            ).fetchone()
            if row is not None and row[0] is not None:
                highest = max(highest, int(row[0]))
        if self._has_table(JOURNAL_TABLE):
            row = self._con.execute(
                f"SELECT max(fid) FROM {JOURNAL_TABLE} WHERE layer=?", (layer,)
            ).fetchone()
            if row is not None and row[0] is not None:
                highest = max(highest, int(row[0]))
        return highest

    def _allocate(self, txn: EditTransaction) -> EditTransaction:
        """The transaction with its number and new feature ids taken from the file."""
        last = self._con.execute(f"SELECT coalesce(max(txn), 0) FROM {JOURNAL_TABLE}").fetchone()[0]
        number = txn.id if txn.id > int(last) else int(last) + 1
        if txn.action != "edit":  # undo and redo restore the very features they name
            return replace(txn, id=number)
        floors: dict[str, int] = {}
        changes = []
        for change in txn.changes:
            if change.op != "insert":
                changes.append(change)
                continue
            if change.layer not in floors:
                floors[change.layer] = self._fid_floor(change.layer)
            fid = max(change.fid, floors[change.layer] + 1)
            floors[change.layer] = fid
            changes.append(replace(change, fid=fid))
        return replace(txn, id=number, changes=tuple(changes))

    def _table(self, name: str) -> _Table:
        if name in self._tables:
            return self._tables[name]
        if not self.has_table(name):
            raise ProjectError(
                f"项目文件中还没有图层“{name}”的数据表：请先保存项目。",
                f"The project file has no table for layer '{name}' yet: save the project first.",
            )
        info = self._con.execute(f"PRAGMA table_info({_quote(name)})").fetchall()
        columns = {r[1]: str(r[2]).upper() for r in info}
        fid_col = next((r[1] for r in info if r[5] == 1), "fid")
        geom = self._con.execute(
            "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name=?", (name,)
        ).fetchone()
        table = _Table(
            name, geom[0] if geom else None, int(geom[1]) if geom else 0, fid_col, columns
        )
        self._tables[name] = table
        return table

    def _geometry(self, table: _Table, geom: BaseGeometry | None) -> bytes | None:
        if geom is None:
            return None
        crs = self.layer_crs.get(table.name)
        if crs is not None and table.srs_id > 0 and crs.to_epsg() != table.srs_id:
            key = (table.name, table.srs_id)
            if key not in self._transformers:
                self._transformers[key] = Transformer.from_crs(
                    crs, CRS.from_epsg(table.srs_id), always_xy=True
                )
            geom = shapely.transform(geom, lambda xy: _transform_xy(self._transformers[key], xy))
        return gpkg_blob(geom, table.srs_id)

    def _sql_value(self, table: _Table, column: str, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, dt.datetime | dt.date):
            if table.columns.get(column) == "DATE":
                return value.strftime("%Y-%m-%d")
            if isinstance(value, dt.datetime):
                # as GDAL writes naive datetimes: no zone, milliseconds only when present
                text = value.strftime("%Y-%m-%dT%H:%M:%S")
                return text + (f".{value.microsecond // 1000:03d}" if value.microsecond else "")
            return value.isoformat()
        return value

    def _row(self, table: _Table, values: Mapping[str, Any]) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for key, value in values.items():
            if key == GEOMETRY:
                if table.geom_col is not None:
                    row[table.geom_col] = self._geometry(table, value)
                continue
            column = "fid_" if key == table.fid_col else key
            if column not in table.columns:
                raise ProjectError(
                    f"项目文件中图层“{table.name}”没有字段“{key}”：请先保存项目。",
                    f"Layer '{table.name}' in the project file has no field '{key}': "
                    "save the project first.",
                )
            row[column] = self._sql_value(table, column, value)
        return row

    def _write_change(self, change: FeatureChange, *, restore: bool) -> None:
        table = self._table(change.layer)
        name, fid_col = _quote(table.name), _quote(table.fid_col)
        if change.after is None:
            self._con.execute(f"DELETE FROM {name} WHERE {fid_col}=?", (change.fid,))
            return
        row = self._row(table, change.after)
        if change.before is None:
            taken = self._con.execute(
                f"SELECT 1 FROM {name} WHERE {fid_col}=?", (change.fid,)
            ).fetchone()
            if taken is not None:  # only a restore can meet this: ids are never reused
                what = "撤销/重做要恢复的" if restore else "新"
                raise ProjectError(
                    f"{what}要素编号 {change.fid}（图层“{table.name}”）在项目文件中已被占用，"
                    "编辑已取消，文件未改动。请重新打开项目。",
                    f"Feature id {change.fid} of layer '{table.name}' is already taken in the "
                    "project file; the edit was cancelled and the file is unchanged. Reopen "
                    "the project.",
                )
            cols = [table.fid_col, *row]
            self._con.execute(
                f"INSERT INTO {name} ({', '.join(_quote(c) for c in cols)}) "
                f"VALUES ({', '.join('?' * len(cols))})",
                (change.fid, *row.values()),
            )
            return
        if row:
            assignments = ", ".join(f"{_quote(c)}=?" for c in row)
            cur = self._con.execute(
                f"UPDATE {name} SET {assignments} WHERE {fid_col}=?", (*row.values(), change.fid)
            )
            if cur.rowcount != 1:
                raise ProjectError(
                    f"要素 {change.fid}（图层“{table.name}”）已不在项目文件中，编辑已取消。"
                    "请重新打开项目。",
                    f"Feature {change.fid} of layer '{table.name}' is no longer in the project "
                    "file; the edit was cancelled. Reopen the project.",
                )


_SQLITE_FULL = 13
_SQLITE_READONLY = 8
_SQLITE_BUSY = 5
_SQLITE_CONSTRAINT = 19


def _write_error(exc: sqlite3.Error, zh: str, en: str) -> ProjectError:
    """A ProjectError saying why SQLite refused a write, in words for the user."""
    code = int(getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    if code == _SQLITE_FULL:
        why = (
            "磁盘已满，文件未改动。请腾出空间后重试",
            "the disk is full; the file is unchanged. Free some space and try again",
        )
    elif code == _SQLITE_READONLY:
        why = ("文件或所在文件夹只读", "the file or its folder is read-only")
    elif code == _SQLITE_BUSY:
        why = (
            "另一个程序正在写入该文件，请稍后再试",
            "another program is writing the file; try again in a moment",
        )
    elif code == _SQLITE_CONSTRAINT:
        why = (
            f"与文件中的数据冲突（{exc}），文件未改动。请重新打开项目",
            f"it conflicts with data in the file ({exc}); the file is unchanged; reopen it",
        )
    else:
        why = (f"{exc}。请检查磁盘空间和文件权限", f"{exc}. Check disk space and file permissions")
    return ProjectError(f"{zh}：{why[0]}。", f"{en}: {why[1]}.")


def _transform_xy(transformer: Transformer, xy: Any) -> Any:
    import numpy as np

    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _transaction_from_rows(rows: list[Any]) -> EditTransaction:
    first = rows[0]
    return EditTransaction(
        id=int(first[0]),
        at=first[2],
        user=first[3],
        action=first[4],
        target=first[5],
        label_zh=first[6],
        label_en=first[7],
        changes=tuple(FeatureChange(r[8], int(r[9]), _load(r[11]), _load(r[12])) for r in rows),
    )


def read_transactions(path: str | os.PathLike[str]) -> list[EditTransaction]:
    """Every transaction in a project file's journal, read without writing anything."""
    con = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    try:
        has = con.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (JOURNAL_TABLE,)
        ).fetchone()
        if has is None:
            return []
        rows = con.execute(
            f"SELECT {_JOURNAL_COLUMNS} FROM {JOURNAL_TABLE} ORDER BY txn, seq"
        ).fetchall()
    finally:
        con.close()
    return _group_transactions(rows)


def _group_transactions(rows: list[Any]) -> list[EditTransaction]:
    out: list[EditTransaction] = []
    current: list[Any] = []
    for row in rows:
        if current and current[-1][0] != row[0]:
            out.append(_transaction_from_rows(current))
            current = []
        current.append(row)
    if current:
        out.append(_transaction_from_rows(current))
    return out


def copy_journal(con: sqlite3.Connection, source: Path) -> None:
    """Copy the edit journal of ``source`` into the database of ``con`` (inside its txn)."""
    con.execute(_JOURNAL_SQL)
    if not source.is_file():
        return
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    except sqlite3.Error:
        return
    try:
        has = src.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (JOURNAL_TABLE,)
        ).fetchone()
        if has is None:
            return
        rows = src.execute(f"SELECT {_JOURNAL_COLUMNS} FROM {JOURNAL_TABLE}").fetchall()
    except sqlite3.Error:
        return
    finally:
        src.close()
    con.executemany(
        f"INSERT INTO {JOURNAL_TABLE} ({_JOURNAL_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
