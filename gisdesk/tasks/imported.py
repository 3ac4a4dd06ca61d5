"""What an import has read: the features in EPSG:4490 and the notes the user should see.

Every reader of :mod:`gisdesk.tasks.imports` (vector files, coordinate tables, QGIS project
layers) and :mod:`gisdesk.tasks.osm_roads` returns an :class:`ImportedFile`; the geometry and
encoding notes here are shared by them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import geopandas as gpd

    from gisdesk.core.style import LayerStyle
    from gisdesk.io.encodings import EncodingChoice

__all__ = ["ImportedFile", "encoding_notes", "geometry_notes"]


@dataclass
class ImportedFile:
    """Features read from a file, in EPSG:4490, with what was done and what to know.

    ``conversions`` are English records kept on the layer; ``warnings`` are (Chinese,
    English) pairs shown to the user, ``cautions`` those among them the user should check
    (a contradicted encoding, repairs, skipped rows, broken geometries); ``layer_type`` is set
    when the reader knows it (OpenStreetMap roads).
    """

    data: gpd.GeoDataFrame
    source: str
    encoding: EncodingChoice | None = None
    conversions: list[str] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    layer_type: str | None = None
    cautions: list[tuple[str, str]] = field(default_factory=list)
    title: str | None = None
    style: LayerStyle | None = None


def geometry_notes(gdf: gpd.GeoDataFrame) -> list[tuple[str, str]]:
    """Missing, empty and invalid geometries and mixed types, as (Chinese, English) notes."""
    import numpy as np
    import shapely

    notes: list[tuple[str, str]] = []
    geoms = np.asarray(gdf.geometry.to_numpy(), dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        n = int(missing.sum())
        notes.append(
            (
                f"{n} 个要素没有几何（保留在属性表中，地图上不显示）。",
                f"{n} features have no geometry (kept in the table, not drawn).",
            )
        )
    invalid = ~missing & ~shapely.is_valid(geoms)
    if invalid.any():
        n = int(invalid.sum())
        zh = f"{n} 个几何无效（如面自相交），请用 gisdesk validate 检查。"
        en = f"{n} geometries are invalid (e.g. self-crossing polygons); check them with "
        notes.append((zh, en + "gisdesk validate."))
    kinds = {str(t).replace("Multi", "") for t in gdf.geom_type.dropna().unique()}
    if len(kinds) > 1:
        notes.append(
            (
                f"几何类型混合：{'、'.join(sorted(kinds))}。",
                f"Mixed geometry types: {', '.join(sorted(kinds))}.",
            )
        )
    return notes


def encoding_notes(
    choice: EncodingChoice | None,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The encoding chosen and why; and, when stated and bytes disagree, both readings."""
    if choice is None:
        return [], []
    mismatch = choice.warning()
    return [(choice.describe("zh"), choice.describe("en"))], [] if mismatch is None else [mismatch]
