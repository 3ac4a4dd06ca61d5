"""Implementations of the ``gisdesk`` subcommands (text output for people and scripts)."""

from __future__ import annotations

import argparse
import math
import sys
import time
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gisdesk.cli.exit_codes import EXIT_INVALID, EXIT_OK
from gisdesk.cli.terminal import terminal_text
from gisdesk.core.i18n import tr

if TYPE_CHECKING:  # the commands import pandas, pyproj and the project store when they run
    from gisdesk.core.issues import Issue
    from gisdesk.core.project import Project
    from gisdesk.core.validation import ValidationReport

__all__ = [
    "format_table",
    "run_info",
    "run_info_args",
    "run_open",
    "run_sample_args",
    "run_sample_build",
    "run_validate",
    "run_validate_args",
    "warn_load_problems",
]

MAX_SAMPLE_SCALE = 20.0  # a road network about 20 times as dense as the sample's


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Return rows as an aligned text table (wide CJK characters count double)."""
    # control characters as \uXXXX already here, so the columns line up as printed
    cells = [[terminal_text(str(h)) for h in headers]] + [
        [terminal_text(str(c)) for c in r] for r in rows
    ]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for j, row in enumerate(cells):
        lines.append(
            "  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True)).rstrip()
        )
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _crs_text(crs: object) -> str:
    if crs is None:
        return "无 / none"
    from pyproj import CRS

    c = CRS.from_user_input(crs)
    epsg = c.to_epsg()
    return f"EPSG:{epsg}" if epsg else c.name


def _reports(project_path: Path) -> tuple[Project, list[ValidationReport]]:
    from gisdesk.core.validation import project_area, validate_layer
    from gisdesk.io.project_store import open_project

    project = open_project(project_path)
    area = project_area(project)
    reports = []
    for layer in project:
        if layer.schema is None:
            continue
        reports.append(validate_layer(layer.data, layer.schema, layer=layer.name, area=area))
    return project, reports


def _with_load_problems(project: Project, reports: list[ValidationReport]) -> None:
    """Add what could not be read when opening (damaged settings, styles) to the reports."""
    from gisdesk.core.validation import ValidationReport

    by_layer = {r.layer: r for r in reports}
    for issue in project.load_problems:
        if issue.layer not in by_layer:
            by_layer[issue.layer] = ValidationReport(layer=issue.layer)
            reports.insert(0, by_layer[issue.layer])
        by_layer[issue.layer].issues.append(issue)


def warn_load_problems(project: Project, *, lang: str = "zh") -> None:
    """Print on stderr what could not be read when the project was opened (and was replaced)."""
    warn_problems(project.load_problems, lang=lang)


def warn_problems(problems: Iterable[Issue], *, lang: str = "zh") -> None:
    """Print on stderr each problem found reading a project (its ``message(lang)``)."""
    for issue in problems:
        print(tr("警告：", "Warning: ", lang) + issue.message(lang), file=sys.stderr)


def run_info(path: Path, *, lang: str = "zh") -> int:
    """Print the project's layers with feature counts, CRS and schema status."""
    project, reports = _reports(path)
    warn_load_problems(project, lang=lang)
    by_name = {r.layer: r for r in reports}
    rows = []
    for layer in reversed(project.layers):  # top of the drawing order first, as in a layer tree
        rep = by_name.get(layer.name)
        if rep is None:
            status = tr("无图层定义", "no schema", lang)
        elif rep.ok:
            status = tr("通过", "ok", lang)
            if rep.warnings:
                n = len(rep.warnings)
                status += tr(f"（{n} 提示）", f" ({n} warnings)", lang)
        else:
            status = tr(f"{len(rep.errors)} 个错误", f"{len(rep.errors)} errors", lang)
        geom = ",".join(sorted(set(layer.data.geom_type.dropna()))) or "-"
        title = tr(layer.title, layer.schema.title_en if layer.schema else layer.name, lang)
        rows.append(
            [
                layer.name,
                title,
                layer.kind or "-",
                geom,
                len(layer),
                _crs_text(layer.data.crs),
                status,
                tr("示意数据", "schematic", lang) if layer.metadata.schematic else "",
            ]
        )
    headers = [
        tr(zh_h, en_h, lang)
        for zh_h, en_h in (
            ("图层", "layer"),
            ("名称", "title"),
            ("类型", "type"),
            ("几何", "geometry"),
            ("要素数", "features"),
            ("坐标系", "CRS"),
            ("图层定义检查", "schema"),
            ("备注", "note"),
        )
    ]
    print(f"{tr('项目', 'Project', lang)}: {project.title}  ({path})")
    print(format_table(headers, rows))
    return EXIT_OK


def run_validate(path: Path, *, lang: str = "zh", limit: int = 20, csv: Path | None = None) -> int:
    """Check every layer against its schema; print issues; return 1 if any error."""
    if limit < 0:
        from gisdesk.core.errors import InputError

        raise InputError(
            f"--limit 须为 0（全部）或正整数（收到 {limit}）。",
            f"--limit must be 0 (all) or a positive number (got {limit}).",
        )
    project, reports = _reports(path)
    _with_load_problems(project, reports)
    n_errors = sum(len(r.errors) for r in reports)
    n_warnings = sum(len(r.warnings) for r in reports)
    for rep in reports:
        if not rep.issues:
            print(f"✓ {rep.layer}")
            continue
        mark = "✗" if rep.errors else "!"
        print(
            f"{mark} {rep.layer}: "
            + tr(
                f"{len(rep.errors)} 个错误，{len(rep.warnings)} 个提示",
                f"{len(rep.errors)} errors, {len(rep.warnings)} warnings",
                lang,
            )
        )
        shown = rep.errors + rep.warnings
        for issue in shown[: limit or None]:
            print(f"    {issue.message(lang)}")
        if limit and len(shown) > limit:
            more = len(shown) - limit
            print(
                tr(
                    f"    ……另有 {more} 条（使用 --limit 0 显示全部）",
                    f"    ... {more} more (use --limit 0 to show all)",
                    lang,
                )
            )
    if csv is not None:
        import pandas as pd

        from gisdesk.io.spreadsheet import write_csv

        frames = [r.to_frame() for r in reports]
        table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        from gisdesk.io.output_guard import replace_file

        # for Excel/WPS: UTF-8 with BOM, no value a formula; the earlier file kept on failure
        replace_file(csv, lambda path: write_csv(path, table))
    summary = tr(
        f"共 {n_errors} 个错误，{n_warnings} 个提示。",
        f"{n_errors} errors, {n_warnings} warnings.",
        lang,
    )
    print(summary, file=sys.stderr if n_errors else sys.stdout)
    return EXIT_INVALID if n_errors else EXIT_OK


def run_sample_build(*, out: Path | None, scale: float, seed: int | None, lang: str = "zh") -> int:
    """Build the Haimen sample project and print what was written."""
    from gisdesk import resources
    from gisdesk.cli.sample import SAMPLE_SEED, build_sample_project
    from gisdesk.core.errors import InputError

    if not (math.isfinite(scale) and 0 < scale <= MAX_SAMPLE_SCALE):
        raise InputError(
            f"规模系数须为大于 0 且不大于 {MAX_SAMPLE_SCALE:g} 的数值（收到 {scale:g}）。",
            f"The size factor must be a number above 0 and at most {MAX_SAMPLE_SCALE:g} "
            f"(got {scale:g}).",
        )
    target = out or resources.sample_project_path()
    start = time.perf_counter()

    def progress(fraction: float, message: str) -> None:
        print(f"[{fraction:4.0%}] {message}", file=sys.stderr)

    path = build_sample_project(target, scale=scale, seed=seed or SAMPLE_SEED, progress=progress)
    seconds = time.perf_counter() - start
    size_mb = path.stat().st_size / 1e6
    print(f"{tr('已生成', 'Built', lang)} {path} ({size_mb:.1f} MB, {seconds:.1f} s)")
    return EXIT_OK


def run_open(args: argparse.Namespace, *, lang: str = "zh") -> int:
    """Open the desktop window (``gisdesk open``).

    Without a screen (no X11 or Wayland display, no ``QT_QPA_PLATFORM``), ``--screenshot``
    draws offscreen and a plain ``open`` is refused with a message; Qt itself would abort
    the process without one.
    """
    import os

    from gisdesk.core.errors import InputError
    from gisdesk.export._qt import headless

    if headless():
        if args.screenshot is None:
            raise InputError(
                "没有可用的显示器（未设置 DISPLAY 或 WAYLAND_DISPLAY），无法打开窗口。"
                "请在桌面环境中运行，或用 --screenshot 保存窗口截图。",
                "There is no display (neither DISPLAY nor WAYLAND_DISPLAY is set), so the "
                "window cannot open. Run it on a desktop, or save a picture of the window "
                "with --screenshot.",
            )
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from gisdesk.ui.app import run_app

    return run_app(args.project, screenshot=args.screenshot)


def run_info_args(args: argparse.Namespace, *, lang: str = "zh") -> int:
    """Run ``gisdesk info`` from parsed arguments."""
    return run_info(args.project, lang=lang)


def run_validate_args(args: argparse.Namespace, *, lang: str = "zh") -> int:
    """Run ``gisdesk validate`` from parsed arguments."""
    return run_validate(args.project, lang=lang, limit=args.limit, csv=args.csv)


def run_sample_args(args: argparse.Namespace, *, lang: str = "zh") -> int:
    """Run ``gisdesk sample build`` from parsed arguments."""
    return run_sample_build(out=args.out, scale=args.scale, seed=args.seed, lang=lang)


def run_warm_up(args: argparse.Namespace, *, lang: str = "zh") -> int:
    """Run a tiny service-area analysis (a check of the installation) and say how long it took."""
    from gisdesk.analysis.warmup import warm_up

    seconds = warm_up()
    print(
        tr(
            f"试算通过：小型服务圈分析已运行（{seconds:.1f} 秒）",
            f"check passed: a tiny service-area analysis ran ({seconds:.1f} s)",
            lang,
        )
    )
    return EXIT_OK
