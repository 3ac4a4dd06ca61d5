"""Data folders are found from a checkout, an installed wheel and a frozen bundle.

The frozen layout is simulated here (``sys.frozen`` / ``sys._MEIPASS`` on a temporary
folder); the real PyInstaller bundle is built and run by ``installer/smoke_test.sh``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from gisdesk import resources

DATA_DIRS = ("layers", "styles", "sample_data", "targets")
NOTO = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@pytest.fixture
def fresh_lookup(monkeypatch):
    """Forget the cached data root before and after a test; no GISDESK_DATA from outside."""
    monkeypatch.delenv("GISDESK_DATA", raising=False)
    resources._locate.cache_clear()
    yield
    resources._locate.cache_clear()


def _fake_data(root: Path, repo_root: Path, dirs=DATA_DIRS) -> Path:
    for sub in dirs:
        if sub == "sample_data":  # the GeoPackage is not needed to resolve paths
            (root / sub).mkdir(parents=True)
        else:
            shutil.copytree(repo_root / sub, root / sub)
    return root


def _freeze(monkeypatch, *, meipass: Path | None, executable: Path | None = None) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    if meipass is None:
        monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    else:
        monkeypatch.setattr(sys, "_MEIPASS", str(meipass), raising=False)
    if executable is not None:
        monkeypatch.setattr(sys, "executable", str(executable))


# --- source checkout ---------------------------------------------------------------------


def test_checkout_layout(repo_root, fresh_lookup):
    assert not resources.is_frozen()
    assert resources.bundle_dir() is None
    assert resources.data_layout() == "checkout"
    assert resources.data_root() == repo_root
    assert resources.layers_dir() == repo_root / "layers"
    assert resources.styles_dir() == repo_root / "styles"
    assert resources.targets_dir() == repo_root / "targets"
    assert resources.sample_project_path() == repo_root / "sample_data" / "haimen.gpkg"
    assert resources.sample_project_path().is_file()
    assert (resources.targets_dir() / "haimen_2022.toml").is_file()
    assert resources.bundled_font_files() == []  # a checkout uses the system's fonts


def test_leaflet_assets_found_through_resources():
    from gisdesk.export.webmap import ASSETS

    assert resources.leaflet_dir() == ASSETS
    assert (resources.leaflet_dir() / "leaflet.js").is_file()
    assert resources.leaflet_dir().is_relative_to(resources.package_dir())


def test_override(tmp_path, repo_root, fresh_lookup, monkeypatch):
    root = _fake_data(tmp_path / "elsewhere", repo_root)
    monkeypatch.setenv("GISDESK_DATA", str(root))
    assert resources.data_root() == root
    assert resources.data_layout() == "override"


def test_missing_data_names_every_place_tried(tmp_path, fresh_lookup, monkeypatch):
    monkeypatch.setattr(resources, "_PACKAGE_DIR", tmp_path / "pkg" / "gisdesk")
    with pytest.raises(FileNotFoundError, match="layers/, styles/") as err:
        resources.data_root()
    assert str(tmp_path / "pkg") in str(err.value)


def test_no_other_module_builds_paths_from_its_own_file(repo_root):
    """Only gisdesk.resources knows where files are relative to the code."""
    own_file = re.compile(r"(?<![\w.])__file__")
    offenders = [
        str(path.relative_to(repo_root))
        for path in (repo_root / "gisdesk").rglob("*.py")
        if path.name != "resources.py" and own_file.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "find data and assets through gisdesk.resources, not __file__"


# --- frozen bundle (simulated) -------------------------------------------------------------


def test_frozen_layout_uses_meipass(tmp_path, repo_root, fresh_lookup, monkeypatch):
    bundle = tmp_path / "gisdesk" / "_internal"
    _fake_data(bundle / resources.BUNDLE_DATA_DIR, repo_root)
    _freeze(monkeypatch, meipass=bundle)
    assert resources.is_frozen()
    assert resources.bundle_dir() == bundle
    assert resources.data_layout() == "frozen"
    assert resources.data_root() == bundle / "gisdesk_data"
    assert resources.layers_dir() == bundle / "gisdesk_data" / "layers"
    assert resources.targets_dir() == bundle / "gisdesk_data" / "targets"
    assert resources.sample_project_path() == bundle / "gisdesk_data/sample_data/haimen.gpkg"


def test_frozen_without_meipass_looks_beside_the_executable(
    tmp_path, repo_root, fresh_lookup, monkeypatch
):
    app = tmp_path / "app"
    _fake_data(app / resources.BUNDLE_DATA_DIR, repo_root)
    (app / "gisdesk").write_bytes(b"")
    _freeze(monkeypatch, meipass=None, executable=app / "gisdesk")
    assert resources.bundle_dir() == app.resolve()
    assert resources.data_root() == app.resolve() / "gisdesk_data"


def test_incomplete_bundle_is_skipped(tmp_path, repo_root, fresh_lookup, monkeypatch):
    bundle = tmp_path / "_internal"
    _fake_data(bundle / resources.BUNDLE_DATA_DIR, repo_root, dirs=("layers",))
    _freeze(monkeypatch, meipass=bundle)
    assert resources.data_layout() == "checkout"


def test_bundled_fonts_listed(tmp_path, repo_root, fresh_lookup, monkeypatch):
    bundle = tmp_path / "_internal"
    data = _fake_data(bundle / resources.BUNDLE_DATA_DIR, repo_root)
    (data / "fonts").mkdir()
    for name in ("NotoSansCJK-Regular.ttc", "Extra.OTF", "README.txt"):
        (data / "fonts" / name).write_bytes(b"")
    _freeze(monkeypatch, meipass=bundle)
    assert [p.name for p in resources.bundled_font_files()] == [
        "Extra.OTF",
        "NotoSansCJK-Regular.ttc",
    ]


@pytest.mark.skipif(not NOTO.is_file(), reason="fonts-noto-cjk is not installed")
def test_bundled_font_is_registered_with_qt(tmp_path, repo_root, fresh_lookup, monkeypatch):
    from gisdesk.render import fonts

    bundle = tmp_path / "_internal"
    data = _fake_data(bundle / resources.BUNDLE_DATA_DIR, repo_root)
    (data / "fonts").mkdir()
    (data / "fonts" / NOTO.name).symlink_to(NOTO)
    _freeze(monkeypatch, meipass=bundle)
    families = fonts._register_bundled_fonts.__wrapped__()
    assert "Noto Sans CJK SC" in families


def test_frozen_environment_drops_foreign_geo_settings(tmp_path, monkeypatch):
    bundle = tmp_path / "_internal"
    (bundle / "rasterio" / "proj_data").mkdir(parents=True)
    env = {
        "PROJ_LIB": "/opt/QGIS/share/proj",
        "PROJ_DATA": str(bundle / "rasterio" / "proj_data"),
        "GDAL_DATA": f"{bundle}{os.pathsep}/usr/share/gdal",
        "GDAL_DRIVER_PATH": "/opt/QGIS/lib/gdalplugins",
        "PATH": "/usr/bin",
    }
    # Outside a bundle nothing changes.
    monkeypatch.delattr(sys, "frozen", raising=False)
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    assert resources.configure_frozen_environment(env) == {}
    assert len(env) == 5
    _freeze(monkeypatch, meipass=bundle)
    removed = resources.configure_frozen_environment(env)
    assert set(removed) == {"PROJ_LIB", "GDAL_DATA", "GDAL_DRIVER_PATH"}
    assert env == {"PROJ_DATA": str(bundle / "rasterio" / "proj_data"), "PATH": "/usr/bin"}


# --- installed wheel and sdist -------------------------------------------------------------


def _hatch(kind: str, source: Path, out: Path) -> Path:
    """Build an sdist or wheel of ``source`` with hatchling, offline, and return its path."""
    code = f"import hatchling.build as hb; print(hb.build_{kind}({str(out)!r}))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=source, capture_output=True, text=True, check=True
    )
    return out / done.stdout.strip().splitlines()[-1]


@pytest.mark.slow
def test_sdist_and_wheel_carry_the_data_and_run_installed(tmp_path, repo_root):
    pytest.importorskip("hatchling")
    sdist = _hatch("sdist", repo_root, tmp_path)
    with tarfile.open(sdist) as tar:
        names = set(tar.getnames())
        top = sdist.name.removesuffix(".tar.gz")
        for needed in (
            "layers/roads.toml",
            "styles/roads.toml",
            "sample_data/haimen.gpkg",
            "targets/haimen_2022.toml",
            "installer/gisdesk.spec",
        ):
            assert f"{top}/{needed}" in names, needed
        tar.extractall(tmp_path / "src", filter="data")
    # The wheel is built from the unpacked sdist, as pip does from an index.
    wheel = _hatch("wheel", tmp_path / "src" / top, tmp_path)
    with zipfile.ZipFile(wheel) as zf:
        members = set(zf.namelist())
    for needed in (
        "gisdesk/_data/layers/roads.toml",
        "gisdesk/_data/styles/roads.toml",
        "gisdesk/_data/sample_data/haimen.gpkg",
        "gisdesk/_data/targets/haimen_2022.toml",
        "gisdesk/export/assets/leaflet/leaflet.js",
        "gisdesk/py.typed",
    ):
        assert needed in members, needed

    # A fresh venv with only the wheel in it; its dependencies come from this test run's
    # environment through a .pth line (the .pth files there, such as the editable checkout's,
    # are not read), so nothing is downloaded.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps",
         "--no-index", str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    site = Path(
        subprocess.run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "zz_gisdesk_test_deps.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"GISDESK_DATA", "PYTHONPATH"}}
    env["QT_QPA_PLATFORM"] = "offscreen"
    code = (
        "import gisdesk; from gisdesk import resources; print(gisdesk.__file__); "
        "print(resources.data_layout()); print(resources.sample_project_path())"
    )
    where = subprocess.run(
        [str(py), "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    package_file, layout, sample = where[0], where[1], Path(where[2])
    assert Path(package_file).is_relative_to(site)
    assert layout == "wheel"
    assert sample == site / "gisdesk" / "_data" / "sample_data" / "haimen.gpkg"
    info = subprocess.run(
        [str(venv / "bin" / "gisdesk"), "--lang", "en", "info", str(sample)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert info.returncode == 0, info.stderr
    for layer in ("towns", "villages", "roads", "service_points"):
        assert layer in info.stdout
