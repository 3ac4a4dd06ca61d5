"""The records of analyses run on a project (gisdesk.tasks.derived), without the window."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point

from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.tasks import request_from_record
from gisdesk.tasks.derived import (
    SETTINGS_KEY,
    derived_records,
    record_key,
    records_reading,
    remember_run,
)
from gisdesk.tasks.zones import ZonesRequest


def _project(*names: str) -> Project:
    project = Project(title="t")
    for name in names:
        data = gpd.GeoDataFrame({"n": [1]}, geometry=[Point(121.2, 31.9)], crs=4490)
        project.add_layer(Layer(name, data))
    return project


def test_a_second_run_replaces_its_record_and_re_runs_as_the_first():
    project = _project("stations", "villages", "zones", "members")
    first = ZonesRequest(stations="stations", targets=("villages",), radius_m=3000.0)
    remember_run(project, first, ["zones", "members"])
    second = ZonesRequest(stations="stations", targets=("villages",), radius_m=5000.0)
    entry = remember_run(project, second, ["zones", "members"])
    assert project.settings[SETTINGS_KEY] == [entry]
    assert record_key(entry) == "zones|members"
    assert entry["sources"] == ["stations", "villages"]
    assert request_from_record(entry) == second


def test_records_follow_their_sources_and_drop_when_a_result_layer_is_removed():
    project = _project("stations", "villages", "roads", "zones", "members")
    request = ZonesRequest(stations="stations", targets=("villages",))
    remember_run(project, request, ["zones", "members"])
    assert len(records_reading(project, {"villages"})) == 1
    assert records_reading(project, {"roads"}) == []
    # an edit of a result layer itself does not make its record stale
    assert records_reading(project, {"stations", "zones"}) == []
    project.remove_layer("members")
    assert derived_records(project) == []


def test_damaged_records_from_a_hand_edited_file_are_passed_over():
    project = _project("stations", "villages", "zones", "members")
    good = remember_run(
        project, ZonesRequest(stations="stations", targets=("villages",)), ["zones", "members"]
    )
    project.settings[SETTINGS_KEY] = [
        "zones",
        {"kind": "zones"},
        {"kind": "zones", "sources": "stations", "outputs": ["zones"]},
        {"kind": 3, "sources": [], "outputs": ["zones"]},
        {"kind": "zones", "sources": ["stations"], "outputs": []},
        good,
    ]
    assert derived_records(project) == [good]
    assert records_reading(project, {"stations"}) == [good]
    again = remember_run(
        project, ZonesRequest(stations="stations", targets=("villages",)), ["zones", "members"]
    )
    assert project.settings[SETTINGS_KEY][-1] == again
    assert len(project.settings[SETTINGS_KEY]) == 6  # the damaged ones are kept as they were
    project.settings[SETTINGS_KEY] = {"not": "a list"}
    assert derived_records(project) == []
    remember_run(project, ZonesRequest(stations="stations"), ["zones", "members"])
    assert len(project.settings[SETTINGS_KEY]) == 1
