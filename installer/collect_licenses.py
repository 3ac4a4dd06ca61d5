"""Collect the licence notices of everything in a gisdesk bundle into THIRD_PARTY_NOTICES.txt.

    python installer/collect_licenses.py dist/gisdesk \
        --manifest build/pyinstaller/bundle-manifest.json

The manifest (written by gisdesk.spec) lists the top-level modules and the native files that
went into the bundle with where each came from. Python packages are mapped to their installed
distributions and their licence files are copied from the distributions' metadata; native
libraries PyInstaller took from the system are mapped to their Debian packages (``dpkg -S``)
and their ``/usr/share/doc/<package>/copyright`` is copied; the CJK font likewise. Python's
own licence, PyInstaller's (its bootloader is in the program), GDAL's (built into the pyogrio
and rasterio wheels) and Leaflet's are added. Run it with the Python the bundle was built
from.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LICENCE_NAME = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE|AUTHORS|COPYRIGHT)", re.IGNORECASE)
RULE = "=" * 78


@dataclass
class Component:
    """One bundled component and the texts of its licence files."""

    name: str
    version: str = ""
    licence: str = ""
    url: str = ""
    note: str = ""
    texts: list[tuple[str, str]] = field(default_factory=list)  # (file name, text)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace").strip()


def _field(dist: metadata.Distribution, name: str) -> str:
    values = dist.metadata.get_all(name) or []
    return str(values[0]) if values else ""


def _licence_of(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = _field(dist, "License-Expression")
    if expression:
        return expression
    text = _field(dist, "License").strip()
    if text and len(text) < 120 and "\n" not in text:
        return text
    classifiers = [
        c.split("::")[-1].strip()
        for c in meta.get_all("Classifier") or []
        if c.startswith("License")
    ]
    return "; ".join(classifiers) or ("see the licence text below" if text else "not stated")


def _url_of(dist: metadata.Distribution) -> str:
    if _field(dist, "Home-page"):
        return _field(dist, "Home-page")
    for entry in dist.metadata.get_all("Project-URL") or []:
        label, _, url = str(entry).partition(",")
        if label.strip().lower() in {"homepage", "home", "source", "repository", "source code"}:
            return url.strip()
    return ""


def _licence_files(dist: metadata.Distribution) -> list[Path]:
    files: list[Path] = []
    info = Path(str(dist.locate_file(""))).resolve()
    declared = dist.metadata.get_all("License-File") or []
    for record in dist.files or []:
        parts = Path(str(record)).parts
        in_info = len(parts) >= 2 and parts[0].endswith(".dist-info")
        if not in_info:
            continue
        name = parts[-1]
        if (
            "licenses" in parts
            or "license_files" in parts
            or name in declared
            or LICENCE_NAME.match(name)
        ):
            files.append(info / Path(str(record)))
    return sorted({p for p in files if p.is_file()})


def python_component(dist_name: str) -> Component | None:
    """Return the component of an installed distribution, with its licence files."""
    try:
        dist = metadata.distribution(dist_name)
    except metadata.PackageNotFoundError:
        return None
    comp = Component(
        name=dist.metadata["Name"],
        version=dist.version,
        licence=_licence_of(dist),
        url=_url_of(dist),
    )
    for path in _licence_files(dist):
        comp.texts.append((path.name, _read(path)))
    if not comp.texts:
        text = _field(dist, "License").strip()
        if len(text) >= 120 or "\n" in text:
            comp.texts.append(("License (from the package metadata)", text))
    return comp


def _site_dirs() -> list[Path]:
    paths = sysconfig.get_paths()
    return [Path(paths["purelib"]).resolve(), Path(paths["platlib"]).resolve()]


def _dpkg_package(path: Path) -> str | None:
    if shutil.which("dpkg") is None:
        return None
    tries = [str(path), str(path.resolve())]
    for p in list(tries):
        if p.startswith("/lib"):
            tries.append("/usr" + p)
        elif p.startswith("/usr/lib"):
            tries.append(p[4:])
    for candidate in tries:
        out = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True, check=False)
        if out.returncode == 0 and ":" in out.stdout:
            return out.stdout.split(":", 1)[0].split(",")[0].strip()
    return None


def debian_component(package: str, files: list[str]) -> Component:
    """Return the component of a Debian package with its copyright file."""
    version = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, check=False
    ).stdout.strip()
    comp = Component(name=f"{package} (Debian package)", version=version)
    comp.note = "bundled files: " + ", ".join(sorted(set(files)))
    copyright_file = Path("/usr/share/doc") / package.split(":", maxsplit=1)[0] / "copyright"
    if copyright_file.is_file():
        comp.texts.append((str(copyright_file), _read(copyright_file)))
        comp.licence = "see the Debian copyright file below"
    return comp


@dataclass
class _Origins:
    """Where the bundle's native files came from."""

    dists: set[str] = field(default_factory=set)  # Python distributions
    system: dict[str, list[str]] = field(default_factory=dict)  # Debian package -> files
    vendored: dict[str, list[str]] = field(default_factory=dict)  # wheel -> its .libs files
    unowned: list[str] = field(default_factory=list)


def _origins(manifest: dict[str, Any]) -> _Origins:
    top_to_dists = metadata.packages_distributions()
    found = _Origins()
    for name in manifest.get("modules", []):
        found.dists.update(top_to_dists.get(str(name), []))
    sites = _site_dirs()
    base = Path(sys.base_prefix).resolve()
    for entry in manifest.get("binaries", []):
        dest, src = (str(x) for x in entry)
        top = dest.replace("\\", "/").split("/")[0]
        src_path = Path(src).resolve()
        if any(src_path.is_relative_to(s) for s in sites):
            package = top.removesuffix(".libs")
            found.dists.update(top_to_dists.get(package, []))
            if top.endswith(".libs"):
                found.vendored.setdefault(package, []).append(Path(dest).name)
        elif src_path.is_relative_to(base):
            continue  # Python's own libraries: Python's licence
        elif package_name := _dpkg_package(Path(src)):
            found.system.setdefault(package_name, []).append(Path(dest).name)
        else:
            found.unowned.append(f"{Path(dest).name} ({src})")
    return found


def _python_itself() -> Component:
    licence = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    if not licence.is_file():
        licence = Path(sys.base_prefix) / "LICENSE.txt"
    py = Component(
        name="Python",
        version=sys.version.split()[0],
        licence="PSF-2.0",
        url="https://www.python.org",
    )
    if licence.is_file():
        py.texts.append((licence.name, _read(licence)))
    return py


def _gdal_in_wheels() -> list[Component]:
    found: list[Component] = []
    for package in ("pyogrio", "rasterio"):
        try:
            folder = Path(str(metadata.distribution(package).locate_file(package)))
        except metadata.PackageNotFoundError:
            continue
        licence = folder / "gdal_data" / "LICENSE.TXT"
        if licence.is_file():
            found.append(
                Component(
                    name=f"GDAL (built into the {package} wheel)",
                    licence="MIT and others (see below)",
                    url="https://gdal.org",
                    texts=[(licence.name, _read(licence))],
                )
            )
    return found


def _font(path: Path) -> Component:
    package_name = _dpkg_package(path)
    if package_name:
        comp = debian_component(package_name, [path.name])
        comp.name = f"{path.name} (Noto Sans CJK font, Debian package {package_name})"
    else:
        comp = Component(name=path.name, note="font")
        for candidate in ("OFL.txt", "LICENSE", "LICENSE.txt"):
            if (path.parent / candidate).is_file():
                comp.texts.append((candidate, _read(path.parent / candidate)))
    comp.licence = "OFL-1.1"
    return comp


def collect(manifest: dict[str, Any]) -> list[Component]:
    """Return the components of the bundle described by ``manifest``."""
    origins = _origins(manifest)
    components: list[Component] = []
    gisdesk = python_component("gisdesk")
    if gisdesk is not None:
        gisdesk.note = "this program"
        components.append(gisdesk)
    components.append(_python_itself())
    pyinstaller = python_component("pyinstaller")
    if pyinstaller is not None:
        pyinstaller.note = "its bootloader starts the program (GPL-2.0, bootloader exception)"
        components.append(pyinstaller)
    for name in sorted(origins.dists - {"gisdesk", "pyinstaller"}, key=str.lower):
        comp = python_component(name)
        if comp is None:
            continue
        libs = origins.vendored.get(comp.name.lower().replace("-", "_"), [])
        if libs:
            comp.note = "native libraries inside its wheel: " + ", ".join(sorted(libs))
        components.append(comp)
    components += _gdal_in_wheels()
    leaflet = ROOT / "gisdesk" / "export" / "assets" / "leaflet" / "LICENSE"
    if leaflet.is_file():
        components.append(
            Component(
                name="Leaflet",
                version="1.9.4",
                licence="BSD-2-Clause",
                url="https://leafletjs.com",
                note="inlined into the offline web maps",
                texts=[("LICENSE", _read(leaflet))],
            )
        )
    font = Path(str(manifest.get("font", "")))
    if font.is_file():
        components.append(_font(font))
    components += [debian_component(p, origins.system[p]) for p in sorted(origins.system)]
    if origins.unowned:
        components.append(
            Component(
                name="Other system libraries",
                note="no package found for: " + ", ".join(sorted(origins.unowned)),
            )
        )
    return components


def render(components: list[Component]) -> str:
    """Return the notices file: an index, then every component with its licence texts."""
    lines = [
        "gisdesk desktop bundle: third-party components and their licences",
        "gisdesk 桌面安装包：第三方组件及其许可",
        "",
        "Collected from the installed packages' metadata when the bundle was built",
        "(installer/collect_licenses.py).",
        "",
        "Index:",
    ]
    for comp in components:
        version = f" {comp.version}" if comp.version else ""
        licence = f": {comp.licence}" if comp.licence else ""
        lines.append(f"  - {comp.name}{version}{licence}")
    for comp in components:
        lines += ["", RULE, f"{comp.name} {comp.version}".rstrip()]
        if comp.licence:
            lines.append(f"Licence: {comp.licence}")
        if comp.url:
            lines.append(f"Home: {comp.url}")
        if comp.note:
            lines.append(f"Note: {comp.note}")
        for title, text in comp.texts:
            lines += ["", f"--- {title} ---", text]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write ``<bundle>/THIRD_PARTY_NOTICES.txt``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path, help="the bundle folder (dist/gisdesk)")
    parser.add_argument("--manifest", type=Path, required=True, help="bundle-manifest.json")
    args = parser.parse_args(argv)
    manifest = json.loads(args.manifest.read_text(encoding="utf-8"))
    components = collect(manifest)
    out = args.bundle / "THIRD_PARTY_NOTICES.txt"
    out.write_text(render(components), encoding="utf-8")
    with_text = sum(1 for c in components if c.texts)
    print(
        f"collect_licenses: {out}: {len(components)} components, {with_text} with licence texts, "
        f"{out.stat().st_size / 1024:.0f} KiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
