"""Build the gisdesk desktop bundle: PyInstaller one-folder, notices, launcher files, archive.

    python installer/make_bundle.py            # -> dist/gisdesk/ and an archive

On Linux the archive is ``dist/gisdesk-<version>-linux-<arch>.tar.gz`` (the folder plus the
``.desktop`` entry, the icon and ``install.sh``). On Windows it runs Inno Setup's ``iscc``
on ``installer/gisdesk.iss`` when it is on PATH (see installer/README.md).

Only the standard library is imported here, so ``gisdesk.spec`` can import
:func:`find_font` from this file.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FONT_NAMES = ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "NotoSansSC-Regular.otf")
FONT_FAMILY = "Noto Sans CJK SC"
# Beside the program in the bundle folder (not in _internal/): what a person looks for.
LAUNCHER_FILES = ("gisdesk.desktop", "gisdesk.png", "install.sh")


def find_font() -> Path:
    """Return the CJK font file to bundle, or stop saying how to provide one.

    In order: the file named by ``GISDESK_FONT``; a known font file in ``installer/fonts/``;
    Noto Sans CJK SC as fontconfig finds it (Debian: ``fonts-noto-cjk``).
    """
    named = os.environ.get("GISDESK_FONT")
    if named:
        return Path(named)
    for name in FONT_NAMES:
        local = HERE / "fonts" / name
        if local.is_file():
            return local
    if shutil.which("fc-match"):
        out = subprocess.run(
            ["fc-match", "-f", "%{file}", f"{FONT_FAMILY}:style=Regular"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if out and "CJK" in out and Path(out).is_file():
            return Path(out)
    raise SystemExit(
        "no CJK font found: install fonts-noto-cjk (Debian), put NotoSansCJK-Regular.ttc or "
        "NotoSansSC-Regular.otf into installer/fonts/, or set GISDESK_FONT to the font file"
    )


def gisdesk_version() -> str:
    """Return the version in gisdesk/__init__.py without importing the package."""
    for line in (ROOT / "gisdesk" / "__init__.py").read_text(encoding="utf-8").splitlines():
        if line.startswith("__version__"):
            return line.split("=", 1)[1].strip().strip("\"'")
    raise SystemExit("gisdesk/__init__.py has no __version__")


def run_pyinstaller(dist: Path, work: Path) -> None:
    """Run PyInstaller on installer/gisdesk.spec into ``dist``/gisdesk."""
    cmd = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
        str(HERE / "gisdesk.spec"),
    ]
    print("make_bundle:", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)


def add_launcher_files(bundle: Path, work: Path) -> None:
    """Put the licence notices and, on Linux, the launcher files beside the program."""
    subprocess.run(
        [
            sys.executable,
            str(HERE / "collect_licenses.py"),
            str(bundle),
            "--manifest",
            str(work / "gisdesk" / "bundle-manifest.json"),  # PyInstaller adds the spec name
        ],
        check=True,
    )
    if sys.platform.startswith("linux"):
        for name in LAUNCHER_FILES:
            shutil.copy2(HERE / name, bundle / name)
        (bundle / "install.sh").chmod(0o755)


def make_archive(bundle: Path, version: str) -> Path:
    """Write ``gisdesk-<version>-linux-<arch>.tar.gz`` beside the bundle folder."""
    arch = platform.machine() or "unknown"
    out = bundle.parent / f"gisdesk-{version}-linux-{arch}.tar.gz"
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname="gisdesk")
    return out


def run_inno_setup() -> Path | None:
    """Compile installer/gisdesk.iss with Inno Setup's iscc if it is on PATH."""
    iscc = shutil.which("iscc") or shutil.which("ISCC")
    if iscc is None:
        print("make_bundle: iscc (Inno Setup 6) not on PATH: installer not compiled")
        return None
    subprocess.run(
        [iscc, f"/DAppVersion={gisdesk_version()}", str(HERE / "gisdesk.iss")], check=True
    )
    return next((ROOT / "dist").glob("gisdesk-*-setup.exe"), None)


def folder_size(folder: Path) -> int:
    """Return the bytes of all files below ``folder`` (symlinks not followed)."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str] | None = None) -> int:
    """Build the bundle and its archive; print where they are and how big."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller")
    parser.add_argument("--no-archive", action="store_true", help="skip the tar.gz / setup.exe")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    run_pyinstaller(args.dist, args.work)
    bundle = args.dist / "gisdesk"
    add_launcher_files(bundle, args.work)
    built = time.perf_counter() - started
    print(f"make_bundle: {bundle} {folder_size(bundle) / 2**20:.0f} MiB, built in {built:.0f} s")
    if not args.no_archive:
        if sys.platform.startswith("linux"):
            archive = make_archive(bundle, gisdesk_version())
            print(f"make_bundle: {archive} {archive.stat().st_size / 2**20:.0f} MiB")
        elif sys.platform == "win32":
            setup = run_inno_setup()
            if setup is not None:
                print(f"make_bundle: {setup} {setup.stat().st_size / 2**20:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
