"""Data folders are found from a checkout, an override and a frozen-bundle layout."""

from __future__ import annotations

import shutil
import subprocess
import sys

from gisdesk import resources


def test_checkout_layout(repo_root):
    assert resources.layers_dir() == repo_root / "layers"
    assert resources.sample_project_path() == repo_root / "sample_data" / "haimen.gpkg"


def _root_in_subprocess(env_extra: dict[str, str], code: str) -> str:
    import os

    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **env_extra},
        check=True,
    )
    return out.stdout.strip()


def test_override_and_frozen_layout(tmp_path, repo_root):
    for sub in ("layers", "styles"):
        shutil.copytree(repo_root / sub, tmp_path / "gisdesk_data" / sub)
    got = _root_in_subprocess(
        {"GISDESK_DATA": str(tmp_path / "gisdesk_data")},
        "from gisdesk import resources; print(resources.data_root())",
    )
    assert got == str(tmp_path / "gisdesk_data")
    frozen = (
        f"import sys; sys._MEIPASS = {str(tmp_path)!r}; "
        "from gisdesk import resources; print(resources.data_root())"
    )
    assert _root_in_subprocess({}, frozen) == str(tmp_path / "gisdesk_data")
