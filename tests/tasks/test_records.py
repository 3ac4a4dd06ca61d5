"""Requests as records and back (gisdesk.tasks.records), for every registered task.

A record may come back from a project file someone edited by hand, so every field of every
request is read by its type: text that is a number or a yes/no is read as one, and a value of
the wrong kind is refused with a message that names the field, never passed on to the task.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import types
import typing
from collections.abc import Mapping

import pytest

from gisdesk.core.errors import InputError
from gisdesk.tasks import TASKS, request_from_record
from gisdesk.tasks.blackspots import ScreeningRequest
from gisdesk.tasks.camera_gaps import CameraGapsRequest
from gisdesk.tasks.exports import ExportRequest
from gisdesk.tasks.imports import ImportRequest
from gisdesk.tasks.plates import PlateRequest
from gisdesk.tasks.records import Recorded, read_value
from gisdesk.tasks.service_areas import ServiceAreasRequest
from gisdesk.tasks.siting import SitingRequest
from gisdesk.tasks.targets import TargetsRequest
from gisdesk.tasks.webmap import WebMapRequest
from gisdesk.tasks.zones import ZonesRequest

EXAMPLES = [  # every field away from its default where it has a choice
    ZonesRequest(targets=("villages",), radius_m=None, radius_field="r", levels=None, clip="towns"),
    ServiceAreasRequest(minutes=20.0, speed_kmh=18.0, lines=True, raster_cell_m=12.5),
    SitingRequest(candidates="villages", target_share=None, k=4, solver="greedy"),
    SitingRequest(target_share=0.9, targets_file="plan.yaml"),
    ScreeningRequest(towns=None, weights=(8.0, 2.0, 1.0), min_count=7, qualities=("good",)),
    CameraGapsRequest(max_gap_km=7.5, include_ends=True),
    ImportRequest(path="a.xlsx", sheet=2, swap_xy=True, x="经度", y="纬度"),
    ImportRequest(path="a.xlsx", sheet="站点"),
    ExportRequest(layer="villages", out="v.csv", format="csv", headers="en"),
    TargetsRequest(as_of=dt.date(2025, 6, 30), targets_file="t.yaml"),
    WebMapRequest(out="m.html", layers=("towns",), road_classes=("国道",), simplify_m=5.0),
    PlateRequest(
        out="p.pdf",
        template={"page": "A4", "landscape": True},
        layers=("towns", "roads"),
        extent=(121.0, 31.7, 121.6, 32.1),
        hide=("legend",),
        names=("海门街道",),
    ),
]


def test_every_task_has_an_example_and_its_record_is_plain_json():
    assert {type(r).kind for r in EXAMPLES} == set(TASKS)
    for request in EXAMPLES:
        assert isinstance(request, Recorded)
        record = request.to_record()
        assert json.loads(json.dumps(record, ensure_ascii=False)) == record  # plain data
        assert set(record["layers"]) == set(type(request).layer_fields)
        assert request_from_record(record) == request
        flat = {**record["layers"], **record["options"]}
        assert type(request).from_record(flat) == request


def test_text_from_a_hand_edited_file_is_read_by_type():
    record = ServiceAreasRequest().to_record()
    record["options"] |= {"minutes": " 20 ", "lines": "false", "per_facility": "是"}
    request = request_from_record(record)
    assert request.minutes == 20.0 and request.lines is False and request.per_facility is True
    siting = request_from_record({"kind": "siting", "options": {"k": "3", "target_share": None}})
    assert siting.k == 3 and siting.target_share is None
    assert request_from_record({"kind": "targets", "options": {"as_of": "2025-12-31"}}) == (
        TargetsRequest(as_of=dt.date(2025, 12, 31))
    )
    # keys the request does not have are left out
    assert request_from_record({"kind": "camera_gaps", "options": {"colour": "red"}}) == (
        CameraGapsRequest()
    )


def _wrong_values(hint) -> list[object]:
    """Values no reading of ``hint`` accepts."""
    args = typing.get_args(hint)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        kinds = [a for a in args if a is not type(None)]
        refused = [{repr(v): v for v in _wrong_values(a)} for a in kinds]
        common = set.intersection(*(set(r) for r in refused))
        return [v for k, v in refused[0].items() if k in common and v is not None]
    if origin is typing.Literal:
        return ["nope", 3, ["to_facility"], None]
    if hint is bool:
        return ["maybe", 2, [True], None]
    if hint in (int, float):
        return ["many", "nan", True, [1], None] + ([2.5] if hint is int else [])
    if hint is str:
        return [12, ["a"], {"a": 1}, None]
    if hint is dt.date:
        return ["31/12/2025", 20251231, None]
    if origin is tuple:
        return ["abc", {"a": 1}, 5, None] + ([[1.0]] if args[-1] is not Ellipsis else [])
    if origin in (dict, Mapping):
        return [["a"], 3, None]
    raise AssertionError(f"no wrong values for {hint!r}")


def test_a_value_of_the_wrong_kind_is_refused_with_the_field_named():
    checked = 0
    for request in EXAMPLES:
        cls = type(request)
        hints = typing.get_type_hints(cls)
        for field in dataclasses.fields(cls):
            if cls is SitingRequest and field.name == "target_share" and request.k is not None:
                continue  # a record with k drops its share (older records kept both)
            for wrong in _wrong_values(hints[field.name]):
                record = request.to_record()
                where = "layers" if field.name in cls.layer_fields else "options"
                record[where][field.name] = wrong
                with pytest.raises(InputError) as caught:
                    request_from_record(record)
                assert field.name in caught.value.zh and field.name in caught.value.en
                checked += 1
    assert checked > 150


def test_the_message_shows_a_long_hostile_value_shortened_and_as_text():
    hostile = '=HYPERLINK("http://x")<b>{{7*191}}</b>' * 20
    with pytest.raises(InputError) as caught:
        read_value(float, hostile, "minutes")
    message = str(caught.value)
    assert "=HYPERLINK" in message and len(message) < 400
    assert "1337" not in message
