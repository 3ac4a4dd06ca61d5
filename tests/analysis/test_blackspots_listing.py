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
    STEP_NEEDS,
    BeforeAfter,
    SegmentChoice,
    administrators,
    allowed_steps,
    before_after_settings,
    blackspot_settings,
    check_segment_change,
    correction_changes,
    correction_label,
    form_locks,
    listing_attributes,
    listing_origin,
    record_listing_origin,
    record_status_note,
    screening_settings,
    set_administrators,
    status_changes,
    status_label,
    status_notes,
    status_target,
    store_screening_settings,
)
from gisdesk.core.editing import FeatureChange
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


TODAY = dt.date(2024, 6, 30)
MEASURES = {"measures": "增设减速带和警示标志", "responsible_unit": "区公路事业发展中心"}


def test_steps_go_one_on_or_back_with_the_nearest_first():
    assert allowed_steps("排查") == (STATUSES[1], ())
    assert allowed_steps("整改") == ("验收", ("会商", "排查"))
    assert allowed_steps("销号") == (None, ("验收", "整改", "会商", "排查"))
    assert allowed_steps("不存在").next == "会商"  # unknown counts as the first status


def test_next_step_sets_its_date(candidate):
    layer = _segments(candidate)
    fid = int(layer.fids[0])
    changes = status_changes(
        layer, fid, "会商", dt.date(2022, 3, 20), "交警、公路站会商", values=MEASURES, today=TODAY
    )
    assert changes == {"status": "会商", "reviewed_date": dt.datetime(2022, 3, 20), **MEASURES}
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
    layer.data["measures"] = "增设减速带"
    with pytest.raises(InputError, match="早于"):
        status_changes(layer, fid, "整改", dt.date(2022, 3, 1), "减速带已装", today=TODAY)
    with pytest.raises(InputError):
        status_changes(layer, fid, "完成", dt.date(2022, 4, 1), None)


def test_an_unknown_stored_status_is_refused_with_a_message(candidate):
    layer = _segments(candidate, "乱码")
    with pytest.raises(InputError) as err:
        status_changes(layer, int(layer.fids[0]), "会商", dt.date(2022, 4, 1), "纪要")
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


# --- the steps' needs, corrections, the editor's guard and the segment a command acts on ----


def test_a_segment_walks_the_whole_loop_with_each_steps_notes(candidate):
    layer = _segments(candidate)
    fid = int(layer.fids[0])
    walk = [
        ("会商", dt.date(2022, 3, 20), "交警、公路站、镇政府会商，决定增设减速带"),
        ("整改", dt.date(2022, 5, 1), "减速带和警示标志已安装"),
        ("验收", dt.date(2022, 6, 10), "区交通安全委员会验收合格"),
        ("销号", dt.date(2022, 9, 1), "海交安委〔2022〕12号"),
    ]
    for to, on, notes in walk:
        with pytest.raises(InputError) as missing:
            status_changes(layer, fid, to, on, "  ", values=MEASURES, today=TODAY)
        assert STEP_NEEDS[to].notes_zh in missing.value.zh
        changes = status_changes(layer, fid, to, on, notes, values=MEASURES, today=TODAY)
        for name, value in changes.items():
            layer.data[name] = layer.data[name].astype(object)
            layer.data.loc[layer.data.index[0], name] = value
        assert layer.data["status"].iloc[0] == to
    assert layer.data["closed_date"].iloc[0] == dt.datetime(2022, 9, 1)
    assert allowed_steps("销号").next is None


def test_joint_review_needs_measures_and_the_responsible_unit(candidate):
    layer = _segments(candidate)
    fid = int(layer.fids[0])
    with pytest.raises(InputError) as missing:
        status_changes(layer, fid, "会商", dt.date(2022, 3, 20), "会商", today=TODAY)
    assert "整改措施、责任单位" in missing.value.zh
    with pytest.raises(InputError, match="responsible"):
        status_changes(
            layer, fid, "会商", dt.date(2022, 3, 20), "会商",
            values={"measures": "减速带", "responsible_unit": " "}, today=TODAY,
        )  # fmt: skip
    layer.data["measures"] = "减速带"
    layer.data["responsible_unit"] = "公路站"
    changes = status_changes(layer, fid, "会商", dt.date(2022, 3, 20), "会商", today=TODAY)
    assert changes == {"status": "会商", "reviewed_date": dt.datetime(2022, 3, 20)}


def test_a_step_dated_after_today_is_refused(candidate):
    layer = _segments(candidate)
    with pytest.raises(InputError, match="晚于今天"):
        status_changes(
            layer, int(layer.fids[0]), "会商", dt.date(2024, 7, 1), "纪要",
            values=MEASURES, today=TODAY,
        )  # fmt: skip


def test_an_administrator_corrects_in_any_direction_with_a_reason(candidate):
    layer = _segments(
        candidate, "验收", reviewed_date="2022-03-20", rectified_date="2022-05-01",
        accepted_date="2022-06-10",
    )  # fmt: skip
    fid = int(layer.fids[0])
    with pytest.raises(InputError, match="原因"):
        correction_changes(layer, fid, "排查", dt.date(2022, 7, 1), "", today=TODAY)
    with pytest.raises(InputError, match="已是"):
        correction_changes(layer, fid, "验收", dt.date(2022, 7, 1), "误录", today=TODAY)
    back = correction_changes(layer, fid, "会商", dt.date(2022, 7, 1), "误录", today=TODAY)
    assert back == {"status": "会商", "rectified_date": None, "accepted_date": None}
    forward = correction_changes(
        layer, fid, "销号", dt.date(2022, 7, 1), "补录纸质档案", today=TODAY
    )
    assert forward == {"status": "销号", "closed_date": dt.datetime(2022, 7, 1)}
    assert "原因：补录纸质档案" in correction_label("HM-SG-01", "验收", "销号", "补录纸质档案")[0]


def test_only_administrators_may_change_the_list():
    project = Project()
    assert administrators(project) == []
    assert set_administrators(project, ["王科长", " ", "王科长", "李"], by="张") == ["王科长", "李"]
    with pytest.raises(InputError, match="王科长"):
        set_administrators(project, ["张"], by="张")
    assert set_administrators(project, ["李"], by="王科长") == ["李"]
    project.settings[SETTINGS_KEY]["administrators"] = "damaged"
    assert administrators(project) == []


def _change(before, after, layer="accident_segments"):
    return FeatureChange(layer, 1, before, after)


def test_the_guard_keeps_new_segments_at_the_first_status():
    check_segment_change(_change(None, {"status": "排查", "reviewed_date": None}))
    check_segment_change(_change(None, {"status": "销号"}, layer="rental_factories"))
    with pytest.raises(InputError, match="排查"):
        check_segment_change(_change(None, {"status": "销号"}))
    with pytest.raises(InputError, match="排查"):
        check_segment_change(
            _change(None, {"status": "排查", "closed_date": dt.datetime(2022, 1, 1)})
        )
    check_segment_change(_change({"hazard": None}, {"hazard": "弯道"}))
    check_segment_change(_change({"listed_date": None}, {"listed_date": dt.datetime(2022, 1, 1)}))
    for field in ("status", "accepted_date"):
        with pytest.raises(InputError, match="整治状态流转"):
            check_segment_change(_change({field: None}, {field: "x"}))
    check_segment_change(_change({"a": 1}, None))  # deleting is not a status change


def test_forms_lock_the_status_and_later_dates():
    fixed, locked = form_locks("accident_segments", new=True)
    assert fixed == {"status": "排查"}
    assert set(locked) == {"status", "reviewed_date", "rectified_date", "accepted_date",
                           "closed_date"}  # fmt: skip
    assert form_locks("accident_segments", new=False)[0] == {}
    assert form_locks("villages", new=True) == ({}, ())


def test_the_segment_to_act_on_is_the_one_selected_or_chosen(candidate):
    layer = _segments(candidate)
    more = pd.concat([layer.data] * 3, ignore_index=True)
    layer = Layer("accident_segments", gpd.GeoDataFrame(more, crs=4490))
    fids = tuple(int(f) for f in layer.fids)
    assert status_target(None) == SegmentChoice(None, ())
    assert status_target(layer) == SegmentChoice(None, fids)  # none selected: choose among all
    layer.set_selection([1])
    assert status_target(layer) == SegmentChoice(fids[1], ())
    layer.set_selection([2, 0])
    assert status_target(layer) == SegmentChoice(None, (fids[0], fids[2]))
