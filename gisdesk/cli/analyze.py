"""``gisdesk analyze``: station zones, service areas and siting from the command line.

PROJECT is a gisdesk project (.gpkg) or any vector file; a LAYER option names a layer of
PROJECT, or is a path of its own (``PATH`` or ``PATH:layer``). OUT is a GeoPackage of
result layers; a JSON summary is written beside it (``OUT`` with ``.json``).

Exit codes: 0 done; 1 (siting) the required share cannot be reached with the candidates;
2 wrong usage or input; 3 a file could not be read or written.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from gisdesk.tasks.base import Request, Result

from gisdesk.cli.exit_codes import EXIT_OK, EXIT_UNREACHABLE
from gisdesk.cli.results import CommandSource as _Source
from gisdesk.cli.results import print_result, raster_beside, save_result
from gisdesk.core.i18n import tr

__all__ = [
    "REQUESTS",
    "add_analyze_parser",
    "run_analyze",
    "service_areas_request",
    "siting_request",
    "zones_request",
]


def add_analyze_parser(sub: Any) -> None:
    """Register ``analyze`` and its actions on the main parser's subparsers.

    An option left out takes the default of the task's Request (:mod:`gisdesk.tasks`), the
    one place the defaults are stated (the window's dialogs start from the same).
    """
    analyze = sub.add_parser("analyze", help="空间分析 / spatial analyses")
    actions = analyze.add_subparsers(dest="analyze_command", metavar="ACTION", required=True)

    zones = actions.add_parser(
        "zones", help="国控/省控站点 3 千米重点区域 / 3 km key zones around control stations"
    )
    _common(zones)
    zones.add_argument("--stations", default=None, help="站点图层 / stations")
    zones.add_argument(
        "--targets",
        nargs="*",
        default=None,
        help="统计的图层 / layers to list members of (default: enterprises rental_factories "
        "villages, those present)",
    )
    zones.add_argument("--radius", type=float, default=None, help="半径（米）/ radius (m)")
    zones.add_argument(
        "--radius-field", default=None, help="按字段取半径 / per-station radius field"
    )
    zones.add_argument(
        "--levels",
        default=None,
        help="站点级别，逗号分隔；all 为全部 / station levels, comma-separated, or 'all' "
        "(default: 国控,省控)",
    )
    zones.add_argument("--clip", default=None, help="按此面图层裁剪 / clip zones to (e.g. towns)")

    areas = actions.add_parser("service-areas", help="N 分钟服务圈 / N-minute service areas")
    _common(areas)
    _network_options(areas)
    areas.add_argument(
        "--per-facility", action="store_true", help="另生成各站点服务区 / also per facility"
    )
    areas.add_argument("--frontage", type=float, default=None, help="临街宽度（米）/ buffer (m)")
    areas.add_argument(
        "--polygon-method",
        choices=["raster", "union"],
        default=None,
        help="服务区面：raster 概化（默认，快）或 union 精确 / service-area outline: raster "
        "(generalised, default, fast) or union (exact)",
    )
    areas.add_argument(
        "--lines",
        action="store_true",
        help="另写出可达路网（线）/ also write the reachable network as lines",
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
        default=None,
        help="需覆盖的村比例 / share of villages to cover (default 1.0 = every village)",
    )
    goal.add_argument(
        "--k", type=int, default=None, help="新增站点数（最大覆盖）/ new sites (max covering)"
    )
    siting.add_argument(
        "--solver", choices=["auto", "milp", "greedy"], default=None, help="求解 / solver"
    )
    siting.add_argument(
        "--targets-file",
        type=Path,
        default=None,
        help="规划目标文件（核对 MED-5/6 等）/ plan-targets file the result is judged by "
        "(default: the project's targets, else the shipped file)",
    )


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("project", type=Path, help="项目文件或矢量文件 / project or vector file")
    p.add_argument("--out", type=Path, required=True, help="输出 GeoPackage / output .gpkg")


def _network_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--roads", default=None, help="道路图层 / road layer")
    p.add_argument("--facilities", default=None, help="站点图层 / facilities")
    p.add_argument("--demand", default=None, help="需求点图层 / demand points")
    p.add_argument("--minutes", type=float, default=None, help="时间（分钟）/ time limit")
    p.add_argument(
        "--mode", choices=["walk", "bike", "ebike", "car"], default=None, help="出行方式 / mode"
    )
    p.add_argument("--speed-kmh", type=float, default=None, help="统一车速 / one speed (km/h)")
    p.add_argument("--max-snap", type=float, default=None, help="最大接入距离（米）/ max snap (m)")
    p.add_argument(
        "--direction",
        choices=["to_facility", "from_facility"],
        default=None,
        help=argparse.SUPPRESS,
    )


# --- actions -----------------------------------------------------------------------------------


def _given(args: argparse.Namespace, **names: str) -> dict[str, Any]:
    """Return Request fields -> option values the user gave (the rest keep their defaults)."""
    values = {field: getattr(args, option, None) for field, option in names.items()}
    return {k: v for k, v in values.items() if v is not None}


_NETWORK = {
    "roads": "roads",
    "facilities": "facilities",
    "demand": "demand",
    "minutes": "minutes",
    "mode": "mode",
    "speed_kmh": "speed_kmh",
    "max_snap_m": "max_snap",
    "direction": "direction",
}


def zones_request(args: argparse.Namespace, source: LayerSourceLike) -> Request:
    """Return the :class:`~gisdesk.tasks.zones.ZonesRequest` the options describe."""
    from gisdesk.tasks.zones import ZonesRequest, default_targets

    given = _given(args, stations="stations", radius_m="radius", radius_field="radius_field")
    given["targets"] = tuple(
        args.targets if args.targets is not None else default_targets(source.names())
    )
    if args.radius_field:
        given["radius_m"] = None  # each station's own radius
    if args.levels is not None:
        wanted = args.levels.strip()
        given["levels"] = None if wanted.lower() == "all" else tuple(wanted.split(","))
    if args.clip:
        given["clip"] = args.clip
    return ZonesRequest(**given)


def service_areas_request(args: argparse.Namespace, source: LayerSourceLike) -> Request:
    """Return the :class:`~gisdesk.tasks.service_areas.ServiceAreasRequest` of the options."""
    from gisdesk.tasks.service_areas import ServiceAreasRequest

    given = _given(
        args,
        **_NETWORK,
        frontage_m="frontage",
        polygon_method="polygon_method",
        raster_cell_m="raster",
    )
    return ServiceAreasRequest(
        per_facility=bool(args.per_facility), lines=bool(args.lines), **given
    )


def siting_request(args: argparse.Namespace, source: LayerSourceLike) -> Request:
    """Return the :class:`~gisdesk.tasks.siting.SitingRequest` the options describe."""
    from gisdesk.tasks.siting import SitingRequest

    given = _given(
        args, **_NETWORK, candidates="candidates", target_share="target_share", solver="solver"
    )
    if args.k is not None:  # maximal covering instead of a share
        given |= {"k": args.k, "target_share": None}
    if args.targets_file is not None:
        given["targets_file"] = str(args.targets_file)
    return SitingRequest(**given)


class LayerSourceLike(Protocol):
    """What building a request needs of the source: the layer names present."""

    def names(self) -> list[str]: ...


REQUESTS: dict[str, Callable[[argparse.Namespace, LayerSourceLike], Request]] = {
    "zones": zones_request,
    "service-areas": service_areas_request,
    "siting": siting_request,
}
"""The form of each action: options -> the task's Request (the dialogs build the same)."""


NETWORK_ANALYSES = ("service-areas", "siting")
"""Analyses on the road network: their networks are kept on disk between runs."""


def run_analyze(args: argparse.Namespace, *, lang: str = "zh") -> int:
    """Run one ``analyze`` action and return the exit code."""
    from gisdesk.core.errors import InputError
    from gisdesk.tasks import run_request

    build = REQUESTS.get(args.analyze_command)
    if build is None:
        raise InputError("未知的分析。", f"Unknown analysis '{args.analyze_command}'.")
    source = _Source(args.project, lang)
    request = build(args, source)
    request.validate()  # before any layer is read
    kept: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    if args.analyze_command in NETWORK_ANALYSES:
        from gisdesk.tasks import networks_kept_between_runs

        kept = networks_kept_between_runs()
    with kept:
        result = run_request(source, request, progress=_progress)
    path, raster = _save(args.out, result)
    _print(result, lang)
    written = ", ".join(str(p) for p in (args.out, path, raster) if p is not None)
    print(f"{tr('已写出', 'Written', lang)} {written}")
    return EXIT_OK if result.ok else EXIT_UNREACHABLE


def _progress(fraction: float, message: str) -> None:
    print(f"[{fraction:4.0%}] {message}", file=sys.stderr)


def _save(out: Path, result: Result) -> tuple[Path, Path | None]:
    """Write the result's layers, its travel-time grid (if any) and the JSON summary."""
    grid = result.extras.get("travel_time_grid")
    beside = (
        []
        if grid is None
        else [
            raster_beside(
                out,
                grid.minutes,
                grid.transform,
                grid.crs,
                "travel time to nearest facility (minutes)",
            )
        ]
    )
    raster = beside[0][0] if beside else None
    extra = {"raster": str(raster) if raster else None} if result.kind == "service_areas" else {}
    return save_result(out, result, extra, beside=beside), raster


def _print(result: Result, lang: str) -> None:
    """Print the result: headline, the summary table, notes, and what needs attention."""
    from gisdesk.tasks.base import format_value

    print_result(result, lang)
    if result.kind == "service_areas":
        uncovered = result.details["uncovered"]
        if uncovered:
            print(tr(f"未覆盖 {len(uncovered)} 个：", f"{len(uncovered)} not covered:", lang))
        for r in uncovered[:20]:
            label = tr(r["status_zh"], r["status_en"], lang)
            minutes = r["minutes"]
            time = "" if minutes is None or math.isnan(minutes) else f"{minutes:.1f} "
            unit = tr("分钟", "min", lang) if time else ""
            shown = tr(f"（{label}）", f" ({label})", lang)
            print(f"  {r.get('town', '')} {r.get('name', '')}: {time}{unit}{shown}")
    if result.kind == "siting":
        for r in result.details["chosen"]:
            gain = format_value(r["covers_villages"], "count")
            print(
                f"  {r['order']}. {r.get('town', '')} {r.get('name', '')}"
                + tr(f"（新覆盖 {gain} 个村）", f" (+{gain} villages)", lang)
            )
