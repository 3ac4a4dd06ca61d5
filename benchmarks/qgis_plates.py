"""A3 plates side by side with QGIS's layout export, whole processes (not a test).

Run through ``.venv/bin/python benchmarks/bench_plates.py --qgis [--runs N] [--keep DIR]
[--formats pdf,png]``.

Both draw the sample's 15 styled layers at the same extent and scale on an A3 landscape page
from a copy of the sample GeoPackage (QGIS styles each layer from the ``layer_styles`` table
gisdesk writes):

* gisdesk: ``python -m gisdesk plate COPY.gpkg --template A3-landscape --dpi 300 --out P.pdf``
  (or ``P.png``)
  (map with labels, graticule, legend, scale bar, north arrow, inset, notes, title);
* QGIS: ``qgis_process.bin run native:printlayouttopdf`` (DPI 300, text as text; for PNG
  ``native:printlayouttoimage`` at DPI 300) on a
  project with a print layout built once beforehand by PyQGIS: the map item at gisdesk's
  frame, extent and scale, a graticule, a legend, a scale bar and a title.

Each command runs N times in turn (median wall time quoted) with its peak memory from
``/usr/bin/time``; the ratio QGIS / gisdesk is printed. Without ``qgis_process.bin``
(Debian's ``qgis``; ``scripts/setup.sh --with-qgis``) only gisdesk's figures are printed.
Timings include start-up and reading the project: what a user waits for.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QGIS = shutil.which("qgis_process.bin")
SYSTEM_PYTHON = "/usr/bin/python3"

# Built by the system Python with PyQGIS: the project and its print layout "plate".
_BUILD_PROJECT = r"""
import json, sys
from qgis.PyQt.QtCore import QRectF
from qgis.PyQt.QtGui import QFont
from qgis.core import (
    QgsApplication, QgsCoordinateReferenceSystem, QgsLayoutItemLabel, QgsLayoutItemLegend,
    QgsLayoutItemMap, QgsLayoutItemMapGrid, QgsLayoutItemScaleBar, QgsLayoutPoint,
    QgsLayoutSize, QgsPrintLayout, QgsProject, QgsRectangle, QgsUnitTypes, QgsVectorLayer,
)

job = json.load(open(sys.argv[1], encoding="utf-8"))
QgsApplication.setPrefixPath("/usr", True)
app = QgsApplication([], False)
app.initQgis()
project = QgsProject.instance()
project.setCrs(QgsCoordinateReferenceSystem("EPSG:4549"))
root = project.layerTreeRoot()
for name, title in job["layers"]:  # top of the drawing order first
    layer = QgsVectorLayer(f"{job['gpkg']}|layername={name}", title, "ogr")
    if not layer.isValid():
        raise SystemExit(f"QGIS cannot open layer {name}")
    project.addMapLayer(layer, False)
    root.addLayer(layer)
layout = QgsPrintLayout(project)
layout.initializeDefaults()
layout.setName("plate")
layout.pageCollection().page(0).setPageSize(QgsLayoutSize(*job["page_mm"]))
mm = QgsUnitTypes.LayoutMillimeters
x, y, w, h = job["map_mm"]
item = QgsLayoutItemMap(layout)
item.attemptMove(QgsLayoutPoint(x, y, mm))
item.attemptResize(QgsLayoutSize(w, h, mm))
item.setCrs(QgsCoordinateReferenceSystem("EPSG:4549"))
item.setExtent(QgsRectangle(*job["extent"]))
item.setScale(job["scale"])
item.setFrameEnabled(True)
grid = QgsLayoutItemMapGrid("graticule", item)
grid.setCrs(QgsCoordinateReferenceSystem("EPSG:4490"))
grid.setIntervalX(5 / 60)
grid.setIntervalY(5 / 60)
grid.setAnnotationEnabled(True)
item.grids().addGrid(grid)
layout.addLayoutItem(item)
legend = QgsLayoutItemLegend(layout)
legend.setLinkedMap(item)
legend.setTitle("图例")
lx, ly, lw, lh = job["legend_mm"]
legend.attemptMove(QgsLayoutPoint(lx, ly, mm))
layout.addLayoutItem(legend)
bar = QgsLayoutItemScaleBar(layout)
bar.setLinkedMap(item)
bar.setStyle("Single Box")
bar.applyDefaultSize()
bar.attemptMove(QgsLayoutPoint(x + 5, y + 5, mm))
layout.addLayoutItem(bar)
label = QgsLayoutItemLabel(layout)
label.setText(job["title"])
label.setFont(QFont("Noto Sans CJK SC", 20))
tx, ty, tw, th = job["title_mm"]
label.attemptMove(QgsLayoutPoint(tx, ty, mm))
label.attemptResize(QgsLayoutSize(tw, th, mm))
layout.addLayoutItem(label)
project.layoutManager().addLayout(layout)
if not project.write(job["qgs"]):
    raise SystemExit("QGIS could not write the project")
app.exitQgis()
"""


def _qgis_env() -> dict[str, str]:
    """QGIS embeds the system Python: keep the virtualenv out of it."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}
    for name in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONPYCACHEPREFIX"):
        env.pop(name, None)
    env.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="xdg-"))
    return env


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak memory MB) from /usr/bin/time."""
    done = subprocess.run(
        ["/usr/bin/time", "-f", "TIMED %e %M", *command],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    found = re.search(r"TIMED ([\d.]+) (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"{command[0]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return float(found.group(1)), int(found.group(2)) / 1024.0


def _job(gpkg: Path, qgs: Path) -> dict[str, object]:
    """gisdesk's own plan of the plate: the frame, extent and scale QGIS is given."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from gisdesk.export.plate import plan_plate
    from gisdesk.export.spec import PlateSpec
    from gisdesk.io.project_store import open_project

    project = open_project(gpkg)
    plan = plan_plate(project, PlateSpec.create("A3-landscape"))
    layers = [(fl.layer.name, fl.layer.title) for fl in plan.layers]
    return {
        "gpkg": str(gpkg),
        "qgs": str(qgs),
        "layers": layers[::-1],
        "page_mm": list(plan.template.page_mm),
        "map_mm": list(plan.map_inner),
        "legend_mm": list(plan.items.get("legend", (320.0, 60.0, 90.0, 150.0))),
        "title_mm": list(plan.items.get("title", (100.0, 12.0, 220.0, 15.0))),
        "extent": list(plan.extent),
        "scale": plan.scale,
        "title": project.title,
    }


def run(runs: int = 3, keep: Path | None = None, formats: tuple[str, ...] = ("pdf", "png")) -> None:
    """Time both exports of the sample's A3 plate in each format and print the figures."""
    sys.path.insert(0, str(ROOT))
    from gisdesk import resources

    folder = keep or Path(tempfile.mkdtemp(prefix="plates-"))
    folder.mkdir(parents=True, exist_ok=True)
    gpkg = folder / "haimen.gpkg"
    shutil.copyfile(resources.sample_project_path(), gpkg)
    qgs = folder / "plate.qgs"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    if QGIS is not None:
        job = folder / "job.json"
        job.write_text(json.dumps(_job(gpkg, qgs), ensure_ascii=False), encoding="utf-8")
        script = folder / "build_project.py"
        script.write_text(_BUILD_PROJECT, encoding="utf-8")
        built = subprocess.run(
            [SYSTEM_PYTHON, str(script), str(job)],
            env=_qgis_env(),
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if built.returncode != 0:
            raise RuntimeError(f"the QGIS project was not built:\n{built.stderr[-2000:]}")
    else:
        print("qgis_process.bin not found (apt-get install qgis): gisdesk's figures only")
    for fmt in formats:
        _compare(fmt, runs, folder, gpkg, qgs, env)
    print(f"  files in {folder}" if keep else "")


def _compare(fmt: str, runs: int, folder: Path, gpkg: Path, qgs: Path, env: dict[str, str]) -> None:
    """Time gisdesk's and QGIS's A3 300 dpi export to FMT (pdf or png) side by side."""
    gisdesk_out, qgis_out = folder / f"gisdesk.{fmt}", folder / f"qgis.{fmt}"
    commands = {
        "gisdesk": [
            sys.executable,
            "-m",
            "gisdesk",
            "plate",
            str(gpkg),
            "--template",
            "A3-landscape",
            "--dpi",
            "300",
            "--out",
            str(gisdesk_out),
        ]
    }
    envs = {"gisdesk": env}
    if QGIS is not None:
        # PDF: vector, text as text; PNG: the layout rendered as one 300 dpi image
        algorithm, extra = (
            ("native:printlayouttopdf", ["--FORCE_VECTOR=1", "--TEXT_FORMAT=1"])
            if fmt == "pdf"
            else ("native:printlayouttoimage", [])
        )
        commands["QGIS"] = [
            QGIS,
            "run",
            algorithm,
            f"--PROJECT_PATH={qgs}",
            "--LAYOUT=plate",
            "--DPI=300",
            *extra,
            f"--OUTPUT={qgis_out}",
        ]
        envs["QGIS"] = _qgis_env()
    for who, command in commands.items():
        timed(command, envs[who])  # a first run each: files in the OS cache, .pyc written
    times: dict[str, list[float]] = {k: [] for k in commands}
    memory: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(runs):
        for who, command in commands.items():
            wall, peak = timed(command, envs[who])
            times[who].append(wall)
            memory[who].append(peak)
    print(
        f"A3 landscape, 300 dpi {fmt.upper()}, 15 styled layers, whole processes, {runs} runs each:"
    )
    for who in commands:
        out = gisdesk_out if who == "gisdesk" else qgis_out
        print(
            f"  {who:<8} median {statistics.median(times[who]):.2f} s "
            f"(min {min(times[who]):.2f}, max {max(times[who]):.2f}), "
            f"peak {max(memory[who]):.0f} MB, {out.stat().st_size / 1e6:.2f} MB {fmt.upper()}"
        )
    if "QGIS" in times:
        ratio = statistics.median(times["QGIS"]) / statistics.median(times["gisdesk"])
        print(f"  QGIS / gisdesk: {ratio:.2f}x (above 1: gisdesk is faster)")
