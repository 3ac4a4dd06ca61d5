"""Shared fixtures for the plate and web-map tests: prepared sample layers, small projects."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from gisdesk.core.layer import Layer, LayerMetadata
from gisdesk.core.project import Project
from gisdesk.core.style import LayerStyle, StyleClass, Symbol


def need_tool(name: str) -> str:
    """Return a command's path, or skip the test saying which Debian package brings it."""
    path = shutil.which(name)
    if path is None:
        package = "chromium" if name.startswith("chromium") else "poppler-utils"
        pytest.skip(f"{name} is not installed (apt-get install {package})")
    return path


def pdf_to_png(pdf: Path, out_stem: Path, *, dpi: int = 100, page: int = 1) -> Path:
    """Render one PDF page with poppler's pdftoppm and return the PNG."""
    exe = need_tool("pdftoppm")
    subprocess.run(
        [
            exe,
            "-r",
            str(dpi),
            "-f",
            str(page),
            "-l",
            str(page),
            "-png",
            "-singlefile",
            str(pdf),
            str(out_stem),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return out_stem.with_suffix(".png")


@pytest.fixture(scope="session")
def map_data(sample_project):
    from gisdesk.export.frame import prepare_map

    return prepare_map(sample_project)


def _single(fill: str | None, stroke: str | None, label: str) -> LayerStyle:
    return LayerStyle(
        kind="single",
        classes=(StyleClass(Symbol(fill=fill, stroke=stroke, stroke_width=0.3), label, label),),
    )


@pytest.fixture
def tiny_project() -> Project:
    """Two layers around Haimen: an official outline and a schematic point layer."""
    area = shapely.box(121.2, 31.9, 121.3, 32.0)
    project = Project(title="测试项目")
    project.add_layer(
        Layer(
            "outline",
            gpd.GeoDataFrame({"name": ["测试区"]}, geometry=[area], crs=4490),
            style=_single("#eeeeee", "#333333", "区界"),
            metadata=LayerMetadata(schematic=False, source_zh="测试区界"),
        )
    )
    project.add_layer(
        Layer(
            "points",
            gpd.GeoDataFrame(
                {"name": ["<script>alert(1)</script>", "点&二"], "value": [1.5, 2.0]},
                geometry=[shapely.Point(121.22, 31.93), shapely.Point(121.27, 31.97)],
                crs=4490,
            ),
            style=_single("#d7301f", "#ffffff", "测试点"),
            metadata=LayerMetadata(schematic=True, source_zh="示意点"),
        )
    )
    return project
