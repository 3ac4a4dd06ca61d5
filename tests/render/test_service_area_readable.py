"""A service-area result leaves the map under it readable.

The area follows the roads, so at district scale it is thousands of rings; drawn with an
outline (even a 0.25 mm hairline) they made a dark green maze over the roads they cover: 55%
of the area's pixels were darker than the roads' own colours. Filled only and translucent,
every pixel of it stays light and a road under it still shows.
"""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
from PySide6.QtGui import QImage, QPainter

from gisdesk.core.layer import Layer
from gisdesk.render.painter import DrawItem, render_map
from gisdesk.render.prepared import prepare_layer
from gisdesk.render.viewport import Viewport
from gisdesk.tasks.base import ProjectSource
from gisdesk.tasks.service_areas import ServiceAreasRequest, run

W, H = 900, 700
DISPLAY = pyproj.CRS.from_epsg(4549)


def _pixels(image: QImage) -> np.ndarray:
    return np.frombuffer(image.constBits(), np.uint8).reshape(H, W, 4)[..., :3].astype(int)


def _draw(layers: list[Layer], view: Viewport) -> np.ndarray:
    image = QImage(W, H, QImage.Format.Format_ARGB32)
    image.fill(0xFFFFFFFF)
    painter = QPainter(image)
    try:
        render_map(painter, view, [DrawItem(prepare_layer(x, DISPLAY)) for x in layers])
    finally:
        painter.end()
    return _pixels(image)


@pytest.fixture(scope="module")
def area_and_roads(qapp, sample_project):
    project = sample_project
    result = run(ProjectSource(project), ServiceAreasRequest())
    area = next(x for x in result.layers if x.name == "service_area")
    return Layer(area.name, area.data, style=area.style), project.layer("roads")


def test_the_service_area_is_light_everywhere_and_roads_show_through(area_and_roads):
    area, roads = area_and_roads
    x0, y0, x1, y1 = area.data.to_crs(DISPLAY).total_bounds
    view = Viewport((x0 + x1) / 2, (y0 + y1) / 2, max((x1 - x0) / W, (y1 - y0) / H) * 1.05, W, H)
    alone = _draw([area], view).mean(axis=2)
    inked = alone < 250
    assert inked.mean() > 0.15  # the district's area is drawn
    assert (alone[inked] < 170).mean() < 0.01  # no dark outlines (was 55%)
    under = _draw([roads], view)
    over = _draw([roads, area], view)
    road = (under.mean(axis=2) < 200) & inked  # road pixels inside the area
    assert road.sum() > 1000
    # a road under the area is still darker than the area's own fill next to it
    fill = np.median(alone[inked & ~road])
    assert np.median(over[road].mean(axis=1)) < fill - 20
