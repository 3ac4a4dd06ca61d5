"""Turn generated columns into GeoDataFrames that follow the layer schemas.

The field lists mirror ``layers/*.toml`` (names, order, types); the generator does not read
the schema files at run time because only ``gisdesk.resources`` knows where they live. The
tests compare the two so that a schema change cannot slip past the generator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from gisdesk.samplegen.geo import GEOGRAPHIC_EPSG

__all__ = ["LAYER_FIELDS", "LAYER_GEOMETRY", "build_frame"]

FieldType = Literal["str", "int", "float", "bool", "date"]

LAYER_GEOMETRY: dict[str, str] = {
    "district": "MultiPolygon",
    "towns": "MultiPolygon",
    "villages": "Point",
    "roads": "LineString",
    "rivers": "LineString",
    "accidents": "Point",
    "accident_segments": "LineString",
    "monitoring_stations": "Point",
    "service_points": "Point",
    "sewage_districts": "MultiPolygon",
    "rental_factories": "Point",
    "factory_footprints": "MultiPolygon",
    "enterprises": "Point",
    "cameras": "Point",
    "persuasion_stations": "Point",
}

# (name, type, required) in schema order.
LAYER_FIELDS: dict[str, tuple[tuple[str, FieldType, bool], ...]] = {
    "district": (("code", "str", True), ("name", "str", True)),
    "towns": (
        ("code", "str", True),
        ("name", "str", True),
        ("kind", "str", True),
        ("alias", "str", False),
        ("population", "int", False),
    ),
    "villages": (
        ("code", "str", True),
        ("name", "str", True),
        ("town", "str", True),
        ("kind", "str", True),
        ("households", "int", True),
        ("population", "int", True),
        ("sewage_treated_share", "float", False),
        ("sewage_normal_operation_share", "float", False),
    ),
    "roads": (
        ("road_id", "str", True),
        ("name", "str", False),
        ("class", "str", True),
        ("lanes", "int", False),
        ("oneway", "bool", False),
        ("speed_kmh", "float", False),
        ("level", "int", False),
        ("from_km", "float", False),
        ("to_km", "float", False),
    ),
    "rivers": (("name", "str", False), ("level", "str", True), ("key_river", "bool", False)),
    "accidents": (
        ("case_no", "str", True),
        ("date", "date", True),
        ("time", "str", False),
        ("deaths", "int", True),
        ("injuries", "int", True),
        ("property_loss", "float", False),
        ("type", "str", True),
        ("procedure", "str", True),
        ("vehicles", "int", False),
        ("road", "str", False),
        ("stake_km", "float", False),
    ),
    "accident_segments": (
        ("segment_id", "str", True),
        ("name", "str", True),
        ("road", "str", True),
        ("from_km", "float", True),
        ("to_km", "float", True),
        ("listed_level", "str", True),
        ("status", "str", True),
        ("town", "str", True),
        ("water_adjacent", "bool", False),
        ("hazard", "str", False),
        ("measures", "str", False),
        ("responsible_unit", "str", False),
        ("listed_date", "date", True),
        ("reviewed_date", "date", False),
        ("rectified_date", "date", False),
        ("accepted_date", "date", False),
        ("closed_date", "date", False),
    ),
    "monitoring_stations": (
        ("code", "str", True),
        ("name", "str", True),
        ("level", "str", True),
        ("town", "str", False),
        ("zone_radius_m", "float", False),
    ),
    "service_points": (
        ("code", "str", True),
        ("name", "str", True),
        ("level", "str", True),
        ("town", "str", True),
        ("village", "str", False),
        ("standardised", "bool", False),
        ("demo_grade", "str", False),
        ("floor_area_m2", "float", False),
        ("opened_date", "date", False),
    ),
    "sewage_districts": (
        ("district_id", "str", True),
        ("name", "str", True),
        ("town", "str", True),
        ("villages", "str", True),
        ("households_planned", "int", True),
        ("households_treated", "int", True),
        ("status", "str", True),
        ("completed_date", "date", False),
    ),
    "rental_factories": (
        ("factory_id", "str", True),
        ("name", "str", True),
        ("town", "str", True),
        ("owner", "str", False),
        ("building_type", "str", True),
        ("floors", "int", False),
        ("tenants", "int", True),
        ("tenant_industry", "str", False),
        ("efficiency_class", "str", False),
        ("category", "str", True),
        ("status", "str", True),
        ("registered", "bool", False),
        ("deadline", "date", False),
    ),
    "factory_footprints": (
        ("factory_id", "str", True),
        ("name", "str", False),
        ("area_m2", "float", False),
    ),
    "enterprises": (
        ("site_id", "str", True),
        ("name", "str", True),
        ("kind", "str", True),
        ("town", "str", True),
        ("machinery_tested_date", "date", False),
        ("fume_upgraded", "bool", False),
        ("vapour_recovery_stage3", "bool", False),
        ("exited_date", "date", False),
    ),
    "cameras": (
        ("camera_id", "str", True),
        ("kind", "str", True),
        ("road", "str", False),
        ("stake_km", "float", False),
        ("online", "bool", False),
    ),
    "persuasion_stations": (
        ("station_id", "str", True),
        ("name", "str", True),
        ("level", "int", True),
        ("town", "str", True),
        ("village", "str", False),
    ),
}


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT


def _column(layer: str, name: str, kind: FieldType, values: Any, size: int) -> pd.Series:
    if kind == "str":
        items = [None if _is_missing(v) else str(v) for v in values]
        series = pd.Series(items, dtype=object)
    elif kind == "int":
        array = pd.array(values, dtype="Int64")
        series = pd.Series(array)
        if not series.isna().any():
            series = series.astype(np.int64)
    elif kind == "float":
        series = pd.Series(np.asarray(values, dtype=np.float64))
    elif kind == "bool":
        series = pd.Series(np.asarray(values, dtype=bool))
    else:
        series = pd.Series(pd.to_datetime(pd.Series(values)).astype("datetime64[ms]"))
    if len(series) != size:
        raise ValueError(f"{layer}.{name}: {len(series)} values for {size} features")
    return series


def build_frame(
    layer: str,
    columns: Mapping[str, Any],
    geometry: Sequence[Any] | np.ndarray,
    *,
    schematic: bool,
    source_zh: str,
    source_en: str,
) -> gpd.GeoDataFrame:
    """Build one layer's GeoDataFrame in schema column order with schema dtypes.

    Parameters
    ----------
    layer
        Layer schema id, a key of `LAYER_FIELDS`.
    columns
        Values for every schema field, by field name.
    geometry
        Shapely geometries in EPSG:4490, one per feature.
    schematic, source_zh, source_en
        Provenance recorded in ``gdf.attrs["gisdesk"]``.

    Returns
    -------
    geopandas.GeoDataFrame
        The layer, EPSG:4490, with ``attrs["gisdesk"]`` set.
    """
    fields = LAYER_FIELDS[layer]
    names = [name for name, _, _ in fields]
    unknown = sorted(set(columns) - set(names))
    if unknown:
        raise KeyError(f"{layer}: no schema field named {unknown}")
    size = len(geometry)
    data: dict[str, pd.Series] = {}
    for name, kind, required in fields:
        series = _column(layer, name, kind, columns[name], size)
        if required and bool(series.isna().any()):
            raise ValueError(f"{layer}.{name} is required but has missing values")
        data[name] = series
    frame = pd.DataFrame(data)
    gdf = gpd.GeoDataFrame(
        frame, geometry=gpd.GeoSeries(list(geometry)), crs=f"EPSG:{GEOGRAPHIC_EPSG}"
    )
    expected = LAYER_GEOMETRY[layer]
    kinds = set(gdf.geom_type.unique()) if size else {expected}
    if kinds != {expected}:
        raise TypeError(f"{layer}: geometry types {sorted(kinds)}, expected {expected}")
    gdf.attrs["gisdesk"] = {"schematic": schematic, "source_zh": source_zh, "source_en": source_en}
    return gdf
