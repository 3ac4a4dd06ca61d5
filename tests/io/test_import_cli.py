"""``gisdesk import`` / ``gisdesk export``: exit codes, atomic saves, nothing changed on failure."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point

from gisdesk.cli.main import main
from gisdesk.core import offsets
from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.io.project_store import open_project, save_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    p = Project(title="测试")
    p.add_layer(
        Layer(
            "points",
            gpd.GeoDataFrame({"name": ["甲"]}, geometry=[Point(121.2, 31.9)], crs=4490),
        )
    )
    return save_project(p, tmp_path / "proj.gpkg")


def test_import_gbk_shapefile_then_export(project: Path, tmp_path: Path, capsys) -> None:
    shp = tmp_path / "企业.shp"
    gdf = gpd.GeoDataFrame(
        {"名称": ["海门印染厂", "三星污水站"]},
        geometry=[Point(121.2, 31.9), Point(121.3, 31.95)],
        crs=4490,
    )
    pyogrio.write_dataframe(gdf, shp, encoding="GBK")
    shp.with_suffix(".cpg").unlink()
    assert main(["--lang", "en", "import", str(project), str(shp), "--name", "firms"]) == 0
    out = capsys.readouterr().out
    assert "GB18030" in out
    opened = open_project(project)
    assert list(opened.layer("firms").data["名称"]) == ["海门印染厂", "三星污水站"]
    assert any("GB18030" in c for c in opened.layer("firms").metadata.conversions)

    xlsx = tmp_path / "firms.xlsx"
    assert main(["export", str(project), "firms", str(xlsx)]) == 0
    assert list(pd.read_excel(xlsx)["名称"]) == ["海门印染厂", "三星污水站"]
    gpkg = tmp_path / "firms_out.gpkg"
    assert main(["export", str(project), "points", str(gpkg), "--format", "gpkg"]) == 0
    assert "points" in pyogrio.list_layers(gpkg)[:, 0]


def test_import_gcj02_csv(project: Path, tmp_path: Path) -> None:
    lon, lat = np.array([121.17, 121.45]), np.array([31.89, 31.95])
    gx, gy = offsets.wgs84_to_gcj02(lon, lat)
    csv = tmp_path / "amap.csv"
    pd.DataFrame({"名称": ["a", "b"], "经度": gx, "纬度": gy}).to_csv(csv, index=False)
    assert main(["import", str(project), str(csv), "--crs", "gcj02"]) == 0
    layer = open_project(project).layer("amap")
    np.testing.assert_allclose(layer.data.geometry.x, lon, atol=1e-7)
    assert "GCJ-02" in " ".join(layer.metadata.conversions)


def test_failed_import_changes_nothing(project: Path, tmp_path: Path, capsys) -> None:
    before = project.read_bytes()
    csv = tmp_path / "nocrs.csv"
    csv.write_text("lon,lat\n121.2,31.9\n", encoding="utf-8")
    assert main(["import", str(project), str(csv)]) == 2  # no --crs for a table
    broken = tmp_path / "broken.gpkg"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00" * 500)
    assert main(["import", str(project), str(broken)]) == 2
    outside = tmp_path / "helsinki.csv"
    outside.write_text("lon,lat\n24.94,60.17\n", encoding="utf-8")
    assert main(["--lang", "en", "import", str(project), str(outside), "--crs", "wgs84"]) == 2
    assert "Rows 2 lie outside China" in capsys.readouterr().err
    assert project.read_bytes() == before
    assert [p.name for p in project.parent.iterdir() if p.name.startswith(".")] == []


def test_exit_codes_for_files(project: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing.gpkg"
    assert main(["import", str(missing), str(project)]) == 3
    assert main(["export", str(project), "nope", str(tmp_path / "x.csv")]) == 2
    assert main(["export", str(project), "points", str(tmp_path / "no" / "x.csv")]) == 3


def test_create_and_layer_type(tmp_path: Path) -> None:
    geo = tmp_path / "stations.geojson"
    gdf = gpd.GeoDataFrame({"name": ["一号站"]}, geometry=[Point(121.2, 31.9)], crs=4326)
    pyogrio.write_dataframe(gdf, geo, driver="GeoJSON")
    new = tmp_path / "new.gpkg"
    assert main(["import", str(new), str(geo)]) == 3
    assert main(["import", str(new), str(geo), "--create", "--layer-type", "roads"]) == 2
    assert not new.exists()
    assert main(["import", str(new), str(geo), "--create"]) == 0
    con = sqlite3.connect(new)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM gisdesk_layers")]
    finally:
        con.close()
    assert names == ["stations"]


def test_a_source_layer_with_quotes_in_its_name_imports(project: Path, tmp_path: Path) -> None:
    """The project layer is named after the source layer, with what a name cannot hold
    (quotes, semicolons, control characters) replaced; the data is the same."""
    source = tmp_path / "source.gpkg"
    gdf = gpd.GeoDataFrame({'na"me': ["it's", "=1"]}, geometry=[Point(121.2, 31.9)] * 2, crs=4490)
    hostile = 'lay"; DROP TABLE points; --'
    pyogrio.write_dataframe(gdf, source, layer=hostile, driver="GPKG")
    pyogrio.write_dataframe(gdf, source, layer="it's\x1b[31m", driver="GPKG")
    assert main(["import", str(project), str(source), "--layer", hostile]) == 0
    assert main(["import", str(project), str(source), "--layer", "it's\x1b[31m"]) == 0
    opened = open_project(project)
    assert opened.layer("lay_ DROP TABLE points_ --").data['na"me'].tolist() == ["it's", "=1"]
    assert len(opened.layer("it_s_[31m").data) == 2
    assert len(opened.layer("points").data) == 1
