"""Read gisdesk layers published to a PostGIS schema, fast (:mod:`.publish` writes them).

A published layer is a table ``<schema>.<table>`` with

- ``fid bigint PRIMARY KEY``: the gisdesk feature id;
- one column per attribute, typed from the layer schema (text, bigint, double precision,
  boolean, date) or from the column's dtype;
- ``geom geometry(<type>, 4490)`` with a GiST index;
- ``gd_version integer``: the row version, set to 1 on insert and raised by one on every
  update by a trigger (so edits from any client, gisdesk or not, raise it);
- an audit trigger writing who/when/before/after into ``<schema>.gisdesk_audit``.

Beside the tables, ``<schema>.gisdesk_layers`` records each layer's gisdesk type (schema id),
title, style and metadata, so a project opening the table gets the same layer back.

Every value goes to the server as a query parameter and every schema, table and column
name as a quoted identifier (:class:`psycopg.sql.Identifier`): a table called
``roads"; drop table x; --`` is only a strange name. Reads use binary results:
``ST_AsBinary`` bytes decoded by :func:`shapely.from_wkb` over the whole column at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from psycopg import sql

from gisdesk.core.crs import STORAGE_CRS
from gisdesk.core.errors import CRSError, GisdeskError, InputError
from gisdesk.core.layer import Layer, LayerMetadata
from gisdesk.core.schema import coerce_to_schema
from gisdesk.core.style import LayerStyle

if TYPE_CHECKING:
    import psycopg

    from gisdesk.core.schema import LayerSchema

__all__ = [
    "AUDIT_TABLE",
    "GEOM_COLUMN",
    "LARGE_TABLE_ROWS",
    "LAYERS_TABLE",
    "SRID",
    "VERSION_COLUMN",
    "PostgisLayer",
    "PostgisTable",
    "TableInfo",
    "ViewLimit",
    "arrow_available",
    "layer_name_for",
    "list_layers",
    "max_fid",
    "open_layer",
    "read_layer",
    "row_count",
    "select_rows",
    "table_info",
    "view_bbox",
]

SRID = 4490
# A table with more rows than this opens for the map view only (see PostgisEditStore).
LARGE_TABLE_ROWS = 200_000
# A view read takes the view enlarged by this share of its width/height on each side.
VIEW_MARGIN = 0.5
GEOM_COLUMN = "geom"
VERSION_COLUMN = "gd_version"
FID_COLUMN = "fid"
LAYERS_TABLE = "gisdesk_layers"
AUDIT_TABLE = "gisdesk_audit"
RESERVED_COLUMNS = frozenset({FID_COLUMN, GEOM_COLUMN, VERSION_COLUMN})
_PG_TYPES = frozenset(
    {"text", "bigint", "integer", "smallint", "double precision", "real", "boolean", "date"}
    | {"timestamp without time zone", "timestamp with time zone"}
)


@dataclass(frozen=True)
class TableInfo:
    """What gisdesk knows about a published table."""

    schema: str
    table: str
    columns: tuple[tuple[str, str], ...]  # attribute columns (name, PostgreSQL type)
    geometry_type: str  # e.g. "LINESTRING", "MULTIPOLYGON", "GEOMETRY"
    srid: int
    kind: str | None = None
    title: str | None = None
    style: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        """Attribute column names in table order."""
        return tuple(name for name, _ in self.columns)

    @property
    def label(self) -> str:
        """``schema.table`` for messages."""
        return f"{self.schema}.{self.table}"


@dataclass
class PostgisTable:
    """Features read from a table: the frame, their ids and their row versions."""

    data: gpd.GeoDataFrame
    fids: np.ndarray  # int64
    versions: np.ndarray  # int64
    info: TableInfo


@dataclass(frozen=True)
class ViewLimit:
    """A layer holding only the features meeting a box (a big table read for a map view)."""

    bbox: tuple[float, float, float, float]  # EPSG:4490
    loaded: int  # features read
    total: int  # rows in the table (an estimate unless ``exact``)
    exact: bool = False

    def describe(self) -> tuple[str, str]:
        """What the layer holds, in Chinese and English."""
        about_zh, about_en = ("", "") if self.exact else ("约 ", "about ")
        return (
            f"仅含视图范围内的 {self.loaded:,} 个要素（全表{about_zh}{self.total:,} 个）",
            (
                f"only the {self.loaded:,} features in the view "
                f"({about_en}{self.total:,} in the table)"
            ),
        )


class PostgisLayer(Layer):
    """A layer read from a PostGIS table.

    ``view_limit`` says whether it holds the whole table (None) or only the features of a
    map view. New feature ids continue after the largest id on the server when it was read,
    so a feature added to a view-limited layer does not take the id of one left unread.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.view_limit: ViewLimit | None = None
        self.server_max_fid = 0
        self._source = (self.metadata.source_zh, self.metadata.source_en)

    def next_fid(self) -> int:
        """Return an id no feature of the layer, nor of its table when read, has yet."""
        return max(super().next_fid(), self.server_max_fid + 1)

    def set_view_limit(self, limit: ViewLimit | None) -> None:
        """Record what part of the table the layer holds (also in its metadata source)."""
        self.view_limit = limit
        zh, en = self._source
        if limit is not None:
            note_zh, note_en = limit.describe()
            zh = (
                f"{zh}（PostGIS 按视图范围部分读取：{note_zh}）"
                if zh
                else f"PostGIS 按视图范围部分读取：{note_zh}"
            )
            en = (
                f"{en} (PostGIS, read for the map view: {note_en})"
                if en
                else f"PostGIS, read for the map view: {note_en}"
            )
        self.metadata.source_zh = zh
        self.metadata.source_en = en


def view_bbox(
    extent: tuple[float, float, float, float],
    crs: Any,
    *,
    margin: float = VIEW_MARGIN,
) -> tuple[float, float, float, float]:
    """A map view's extent in ``crs`` as an EPSG:4490 box, enlarged by ``margin`` each side.

    The corners and edges are transformed (densified), so a projected view's curved edges
    stay inside the box; the box is then widened by ``margin`` of its width and height on
    each side (so a little panning still finds features already read).
    """
    from gisdesk.core.crs import transformer

    xmin, ymin, xmax, ymax = (float(v) for v in extent)
    if STORAGE_CRS.equals(crs):
        lon0, lat0, lon1, lat1 = xmin, ymin, xmax, ymax
    else:
        lon0, lat0, lon1, lat1 = transformer(crs, STORAGE_CRS).transform_bounds(
            xmin, ymin, xmax, ymax, densify_pts=21
        )
    values = np.array([lon0, lat0, lon1, lat1], dtype=float)
    if not np.all(np.isfinite(values)) or lon1 < lon0 or lat1 < lat0:
        raise InputError(
            "当前地图视图无法换算为 CGCS2000 经纬度范围。",
            "The current map view cannot be converted to a CGCS2000 longitude/latitude box.",
        )
    dx, dy = (lon1 - lon0) * margin, (lat1 - lat0) * margin
    return (lon0 - dx, lat0 - dy, lon1 + dx, lat1 + dy)


def qualified_name(schema: str, table: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))


def checked_name(name: str, what_zh: str, what_en: str) -> str:
    if not isinstance(name, str) or not name or len(name.encode("utf-8")) > 63 or "\x00" in name:
        raise InputError(
            f"{what_zh}“{name}”不可用：须为 1-63 字节，不含空字符。",
            f"The {what_en} '{name}' cannot be used: 1-63 bytes without NUL characters.",
        )
    return name


# --- reading ---------------------------------------------------------------------------


def list_layers(conn: psycopg.Connection[Any], schema: str) -> list[TableInfo]:
    """The gisdesk layers published in a schema (empty when the schema has none)."""
    row = conn.execute(
        "SELECT to_regclass(format('%%I.%%I', %s::text, %s::text)) IS NOT NULL",
        (schema, LAYERS_TABLE),
    ).fetchone()
    if not row or not row[0]:
        return []
    names = conn.execute(
        sql.SQL("SELECT name FROM {}.{} ORDER BY name").format(
            sql.Identifier(schema), sql.Identifier(LAYERS_TABLE)
        )
    ).fetchall()
    return [table_info(conn, schema, str(r[0])) for r in names]


def table_info(conn: psycopg.Connection[Any], schema: str, table: str) -> TableInfo:
    """Columns, geometry type and gisdesk metadata of a table.

    Raises
    ------
    GisdeskError
        When the table does not exist or has no ``fid``/``geom``/``gd_version`` columns.
    """
    rows = conn.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "WHERE a.attrelid = to_regclass(format('%%I.%%I', %s::text, %s::text)) "
        "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (schema, table),
    ).fetchall()
    if not rows:
        raise GisdeskError(
            f"PostGIS 数据库中没有表“{schema}.{table}”（或您无权读取）。",
            f"The PostGIS database has no table '{schema}.{table}' (or you may not read it).",
        )
    names = {str(r[0]) for r in rows}
    if not names >= RESERVED_COLUMNS:
        raise GisdeskError(
            f"表“{schema}.{table}”不是 gisdesk 发布的图层（缺少 fid、geom 或 gd_version 列）。",
            f"Table '{schema}.{table}' is not a layer published by gisdesk (it lacks the fid, "
            "geom or gd_version column).",
        )
    geom = conn.execute(
        "SELECT type, srid FROM geometry_columns WHERE f_table_schema = %s "
        "AND f_table_name = %s AND f_geometry_column = %s",
        (schema, table, GEOM_COLUMN),
    ).fetchone()
    gtype, srid = (str(geom[0]), int(geom[1])) if geom else ("GEOMETRY", 0)
    meta = None
    has_meta = conn.execute(
        "SELECT to_regclass(format('%%I.%%I', %s::text, %s::text)) IS NOT NULL",
        (schema, LAYERS_TABLE),
    ).fetchone()
    if has_meta and has_meta[0]:
        meta = conn.execute(
            sql.SQL("SELECT kind, title, style, metadata FROM {}.{} WHERE name = %s").format(
                sql.Identifier(schema), sql.Identifier(LAYERS_TABLE)
            ),
            (table,),
        ).fetchone()
    columns = tuple((str(n), str(t)) for n, t in rows if str(n) not in RESERVED_COLUMNS)
    return TableInfo(
        schema=schema,
        table=table,
        columns=columns,
        geometry_type=gtype.upper(),
        srid=srid,
        kind=meta[0] if meta else None,
        title=meta[1] if meta else None,
        style=meta[2] if meta else None,
        metadata=meta[3] if meta else None,
    )


def row_count(conn: psycopg.Connection[Any], info: TableInfo) -> tuple[int, bool]:
    """How many rows a table has, cheaply: ``(count, exact)``.

    The planner's estimate (``pg_class.reltuples`` scaled to the table's current size, as
    the planner itself does) when the table was analysed; an exact ``count(*)`` when the
    estimate is unknown (never analysed: ``reltuples`` -1, or 0 rows on 0 pages).
    """
    row = conn.execute(
        "SELECT c.reltuples::float8, c.relpages::bigint, "
        "pg_relation_size(c.oid) / current_setting('block_size')::bigint "
        "FROM pg_class c WHERE c.oid = to_regclass(format('%%I.%%I', %s::text, %s::text))",
        (info.schema, info.table),
    ).fetchone()
    if row is not None:
        tuples, pages, now_pages = float(row[0]), int(row[1]), int(row[2])
        if tuples >= 0 and pages > 0:
            return round(tuples / pages * now_pages), False
    exact = conn.execute(
        sql.SQL("SELECT count(*) FROM {}").format(qualified_name(info.schema, info.table))
    ).fetchone()
    return (int(exact[0]) if exact else 0), True


def max_fid(conn: psycopg.Connection[Any], info: TableInfo) -> int:
    """The largest feature id in a table (0 when empty); read from the primary key index."""
    row = conn.execute(
        sql.SQL("SELECT max(fid) FROM {}").format(qualified_name(info.schema, info.table))
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _frame_column(values: Sequence[Any], pg_type: str) -> Any:
    if pg_type in ("bigint", "integer", "smallint"):
        return pd.array(values, dtype="Int64")
    if pg_type in ("double precision", "real"):
        return np.array(values, dtype="float64")
    if pg_type == "boolean":
        return pd.array(values, dtype="boolean")
    if pg_type == "date" or pg_type.startswith("timestamp"):
        return pd.to_datetime(pd.Series(values, dtype=object)).to_numpy()
    if pg_type not in _PG_TYPES:
        return np.array([None if v is None else str(v) for v in values], dtype=object)
    return np.array(values, dtype=object)


def _select(
    info: TableInfo,
    *,
    geometry: str,
    bbox: tuple[float, float, float, float] | None,
    fids: Iterable[int] | None,
    placeholder: Any,
) -> tuple[sql.Composed, list[Any]]:
    """The SELECT of a read, with its parameters (``placeholder(i)`` marks the i-th)."""
    cols = [sql.Identifier(c) for c in info.column_names]
    query = sql.SQL("SELECT fid, gd_version, {cols}{sep}{geom} FROM {t}").format(
        cols=sql.SQL(", ").join(cols),
        sep=sql.SQL(", " if cols else ""),
        geom=sql.SQL(geometry),
        t=qualified_name(info.schema, info.table),
    )
    params: list[Any] = []
    if bbox is not None:
        marks = [placeholder(i) for i in range(1, 6)]
        query += sql.SQL(" WHERE geom && ST_MakeEnvelope({}, {}, {}, {}, {}::integer)").format(
            *marks
        )
        params.extend([*map(float, bbox), SRID])
    elif fids is not None:
        query += sql.SQL(" WHERE fid = ANY({})").format(placeholder(1))
        params.append([int(f) for f in fids])
    query += sql.SQL(" ORDER BY fid")
    return query, params


def _finish(
    frame: pd.DataFrame,
    fids: np.ndarray,
    versions: np.ndarray,
    geoms: np.ndarray,
    info: TableInfo,
) -> PostgisTable:
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=STORAGE_CRS))
    gdf = gdf.rename_geometry("geometry") if gdf.geometry.name != "geometry" else gdf
    return PostgisTable(gdf, fids.astype(np.int64), versions.astype(np.int64), info)


def _select_psycopg(
    conn: psycopg.Connection[Any],
    info: TableInfo,
    bbox: tuple[float, float, float, float] | None,
    fids: Iterable[int] | None,
) -> PostgisTable:
    query, params = _select(
        info,
        geometry="ST_AsBinary(geom)",
        bbox=bbox,
        fids=fids,
        placeholder=lambda _i: sql.Placeholder(),
    )
    with conn.cursor(binary=True) as cur:
        cur.execute(query, params or None)
        rows = cur.fetchall()
    n_cols = 2 + len(info.columns) + 1
    columns: list[Sequence[Any]] = (
        list(zip(*rows, strict=True)) if rows else [() for _ in range(n_cols)]
    )
    frame = pd.DataFrame(
        {
            name: _frame_column(values, pg)
            for (name, pg), values in zip(info.columns, columns[2:-1], strict=True)
        },
        index=pd.RangeIndex(len(rows)),
    )
    return _finish(
        frame,
        np.array(columns[0], dtype=np.int64),
        np.array(columns[1], dtype=np.int64),
        shapely.from_wkb(np.array(columns[-1], dtype=object)),
        info,
    )


_ARROW_CONNECTIONS: dict[tuple[str, ...], Any] = {}


def arrow_available() -> bool:
    """Whether the Arrow reader (the ADBC PostgreSQL driver) is installed."""
    try:
        import adbc_driver_postgresql.dbapi  # noqa: F401
    except ImportError:
        return False
    return True


def _arrow_connection(conn: psycopg.Connection[Any]) -> Any:
    """An ADBC connection with the same server, user and password, kept for reuse."""
    import adbc_driver_postgresql.dbapi as adbc
    from psycopg.conninfo import make_conninfo

    info = conn.info
    key = (info.host, str(info.port), info.dbname, info.user, info.password or "")
    cached = _ARROW_CONNECTIONS.get(key)
    if cached is not None:
        return cached
    if not _ARROW_CONNECTIONS:
        import atexit

        atexit.register(_close_arrow_connections)
    dsn = make_conninfo(
        host=info.host,
        port=info.port,
        dbname=info.dbname,
        user=info.user,
        password=info.password or "",
        application_name="gisdesk-arrow",
    )
    arrow = adbc.connect(dsn, autocommit=True)
    _ARROW_CONNECTIONS[key] = arrow
    return arrow


def _close_arrow_connections() -> None:
    for arrow in _ARROW_CONNECTIONS.values():
        try:
            arrow.close()
        except Exception:  # the server went first; nothing left to close
            continue
    _ARROW_CONNECTIONS.clear()


def _select_arrow(
    conn: psycopg.Connection[Any],
    info: TableInfo,
    bbox: tuple[float, float, float, float] | None,
) -> PostgisTable:
    """Read through ADBC: PostgreSQL's binary COPY straight into Arrow columns.

    The geometry comes as the server's own binary form (EWKB), which shapely decodes.
    """
    import pyarrow as pa

    query, params = _select(
        info,
        geometry="geom",
        bbox=bbox,
        fids=None,
        placeholder=lambda i: sql.SQL(f"${i}"),
    )
    text = query.as_string(conn)
    for attempt in range(2):
        arrow = _arrow_connection(conn)
        try:
            with arrow.cursor() as cur:
                cur.execute(text, params or None)
                table = cur.fetch_arrow_table()
            break
        except Exception:
            # A connection the server dropped: forget it and try once with a new one.
            key = next((k for k, v in _ARROW_CONNECTIONS.items() if v is arrow), None)
            if key is not None:
                del _ARROW_CONNECTIONS[key]
            if attempt:
                raise
    mapper = {
        pa.int64(): pd.Int64Dtype(),
        pa.int32(): pd.Int64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
    }
    attrs = table.select(list(range(2, 2 + len(info.columns))))
    frame = attrs.to_pandas(types_mapper=mapper.get, date_as_object=False)
    frame.columns = list(info.column_names)
    for name, pg in info.columns:
        if pg in ("double precision", "real"):
            frame[name] = frame[name].astype("float64")
        elif pg not in _PG_TYPES:
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    wkb = table.column(table.num_columns - 1)
    if not pa.types.is_binary(wkb.type):
        wkb = pa.chunked_array([chunk.storage for chunk in wkb.chunks], type=pa.binary())
    return _finish(
        frame.set_axis(pd.RangeIndex(len(frame))),
        table.column(0).to_numpy(),
        table.column(1).to_numpy(),
        shapely.from_wkb(wkb.to_numpy(zero_copy_only=False)),
        info,
    )


def select_rows(
    conn: psycopg.Connection[Any],
    info: TableInfo,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    fids: Iterable[int] | None = None,
    engine: str = "auto",
) -> PostgisTable:
    """Read features (all, those meeting a bbox in EPSG:4490, or some fids), in fid order.

    ``engine`` "arrow" reads through ADBC into Arrow (fastest), "psycopg" through psycopg's
    binary results; "auto" takes Arrow when it is installed and the read is not by fid.
    """
    use_arrow = engine == "arrow" or (engine == "auto" and fids is None and arrow_available())
    if use_arrow and fids is None:
        return _select_arrow(conn, info, bbox)
    return _select_psycopg(conn, info, bbox, fids)


def read_layer(
    conn: psycopg.Connection[Any],
    schema: str,
    table: str,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    layer_schema: LayerSchema | None = None,
    engine: str = "auto",
) -> PostgisTable:
    """Read a published table (or only the features meeting ``bbox``, in EPSG:4490).

    The columns are typed like a GeoPackage layer of the same type: by ``layer_schema``
    when given, else by the schema whose id the table's gisdesk metadata names. ``engine``
    chooses the reader (see :func:`select_rows`).
    """
    info = table_info(conn, schema, table)
    if info.srid not in (SRID, 0):
        raise CRSError(
            f"表“{info.label}”的坐标系为 EPSG:{info.srid}，gisdesk 只打开 EPSG:4490 的图层。",
            f"Table '{info.label}' is in EPSG:{info.srid}; gisdesk opens EPSG:4490 layers only.",
        )
    result = select_rows(conn, info, bbox=bbox, engine=engine)
    if layer_schema is None and info.kind:
        from gisdesk.io.schemas import load_schemas

        layer_schema = load_schemas().get(info.kind)
    if layer_schema is not None:
        gdf = result.data
        # Columns the server already typed as the schema wants are left alone: typing a
        # text column again costs more than reading it.
        todo = [
            f.name
            for f in layer_schema.fields
            if f.name in gdf.columns and not _typed(gdf[f.name], f.type)
        ]
        if todo:
            fixed = coerce_to_schema(pd.DataFrame(gdf[todo]), layer_schema)
            for name in todo:
                gdf[name] = fixed[name]
    return result


def _typed(values: pd.Series, ftype: str) -> bool:
    """Whether a column already has the in-memory dtype of its field type."""
    dtype = str(values.dtype)
    if ftype == "str":
        return dtype == "object" and bool(values.map(_is_text_or_none).all())
    return {"int": "Int64", "float": "float64", "bool": "boolean", "date": "datetime64[ms]"}.get(
        ftype
    ) == dtype and (
        ftype != "date" or bool((values.dropna().dt.normalize() == values.dropna()).all())
    )


def _is_text_or_none(value: Any) -> bool:
    return value is None or isinstance(value, str)


_UNSAFE = re.compile(r"[\x00-\x1f\"'`;]")


def layer_name_for(table: str) -> str:
    """A gisdesk layer name for a table: the table name with unusable characters replaced."""
    name = _UNSAFE.sub("_", table).strip() or "postgis"
    if name.lower().startswith(("gpkg_", "rtree_", "gisdesk_", "sqlite_")):
        name = f"pg_{name}"
    return name[:63]


def open_layer(
    conn: psycopg.Connection[Any],
    schema: str,
    table: str,
    *,
    name: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> tuple[PostgisLayer, PostgisTable]:
    """Read a published table as a gisdesk layer with its type, style and metadata.

    With ``bbox`` (EPSG:4490) only the features meeting it are read; the caller records
    that on the layer (:meth:`PostgisLayer.set_view_limit`).
    """
    from gisdesk.io.schemas import load_schemas
    from gisdesk.io.styles import load_styles

    info = table_info(conn, schema, table)
    layer_schema = load_schemas().get(info.kind) if info.kind else None
    result = read_layer(conn, schema, table, bbox=bbox, layer_schema=layer_schema)
    style = None
    if info.style:
        style = LayerStyle.from_dict(info.style, source=f"PostGIS {info.label}")
    elif layer_schema is not None:
        style = load_styles().get(layer_schema.style)
    metadata = LayerMetadata.from_dict(info.metadata) if info.metadata else LayerMetadata()
    layer = PostgisLayer(
        name or layer_name_for(table),
        result.data,
        schema=layer_schema,
        style=style,
        title=info.title or None,
        metadata=metadata,
    )
    layer.fids = result.fids.copy()
    layer.server_max_fid = max_fid(conn, info) if bbox is not None else _largest(result.fids)
    return layer, result


def _largest(fids: np.ndarray) -> int:
    return int(fids.max()) if len(fids) else 0
