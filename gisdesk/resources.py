"""Where gisdesk's data folders live: the only module that knows.

Three layouts are supported and tried in this order:

1. a frozen bundle (PyInstaller sets ``sys._MEIPASS``): ``<bundle>/gisdesk_data/``;
2. an installed wheel: ``gisdesk/_data/`` inside the package (hatch force-include);
3. a source checkout: the repository root beside the ``gisdesk`` package.

The environment variable ``GISDESK_DATA`` overrides all three.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

__all__ = [
    "data_root",
    "layers_dir",
    "sample_data_dir",
    "sample_project_path",
    "styles_dir",
]

_PACKAGE_DIR = Path(__file__).resolve().parent


def _candidates() -> list[Path]:
    found: list[Path] = []
    override = os.environ.get("GISDESK_DATA")
    if override:
        found.append(Path(override))
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        found.append(Path(bundle) / "gisdesk_data")
    found.append(_PACKAGE_DIR / "_data")
    found.append(_PACKAGE_DIR.parent)
    return found


@cache
def data_root() -> Path:
    """Return the folder holding ``layers/``, ``styles/`` and ``sample_data/``."""
    tried = _candidates()
    for root in tried:
        if (root / "layers").is_dir() and (root / "styles").is_dir():
            return root
    listed = ", ".join(str(p) for p in tried)
    raise FileNotFoundError(
        f"gisdesk 的数据目录（layers/、styles/）未找到，已查找：{listed} / "
        f"gisdesk data folders (layers/, styles/) not found; looked in: {listed}"
    )


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
