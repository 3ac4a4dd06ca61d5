"""One converter turns table values into plain Python for JSON, tables and Excel."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from gisdesk.core.values import is_missing, plain_data, plain_record, plain_value


@pytest.mark.parametrize(
    ("value", "expected", "kind"),
    [
        (np.int64(7), 7, int),
        (np.int8(-3), -3, int),
        (np.uint32(4_000_000_000), 4_000_000_000, int),
        (np.float32(0.5), 0.5, float),
        (np.float64(2.25), 2.25, float),
        (np.bool_(True), True, bool),
        (np.str_("海门"), "海门", str),
        (3, 3, int),
        ("text", "text", str),
        (True, True, bool),
    ],
)
def test_numbers_become_python_numbers(value, expected, kind):
    out = plain_value(value)
    assert out == expected
    assert type(out) is kind


@pytest.mark.parametrize(
    "value",
    [None, math.nan, np.float64("nan"), np.float32("nan"), pd.NA, pd.NaT, np.datetime64("NaT")],
)
def test_missing_markers_become_none(value):
    assert is_missing(value) or isinstance(value, np.datetime64)
    assert plain_value(value) is None


def test_infinity_is_none_for_json_but_kept_when_asked():
    assert plain_value(math.inf) is None
    assert plain_value(np.float64("-inf")) is None
    assert plain_value(np.float64("inf"), finite=False) == math.inf
    assert plain_value(math.nan, finite=False) is None


def test_timestamps_become_datetimes_or_text():
    stamp = pd.Timestamp("2026-12-04 10:30:00")
    out = plain_value(stamp)
    assert type(out) is datetime and out == datetime(2026, 12, 4, 10, 30)
    assert plain_value(stamp, dates="iso") == "2026-12-04T10:30:00"
    assert plain_value(stamp, dates="day") == "2026-12-04"
    assert plain_value(np.datetime64("2026-12-04T10:30:00"), dates="iso") == "2026-12-04T10:30:00"
    assert plain_value(date(2026, 1, 2), dates="iso") == "2026-01-02"
    assert plain_value(date(2026, 1, 2)) == date(2026, 1, 2)
    aware = pd.Timestamp("2026-12-04 10:30:00", tz="UTC")
    assert plain_value(aware).tzinfo == UTC
    assert plain_value(pd.Timedelta(minutes=15)) == timedelta(minutes=15)


def test_other_objects_pass_through():
    point = Point(1, 2)
    assert plain_value(point) is point
    assert plain_value(b"x") == b"x"


def test_record_has_text_keys_and_plain_values():
    frame = pd.DataFrame({"n": [1, 2], "share": [0.5, np.nan], 3: ["a", None]})
    records = [plain_record(r) for r in frame.to_dict("records")]
    assert records == [{"n": 1, "share": 0.5, "3": "a"}, {"n": 2, "share": None, "3": None}]
    assert all(type(r["n"]) is int for r in records)


def test_nested_data_is_ready_for_json():
    data = {
        "counts": np.array([1, 2], dtype=np.int64),
        "total": np.int64(3),
        "pair": (np.float64(1.5), math.inf),
        "when": pd.Timestamp("2026-12-04"),
        "inner": [{1: np.bool_(False)}],
        "zero_d": np.array(4.0),
    }
    out = plain_data(data)
    text = json.dumps(out, allow_nan=False)
    assert json.loads(text) == {
        "counts": [1, 2],
        "total": 3,
        "pair": [1.5, None],
        "when": "2026-12-04T00:00:00",
        "inner": [{"1": False}],
        "zero_d": 4.0,
    }
