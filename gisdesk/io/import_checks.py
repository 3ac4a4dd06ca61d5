"""Checks on features coming in: repair what can be repaired, report the rest, row by row.

Run on every vector import after the coordinates are in EPSG:4490:

* invalid geometries (self-crossing rings, bow-ties...) are repaired with
  :func:`shapely.make_valid`, keeping only the parts of the layer's own kind (a polygon
  repaired into a polygon and a stray line keeps the polygon); which rows, why, and what the
  repair made of them are reported;
* features outside the area of use of the coordinate system the data came in (with the
  same 0.5 degree margin gisdesk allows when choosing a metric CRS) are flagged: the usual
  sign of a wrong CRS statement;
* duplicate values in identifier fields (``id``, ``code``, ``*_id``, 编号, 编码...) are
  reported with examples.

Notes are (Chinese, English) pairs; ``records`` go to the layer metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from gisdesk.core.schema import GEOMETRY_FAMILY

__all__ = ["ImportCheck", "check_features"]

_AREA_MARGIN_DEG = 0.5
_ID_NAME = re.compile(r"^(id|fid_|objectid|code|uid)$|_id$|_code$|编号$|编码$|代码$", re.I)


@dataclass
class ImportCheck:
    """The checked features and what the checks found."""

    data: gpd.GeoDataFrame
    notes: list[tuple[str, str]] = field(default_factory=list)
    records: list[str] = field(default_factory=list)


def _rows(mask: np.ndarray, limit: int = 8) -> str:
    rows = (np.flatnonzero(mask) + 1).tolist()
    text = ", ".join(str(r) for r in rows[:limit])
    return text + (" …" if len(rows) > limit else "")


def _keep_family(geom: shapely.Geometry, family: str) -> shapely.Geometry:
    """The parts of a repaired geometry that are of the layer's kind, as one geometry."""
    if GEOMETRY_FAMILY.get(geom.geom_type) == family:
        return geom
    parts = [
        p
        for p in shapely.get_parts(shapely.get_parts(geom))
        if GEOMETRY_FAMILY.get(p.geom_type) == family
    ]
    if not parts:
        return shapely.from_wkt(f"{family.upper()} EMPTY")
    if family == "Polygon":
        return shapely.union_all(parts) if len(parts) > 1 else parts[0]
    if family == "LineString":
        return shapely.line_merge(shapely.MultiLineString(parts))
    return shapely.MultiPoint(parts) if len(parts) > 1 else parts[0]


def _repair(gdf: gpd.GeoDataFrame, check: ImportCheck) -> gpd.GeoDataFrame:
    geoms = np.asarray(gdf.geometry.to_numpy(), dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    invalid = present & ~shapely.is_valid(geoms)
    if not invalid.any():
        return gdf
    reasons = pd.Series(shapely.is_valid_reason(geoms[invalid])).str.replace(
        r"\[.*\]", "", regex=True
    )
    common = "; ".join(f"{str(r).strip()} ×{n}" for r, n in reasons.value_counts().head(3).items())
    kinds = [GEOMETRY_FAMILY.get(str(g.geom_type), str(g.geom_type)) for g in geoms[invalid]]
    repaired = shapely.make_valid(geoms[invalid])
    fixed = np.array(
        [_keep_family(g, k) for g, k in zip(repaired, kinds, strict=True)], dtype=object
    )
    emptied = shapely.is_empty(fixed)
    before_area = shapely.area(geoms[invalid])
    after_area = shapely.area(fixed)
    out = gdf.copy()
    values = geoms.copy()
    values[invalid] = fixed
    out[gdf.geometry.name] = gpd.GeoSeries(values, index=gdf.index, crs=gdf.crs)
    n = int(invalid.sum())
    check.notes.append(
        (
            f"{n} 个几何无效（第 {_rows(invalid)} 行；{common}），已用 make_valid 修复："
            f"自相交的面拆成有效的面，保留同类部分"
            + (f"；其中 {int(emptied.sum())} 个修复后为空" if emptied.any() else "")
            + "。",
            f"{n} invalid geometries (rows {_rows(invalid)}; {common}) were repaired with "
            "make_valid: self-crossing polygons split into valid ones, parts of the same kind "
            "kept" + (f"; {int(emptied.sum())} became empty" if emptied.any() else "") + ".",
        )
    )
    polygonal = np.array([k == "Polygon" for k in kinds])
    if polygonal.any():
        change = float(np.nansum(after_area[polygonal]) - np.nansum(before_area[polygonal]))
        check.records.append(
            f"make_valid: {n} geometries repaired (rows {_rows(invalid)}); "
            f"planar area change {change:+.3g} square degrees"
        )
    else:
        check.records.append(f"make_valid: {n} geometries repaired (rows {_rows(invalid)})")
    return out


def _area_of_use(gdf: gpd.GeoDataFrame, source: CRS | None, check: ImportCheck) -> None:
    area = source.area_of_use if source is not None else None
    if area is None or len(gdf) == 0:
        return
    b = gdf.geometry.bounds.to_numpy()
    ok = np.all(np.isfinite(b), axis=1)
    m = _AREA_MARGIN_DEG
    outside = ok & (
        (b[:, 0] < area.west - m)
        | (b[:, 2] > area.east + m)
        | (b[:, 1] < area.south - m)
        | (b[:, 3] > area.north + m)
    )
    if outside.any() and source is not None:
        n, rows, name = int(outside.sum()), _rows(outside), source.name
        zh = f"{n} 个要素位于坐标系“{name}”的适用范围之外（第 {rows} 行）：常见原因是坐标系填错。"
        en = (
            f"{n} features lie outside the area of use of '{name}' (rows {rows}): "
            "usually a wrongly stated CRS; please check."
        )
        check.notes.append((zh, en))


def _duplicate_ids(gdf: gpd.GeoDataFrame, check: ImportCheck) -> None:
    for column in gdf.columns:
        if column == gdf.geometry.name or not _ID_NAME.search(str(column)):
            continue
        values = gdf[column]
        present = values.notna() & (values.astype(str).str.strip() != "")
        dup = present & values.duplicated(keep=False)
        if not dup.any():
            continue
        repeated = [str(v) for v in pd.unique(values[dup])]
        n, rows = len(repeated), _rows(dup.to_numpy())
        zh = f"标识字段“{column}”有 {n} 个值重复（如 {'、'.join(repeated[:5])}；第 {rows} 行）。"
        en = (
            f"Identifier field '{column}' has {n} repeated values "
            f"(e.g. {', '.join(repeated[:5])}; rows {rows})."
        )
        check.notes.append((zh, en))


def check_features(gdf: gpd.GeoDataFrame, *, source_crs: CRS | None) -> ImportCheck:
    """Repair invalid geometries and report out-of-area features and duplicate ids."""
    check = ImportCheck(gdf)
    check.data = _repair(gdf, check)
    _area_of_use(check.data, source_crs, check)
    _duplicate_ids(check.data, check)
    return check
