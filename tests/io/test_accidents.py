"""Police accident tables: Chinese headers, stakes, offset coordinates, bad rows by row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from gisdesk.analysis.blackspots.matching import locate_accidents
from gisdesk.core import offsets
from gisdesk.core.errors import CRSError, InputError
from gisdesk.io.accidents import parse_stake, read_accidents, recognise_columns
from tests.analysis.test_blackspots_data import straight_roads


@pytest.fixture(scope="module")
def roads():
    return straight_roads(2, length_km=20.0, connectors=False)


def test_parse_stake():
    got = parse_stake(["K12+300", "k0+050", "12+300", "K7", 12.3, "12.3", "abc", None, "K1+2.5"])
    expect = [12.3, 0.05, 12.3, 7.0, 12.3, 12.3, np.nan, np.nan, 1.0025]
    np.testing.assert_allclose(got, expect, equal_nan=True)


def test_stake_rows_land_at_their_stake(roads, tmp_path):
    table = pd.DataFrame(
        {
            "发生时间": ["2021-03-05 14:20", "2021/3/6 8:05"],
            "死亡人数": [0, 1],
            "受伤人数": [2, 0],
            "事故形态": ["追尾", "刮擦"],
            "路名": ["R1", "R2"],
            "桩号": ["K12+300", "3.5"],
        }
    )
    path = tmp_path / "acc.xlsx"
    table.to_excel(path, index=False)
    imp = read_accidents(path)
    assert imp.issues.empty
    assert list(imp.accidents["time"]) == ["14:20", "08:05"]
    assert list(imp.accidents["date"].dt.day) == [5, 6]
    located, issues = locate_accidents(imp.accidents, roads)
    assert issues.empty
    assert list(located["match_quality"]) == ["good", "good"]
    assert list(located["located_by"]) == ["stake", "stake"]
    xy = shapely.get_coordinates(located.to_crs(4549).geometry.to_numpy())
    np.testing.assert_allclose(xy[:, 0], [600_000 + 12_300, 600_000 + 3_500], atol=0.01)
    np.testing.assert_allclose(xy[:, 1], [3_530_000, 3_532_000], atol=0.01)
    np.testing.assert_allclose(located["measure_km"], [12.3, 3.5])


def test_gcj02_input_lands_where_wgs84_does(roads):
    pts = roads.geometry.interpolate(0.37, normalized=True).iloc[:5].to_crs(4490)
    lon, lat = pts.x.to_numpy(), pts.y.to_numpy()
    base = {"日期": [f"2022-01-0{i + 1}" for i in range(5)], "死亡人数": 0, "受伤人数": 1}
    wgs = read_accidents(pd.DataFrame({**base, "经度": lon, "纬度": lat}), system="WGS84")
    g_lon, g_lat = offsets.wgs84_to_gcj02(lon, lat)
    gcj = read_accidents(pd.DataFrame({**base, "经度": g_lon, "纬度": g_lat}), system="GCJ02")
    b_lon, b_lat = offsets.wgs84_to_bd09(lon, lat)
    bd = read_accidents(pd.DataFrame({**base, "lng": b_lon, "lat": b_lat}), system="BD09")
    a = wgs.accidents.to_crs(4549).geometry
    assert a.distance(gcj.accidents.to_crs(4549).geometry).max() < 1.0
    assert a.distance(bd.accidents.to_crs(4549).geometry).max() < 1.0
    # The raw GCJ-02 numbers are hundreds of metres off.
    raw = read_accidents(pd.DataFrame({**base, "经度": g_lon, "纬度": g_lat}), system="WGS84")
    assert a.distance(raw.accidents.to_crs(4549).geometry).min() > 100
    assert any("GCJ-02" in c for c in gcj.conversions)
    located, _ = locate_accidents(gcj.accidents, roads)
    assert (located["match_quality"] == "good").all()
    assert (located["located_by"] == "coordinates").all()


def test_bad_rows_are_reported_row_by_row(roads, tmp_path):
    csv = tmp_path / "bad.csv"
    table = pd.DataFrame(
        {
            "事故编号": ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8"],
            "事故日期": [
                "2022-03-01",
                "2022-13-45",
                "2022-03-03",
                "2022-03-04",
                "2022-03-05",
                "2022年3月6日",
                "2022-03-07",
                "",
            ],
            "死亡人数": [0, 0, 0, -1, 0, 0, 0, 0],
            "受伤人数": [1, 1, 1, 1, 1, 1, 1, 1],
            "道路名称": ["R1", "R1", None, "R1", "不存在路", "R1", "R2", "R2"],
            "桩号": ["K1+000", "K2+000", None, "K3+000", "K1+000", "K99+000", "Kx", "K4"],
        }
    )
    csv.write_bytes(table.to_csv(index=False).encode("gb18030"))
    imp = read_accidents(csv)
    assert len(imp.accidents) == 8  # nothing dropped
    assert list(imp.accidents["row"]) == list(range(2, 10))
    located, loc_issues = locate_accidents(imp.accidents, roads)
    issues = pd.concat([imp.issues, loc_issues]).sort_values("row")
    by_row = issues.groupby("row")["field"].apply(set).to_dict()
    assert by_row[3] == {"date"}  # 2022-13-45
    assert by_row[4] == {"location"}  # no location at all
    assert by_row[5] == {"deaths"}  # deaths -1
    assert by_row[6] == {"road"}  # unknown road name
    assert by_row[7] == {"stake_km"}  # stake beyond the road
    assert "stake_km" in by_row[8]  # unreadable stake
    assert by_row[9] == {"date"}  # empty date
    assert 2 not in by_row
    assert imp.accidents["date"].iloc[5] == pd.Timestamp("2022-03-06")
    assert list(imp.accidents["valid"]) == [True, False, True, False, True, True, True, False]
    quality = list(located["match_quality"])
    assert quality == [
        "good",
        "good",
        "unmatched",
        "good",
        "unmatched",
        "unmatched",
        "unmatched",
        "good",
    ]
    assert issues["issue_zh"].str.len().min() > 0 and issues["issue_en"].str.len().min() > 0


def test_far_points_unmatched_and_mapping(roads):
    df = pd.DataFrame(
        {
            "when": ["2022-01-01", "2022-01-02"],
            "亡": [0, 0],
            "伤": [0, 0],
            "X": [600_500.0, 600_500.0],
            "Y": [3_530_010.0, 3_531_000.0],
        }
    )
    with pytest.raises(InputError):
        read_accidents(df, system="EPSG:4549")  # no date column recognised
    imp = read_accidents(
        df,
        system="EPSG:4549",
        mapping={"date": "when", "deaths": "亡", "injuries": "伤", "lon": "X", "lat": "Y"},
    )
    located, issues = locate_accidents(imp.accidents, roads)
    assert list(located["match_quality"]) == ["good", "unmatched"]
    assert located["match_distance_m"].iloc[0] == pytest.approx(10.0, abs=0.01)
    assert located["match_distance_m"].iloc[1] == pytest.approx(1000.0, abs=0.01)
    assert list(issues["row"]) == [3]
    with pytest.raises(CRSError):
        read_accidents(df, system="WGS-84")
    with pytest.raises(InputError):
        recognise_columns(df, mapping={"deaths": "nope"})


def test_ambiguous_between_two_named_roads():
    roads = straight_roads(2, spacing_m=20.0, connectors=False)
    df = pd.DataFrame(
        {
            "日期": ["2022-01-01"] * 2,
            "死亡人数": 0,
            "受伤人数": 0,
            "x": [601_000.0, 601_000.0],
            "y": [3_530_010.0, 3_530_010.0],
            "道路名称": [None, "R2"],
        }
    )
    imp = read_accidents(df, system="EPSG:4549")
    located, issues = locate_accidents(imp.accidents, roads)
    assert list(located["match_quality"]) == ["ambiguous", "good"]
    assert located["match_road"].iloc[1] == "R2"
    assert list(issues["row"]) == [2]


def test_each_bad_cell_is_an_issue_on_its_row_with_the_cell_as_written():
    df = pd.DataFrame(
        {
            "日期": ["2022-01-01", "2022-13-45", "2022-02-01", "2022-03-01"],
            "死亡人数": [0, 0, "两", 0],
            "受伤人数": [1, 0, 0, -1],
            "直接财产损失": [100.0, -20.5, 0.0, 0.0],
            "道路名称": ["R1"] * 4,
            "桩号": ["K1+200", "K2", "路口", "K3+000"],
        }
    )
    issues = read_accidents(df).issues
    got = list(issues[["row", "field", "value"]].itertuples(index=False, name=None))
    assert got == [
        (3, "date", "2022-13-45"),
        (3, "property_loss", -20.5),
        (4, "deaths", "两"),
        (4, "stake_km", "路口"),
        (5, "injuries", -1),
    ]
    by_field = dict(zip(issues["field"], issues["issue_en"], strict=True))
    assert by_field["injuries"] == "injuries must be a whole number of at least 0."
    assert by_field["property_loss"] == "Property loss cannot be negative."
    assert "K12+300" in by_field["stake_km"] and "2022-13-45" in by_field["date"]
