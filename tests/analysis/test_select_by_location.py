"""Select by location: relations in metres, checked against independent shapely sums."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from gisdesk.analysis.select_by_location import (
    LocationQuery,
    combine_selection,
    rows_by_location,
    select_by_location,
)
from gisdesk.core.errors import InputError


def _metres(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """The geometries in EPSG:4549 through pyproj alone (x = easting)."""
    to_m = Transformer.from_crs(4490, 4549, always_xy=True)
    return shapely.transform(
        gdf.geometry.to_numpy(), lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1]))
    )


@pytest.fixture(scope="module")
def layers(sample_project):
    return (
        sample_project.layer("villages").data,
        sample_project.layer("monitoring_stations").data,
        sample_project.layer("towns").data,
    )


def test_villages_within_3_km_of_stations_match_shapely_in_metres(layers):
    villages, stations, _ = layers
    found = rows_by_location(villages, stations, "dwithin", distance_m=3000)
    v, s = _metres(villages), _metres(stations)
    d = shapely.distance(v[:, None], s[None, :]).min(axis=1)
    expected = np.flatnonzero(d <= 3000)
    assert 0 < len(expected) < len(villages)
    np.testing.assert_array_equal(found, expected)
    # degrees would be wrong: 3000 read as degrees takes every village
    assert len(rows_by_location(villages, stations, "dwithin", distance_m=0)) == 0


def test_only_selected_reference_features(layers):
    villages, stations, _ = layers
    found = rows_by_location(villages, stations, "dwithin", distance_m=3000, reference_rows=[0])
    d = shapely.distance(_metres(villages), _metres(stations.iloc[[0]])[0])
    np.testing.assert_array_equal(found, np.flatnonzero(d <= 3000))


def test_within_and_contains_are_each_others_mirror(layers):
    villages, _, towns = layers
    first_town = rows_by_location(villages, towns, "within", reference_rows=[0])
    exact = np.flatnonzero(shapely.contains(towns.geometry.iloc[0], villages.geometry.to_numpy()))
    assert len(first_town) > 0
    # the projected test agrees with the lon/lat one except on a border (none in the sample)
    np.testing.assert_array_equal(first_town, exact)
    holders = rows_by_location(towns, villages, "contains", reference_rows=first_town[:1])
    np.testing.assert_array_equal(holders, [0])
    all_within = rows_by_location(villages, towns, "within")
    assert set(first_town) <= set(all_within)
    assert len(rows_by_location(villages, towns, "intersects")) == len(all_within)


def test_modes_combine_with_the_current_selection():
    cur, hit = [1, 2, 3], [3, 4]
    assert combine_selection(cur, hit, "new").tolist() == [3, 4]
    assert combine_selection(cur, hit, "add").tolist() == [1, 2, 3, 4]
    assert combine_selection(cur, hit, "remove").tolist() == [1, 2]
    assert combine_selection(cur, hit, "intersect").tolist() == [3]
    with pytest.raises(InputError):
        combine_selection(cur, hit, "xor")


def test_select_by_location_and_bad_queries(layers):
    villages, stations, _ = layers
    near = rows_by_location(villages, stations, "dwithin", distance_m=3000)
    q = LocationQuery("dwithin", 3000, "remove")
    out = select_by_location(villages, stations, q, current=[*near[:5].tolist(), len(villages) - 1])
    assert set(out) == ({len(villages) - 1} - set(near))
    for bad in (LocationQuery("touches"), LocationQuery("dwithin", -1), LocationQuery(mode="x")):
        with pytest.raises(InputError) as err:
            bad.check()
        assert err.value.message("zh")
    no_crs = gpd.GeoDataFrame(geometry=[shapely.Point(121.2, 31.9)])
    with pytest.raises(Exception, match="坐标系"):
        rows_by_location(no_crs, stations, "intersects")
    assert len(rows_by_location(villages.iloc[:0], stations, "intersects")) == 0
