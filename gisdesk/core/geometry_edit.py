"""Vertex-level geometry edits for digitising: pure shapely, no Qt, any planar CRS.

A geometry's vertices are numbered as :func:`shapely.get_coordinates` lists them (parts
and rings in order, a ring's closing vertex included). Moving a ring's first or last
vertex moves both, so rings stay closed; removing one keeps at least what the geometry
type needs (2 for a line, 3 distinct for a ring) or raises an :class:`InputError`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
import shapely.ops
from shapely.geometry.base import BaseGeometry

from gisdesk.core.errors import InputError

__all__ = [
    "delete_vertex",
    "insert_vertex",
    "move_vertex",
    "nearest_segment",
    "nearest_vertex",
    "split_line",
    "translate",
]


@dataclass(frozen=True)
class _Part:
    """One line or ring of a geometry, and where its vertices sit in the flat numbering."""

    polygon: int  # index of the polygon (polygons), or of the line (lines)
    ring: int  # 0 = exterior; 1.. = holes; 0 for lines and points
    start: int  # flat index of the first vertex
    coords: np.ndarray
    closed: bool


def _parts(geom: BaseGeometry) -> list[_Part]:
    parts: list[_Part] = []
    start = 0
    kind = geom.geom_type
    if kind in ("Point", "MultiPoint"):
        points = list(getattr(geom, "geoms", [geom]))
        for i, p in enumerate(points):
            parts.append(_Part(i, 0, start, np.asarray(p.coords, dtype=float), False))
            start += 1
        return parts
    if kind in ("LineString", "MultiLineString"):
        for i, line in enumerate(getattr(geom, "geoms", [geom])):
            coords = np.asarray(line.coords, dtype=float)
            parts.append(_Part(i, 0, start, coords, False))
            start += len(coords)
        return parts
    if kind in ("Polygon", "MultiPolygon"):
        for i, poly in enumerate(getattr(geom, "geoms", [geom])):
            for r, ring in enumerate([poly.exterior, *poly.interiors]):
                coords = np.asarray(ring.coords, dtype=float)
                parts.append(_Part(i, r, start, coords, True))
                start += len(coords)
        return parts
    raise InputError(
        f"不支持编辑此类几何：{kind}", f"Editing this kind of geometry is not supported: {kind}"
    )


def _rebuild(geom: BaseGeometry, parts: list[_Part]) -> BaseGeometry:
    kind = geom.geom_type
    if kind == "Point":
        return shapely.Point(parts[0].coords[0])
    if kind == "MultiPoint":
        return shapely.MultiPoint([p.coords[0] for p in parts])
    if kind == "LineString":
        return shapely.LineString(parts[0].coords)
    if kind == "MultiLineString":
        return shapely.MultiLineString([p.coords for p in parts])
    polys: dict[int, list[np.ndarray]] = {}
    for part in parts:
        polys.setdefault(part.polygon, []).append(part.coords)
    built = [shapely.Polygon(rings[0], rings[1:]) for _i, rings in sorted(polys.items())]
    return built[0] if kind == "Polygon" else shapely.MultiPolygon(built)


def _locate(parts: list[_Part], index: int) -> tuple[int, int]:
    for p, part in enumerate(parts):
        if part.start <= index < part.start + len(part.coords):
            return p, index - part.start
    raise InputError(f"顶点编号 {index} 不存在。", f"There is no vertex {index}.")


def nearest_vertex(geom: BaseGeometry, x: float, y: float) -> tuple[int, float]:
    """Return (flat vertex index, distance) of the vertex nearest to (x, y)."""
    coords = shapely.get_coordinates(geom)
    d = np.hypot(coords[:, 0] - x, coords[:, 1] - y)
    i = int(np.argmin(d))
    return i, float(d[i])


def nearest_segment(geom: BaseGeometry, x: float, y: float) -> tuple[int, float, np.ndarray]:
    """Return (flat index of the segment's first vertex, distance, nearest point on it)."""
    best: tuple[int, float, np.ndarray] | None = None
    for part in _parts(geom):
        c = part.coords
        if len(c) < 2:
            continue
        a, b = c[:-1], c[1:]
        ab = b - a
        denom = np.einsum("ij,ij->i", ab, ab)
        t = np.where(denom > 0, np.einsum("ij,ij->i", np.array([x, y]) - a, ab) / denom, 0.0)
        t = np.clip(t, 0.0, 1.0)
        proj = a + ab * t[:, None]
        d = np.hypot(proj[:, 0] - x, proj[:, 1] - y)
        i = int(np.argmin(d))
        if best is None or d[i] < best[1]:
            best = (part.start + i, float(d[i]), proj[i])
    if best is None:
        raise InputError("该几何没有线段。", "The geometry has no segments.")
    return best


def move_vertex(geom: BaseGeometry, index: int, x: float, y: float) -> BaseGeometry:
    """Return the geometry with one vertex moved (a ring's start and end move together)."""
    parts = _parts(geom)
    p, i = _locate(parts, index)
    coords = parts[p].coords.copy()
    coords[i] = (x, y)
    if parts[p].closed and i in (0, len(coords) - 1):
        coords[0] = coords[-1] = (x, y)
    parts[p] = _Part(parts[p].polygon, parts[p].ring, parts[p].start, coords, parts[p].closed)
    return _rebuild(geom, parts)


def insert_vertex(geom: BaseGeometry, x: float, y: float) -> tuple[BaseGeometry, int]:
    """Add a vertex on the segment nearest to (x, y); return the geometry and its index."""
    if geom.geom_type in ("Point", "MultiPoint"):
        raise InputError("点要素不能添加顶点。", "A point has no segments to add a vertex to.")
    seg, _d, point = nearest_segment(geom, x, y)
    parts = _parts(geom)
    p, i = _locate(parts, seg)
    coords = np.insert(parts[p].coords, i + 1, point, axis=0)
    parts[p] = _Part(parts[p].polygon, parts[p].ring, parts[p].start, coords, parts[p].closed)
    return _rebuild(geom, parts), seg + 1


def delete_vertex(geom: BaseGeometry, index: int) -> BaseGeometry:
    """Remove one vertex, keeping the geometry valid for its type."""
    parts = _parts(geom)
    p, i = _locate(parts, index)
    part = parts[p]
    if geom.geom_type in ("Point", "MultiPoint"):
        raise InputError("点要素没有可删除的顶点。", "A point has no vertex to delete.")
    coords = part.coords
    if part.closed:
        ring = coords[:-1]
        if len(ring) <= 3:
            raise InputError(
                "面的每个环至少需要三个顶点，不能再删除。",
                "Each polygon ring needs at least three vertices; none can be deleted.",
            )
        ring = np.delete(ring, i % len(ring), axis=0)
        coords = np.vstack([ring, ring[:1]])
    else:
        if len(coords) <= 2:
            raise InputError(
                "线至少需要两个顶点，不能再删除。",
                "A line needs at least two vertices; none can be deleted.",
            )
        coords = np.delete(coords, i, axis=0)
    parts[p] = _Part(part.polygon, part.ring, part.start, coords, part.closed)
    return _rebuild(geom, parts)


def split_line(geom: BaseGeometry, x: float, y: float) -> tuple[BaseGeometry, BaseGeometry]:
    """Split a line at the point on it nearest to (x, y); return the two pieces in order."""
    if geom.geom_type == "MultiLineString":
        geom = shapely.line_merge(geom)
        if geom.geom_type != "LineString":
            raise InputError(
                "该线由不相连的多段组成，无法在一处打断。",
                "The line has several separate parts and cannot be split at one point.",
            )
    if geom.geom_type != "LineString":
        raise InputError("只有线要素可以打断。", "Only lines can be split.")
    at = geom.project(shapely.Point(x, y))
    if at <= 1e-9 or at >= geom.length - 1e-9:
        raise InputError(
            "打断点位于线的端点，请点在线的中间。",
            "The split point is at an end of the line; click inside it.",
        )
    first = shapely.ops.substring(geom, 0.0, at)
    second = shapely.ops.substring(geom, at, geom.length)
    return first, second


def translate(geom: BaseGeometry, dx: float, dy: float) -> BaseGeometry:
    """Return the geometry moved by (dx, dy)."""
    return shapely.transform(geom, lambda xy: xy + np.array([dx, dy]))
