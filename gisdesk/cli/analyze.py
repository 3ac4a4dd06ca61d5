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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from gisdesk.analysis.targets.model import Target
    from gisdesk.core.project import Project
    from gisdesk.tasks.base import FieldInfo, Request, Result

from gisdesk.core.i18n import tr

__all__ = [
    "REQUESTS",
    "add_analyze_parser",
    "run_analyze",
    "service_areas_request",
    "siting_request",
    "zones_request",
]

EXIT_OK = 0
EXIT_TARGET_UNREACHABLE = 1


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
        "--polygon-method", choices=["union", "raster"], default=None, help=argparse.SUPPRESS
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


# --- reading and writing ---------------------------------------------------------------------


class _Source:
    """Resolve LAYER arguments against PROJECT, reading each layer once.

    A :class:`gisdesk.tasks.base.LayerSource`: a LAYER names a layer of PROJECT, or is a
    path of its own (``PATH`` or ``PATH:layer``).
    """

    def __init__(self, project: Path, lang: str = "zh") -> None:
        self.project = project
        self.lang = lang
        self._project: Project | None = None

    def names(self) -> list[str]:
        if self._is_project():
            return [layer.name for layer in self._opened()]
        import pyogrio

        if not self.project.exists():
            _read(self.project, None)  # the message that says the file does not exist
        return [str(n) for n in pyogrio.list_layers(self.project)[:, 0]]

    def _is_project(self) -> bool:
        return self.project.suffix.lower() == ".gpkg"

    def _opened(self) -> Project:
        if self._project is None:
            from gisdesk.cli.commands import warn_load_problems
            from gisdesk.io.project_store import open_project

            project = open_project(self.project)
            warn_load_problems(project, lang=self.lang)  # damaged settings or styles: warn only
            self._project = project
        return self._project

    def _own_file(self, spec: str) -> bool:
        path, _, _ = spec.rpartition(":")
        return bool(path and Path(path).is_file()) or Path(spec).is_file()

    def get(self, spec: str) -> gpd.GeoDataFrame:
        path, _, layer = spec.rpartition(":")
        if path and Path(path).is_file():
            return _read(Path(path), layer)
        if Path(spec).is_file():
            return _read(Path(spec), None)
        if self._is_project():
            project = self._opened()
            if spec not in project:
                from gisdesk.core.errors import InputError

                names = [layer.name for layer in project]
                raise InputError(
                    f"项目中没有图层“{spec}”，也没有这个文件。现有图层：{'、'.join(names) or '无'}",
                    f"The project has no layer '{spec}' and no such file exists. "
                    f"Layers: {', '.join(names)}",
                )
            return project.layer(spec).data
        return _read(self.project, spec)

    def key(self, spec: str) -> str:
        """Return the layer's short name: a project layer's name, a file's layer or stem."""
        if not self._own_file(spec) and self._is_project():
            return spec
        return Path(spec.rpartition(":")[2] or spec).stem

    def title(self, spec: str) -> str:
        """Return a project layer's title, else the layer's short name."""
        if not self._own_file(spec) and self._is_project() and spec in self._opened():
            return self._opened().layer(spec).title
        return self.key(spec)

    def fields(self, spec: str) -> dict[str, FieldInfo]:
        """Return column labels from the layer's schema (by its name for a file's layer)."""
        from gisdesk.tasks.base import schema_fields

        if not self._own_file(spec) and self._is_project() and spec in self._opened():
            return schema_fields(self._opened().layer(spec).schema)
        from gisdesk.io.schemas import load_schemas

        return schema_fields(load_schemas().get(self.key(spec)))

    def plan_targets(self) -> list[Target] | None:
        """Return the targets imported into PROJECT (None for a plain vector file)."""
        if not self._is_project():
            return None
        from gisdesk.analysis.targets.registry import project_targets

        return project_targets(self._opened())


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


def _write(out: Path, layers: dict[str, pd.DataFrame], summary: dict[str, Any]) -> Path:
    import pyogrio

    from gisdesk.core.errors import ProjectError
    from gisdesk.tasks.base import finite_frame

    if not out.parent.is_dir():
        raise ProjectError(
            f"输出文件夹不存在：{out.parent}", f"The output folder does not exist: {out.parent}"
        )
    try:
        out.unlink(missing_ok=True)
        for name, frame in layers.items():
            pyogrio.write_dataframe(finite_frame(frame), out, layer=name, driver="GPKG")
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
    return ServiceAreasRequest(per_facility=bool(args.per_facility), **given)


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
    result = run_request(source, request, progress=_progress)
    path, raster = _save(args.out, result)
    _print(result, lang)
    written = ", ".join(str(p) for p in (args.out, path, raster) if p is not None)
    print(f"{tr('已写出', 'Written', lang)} {written}")
    return EXIT_OK if result.ok else EXIT_TARGET_UNREACHABLE


def _progress(fraction: float, message: str) -> None:
    print(f"[{fraction:4.0%}] {message}", file=sys.stderr)


def _save(out: Path, result: Result) -> tuple[Path, Path | None]:
    """Write the result's layers, its travel-time grid (if any) and the JSON summary."""
    raster = None
    grid = result.extras.get("travel_time_grid")
    if grid is not None:
        from gisdesk.io.rasters import write_geotiff

        raster = out.with_suffix(".tif")
        write_geotiff(
            raster,
            grid.minutes,
            transform=grid.transform,
            crs=grid.crs,
            description="travel time to nearest facility (minutes)",
        )
    summary = {
        **result.details,
        "title": {"zh": result.title_zh, "en": result.title_en},
        "request": result.request.to_record(),
        "sources": [{"layer": name, "title": title} for name, title in result.sources],
        "summary_table": {
            "headers_zh": result.summary.headers("zh"),
            "headers_en": result.summary.headers("en"),
            "keys": [c.key for c in result.summary.columns],
            "rows": result.summary.records(),
        },
        "totals": [
            {"key": f.key, "zh": f.zh, "en": f.en, "value": f.value} for f in result.district
        ],
        "notes": [{"zh": n.zh, "en": n.en} for n in result.notes],
        "layers": {
            layer.file_name: {
                "title_zh": layer.title_zh,
                "title_en": layer.title_en,
                "fields": {
                    f.name: {
                        "zh": f.zh,
                        "en": f.en,
                        "unit": f.unit,
                        **({"codes": {k: [zh, en] for k, zh, en in f.codes}} if f.codes else {}),
                    }
                    for f in layer.fields
                },
            }
            for layer in result.layers
        },
    }
    if result.kind == "service_areas":
        summary["raster"] = str(raster) if raster else None
    path = _write(out, {layer.file_name: layer.data for layer in result.layers}, summary)
    return path, raster


def _print(result: Result, lang: str) -> None:
    """Print the result: headline, the summary table, notes, and what needs attention."""
    from gisdesk.cli.commands import format_table
    from gisdesk.tasks.base import format_value

    sep = "，" if lang == "zh" else ", "
    totals = sep.join(f.show(lang) for f in result.district)
    print(f"{result.title(lang)}{'：' if lang == 'zh' else ': '}{totals}")
    if result.summary.rows:
        print(format_table(result.summary.headers(lang), result.summary.formatted(lang)))
    for note in result.notes:
        print(note.show(lang))
    if result.kind == "service_areas":
        uncovered = result.details["uncovered"]
        if uncovered:
            print(tr(f"未覆盖 {len(uncovered)} 个：", f"{len(uncovered)} not covered:", lang))
        for r in uncovered[:20]:
            label = r["status_zh"] if lang == "zh" else r["status_en"]
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
