"""Vector import: formats, Shapefile encodings, missing CRS, web-map offsets."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from shapely.geometry import LineString, Point

from gisdesk.core import offsets
from gisdesk.core.errors import CRSError, InputError
from gisdesk.io.encodings import detect_dbf_encoding, normalise_encoding, shapefile_encoding
from gisdesk.io.files import import_vector, list_layers, read_vector_file

NAMES = ["海门街道", "三星镇", "常乐镇"]
KINDS = ["印染厂", "村委会", "污水处理站"]


def _points(crs: int | None = 4490) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"名称": NAMES, "类型": KINDS, "人口": [1200, 850, 430]},
        geometry=[Point(121.17, 31.89), Point(121.26, 31.93), Point(121.45, 31.95)],
        crs=crs,
    )


def _gbk_shapefile(folder: Path) -> Path:
    path = folder / "村庄.shp"
    pyogrio.write_dataframe(_points(), path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    return path


def test_gbk_shapefile_without_cpg_imports_intact(tmp_path: Path) -> None:
    path = _gbk_shapefile(tmp_path)
    assert not path.with_suffix(".cpg").exists()
    result = import_vector(path)
    assert list(result.data["名称"]) == NAMES
    assert list(result.data["类型"]) == KINDS
    assert result.encoding is not None
    assert result.encoding.encoding == "GB18030"
    assert result.encoding.source == "detected"
    assert result.data.crs.to_epsg() == 4490
    assert any("GB18030" in c for c in result.conversions)


def test_encoding_argument_wins(tmp_path: Path) -> None:
    path = _gbk_shapefile(tmp_path)
    result = import_vector(path, encoding="gbk")
    assert result.encoding is not None
    assert (result.encoding.encoding, result.encoding.source) == ("GBK", "argument")
    assert list(result.data["名称"]) == NAMES


def test_cpg_is_believed(tmp_path: Path) -> None:
    path = tmp_path / "utf8.shp"
    pyogrio.write_dataframe(_points(), path, encoding="UTF-8")
    path.with_suffix(".cpg").write_text("65001", encoding="ascii")
    choice = shapefile_encoding(path)
    assert choice is not None
    assert (choice.encoding, choice.source) == ("UTF-8", "cpg")
    assert list(import_vector(path).data["名称"]) == NAMES


def test_zipped_gbk_shapefile(tmp_path: Path) -> None:
    shp = _gbk_shapefile(tmp_path)
    archive = tmp_path / "villages.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in shp.parent.glob("村庄.*"):
            zf.write(part, part.name)
    result = import_vector(archive)
    assert list(result.data["名称"]) == NAMES


def test_detect_encoding_from_bytes() -> None:
    assert detect_dbf_encoding(b"plain ascii").source == "default"
    assert detect_dbf_encoding("海门".encode()).encoding == "UTF-8"
    assert detect_dbf_encoding("海门".encode("gbk")).encoding == "GB18030"
    assert normalise_encoding("936") == "GBK"
    with pytest.raises(InputError):
        normalise_encoding("no-such-codec")


@pytest.mark.parametrize(
    ("driver", "suffix"),
    [("GPKG", ".gpkg"), ("GeoJSON", ".geojson"), ("FlatGeobuf", ".fgb"), ("KML", ".kml")],
)
def test_formats_round_trip_chinese(tmp_path: Path, driver: str, suffix: str) -> None:
    path = tmp_path / f"data{suffix}"
    src = _points(4326) if driver == "KML" else _points()
    pyogrio.write_dataframe(src, path, driver=driver)
    result = import_vector(path)
    assert result.data.crs.to_epsg() == 4490
    data = result.data.sort_values("名称", key=lambda s: s.map(NAMES.index))  # FlatGeobuf sorts
    assert list(data["名称"]) == NAMES
    np.testing.assert_allclose(data.geometry.x, src.geometry.x, atol=1e-7)


def test_geopackage_any_layer(tmp_path: Path) -> None:
    path = tmp_path / "two.gpkg"
    pyogrio.write_dataframe(_points(), path, layer="villages")
    lines = gpd.GeoDataFrame(
        {"name": ["一号路"]}, geometry=[LineString([(121.1, 31.9), (121.2, 31.9)])], crs=4490
    )
    pyogrio.write_dataframe(lines, path, layer="roads")
    assert set(list_layers(path)) == {"villages", "roads"}
    assert list(import_vector(path, layer="roads").data["name"]) == ["一号路"]
    with pytest.raises(InputError, match="rivers"):
        import_vector(path, layer="rivers")


def test_kmz(tmp_path: Path) -> None:
    kml = tmp_path / "doc.kml"
    pyogrio.write_dataframe(_points(4326), kml, driver="KML")
    kmz = tmp_path / "points.kmz"
    with zipfile.ZipFile(kmz, "w") as zf:
        zf.write(kml, "doc.kml")
    assert list(import_vector(kmz).data["名称"]) == NAMES


def test_layer_without_crs_is_refused_unless_stated(tmp_path: Path) -> None:
    path = tmp_path / "noprj.shp"
    pyogrio.write_dataframe(_points(), path)
    path.with_suffix(".prj").unlink()
    with pytest.raises(CRSError, match="no coordinate system"):
        import_vector(path)
    result = import_vector(path, crs="cgcs2000")
    assert result.data.crs.to_epsg() == 4490
    assert any("declared none" in c for c in result.conversions)
    # the old entry point refuses too
    with pytest.raises(CRSError):
        read_vector_file(path)


def test_metres_declared_as_degrees_is_explained(tmp_path: Path) -> None:
    gdf = _points().to_crs(4549).set_crs(4490, allow_override=True)
    path = tmp_path / "wrong.gpkg"
    pyogrio.write_dataframe(gdf, path)
    with pytest.raises(CRSError, match="EPSG:4549"):
        import_vector(path)
    fixed = import_vector(path, crs="epsg:4549")
    np.testing.assert_allclose(fixed.data.geometry.x, _points().geometry.x, atol=1e-8)


def test_gcj02_file_is_shifted(tmp_path: Path) -> None:
    truth = _points(4326)
    gx, gy = offsets.wgs84_to_gcj02(truth.geometry.x, truth.geometry.y)
    shifted = truth.set_geometry(gpd.points_from_xy(gx, gy), crs=4326)
    path = tmp_path / "amap.geojson"
    pyogrio.write_dataframe(shifted, path, driver="GeoJSON")
    result = import_vector(path, crs="gcj02")
    metric = result.data.to_crs(4549).geometry
    error = metric.distance(truth.to_crs(4549).geometry.set_crs(4549, allow_override=True))
    assert float(error.max()) < 0.01
    assert any("GCJ-02" in c for c in result.conversions)


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("empty.gpkg", b"", "empty"),
        ("fake.gpkg", b"not a database at all" * 10, "damaged"),
        ("fake.zip", b"PK\x03\x04garbage", "damaged"),
        ("broken.geojson", b'{"type": "FeatureCollection", "features": [', "damaged"),
    ],
)
def test_bad_files_give_input_errors(tmp_path: Path, name: str, content: bytes, match: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=match) as info:
        import_vector(path)
    assert info.value.zh != info.value.en  # both languages


def test_truncated_geopackage(tmp_path: Path) -> None:
    good = tmp_path / "good.gpkg"
    pyogrio.write_dataframe(_points(), good)
    bad = tmp_path / "bad.gpkg"
    bad.write_bytes(good.read_bytes()[:3000])
    with pytest.raises(InputError):
        import_vector(bad)


def test_enormous_file_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.geojson"
    pyogrio.write_dataframe(_points(), path, driver="GeoJSON")
    with pytest.raises(InputError, match="too large"):
        import_vector(path, max_bytes=100)


def test_shapefile_missing_parts(tmp_path: Path) -> None:
    path = tmp_path / "parts.shp"
    pyogrio.write_dataframe(_points(), path)
    path.with_suffix(".dbf").unlink()
    with pytest.raises(InputError, match=r"\.dbf"):
        import_vector(path)


def test_empty_layer_refused(tmp_path: Path) -> None:
    path = tmp_path / "none.gpkg"
    pyogrio.write_dataframe(_points().iloc[:0], path)
    with pytest.raises(InputError, match="no features"):
        import_vector(path)


def test_detect_encoding_tolerates_a_cut_character() -> None:
    cut = ("海门街道三星镇" * 5).encode("gbk")[:-1]
    assert detect_dbf_encoding(cut).encoding == "GB18030"
