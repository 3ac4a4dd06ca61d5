"""Turn OpenStreetMap ways (as GDAL's OSM driver reads them) into a gisdesk road layer."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisdesk.core.crs import require_crs

__all__ = ["FOOT_WAYS", "HIGHWAY_CLASS", "roads_from_osm"]

FOOT_WAYS = ("footway", "path", "cycleway", "steps", "pedestrian", "bridleway")
"""Ways for people on foot or on bicycles: the class 慢行道, closed to cars
(:data:`gisdesk.analysis.speeds.NO_CARS`)."""

HIGHWAY_CLASS = {
    "motorway": "高速公路",
    "trunk": "国道",
    "primary": "省道",
    "secondary": "县道",
    "tertiary": "乡道",
    "unclassified": "村道",
    "residential": "村道",
    "living_street": "村道",
    "service": "村道",
    "road": "村道",
    "track": "村道",
    **dict.fromkeys(FOOT_WAYS, "慢行道"),
}
"""OSM ``highway`` value (``_link`` suffix dropped) -> road class, as OpenStreetMap China tags
roads: motorway 高速公路, trunk 国道, primary 省道, secondary 县道, tertiary 乡道, the other
ways motor vehicles use (unclassified, residential, service, track...) 村道, and the ways for
people on foot or bicycles (:data:`FOOT_WAYS`) 慢行道. Other values (construction, proposed,
platform...) are left out."""

_TAG = re.compile(r'"([^"]+)"=>"((?:[^"\\]|\\.)*)"')


def _tags(other: object) -> dict[str, str]:
    return dict(_TAG.findall(other)) if isinstance(other, str) else {}


def _number(text: str | None) -> float:
    if not text:
        return float("nan")
    match = re.match(r"\s*([0-9.]+)", text)
    return float(match.group(1)) if match else float("nan")


def _layer(text: str | None) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        return 0


def roads_from_osm(lines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the routable ways of an OSM ``lines`` layer as a gisdesk road layer.

    ``oneway=-1`` ways are reversed so the digitised direction is the open one; ``layer``
    becomes ``level`` on bridges and tunnels; ``maxspeed`` (km/h) becomes ``speed_kmh``.
    """
    require_crs(lines, layer="lines")
    highway = lines["highway"].astype(object).fillna("").str.replace("_link", "", regex=False)
    keep = highway.isin(list(HIGHWAY_CLASS)).to_numpy()
    src = lines[keep]
    tags = [_tags(t) for t in src.get("other_tags", pd.Series([None] * len(src)))]
    oneway_tag = np.array([t.get("oneway", "no") for t in tags], dtype=object)
    reverse = oneway_tag == "-1"
    oneway = np.isin(oneway_tag, ["yes", "1", "true", "-1"])
    level = np.array(
        [_layer(t.get("layer")) if ("bridge" in t or "tunnel" in t) else 0 for t in tags],
        dtype=np.int64,
    )
    geoms = src.geometry.to_numpy().copy()
    geoms[reverse] = shapely.reverse(geoms[reverse])
    return gpd.GeoDataFrame(
        {
            "road_id": src["osm_id"].astype(str).to_numpy()
            if "osm_id" in src.columns
            else np.arange(len(src)).astype(str),
            "name": src["name"].to_numpy() if "name" in src.columns else None,
            "class": highway[keep].map(HIGHWAY_CLASS).to_numpy(),
            "oneway": oneway,
            "speed_kmh": np.array([_number(t.get("maxspeed")) for t in tags]),
            "level": level,
        },
        geometry=geoms,
        crs=lines.crs,
    )
