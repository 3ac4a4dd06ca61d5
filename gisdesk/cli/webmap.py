"""``gisdesk webmap``: an interactive HTML map that opens offline.

The command is a form for :class:`gisdesk.tasks.webmap.WebMapRequest` (the window's
导出网页地图 is the other); :func:`gisdesk.tasks.webmap.run` writes the page with
:func:`gisdesk.export.webmap.export_webmap`.

Exit codes: 0 written; 2 wrong usage or input (a map above the size limits without
``--force`` included); 3 a file could not be read or written.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from gisdesk.cli.exit_codes import EXIT_OK
from gisdesk.cli.forms import add_command, add_layers_and_title, open_source, split_names

if TYPE_CHECKING:
    from gisdesk.tasks.webmap import WebMapRequest

__all__ = ["add_webmap_parser", "run_webmap", "webmap_request"]


def add_webmap_parser(sub: Any) -> None:
    """Register ``webmap`` on the main parser's subparsers."""
    p = add_command(
        sub,
        "webmap",
        "离线网页地图 / interactive HTML map that works offline",
        out_help="输出 .html / output file",
        out_required=True,
    )
    add_layers_and_title(p)
    p.add_argument(
        "--all-roads",
        action="store_true",
        help="写出全部道路（默认仅国道、省道、县道）/ every road (default: county roads and up)",
    )
    p.add_argument(
        "--simplify",
        type=float,
        default=None,
        help="线、面简化容差（米，默认 10）/ simplification tolerance (m, default 10); "
        "0 keeps every vertex",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="超过 20 万个要素或约 40 MB 也写出（浏览器可能难以打开）/ write the map even above "
        "200,000 features or about 40 MB (a browser may struggle to open it)",
    )


def webmap_request(args: argparse.Namespace) -> WebMapRequest:
    """Return the Request the command line describes (options left out: its defaults)."""
    from gisdesk.tasks.webmap import WebMapRequest

    given = {"simplify_m": args.simplify} if args.simplify is not None else {}
    return WebMapRequest(
        out=str(args.out),
        layers=split_names(args.layers),
        title=args.title,
        all_roads=args.all_roads,
        force=args.force,
        **given,
    )


def run_webmap(args: argparse.Namespace, *, lang: str = "zh") -> int:
    """Write the web map and return the exit code."""
    from functools import partial

    from gisdesk.export.webmap import export_webmap
    from gisdesk.tasks import run_request

    request = webmap_request(args)
    request.validate()  # a wrong suffix or tolerance: usage error before opening the project
    source = open_source(args.project, lang)
    result = run_request(source, request, write=partial(export_webmap, source.project))
    for note in result.notes:
        print(note.show(lang))
    return EXIT_OK
