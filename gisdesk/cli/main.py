"""The ``gisdesk`` command: project info, validation, sample building.

Exit codes: 0 success; 1 the data has errors (validate); 2 wrong usage; 3 a file could not be
opened or written; 130 cancelled.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from gisdesk import __version__

__all__ = ["main"]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_IO = 3


def _lang(args: argparse.Namespace) -> str:
    lang: str = args.lang or os.environ.get("GISDESK_LANG", "zh")
    return "en" if lang.lower().startswith("en") else "zh"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gisdesk",
        description="gisdesk：海门区规划与监管桌面 GIS / desktop GIS for Haimen district planning",
    )
    parser.add_argument("--version", action="version", version=f"gisdesk {__version__}")
    parser.add_argument("--lang", choices=["zh", "en"], help="输出语言 / output language")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    info = sub.add_parser("info", help="列出项目图层 / list a project's layers")
    info.add_argument("project", type=Path, help="项目文件 (.gpkg) / project file")

    val = sub.add_parser(
        "validate", help="按图层定义检查项目 / check a project against the schemas"
    )
    val.add_argument("project", type=Path, help="项目文件 (.gpkg) / project file")
    val.add_argument(
        "--limit",
        type=int,
        default=20,
        help="每个图层最多显示的问题数 / issues shown per layer (default 20; 0 = all)",
    )
    val.add_argument(
        "--csv", type=Path, help="把全部问题写入 CSV / write every issue to a CSV file"
    )

    gui = sub.add_parser("open", help="打开桌面窗口 / open the desktop window")
    gui.add_argument("project", type=Path, nargs="?", help="项目文件 (.gpkg) / project file")
    gui.add_argument(
        "--screenshot",
        type=Path,
        help="保存窗口截图后退出 / save a window screenshot (PNG) and quit",
    )

    sample = sub.add_parser("sample", help="示例项目 / the Haimen sample project")
    sample_sub = sample.add_subparsers(dest="sample_command", metavar="ACTION", required=True)
    build = sample_sub.add_parser("build", help="生成示例项目 / build the sample project")
    build.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="规模系数（路网段数约成正比）/ size factor (default 1)",
    )
    build.add_argument("--seed", type=int, default=None, help="随机种子 / random seed")
    build.add_argument(
        "--out",
        type=Path,
        default=None,
        help="输出文件 / output file (default: sample_data/haimen.gpkg)",
    )

    from gisdesk.cli.analyze import add_analyze_parser

    add_analyze_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    from gisdesk.core.errors import Cancelled, GisdeskError, InputError

    lang = _lang(args)
    try:
        if args.command == "open":
            from gisdesk.ui.app import run_app

            return run_app(args.project, screenshot=args.screenshot)
        if args.command == "info":
            from gisdesk.cli.commands import run_info

            return run_info(args.project, lang=lang)
        if args.command == "validate":
            from gisdesk.cli.commands import run_validate

            return run_validate(args.project, lang=lang, limit=args.limit, csv=args.csv)
        if args.command == "sample":
            from gisdesk.cli.commands import run_sample_build

            return run_sample_build(out=args.out, scale=args.scale, seed=args.seed, lang=lang)
        if args.command == "analyze":
            from gisdesk.cli.analyze import run_analyze

            return run_analyze(args, lang=lang)
    except Cancelled:
        return 130
    except InputError as exc:
        print(exc.message(lang), file=sys.stderr)
        return EXIT_USAGE
    except GisdeskError as exc:
        print(exc.message(lang), file=sys.stderr)
        return EXIT_IO
    parser.print_help()
    return EXIT_USAGE
