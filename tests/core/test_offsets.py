"""GCJ-02 / BD-09 conversions against published pairs and by round trip around Haimen."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from gisdesk.core.offsets import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    to_cgcs2000,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

GEOD = Geod(ellps="WGS84")


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    return np.abs(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def test_wgs84_to_gcj02_matches_published_pair():
    # Pair from the eviltransform test suite (Beijing, WGS84 -> GCJ-02).
    lon, lat = wgs84_to_gcj02(116.404, 39.915)
    assert lon == pytest.approx(116.41024449916938, abs=1e-9)
    assert lat == pytest.approx(39.91640428150164, abs=1e-9)


def test_gcj02_to_bd09_matches_published_pair():
    # Published sample (wandergis/coordTransform README): GCJ-02 (116.404, 39.915) -> BD-09
    lon, lat = gcj02_to_bd09(116.404, 39.915)
    assert lon == pytest.approx(116.41036949371029, abs=1e-8)
    assert lat == pytest.approx(39.92133699351022, abs=1e-8)


def test_offset_around_haimen_is_about_480_m_as_documented():
    lon, lat = wgs84_to_gcj02(121.1730, 31.8960)  # 2008A 海门市监测站
    assert lon - 121.1730 == pytest.approx(0.0046, abs=0.0003)
    assert lat - 31.8960 == pytest.approx(-0.0019, abs=0.0003)
    assert 400 < metres(121.1730, 31.8960, lon, lat) < 550


@pytest.fixture(scope="module")
def haimen_grid() -> tuple[np.ndarray, np.ndarray]:
    lon, lat = np.meshgrid(np.linspace(121.0, 121.6, 61), np.linspace(31.7, 32.2, 51))
    return lon.ravel(), lat.ravel()


def test_gcj02_round_trip_is_sub_millimetre(haimen_grid):
    lon, lat = haimen_grid
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert metres(lon, lat, back_lon, back_lat).max() < 1e-3


def test_bd09_round_trip_is_sub_millimetre(haimen_grid):
    lon, lat = haimen_grid
    back_lon, back_lat = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert metres(lon, lat, back_lon, back_lat).max() < 1e-3
    g_lon, g_lat = bd09_to_gcj02(*gcj02_to_bd09(lon, lat))
    assert metres(lon, lat, g_lon, g_lat).max() < 1e-3


def test_outside_china_is_not_shifted():
    lon, lat = wgs84_to_gcj02([2.35, -74.0], [48.85, 40.7])
    np.testing.assert_array_equal(lon, [2.35, -74.0])
    np.testing.assert_array_equal(lat, [48.85, 40.7])


def test_to_cgcs2000_shifts_web_coordinates_back_and_says_so():
    true_lon, true_lat = np.array([121.17, 121.4]), np.array([31.89, 31.95])
    gcj = wgs84_to_gcj02(true_lon, true_lat)
    lon, lat, note = to_cgcs2000(*gcj, "GCJ02")
    assert metres(lon, lat, true_lon, true_lat).max() < 0.001
    assert note == "GCJ-02 -> CGCS2000 (gisdesk.core.offsets)"
    lon, lat, note = to_cgcs2000(*wgs84_to_bd09(true_lon, true_lat), "BD09")
    assert metres(lon, lat, true_lon, true_lat).max() < 0.001
    assert note == "BD-09 -> CGCS2000 (gisdesk.core.offsets)"
    # about 500 m apart: the shift really happened
    assert metres(gcj[0], gcj[1], true_lon, true_lat).min() > 100


@pytest.mark.parametrize(
    ("system", "note"),
    [("WGS84", "WGS84 = CGCS2000 within centimetres (no shift)"), ("CGCS2000", None)],
)
def test_to_cgcs2000_keeps_true_coordinates(system, note):
    xs, ys = np.array([121.17, 121.4]), np.array([31.89, 31.95])
    lon, lat, said = to_cgcs2000(xs, ys, system)
    assert lon is xs
    assert lat is ys
    assert said == note
