"""``gisdesk plate``: map plates (PDF, PNG, SVG) and per-town atlases from the command line.

The command is a form for :class:`gisdesk.tasks.plates.PlateRequest` (the window's plate
designer is the other): options left out take the Request's defaults, and
:func:`gisdesk.tasks.plates.run` plans the plate(s) and draws them with
:func:`gisdesk.export.publish.draw_plates`.

Exit codes: 0 written; 2 wrong usage or input; 3 a file could not be read or written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gisdesk.cli.exit_codes import EXIT_OK
from gisdesk.cli.forms import add_command, add_layers_and_title, open_source, split_names

if TYPE_CHECKING:
    from gisdesk.tasks.plates import PlateRequest

__all__ = ["add_plate_parser", "plate_request", "run_plate"]


def add_plate_parser(sub: Any) -> None:
    """Register ``plate`` on the main parser's subparsers (options left out: None)."""
    p = add_command(
        sub,
        "plate",
        "专题图 / map plates (PDF, PNG, SVG) and atlases",
        out_help="输出 .pdf/.png/.svg / output file",
        out_required=True,
    )
    add_layers_and_title(p)
    text_options = (
        ("--template", "模板 / template: A4-portrait, A4-landscape, A3-portrait, A3-landscape"),
        ("--subtitle", "副标题 / subtitle"),
        ("--extent", "范围 xmin,ymin,xmax,ymax（EPSG:4549 米）/ extent in display-CRS metres"),
        ("--grid", "经纬网 / 方里网 / 无 — graticule, grid (kilometres) or none"),
        ("--atlas", "按图层要素分幅 / one plate per feature of this layer"),
        ("--atlas-field", "分幅名称字段 / feature name field (default: name)"),
        ("--names", "只输出这些图幅 / only these features"),
        ("--stats", "统计表：auto、coverage（服务圈覆盖）、none / statistics (auto: atlases)"),
        ("--mode", "出行方式 / mode: walk, bike, ebike, car"),
        ("--organisation", "制图单位 / map maker"),
        ("--date", "制图日期 / date (default: today)"),
    )
    for flag, help_text in text_options:
        p.add_argument(flag, default=None, help=help_text)
    number_options = (
        ("--scale", "比例尺分母 / scale denominator N"),
        ("--dpi", "PNG 分辨率 / PNG resolution (dpi, default 300)"),
        ("--minutes", "服务圈时间 / time limit (min)"),
    )
    for flag, help_text in number_options:
        p.add_argument(flag, type=float, default=None, help=help_text)
    p.add_argument(
        "--template-file", type=Path, default=None, help="自定义模板 JSON / custom template"
    )
    p.add_argument("--no-inset", action="store_true", help="不画位置示意图 / no inset")
    p.add_argument("--no-labels", action="store_true", help="不标注要素 / no feature labels")


def _extent(text: str | None) -> tuple[float, float, float, float] | None:
    from gisdesk.core.errors import InputError

    if text is None:
        return None
    try:
        xmin, ymin, xmax, ymax = (float(v) for v in text.split(","))
    except ValueError:
        raise InputError(
            "范围须为 xmin,ymin,xmax,ymax 四个数。",
            "The extent must be four numbers xmin,ymin,xmax,ymax.",
        ) from None
    return xmin, ymin, xmax, ymax


def _template(args: argparse.Namespace) -> Any:
    from gisdesk.core.errors import InputError, ProjectError

    if args.template_file is None:
        return args.template
    try:
        data = json.loads(args.template_file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProjectError(
            f"无法读取模板文件 {args.template_file}：{exc}",
            f"Cannot read the template file {args.template_file}: {exc}",
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"模板文件不是有效的 JSON：{exc}", f"The template file is not valid JSON: {exc}"
        ) from None
    return data


def plate_request(args: argparse.Namespace) -> PlateRequest:
    """Return the Request the command line describes (options left out: its defaults)."""
    from gisdesk.tasks.plates import PlateRequest

    given: dict[str, Any] = {
        key: getattr(args, key)
        for key in (
            "subtitle",
            "scale",
            "grid",
            "dpi",
            "atlas",
            "atlas_field",
            "stats",
            "minutes",
            "mode",
            "organisation",
            "date",
            "title",
        )
        if getattr(args, key) is not None
    }
    template = _template(args)
    if template is not None:
        given["template"] = template
    return PlateRequest(
        out=str(args.out),
        layers=split_names(args.layers),
        extent=_extent(args.extent),
        names=split_names(args.names),
        hide=tuple(item for item in ("inset", "labels") if getattr(args, f"no_{item}")),
        **given,
    )


def _pages_progress() -> Any:
    last: list[str] = []

    def progress(fraction: float, message: str) -> None:
        page = message.split("：", 1)[0]
        if not last or last[-1] != page:
            last.append(page)
            print(f"[{fraction:4.0%}] {page}", file=sys.stderr)

    return progress


def run_plate(args: argparse.Namespace, *, lang: str = "zh") -> int:
    """Export a plate or an atlas and return the exit code."""
    from functools import partial

    from gisdesk.export.publish import draw_plates
    from gisdesk.tasks import run_request

    request = plate_request(args)
    request.validate()  # a wrong extension or dpi: usage error before any work
    source = open_source(args.project, lang)
    draw = partial(draw_plates, source.project)
    slow = request.atlas is not None or request.stats == "coverage"  # pages, service circle
    result = run_request(source, request, progress=_pages_progress() if slow else None, draw=draw)
    for note in result.notes:
        print(note.show(lang))
    return EXIT_OK
