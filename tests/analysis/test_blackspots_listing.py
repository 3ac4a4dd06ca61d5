"""The status rules applied to one listed segment, and the project settings entry they own."""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from gisdesk.analysis.blackspots.lifecycle import STATUSES, empty_history, list_candidates
from gisdesk.analysis.blackspots.listing import (
    DEFAULT_BEFORE_AFTER,
    SETTINGS_KEY,
    BeforeAfter,
    allowed_steps,
    before_after_settings,
    blackspot_settings,
    listing_attributes,
    listing_origin,
    record_listing_origin,
    record_status_note,
    screening_settings,
    status_changes,
    status_label,
    status_notes,
    store_screening_settings,
)
from gisdesk.core.errors import InputError
from gisdesk.core.layer import Layer
from gisdesk.core.project import Project


@pytest.fixture
def candidate():
    return gpd.GeoDataFrame(
        {
            "name": ["R1 K4+800–K5+200"],
            "road": ["R1"],
            "from_km": [4.8],
            "to_km": [5.2],
            "town": ["常乐镇"],
        },
        geometry=[shapely.LineString([(0, 0), (400, 0)])],
        crs=4549,
    )


def _segments(candidate, status="排查", **dates) -> Layer:
    empty = gpd.GeoDataFrame({"segment_id": pd.Series(dtype=object)}, geometry=[], crs=4490)
    seg, _ = list_candidates(
        empty, empty_history(), candidate, level="区级", listed_date="2022-03-01", by="张"
    )
    seg["status"] = status
    for name, day in dates.items():
        seg[name] = pd.to_datetime(seg[name])
        seg.loc[0, name] = pd.Timestamp(day)
    return Layer("accident_segments", seg)


def test_steps_go_one_on_or_back_with_the_nearest_first():
    assert allowed_steps("排查") == (STATUSES[1], ())
    assert allowed_steps("整改") == ("验收", ("会商", "排查"))
    assert allowed_steps("销号") == (None, ("验收", "整改", "会商", "排查"))
    assert allowed_steps("不存在").next == "会商"  # unknown counts as the first status


def test_next_step_sets_its_date(candidate):
    layer = _segments(candidate)
    fid = int(layer.fids[0])
    changes = status_changes(layer, fid, "会商", dt.date(2022, 3, 20), None)
    assert changes == {"status": "会商", "reviewed_date": dt.datetime(2022, 3, 20)}
    assert type(changes["reviewed_date"]) is dt.datetime  # plain Python, not a Timestamp
    assert layer.data["status"].iloc[0] == "排查"  # the layer itself is not changed


def test_going_back_needs_a_reason_and_clears_later_dates(candidate):
    layer = _segments(
        candidate, "验收", reviewed_date="2022-03-20", rectified_date="2022-05-01",
        accepted_date="2022-06-10",
    )  # fmt: skip
    fid = int(layer.fids[0])
    with pytest.raises(InputError, match="原因"):
        status_changes(layer, fid, "整改", dt.date(2022, 6, 20), None)
    with pytest.raises(InputError, match="原因"):
        status_changes(layer, fid, "整改", dt.date(2022, 6, 20), "")
    changes = status_changes(layer, fid, "会商", dt.date(2022, 6, 20), "验收未通过")
    assert changes == {"status": "会商", "rectified_date": None, "accepted_date": None}


def test_skipping_and_an_earlier_date_are_refused(candidate):
    layer = _segments(candidate, "会商", reviewed_date="2022-03-20")
    fid = int(layer.fids[0])
    with pytest.raises(InputError) as skipped:
        status_changes(layer, fid, "验收", dt.date(2022, 4, 1), None)
    assert "整改" in skipped.value.zh and "Rectify" not in skipped.value.zh
    with pytest.raises(InputError, match="早于"):
        status_changes(layer, fid, "整改", dt.date(2022, 3, 1), None)
    with pytest.raises(InputError):
        status_changes(layer, fid, "完成", dt.date(2022, 4, 1), None)


def test_an_unknown_stored_status_is_refused_with_a_message(candidate):
    layer = _segments(candidate, "乱码")
    with pytest.raises(InputError) as err:
        status_changes(layer, int(layer.fids[0]), "会商", dt.date(2022, 4, 1), None)
    assert "乱码" in err.value.zh and "乱码" in err.value.en


def test_listing_attributes_are_plain_and_numbered_after_existing(candidate):
    layer = _segments(candidate)
    values = listing_attributes(layer.data, candidate, listed_date=dt.date(2023, 1, 5), by="王")
    assert values["segment_id"] == "HM-SG-02"
    assert values["status"] == "排查"
    assert "geometry" not in values
    assert set(values) <= set(layer.data.columns)
    json.dumps(values, default=str)  # no numpy scalars left
    assert all(not type(v).__module__.startswith(("numpy", "pandas")) for v in values.values())


def test_status_labels():
    assert status_label("整改", "zh") == "整改"
    assert status_label("整改", "en") == "Rectify"
    assert status_label(None, "en") == ""
    assert status_label("other", "en") == "other"


def test_settings_entry_keeps_the_stored_format():
    project = Project()
    record_status_note(
        project, 7, segment_id="HM-SG-01", was="排查", to="会商", on=dt.date(2022, 3, 20),
        reason=None, by="李", at="2022-03-20T10:00:00",
    )  # fmt: skip
    record_listing_origin(
        project, "HM-SG-01", {"candidate_id": "C3", "count": 9}, by="张", at="2022-03-01T09:00:00"
    )
    store_screening_settings(project, {"accidents": "accidents", "window_m": 500.0})
    assert project.settings[SETTINGS_KEY] == {
        "notes": {
            "7": {
                "segment_id": "HM-SG-01", "from": "排查", "to": "会商", "on": "2022-03-20",
                "reason": "", "by": "李", "at": "2022-03-20T10:00:00",
            }
        },
        "listed_from": {
            "HM-SG-01": {
                "candidate_id": "C3", "count": 9, "listed_by": "张",
                "listed_at": "2022-03-01T09:00:00",
            }
        },
        "before_after": DEFAULT_BEFORE_AFTER,
        "screening": {"accidents": "accidents", "window_m": 500.0},
    }  # fmt: skip
    assert status_notes(project)["7"]["to"] == "会商"
    assert listing_origin(project, "HM-SG-01")["count"] == 9
    assert listing_origin(project, "HM-SG-09") == {}
    assert screening_settings(project) == {"accidents": "accidents", "window_m": 500.0}
    assert before_after_settings(project) == BeforeAfter(50.0, 365)


def test_settings_written_by_an_earlier_version_are_read():
    project = Project()
    project.settings[SETTINGS_KEY] = {
        "notes": {"3": {"reason": "验收未通过"}},
        "listed_from": {},
        "before_after": {"radius_m": 80, "period_days": 180},
    }
    assert before_after_settings(project) == BeforeAfter(80.0, 180)
    assert status_notes(project) == {"3": {"reason": "验收未通过"}}
    assert screening_settings(project) is None


@pytest.mark.parametrize(
    "damaged",
    [[1, 2], "text", None, {"notes": [1], "listed_from": "x", "before_after": 3,
                            "screening": "y"}],
)  # fmt: skip
def test_a_damaged_entry_reads_as_empty(damaged):
    project = Project()
    project.settings[SETTINGS_KEY] = damaged
    assert status_notes(project) == {}
    assert listing_origin(project, "HM-SG-01") == {}
    assert before_after_settings(project) == BeforeAfter(50.0, 365)
    assert screening_settings(project) is None
    entry = blackspot_settings(project)
    assert entry is project.settings[SETTINGS_KEY]
    assert isinstance(entry["notes"], dict) and isinstance(entry["listed_from"], dict)
