"""Publish gisdesk layers to a PostGIS schema: the workspace, the tables and their triggers.

:func:`ensure_workspace` creates the schema's metadata and audit tables and the trigger
functions; :func:`publish_layer` writes one layer as a table (columns typed from its schema,
a GiST index, the row-version and audit triggers) and records it in ``gisdesk_layers``. The
table layout is described in :mod:`gisdesk.io.postgis.tables`, which reads the tables back.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from psycopg import sql

from gisdesk.core.crs import STORAGE_CRS
from gisdesk.core.errors import CRSError, InputError
from gisdesk.core.expressions import column_kind
from gisdesk.core.layer import Layer
from gisdesk.core.values import local_times, plain_value
from gisdesk.io.postgis.tables import (
    AUDIT_TABLE,
    FID_COLUMN,
    GEOM_COLUMN,
    LAYERS_TABLE,
    RESERVED_COLUMNS,
    SRID,
    TableInfo,
    checked_name,
    qualified_name,
    table_info,
)

if TYPE_CHECKING:
    import psycopg

__all__ = ["ensure_workspace", "publish_layer"]

# The trigger functions have constant bodies: the schema is found at run time
# (TG_TABLE_SCHEMA through format('%I')), so no name is ever pasted into code.
_VERSION_FUNCTION = """
CREATE OR REPLACE FUNCTION {schema}.gisdesk_row_version() RETURNS trigger
LANGUAGE plpgsql AS $body$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    NEW.gd_version := OLD.gd_version + 1;
  ELSE
    NEW.gd_version := 1;
  END IF;
  RETURN NEW;
END
$body$
"""
_AUDIT_FUNCTION = """
CREATE OR REPLACE FUNCTION {schema}.gisdesk_audit_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
  old_row jsonb := CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN to_jsonb(OLD) END;
  new_row jsonb := CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN to_jsonb(NEW) END;
BEGIN
  EXECUTE format(
    'INSERT INTO %I.gisdesk_audit (db_user, client_user, client_txn, layer, fid, op, '
    'before, after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', TG_TABLE_SCHEMA)
  USING session_user::text,
        nullif(current_setting('gisdesk.user', true), ''),
        nullif(current_setting('gisdesk.txn', true), ''),
        TG_TABLE_NAME::text,
        (coalesce(new_row, old_row) ->> 'fid')::bigint,
        lower(TG_OP),
        old_row,
        new_row;
  RETURN NULL;
END
$body$
"""


# --- workspace (schema, metadata and audit tables, trigger functions) ------------------


def ensure_workspace(
    conn: psycopg.Connection[Any],
    schema: str,
    *,
    editor_role: str = "gisdesk_editor",
    reader_role: str = "gisdesk_reader",
) -> None:
    """Create a schema with gisdesk's metadata and audit tables, if missing, and grant use.

    Editors and readers may read the audit table but not write it: rows come only from the
    audit trigger, which runs with its owner's rights (SECURITY DEFINER).
    """
    checked_name(schema, "模式名称", "schema name")
    s = sql.Identifier(schema)
    roles = sql.SQL(", ").join([sql.Identifier(editor_role), sql.Identifier(reader_role)])
    statements = [
        sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(s),
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(s, roles),
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {}.{} ("
            " name text PRIMARY KEY, kind text, title text, geometry_type text,"
            " fields jsonb, style jsonb, metadata jsonb,"
            " published_by text NOT NULL DEFAULT session_user,"
            " published_at timestamptz NOT NULL DEFAULT now())"
        ).format(s, sql.Identifier(LAYERS_TABLE)),
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {}.{} ("
            " id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(),"
            " db_user text NOT NULL DEFAULT session_user, client_user text, client_txn text,"
            " layer text NOT NULL, fid bigint, op text NOT NULL, before jsonb, after jsonb)"
        ).format(s, sql.Identifier(AUDIT_TABLE)),
        sql.SQL("CREATE INDEX IF NOT EXISTS gisdesk_audit_feature ON {}.{} (layer, fid)").format(
            s, sql.Identifier(AUDIT_TABLE)
        ),
        sql.SQL("CREATE INDEX IF NOT EXISTS gisdesk_audit_txn ON {}.{} (client_txn)").format(
            s, sql.Identifier(AUDIT_TABLE)
        ),
        sql.SQL("REVOKE ALL ON {}.{}, {}.{} FROM PUBLIC").format(
            s, sql.Identifier(LAYERS_TABLE), s, sql.Identifier(AUDIT_TABLE)
        ),
        sql.SQL("GRANT SELECT ON {}.{}, {}.{} TO {}").format(
            s, sql.Identifier(LAYERS_TABLE), s, sql.Identifier(AUDIT_TABLE), roles
        ),
        sql.SQL(_VERSION_FUNCTION).format(schema=s),
        sql.SQL(_AUDIT_FUNCTION).format(schema=s),
        sql.SQL("REVOKE ALL ON FUNCTION {}.gisdesk_audit_row() FROM PUBLIC").format(s),
    ]
    with conn.transaction():
        for statement in statements:
            conn.execute(statement)


# --- publishing ------------------------------------------------------------------------


# The column type of each schema field type.
_FIELD_PG_TYPES = {
    "str": "text",
    "int": "bigint",
    "float": "double precision",
    "bool": "boolean",
    "date": "date",
}


def _column_type(layer: Layer, column: str, values: pd.Series) -> str:
    spec = layer.schema.field_index.get(column) if layer.schema is not None else None
    kind = column_kind(values)  # the dtype's field type, as for layers without a schema
    if kind == "date":
        if spec is not None and spec.type == "date":
            return "date"
        return "timestamp with time zone" if getattr(values.dtype, "tz", None) else "timestamp"
    if kind != "str":
        return _FIELD_PG_TYPES[kind]
    if spec is not None and spec.type == "str":
        return "text"
    # An object column: typed by its schema field when every value fits, else kept as text
    # (values that break their type are kept as typed and reported by validation).
    present = values.dropna()
    if spec is not None and len(present) and spec.type in ("int", "float", "bool", "date"):
        kinds = {"int": (int, np.integer), "float": (int, float, np.number), "bool": (bool,)}
        wanted = kinds.get(spec.type)
        if wanted is not None and all(
            isinstance(v, wanted) and not isinstance(v, str) for v in present
        ):
            return _FIELD_PG_TYPES[spec.type]
    return "text"


_GEOMETRY_NAMES = frozenset(
    {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
)


def _geometry_type(layer: Layer, geoms: gpd.GeoSeries) -> str:
    """The column's geometry type: the one type present, else generic (mixed single/multi)."""
    present = {str(t) for t in geoms.geom_type.dropna().unique()}
    if layer.schema is not None:
        present.add(layer.schema.geometry)
    if len(present) == 1 and present <= _GEOMETRY_NAMES:
        return present.pop()
    return "Geometry"


def _python_column(values: pd.Series, pg_type: str) -> list[Any]:
    """A column as Python values for COPY (None for missing)."""
    if pg_type == "date":
        stamps = local_times(values)
        return [None if pd.isna(v) else v.date() for v in stamps]
    if pg_type.startswith("timestamp"):
        return [None if pd.isna(v) else v.to_pydatetime() for v in values]
    if pg_type == "text":
        return [None if _missing(v) else str(v) for v in values.astype(object)]
    return [None if _missing(v) else plain_value(v, finite=False) for v in values.astype(object)]


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and bool(np.isnan(value))


def publish_layer(
    conn: psycopg.Connection[Any],
    layer: Layer,
    schema: str,
    *,
    table: str | None = None,
    replace: bool = False,
    editor_role: str = "gisdesk_editor",
    reader_role: str = "gisdesk_reader",
) -> TableInfo:
    """Create ``schema.table`` from a layer and copy its features in, in one transaction.

    Parameters
    ----------
    conn
        A connection of a user who may create tables in the schema (a gisdesk admin).
    layer
        The layer; its geometries must be in EPSG:4490 (the project storage CRS).
    schema
        The PostgreSQL schema (created with the metadata and audit tables if missing).
    table
        The table name (default: the layer name).
    replace
        Drop an existing table of that name first; otherwise an existing table is an error.
    editor_role, reader_role
        The PostgreSQL roles granted editing (SELECT, INSERT, UPDATE, DELETE) and reading.
    """
    table = checked_name(table or layer.name, "表名", "table name")
    checked_name(schema, "模式名称", "schema name")
    if table.lower().startswith("gisdesk_"):
        raise InputError(
            f"表名“{table}”不可用：gisdesk_ 开头的名称留给 gisdesk 自己的表。",
            f"The table name '{table}' cannot be used: names starting with gisdesk_ are "
            "reserved for gisdesk's own tables.",
        )
    data = layer.data
    if data.crs is None or not STORAGE_CRS.equals(data.crs):
        raise CRSError(
            f"图层“{layer.title}”须为 CGCS2000 地理坐标（EPSG:4490）才能发布，当前为 {data.crs}。",
            f"Layer '{layer.title}' must be in CGCS2000 geographic (EPSG:4490) to be "
            f"published; it is in {data.crs}.",
        )
    geom_col = data.geometry.name
    columns = [str(c) for c in data.columns if c != geom_col]
    clash = sorted(RESERVED_COLUMNS.intersection(c.lower() for c in columns))
    if clash:
        raise InputError(
            f"图层“{layer.title}”的字段 {', '.join(clash)} 与 PostGIS 表的保留列同名，请先改名。",
            f"Layer '{layer.title}' has fields named {', '.join(clash)}, which the PostGIS "
            "table reserves; rename them first.",
        )
    for column in columns:
        checked_name(column, "字段名", "field name")
    types = [_column_type(layer, c, data[c]) for c in columns]
    geom_type = _geometry_type(layer, data.geometry)
    ensure_workspace(conn, schema, editor_role=editor_role, reader_role=reader_role)
    s, t = sql.Identifier(schema), qualified_name(schema, table)
    col_defs = [
        sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(pg))
        for c, pg in zip(columns, types, strict=True)
    ]
    create = sql.SQL(
        "CREATE TABLE {t} (fid bigint PRIMARY KEY, {cols}{sep}"
        "geom geometry({gtype}, {srid}), gd_version integer NOT NULL DEFAULT 1)"
    ).format(
        t=t,
        cols=sql.SQL(", ").join(col_defs),
        sep=sql.SQL(", " if col_defs else ""),
        gtype=sql.SQL(geom_type),
        srid=sql.Literal(SRID),
    )
    ewkb = shapely.to_wkb(
        shapely.set_srid(np.asarray(data.geometry.values, dtype=object), SRID),
        hex=True,
        include_srid=True,
    )
    python_columns = [_python_column(data[c], pg) for c, pg in zip(columns, types, strict=True)]
    fids = layer.fids.tolist()
    with conn.transaction():
        exists = conn.execute(
            "SELECT to_regclass(format('%%I.%%I', %s::text, %s::text)) IS NOT NULL",
            (schema, table),
        ).fetchone()
        if exists and exists[0]:
            if not replace:
                raise InputError(
                    f"模式“{schema}”中已有表“{table}”。如要覆盖，请选择替换。",
                    f"Schema '{schema}' already has a table '{table}'. Choose replace to "
                    "overwrite it.",
                )
            conn.execute(sql.SQL("DROP TABLE {}").format(t))
        conn.execute(create)
        copy_sql = sql.SQL("COPY {t} ({cols}) FROM STDIN").format(
            t=t,
            cols=sql.SQL(", ").join(
                [sql.Identifier(c) for c in [FID_COLUMN, *columns, GEOM_COLUMN]]
            ),
        )
        with conn.cursor() as cur, cur.copy(copy_sql) as copy:
            for row in zip(fids, *python_columns, ewkb.tolist(), strict=True):
                copy.write_row(row)
        for statement in (
            # named by the server: unique in the schema whatever the table's name (a name
            # made here was cut to 63 bytes, the table's own name when that was 63 bytes)
            sql.SQL("CREATE INDEX ON {} USING gist (geom)").format(t),
            sql.SQL(
                "CREATE TRIGGER gisdesk_version BEFORE INSERT OR UPDATE ON {} "
                "FOR EACH ROW EXECUTE FUNCTION {}.gisdesk_row_version()"
            ).format(t, s),
            sql.SQL(
                "CREATE TRIGGER gisdesk_audit AFTER INSERT OR UPDATE OR DELETE ON {} "
                "FOR EACH ROW EXECUTE FUNCTION {}.gisdesk_audit_row()"
            ).format(t, s),
            sql.SQL("REVOKE ALL ON {} FROM PUBLIC").format(t),
            sql.SQL("GRANT SELECT ON {} TO {}").format(t, sql.Identifier(reader_role)),
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(
                t, sql.Identifier(editor_role)
            ),
            sql.SQL("ANALYZE {}").format(t),
        ):
            conn.execute(statement)
        conn.execute(
            sql.SQL(
                "INSERT INTO {}.{} (name, kind, title, geometry_type, fields, style, metadata)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind,"
                " title = EXCLUDED.title, geometry_type = EXCLUDED.geometry_type,"
                " fields = EXCLUDED.fields, style = EXCLUDED.style,"
                " metadata = EXCLUDED.metadata, published_by = session_user,"
                " published_at = now()"
            ).format(s, sql.Identifier(LAYERS_TABLE)),
            (
                table,
                layer.kind,
                layer.title,
                geom_type,
                json.dumps([[c, pg] for c, pg in zip(columns, types, strict=True)]),
                json.dumps(layer.style.to_dict(), ensure_ascii=False) if layer.style else None,
                json.dumps(layer.metadata.to_dict(), ensure_ascii=False),
            ),
        )
    return table_info(conn, schema, table)
