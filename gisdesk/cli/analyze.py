"""``gisdesk analyze``: station zones, service areas and siting from the command line.

PROJECT is a gisdesk project (.gpkg) or any vector file; a LAYER option names a layer of
PROJECT, or is a path of its own (``PATH`` or ``PATH:layer``). OUT is a GeoPackage of
result layers; a JSON summary is written beside it (``OUT`` with ``.json``).

Exit codes: 0 done; 1 (siting) the required share cannot be reached with the candidates;
2 wrong usage or input; 3 a file could not be read or written.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["add_analyze_parser", "run_analyze"]

EXIT_OK = 0
EXIT_TARGET_UNREACHABLE = 1


def add_analyze_parser(sub: Any) -> None:
    """Register ``analyze`` and its actions on the main parser's subparsers."""
    analyze = sub.add_parser("analyze", help="空间分析 / spatial analyses")
    actions = analyze.add_subparsers(dest="analyze_command", metavar="ACTION", required=True)

    zones = actions.add_parser(
        "zones", help="国控/省控站点 3 千米重点区域 / 3 km key zones around control stations"
    )
    _common(zones)
    zones.add_argument("--stations", default="monitoring_stations", help="站点图层 / stations")
    zones.add_argument(
        "--targets",
        nargs="*",
        default=None,
        help="统计的图层 / layers to list members of (default: enterprises rental_factories "
        "villages, those present)",
    )
    zones.add_argument("--radius", type=float, default=3000.0, help="半径（米）/ radius (m)")
    zones.add_argument(
        "--radius-field", default=None, help="按字段取半径 / per-station radius field"
    )
    zones.add_argument(
        "--levels",
        default="国控,省控",
        help="站点级别，逗号分隔；all 为全部 / station levels, comma-separated, or 'all'",
    )
    zones.add_argument("--clip", default=None, help="按此面图层裁剪 / clip zones to (e.g. towns)")

    areas = actions.add_parser("service-areas", help="N 分钟服务圈 / N-minute service areas")
    _common(areas)
    _network_options(areas)
    areas.add_argument(
        "--per-facility", action="store_true", help="另生成各站点服务区 / also per facility"
    )
    areas.add_argument("--frontage", type=float, default=50.0, help="临街宽度（米）/ buffer (m)")
    areas.add_argument(
        "--polygon-method", choices=["union", "raster"], default="union", help=argparse.SUPPRESS
    )
    areas.add_argument(
        "--raster",
        type=float,
        default=None,
        metavar="CELL_M",
        help="另写出行时间 GeoTIFF / also write a travel-time GeoTIFF with this cell size",
    )

    siting = actions.add_parser("siting", help="新增服务点选址 / where to add service points")
    _common(siting)
    _network_options(siting)
    siting.add_argument(
        "--candidates",
        default=None,
        help="候选点图层 / candidate sites (default: villages without a service point)",
    )
    goal = siting.add_mutually_exclusive_group()
    goal.add_argument(
        "--target-share",
        type=float,
        default=1.0,
        help="需覆盖的村比例 / share of villages to cover (1.0 = MED-6, 0.8 = MED-5)",
    )
    goal.add_argument(
        "--k", type=int, default=None, help="新增站点数（最大覆盖）/ new sites (max covering)"
    )
    siting.add_argument(
        "--solver", choices=["auto", "milp", "greedy"], default="auto", help="求解 / solver"
    )


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("project", type=Path, help="项目文件或矢量文件 / project or vector file")
    p.add_argument("--out", type=Path, required=True, help="输出 GeoPackage / output .gpkg")


def _network_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--roads", default="roads", help="道路图层 / road layer")
    p.add_argument("--facilities", default="service_points", help="站点图层 / facilities")
    p.add_argument("--demand", default="villages", help="需求点图层 / demand points")
    p.add_argument("--minutes", type=float, default=15.0, help="时间（分钟）/ time limit")
    p.add_argument(
        "--mode", choices=["walk", "bike", "ebike", "car"], default="ebike", help="出行方式 / mode"
    )
    p.add_argument("--speed-kmh", type=float, default=None, help="统一车速 / one speed (km/h)")
    p.add_argument("--max-snap", type=float, default=500.0, help="最大接入距离（米）/ max snap (m)")
    p.add_argument(
        "--direction",
        choices=["to_facility", "from_facility"],
        default="to_facility",
        help=argparse.SUPPRESS,
    )


# --- reading and writing ---------------------------------------------------------------------


class _Source:
    """Resolve LAYER arguments against PROJECT, reading each layer once."""

    def __init__(self, project: Path, lang: str = "zh") -> None:
        self.project = project
        self.lang = lang
        self._project_layers: dict[str, gpd.GeoDataFrame] | None = None

    def names(self) -> list[str]:
        if self._is_project():
            return list(self._layers())
        import pyogrio

        return [str(n) for n in pyogrio.list_layers(self.project)[:, 0]]

    def _is_project(self) -> bool:
        return self.project.suffix.lower() == ".gpkg"

    def _layers(self) -> dict[str, gpd.GeoDataFrame]:
        if self._project_layers is None:
            from gisdesk.cli.commands import warn_load_problems
            from gisdesk.io.project_store import open_project

            project = open_project(self.project)
            warn_load_problems(project, lang=self.lang)  # damaged settings or styles: warn only
            self._project_layers = {layer.name: layer.data for layer in project}
        return self._project_layers

    def get(self, spec: str) -> gpd.GeoDataFrame:
        path, _, layer = spec.rpartition(":")
        if path and Path(path).is_file():
            return _read(Path(path), layer)
        if Path(spec).is_file():
            return _read(Path(spec), None)
        if self._is_project():
            layers = self._layers()
            if spec not in layers:
                from gisdesk.core.errors import InputError

                names = "、".join(layers) or "无"
                raise InputError(
                    f"项目中没有图层“{spec}”，也没有这个文件。现有图层：{names}",
                    f"The project has no layer '{spec}' and no such file exists. "
                    f"Layers: {', '.join(layers)}",
                )
            return layers[spec]
        return _read(self.project, spec)


def _read(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    import pyogrio

    from gisdesk.core.errors import InputError, ProjectError

    if not path.exists():
        raise ProjectError(f"文件不存在：{path}", f"The file does not exist: {path}")
    try:
        return pyogrio.read_dataframe(path, layer=layer or None)
    except pyogrio.errors.DataLayerError as exc:
        raise InputError(
            f"{path.name} 中没有图层“{layer}”：{exc}", f"{path.name} has no layer '{layer}': {exc}"
        ) from None
    except Exception as exc:
        raise ProjectError(f"无法读取 {path}：{exc}", f"Cannot read {path}: {exc}") from None


def _finite(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the frame with inf replaced by missing values (GIS programs read them as null)."""
    import numpy as np

    out = frame.copy()
    for col in out.columns:
        if out[col].dtype.kind == "f":
            out[col] = out[col].where(np.isfinite(out[col].to_numpy()), np.nan)
    return out


def _write(out: Path, layers: dict[str, pd.DataFrame], summary: dict[str, Any]) -> Path:
    import pyogrio

    from gisdesk.core.errors import ProjectError

    if not out.parent.is_dir():
        raise ProjectError(
            f"输出文件夹不存在：{out.parent}", f"The output folder does not exist: {out.parent}"
        )
    try:
        out.unlink(missing_ok=True)
        for name, frame in layers.items():
            pyogrio.write_dataframe(_finite(frame), out, layer=name, driver="GPKG")
        summary_path = out.with_suffix(".json")
        summary_path.write_text(
            json.dumps(_jsonable(summary), ensure_ascii=False, indent=2), encoding="utf-8"
        )
    except OSError as exc:
        raise ProjectError(f"无法写入 {out}：{exc}", f"Cannot write {out}: {exc}") from None
    return summary_path


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    cols = [c for c in frame.columns if c != "geometry"]
    return [_jsonable(dict(zip(cols, row, strict=True))) for row in frame[cols].to_numpy()]


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%" if math.isfinite(x) else "-"


# --- actions -----------------------------------------------------------------------------------


def run_analyze(args: argparse.Namespace, *, lang: str = "zh") -> int:
    """Run one ``analyze`` action and return the exit code."""
    from gisdesk.core.errors import InputError

    if args.analyze_command == "zones":
        return _zones(args, lang)
    if args.analyze_command == "service-areas":
        return _service_areas(args, lang)
    if args.analyze_command == "siting":
        return _siting(args, lang)
    raise InputError("未知的分析。", f"Unknown analysis '{args.analyze_command}'.")


def _progress(fraction: float, message: str) -> None:
    print(f"[{fraction:4.0%}] {message}", file=sys.stderr)


def _zones(args: argparse.Namespace, lang: str) -> int:
    from gisdesk.analysis.zones import check_zone_inputs, station_zones, zone_members

    zh = lang == "zh"
    src = _Source(args.project, lang)
    stations = src.get(args.stations)
    levels = None if args.levels.strip().lower() == "all" else args.levels.split(",")
    present = src.names()
    wanted = args.targets
    if wanted is None:
        wanted = [n for n in ("enterprises", "rental_factories", "villages") if n in present]
    targets = {Path(t.rpartition(":")[2] or t).stem: src.get(t) for t in wanted}
    check_zone_inputs(stations, targets, levels=levels, stations_layer=args.stations)
    radius = None if args.radius_field else args.radius
    zones = station_zones(
        stations,
        radius_m=radius,
        radius_field=args.radius_field,
        levels=levels,
        clip_to=src.get(args.clip) if args.clip else None,
    )
    members = zone_members(
        stations, targets, radius_m=radius, radius_field=args.radius_field, levels=levels
    )
    import pandas as pd

    counts = pd.crosstab(members["station_name"], members["layer"]) if len(members) else None
    stations_out = []
    for name in zones.get("name", []):
        row = counts.loc[name].to_dict() if counts is not None and name in counts.index else {}
        stations_out.append({"station": name, "members": {k: int(v) for k, v in row.items()}})
    summary = {
        "analysis": "zones",
        "radius_m": radius,
        "radius_field": args.radius_field,
        "levels": levels,
        "stations": stations_out,
        "members_total": len(members),
    }
    path = _write(args.out, {"zones": zones, "members": members}, summary)
    print(
        f"重点区域：{len(zones)} 个站点，半径 {radius or args.radius_field} 米"
        if zh
        else f"Key zones: {len(zones)} stations, radius {radius or args.radius_field} m"
    )
    for item in stations_out:
        parts = (
            "，".join(f"{k} {v}" for k, v in item["members"].items())
            if zh
            else ", ".join(f"{k} {v}" for k, v in item["members"].items())
        )
        print(f"  {item['station']}: {parts or '-'}")
    print(f"{'已写出' if zh else 'Written'} {args.out}, {path}")
    return EXIT_OK


def _network_layers(args: argparse.Namespace, lang: str) -> tuple[Any, Any, Any, _Source]:
    src = _Source(args.project, lang)
    return src.get(args.roads), src.get(args.facilities), src.get(args.demand), src


def _service_areas(args: argparse.Namespace, lang: str) -> int:
    from gisdesk.analysis.service_areas import service_areas, travel_time_grid
    from gisdesk.io.rasters import write_geotiff

    zh = lang == "zh"
    if args.raster is not None:
        from gisdesk.analysis.service_areas import check_raster_cell

        check_raster_cell(args.raster)  # before the analysis, not after it
    roads, facilities, demand, _ = _network_layers(args, lang)
    polygons: Literal["both", "merged"] = "both" if args.per_facility else "merged"
    result = service_areas(
        roads,
        facilities,
        demand,
        minutes=args.minutes,
        mode=args.mode,
        speed_kmh=args.speed_kmh,
        direction=args.direction,
        max_snap_m=args.max_snap,
        polygons=polygons,
        frontage_m=args.frontage,
        polygon_method=args.polygon_method,
        progress=_progress,
    )
    raster_path = None
    if args.raster is not None:  # 0 is a wrong cell size, not "no raster"
        raster_path = args.out.with_suffix(".tif")
        grid = travel_time_grid(result, cell_m=args.raster)
        write_geotiff(
            raster_path,
            grid.minutes,
            transform=grid.transform,
            crs=grid.crs,
            description="travel time to nearest facility (minutes)",
        )
    d = result.district.iloc[0].to_dict()
    uncovered = result.uncovered
    summary = {
        "analysis": "service-areas",
        "params": result.params,
        "district": d,
        "by_town": _records(result.by_town),
        "uncovered": _records(
            uncovered[
                [
                    c
                    for c in ("code", "name", "town", "minutes", "status", "snap_m")
                    if c in uncovered
                ]
            ]
        ),
        "off_network": _records(result.off_network),
        "network": {"nodes": result.network.n_nodes, "edges": result.network.n_edges},
        "raster": str(raster_path) if raster_path else None,
    }
    path = _write(
        args.out,
        {
            "demand": result.demand,
            "uncovered": uncovered,
            "off_network": result.off_network,
            "areas": result.areas,
            "by_town": result.by_town,
        },
        summary,
    )
    from gisdesk.cli.commands import format_table

    mins = f"{args.minutes:g}"
    print(
        f"{mins} 分钟服务圈（{args.mode}）：{int(d['villages_within'])}/{int(d['villages'])} 个村"
        f"（{_pct(d['village_share'])}）"
        if zh
        else f"{mins}-minute service areas ({args.mode}): {int(d['villages_within'])}/"
        f"{int(d['villages'])} villages ({_pct(d['village_share'])})"
    )
    if "population_share" in d:
        print(
            f"  人口覆盖 {_pct(d['population_share'])}，户数覆盖 {_pct(d['household_share'])}"
            if zh
            else f"  population {_pct(d['population_share'])}, households "
            f"{_pct(d['household_share'])}"
        )
    rows = [
        [r["town"], int(r["villages"]), int(r["villages_within"]), _pct(r["village_share"])]
        for r in result.by_town.to_dict("records")
    ]
    print(
        format_table(
            ["镇（街道）", "村数", "覆盖", "比例"]
            if zh
            else ["town", "villages", "within", "share"],
            rows,
        )
    )
    if len(uncovered):
        print(f"未覆盖 {len(uncovered)} 个：" if zh else f"{len(uncovered)} not covered:")
        for r in uncovered.head(20).to_dict("records"):
            t = r["minutes"]
            print(
                f"  {r.get('town', '')} {r.get('name', '')}: {'不可达' if zh else 'unreachable'}"
                if not math.isfinite(t)
                else f"  {r.get('town', '')} {r.get('name', '')}: {t:.1f} min ({r['status']})"
            )
    if len(result.off_network):
        print(
            f"离路网过远 {len(result.off_network)} 个"
            if zh
            else f"{len(result.off_network)} points off the network"
        )
    print(
        f"{'已写出' if zh else 'Written'} {args.out}, {path}"
        + (f", {raster_path}" if raster_path else "")
    )
    return EXIT_OK


def _siting(args: argparse.Namespace, lang: str) -> int:
    from gisdesk.analysis.siting import default_candidates, site_facilities

    zh = lang == "zh"
    roads, facilities, demand, src = _network_layers(args, lang)
    candidates = (
        src.get(args.candidates) if args.candidates else default_candidates(demand, facilities)
    )
    result = site_facilities(
        roads,
        facilities,
        demand,
        candidates,
        minutes=args.minutes,
        mode=args.mode,
        speed_kmh=args.speed_kmh,
        target_share=None if args.k is not None else args.target_share,
        k=args.k,
        direction=args.direction,
        max_snap_m=args.max_snap,
        solver=args.solver,
        progress=_progress,
    )
    sol = result.solution
    summary = {
        "analysis": "siting",
        "params": result.params,
        "candidates": len(candidates),
        "chosen": _records(result.chosen),
        "share_before": result.share_before,
        "share_after": result.share_after,
        "targets": _records(result.targets),
        "solution": {
            "method": sol.method,
            "objective": sol.objective,
            "bound": sol.bound,
            "gap": sol.gap,
            "optimal": sol.optimal,
            "feasible": sol.feasible,
        },
        "uncoverable": _records(
            result.uncoverable[[c for c in ("code", "name", "town") if c in result.uncoverable]]
        ),
        "checks": result.checks,
    }
    path = _write(
        args.out,
        {
            "chosen": result.chosen,
            "villages": result.villages,
            "uncoverable": result.uncoverable,
            "targets": result.targets,
        },
        summary,
    )
    n = len(result.chosen)
    proof = (
        ("已证明最优" if zh else "proven optimal")
        if sol.optimal
        else (f"差距 {_pct(sol.gap)}" if zh else f"gap {_pct(sol.gap)}")
    )
    print(
        f"新增 {n} 个服务点（{sol.method}，{proof}）：覆盖 {_pct(result.share_before)} → "
        f"{_pct(result.share_after)}"
        if zh
        else f"{n} new service points ({sol.method}, {proof}): coverage "
        f"{_pct(result.share_before)} -> {_pct(result.share_after)}"
    )
    for r in result.chosen.to_dict("records"):
        print(f"  {r['order']}. {r.get('town', '')} {r.get('name', '')} (+{r['covers_villages']})")
    for r in result.targets.to_dict("records"):
        met = (
            ("达标" if r["met_after"] else "未达标")
            if zh
            else ("met" if r["met_after"] else "not met")
        )
        arrow = "→" if zh else "->"
        print(
            f"  {r['target']} ({r['year']}, {_pct(r['required_share'])}): "
            f"{_pct(r['share_before'])} {arrow} {_pct(r['share_after'])} {met}"
        )
    if not sol.feasible:
        print(
            f"有 {len(result.uncoverable)} 个村任何候选点都无法在时限内覆盖。"
            if zh
            else f"{len(result.uncoverable)} villages cannot be covered by any candidate.",
            file=sys.stderr,
        )
    print(f"{'已写出' if zh else 'Written'} {args.out}, {path}")
    return EXIT_OK if sol.feasible else EXIT_TARGET_UNREACHABLE
