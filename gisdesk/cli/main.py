"""The ``gisdesk`` command: project info, validation, sample building.

Exit codes: see :mod:`gisdesk.cli.exit_codes` (0 success; 1 the data has errors; 2 wrong usage;
3 a file could not be opened or written; 70 an internal error of gisdesk; 130 cancelled).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from gisdesk import __version__
from gisdesk.cli.exit_codes import EXIT_CANCELLED, EXIT_INTERNAL, EXIT_IO, EXIT_USAGE

__all__ = ["main"]


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

    sub.add_parser(
        "warm-up",
        help="试算一次小型分析，检查安装是否可用 / run a tiny analysis to check the installation",
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
    from gisdesk.cli.blackspots import add_blackspots_parser

    add_blackspots_parser(sub)
    from gisdesk.cli.interchange import add_interchange_parsers

    add_interchange_parsers(sub)
    from gisdesk.cli.plate import add_plate_parser
    from gisdesk.cli.webmap import add_webmap_parser

    add_plate_parser(sub)
    add_webmap_parser(sub)
    from gisdesk.cli.targets import add_targets_parser

    add_targets_parser(sub)
    return parser


# command -> (module, function); each runner takes (args, lang=...) and returns the exit code.
# Modules are imported only when their command runs, so `gisdesk info` starts fast.
_RUNNERS: dict[str, tuple[str, str]] = {
    "open": ("gisdesk.cli.commands", "run_open"),
    "info": ("gisdesk.cli.commands", "run_info_args"),
    "validate": ("gisdesk.cli.commands", "run_validate_args"),
    "sample": ("gisdesk.cli.commands", "run_sample_args"),
    "warm-up": ("gisdesk.cli.commands", "run_warm_up"),
    "analyze": ("gisdesk.cli.analyze", "run_analyze"),
    "blackspots": ("gisdesk.cli.blackspots", "run_blackspots"),
    "import": ("gisdesk.cli.interchange", "run_interchange"),
    "export": ("gisdesk.cli.interchange", "run_interchange"),
    "plate": ("gisdesk.cli.plate", "run_plate"),
    "webmap": ("gisdesk.cli.webmap", "run_webmap"),
    "targets": ("gisdesk.cli.targets", "run_targets"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code.

    Everything printed passes through :mod:`gisdesk.cli.terminal`: a name or value holding
    a terminal control sequence is shown as text, not acted on.
    """
    from gisdesk.cli.terminal import terminal_output

    with terminal_output():
        return _run(argv)


def _run(argv: Sequence[str] | None) -> int:
    import importlib

    parser = _parser()
    args = parser.parse_args(argv)
    if args.command not in _RUNNERS:
        parser.print_help()
        return EXIT_USAGE
    from gisdesk.core.errors import Cancelled, GisdeskError, InputError
    from gisdesk.core.i18n import tr

    lang = _lang(args)
    module, function = _RUNNERS[args.command]
    runner = getattr(importlib.import_module(module), function)
    try:
        from gisdesk.cli.outputs import check_outputs

        check_outputs(args)  # no command writes its result over one of its inputs
        return int(runner(args, lang=lang))
    except Cancelled:
        return EXIT_CANCELLED
    except InputError as exc:
        _log(args, exc, expected=True)
        print(exc.message(lang), file=sys.stderr)
        return EXIT_USAGE
    except GisdeskError as exc:
        _log(args, exc, expected=True)
        print(exc.message(lang), file=sys.stderr)
        return EXIT_IO
    except KeyboardInterrupt:
        return EXIT_CANCELLED
    except Exception as exc:  # a fault of gisdesk: a short message here, the traceback logged
        zh, en = _internal_error(args, exc)
        print(tr(zh, en, lang), file=sys.stderr)
        return EXIT_INTERNAL


def _log(args: argparse.Namespace, exc: BaseException, *, expected: bool) -> Path | None:
    from gisdesk.io.logs import log_exception

    return log_exception(f"gisdesk {args.command}", exc, expected=expected)


def _internal_error(args: argparse.Namespace, exc: BaseException) -> tuple[str, str]:
    """Log an unexpected exception; return the (zh, en) message for the user."""
    from gisdesk.io.logs import where_logged

    where_zh, where_en = where_logged(_log(args, exc, expected=False))
    what = f"{type(exc).__name__}: {exc}"
    if len(what) > 300:
        what = what[:299] + "…"
    zh = (
        f"gisdesk 内部错误（{what}）。这是 gisdesk 的问题，不是您的操作造成的。"
        f"{where_zh}。请把该文件发给维护人员。"
    )
    en = (
        f"Internal error in gisdesk ({what}). This is a fault of gisdesk, not of what you did. "
        f"{where_en}. Please send that file to the maintainers."
    )
    return zh, en
