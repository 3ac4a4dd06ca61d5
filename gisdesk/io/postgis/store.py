"""An edit store on a PostGIS server: row versions, conflicts, roles and a retry queue.

:class:`PostgisEditStore` is the :class:`gisdesk.core.editing.EditStore` of the layers a
project opened from one PostGIS schema. Each row carries ``gd_version``; the store remembers
the version it read for every feature and writes an edit as one server transaction in which
every UPDATE and DELETE says ``WHERE fid = %s AND gd_version = %s``. When a row changed (or
went) since it was read, nothing is written and a :class:`~gisdesk.core.errors.ConflictError`
carries the server's row and the user's values, so no one's work is silently overwritten.

The server writes the audit trail itself (a trigger on each table records the login user,
the time, before and after); the client only adds its gisdesk user name and a transaction
token as session settings, which the trigger stores beside (not instead of) the login.

When the connection drops before the server confirms, the server has rolled the transaction
back; the store keeps it in :attr:`PostgisEditStore.pending` and :meth:`retry` writes it
again later. A retry first looks for the transaction's token in the audit table, so an edit
whose COMMIT reached the server just before the line went down is not written twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
import shapely
from psycopg import errors as pg_errors
from psycopg import sql
from shapely.geometry.base import BaseGeometry

from gisdesk.core.editing import GEOMETRY, EditTransaction, FeatureChange
from gisdesk.core.errors import ConflictError, GisdeskError, InputError
from gisdesk.core.layer import Layer
from gisdesk.core.values import plain_value
from gisdesk.io.postgis.profiles import ConnectionProfile, connect
from gisdesk.io.postgis.tables import (
    AUDIT_TABLE,
    LARGE_TABLE_ROWS,
    SRID,
    PostgisLayer,
    TableInfo,
    ViewLimit,
    max_fid,
    open_layer,
    row_count,
    select_rows,
    table_info,
)

if TYPE_CHECKING:
    from gisdesk.core.editing import Editor

__all__ = [
    "EditNotSavedError",
    "PermissionDeniedError",
    "PostgisEditStore",
    "describe_tables",
]

_LOCK_TIMEOUT = "15s"  # a row another client holds locked longer: give up, keep the edit


class PermissionDeniedError(GisdeskError):
    """The server refused an edit because the account may not change the layer."""


class EditNotSavedError(GisdeskError):
    """The server did not confirm an edit; it is kept locally in the retry queue."""

    def __init__(self, zh: str, en: str, *, transaction: EditTransaction) -> None:
        super().__init__(zh, en)
        self.transaction = transaction


@dataclass
class _Pending:
    txn: EditTransaction
    changes: tuple[FeatureChange, ...]
    token: str


class _RowConflict(Exception):  # noqa: N818 - internal signal, turned into ConflictError
    def __init__(self, change: FeatureChange, reason: str) -> None:
        super().__init__(reason)
        self.change = change
        self.reason = reason


def _box(bbox: Iterable[float]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in bbox)
    return (x0, y0, x1, y1)


class PostgisEditStore:
    """Keeps the layers opened from one PostGIS schema and writes their edits there.

    Parameters
    ----------
    profile
        The server, database, user and schema.
    password
        The password (kept in memory only, to reconnect); None takes it from the keyring.
    user
        The gisdesk user name sent with each edit (the server records the login user too).
    """

    def __init__(
        self,
        profile: ConnectionProfile,
        password: str | None = None,
        *,
        connect_timeout: int = 5,
    ) -> None:
        self.profile = profile
        self.schema = profile.schema
        self._password = password
        self._timeout = connect_timeout
        self._conn: psycopg.Connection[Any] | None = None
        self.tables: dict[str, TableInfo] = {}  # layer name -> its table
        self.versions: dict[str, dict[int, int]] = {}  # layer name -> fid -> version read
        self.pending: list[_Pending] = []
        self._done: list[EditTransaction] = []

    # --- connection --------------------------------------------------------------------

    @property
    def connection(self) -> psycopg.Connection[Any]:
        """A live connection (reconnecting after a drop)."""
        if self._conn is None or self._conn.closed or self._conn.broken:
            if self._conn is not None:
                self._conn.close()
            self._conn = connect(
                self.profile, self._password, connect_timeout=self._timeout, autocommit=True
            )
        return self._conn

    @property
    def backend_pid(self) -> int | None:
        """The server process serving this store (None when not connected)."""
        if self._conn is None or self._conn.closed:
            return None
        return int(self._conn.info.backend_pid)

    def close(self) -> None:
        """Close the connection (layers stay open; the next edit reconnects)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # --- layers ------------------------------------------------------------------------

    def handles(self, layer: str) -> bool:
        """Whether this store keeps the given layer."""
        return layer in self.tables

    def open_layer(
        self,
        table: str,
        *,
        name: str | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        view: tuple[float, float, float, float] | None = None,
        large_rows: int = LARGE_TABLE_ROWS,
    ) -> PostgisLayer:
        """Read a table of the schema as a layer this store keeps; remember row versions.

        ``bbox`` (EPSG:4490) reads only the features meeting it. ``view`` (the map view as
        an EPSG:4490 box, see :func:`~gisdesk.io.postgis.tables.view_bbox`) does so only
        when the table is big, more than ``large_rows`` rows by the planner's estimate:
        the layer then records the view limit (``layer.view_limit``) and :meth:`refresh`
        reads it again for a view.
        """
        conn = self.connection
        counted: tuple[int, bool] | None = None
        if bbox is None and view is not None:
            counted = row_count(conn, table_info(conn, self.schema, table))
            if counted[0] > large_rows:
                bbox = view
            else:
                counted = None  # small enough: read whole
        layer, result = open_layer(conn, self.schema, table, name=name, bbox=bbox)
        if counted is not None and bbox is not None:
            total, exact = counted
            layer.set_view_limit(ViewLimit(_box(bbox), len(layer), total, exact))
        self.tables[layer.name] = result.info
        self.versions[layer.name] = dict(
            zip(result.fids.tolist(), result.versions.tolist(), strict=True)
        )
        return layer

    def refresh(
        self,
        layer: Layer,
        *,
        bbox: tuple[float, float, float, float] | None = None,
        view: tuple[float, float, float, float] | None = None,
    ) -> None:
        """Read a layer again from the server: others' edits appear, versions are renewed.

        A view-limited layer (opened for a map view) is read for ``view`` when given, else
        for the box it was read for; its data is replaced by the features meeting it. An
        explicit ``bbox`` reads only the features meeting it (the layer then records it as
        its view limit when it had one).
        """
        info = self._info(layer.name)
        from gisdesk.io.postgis.tables import read_layer

        limit = layer.view_limit if isinstance(layer, PostgisLayer) else None
        if bbox is None and limit is not None:
            bbox = view if view is not None else limit.bbox
        conn = self.connection
        result = read_layer(conn, info.schema, info.table, bbox=bbox, layer_schema=layer.schema)
        self.versions[layer.name] = dict(
            zip(result.fids.tolist(), result.versions.tolist(), strict=True)
        )
        layer.set_data(result.data, fids=result.fids)
        if isinstance(layer, PostgisLayer):
            if bbox is None:
                layer.server_max_fid = int(result.fids.max()) if len(result.fids) else 0
            else:
                layer.server_max_fid = max_fid(conn, info)
            if limit is not None and bbox is not None:
                total, exact = row_count(conn, info)
                layer.set_view_limit(ViewLimit(_box(bbox), len(layer), total, exact))

    def server_feature(self, layer: str, fid: int) -> dict[str, Any] | None:
        """The feature as the server has it now (values and geometry), or None if gone."""
        info = self._info(layer)
        got = select_rows(self.connection, info, fids=[fid])
        if len(got.fids) == 0:
            return None
        row = got.data.iloc[0]
        values = {str(c): plain_value(row[c], finite=False) for c in info.column_names}
        values[GEOMETRY] = got.data.geometry.iloc[0]
        values["gd_version"] = int(got.versions[0])
        return values

    def accept_server_version(self, layer: str, fid: int) -> dict[str, Any] | None:
        """Take the server's current version of a feature as the one read (after a conflict).

        The next edit of the feature then replaces the server's version on purpose.
        Returns the server's values (None when the feature was deleted there).
        """
        current = self.server_feature(layer, fid)
        if current is None:
            self.versions[layer].pop(fid, None)
        else:
            self.versions[layer][fid] = int(current["gd_version"])
        return current

    def _info(self, layer: str) -> TableInfo:
        try:
            return self.tables[layer]
        except KeyError:
            raise InputError(
                f"图层“{layer}”不是从此 PostGIS 连接打开的。",
                f"Layer '{layer}' was not opened from this PostGIS connection.",
            ) from None

    # --- EditStore protocol ------------------------------------------------------------

    def transactions(self) -> list[EditTransaction]:
        """The transactions this store wrote to the server in this session, oldest first."""
        return list(self._done)

    def apply(self, txn: EditTransaction) -> None:
        """Write the changes of this store's layers as one server transaction.

        Changes of layers the store does not keep are left to their own stores.

        Raises
        ------
        ConflictError
            A feature changed or went on the server since it was read; nothing written.
        PermissionDeniedError
            The account may only read; nothing written.
        EditNotSavedError
            The connection failed before the server confirmed; the server rolled back and
            the transaction waits in :attr:`pending` for :meth:`retry`.
        GisdeskError
            The server refused a value; nothing written.
        """
        changes = tuple(c for c in txn.changes if c.layer in self.tables)
        if not changes:
            return
        entry = next((p for p in self.pending if p.changes == changes), None)
        retrying = entry is not None
        if entry is None:
            entry = _Pending(txn, changes, uuid.uuid4().hex)
        try:
            conn = self.connection
        except GisdeskError as exc:  # the server cannot be reached at all
            if not retrying:
                self.pending.append(entry)
            raise self._not_saved_error(entry.txn, exc) from None
        try:
            versions = self._write(conn, entry, check_landed=retrying)
        except _RowConflict as conflict:
            self._drop_pending(entry)
            raise self._conflict_error(conflict) from None
        except pg_errors.InsufficientPrivilege:
            self._drop_pending(entry)
            raise self._permission_error(changes) from None
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            if not retrying:
                self.pending.append(entry)
            raise self._not_saved_error(entry.txn, exc) from None
        except psycopg.Error as exc:
            self._drop_pending(entry)
            raise GisdeskError(
                f"服务器拒绝了修改，未保存：{exc}",
                f"The server refused the edit; nothing was saved: {exc}",
            ) from None
        self._drop_pending(entry)
        for (layer, fid), version in versions.items():
            if version is None:
                self.versions[layer].pop(fid, None)
            else:
                self.versions[layer][fid] = version
        self._done.append(txn)

    def retry(self, editor: Editor | None = None) -> list[EditTransaction]:
        """Write the waiting transactions again, oldest first; return those now saved.

        With an ``editor`` each goes through :meth:`Editor.commit`, so once the server has
        it the project's layers show it too; without one only the server is written (read
        the layers again with :meth:`refresh`). Stops at the first one that fails, which
        raises as :meth:`apply` does and stays queued if the server is still out of reach.
        """
        saved: list[EditTransaction] = []
        for entry in list(self.pending):
            txn = entry.txn
            if editor is not None:
                saved.append(
                    editor.commit(
                        txn.label_zh,
                        txn.label_en,
                        txn.changes,
                        action=txn.action,
                        target=txn.target,
                    )
                )
            else:
                self.apply(txn)
                saved.append(txn)
        return saved

    def _drop_pending(self, entry: _Pending) -> None:
        if entry in self.pending:
            self.pending.remove(entry)

    # --- writing -----------------------------------------------------------------------

    def _write(
        self, conn: psycopg.Connection[Any], entry: _Pending, *, check_landed: bool
    ) -> dict[tuple[str, int], int | None]:
        new_versions: dict[tuple[str, int], int | None] = {}
        with conn.transaction():
            conn.execute(
                "SELECT set_config('gisdesk.user', %s, true), "
                "set_config('gisdesk.txn', %s, true), "
                "set_config('lock_timeout', %s, true)",
                (entry.txn.user or "", entry.token, _LOCK_TIMEOUT),
            )
            if check_landed and self._landed(conn, entry):
                # The COMMIT reached the server before the connection dropped.
                return self._current_versions(conn, entry.changes)
            for change in entry.changes:
                key = (change.layer, change.fid)
                expected = new_versions[key] if key in new_versions else self._known(change)
                new_versions[key] = self._write_change(conn, change, expected)
        return new_versions

    def _landed(self, conn: psycopg.Connection[Any], entry: _Pending) -> bool:
        schemas = {self.tables[c.layer].schema for c in entry.changes}
        for schema in schemas:
            row = conn.execute(
                sql.SQL("SELECT 1 FROM {}.{} WHERE client_txn = %s LIMIT 1").format(
                    sql.Identifier(schema), sql.Identifier(AUDIT_TABLE)
                ),
                (entry.token,),
            ).fetchone()
            if row is not None:
                return True
        return False

    def _current_versions(
        self, conn: psycopg.Connection[Any], changes: Iterable[FeatureChange]
    ) -> dict[tuple[str, int], int | None]:
        out: dict[tuple[str, int], int | None] = {}
        for change in changes:
            info = self.tables[change.layer]
            row = conn.execute(
                sql.SQL("SELECT gd_version FROM {}.{} WHERE fid = %s").format(
                    sql.Identifier(info.schema), sql.Identifier(info.table)
                ),
                (change.fid,),
            ).fetchone()
            out[(change.layer, change.fid)] = None if row is None else int(row[0])
        return out

    def _known(self, change: FeatureChange) -> int | None:
        return self.versions.get(change.layer, {}).get(change.fid)

    def _assignments(
        self, info: TableInfo, change: FeatureChange, values: Mapping[str, Any]
    ) -> tuple[list[sql.Identifier], list[sql.Composable], list[Any]]:
        columns: list[sql.Identifier] = []
        placeholders: list[sql.Composable] = []
        params: list[Any] = []
        known = set(info.column_names)
        for key, value in values.items():
            if key == GEOMETRY:
                if not isinstance(value, BaseGeometry):
                    raise InputError("几何无效。", "The geometry is not valid.")
                columns.append(sql.Identifier("geom"))
                expr = sql.SQL("ST_GeomFromWKB(%s, {})").format(sql.Literal(SRID))
                if info.geometry_type.startswith("MULTI"):
                    expr = sql.SQL("ST_Multi({})").format(expr)
                placeholders.append(expr)
                params.append(shapely.to_wkb(value))
                continue
            if key not in known:
                raise InputError(
                    f"服务器上的图层“{info.label}”没有字段“{key}”。",
                    f"The server's layer '{info.label}' has no field '{key}'.",
                )
            columns.append(sql.Identifier(key))
            placeholders.append(sql.Placeholder())
            params.append(plain_value(value, finite=False))
        return columns, placeholders, params

    def _write_change(
        self, conn: psycopg.Connection[Any], change: FeatureChange, expected: int | None
    ) -> int | None:
        info = self.tables[change.layer]
        table = sql.SQL("{}.{}").format(sql.Identifier(info.schema), sql.Identifier(info.table))
        if change.op == "insert":
            assert change.after is not None
            columns, placeholders, params = self._assignments(info, change, change.after)
            query = sql.SQL(
                "INSERT INTO {} (fid{sep}{cols}) VALUES (%s{sep}{vals}) RETURNING gd_version"
            ).format(
                table,
                sep=sql.SQL(", " if columns else ""),
                cols=sql.SQL(", ").join(columns),
                vals=sql.SQL(", ").join(placeholders),
            )
            try:
                with conn.transaction():  # a savepoint: a clash is reported, not fatal
                    row = conn.execute(query, [change.fid, *params]).fetchone()
            except pg_errors.UniqueViolation:
                raise _RowConflict(change, "exists") from None
            return int(row[0]) if row else None
        if expected is None:
            raise _RowConflict(change, "unknown")
        if change.op == "delete":
            cur = conn.execute(
                sql.SQL("DELETE FROM {} WHERE fid = %s AND gd_version = %s").format(table),
                (change.fid, expected),
            )
            if cur.rowcount != 1:
                raise _RowConflict(change, "changed")
            return None
        assert change.after is not None
        columns, placeholders, params = self._assignments(info, change, change.after)
        if not columns:
            return expected
        sets = sql.SQL(", ").join(
            sql.SQL("{} = {}").format(c, p) for c, p in zip(columns, placeholders, strict=True)
        )
        row = conn.execute(
            sql.SQL(
                "UPDATE {} SET {} WHERE fid = %s AND gd_version = %s RETURNING gd_version"
            ).format(table, sets),
            [*params, change.fid, expected],
        ).fetchone()
        if row is None:
            raise _RowConflict(change, "changed")
        return int(row[0])

    # --- messages ----------------------------------------------------------------------

    def _last_change(self, layer: str, fid: int) -> tuple[str, str] | None:
        info = self.tables[layer]
        try:
            row = self.connection.execute(
                sql.SQL(
                    "SELECT db_user, to_char(at, 'YYYY-MM-DD HH24:MI:SS') FROM {}.{} "
                    "WHERE layer = %s AND fid = %s ORDER BY id DESC LIMIT 1"
                ).format(sql.Identifier(info.schema), sql.Identifier(AUDIT_TABLE)),
                (info.table, fid),
            ).fetchone()
        except psycopg.Error:
            return None
        return (str(row[0]), str(row[1])) if row else None

    def _conflict_error(self, conflict: _RowConflict) -> ConflictError:
        change = conflict.change
        try:
            server = self.server_feature(change.layer, change.fid)
        except (psycopg.Error, GisdeskError):
            server = None
        local = None if change.after is None else dict(change.after)
        who = self._last_change(change.layer, change.fid)
        by_zh = f"（{who[0]} 于 {who[1]}）" if who else ""
        by_en = f" (by {who[0]} at {who[1]})" if who else ""
        title = change.layer
        if conflict.reason == "exists":
            zh = (
                f"图层“{title}”中编号 {change.fid} 的要素已由其他用户添加{by_zh}，"
                "您的新要素未保存。请刷新图层后重新添加。"
            )
            en = (
                f"Another user already added feature #{change.fid} to layer '{title}'{by_en}; "
                "your new feature was not saved. Refresh the layer and add it again."
            )
        elif server is None:
            zh = (
                f"图层“{title}”的要素 #{change.fid} 已被其他用户删除{by_zh}，您的修改未保存。"
                "您的修改内容仍保留，可在刷新后决定是否重新添加。"
            )
            en = (
                f"Feature #{change.fid} of layer '{title}' was deleted by another user{by_en}; "
                "your edit was not saved. Your values are kept: refresh and decide whether "
                "to add it again."
            )
        else:
            zh = (
                f"图层“{title}”的要素 #{change.fid} 在您读取后已被其他用户修改{by_zh}，"
                "您的修改未保存，以免覆盖对方的修改。请比较两个版本，选择保留哪一个。"
            )
            en = (
                f"Feature #{change.fid} of layer '{title}' was changed by another user "
                f"since you read it{by_en}; your edit was not saved so as not to overwrite "
                "theirs. Compare the two versions and choose which to keep."
            )
        return ConflictError(zh, en, layer=change.layer, fid=change.fid, server=server, local=local)

    def _permission_error(self, changes: Iterable[FeatureChange]) -> PermissionDeniedError:
        layers = "、".join(sorted({c.layer for c in changes}))
        return PermissionDeniedError(
            f"您的账户只有只读权限（{self.profile.user}），不能修改图层“{layers}”。"
            "修改未保存；如需编辑，请联系管理员授予编辑权限。",
            f"Your account ({self.profile.user}) has read-only access and cannot change "
            f"layer '{layers}'. Nothing was saved; ask the administrator for editing rights.",
        )

    def _not_saved_error(self, txn: EditTransaction, exc: Exception) -> EditNotSavedError:
        return EditNotSavedError(
            f"与 PostGIS 服务器的连接中断，修改“{txn.label_zh}”未能保存到服务器（服务器已撤回"
            f"未完成的事务）。修改已保留在本机，可稍后重试保存。（{exc}）",
            f"The connection to the PostGIS server was lost and the edit '{txn.label_en}' "
            "was not saved there (the server rolled the unfinished transaction back). It is "
            f"kept on this computer and can be retried. ({exc})",
            transaction=txn,
        )


def describe_tables(profile: ConnectionProfile, password: str | None) -> list[TableInfo]:
    """The gisdesk layers published in the profile's schema."""
    from gisdesk.io.postgis.tables import list_layers

    with connect(profile, password, autocommit=True) as conn:
        return list_layers(conn, profile.schema)
