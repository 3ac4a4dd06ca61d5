"""After a GCJ-02 / BD-09 import, columns that repeated the offset coordinates follow the points."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gisdesk.core import offsets
from gisdesk.io.coordinate_columns import follow_offset
from gisdesk.tasks.imports import ImportRequest, read_file

# true positions around Haimen, and where Amap shows them
TRUE_LON = np.array([121.1712, 121.2103, 121.3378])
TRUE_LAT = np.array([31.8711, 31.9402, 32.0125])
GCJ_LON, GCJ_LAT = offsets.wgs84_to_gcj02(TRUE_LON, TRUE_LAT)


def _geojson(path: Path, properties: list[dict]) -> Path:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(x), float(y)]},
            "properties": props,
        }
        for x, y, props in zip(GCJ_LON, GCJ_LAT, properties, strict=True)
    ]
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


def test_a_point_file_whose_columns_equal_its_gcj_geometry(tmp_path: Path) -> None:
    props = [
        {"名称": f"站点{i}", "经度": round(float(x), 6), "纬度": round(float(y), 6), "编号": i}
        for i, (x, y) in enumerate(zip(GCJ_LON, GCJ_LAT, strict=True))
    ]
    imported = read_file(
        ImportRequest(path=str(_geojson(tmp_path / "amap.geojson", props)), crs="gcj02")
    )
    data = imported.data
    # the points moved back about 480 m, and the columns with them
    np.testing.assert_allclose(data.geometry.x, TRUE_LON, atol=1e-7)
    np.testing.assert_allclose(data["经度"], TRUE_LON, atol=1e-6)
    np.testing.assert_allclose(data["纬度"], TRUE_LAT, atol=1e-6)
    np.testing.assert_allclose(data["经度"], data.geometry.x, atol=1e-6)
    assert list(data["编号"]) == [0, 1, 2]  # other numbers stay
    told = " ".join(zh for zh, _en in imported.warnings)
    assert "“经度”、“纬度”" in told and "GCJ-02" in told and "CGCS2000" in told
    assert any("coordinate columns 经度, 纬度" in r for r in imported.conversions)


def test_a_gcj_coordinate_table_updates_the_columns_it_was_read_from(tmp_path: Path) -> None:
    table = pd.DataFrame(
        {
            "名称": ["甲", "乙", "丙"],
            "lng": [f"{x:.6f}" for x in GCJ_LON],
            "lat": [f"{y:.6f}" for y in GCJ_LAT],
        }
    )
    path = tmp_path / "高德.csv"
    table.to_csv(path, index=False, encoding="utf-8")
    imported = read_file(ImportRequest(path=str(path), crs="GCJ02"))
    data = imported.data
    np.testing.assert_allclose(data["lng"].astype(float), TRUE_LON, atol=1e-6)
    np.testing.assert_allclose(data["lat"].astype(float), TRUE_LAT, atol=1e-6)
    np.testing.assert_allclose(data.geometry.y, TRUE_LAT, atol=1e-7)


def test_text_columns_stay_text_with_their_decimals() -> None:
    gdf = gpd.GeoDataFrame(
        {"lng": [f"{x:.8f}" for x in GCJ_LON], "lat": [f"{y:.4f}" for y in GCJ_LAT]},
        geometry=shapely.points(TRUE_LON, TRUE_LAT),
        crs=4490,
    )
    shift = follow_offset(gdf, "GCJ02")
    assert shift.updated == {"lng": "lon"}  # 4 decimals (about 10 m) are not a copy
    assert [len(v.split(".")[1]) for v in shift.data["lng"]] == [8, 8, 8]
    np.testing.assert_allclose(shift.data["lng"].astype(float), TRUE_LON, atol=1e-7)
    assert list(shift.data["lat"]) == list(gdf["lat"])


def test_columns_that_only_partly_match_are_left_and_named() -> None:
    lon = GCJ_LON.copy()
    lon[2] = TRUE_LON[2]  # one row already corrected by hand
    gdf = gpd.GeoDataFrame(
        {"x": lon, "备注": ["a", "b", "c"]},
        geometry=shapely.points(TRUE_LON, TRUE_LAT),
        crs=4490,
    )
    shift = follow_offset(gdf, "GCJ02")
    assert shift.updated == {}
    np.testing.assert_array_equal(shift.data["x"], lon)
    assert len(shift.cautions) == 1 and "“x”列在 3 行中有 2 行" in shift.cautions[0][0]


def test_degrees_minutes_seconds_are_named_not_rewritten() -> None:
    def dms(value: float) -> str:
        d = int(value)
        m = int((value - d) * 60)
        s = (value - d - m / 60) * 3600
        return f"{d}°{m}'{s:.2f}\""

    gdf = gpd.GeoDataFrame(
        {"经度": [dms(v) for v in GCJ_LON]},
        geometry=shapely.points(TRUE_LON, TRUE_LAT),
        crs=4490,
    )
    shift = follow_offset(gdf, "GCJ02")
    assert shift.updated == {}
    assert list(shift.data["经度"]) == list(gdf["经度"])
    assert len(shift.cautions) == 1 and "度分秒" in shift.cautions[0][0]


@pytest.mark.parametrize("system", ["BD09", "GCJ02"])
def test_columns_already_true_are_not_touched(system: str) -> None:
    gdf = gpd.GeoDataFrame(
        {"lon": TRUE_LON, "lat": TRUE_LAT},
        geometry=shapely.points(TRUE_LON, TRUE_LAT),
        crs=4490,
    )
    shift = follow_offset(gdf, system)
    assert shift.updated == {} and shift.told == [] and shift.cautions == []


def test_baidu_columns_follow_too() -> None:
    bd_lon, bd_lat = offsets.wgs84_to_bd09(TRUE_LON, TRUE_LAT)
    gdf = gpd.GeoDataFrame(
        {"bd09lng": bd_lon, "bd09lat": bd_lat, "n": [1.0, 2.0, None]},
        geometry=shapely.points(TRUE_LON, TRUE_LAT),
        crs=4490,
    )
    shift = follow_offset(gdf, "BD09")
    assert shift.updated == {"bd09lng": "lon", "bd09lat": "lat"}
    np.testing.assert_allclose(shift.data["bd09lat"], TRUE_LAT, atol=1e-7)
