"""Benchmark map plates of the Haimen sample (not a test): export time and file size.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_plates.py [--repeats N]
[--atlas]``; ``--qgis [--runs N] [--keep DIR] [--formats pdf,png]`` instead times whole
processes side by side with QGIS's layout export, 300 dpi PDF and PNG
(``benchmarks/qgis_plates.py``).

An A3-landscape plate with every layer of the sample (all thematic layers, labels, grid,
legend, per-town coverage table) is written as PDF, PNG at 150/300/600 dpi and SVG; each is
timed (median of the repeats, layers prepared once beforehand as the GUI and an atlas do)
and its size printed. ``--atlas`` also times the 12-town 15-minute service-circle atlas.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gisdesk import resources
from gisdesk.export.atlas import export_atlas
from gisdesk.export.coverage import ServiceCircle
from gisdesk.export.frame import prepare_map
from gisdesk.export.output import export_plate
from gisdesk.export.spec import PlateSpec
from gisdesk.io.project_store import open_project


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def size_text(n: int) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--atlas", action="store_true", help="also time the 12-town atlas")
    parser.add_argument("--qgis", action="store_true", help="whole processes beside QGIS")
    parser.add_argument("--runs", type=int, default=3, help="--qgis: timed runs of each")
    parser.add_argument("--keep", type=Path, help="--qgis: write the files here and keep them")
    parser.add_argument("--formats", default="pdf,png", help="--qgis: pdf, png or both")
    args = parser.parse_args()
    if args.qgis:
        from benchmarks.qgis_plates import run

        run(args.runs, args.keep, tuple(args.formats.split(",")))
        return

    path = resources.sample_project_path()
    t0 = time.perf_counter()
    project = open_project(path)
    print(f"sample: {path.name}, {len(project)} layers, opened in {time.perf_counter() - t0:.2f} s")
    for layer in project:
        print(f"  {layer.name:<22} {len(layer):>7} features")

    t0 = time.perf_counter()
    circle = ServiceCircle(project, polygons=False)
    print(f"coverage table (service circle, no polygons): {time.perf_counter() - t0:.2f} s")
    t0 = time.perf_counter()
    data = prepare_map(project)
    for layer in project:
        data.get(layer)
    print(f"layers prepared (projection, index, classes): {time.perf_counter() - t0:.2f} s")

    spec = PlateSpec.create(
        "A3-landscape",
        title="海门区专题图（全部图层）",
        subtitle="示例项目 · 基准测试",
        table=circle.town_table(),
        table_title="各镇（街道）15分钟医保服务圈覆盖情况",
        table_note=circle.district_note(),
    )
    print(f"\nA3 landscape, all {len(project)} layers, repeats={args.repeats} (median):")
    print(f"{'output':<14}{'seconds':>9}{'size':>12}  scale")
    with tempfile.TemporaryDirectory() as tmp:
        for name, suffix, dpi in (
            ("PDF", ".pdf", 300),
            ("PNG 150 dpi", ".png", 150),
            ("PNG 300 dpi", ".png", 300),
            ("PNG 600 dpi", ".png", 600),
            ("SVG", ".svg", 300),
        ):
            out = Path(tmp) / f"plate_{dpi}{suffix}"
            seconds, layout = timed(
                lambda out=out, dpi=dpi: export_plate(project, spec, out, dpi=dpi, data=data),
                args.repeats,
            )
            size = size_text(out.stat().st_size)
            print(f"{name:<14}{seconds:>9.2f}{size:>12}  1:{layout.scale:,.0f}")
        if args.atlas:
            t0 = time.perf_counter()
            full = ServiceCircle(project)
            print(f"\nservice circle with polygons: {time.perf_counter() - t0:.2f} s")
            atlas_spec = PlateSpec.create("A3-landscape")
            out = Path(tmp) / "atlas.pdf"
            seconds, _files = timed(
                lambda: export_atlas(project, atlas_spec, out, content=full, data=data), 1
            )
            print(f"atlas, 12 towns, one PDF: {seconds:.2f} s, {size_text(out.stat().st_size)}")


if __name__ == "__main__":
    main()
