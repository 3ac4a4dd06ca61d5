"""A real PostgreSQL + PostGIS server for the integration tests (no mocks).

``scripts/test.sh`` starts one with ``scripts/postgis.sh start`` and exports its settings as
``GISDESK_PG_*``; without them the tests that need the server are skipped, saying so.
Each test gets a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid

import geopandas as gpd
import pyogrio
import pytest

from gisdesk.core.layer import Layer
from gisdesk.core.schema import coerce_to_schema

ENV = ("GISDESK_PG_HOST", "GISDESK_PG_PORT", "GISDESK_PG_ADMIN_USER", "GISDESK_PG_ADMIN_PASSWORD")
SERVER_MISSING = any(not os.environ.get(k) for k in ENV)
SKIP_REASON = (
    "no PostGIS test server: GISDESK_PG_* variables are not set "
    "(scripts/test.sh starts one with scripts/postgis.sh start and sets them)"
)
needs_server = pytest.mark.skipif(SERVER_MISSING, reason=SKIP_REASON)


def profile_for(role: str, schema: str = "public"):
    """A connection profile for the test server's admin, editor, editor2 or reader user."""
    from gisdesk.io.postgis.profiles import ConnectionProfile

    return ConnectionProfile(
        name=f"test-{role}",
        host=os.environ["GISDESK_PG_HOST"],
        port=int(os.environ["GISDESK_PG_PORT"]),
        dbname=os.environ.get("GISDESK_PG_DB", "gisdesk"),
        user=os.environ[f"GISDESK_PG_{role.upper()}_USER"],
        schema=schema,
    )


def password_for(role: str) -> str:
    return os.environ[f"GISDESK_PG_{role.upper()}_PASSWORD"]


@pytest.fixture
def pg_schema():
    """A fresh schema name; the schema is dropped (with everything in it) afterwards."""
    if SERVER_MISSING:
        pytest.skip(SKIP_REASON)
    from psycopg import sql

    from gisdesk.io.postgis.profiles import connect

    name = f"t_{uuid.uuid4().hex[:10]}"
    yield name
    with connect(profile_for("admin"), password_for("admin"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


@pytest.fixture
def admin_conn():
    if SERVER_MISSING:
        pytest.skip(SKIP_REASON)
    from gisdesk.io.postgis.profiles import connect

    conn = connect(profile_for("admin"), password_for("admin"), autocommit=True)
    yield conn
    conn.close()


def sample_layer(sample_path, schemas, kind: str, *, rows: int | None = None) -> Layer:
    """A layer of the sample project read straight from its GeoPackage, typed by its schema."""
    from gisdesk.io.styles import load_styles

    gdf = pyogrio.read_dataframe(sample_path, layer=kind, use_arrow=True, fid_as_index=True)
    if rows is not None:
        gdf = gdf.iloc[:rows]
    fids = gdf.index.to_numpy(dtype="int64")
    gdf = gdf.reset_index(drop=True)
    schema = schemas[kind]
    gdf = gpd.GeoDataFrame(coerce_to_schema(gdf, schema), geometry=gdf.geometry.name, crs=gdf.crs)
    layer = Layer(kind, gdf, schema=schema, style=load_styles().get(schema.style))
    layer.fids = fids
    return layer
