"""One reader of dates and times (core.values.local_times) for imports, schemas, targets and
black spots: the forms staff type, mixed in one column, and time stamps with a zone counted on
Beijing's clock."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from gisdesk.core.schema import coerce_values
from gisdesk.core.values import local_times

T = pd.Timestamp


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-01-05", T("2022-01-05")),
        ("2022/1/5", T("2022-01-05")),
        ("2022.1.5", T("2022-01-05")),
        ("2022-1-5", T("2022-01-05")),
        ("20220105", T("2022-01-05")),
        (20220105, T("2022-01-05")),
        (20220105.0, T("2022-01-05")),
        ("2022年1月5日", T("2022-01-05")),
        ("2022年01月05日 8时30分", T("2022-01-05 08:30")),
        ("2022/1/5 8:30", T("2022-01-05 08:30")),
        (" 2022-12-31 08:00 ", T("2022-12-31 08:00")),
        ("2022-01-01T00:30:00+08:00", T("2022-01-01 00:30")),
        ("2021-12-31T16:30:00Z", T("2022-01-01 00:30")),
        (datetime(2021, 12, 31, 16, 30, tzinfo=UTC), T("2022-01-01 00:30")),
        (datetime(2022, 1, 1, 0, 30), T("2022-01-01 00:30")),
        (date(2022, 5, 1), T("2022-05-01")),
        (np.datetime64("2022-05-01"), T("2022-05-01")),
        (T("2022-05-01 10:00"), T("2022-05-01 10:00")),
    ],
)
def test_each_form_is_read_alone_and_in_a_column_of_others(value, expected):
    assert local_times([value]).iloc[0] == expected
    column = local_times(["2020-06-01", value, "2021年2月3日", None])
    assert column.iloc[1] == expected
    assert column.iloc[0] == T("2020-06-01") and column.iloc[2] == T("2021-02-03")
    assert pd.isna(column.iloc[3])


@pytest.mark.parametrize(
    "value",
    [
        "",
        "  ",
        None,
        float("nan"),
        pd.NA,
        pd.NaT,
        "abc",
        "5",
        "3.5",
        3.5,
        7,
        True,
        "2022-02-30",
        "0001-01-01",
        "9999-12-31",
        [2022, 1, 5],
        {"d": 1},
    ],
)
def test_what_is_no_date_is_missing(value):
    assert local_times(["2022-01-05", value]).isna().tolist() == [False, True]


def test_zones_mixed_with_local_times_and_each_other():
    values = ["2022-01-01T00:30:00+08:00", "2022-12-31", "2021-12-31T16:30:00Z", "2022/3/1 9:00"]
    assert local_times(values).tolist() == [
        T("2022-01-01 00:30"),
        T("2022-12-31"),
        T("2022-01-01 00:30"),
        T("2022-03-01 09:00"),
    ]


def test_datetime_columns_keep_their_index_and_zoned_ones_come_to_beijing_time():
    index = pd.Index([10, 20], name="fid")
    naive = pd.Series(pd.to_datetime(["2022-01-05", None]), index=index, name="date")
    out = local_times(naive)
    assert out.index.equals(index) and out.name == "date" and out.dtype == "datetime64[ns]"
    zoned = pd.Series(pd.to_datetime(["2021-12-31T16:30:00Z", "2022-06-30T23:59:00Z"]))
    assert local_times(zoned).tolist() == [T("2022-01-01 00:30"), T("2022-07-01 07:59")]
    east = timezone(timedelta(hours=9))
    assert local_times([datetime(2022, 1, 1, 1, 30, tzinfo=east)]).tolist() == [
        T("2022-01-01 00:30")
    ]


def test_a_long_column_is_read_like_its_cells_one_by_one():
    rng = np.random.default_rng(7)
    stamps = T("2020-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365 * 1440, 500), unit="min")
    forms = ["%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y年%m月%d日 %H时%M分", "%Y%m%d"]
    values = [s.strftime(forms[i % len(forms)]) for i, s in enumerate(stamps)]
    whole = local_times(values)
    assert whole.tolist() == [local_times([v]).iloc[0] for v in values]
    expected = [s if i % 4 != 3 else s.normalize() for i, s in enumerate(stamps)]
    assert whole.tolist() == expected


def test_a_schema_date_field_takes_the_day_in_beijing_time():
    values = pd.Series(
        ["2022-01-01T00:30:00+08:00", "2021-12-31T16:30:00Z", "2022年3月1日", "not a date"],
        dtype=object,
    )
    out = coerce_values(values, "date")
    assert str(out.dtype) == "datetime64[ms]"
    assert out.tolist()[:3] == [T("2022-01-01"), T("2022-01-01"), T("2022-03-01")]
    assert pd.isna(out.iloc[3])


def test_importing_a_geojson_with_zoned_dates_keeps_their_day(tmp_path, sample_path):
    """Before: `gisdesk import` stopped with an internal error (TypeError in coerce_values)."""
    from gisdesk.cli.main import main
    from gisdesk.io.project_store import open_project

    features = [
        {
            "type": "Feature",
            "properties": {"date": when, "deaths": 1, "injuries": 0, "road": "G328"},
            "geometry": {"type": "Point", "coordinates": [121.2 + i / 100, 31.9]},
        }
        for i, when in enumerate(["2022-01-01T00:30:00+08:00", "2021-12-31T16:30:00Z"])
    ]
    source = tmp_path / "accidents.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    project = tmp_path / "p.gpkg"
    project.write_bytes(sample_path.read_bytes())
    code = main(
        ["import", str(project), str(source), "--name", "新事故", "--layer-type", "accidents"]
    )
    assert code == 0
    data = open_project(project).layer("新事故").data
    assert [d.date() for d in data["date"]] == [date(2022, 1, 1), date(2022, 1, 1)]


def test_black_spot_period_filter_reads_zoned_dates():
    """Before: comparing zoned dates with the period's ends raised a TypeError."""
    from gisdesk.analysis.blackspots.screening import accidents_in_period

    accidents = gpd.GeoDataFrame(
        {"date": ["2022-01-01T00:30:00+08:00", "2021-12-31T23:30:00+08:00", "2022年6月1日"]},
        geometry=[Point(0, 0)] * 3,
        crs=4549,
    )
    kept, years = accidents_in_period(accidents, "2022-01-01", "2022-12-31")
    assert kept.index.tolist() == [0, 2]
    assert years == pytest.approx(365 / 365.25)
