"""``gisdesk webmap``: an interactive HTML map that opens offline.

Exit codes: 0 written; 2 wrong usage or input; 3 a file could not be read or written.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gisdesk.cli.exit_codes import EXIT_OK
from gisdesk.core.i18n import tr

__all__ = ["add_webmap_parser", "run_webmap"]


def add_webmap_parser(sub: Any) -> None:
    """Register ``webmap`` on the main parser's subparsers."""
    p = sub.add_parser("webmap", help="离线网页地图 / interactive HTML map that works offline")
    p.add_argument("project", type=Path, help="项目文件 (.gpkg) / project file")
    p.add_argument("--out", type=Path, required=True, help="输出 .html / output file")
    p.add_argument(
        "--layers", default=None, help="图层，逗号分隔 / layers, comma-separated (default: visible)"
    )
    p.add_argument("--title", default=None, help="标题 / title (default: the project title)")
    p.add_argument(
        "--all-roads",
        action="store_true",
        help="写出全部道路（默认仅国道、省道、县道）/ every road (default: county roads and up)",
    )
    p.add_argument(
        "--simplify",
        type=float,
        default=10.0,
        help="线、面简化容差（米）/ simplification tolerance (m); 0 keeps every vertex",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="超过 20 万个要素或约 40 MB 也写出（浏览器可能难以打开）/ write the map even above "
        "200,000 features or about 40 MB (a browser may struggle to open it)",
    )


def run_webmap(args: argparse.Namespace, *, lang: str = "zh") -> int:
    """Write the web map and return the exit code."""
    from gisdesk.analysis._checks import check_number
    from gisdesk.cli.commands import warn_load_problems
    from gisdesk.core.errors import InputError, ProjectError
    from gisdesk.export.webmap import DEFAULT_ROAD_CLASSES, export_webmap
    from gisdesk.io.project_store import open_project

    if args.out.suffix.lower() not in (".html", ".htm"):
        raise InputError(
            f"网页地图须保存为 .html 文件（收到“{args.out.name}”）。",
            f"A web map is saved as an .html file (got '{args.out.name}').",
        )
    check_number(
        args.simplify,
        what_zh="简化容差",
        what_en="The simplification tolerance",
        low=0.0,
        high=1000.0,
        unit_zh="米",
        unit_en="m",
    )
    if not args.project.is_file():
        raise ProjectError(
            f"文件不存在：{args.project}", f"The file does not exist: {args.project}"
        )
    project = open_project(args.project)
    warn_load_problems(project, lang=lang)  # damaged settings or styles: said, not fatal
    layers = None
    if args.layers:
        layers = [t.strip() for t in args.layers.replace("，", ",").split(",") if t.strip()]
    info = export_webmap(
        project,
        args.out,
        layers=layers,
        title=args.title,
        road_classes=None if args.all_roads else DEFAULT_ROAD_CLASSES,
        simplify_m=args.simplify,
        force=args.force,
    )
    total = sum(info.layers.values())
    size = f"{info.bytes / 1e6:.1f} MB"
    print(
        tr(
            f"已写出 {info.path}（{len(info.layers)} 个图层，{total} 个要素，{size}）",
            f"Written {info.path} ({len(info.layers)} layers, {total} features, {size})",
            lang,
        )
    )
    return EXIT_OK
