"""Build the gisdesk bundle, run it headless and compare it with the source checkout.

    installer/smoke_test.sh                  # set-up, then this script
    .venv/bin/python installer/smoke_test.py [--skip-build] [--out build/installer-smoke]

``--skip-build`` reuses dist/ as it is: the comparison with the checkout then also shows any
change made to the code since that build.

Steps (each timed, each failure reported, exit 1 if any fails):

1. build the bundle and archive (installer/make_bundle.py), report sizes;
2. unpack the archive into a temporary folder outside the repository and run the program
   from there with a bare environment (no Python, no venv on PATH, QT_QPA_PLATFORM=offscreen,
   and a stray PROJ_LIB / GDAL_DATA that it must ignore);
3. ``--bundle-check``: data, PROJ and GDAL data, fonts and one transformation per library;
4. start-up time (``--version`` and ``info`` on the bundled sample, median of several runs);
5. the work: open the sample project in the window (screenshot), a 15-minute e-bike
   coverage analysis, the plan targets, an A3 plate; the same commands from the checkout
   (``python -m gisdesk``), and the results compared (analysis and targets identical, the
   plate's CJK font embedded, the two window screenshots compared pixel by pixel);
6. ``install.sh`` into a temporary prefix; the .desktop entries validated where
   desktop-file-validate exists.

Writes report.json and report.md (and the screenshots, the plate's first page as PNG) to
the output folder and prints the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from make_bundle import folder_size, gisdesk_version  # noqa: E402

# Two screenshots of the same window differ only in the status bar's "drawn in N ms" (about
# 150 pixels); a changed toolbar button alone changes thousands.
MAX_MEAN_DIFF = 0.1  # mean absolute difference per channel, 0-255 scale
MIN_SAME_PIXELS = 0.999  # share of pixels identical in all channels
MiB = 2**20
PLATE_TITLE = "海门区医保服务点"


@dataclass
class Run:
    """One command: how long it took and what it said."""

    seconds: float
    code: int
    out: str
    err: str


@dataclass
class Report:
    """Figures and checks gathered by the smoke test."""

    figures: dict[str, object] = field(default_factory=dict)
    steps: list[dict[str, object]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str) -> bool:
        print(("  ok   " if ok else "  FAIL ") + what, flush=True)
        if not ok:
            self.failures.append(what)
        return ok


def run(cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> Run:
    """Run ``cmd`` and return its time, exit code and output."""
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, check=False)
    return Run(time.perf_counter() - started, proc.returncode, proc.stdout, proc.stderr)


def bare_env(home: Path) -> dict[str, str]:
    """Return an environment like a fresh desktop session's, without Python anywhere."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
        # What another GIS may have left in the environment: the bundle must not use it.
        "PROJ_LIB": "/nonexistent/share/proj",
        "GDAL_DATA": "/nonexistent/share/gdal",
    }


def compare_images(a: Path, b: Path) -> dict[str, object]:
    """Return how two PNGs differ: mean absolute difference, identical share, changed box."""
    import numpy as np
    from PySide6.QtGui import QImage

    def pixels(path: Path) -> np.ndarray:
        image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGBA8888)
        width, height, stride = image.width(), image.height(), image.bytesPerLine()
        raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
        # Copy before the QImage (which owns the memory) goes away.
        return raw.reshape(height, stride)[:, : width * 4].reshape(height, width, 4).copy()

    pa, pb = pixels(a), pixels(b)
    if pa.shape != pb.shape:
        return {"same_size": False, "size_a": pa.shape[:2], "size_b": pb.shape[:2]}
    diff = np.abs(pa[..., :3].astype(np.int16) - pb[..., :3].astype(np.int16))
    changed = diff.max(axis=2) > 0
    rows, cols = np.nonzero(changed)
    box = (
        [int(cols.min()), int(rows.min()), int(cols.max()), int(rows.max())] if rows.size else None
    )
    return {
        "same_size": True,
        "size": [int(pa.shape[1]), int(pa.shape[0])],
        "mean_abs_diff": round(float(diff.mean()), 4),
        "identical_share": round(1.0 - float(changed.mean()), 6),
        "changed_pixels": int(changed.sum()),
        "changed_box_xyxy": box,
    }


def median_time(cmd: list[str], *, env: dict[str, str], cwd: Path, n: int) -> tuple[float, Run]:
    """Return the median time of ``n`` runs of ``cmd`` and the last run."""
    times: list[float] = []
    last = Run(0.0, 0, "", "")
    for _ in range(n):
        last = run(cmd, env=env, cwd=cwd)
        times.append(last.seconds)
    return statistics.median(times), last


def main(argv: list[str] | None = None) -> int:
    """Run the smoke test and return 0 when every check passed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-build", action="store_true", help="reuse dist/gisdesk")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "installer-smoke")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    report = Report()
    version = gisdesk_version()
    dist = ROOT / "dist"
    archive = next(iter(sorted(dist.glob(f"gisdesk-{version}-linux-*.tar.gz"))), None)

    print("== 1. build", flush=True)
    if not args.skip_build or archive is None:
        build = run([sys.executable, str(HERE / "make_bundle.py")], cwd=ROOT)
        print(build.out[-1500:], build.err[-3000:] if build.code else "", sep="\n")
        report.figures["build_seconds"] = round(build.seconds, 1)
        if not report.check(build.code == 0, "bundle built"):
            return finish(report, out)
        archive = next(iter(sorted(dist.glob(f"gisdesk-{version}-linux-*.tar.gz"))))
    bundle_src = dist / "gisdesk"
    report.figures["bundle_mib"] = round(folder_size(bundle_src) / MiB, 1)
    report.figures["bundle_files"] = sum(1 for p in bundle_src.rglob("*") if p.is_file())
    report.figures["archive"] = archive.name
    report.figures["archive_mib"] = round(archive.stat().st_size / MiB, 1)
    notices = bundle_src / "THIRD_PARTY_NOTICES.txt"
    report.check(notices.is_file() and notices.stat().st_size > 10_000, "licence notices")
    print(
        f"  bundle {report.figures['bundle_mib']} MiB in {report.figures['bundle_files']} files;"
        f" archive {report.figures['archive_mib']} MiB"
    )

    work = Path(tempfile.mkdtemp(prefix="gisdesk-smoke-"))
    try:
        return smoke(report, out, archive, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


@dataclass
class Bundle:
    """The unpacked bundle and where its runs happen."""

    work: Path
    exe: Path
    sample: Path
    env: dict[str, str]
    runs: Path
    out: Path


def smoke(report: Report, out: Path, archive: Path, work: Path) -> int:
    """Unpack ``archive`` into ``work`` and run the bundle's checks; return the exit code."""
    print("== 2. unpack outside the repository", flush=True)
    started = time.perf_counter()
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="tar")
    report.figures["unpack_seconds"] = round(time.perf_counter() - started, 1)
    (work / "home").mkdir()
    (work / "runs").mkdir()
    b = Bundle(
        work=work,
        exe=work / "gisdesk" / "gisdesk",
        sample=work / "gisdesk" / "_internal" / "gisdesk_data" / "sample_data" / "haimen.gpkg",
        env=bare_env(work / "home"),
        runs=work / "runs",
        out=out,
    )
    report.check(b.exe.is_file() and b.sample.is_file(), f"program and sample unpacked in {work}")
    print("== 3. bundle check", flush=True)
    check_bundle(report, b)
    print("== 4. start-up", flush=True)
    measure_startup(report, b)
    print("== 5. the work, frozen and from the checkout", flush=True)
    run_work(report, b)
    compare_results(report, b)
    print("== 6. install.sh", flush=True)
    check_install(report, b)
    return finish(report, out)


def check_bundle(report: Report, b: Bundle) -> None:
    """Run ``--bundle-check`` and check where the bundle finds its data and libraries."""
    first = run([str(b.exe), "--version"], env=b.env, cwd=b.runs)  # first start after unpacking
    report.figures["first_start_version_seconds"] = round(first.seconds, 2)
    check = run([str(b.exe), "--bundle-check"], env=b.env, cwd=b.runs)
    if not report.check(check.code == 0, "--bundle-check ran"):
        print(check.err[-3000:])
        return
    info = json.loads(check.out)
    (b.out / "bundle-check.json").write_text(check.out, encoding="utf-8")
    inside = str(b.work / "gisdesk")
    rio = info["rasterio"]
    for ok, what in (
        (info["frozen"] and info["data_layout"] == "frozen", "frozen data layout"),
        (info["data_root"].startswith(inside), "data from the bundle"),
        (info["gisdesk_file"].startswith(inside), "gisdesk code from the bundle"),
        (all(v is None for v in info["env"].values()), "stray PROJ_LIB/GDAL_DATA dropped"),
        (info["pyproj"]["data_dir"].startswith(inside), "pyproj's PROJ data in the bundle"),
        (info["pyogrio"]["gdal_data"].startswith(inside), "pyogrio's GDAL data in the bundle"),
        (
            all(p.startswith(inside) for p in rio["proj_data"])
            and str(rio["gdal_data"]).startswith(inside),
            "rasterio's PROJ and GDAL data in the bundle",
        ),
        (info["geopandas"]["towns"] == 12, "12 towns read through pyogrio and pyarrow"),
        (info["qt"]["cjk_glyphs"] and bool(info["font_files"]), "bundled CJK font registered"),
    ):
        report.check(bool(ok), what)
    import pyproj

    expect = pyproj.Transformer.from_crs(4490, 4549, always_xy=True).transform(121.17, 31.87)
    for lib in ("pyproj", "rasterio"):
        got = info[lib]["xy"]
        report.check(
            max(abs(got[0] - expect[0]), abs(got[1] - expect[1])) < 1e-6,
            f"{lib} transforms CGCS2000 -> EPSG:4549 as the checkout does",
        )
    report.figures["qt_platform"] = info["qt"]["platform"]
    report.figures["cjk_family"] = info["qt"]["cjk_family"]


SOURCE = [sys.executable, "-m", "gisdesk"]
SAMPLE_SRC = ROOT / "sample_data" / "haimen.gpkg"


def source_env() -> dict[str, str]:
    """Return the environment for running gisdesk from the checkout."""
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def measure_startup(report: Report, b: Bundle) -> None:
    """Time ``--version`` and ``info`` from the bundle and from the checkout."""
    t, _ = median_time([str(b.exe), "--version"], env=b.env, cwd=b.runs, n=5)
    report.figures["startup_version_seconds"] = round(t, 2)
    t, last = median_time([str(b.exe), "info", str(b.sample)], env=b.env, cwd=b.runs, n=3)
    report.figures["startup_info_seconds"] = round(t, 2)
    report.check(last.code == 0 and "towns" in last.out, "gisdesk info on the bundled sample")
    t, _ = median_time([*SOURCE, "--version"], env=source_env(), cwd=b.runs, n=5)
    report.figures["source_version_seconds"] = round(t, 2)
    t, _ = median_time([*SOURCE, "info", str(SAMPLE_SRC)], env=source_env(), cwd=b.runs, n=3)
    report.figures["source_info_seconds"] = round(t, 2)


def run_work(report: Report, b: Bundle) -> None:
    """Run the four work steps from the bundle and from the checkout, timing each."""
    steps: dict[str, Callable[[Path, str], list[str]]] = {
        "open sample + screenshot": lambda p, tag: [
            "open", str(p), "--screenshot", str(b.out / f"window-{tag}.png")
        ],
        "15-min coverage analysis": lambda p, tag: [
            "analyze", "service-areas", str(p), "--roads", "roads", "--facilities",
            "service_points", "--demand", "villages", "--minutes", "15", "--mode", "ebike",
            "--out", str(b.runs / f"sa-{tag}.gpkg"),
        ],
        "plan targets": lambda p, tag: [
            "targets", str(p), "--as-of", "2022-12-31", "--format", "json",
            "--out", str(b.runs / f"targets-{tag}.json"),
        ],
        "A3 plate (PDF)": lambda p, tag: [
            "plate", str(p), "--template", "A3-landscape", "--title", PLATE_TITLE,
            "--out", str(b.out / f"plate-{tag}.pdf"),
        ],
    }  # fmt: skip
    for name, make in steps.items():
        frozen = run([str(b.exe), *make(b.sample, "frozen")], env=b.env, cwd=b.runs)
        src = run([*SOURCE, *make(SAMPLE_SRC, "source")], env=source_env(), cwd=b.runs)
        report.steps.append(
            {"step": name, "frozen_seconds": round(frozen.seconds, 2),
             "source_seconds": round(src.seconds, 2)}
        )  # fmt: skip
        print(f"  {name}: frozen {frozen.seconds:.2f} s, source {src.seconds:.2f} s")
        if not report.check(frozen.code == 0, f"{name}: frozen exit 0"):
            print(frozen.out[-1500:], frozen.err[-3000:])
        report.check(src.code == 0, f"{name}: source exit 0")


def pdf_fonts(listing: str) -> list[tuple[str, bool]]:
    """Return (name, embedded) for each font row of ``pdffonts`` output.

    The CJK font is "gisdeskCJK-Regular" when gisdesk rebuilt the bundled Noto Sans CJK for
    its PDF text layer (gisdesk.render.fonts.TEXT_FAMILY), "NotoSansCJK..." otherwise.
    """
    rows: list[tuple[str, bool]] = []
    lines = listing.splitlines()
    for line in lines[2:]:  # a header line and a rule of dashes come first
        # name, type (may contain spaces), encoding, then emb sub uni object ID
        cols = line.split()
        if len(cols) >= 7:
            name = cols[0].split("+", 1)[-1]  # a subset's "ABCDEF+" prefix
            rows.append((name, cols[-5] == "yes"))
    return rows


def _same_json(a: Path, b: Path) -> bool | None:
    if not (a.is_file() and b.is_file()):
        return None
    return bool(json.loads(a.read_text("utf-8")) == json.loads(b.read_text("utf-8")))


def compare_results(report: Report, b: Bundle) -> None:
    """Compare the bundle's results and window with the checkout's."""
    sa = _same_json(b.runs / "sa-frozen.json", b.runs / "sa-source.json")
    report.check(sa is True, "coverage results identical to the checkout's")
    if sa is not None:
        d = json.loads((b.runs / "sa-frozen.json").read_text("utf-8")).get("district", {})
        within, total = d.get("villages_within", 0), d.get("villages", 0)
        report.figures["villages_within_15_min"] = f"{within:.0f} of {total:.0f}"
    same = _same_json(b.runs / "targets-frozen.json", b.runs / "targets-source.json")
    report.check(same is True, "target evaluation identical to the checkout's")
    plate = b.out / "plate-frozen.pdf"
    if plate.is_file() and shutil.which("pdffonts"):
        fonts = pdf_fonts(run(["pdffonts", str(plate)]).out)
        report.figures["plate_fonts"] = ", ".join(name for name, _ in fonts)
        report.check(
            any("CJK" in name for name, _ in fonts) and all(emb for _, emb in fonts),
            "plate embeds the CJK font (and every other font)",
        )
        if shutil.which("pdftotext"):
            text = run(["pdftotext", "-l", "1", str(plate), "-"]).out
            report.check(PLATE_TITLE in text, f"plate's text reads back as {PLATE_TITLE}")
        report.figures["plate_kib"] = round(plate.stat().st_size / 1024)
        if shutil.which("pdftoppm"):
            run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile",
                 str(plate), str(b.out / "plate-frozen-page1")])  # fmt: skip
    shots = [b.out / f"window-{tag}.png" for tag in ("frozen", "source")]
    if not report.check(all(p.is_file() for p in shots), "both screenshots written"):
        return
    diff = compare_images(*shots)
    report.figures["screenshot_diff"] = diff
    print(f"  screenshot difference: {diff}")
    report.check(
        bool(diff.get("same_size"))
        and float(diff["mean_abs_diff"]) <= MAX_MEAN_DIFF  # type: ignore[arg-type]
        and float(diff["identical_share"]) >= MIN_SAME_PIXELS,  # type: ignore[arg-type]
        f"frozen window matches the checkout's (mean diff <= {MAX_MEAN_DIFF}, "
        f">= {MIN_SAME_PIXELS:.1%} identical pixels)",
    )


def check_install(report: Report, b: Bundle) -> None:
    """Run install.sh into a temporary prefix and check the command and menu entries."""
    prefix = b.work / "prefix"
    inst = run(["sh", str(b.work / "gisdesk" / "install.sh")], env={**b.env, "PREFIX": str(prefix)})
    report.check(inst.code == 0, "install.sh into a prefix")
    installed = run([str(prefix / "bin" / "gisdesk"), "--version"], env=b.env, cwd=b.runs)
    report.check(installed.code == 0 and "gisdesk" in installed.out, "installed command runs")
    entries = sorted((prefix / "share" / "applications").glob("*.desktop"))
    report.check(len(entries) == 2, "two menu entries written")
    if shutil.which("desktop-file-validate"):
        for entry in entries:
            valid = run(["desktop-file-validate", str(entry)])
            report.check(valid.code == 0, f"{entry.name} valid ({valid.out.strip() or 'no hints'})")


def finish(report: Report, out: Path) -> int:
    """Write report.json and report.md, print the summary, return the exit code."""
    data = {"figures": report.figures, "steps": report.steps, "failures": report.failures}
    (out / "report.json").write_text(json.dumps(data, ensure_ascii=False, indent=2), "utf-8")
    f = report.figures
    steps = [
        f"| {s['step']} | {s['frozen_seconds']} s | {s['source_seconds']} s |" for s in report.steps
    ]
    lines = [
        "| figure | value |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in f.items() if not isinstance(v, dict)),
        "",
        "| step | frozen | source checkout |",
        "|---|---|---|",
        *steps,
        "",
        f"screenshot difference: {f.get('screenshot_diff')}",
        f"failures: {report.failures or 'none'}",
    ]
    (out / "report.md").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))
    print(f"\nsmoke test {'PASSED' if not report.failures else 'FAILED'}; report in {out}")
    return 0 if not report.failures else 1


if __name__ == "__main__":
    raise SystemExit(main())
