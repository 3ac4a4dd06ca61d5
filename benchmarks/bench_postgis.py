"""Benchmark loading road segments from PostGIS against loading them from a GeoPackage.

Not a test: it prints figures. Data: the Haimen road network generated at ``--scale``
(5 gives about 10^5 segments), typed by the roads schema, written once to a GeoPackage
(pyogrio) and published once to PostGIS (gisdesk.io.postgis). Sizes 10^3 and 10^4 are the
first segments of the same network. Before timing, both reads are checked to give the same
feature ids, values and geometries. Each repeat times both in turn (interleaved); the table
gives medians with the range.

- "gpkg": ``pyogrio.read_dataframe(use_arrow=True)`` plus schema typing, as a project opens;
- "postgis arrow": :func:`gisdesk.io.postgis.tables.read_layer` through ADBC (PostgreSQL's
  binary COPY straight into Arrow columns, EWKB decoded by ``shapely.from_wkb`` at once,
  columns the server already typed are not typed again) over loopback TCP;
- "postgis rows": the same through psycopg's binary rows (the fallback without ADBC);
- "view": only the features meeting a window of 1/16 of the extent (a zoomed-in canvas),
  through the GiST index in PostGIS and the R-tree in the GeoPackage.

GDAL's own PostgreSQL driver would be a third peer; the pyogrio wheel here is built without
it, and the script says so when it is missing.

Needs the test server: ``scripts/postgis.sh start`` (started and stopped by the script when
the GISDESK_PG_* variables are not set).

Usage: .venv/bin/python benchmarks/bench_postgis.py [--scale 5] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gisdesk.core.layer import Layer  # noqa: E402
from gisdesk.core.schema import coerce_to_schema  # noqa: E402
from gisdesk.io.postgis.profiles import ConnectionProfile, connect  # noqa: E402
from gisdesk.io.postgis.publish import publish_layer  # noqa: E402
from gisdesk.io.postgis.tables import read_layer  # noqa: E402
from gisdesk.io.schemas import load_schemas  # noqa: E402


def _server_env() -> bool:
    """Make sure the test server runs; return True when this script started it."""
    if os.environ.get("GISDESK_PG_PORT"):
        return False
    subprocess.run([str(ROOT / "scripts" / "postgis.sh"), "start"], check=True)
    for line in (ROOT / ".pg" / "env").read_text().splitlines():
        if line.startswith("export "):
            key, _, value = line.removeprefix("export ").partition("=")
            os.environ[key] = value
    return True


def _timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _fmt(times: list[float]) -> str:
    return f"{statistics.median(times) * 1e3:>8.0f} ({min(times) * 1e3:.0f}-{max(times) * 1e3:.0f})"


def main() -> None:
    """Print load times for each size."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=5.0, help="5 gives ~10^5 segments")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    started = _server_env()
    schema_name = f"bench_{os.getpid()}"
    profile = ConnectionProfile(
        "bench",
        host=os.environ["GISDESK_PG_HOST"],
        port=int(os.environ["GISDESK_PG_PORT"]),
        dbname=os.environ.get("GISDESK_PG_DB", "gisdesk"),
        user=os.environ["GISDESK_PG_ADMIN_USER"],
        schema=schema_name,
    )
    conn = connect(profile, os.environ["GISDESK_PG_ADMIN_PASSWORD"], autocommit=True)
    try:
        _run(conn, schema_name, args.scale, args.repeats)
    finally:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema_name}" CASCADE')
        conn.close()
        if started:
            subprocess.run([str(ROOT / "scripts" / "postgis.sh"), "stop"], check=False)


def _run(conn, schema_name: str, scale: float, repeats: int) -> None:
    from gisdesk.samplegen import generate_haimen

    schema = load_schemas()["roads"]
    t = time.perf_counter()
    roads = generate_haimen(scale=scale)["roads"]
    roads = gpd.GeoDataFrame(
        coerce_to_schema(roads, schema), geometry=roads.geometry.name, crs=roads.crs
    )
    took = time.perf_counter() - t
    print(f"roads generated at scale {scale:g}: {len(roads):,} segments ({took:.1f} s)")
    if "PostgreSQL" not in pyogrio.list_drivers():
        print(
            f"(pyogrio's GDAL {pyogrio.__gdal_version_string__} has no PostgreSQL driver: "
            "GDAL is not compared)"
        )
    sizes = [n for n in (1_000, 10_000) if n < len(roads)] + [len(roads)]
    with tempfile.TemporaryDirectory() as tmp:
        gpkg = Path(tmp) / "roads.gpkg"
        print(f"{'segments':>9} {'write gpkg s':>12} {'publish s':>9}")
        for n in sizes:
            part = roads.iloc[:n].reset_index(drop=True)
            layer = Layer(f"roads_{n}", part, schema=schema)
            t0 = time.perf_counter()
            pyogrio.write_dataframe(part, gpkg, layer=f"roads_{n}")
            t_gpkg = time.perf_counter() - t0
            t_pub = _timed(lambda: publish_layer(conn, layer, schema_name))  # noqa: B023
            print(f"{n:>9,} {t_gpkg:>12.2f} {t_pub:>9.2f}")

        def from_gpkg(n: int, bbox=None) -> gpd.GeoDataFrame:
            gdf = pyogrio.read_dataframe(
                gpkg, layer=f"roads_{n}", use_arrow=True, fid_as_index=True, bbox=bbox
            )
            return gpd.GeoDataFrame(
                coerce_to_schema(gdf, schema), geometry=gdf.geometry.name, crs=gdf.crs
            )

        def from_postgis(n: int, bbox=None, engine: str = "arrow"):
            return read_layer(
                conn, schema_name, f"roads_{n}", bbox=bbox, layer_schema=schema, engine=engine
            )

        minx, miny, maxx, maxy = roads.total_bounds
        cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
        view = (cx - (maxx - minx) / 8, cy - (maxy - miny) / 8,
                cx + (maxx - minx) / 8, cy + (maxy - miny) / 8)  # fmt: skip

        # Same answer first: ids, every value and every geometry.
        for n in sizes:
            a = from_gpkg(n)
            for engine in ("arrow", "psycopg"):
                b = from_postgis(n, engine=engine)
                assert np.array_equal(a.index.to_numpy(), b.fids), "feature ids differ"
                geoms = a.geometry.reset_index(drop=True)
                assert b.data.geometry.geom_equals_exact(geoms, 0).all()
                for column in schema.field_names:
                    assert b.data[column].equals(a[column].reset_index(drop=True)), column
            va, vb = from_gpkg(n, view), from_postgis(n, view)
            # The GiST index keeps float4 boxes: PostGIS may add features touching the edge.
            assert set(va.index.tolist()) <= set(vb.fids.tolist())

        print(
            f"{'segments':>9} {'gpkg ms (min-max)':>20} {'postgis arrow ms':>20} "
            f"{'ratio':>6} {'postgis rows ms':>20} {'view n':>7} {'view gpkg ms':>12} "
            f"{'view postgis ms':>15}"
        )
        for n in sizes:
            t: dict[str, list[float]] = {"gpkg": [], "arrow": [], "rows": [], "vg": [], "vp": []}
            for _ in range(repeats):  # interleaved
                t["gpkg"].append(_timed(lambda: from_gpkg(n)))  # noqa: B023
                t["arrow"].append(_timed(lambda: from_postgis(n)))  # noqa: B023
                t["rows"].append(_timed(lambda: from_postgis(n, engine="psycopg")))  # noqa: B023
                t["vg"].append(_timed(lambda: from_gpkg(n, view)))  # noqa: B023
                t["vp"].append(_timed(lambda: from_postgis(n, view)))  # noqa: B023
            n_view = len(from_postgis(n, view).fids)
            ratio = statistics.median(t["arrow"]) / statistics.median(t["gpkg"])
            print(
                f"{n:>9,} {_fmt(t['gpkg']):>20} {_fmt(t['arrow']):>20} {ratio:>5.2f}x "
                f"{_fmt(t['rows']):>20} {n_view:>7,} {statistics.median(t['vg']) * 1e3:>12.0f} "
                f"{statistics.median(t['vp']) * 1e3:>15.0f}"
            )
        print(
            "ratio = PostGIS (Arrow) time / GeoPackage time, below 1: PostGIS is faster; "
            "'rows' = psycopg binary rows, the fallback without the ADBC driver"
        )


if __name__ == "__main__":
    main()
