"""Zones kept per station: one station's recomputation gives the same layers as a full run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from gisdesk.analysis.zone_updates import assemble_zones, member_counts, station_parts
from gisdesk.analysis.zones import station_zones, zone_members

TARGETS = ("enterprises", "rental_factories", "villages")


def _same(zones, members, stations, targets) -> None:
    full_z = station_zones(stations)
    full_m = zone_members(stations, targets)
    attrs = [c for c in full_z.columns if c != "geometry"]
    pd.testing.assert_frame_equal(
        pd.DataFrame(zones[attrs]), pd.DataFrame(full_z[attrs]), check_dtype=False
    )
    assert zones.geometry.geom_equals_exact(full_z.geometry, 1e-9).all()
    cols = [c for c in full_m.columns if c != "geometry"]
    pd.testing.assert_frame_equal(
        pd.DataFrame(members[cols]), pd.DataFrame(full_m[cols]), check_dtype=False
    )


def test_moving_adding_and_deleting_stations_recompute_only_them(sample_project):
    layer = sample_project.layer("monitoring_stations")
    stations, fids = layer.data, layer.fids.copy()
    targets = {n: sample_project.layer(n).data for n in TARGETS}
    parts = station_parts(stations, fids, targets)
    _same(*assemble_zones(fids, parts), stations, targets)
    counts = member_counts(assemble_zones(fids, parts)[1])
    assert counts.loc["海门市监测站"].tolist() == [50, 39, 6]  # the README's figures

    # move the national station 2008A by ~2 km east and add a provincial one
    moved = stations.copy()
    moved.loc[0, "geometry"] = shapely.Point(121.194, 31.896)
    extra = moved.iloc[[2]].copy()
    extra["code"], extra["name"] = "HM-S09", "新站"
    extra["geometry"] = [shapely.Point(121.30, 31.98)]
    moved = pd.concat([moved, extra], ignore_index=True)
    new_fids = np.append(fids, fids.max() + 1)
    fresh = station_parts(moved, new_fids, targets, only={int(fids[0]), int(new_fids[-1])})
    assert set(fresh) == {int(fids[0]), int(new_fids[-1])}
    _same(*assemble_zones(new_fids, {**parts, **fresh}), moved, targets)

    # delete the second national station: its part is simply left out
    kept = np.flatnonzero(new_fids != fids[1])
    remaining = moved.iloc[kept].reset_index(drop=True)
    zones, members = assemble_zones(new_fids[kept], {**parts, **fresh})
    _same(zones, members, remaining, targets)
    assert "2009A" not in set(members["station_code"])
