"""``gisdesk blackspots``: accident-prone segment screening and camera spacing.

Both actions are forms for the tasks' Requests (:mod:`gisdesk.tasks.blackspots`,
:mod:`gisdesk.tasks.camera_gaps`), the same the window's dialogs build: an option left out
takes the Request's default. ``screen`` ranks candidate segments by sliding windows along
the named roads; the accidents come from a layer of PROJECT or a CSV / Excel file of police
records; ``--date-from`` / ``--date-to`` keep the records of a period and ``--years`` scales
the per-year figures. ``cameras`` lists the gaps between consecutive cameras / checkpoints
along national and provincial roads.

Exit codes: 0 done; 1 the data has problems (screen: records that could not be placed;
cameras: a gap over the limit); 2 wrong usage or input; 3 a file could not be read or written.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gisdesk.cli.exit_codes import EXIT_OK, EXIT_PROBLEMS
from gisdesk.cli.results import CommandSource, print_result, raster_beside, save_result
from gisdesk.core.errors import InputError
from gisdesk.core.i18n import tr

if TYPE_CHECKING:
    from gisdesk.tasks.base import Result
    from gisdesk.tasks.blackspots import ScreeningRequest
    from gisdesk.tasks.camera_gaps import CameraGapsRequest

__all__ = ["add_blackspots_parser", "cameras_request", "run_blackspots", "screening_request"]

SHOWN_COLUMNS = ("rank", "name", "town", "count", "deaths", "injuries", "equivalent", "rank_town")
"""The candidates' columns printed (all of them are in the --out file)."""


def add_blackspots_parser(sub: Any) -> None:
    """Register ``blackspots`` and its actions on the main parser's subparsers."""
    bs = sub.add_parser("blackspots", help="事故多发路段 / accident black spots")
    actions = bs.add_subparsers(dest="blackspots_command", metavar="ACTION", required=True)

    screen = actions.add_parser("screen", help="滑动窗口筛查 / sliding-window screening")
    screen.add_argument("project", type=Path, help="项目文件 (.gpkg) / project file")
    screen.add_argument(
        "--accidents", help="事故图层或 CSV/Excel 文件 / accident layer, or a CSV / Excel file"
    )
    screen.add_argument("--roads", help="道路图层 / road layer")
    screen.add_argument("--towns", help="镇街图层（none 为不用）/ town layer ('none': no towns)")
    screen.add_argument(
        "--system",
        choices=["WGS84", "CGCS2000", "GCJ02", "BD09", "EPSG:4549"],
        help="表格经纬度的坐标系 / coordinate system of a table's lon/lat (default WGS84)",
    )
    screen.add_argument("--window", type=float, help="窗口长度（米）/ window (m), default 500")
    screen.add_argument("--step", type=float, help="步长（米）/ step (m), default 100")
    screen.add_argument(
        "--weights", help="当量权重：死亡,受伤,财损 / severity weights fatal,injury,property"
    )
    screen.add_argument("--min-count", type=int, help="固定窗口阈值 / fixed window threshold")
    screen.add_argument("--alpha", type=float, help="自动阈值的显著性水平 / significance")
    screen.add_argument("--min-equivalent", type=float, help="当量事故数下限 / equivalent floor")
    screen.add_argument(
        "--include-ambiguous",
        action="store_true",
        help="包含匹配不确定的事故 / include ambiguous matches",
    )
    screen.add_argument("--date-from", help="期间起点 / first day of the period (YYYY-MM-DD)")
    screen.add_argument("--date-to", help="期间终点 / last day of the period (YYYY-MM-DD)")
    screen.add_argument(
        "--years",
        type=float,
        help="年均数与事故率按多少年计 / years for per-year figures (default: the period's)",
    )
    screen.add_argument("--exposure-field", help="交通量字段（事故率）/ traffic field for rates")
    screen.add_argument("--top", type=int, default=20, help="显示前 N 个 / show the top N")
    screen.add_argument("--density", action="store_true", help="另算网络核密度 / add density")
    screen.add_argument(
        "--raster", type=float, default=None, metavar="CELL_M", help="另写热力 GeoTIFF / heat map"
    )
    screen.add_argument("--out", type=Path, default=None, help="输出 GeoPackage / output .gpkg")

    cams = actions.add_parser("cameras", help="监控卡口间距 / camera and checkpoint gaps")
    cams.add_argument("project", type=Path, help="项目文件 (.gpkg) / project file")
    cams.add_argument("--cameras", help="监控图层 / camera layer")
    cams.add_argument("--roads", help="道路图层 / road layer")
    cams.add_argument("--max-gap-km", type=float, help="最大间距 / max gap (km), default 10")
    cams.add_argument(
        "--include-ends", action="store_true", help="含路段两端 / count the road-end stretches"
    )
    cams.add_argument("--out", type=Path, default=None, help="输出 GeoPackage / output .gpkg")


def _weights(text: str) -> tuple[float, float, float]:
    try:
        parts = tuple(float(v) for v in text.replace("，", ",").split(","))
    except ValueError:
        parts = ()
    if len(parts) != 3 or not all(math.isfinite(p) and p >= 0 for p in parts):
        raise InputError(
            f"权重应为三个非负数，如 10,3,1，而不是“{text}”。",
            f"Weights must be three non-negative numbers like 10,3,1, not '{text}'.",
        )
    return parts[0], parts[1], parts[2]


def screening_request(args: argparse.Namespace) -> ScreeningRequest:
    """Return the :class:`~gisdesk.tasks.blackspots.ScreeningRequest` the options describe."""
    from gisdesk.tasks.blackspots import DEFAULT_QUALITIES, ScreeningRequest

    options = {
        "accidents": args.accidents,
        "roads": args.roads,
        "system": args.system,
        "window_m": args.window,
        "step_m": args.step,
        "min_count": args.min_count,
        "alpha": args.alpha,
        "min_equivalent": args.min_equivalent,
        "date_from": args.date_from,
        "date_to": args.date_to,
        "years": args.years,
        "exposure_field": args.exposure_field,
        "raster_cell_m": args.raster,
    }
    given: dict[str, Any] = {k: v for k, v in options.items() if v is not None}
    if args.towns is not None:
        given["towns"] = None if args.towns.lower() in ("", "none") else args.towns
    if args.weights is not None:
        given["weights"] = _weights(args.weights)
    if args.include_ambiguous:
        given["qualities"] = (*DEFAULT_QUALITIES, "ambiguous")
    if args.density:
        given["density"] = True
    return ScreeningRequest(**given)


def cameras_request(args: argparse.Namespace) -> CameraGapsRequest:
    """Return the :class:`~gisdesk.tasks.camera_gaps.CameraGapsRequest` of the options."""
    from gisdesk.tasks.camera_gaps import CameraGapsRequest

    options = {"cameras": args.cameras, "roads": args.roads, "max_gap_km": args.max_gap_km}
    given = {k: v for k, v in options.items() if v is not None}
    return CameraGapsRequest(include_ends=bool(args.include_ends), **given)


def run_blackspots(args: argparse.Namespace, *, lang: str = "zh") -> int:
    """Run a ``blackspots`` action and return the exit code."""
    from gisdesk.tasks import run_request

    if args.blackspots_command == "screen":
        request: Any = screening_request(args)
        if args.top < 0:
            raise InputError("--top 不能为负。", "--top cannot be negative.")
        if (request.density or request.raster_cell_m is not None) and args.out is None:
            raise InputError(
                "--density 和 --raster 的结果写入 --out 文件，请同时给出 --out。",
                "--density and --raster write into the --out file: give --out as well.",
            )
    else:
        request = cameras_request(args)
    request.validate()  # before any layer is read
    result = run_request(CommandSource(args.project, lang), request)
    print_result(result, lang)
    if args.blackspots_command == "screen":
        _print_candidates(result, args.top, lang)
    else:
        _print_gaps(result, lang)
    if args.out is not None:
        _save(args.out, result, lang)
    return EXIT_OK if result.ok else EXIT_PROBLEMS


def _print_candidates(result: Result, top: int, lang: str) -> None:
    """Print the top candidates (labelled columns) and the first problems of the records."""
    from gisdesk.cli.commands import format_table
    from gisdesk.tasks.base import format_value

    layer = result.layer("candidates")
    labels = layer.labels(lang)
    shown = layer.data.head(top)
    counts = {"rank", "count", "deaths", "injuries", "rank_town"}
    rows = [
        [format_value(row[c], "count" if c in counts else "text") for c in SHOWN_COLUMNS]
        for _, row in shown.iterrows()
    ]
    if rows:
        print(format_table([labels[c] for c in SHOWN_COLUMNS], rows))
    if "issues" not in {found.file_name for found in result.layers}:
        return
    issues = result.layer("issues").data
    for row in issues.head(top).itertuples():
        print(
            f"  {tr('第 ', 'row ', lang)}{row.row}{tr(' 行：', ': ', lang)}"
            f"{tr(str(row.issue_zh), str(row.issue_en), lang)}"
        )
    if len(issues) > top:
        print(tr(f"  ……共 {len(issues)} 条问题", f"  ... {len(issues)} issues in all", lang))


def _print_gaps(result: Result, lang: str) -> None:
    """Print each gap counted over the limit: road, kind, stakes and length."""
    layer = result.layer("camera_gaps")
    kind = next(f for f in layer.fields if f.name == "kind")
    for row in layer.data[layer.data["over"]].itertuples():
        end = tr("（路段端头）", " (road end)", lang) if row.at_end else ""
        print(
            f"  {row.road} {kind.value_label(row.kind, lang)}: K{row.from_km:.3f} – "
            f"K{row.to_km:.3f}  {row.gap_km:.1f} {tr('千米', 'km', lang)}{end}"
        )


def _save(out: Path, result: Result, lang: str) -> None:
    """Write the result (and the density raster, if any) and say where."""
    raster = result.extras.get("density_raster")
    extra = {}
    beside = []
    if raster is not None:
        tif, write = raster_beside(
            out, raster.array, raster.transform, raster.crs, "accidents per km of road"
        )
        beside.append((tif, write))
        extra["raster"] = str(tif)
    save_result(out, result, extra, beside=beside)
    if raster is not None:
        print(tr(f"热力图：{tif}", f"Heat map: {tif}", lang))
    print(tr(f"结果已写入 {out}", f"Results written to {out}", lang))
