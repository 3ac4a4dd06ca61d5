"""Network kernel density conserves mass and follows the roads; the heat map georeferences."""

from __future__ import annotations

import numpy as np
import pytest

from gisdesk.analysis.blackspots.density import density_raster, network_density
from gisdesk.core.errors import InputError
from tests.analysis.test_blackspots_data import accidents_at, straight_roads


@pytest.fixture(scope="module")
def roads():
    return straight_roads(3, length_km=6.0, piece_km=0.5, connectors=True)


def test_each_accident_sums_to_one(roads):
    for km in (0.0, 2.5, 5.0, 6.0):
        acc = accidents_at(roads, np.array(["R2"]), np.array([km]))
        lix = network_density(acc, roads, bandwidth_m=400, lixel_m=50)
        assert lix["mass"].sum() == pytest.approx(1.0, abs=1e-9)
        assert (lix["mass"] >= 0).all()
        integral = (lix["density_per_km"] * lix["length_m"] / 1000).sum()
        assert integral == pytest.approx(1.0, abs=1e-9)


def test_mass_conserved_and_kernel_follows_network(roads):
    acc = accidents_at(roads, np.array(["R1"] * 5 + ["R3"] * 7), np.r_[[1.0] * 5, [4.0] * 7])
    lix = network_density(acc, roads, bandwidth_m=300, lixel_m=50)
    assert lix["mass"].sum() == pytest.approx(12.0)
    # R2 lies 2 km away across fields and no connector is within 300 m: nothing leaks.
    mid = lix.geometry.interpolate(0.5, normalized=True)
    on_r2 = np.isclose(mid.y.to_numpy(), 3_530_000 + 2_000)
    assert lix.loc[on_r2, "mass"].sum() == pytest.approx(0.0)
    weighted = network_density(acc, roads, weights=np.full(12, 3.0))
    assert weighted["mass"].sum() == pytest.approx(36.0)


def test_kernel_spreads_round_a_junction(roads):
    # An accident at a connector (x = 5 km) spreads onto the connector too.
    acc = accidents_at(roads, np.array(["R2"]), np.array([5.0]), offset_m=0.0)
    lix = network_density(acc, roads, bandwidth_m=300, lixel_m=50)
    mid = lix.geometry.interpolate(0.5, normalized=True)
    vertical = np.isclose(mid.x.to_numpy(), 600_000 + 5_000)
    assert 0.2 < lix.loc[vertical, "mass"].sum() < 0.8
    assert lix["mass"].sum() == pytest.approx(1.0)


def test_raster_and_bad_options(roads):
    acc = accidents_at(roads, np.array(["R1"] * 3), np.array([1.0, 1.1, 1.2]))
    lix = network_density(acc, roads)
    ras = density_raster(lix, cell_m=100)
    assert np.nanmax(ras.array) == pytest.approx(lix["density_per_km"].max(), rel=1e-5)
    assert ras.transform.a == 100 and ras.transform.e == -100
    assert ras.crs.to_epsg() == 4549
    with pytest.raises(InputError):
        network_density(acc, roads, bandwidth_m=0)
