"""OpenStreetMap extracts into a ``roads`` layer: classes, default speeds, lanes, notes.

Ways become roads through :func:`gisdesk.analysis.osm.roads_from_osm` (``highway`` -> class:
motorway 高速公路, trunk 国道, primary 省道, secondary 县道, tertiary 乡道, the other roads for
motor vehicles 村道, footways, steps, cycleways, paths and pedestrian streets 慢行道 (closed to
cars); ``_link`` ways take their road's class; ``oneway=-1`` reversed). Where
``maxspeed`` is missing, ``speed_kmh`` is the default of :data:`OSM_DEFAULT_SPEEDS` by
``highway`` value; ``lanes`` comes from the ``lanes`` tag.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from gisdesk.core.errors import InputError
from gisdesk.tasks.imported import ImportedFile

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "OSM_CLASS_NOTE",
    "OSM_CLASS_ORDER",
    "OSM_DEFAULT_SPEEDS",
    "OSM_SPEED_NOTE",
    "read_osm_roads",
]

OSM_DEFAULT_SPEEDS: dict[str, float] = {
    "motorway": 100.0,
    "trunk": 80.0,
    "primary": 60.0,
    "secondary": 50.0,
    "tertiary": 40.0,
    "unclassified": 30.0,
    "residential": 30.0,
    "road": 30.0,
    "service": 20.0,
    "living_street": 10.0,
    "track": 15.0,
    "cycleway": 15.0,
    "pedestrian": 5.0,
    "footway": 5.0,
    "path": 5.0,
    "steps": 5.0,
    "bridleway": 5.0,
}
"""km/h by OSM ``highway`` value (``_link`` dropped) where a way has no ``maxspeed``."""

_LANES = re.compile(r'"lanes"=>"(\d+)"')

OSM_CLASS_ORDER = ("高速公路", "国道", "省道", "县道", "乡道", "村道", "慢行道")
OSM_CLASS_NOTE = (
    (
        "道路等级按 OpenStreetMap 中国的标注习惯归类：高速公路为高速公路，干线公路为国道，"
        "主要道路为省道，次要道路为县道，三级道路为乡道，其余机动车可走的道路为村道；"
        "人行道、台阶、自行车道、小路和步行街为慢行道。"
    ),
    (
        "Road classes follow OpenStreetMap China's tagging: motorway 高速公路 (expressway), trunk "
        "国道, primary 省道, secondary 县道, tertiary 乡道, other roads for motor vehicles 村道; "
        "footways, steps, cycleways, paths and pedestrian streets 慢行道 (slow-traffic ways)."
    ),
)
OSM_SPEED_NOTE = (
    "没有限速标注的道路，按道路类型取默认车速（如高速公路 100、国道 80 千米/小时）。",
    (
        "Roads without a maxspeed tag take a default speed by their highway type (motorway "
        "100 km/h, trunk 80 km/h ...)."
    ),
)


def read_osm_roads(path: Path) -> ImportedFile:
    """Read an OSM extract's routable ways into a ``roads`` layer in EPSG:4490.

    Raises
    ------
    InputError
        The extract cannot be read or holds no routable ways.
    """
    import numpy as np
    import pandas as pd

    from gisdesk.analysis.osm import FOOT_WAYS, HIGHWAY_CLASS, roads_from_osm
    from gisdesk.core.crs import STORAGE_CRS
    from gisdesk.io.osm_extract import read_osm_lines

    lines = read_osm_lines(path)
    lines = lines[lines.geom_type == "LineString"].reset_index(drop=True)
    roads = roads_from_osm(lines)
    if len(roads) == 0:
        raise InputError(
            f"OSM 文件 {path.name} 中没有可通行的道路。",
            f"The OSM file {path.name} holds no routable roads.",
        )
    # the same selection roads_from_osm made, to carry highway and lanes along
    highway = lines["highway"].astype(object).fillna("").str.replace("_link", "", regex=False)
    keep = highway.isin(list(HIGHWAY_CLASS)).to_numpy()
    kept_highway = highway[keep].to_numpy()
    other = lines.get("other_tags", pd.Series([None] * len(lines)))[keep]
    defaults = np.array([OSM_DEFAULT_SPEEDS.get(h, 30.0) for h in kept_highway])
    speeds = roads["speed_kmh"].to_numpy(dtype=np.float64)
    speeds = np.clip(np.where(np.isfinite(speeds) & (speeds > 0), speeds, defaults), 5.0, 120.0)
    lanes = [
        int(m.group(1)) if isinstance(t, str) and (m := _LANES.search(t)) else None for t in other
    ]
    roads = roads.assign(
        speed_kmh=speeds,
        lanes=pd.array([v if v is None or 1 <= v <= 12 else None for v in lanes], dtype="Int64"),
        level=np.clip(roads["level"].to_numpy(), -2, 3),
    ).to_crs(STORAGE_CRS)
    kept, total = int(keep.sum()), len(lines)
    by_class = roads["class"].value_counts()
    counts_zh = "、".join(
        f"{name} {int(by_class[name])} 条" for name in OSM_CLASS_ORDER if name in by_class
    )
    counts_en = ", ".join(
        f"{name} {int(by_class[name])}" for name in OSM_CLASS_ORDER if name in by_class
    )
    warnings = [
        (
            f"{total} 条线中 {kept} 条作为道路导入：{counts_zh}。",
            f"{kept} of {total} ways imported as roads: {counts_en}.",
        ),
        OSM_CLASS_NOTE,
        OSM_SPEED_NOTE,
    ]
    foot = int(highway.isin(list(FOOT_WAYS)).sum())
    if foot:
        warnings.append(
            (
                (
                    f"其中 {foot} 条人行道、台阶、自行车道、小路和步行街归为慢行道：步行和骑行的"
                    "服务圈经过这些路（自行车和电动自行车在人行道、台阶上按步行速度计），"
                    "驾车的服务圈不经过。"
                ),
                (
                    f"{foot} footways, steps, cycleways, paths and pedestrian streets are 慢行道 "
                    "(slow-traffic ways): walking and cycling service areas use them (bicycles "
                    "and e-bikes at walking pace on footways and steps), driving ones do not."
                ),
            )
        )
    return ImportedFile(
        data=roads,
        source=path.name,
        layer_type="roads",
        conversions=[
            (
                "OpenStreetMap highway -> road class (motorway 高速公路, trunk 国道, primary 省道, "
                "secondary 县道, tertiary 乡道, other motor roads 村道, "
                "footways and cycleways 慢行道)"
            ),
            "missing maxspeed -> default speed by highway type",
            "WGS84 (EPSG:4326) -> CGCS2000 (EPSG:4490), no shift",
        ],
        warnings=warnings,
    )
