"""Where gisdesk's data folders live: the only module that knows.

Three layouts are supported and tried in this order:

1. a frozen bundle (PyInstaller sets ``sys.frozen`` and ``sys._MEIPASS``, the folder of the
   bundle's files): ``<bundle>/gisdesk_data/``; a frozen program without ``_MEIPASS``
   (another freezer) looks beside its executable;
2. an installed wheel: ``gisdesk/_data/`` inside the package (hatch force-include);
3. a source checkout: the repository root beside the ``gisdesk`` package.

The environment variable ``GISDESK_DATA`` overrides all three.

Each layout holds ``layers/``, ``styles/``, ``sample_data/`` and ``targets/``; a frozen bundle
also holds ``fonts/`` (the CJK font it registers with Qt, since an office desktop may have
none). Assets that live inside the package (the offline Leaflet files of the web map) are
found relative to the package, which all three layouts carry whole.

This module imports nothing but the standard library, so a frozen program can call
:func:`configure_frozen_environment` before PROJ or GDAL are loaded.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from functools import cache
from pathlib import Path

__all__ = [
    "BUNDLE_DATA_DIR",
    "FONT_SUFFIXES",
    "GEO_ENV_VARIABLES",
    "bundle_dir",
    "bundled_font_files",
    "configure_frozen_environment",
    "data_layout",
    "data_root",
    "fonts_dir",
    "is_frozen",
    "layers_dir",
    "leaflet_dir",
    "package_dir",
    "sample_data_dir",
    "sample_project_path",
    "styles_dir",
    "targets_dir",
]

_PACKAGE_DIR = Path(__file__).resolve().parent

#: Folder of a frozen bundle (below ``sys._MEIPASS``) that holds the data folders.
BUNDLE_DATA_DIR = "gisdesk_data"
#: Font files a bundle's ``fonts/`` folder may hold.
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
#: Environment variables through which another GDAL/PROJ installation (QGIS, OSGeo4W, a
#: system package) would point the bundle's own libraries at files of another version.
GEO_ENV_VARIABLES = ("PROJ_DATA", "PROJ_LIB", "GDAL_DATA", "GDAL_DRIVER_PATH")


def is_frozen() -> bool:
    """Return whether gisdesk runs from a frozen bundle (PyInstaller or similar)."""
    return bool(getattr(sys, "frozen", False))


def bundle_dir() -> Path | None:
    """Return the folder of a frozen bundle's files, or None outside a bundle.

    PyInstaller names it in ``sys._MEIPASS`` (``<app>/_internal`` for a one-folder bundle);
    other freezers put their files beside the executable.
    """
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass:
        return Path(meipass)
    if is_frozen():
        return Path(sys.executable).resolve().parent
    return None


def package_dir() -> Path:
    """Return the folder of the ``gisdesk`` package itself."""
    return _PACKAGE_DIR


def _candidates() -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    override = os.environ.get("GISDESK_DATA")
    if override:
        found.append(("override", Path(override)))
    bundle = bundle_dir()
    if bundle is not None:
        found.append(("frozen", bundle / BUNDLE_DATA_DIR))
    found.append(("wheel", _PACKAGE_DIR / "_data"))
    found.append(("checkout", _PACKAGE_DIR.parent))
    return found


@cache
def _locate() -> tuple[str, Path]:
    tried = _candidates()
    for layout, root in tried:
        if (root / "layers").is_dir() and (root / "styles").is_dir():
            return layout, root
    listed = ", ".join(str(p) for _, p in tried)
    raise FileNotFoundError(
        f"gisdesk 的数据目录（layers/、styles/）未找到，已查找：{listed} / "
        f"gisdesk data folders (layers/, styles/) not found; looked in: {listed}"
    )


def data_root() -> Path:
    """Return the folder holding ``layers/``, ``styles/``, ``sample_data/`` and ``targets/``."""
    return _locate()[1]


def data_layout() -> str:
    """Return which layout :func:`data_root` found: override, frozen, wheel or checkout."""
    return _locate()[0]


def layers_dir() -> Path:
    """Return the folder of layer schema files."""
    return data_root() / "layers"


def styles_dir() -> Path:
    """Return the folder of default style files."""
    return data_root() / "styles"


def targets_dir() -> Path:
    """Return the folder of plan target files."""
    return data_root() / "targets"


def sample_data_dir() -> Path:
    """Return the folder of the Haimen sample project."""
    return data_root() / "sample_data"


def sample_project_path() -> Path:
    """Return the path of the Haimen sample project GeoPackage."""
    return sample_data_dir() / "haimen.gpkg"


def fonts_dir() -> Path:
    """Return the folder of fonts shipped with gisdesk (present in a frozen bundle)."""
    return data_root() / "fonts"


def bundled_font_files() -> list[Path]:
    """Return the font files shipped with gisdesk, sorted; empty where none are shipped.

    A checkout or a wheel ships none and uses the fonts the system has.
    """
    folder = fonts_dir()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in FONT_SUFFIXES)


def leaflet_dir() -> Path:
    """Return the folder of the Leaflet files the offline web map inlines."""
    return _PACKAGE_DIR / "export" / "assets" / "leaflet"


def configure_frozen_environment(
    environ: MutableMapping[str, str] | None = None,
) -> dict[str, str]:
    """Keep another GDAL/PROJ installation's settings away from a frozen bundle's libraries.

    The bundle carries pyproj, pyogrio and rasterio with their own PROJ and GDAL builds, each
    with its own ``proj.db`` and GDAL data beside the package, which each finds by itself.
    ``PROJ_DATA``, ``PROJ_LIB``, ``GDAL_DATA`` or ``GDAL_DRIVER_PATH`` set by QGIS, OSGeo4W
    or a system package would point them at files of another version (a ``proj.db`` of an
    older layout, GDAL plugins built for another GDAL), so any of them that points outside
    the bundle is removed. Call it before pyproj, pyogrio or rasterio is imported; outside a
    frozen bundle it changes nothing.

    Parameters
    ----------
    environ
        The environment to change; ``os.environ`` by default.

    Returns
    -------
    dict[str, str]
        The variables removed, with the values they had.
    """
    env = os.environ if environ is None else environ
    bundle = bundle_dir()
    removed: dict[str, str] = {}
    if bundle is None:
        return removed
    inside = bundle.resolve()
    for name in GEO_ENV_VARIABLES:
        value = env.get(name)
        if value is None:
            continue
        parts = [p for p in value.split(os.pathsep) if p]
        if parts and all(_is_within(Path(p), inside) for p in parts):
            continue
        removed[name] = env.pop(name)
    return removed


def _is_within(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder)
    except OSError:
        return False
