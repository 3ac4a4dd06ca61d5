"""Invalid geometries repaired with a report, out-of-area features and duplicate ids flagged."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely
from pyproj import CRS

from gisdesk.io.import_checks import check_features
from gisdesk.io.vector_import import import_vector

BOWTIE = shapely.Polygon([(121.0, 31.8), (121.1, 31.9), (121.1, 31.8), (121.0, 31.9)])
SQUARE = shapely.box(121.2, 31.8, 121.3, 31.9)


def test_bowtie_is_repaired_into_two_valid_triangles_and_reported() -> None:
    gdf = gpd.GeoDataFrame({"code": ["A", "B"]}, geometry=[SQUARE, BOWTIE], crs=4490)
    check = check_features(gdf, source_crs=CRS.from_epsg(4490))
    fixed = check.data.geometry.iloc[1]
    assert fixed.is_valid and fixed.geom_type == "MultiPolygon" and len(fixed.geoms) == 2
    # the two triangles of the bow-tie: together half the bounding square's area
    assert fixed.area == shapely.box(121.0, 31.8, 121.1, 31.9).area / 2
    assert check.data.geometry.iloc[0].equals(SQUARE)  # valid rows untouched
    zh, en = check.notes[0]
    assert "1 个几何无效" in zh and "第 2 行" in zh and "Self-intersection" in zh
    assert "rows 2" in en and check.records[0].startswith("make_valid: 1")


def test_features_outside_the_area_of_use_are_flagged() -> None:
    # EPSG:4549 covers 118.5-121.5 E; one point is 3 degrees beyond (a wrong CRS statement)
    pts = [shapely.Point(121.2, 31.9), shapely.Point(124.6, 31.9)]
    gdf = gpd.GeoDataFrame({"name": ["in", "out"]}, geometry=pts, crs=4490)
    check = check_features(gdf, source_crs=CRS.from_epsg(4549))
    assert len(check.notes) == 1 and "第 2 行" in check.notes[0][0]
    # Haimen's east tip (121.54 E) is within the 0.5 degree margin: not flagged
    edge = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.Point(121.54, 31.9)], crs=4490)
    assert check_features(edge, source_crs=CRS.from_epsg(4549)).notes == []


def test_duplicate_ids_are_reported_with_examples() -> None:
    gdf = gpd.GeoDataFrame(
        {"village_id": ["V1", "V2", "V1", None, None], "name": ["a", "a", "b", "c", "d"]},
        geometry=[shapely.Point(121.1 + i / 100, 31.9) for i in range(5)],
        crs=4490,
    )
    notes = check_features(gdf, source_crs=None).notes
    assert len(notes) == 1  # "name" repeats too but is not an identifier; empty ids ignored
    assert "village_id" in notes[0][0] and "V1" in notes[0][0] and "第 1, 3 行" in notes[0][0]


def test_import_vector_applies_the_checks(tmp_path: Path) -> None:
    path = tmp_path / "bad.geojson"
    gdf = gpd.GeoDataFrame({"code": ["T1", "T1"]}, geometry=[SQUARE, BOWTIE], crs=4490)
    pyogrio.write_dataframe(gdf, path, driver="GeoJSON")
    result = import_vector(path)
    assert result.data.geometry.is_valid.all()
    texts = " ".join(zh for zh, _en in result.notes)
    assert "make_valid" in texts and "“code”有 1 个值重复" in texts
    assert any(c.startswith("make_valid") for c in result.conversions)
    assert any("repaired" in w for w in result.warnings)
