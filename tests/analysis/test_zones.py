"""Zone membership by exact distance; buffer zones in metres."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gisdesk.analysis.zones import buffer_zones, station_zones, zone_members
from gisdesk.core.errors import CRSError, InputError

X0, Y0 = 600_000.0, 3_530_000.0


def stations():
    return gpd.GeoDataFrame(
        {
            "code": ["2008A", "2009A", "T1"],
            "name": ["海门市监测站", "社会福利院", "镇站"],
            "level": ["国控", "国控", "镇级"],
            "zone_radius_m": [3000.0, 1000.0, np.nan],
        },
        geometry=[
            shapely.Point(X0, Y0),
            shapely.Point(X0 + 20_000, Y0),
            shapely.Point(X0, Y0 + 20_000),
        ],
        crs=4549,
    ).to_crs(4490)


def targets(offsets):
    return gpd.GeoDataFrame(
        {"name": [f"E{i}" for i in range(len(offsets))], "kind": "工业企业"},
        geometry=[shapely.Point(X0 + dx, Y0 + dy) for dx, dy in offsets],
        crs=4549,
    )


def test_just_inside_and_just_outside_3_km():
    ent = targets([(2999.9, 0), (3000.1, 0), (0, -2999.9), (2121.3, 2121.3)])
    m = zone_members(stations(), {"enterprises": ent})
    # 4490 -> 4549 round trip moves points by far less than the 0.1 m margins.
    assert sorted(m["name"]) == ["E0", "E2", "E3"]
    expected = sorted([2999.9, 2999.9, float(np.hypot(2121.3, 2121.3))])
    assert sorted(m["distance_m"]) == pytest.approx(expected, abs=1e-3)
    assert set(m["station_code"]) == {"2008A"} and set(m["layer"]) == {"enterprises"}
    assert set(m["kind"]) == {"工业企业"} and m.crs.to_epsg() == 4490


def test_exact_membership_beats_a_20_gon_buffer():
    rng = np.random.default_rng(7)
    r = 3000 * np.sqrt(rng.uniform(0, 1.2, 20_000))
    a = rng.uniform(0, 2 * np.pi, r.size)
    ent = targets(np.column_stack([r * np.cos(a), r * np.sin(a)]))
    m = zone_members(stations(), {"enterprises": ent}, levels=["国控"])
    truth = int((np.hypot(r * np.cos(a), r * np.sin(a)) <= 3000).sum())
    assert (m["station_code"] == "2008A").sum() == truth
    gon20 = shapely.buffer(shapely.Point(X0, Y0), 3000, quad_segs=5)
    in_polygon = int(shapely.contains_xy(gon20, X0 + r * np.cos(a), Y0 + r * np.sin(a)).sum())
    assert in_polygon < truth  # the polygon misses points near the circle


def test_per_station_radius_and_levels():
    ent = targets([(900, 0), (20_000 + 900, 0), (20_000 + 1100, 0), (0, 20_000)])
    m = zone_members(stations(), {"e": ent}, radius_m=None, radius_field="zone_radius_m")
    assert sorted(zip(m["station_code"], m["name"], strict=True)) == [
        ("2008A", "E0"),
        ("2009A", "E1"),
    ]
    every = zone_members(stations(), {"e": ent}, radius_m=500.0, levels=None)
    assert every["name"].tolist() == ["E3"] and every["station_code"].tolist() == ["T1"]
    every = zone_members(stations(), {"e": ent}, radius_m=1000.0, levels=None)
    assert sorted(every["name"]) == ["E0", "E1", "E3"]


def test_station_zones_area_rings_and_clip():
    z = station_zones(stations())
    assert len(z) == 2
    area = z.to_crs(4549).area.to_numpy()
    assert area == pytest.approx(np.pi * 3000**2, rel=1e-3)
    rings = buffer_zones(stations().iloc[:1], rings=[1000, 2000, 3000])
    ring_area = rings.to_crs(4549).area.to_numpy()
    assert ring_area == pytest.approx(np.pi * np.array([1, 3, 5]) * 1000**2, rel=1e-3)
    assert rings["inner_m"].tolist() == [0, 1000, 2000]
    towns = gpd.GeoDataFrame(
        {"name": ["西", "东"]},
        geometry=[
            shapely.box(X0 - 5000, Y0 - 5000, X0, Y0 + 5000),
            shapely.box(X0, Y0 - 5000, X0 + 5000, Y0 + 5000),
        ],
        crs=4549,
    )
    clipped = station_zones(stations(), clip_to=towns)
    assert sorted(clipped["clip_name"]) == ["东", "西"]
    assert clipped.to_crs(4549).area.sum() == pytest.approx(np.pi * 3000**2, rel=1e-3)
    merged = buffer_zones(stations(), distance_m=15_000, dissolve=True)
    assert len(merged) == 1 and merged["feature"].iloc[0] == -1


def test_missing_crs_and_bad_distances_are_refused():
    s = stations().set_crs(None, allow_override=True)
    with pytest.raises(CRSError):
        zone_members(s, {"e": targets([(0, 0)])})
    with pytest.raises(InputError):
        buffer_zones(stations(), distance_field="zone_radius_m")  # 镇站 has none


@pytest.mark.parametrize("crs", [4549, 4490])
def test_an_empty_point_does_not_shift_the_members_onto_their_neighbours(crs):
    # The vectorised point path took coordinates per point: an empty point has none, so
    # every later row was measured at the next row's position ("far" listed at 100 m).
    ent = gpd.GeoDataFrame(
        {"name": ["empty", "far", "near"]},
        geometry=[shapely.Point(), shapely.Point(X0 + 50_000, Y0), shapely.Point(X0 + 100, Y0)],
        crs=4549,
    ).to_crs(crs)
    for st in (stations(), stations().to_crs(4549)):
        m = zone_members(st, {"enterprises": ent}, levels=["国控"])
        assert list(m["name"]) == ["near"] and list(m["row"]) == [2]
        assert m["distance_m"].iloc[0] == pytest.approx(100.0, abs=1e-3)


def test_zone_feature_is_the_station_row_members_are_numbered_by():
    st = stations().iloc[[2, 0, 1]].reset_index(drop=True)  # the 镇级 station first
    zones = station_zones(st)
    members = zone_members(st, {"enterprises": targets([(100, 0), (20_100, 0)])})
    assert list(zones["feature"]) == [1, 2]
    assert list(members["station"]) == [1, 2]
    assert list(st["code"].iloc[zones["feature"]]) == list(zones["code"])
