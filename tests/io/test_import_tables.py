"""Coordinate tables: headers, encodings, systems, swapped and out-of-China rows."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from gisdesk.core import offsets
from gisdesk.core.errors import CRSError, InputError
from gisdesk.io.files import (
    guess_coordinate_columns,
    parse_coordinates,
    read_coordinate_table,
    read_table,
)

# WGS84 truth: three places in Haimen
LON = np.array([121.1720, 121.2630, 121.4510])
LAT = np.array([31.8930, 31.9310, 31.9520])
NAMES = ["海门街道", "三星镇", "常乐镇"]


def _metric_error(gdf: gpd.GeoDataFrame) -> float:
    truth = gpd.GeoSeries(gpd.points_from_xy(LON, LAT), crs=4326).to_crs(4549)
    return float(gdf.to_crs(4549).geometry.distance(truth).max())


def test_gcj02_csv_lands_within_a_metre(tmp_path: Path) -> None:
    gx, gy = offsets.wgs84_to_gcj02(LON, LAT)
    path = tmp_path / "amap.csv"
    pd.DataFrame({"名称": NAMES, "经度": gx, "纬度": gy}).to_csv(path, index=False)
    df = read_table(path)
    x, y = guess_coordinate_columns(df)
    assert (x, y) == ("经度", "纬度")
    gdf, conversions = read_coordinate_table(df, x="经度", y="纬度", system="GCJ02")
    assert gdf.crs.to_epsg() == 4490
    assert _metric_error(gdf) < 1.0
    assert conversions == ["GCJ-02 -> CGCS2000 (gisdesk.core.offsets)"]
    # without the conversion the points would be hundreds of metres off
    raw, _ = read_coordinate_table(df, x="经度", y="纬度", system="cgcs2000")
    assert _metric_error(raw) > 300


def test_bd09_gbk_csv(tmp_path: Path) -> None:
    bx, by = offsets.wgs84_to_bd09(LON, LAT)
    path = tmp_path / "baidu.csv"
    pd.DataFrame({"名称": NAMES, "lng": bx, "lat": by}).to_csv(path, index=False, encoding="gbk")
    df = read_table(path)
    assert list(df["名称"]) == NAMES
    gdf, _ = read_coordinate_table(df, x="lng", y="lat", system="bd09")
    assert _metric_error(gdf) < 1.0


def test_excel_epsg4549(tmp_path: Path) -> None:
    pts = gpd.GeoSeries(gpd.points_from_xy(LON, LAT), crs=4490).to_crs(4549)
    path = tmp_path / "survey.xlsx"
    pd.DataFrame({"编号": ["001", "002", "003"], "X坐标": pts.x, "Y坐标": pts.y}).to_excel(
        path, index=False
    )
    df = read_table(path)
    assert guess_coordinate_columns(df) == ("X坐标", "Y坐标")
    gdf, conversions = read_coordinate_table(df, x="X坐标", y="Y坐标", system="EPSG:4549")
    assert _metric_error(gdf) < 0.01
    assert "EPSG:4549" in conversions[-1]


def test_leading_zero_codes_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("code,lon,lat\n0512,121.2,31.9\n0513,121.3,31.95\n", encoding="utf-8")
    df = read_table(path)
    assert list(df["code"]) == ["0512", "0513"]
    assert df["lon"].dtype.kind == "f"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["经度(GCJ02)", "纬度(GCJ02)"], ("经度(GCJ02)", "纬度(GCJ02)")),
        (["LNG", "LAT"], ("LNG", "LAT")),
        (["Longitude", "Latitude"], ("Longitude", "Latitude")),
        (["x", "y"], ("x", "y")),
        (["东坐标", "北坐标"], ("东坐标", "北坐标")),
        (["name", "value"], (None, None)),
    ],
)
def test_header_recognition(headers: list[str], expected: tuple[str | None, str | None]) -> None:
    assert guess_coordinate_columns(pd.DataFrame(columns=headers)) == expected


def test_coordinate_strings() -> None:
    values = pd.Series(["121.5", "１２１.５", "121°30'0\"E", "121.5°", "东经121.5", "abc", None])
    out = parse_coordinates(values)
    np.testing.assert_allclose(out[:5], 121.5)
    assert np.isnan(out[5:]).all()


def test_swapped_columns_explained_and_fixable() -> None:
    df = pd.DataFrame({"lon": LAT, "lat": LON})
    with pytest.raises(InputError, match="swapped") as info:
        read_coordinate_table(df, x="lon", y="lat", system="wgs84")
    assert "写反" in info.value.zh
    gdf, conversions = read_coordinate_table(df, x="lon", y="lat", system="wgs84", swap_xy=True)
    assert _metric_error(gdf) < 0.01
    assert "swapped" in conversions[0]


def test_single_swapped_row_is_named() -> None:
    df = pd.DataFrame({"lon": [LON[0], LAT[1], LON[2]], "lat": [LAT[0], LON[1], LAT[2]]})
    with pytest.raises(InputError, match=r"rows 3\b"):
        read_coordinate_table(df, x="lon", y="lat", system="wgs84")


def test_outside_china_rows_named() -> None:
    df = pd.DataFrame({"lon": [121.2, 24.94, 121.3], "lat": [31.9, 60.17, 31.95]})
    with pytest.raises(InputError, match=r"Rows 3 lie outside China"):
        read_coordinate_table(df, x="lon", y="lat", system="gcj02")


def test_empty_coordinates_named() -> None:
    df = pd.DataFrame({"lon": [121.2, None, "n/a"], "lat": [31.9, 31.9, 31.9]})
    with pytest.raises(InputError, match=r"Rows 3, 4 have empty"):
        read_coordinate_table(df, x="lon", y="lat", system="wgs84")


def test_metres_as_degrees_and_degrees_as_metres() -> None:
    pts = gpd.GeoSeries(gpd.points_from_xy(LON, LAT), crs=4490).to_crs(4549)
    with pytest.raises(CRSError, match="EPSG:4549"):
        read_coordinate_table(pd.DataFrame({"x": pts.x, "y": pts.y}), x="x", y="y", system="wgs84")
    with pytest.raises(CRSError, match="degrees"):
        read_coordinate_table(pd.DataFrame({"x": LON, "y": LAT}), x="x", y="y", system="epsg:4549")
    with pytest.raises(InputError, match="swapped"):
        read_coordinate_table(pd.DataFrame({"x": pts.y, "y": pts.x}), x="x", y="y", system="4549")


def test_unknown_system_and_column() -> None:
    df = pd.DataFrame({"lon": LON, "lat": LAT})
    with pytest.raises(CRSError):
        read_coordinate_table(df, x="lon", y="lat", system="mars")
    with pytest.raises(InputError, match="no column"):
        read_coordinate_table(df, x="lng", y="lat", system="wgs84")


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary\x00", "binary"),
        (b"   \n  \n", "blank"),
        (b"a,b\n1,2,3,4\n", "Cannot read"),
    ],
)
def test_bad_tables(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=match):
        read_table(path)


def test_fake_xlsx_and_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"this is not a workbook")
    with pytest.raises(InputError, match="Cannot read"):
        read_table(path)
    csv = tmp_path / "big.csv"
    csv.write_text("lon,lat\n" + "121.2,31.9\n" * 100, encoding="utf-8")
    with pytest.raises(InputError, match="too large"):
        read_table(csv, max_bytes=50)


def test_semicolon_and_tab_separated(tmp_path: Path) -> None:
    for sep in (";", "\t"):
        path = tmp_path / "t.csv"
        path.write_text(f"名称{sep}经度{sep}纬度\n甲{sep}121.2{sep}31.9\n", encoding="utf-8")
        df = read_table(path)
        assert list(df.columns) == ["名称", "经度", "纬度"]


def test_sheet_names_lists_a_workbooks_sheets_and_nothing_for_others(tmp_path):
    from gisdesk.io.tables import sheet_names

    book = tmp_path / "book.xlsx"
    with pd.ExcelWriter(book) as writer:
        for name in ("说明", "事故", "汇总"):
            pd.DataFrame({"a": [1]}).to_excel(writer, sheet_name=name, index=False)
    assert sheet_names(book) == ["说明", "事故", "汇总"]
    assert read_table(book, sheet="事故")["a"].tolist() == [1]
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    assert sheet_names(broken) == []
    assert sheet_names(tmp_path / "missing.xlsx") == []
    (tmp_path / "t.csv").write_text("a\n1\n", encoding="utf-8")
    assert sheet_names(tmp_path / "t.csv") == []
