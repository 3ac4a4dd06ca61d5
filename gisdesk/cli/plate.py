"""``gisdesk plate``: map plates (PDF, PNG, SVG) and per-town atlases from the command line.

Exit codes: 0 written; 2 wrong usage or input; 3 a file could not be read or written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gisdesk.cli.exit_codes import EXIT_OK
from gisdesk.core.i18n import tr

if TYPE_CHECKING:
    from gisdesk.core.project import Project
    from gisdesk.export.coverage import ServiceCircle
    from gisdesk.export.spec import PlateSpec

__all__ = ["add_plate_parser", "run_plate"]


def add_plate_parser(sub: Any) -> None:
    """Register ``plate`` on the main parser's subparsers."""
    p = sub.add_parser("plate", help="专题图 / map plates (PDF, PNG, SVG) and atlases")
    p.add_argument("project", type=Path, help="项目文件 (.gpkg) / project file")
    p.add_argument("--out", type=Path, required=True, help="输出 .pdf/.png/.svg / output file")
    p.add_argument(
        "--template",
        default="A3-landscape",
        help="模板 / template: A4-portrait, A4-landscape, A3-portrait, A3-landscape",
    )
    p.add_argument(
        "--template-file", type=Path, default=None, help="自定义模板 JSON / custom template"
    )
    p.add_argument("--title", default=None, help="标题 / title (default: the project title)")
    p.add_argument("--subtitle", default="", help="副标题 / subtitle")
    p.add_argument(
        "--layers", default=None, help="图层，逗号分隔 / layers, comma-separated (default: visible)"
    )
    p.add_argument("--scale", type=float, default=None, help="比例尺分母 / scale denominator N")
    p.add_argument(
        "--extent",
        default=None,
        help="范围 xmin,ymin,xmax,ymax（EPSG:4549 米）/ extent in display-CRS metres",
    )
    p.add_argument(
        "--grid",
        choices=["graticule", "grid", "none"],
        default="graticule",
        help="经纬网 / 方里网 / 无 — graticule, kilometre grid or none",
    )
    p.add_argument("--dpi", type=float, default=300, help="PNG 分辨率 / PNG resolution (dpi)")
    p.add_argument(
        "--atlas", default=None, metavar="LAYER", help="按图层要素分幅 / one plate per feature"
    )
    p.add_argument("--atlas-field", default="name", help="分幅名称字段 / feature name field")
    p.add_argument("--names", default=None, help="只输出这些图幅 / only these features")
    p.add_argument(
        "--stats",
        choices=["auto", "coverage", "none"],
        default="auto",
        help="统计表：服务圈覆盖 / statistics: service-circle coverage (auto: for atlases)",
    )
    p.add_argument("--minutes", type=float, default=15.0, help="服务圈时间 / time limit (min)")
    p.add_argument(
        "--mode", choices=["walk", "bike", "ebike", "car"], default="ebike", help="出行方式 / mode"
    )
    p.add_argument("--organisation", default="", help="制图单位 / map maker")
    p.add_argument("--date", default=None, help="制图日期 / date (default: today)")
    p.add_argument("--no-inset", action="store_true", help="不画位置示意图 / no inset")
    p.add_argument("--no-labels", action="store_true", help="不标注要素 / no feature labels")


def _split(text: str | None) -> list[str] | None:
    if text is None:
        return None
    items = [t.strip() for t in text.replace("，", ",").split(",")]
    return [t for t in items if t]


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
    if not (xmax > xmin and ymax > ymin):
        raise InputError("范围无效：须 xmax > xmin 且 ymax > ymin。", "The extent is empty.")
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


def _open(path: Path, lang: str = "zh") -> Project:
    from gisdesk.cli.commands import warn_load_problems
    from gisdesk.core.errors import ProjectError
    from gisdesk.io.project_store import open_project

    if not path.is_file():
        raise ProjectError(f"文件不存在：{path}", f"The file does not exist: {path}")
    project = open_project(path)
    warn_load_problems(project, lang=lang)  # damaged settings or styles: said, not fatal
    return project


def _service_circle(project: Project, args: argparse.Namespace, lang: str) -> ServiceCircle:
    from gisdesk.export.coverage import ServiceCircle

    print(
        tr(
            f"计算 {args.minutes:g} 分钟服务圈……",
            f"Computing the {args.minutes:g}-minute service circle...",
            lang,
        ),
        file=sys.stderr,
    )
    return ServiceCircle(project, minutes=args.minutes, mode=args.mode)


def _base_spec(project: Project, args: argparse.Namespace) -> PlateSpec:
    from gisdesk.export.spec import PlateSpec
    from gisdesk.export.templates import project_templates

    template = _template(args)
    saved = project_templates(project)
    if isinstance(template, str) and template in saved:
        template = saved[template]  # a user template saved in the project by the designer
    return PlateSpec.create(
        template,
        title=args.title or "",
        subtitle=args.subtitle,
        layers=_split(args.layers),
        extent=_extent(args.extent),
        scale=args.scale,
        grid=args.grid,
        organisation=args.organisation,
        date=args.date,
        inset=not args.no_inset,
        labels=not args.no_labels,
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
    from gisdesk.export.atlas import export_atlas
    from gisdesk.export.decorations import format_scale
    from gisdesk.export.output import export_plate, plate_format

    plate_format(args.out)  # wrong extension: usage error before any work
    project = _open(args.project, lang)
    spec = _base_spec(project, args)
    stats = args.stats
    if args.atlas is not None:
        content = None
        if stats == "coverage" or (
            stats == "auto" and all(n in project for n in ("roads", "service_points", "villages"))
        ):
            content = _service_circle(project, args, lang)
        files = export_atlas(
            project,
            spec,
            args.out,
            layer=args.atlas,
            field=args.atlas_field,
            names=_split(args.names),
            content=content,
            dpi=args.dpi,
            progress=_pages_progress(),
        )
        for f in files:
            print(f"{tr('已写出', 'Written', lang)} {f}")
        return EXIT_OK
    if stats == "coverage":
        sc = _service_circle(project, args, lang)
        spec = spec.with_options(
            table=sc.town_table(),
            table_title=f"各镇（街道）{sc.label}覆盖情况",
            table_note=sc.district_note(),
            extra_layers=sc.layers,
            title=args.title or f"{sc.label}覆盖情况",
        )
    layout = export_plate(project, spec, args.out, dpi=args.dpi)
    print(
        tr(
            f"已写出 {args.out}（{spec.template.name}，比例尺 {format_scale(layout.scale)}）",
            f"Written {args.out} ({spec.template.name}, scale {format_scale(layout.scale)})",
            lang,
        )
    )
    if layout.schematic:
        print(
            tr(
                "注意：图中含示意数据，已加注“示意数据，非正式成果”。",
                "Note: the plate shows schematic data and is labelled as such.",
                lang,
            )
        )
    return EXIT_OK
