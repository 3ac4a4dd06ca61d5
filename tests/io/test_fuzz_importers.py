"""Property tests: broken inputs give a result or an InputError, never another exception."""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from gisdesk.core.errors import InputError
from gisdesk.io.files import (
    guess_coordinate_columns,
    import_vector,
    read_coordinate_table,
    read_table,
)

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _sample_bytes(driver: str, suffix: str) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"s{suffix}"
        gdf = gpd.GeoDataFrame(
            {"名称": ["海门", "三星"], "n": [1, 2]},
            geometry=[Point(121.2, 31.9), Point(121.3, 31.95)],
            crs=4490,
        )
        pyogrio.write_dataframe(gdf, path, driver=driver)
        return path.read_bytes()


SAMPLES = {
    ".gpkg": _sample_bytes("GPKG", ".gpkg"),
    ".geojson": _sample_bytes("GeoJSON", ".geojson"),
    ".fgb": _sample_bytes("FlatGeobuf", ".fgb"),
    ".kml": _sample_bytes("KML", ".kml"),
}


def _outcome(call: Callable[[], object]) -> None:
    """Run an import: anything but a result or an InputError fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            call()
        except InputError as exc:
            assert exc.zh
            assert exc.en


@FUZZ
@given(
    suffix=st.sampled_from([".gpkg", ".geojson", ".json", ".fgb", ".kml", ".kmz", ".zip", ".shp"]),
    data=st.binary(min_size=0, max_size=2048),
)
def test_random_bytes_as_vector_files(suffix: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(data)
        if suffix == ".shp":
            path.with_suffix(".shx").write_bytes(data[:100])
            path.with_suffix(".dbf").write_bytes(data[::-1])
        _outcome(lambda: import_vector(path))


@FUZZ
@given(
    suffix=st.sampled_from(sorted(SAMPLES)),
    cut=st.floats(min_value=0.0, max_value=1.0),
    flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), max_size=8),
)
def test_damaged_real_files(suffix: str, cut: float, flips: list[tuple[float, int]]) -> None:
    raw = bytearray(SAMPLES[suffix])
    for where, value in flips:
        raw[min(int(where * len(raw)), len(raw) - 1)] = value
    raw = raw[: max(1, int(cut * len(raw)))] if cut < 1.0 else raw
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"damaged{suffix}"
        path.write_bytes(bytes(raw))
        _outcome(lambda: import_vector(path))


@FUZZ
@given(dbf=st.binary(min_size=0, max_size=1024))
def test_valid_shapefile_with_random_dbf(dbf: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.shp"
        gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(121.2, 31.9)], crs=4490)
        pyogrio.write_dataframe(gdf, path)
        path.with_suffix(".cpg").unlink()
        path.with_suffix(".dbf").write_bytes(dbf)
        _outcome(lambda: import_vector(path))


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=1024),
        st.text(max_size=400).map(lambda t: t.encode("utf-8")),
        st.text(alphabet="经度纬度lonat,;\t\n\"'0123456789.-xy ", max_size=300).map(
            lambda t: t.encode("gb18030")
        ),
    ),
    suffix=st.sampled_from([".csv", ".txt", ".xlsx"]),
)
def test_random_tables(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"t{suffix}"
        path.write_bytes(data)
        _outcome(lambda: read_table(path))


COORDINATE_TEXT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.text(alphabet="0123456789.-+°'\"ENSW东经北纬 ，,", max_size=16),
    st.none(),
)


@FUZZ
@given(
    headers=st.lists(st.text(min_size=0, max_size=12), min_size=1, max_size=5, unique=True),
    rows=st.lists(st.lists(COORDINATE_TEXT, min_size=5, max_size=5), min_size=0, max_size=6),
    system=st.sampled_from(["WGS84", "CGCS2000", "GCJ02", "BD09", "EPSG:4549", "gcj-02", "mars"]),
    swap=st.booleans(),
)
def test_random_headers_and_coordinates(
    headers: list[str], rows: list[list[object]], system: str, swap: bool
) -> None:
    df = pd.DataFrame([r[: len(headers)] for r in rows], columns=headers)
    x, y = guess_coordinate_columns(df)
    cols = list(df.columns)
    x = x or cols[0]
    y = y or cols[-1]
    _outcome(lambda: read_coordinate_table(df, x=x, y=y, system=system, swap_xy=swap))


@FUZZ
@given(
    lon=st.floats(73.5, 135.0),
    lat=st.floats(18.0, 53.0),
    system=st.sampled_from(["WGS84", "GCJ02", "BD09"]),
)
def test_valid_points_in_china_always_import(lon: float, lat: float, system: str) -> None:
    df = pd.DataFrame({"经度": [lon], "纬度": [lat]})
    gdf, conversions = read_coordinate_table(df, x="经度", y="纬度", system=system)
    assert len(gdf) == 1
    assert gdf.crs.to_epsg() == 4490
    shift = abs(gdf.geometry.x.iloc[0] - lon) + abs(gdf.geometry.y.iloc[0] - lat)
    assert shift < 0.05
    assert conversions
