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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from gisdesk.core.editing import GEOMETRY, EditTransaction, FeatureChange
from gisdesk.core.errors import ProjectError

__all__ = [
    "JOURNAL_TABLE",
    "GpkgEditStore",
    "RecoveryReport",
    "copy_journal",
    "decode_value",
    "encode_value",
    "gpkg_blob",
    "pid_alive",
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
    """Writes edit transactions into a project GeoPackage as they are accepted."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        journal = self.path.with_name(self.path.name + "-journal")
        self.rolled_back = journal.exists() and journal.stat().st_size > 0
        try:
            con = sqlite3.connect(self.path, isolation_level=None, timeout=10)
            con.execute("PRAGMA synchronous=FULL")
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()  # rolls back a hot journal
            _register_functions(con)
            con.execute(_JOURNAL_SQL)
            con.execute(
                "CREATE TABLE IF NOT EXISTS gisdesk_project "
                "(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)"
            )
        except sqlite3.DatabaseError as exc:
            raise ProjectError(
                f"无法打开项目文件 {self.path.name} 进行编辑（{exc}）。",
                f"Cannot open the project file {self.path.name} for editing ({exc}).",
            ) from None
        self._con = con
        self._tables: dict[str, _Table] = {}
        self._transformers: dict[tuple[str, int], Transformer] = {}
        self.layer_crs: dict[str, CRS] = {}

    # --- sessions ---------------------------------------------------------------------

    def begin_session(self, user: str) -> RecoveryReport | None:
        """Mark the file as being edited; report a crashed earlier session, if any."""
        report = None
        row = self._con.execute(
            "SELECT value FROM gisdesk_project WHERE key=?", (_SESSION_KEY,)
        ).fetchone()
        if row is not None:
            old = json.loads(row[0])
            crashed = old.get("host") != socket.gethostname() or not pid_alive(
                int(old.get("pid", 0))
            )
            if crashed or int(old.get("pid", 0)) == os.getpid():
                since = int(old.get("since", 0))
                last = self._con.execute(
                    f"SELECT label_zh, label_en, at FROM {JOURNAL_TABLE} WHERE txn >= ? "
                    "ORDER BY txn DESC LIMIT 1",
                    (since,),
                ).fetchone()
                count = self._con.execute(
                    f"SELECT count(DISTINCT txn) FROM {JOURNAL_TABLE} WHERE txn >= ?", (since,)
                ).fetchone()[0]
                if int(old.get("pid", 0)) != os.getpid():
                    report = RecoveryReport(
                        user=str(old.get("user", "")),
                        host=str(old.get("host", "")),
                        started=str(old.get("started", "")),
                        transactions=int(count),
                        last_label_zh=last[0] if last else "",
                        last_label_en=last[1] if last else "",
                        last_at=last[2] if last else "",
                        rolled_back=self.rolled_back,
                    )
        next_txn = self._con.execute(
            f"SELECT coalesce(max(txn), 0) + 1 FROM {JOURNAL_TABLE}"
        ).fetchone()[0]
        marker = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "user": user,
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "since": int(next_txn),
        }
        with self._transaction():
            self._con.execute(
                "INSERT OR REPLACE INTO gisdesk_project (key, value) VALUES (?, ?)",
                (_SESSION_KEY, json.dumps(marker, ensure_ascii=False)),
            )
        return report

    def end_session(self) -> None:
        """Remove this session's marker (a clean close)."""
        with self._transaction():
            self._con.execute("DELETE FROM gisdesk_project WHERE key=?", (_SESSION_KEY,))

    def update_setting(self, name: str, value: Any) -> None:
        """Write one entry of the project settings into the file at once.

        The other entries stay as the file has them (a full save writes them all), so
        records that go with an edit, such as the reason of a status change, are as durable
        as the edit itself.
        """
        try:
            with self._transaction():
                row = self._con.execute(
                    "SELECT value FROM gisdesk_project WHERE key='settings'"
                ).fetchone()
                settings = json.loads(row[0]) if row is not None else {}
                if not isinstance(settings, dict):
                    settings = {}
                settings[name] = value
                self._con.execute(
                    "INSERT OR REPLACE INTO gisdesk_project (key, value) VALUES ('settings', ?)",
                    (json.dumps(settings, ensure_ascii=False, sort_keys=True),),
                )
        except sqlite3.Error as exc:
            raise ProjectError(
                f"项目设置未能写入项目文件（{exc}）。请检查磁盘空间和文件权限。",
                f"The project settings could not be written to the project file ({exc}). "
                "Check disk space and file permissions.",
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

    def apply(self, txn: EditTransaction) -> None:
        """Write the transaction's rows and journal entries in one SQLite transaction."""
        try:
            with self._transaction():
                for seq, change in enumerate(txn.changes):
                    self._write_change(change)
                    self._con.execute(
                        f"INSERT INTO {JOURNAL_TABLE} ({_JOURNAL_COLUMNS}) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            txn.id,
                            seq,
                            txn.at,
                            txn.user,
                            txn.action,
                            txn.target,
                            txn.label_zh,
                            txn.label_en,
                            change.layer,
                            change.fid,
                            change.op,
                            _dump(change.before),
                            _dump(change.after),
                        ),
                    )
        except sqlite3.Error as exc:
            raise ProjectError(
                f"编辑未能写入项目文件，已取消（{exc}）。请检查磁盘空间和文件权限。",
                f"The edit could not be written to the project file and was cancelled "
                f"({exc}). Check disk space and file permissions.",
            ) from None

    def transactions(self) -> list[EditTransaction]:
        """Every recorded transaction, oldest first."""
        rows = self._con.execute(
            f"SELECT {_JOURNAL_COLUMNS} FROM {JOURNAL_TABLE} ORDER BY txn, seq"
        ).fetchall()
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

    def close(self) -> None:
        """Close the connection (the file stays as it is)."""
        with contextlib.suppress(sqlite3.Error):
            self._con.close()

    # --- internals --------------------------------------------------------------------

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self._con.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

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

    def _write_change(self, change: FeatureChange) -> None:
        table = self._table(change.layer)
        name, fid_col = _quote(table.name), _quote(table.fid_col)
        if change.after is None:
            self._con.execute(f"DELETE FROM {name} WHERE {fid_col}=?", (change.fid,))
            return
        row = self._row(table, change.after)
        if change.before is None:
            # idempotent: a retried insert replaces the row it wrote before
            self._con.execute(f"DELETE FROM {name} WHERE {fid_col}=?", (change.fid,))
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
                raise sqlite3.IntegrityError(
                    f"feature {change.fid} of {table.name} is not in the file"
                )


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
