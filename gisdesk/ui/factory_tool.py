"""Register a rental factory by drawing its footprint (编辑 → 登记出租厂房（占地）).

The user draws the outline of the factory's buildings; the factory form (rental_factories
schema) opens; on OK one undoable edit adds the factory's site (a point inside the outline)
to ``rental_factories`` and the outline, with its area in square metres, to
``factory_footprints`` (created in the project, group 出租厂房, if it is not there yet).
A factory without a known outline is added as a point with 添加要素 on rental_factories.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from gisdesk.core.crs import STORAGE_CRS
from gisdesk.core.editing import GEOMETRY, FeatureChange
from gisdesk.core.errors import GisdeskError
from gisdesk.core.layer import Layer
from gisdesk.io.schemas import load_schemas
from gisdesk.io.styles import load_styles
from gisdesk.ui.digitize import AddFeatureTool, to_layer, town_initial
from gisdesk.ui.i18n import language, tr

if TYPE_CHECKING:
    from gisdesk.ui.window_api import WindowApi

__all__ = ["FactoryFootprintTool", "footprint_layer"]

FACTORIES = "rental_factories"
FOOTPRINTS = "factory_footprints"


def footprint_layer(window: WindowApi) -> Layer:
    """The project's footprint layer, added (empty, styled) when it is missing."""
    project = window.project
    assert project is not None
    if FOOTPRINTS in project:
        return project.layer(FOOTPRINTS)
    schema = load_schemas()[FOOTPRINTS]
    columns: dict[str, list[object]] = {f.name: [] for f in schema.fields}
    empty = gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries([], crs=STORAGE_CRS))
    layer = Layer(
        FOOTPRINTS, empty, schema=schema, style=load_styles().get(schema.style), group="出租厂房"
    )
    index = next((i for i, lay in enumerate(project) if lay.name == FACTORIES), None)
    project.add_layer(layer, index=index)
    return layer


class FactoryFootprintTool(AddFeatureTool):
    """Draw a factory's outline; its form adds the site and the footprint in one edit."""

    name_zh, name_en = "登记出租厂房（占地）", "Register factory (footprint)"

    def _family(self) -> tuple[Layer, str] | None:
        project = self.window.project
        if project is None or FACTORIES not in project:
            self.window.status(
                tr("项目中没有出租厂房图层。", "The project has no rental factories layer.")
            )
            return None
        return project.layer(FACTORIES), "polygon"

    def sketch_family(self) -> str | None:
        """An outline is always a polygon, whatever the current layer is."""
        return "polygon"

    def measure_text(self, family: str) -> str:
        """Area of the outline (always a polygon here)."""
        return super().measure_text("polygon")

    def _create(self, layer: Layer, geom_display: BaseGeometry) -> bool:
        if geom_display.geom_type == "Point":
            return False
        outline = geom_display
        area = float(outline.area)  # display CRS is metric (EPSG:4549 around Haimen)
        site = (
            outline.centroid if outline.contains(outline.centroid) else outline.point_on_surface()
        )
        try:
            initial = town_initial(self.window, layer, to_layer(site, self.canvas, layer))
        except GisdeskError:
            initial = {}
        values = self.values(layer, initial)
        if values is None:  # the form was cancelled: the outline goes too
            self.vertices.clear()
            self.canvas.update()
            self.window.status(tr("已取消登记厂房。", "Registering the factory was cancelled."))
            return False
        try:
            footprints = footprint_layer(self.window)
            site_geom = to_layer(site, self.canvas, layer)
            outline_geom = to_layer(shapely.MultiPolygon([outline]), self.canvas, footprints)
        except GisdeskError as exc:
            self.window.status(exc.message(language()))
            return False
        changes = [
            FeatureChange(FACTORIES, layer.next_fid(), None, {**values, GEOMETRY: site_geom}),
            FeatureChange(
                FOOTPRINTS,
                footprints.next_fid(),
                None,
                {
                    "factory_id": values.get("factory_id"),
                    "name": values.get("name"),
                    "area_m2": round(area, 1),
                    GEOMETRY: outline_geom,
                },
            ),
        ]
        name = values.get("name") or values.get("factory_id") or ""
        txn = self.window.edits.commit(
            (f"登记出租厂房 {name}（占地 {area:,.0f} 平方米）", f"Register factory {name}"),
            changes,
        )
        return txn is not None
