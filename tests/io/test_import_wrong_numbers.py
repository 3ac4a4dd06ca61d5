"""Vector files whose numbers cannot be what they claim: refused with the rows or the CRS named.

Also: a file of several layers imported without naming one says which were left out, and a
binary file under a GeoJSON or KML name is said to be binary.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from shapely.geometry import Point

from gisdesk.core.errors import CRSError, InputError
from gisdesk.io.files import import_vector

LONLAT = [(121.17, 31.89), (121.26, 31.93), (121.45, 31.95)]


def _geojson(path: Path, coords: list[tuple[float, float]], epsg: int | None) -> Path:
    doc: dict[str, object] = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"名称": f"点{i}"},
                "geometry": {"type": "Point", "coordinates": list(xy)},
            }
            for i, xy in enumerate(coords)
        ],
    }
    if epsg is not None:
        doc["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{epsg}"}}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_degrees_declared_as_metres_are_refused(tmp_path: Path) -> None:
    """The reverse of metres declared as degrees: read as metres they land near the equator."""
    path = _geojson(tmp_path / "degrees.geojson", LONLAT, 4549)
    with pytest.raises(CRSError) as caught:
        import_vector(path)
    zh, en = caught.value.message("zh"), caught.value.message("en")
    assert "像经纬度" in zh and "EPSG:4549" in zh and "--crs" in zh
    assert "look like degrees" in en and "EPSG:4549" in en
    with pytest.raises(CRSError):
        import_vector(path, crs="epsg:4549")  # stated by the user: as wrong
    # stating the right system imports them where they are
    result = import_vector(path, crs="cgcs2000")
    assert result.data.geometry.x.round(2).tolist() == [121.17, 121.26, 121.45]


def test_metres_in_a_metric_crs_and_a_small_local_grid_still_import(tmp_path: Path) -> None:
    metres = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(*zip(*LONLAT, strict=True)), crs=4490
    ).to_crs(4549)
    path = tmp_path / "metres.gpkg"
    metres.to_file(path)
    assert len(import_vector(path).data) == 3
    # coordinates inside the degree box but within the CRS's area of use are not questioned
    local = gpd.GeoDataFrame(geometry=[Point(50, 40), Point(60, 45)], crs=3857)
    local_path = tmp_path / "origin.gpkg"
    local.to_file(local_path)
    assert len(import_vector(local_path).data) == 2


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_coordinates_that_are_not_numbers_name_their_rows(tmp_path: Path, bad: float) -> None:
    gdf = gpd.GeoDataFrame(
        {"名称": ["甲", "乙", "丙"]},
        geometry=[Point(121.2, 31.9), Point(bad, 31.9), Point(121.3, 31.95)],
        crs=4490,
    )
    path = tmp_path / "bad.gpkg"
    pyogrio.write_dataframe(gdf, path, layer="bad")
    with pytest.raises(InputError) as caught:
        import_vector(path)
    zh, en = caught.value.message("zh"), caught.value.message("en")
    assert "NaN 或无穷大" in zh and "第 2 行" in zh, zh
    assert "rows 2)" in en and "not numbers" in en, en
    assert "转换" not in zh  # not the misleading "cannot be transformed" of before


def test_a_file_of_several_layers_says_which_were_left_out(tmp_path: Path) -> None:
    path = tmp_path / "two.gpkg"
    points = gpd.GeoDataFrame(geometry=[Point(121.2, 31.9)], crs=4490)
    pyogrio.write_dataframe(points, path, layer="first")
    pyogrio.write_dataframe(points, path, layer="second")
    result = import_vector(path)
    assert result.layer == "first"
    zh, en = next(n for n in result.notes if "second" in n[0])
    assert "只导入了第一个“first”" in zh and "--layer" in zh
    assert "only the first, 'first'" in en
    named = import_vector(path, layer="second")
    assert not any("second" in zh or "first" in zh for zh, _en in named.notes)


@pytest.mark.parametrize("suffix", [".geojson", ".json", ".kml"])
def test_a_binary_file_under_a_text_format_name_is_said_to_be_binary(tmp_path, suffix):
    """A PNG renamed .geojson was reported as text mixing encodings ("save it as UTF-8")."""
    path = tmp_path / f"picture{suffix}"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    with pytest.raises(InputError) as caught:
        import_vector(path)
    assert "二进制" in caught.value.message("zh")
    assert "binary data" in caught.value.message("en")
    assert "UTF-8" not in caught.value.message("en")
