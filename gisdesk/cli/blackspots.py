"""``gisdesk blackspots``: accident-prone segment screening and camera spacing.

``screen`` ranks candidate segments by sliding windows along the named roads; the accidents
come from a layer of PROJECT or a CSV / Excel file of police records. ``cameras`` lists the
gaps between consecutive cameras / checkpoints along national and provincial roads.

Exit codes: 0 done; 1 the data has problems (screen: records that could not be placed;
cameras: a gap over the limit); 2 wrong usage or input; 3 a file could not be read or written.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gisdesk.cli.exit_codes import EXIT_OK, EXIT_PROBLEMS
from gisdesk.core.i18n import tr

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["add_blackspots_parser", "run_blackspots"]

_TABLES = {".csv", ".txt", ".xlsx", ".xls"}


def add_blackspots_parser(sub: Any) -> None:
    """Register ``blackspots`` and its actions on the main parser's subparsers."""
    bs = sub.add_parser("blackspots", help="事故多发路段 / accident black spots")
    actions = bs.add_subparsers(dest="blackspots_command", metavar="ACTION", required=True)

    screen = actions.add_parser("screen", help="滑动窗口筛查 / sliding-window screening")
    screen.add_argument("project", type=Path, help="项目文件 (.gpkg) / project file")
    screen.add_argument(
        "--accidents",
        default="accidents",
        help="事故图层或 CSV/Excel 文件 / accident layer, or a CSV / Excel file",
    )
    screen.add_argument("--roads", default="roads", help="道路图层 / road layer")
    screen.add_argument("--towns", default="towns", help="镇街图层 / town layer")
    screen.add_argument(
        "--system",
        default="WGS84",
        choices=["WGS84", "CGCS2000", "GCJ02", "BD09", "EPSG:4549"],
        help="表格经纬度的坐标系 / coordinate system of a table's lon/lat",
    )
    screen.add_argument("--window", type=float, default=500.0, help="窗口长度（米）/ window (m)")
    screen.add_argument("--step", type=float, default=100.0, help="步长（米）/ step (m)")
    screen.add_argument(
        "--weights",
        default="10,3,1",
        help="当量权重：死亡,受伤,财损 / severity weights fatal,injury,property",
    )
    screen.add_argument(
        "--min-count", type=int, default=None, help="窗口最少事故数 / window threshold"
    )
    screen.add_argument("--alpha", type=float, default=0.01, help="显著性水平 / significance")
    screen.add_argument("--top", type=int, default=20, help="显示前 N 个 / show the top N")
    screen.add_argument("--density", action="store_true", help="另算网络核密度 / add density")
    screen.add_argument(
        "--raster", type=float, default=None, metavar="CELL_M", help="另写热力 GeoTIFF / heat map"
    )
    screen.add_argument("--out", type=Path, default=None, help="输出 GeoPackage / output .gpkg")

    cams = actions.add_parser("cameras", help="监控卡口间距 / camera and checkpoint gaps")
    cams.add_argument("project", type=Path, help="项目文件 (.gpkg) / project file")
    cams.add_argument("--cameras", default="cameras", help="监控图层 / camera layer")
    cams.add_argument("--roads", default="roads", help="道路图层 / road layer")
    cams.add_argument("--max-gap-km", type=float, default=10.0, help="最大间距 / max gap (km)")
    cams.add_argument(
        "--include-ends", action="store_true", help="含路段两端 / count the road-end stretches"
    )
    cams.add_argument("--out", type=Path, default=None, help="输出 GeoPackage / output .gpkg")


def run_blackspots(args: argparse.Namespace, *, lang: str = "zh") -> int:
    """Run a ``blackspots`` action and return the exit code."""
    if args.blackspots_command == "screen":
        return _screen(args, lang)
    return _cameras(args, lang)


def _weights(text: str) -> tuple[float, float, float]:
    from gisdesk.core.errors import InputError

    try:
        parts = tuple(float(v) for v in text.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 3 or not all(math.isfinite(p) and p >= 0 for p in parts):
        raise InputError(
            f"权重应为三个非负数，如 10,3,1，而不是“{text}”。",
            f"Weights must be three non-negative numbers like 10,3,1, not '{text}'.",
        )
    return parts[0], parts[1], parts[2]


def _accidents(args: argparse.Namespace, source: Any) -> tuple[gpd.GeoDataFrame, Any]:
    import pandas as pd

    spec = str(args.accidents)
    if Path(spec).suffix.lower() in _TABLES and Path(spec).is_file():
        from gisdesk.io.accidents import read_accidents

        imported = read_accidents(Path(spec), system=args.system)
        return imported.accidents, imported.issues
    return source.get(spec), pd.DataFrame()


def _screen(args: argparse.Namespace, lang: str) -> int:
    import pandas as pd

    from gisdesk.analysis.blackspots.screening import SeverityWeights, screen_accidents
    from gisdesk.cli.analyze import _Source, _write
    from gisdesk.core.errors import InputError

    fatal, injury, prop = _weights(args.weights)
    if args.top < 0:
        raise InputError("--top 不能为负。", "--top cannot be negative.")
    if (args.density or args.raster is not None) and args.out is None:
        raise InputError(
            "--density 和 --raster 的结果写入 --out 文件，请同时给出 --out。",
            "--density and --raster write into the --out file: give --out as well.",
        )
    if args.raster is not None:
        from gisdesk.analysis.blackspots.density import check_raster_cell

        check_raster_cell(args.raster)  # before the screening, not after it
    source = _Source(args.project, lang)
    accidents, read_issues = _accidents(args, source)
    roads = source.get(args.roads)
    towns = source.get(args.towns) if args.towns in source.names() else None
    result = screen_accidents(
        accidents,
        roads,
        window_m=args.window,
        step_m=args.step,
        weights=SeverityWeights(fatal, injury, prop),
        min_count=args.min_count,
        alpha=args.alpha,
        towns=towns,
    )
    issues = pd.concat([read_issues, result.issues], ignore_index=True)
    cand = result.candidates
    print(
        tr(
            f"窗口 {args.window:.0f} 米、步长 {args.step:.0f} 米；参与筛查事故 "
            f"{result.screened} 起；窗口阈值 {result.min_count} 起"
            f"（均匀分布期望 {result.expected_per_window:.2f} 起）；候选路段 {len(cand)} 处。",
            f"Window {args.window:.0f} m, step {args.step:.0f} m; {result.screened} accidents "
            f"screened; threshold {result.min_count} per window (even spread "
            f"{result.expected_per_window:.2f}); {len(cand)} candidate segments.",
            lang,
        )
    )
    header = tr(
        "排名  路段                          镇街      事故  死亡  受伤  当量  镇内排名",
        "rank  segment                       town    count deaths inj. equiv town-rank",
        lang,
    )
    print(header)
    for row in cand.head(args.top).itertuples():
        print(
            f"{row.rank:>4}  {row.name:<28}  {row.town or '-':<8}  {row.count:>4}  "
            f"{row.deaths:>4.0f}  {row.injuries:>4.0f}  {row.equivalent:>5.0f}  {row.rank_town:>4}"
        )
    quality = result.accidents["match_quality"].value_counts().to_dict()
    print(
        tr("匹配质量：", "Match quality: ", lang)
        + "，".join(f"{k} {v}" for k, v in quality.items())
    )
    for row in issues.head(args.top).itertuples():
        print(
            f"  {tr('第 ', 'row ', lang)}{row.row}{tr(' 行：', ': ', lang)}"
            f"{tr(row.issue_zh, row.issue_en, lang)}"
        )
    if len(issues) > args.top:
        print(tr(f"  ……共 {len(issues)} 条问题", f"  ... {len(issues)} issues in all", lang))
    if args.out is not None:
        layers: dict[str, Any] = {"candidates": cand}
        layers["windows"] = result.windows[result.windows["flagged"]]
        keep = [c for c in result.accidents.columns if c not in ("valid",)]
        layers["accidents_matched"] = result.accidents[keep]
        if not issues.empty:
            layers["issues"] = issues.astype({"value": "string"})
        if args.density or args.raster is not None:
            from gisdesk.analysis.blackspots.density import density_raster, network_density

            lixels = network_density(result.accidents, roads)
            layers["density"] = lixels
            if args.raster is not None:
                from gisdesk.io.rasters import write_geotiff

                ras = density_raster(lixels, cell_m=args.raster)
                tif = write_geotiff(
                    args.out.with_suffix(".tif"),
                    ras.array,
                    transform=ras.transform,
                    crs=ras.crs,
                    description="accidents per km of road",
                )
                print(tr(f"热力图：{tif}", f"Heat map: {tif}", lang))
        summary = {
            "window_m": args.window,
            "step_m": args.step,
            "min_count": result.min_count,
            "screened": result.screened,
            "candidates": len(cand),
            "issues": len(issues),
        }
        _write(args.out, layers, summary)
        print(tr(f"结果已写入 {args.out}", f"Results written to {args.out}", lang))
    unplaced = (result.accidents["match_quality"] == "unmatched").any()
    bad = bool(unplaced) or ("valid" in result.accidents and not result.accidents["valid"].all())
    return EXIT_PROBLEMS if bad else EXIT_OK


def _cameras(args: argparse.Namespace, lang: str) -> int:
    from gisdesk.analysis.blackspots.cameras import camera_gaps
    from gisdesk.cli.analyze import _Source, _write

    source = _Source(args.project, lang)
    gaps = camera_gaps(source.get(args.cameras), source.get(args.roads), max_gap_km=args.max_gap_km)
    shown = gaps[gaps["exceeds"] & (args.include_ends | ~gaps["at_end"])]
    print(
        tr(
            f"国省道监控/卡口间距检查（上限 {args.max_gap_km:g} 千米）：超限 {len(shown)} 处。",
            f"Camera / checkpoint spacing on national and provincial roads (limit "
            f"{args.max_gap_km:g} km): {len(shown)} gaps over the limit.",
            lang,
        )
    )
    for row in shown.itertuples():
        kind = tr(
            row.kind, {"视频监控": "video", "卡口": "checkpoint"}.get(row.kind, "combined"), lang
        )
        end = tr("（路段端头）", " (road end)", lang) if row.at_end else ""
        print(
            f"  {row.road} {kind}: K{row.from_km:.3f} – K{row.to_km:.3f}  "
            f"{row.gap_km:.1f} {tr('千米', 'km', lang)}{end}"
        )
    if args.out is not None:
        _write(args.out, {"camera_gaps": gaps}, {"max_gap_km": args.max_gap_km, "over": len(shown)})
    return EXIT_PROBLEMS if len(shown) else EXIT_OK
