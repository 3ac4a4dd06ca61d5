"""Vertex edits keep geometries valid and closed; checked against hand-made expectations."""

from __future__ import annotations

import pytest
import shapely

from gisdesk.core.errors import InputError
from gisdesk.core.geometry_edit import (
    delete_vertex,
    insert_vertex,
    move_vertex,
    nearest_segment,
    nearest_vertex,
    split_line,
    translate,
)

SQUARE = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)])
LINE = shapely.LineString([(0, 0), (10, 0), (20, 0)])


def test_nearest_vertex_and_segment() -> None:
    assert nearest_vertex(LINE, 9, 1) == (1, pytest.approx(2**0.5))
    seg, dist, point = nearest_segment(LINE, 15, 3)
    assert (seg, dist, tuple(point)) == (1, 3.0, (15.0, 0.0))


def test_moving_a_ring_start_moves_its_end() -> None:
    moved = move_vertex(SQUARE, 0, -2, -2)
    assert moved.is_valid
    coords = list(moved.exterior.coords)
    assert coords[0] == coords[-1] == (-2.0, -2.0)
    assert moved.area == pytest.approx(100 + 2 * 10 / 2 * 2)  # two triangles of 10 each


def test_insert_then_delete_round_trips() -> None:
    added, index = insert_vertex(SQUARE, 5, -1)
    assert index == 1 and list(added.exterior.coords)[1] == (5.0, 0.0)
    assert delete_vertex(added, index).equals(SQUARE)
    longer, i = insert_vertex(LINE, 5, 2)
    assert list(longer.coords) == [(0, 0), (5, 0), (10, 0), (20, 0)] and i == 1


def test_deleting_below_the_minimum_is_refused() -> None:
    triangle = shapely.Polygon([(0, 0), (10, 0), (0, 10)])
    with pytest.raises(InputError, match="至少需要三个顶点"):
        delete_vertex(triangle, 1)
    with pytest.raises(InputError, match="至少需要两个顶点"):
        delete_vertex(shapely.LineString([(0, 0), (1, 1)]), 0)


def test_holes_and_multipolygons_keep_their_structure() -> None:
    holed = shapely.Polygon(SQUARE.exterior.coords, [[(2, 2), (4, 2), (4, 4), (2, 4)]])
    multi = shapely.MultiPolygon([holed, shapely.box(20, 0, 30, 10)])
    # vertex 5 is the hole's first vertex (exterior has 5 coords incl. closing)
    moved = move_vertex(multi, 5, 1, 1)
    assert moved.geom_type == "MultiPolygon" and moved.is_valid
    assert moved.geoms[0].interiors[0].coords[0] == (1.0, 1.0)
    assert moved.geoms[1].equals(shapely.box(20, 0, 30, 10))


def test_split_line_at_a_point() -> None:
    first, second = split_line(LINE, 12, 4)
    assert list(first.coords) == [(0, 0), (10, 0), (12, 0)]
    assert list(second.coords) == [(12, 0), (20, 0)]
    assert first.length + second.length == pytest.approx(LINE.length)
    with pytest.raises(InputError, match="端点"):
        split_line(LINE, -5, 0)


def test_translate() -> None:
    assert translate(SQUARE, 3, 4).equals(shapely.box(3, 4, 13, 14))
