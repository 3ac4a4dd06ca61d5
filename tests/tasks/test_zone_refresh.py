"""A station edit refreshes key zones as a full run of the same request would.

The refresh after an edit (:func:`gisdesk.tasks.derived.refresh_zones`) is compared with the
zones task run afresh on the edited stations, for each way a zone's size and shape is given:
one radius, each station's own radius (``radius_field``), and zones clipped to the towns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.tasks import ProjectSource, request_from_record, run_request
from gisdesk.tasks.derived import refresh_zones, remember_run
from gisdesk.tasks.zones import ZonesRequest

TARGETS = ("enterprises", "villages")
REQUESTS = {
    "one radius": ZonesRequest(targets=TARGETS, radius_m=2500.0),
    "station radii": ZonesRequest(targets=TARGETS, radius_m=3000.0, radius_field="zone_radius_m"),
    "clipped": ZonesRequest(targets=TARGETS, clip="towns"),
    "station radii, clipped": ZonesRequest(
        targets=TARGETS, radius_m=None, radius_field="zone_radius_m", clip="towns"
    ),
}


def _project(sample_project, stations) -> Project:
    project = Project(title="zones")
    for name in (*TARGETS, "towns"):
        project.add_layer(sample_project.layer(name))
    project.add_layer(Layer("monitoring_stations", stations))
    return project


def _same(got, expected) -> None:
    attrs = [c for c in expected.columns if c != "geometry"]
    pd.testing.assert_frame_equal(
        pd.DataFrame(got[attrs]).reset_index(drop=True),
        pd.DataFrame(expected[attrs]).reset_index(drop=True),
        check_dtype=False,
    )
    assert got.geometry.geom_equals_exact(expected.geometry.reset_index(drop=True), 1e-9).all()


@pytest.mark.parametrize("case", list(REQUESTS))
def test_a_moved_station_is_refreshed_as_a_full_run_would_give(sample_project, case):
    request = REQUESTS[case]
    stations = sample_project.layer("monitoring_stations").data.copy()
    stations.loc[stations.index[2], "zone_radius_m"] = 1500.0  # one station's own radius
    project = _project(sample_project, stations)
    record = remember_run(project, request, ["key_zones", "zone_members"])
    again = request_from_record(record)  # what the window reads back from the project
    assert again == request
    fids = np.arange(len(stations), dtype=np.int64) + 1
    targets = {n: project.layer(n).data for n in TARGETS}
    clip = project.layer("towns").data if request.clip else None
    parts, zones, members = refresh_zones(stations, fids, targets, again, {}, None, clip_to=clip)

    # the station with its own radius moves 4 km north-east: only it is computed again
    moved = stations.copy()
    moved.loc[moved.index[2], "geometry"] = shapely.affinity.translate(
        moved.geometry.iloc[2], 0.03, 0.03
    )
    parts, zones, members = refresh_zones(
        moved, fids, targets, again, parts, {int(fids[2])}, clip_to=clip
    )
    full = run_request(ProjectSource(_project(sample_project, moved)), request)
    _same(zones, full.layers[0].data)
    _same(members, full.layers[1].data)
    assert len(members) > 0
    if request.radius_field:  # the station's own 1.5 km, not the 3 km of the others
        own = members[members["station_code"] == stations["code"].iloc[2]]
        assert own["distance_m"].max() <= 1500.0
    if request.clip:  # pieces per town, one summary row per station
        assert zones["feature"].duplicated().any()
        assert full.district[0].value == len(full.summary.rows) == zones["feature"].nunique()
