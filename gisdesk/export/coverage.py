"""Service-circle statistics and layers for plates: per-town coverage tables and maps.

:class:`ServiceCircle` runs :func:`gisdesk.analysis.service_areas.service_areas` once and
hands each atlas page its title, table and layers (the service area, villages coloured by
coverage), and the overview plate its per-town table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gisdesk.analysis.speeds import DEFAULT_MINUTES, DEFAULT_MODE
from gisdesk.core.layer import Layer, LayerMetadata
from gisdesk.core.style import LabelSpec, LayerStyle, StyleClass, Symbol
from gisdesk.export.spec import ExtraLayer

if TYPE_CHECKING:
    from gisdesk.analysis.service_areas import ServiceAreaResult
    from gisdesk.core.progress import CancelToken, ProgressCallback
    from gisdesk.core.project import Project

__all__ = ["MODE_NAMES", "PageContent", "ServiceCircle", "district_name"]

MODE_NAMES = {"walk": "步行", "bike": "自行车", "ebike": "电动自行车", "car": "小汽车"}


@dataclass(frozen=True)
class PageContent:
    """What an atlas page adds to the base plate spec."""

    title: str
    subtitle: str = ""
    table: pd.DataFrame | None = None
    table_title: str = "统计表"
    table_note: str = ""
    extra_layers: tuple[ExtraLayer, ...] = ()


def district_name(project: Project) -> str:
    """Return the district's name from its layer (e.g. 海门区), or "" when unknown."""
    for layer in project:
        if (layer.kind == "district" or layer.name == "district") and "name" in layer.data:
            names = layer.data["name"].dropna().astype(str)
            if len(names):
                return str(names.iloc[0])
    return ""


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%" if math.isfinite(x) else "-"


class ServiceCircle:
    """The N-minute medical-insurance service circle, computed once for a whole atlas.

    Parameters
    ----------
    project
        Project with the road, facility and demand layers.
    minutes, mode
        Time limit and travel mode (see :func:`~gisdesk.analysis.service_areas.service_areas`).
    roads, facilities, demand
        Layer names.
    polygons
        Make the service-area polygon (drawn on the plates); False skips it (faster).
    progress, cancel
        Hooks passed to the analysis.
    """

    def __init__(
        self,
        project: Project,
        *,
        minutes: float = DEFAULT_MINUTES,
        mode: str = DEFAULT_MODE,
        roads: str = "roads",
        facilities: str = "service_points",
        demand: str = "villages",
        polygons: bool = True,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        from gisdesk.analysis.service_areas import service_areas

        self.project = project
        self.minutes = float(minutes)
        self.mode = mode
        self.demand_layer = project.layer(demand)
        self.facility_layer = project.layer(facilities)
        road_layer = project.layer(roads)
        self.schematic = any(
            layer.metadata.schematic
            for layer in (self.demand_layer, self.facility_layer, road_layer)
        )
        self.result: ServiceAreaResult = service_areas(
            road_layer.data,
            self.facility_layer.data,
            self.demand_layer.data,
            minutes=minutes,
            mode=mode,
            polygons="merged" if polygons else "none",
            progress=progress,
            cancel=cancel,
        )
        self._layers = self._make_layers()

    @property
    def label(self) -> str:
        """E.g. 15分钟医保服务圈."""
        return f"{self.minutes:g}分钟医保服务圈"

    def _metadata(self, what: str) -> LayerMetadata:
        source = (
            f"{what}：由 gisdesk 按路网计算（{MODE_NAMES.get(self.mode, self.mode)}，"
            f"{self.minutes:g} 分钟）"
        )
        return LayerMetadata(schematic=self.schematic, source_zh=source, source_en=source)

    def _make_layers(self) -> tuple[ExtraLayer, ...]:
        out: list[ExtraLayer] = []
        areas = self.result.areas
        if len(areas) and not areas.geometry.is_empty.all():
            style = LayerStyle(
                kind="single",
                classes=(
                    StyleClass(
                        Symbol(fill="#41ab5d59", stroke=None, stroke_width=0.0),
                        f"{self.minutes:g}分钟可达范围",
                        f"Within {self.minutes:g} min",
                    ),
                ),
            )
            layer = Layer(
                "service_area",
                gpd.GeoDataFrame(areas[["kind", "geometry"]], geometry="geometry", crs=areas.crs),
                style=style,
                title=f"{self.minutes:g}分钟服务范围",
                metadata=self._metadata("服务范围"),
            )
            anchor = "towns" if "towns" in self.project else None
            out.append(ExtraLayer(layer, above=anchor))
        demand = self.result.demand.copy()
        demand["coverage"] = np.where(
            demand["within"],
            "covered",
            np.where(np.isfinite(demand["minutes"].to_numpy(dtype=float)), "too_far", "none"),
        )
        label = self.demand_layer.style.label if self.demand_layer.style is not None else None
        style = LayerStyle(
            kind="categorized",
            field="coverage",
            classes=(
                StyleClass(
                    Symbol(fill="#1a9850", stroke="#ffffff", stroke_width=0.2, size=2.2),
                    f"{self.minutes:g}分钟内",
                    f"Within {self.minutes:g} min",
                    value="covered",
                ),
                StyleClass(
                    Symbol(fill="#fc8d59", stroke="#7f2704", stroke_width=0.25, size=2.6),
                    f"超过{self.minutes:g}分钟",
                    f"Over {self.minutes:g} min",
                    value="too_far",
                ),
                StyleClass(
                    Symbol(
                        fill="#d73027",
                        stroke="#67000d",
                        stroke_width=0.25,
                        size=2.6,
                        marker="cross",
                    ),
                    "无法到达",
                    "Unreachable",
                    value="none",
                ),
            ),
            label=label or LabelSpec(field="name", size=7, min_scale=80000, priority=5),
        )
        villages = Layer(
            self.demand_layer.name,
            demand,
            schema=self.demand_layer.schema,
            style=style,
            title=f"{self.demand_layer.title}覆盖情况",
            metadata=self._metadata("覆盖情况"),
        )
        out.append(ExtraLayer(villages, replaces=self.demand_layer.name))
        return tuple(out)

    @property
    def layers(self) -> tuple[ExtraLayer, ...]:
        """The service area and the villages coloured by coverage, for any plate."""
        return self._layers

    def town_order(self, names: pd.Series) -> pd.Series:
        """Return each town name's place in the official order: the towns layer's feature
        order (the order the district lists its towns in), names it lacks after them."""
        official: list[str] = []
        if "towns" in self.project:
            data = self.project.layer("towns").data
            if "name" in data:
                official = [str(v) for v in data["name"]]
        rank = {name: i for i, name in reversed(list(enumerate(official)))}
        return names.astype(str).map(lambda n: rank.get(n, len(rank)))

    def town_table(self) -> pd.DataFrame:
        """Return per-town coverage (the overview plate's table), with a Chinese header, in
        the towns layer's order."""
        t = self.result.by_town
        t = t.iloc[np.argsort(self.town_order(t["town"]).to_numpy(), kind="stable")]
        table = pd.DataFrame(
            {
                "镇（街道）": t["town"].astype(str),
                "村（社区）数": t["villages"].astype(int),
                f"{self.minutes:g}分钟内": t["villages_within"].astype(int),
                "覆盖率": t["village_share"].astype(float),
            }
        )
        if "population_share" in t:
            table["人口覆盖率"] = t["population_share"].astype(float)
        return table

    def district_note(self) -> str:
        """Return the district total as one line."""
        d = self.result.district.iloc[0]
        return (
            f"全区：{int(d['villages_within'])}/{int(d['villages'])} 个村（社区）在"
            f"{self.minutes:g}分钟内，覆盖率 {_pct(float(d['village_share']))}"
        )

    def page(self, name: str, *, region: str = "") -> PageContent:
        """Return one town's page: title, subtitle, statistics table and layers."""
        demand = self.result.demand
        mine = demand[demand["town"].astype(str) == name] if "town" in demand else demand[:0]
        n = len(mine)
        within = int(mine["within"].sum()) if n else 0
        share = within / n if n else math.nan
        rows: list[tuple[str, Any]] = [
            ("村（社区）数", f"{n} 个"),
            (f"{self.minutes:g}分钟内", f"{within} 个"),
            ("村（社区）覆盖率", _pct(share)),
        ]
        for col, text in (("population", "人口覆盖率"), ("households", "户数覆盖率")):
            if col in mine and n:
                total = float(pd.to_numeric(mine[col], errors="coerce").fillna(0).sum())
                inside = float(
                    pd.to_numeric(mine.loc[mine["within"], col], errors="coerce").fillna(0).sum()
                )
                rows.append((text, _pct(inside / total) if total else "-"))
        fac = self.facility_layer.data
        if "town" in fac:
            rows.append(("医保服务站点", f"{int((fac['town'].astype(str) == name).sum())} 个"))
        slow = mine[~mine["within"]].sort_values("minutes", ascending=False)
        for r in slow.itertuples(index=False):
            t = float(getattr(r, "minutes", math.inf))
            rows.append(
                (
                    f"未覆盖：{getattr(r, 'name', '')}",
                    f"{t:.1f} 分钟" if math.isfinite(t) else "无法到达",
                )
            )
        table = pd.DataFrame(rows, columns=["项目", "数值"])
        mode = MODE_NAMES.get(self.mode, self.mode)
        title = " ".join(s for s in (region, name, self.label) if s)
        return PageContent(
            title=title,
            subtitle=f"{mode}出行 · 村（社区）覆盖 {within}/{n}（{_pct(share)}）",
            table=table,
            table_title=f"{name}{self.minutes:g}分钟服务圈统计",
            table_note=self.district_note(),
            extra_layers=self.layers,
        )
