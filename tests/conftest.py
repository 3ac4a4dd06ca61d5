"""Shared test setup: Qt runs offscreen; the sample project path and schemas as fixtures."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tracebacks of errors the tests provoke go to a log of the run, not the user's log folder
# (gisdesk.io.logs); commands the tests start inherit it.
os.environ.setdefault("GISDESK_LOG_DIR", tempfile.mkdtemp(prefix="gisdesk-test-logs-"))
# Networks the command line keeps between runs (gisdesk.io.network_cache) go to the run's own
# folder, not the user's cache.
os.environ.setdefault("GISDESK_CACHE_DIR", tempfile.mkdtemp(prefix="gisdesk-test-cache-"))


def _hypothesis_profiles() -> None:
    """Property tests never time examples (no wall clock in tests); CI runs them derandomised.

    A developer's run explores new examples each time; CI (``CI=true``) draws the same
    examples on every machine, so a red run is reproducible and not a roll of the dice.
    """
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "gisdesk", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
    )
    settings.register_profile("ci", parent=settings.get_profile("gisdesk"), derandomize=True)
    settings.load_profile("ci" if os.environ.get("CI") else "gisdesk")


_hypothesis_profiles()

ROOT = Path(__file__).resolve().parents[1]

# The layer types the foundation issue asks for: the sample and the schemas must have them all.
ALL_KINDS = (
    "towns",
    "villages",
    "roads",
    "accidents",
    "accident_segments",
    "monitoring_stations",
    "service_points",
    "sewage_districts",
    "rivers",
    "rental_factories",
    "factory_footprints",
    "enterprises",
    "cameras",
    "persuasion_stations",
    "district",
)


@pytest.fixture(scope="session", autouse=True)
def _qt_application():
    """One QApplication for the whole run, made first.

    Exporters create a bare QGuiApplication when none exists; had one of them run first,
    the window tests could not create widgets (Qt aborts the process).
    """
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["gisdesk-tests"])
    yield app


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def sample_path() -> Path:
    from gisdesk import resources

    path = resources.sample_project_path()
    assert path.exists(), "sample_data/haimen.gpkg is missing: run `gisdesk sample build`"
    return path


@pytest.fixture(scope="session")
def sample_project(sample_path: Path):
    from gisdesk.io.project_store import open_project

    return open_project(sample_path)


SMALL_LAYERS = ("towns", "rental_factories", "villages")
"""The layers of ``small_project``: enough to edit, import and record targets, quick to save."""


@pytest.fixture(scope="session")
def small_sample(
    tmp_path_factory: pytest.TempPathFactory, sample_path: Path
) -> Callable[..., Path]:
    """Return ``save(layers=SMALL_LAYERS) -> path``: the sample project with only those layers.

    Each set of layers is saved once per run and shared: copy the file before changing it
    (``project_file`` does).
    """
    saved: dict[tuple[str, ...], Path] = {}

    def save(layers: Sequence[str] = SMALL_LAYERS) -> Path:
        from gisdesk.io.project_store import open_project, save_project

        key = tuple(sorted(layers))
        if key not in saved:
            project = open_project(sample_path)
            for layer in project.layers:
                if layer.name not in key:
                    project.remove_layer(layer.name)
            path = tmp_path_factory.mktemp("small") / "small.gpkg"
            save_project(project, path)
            saved[key] = path
        return saved[key]

    return save


@pytest.fixture
def small_project(small_sample: Callable[..., Path]) -> Path:
    """The sample with towns, rental factories and villages only (shared: copy it to change it).

    A test module needing other layers overrides this fixture with ``small_sample(layers)``.
    """
    return small_sample()


@pytest.fixture
def project_file(small_project: Path, tmp_path: Path) -> Path:
    """The test's own copy of ``small_project``, to open, edit and save."""
    path = tmp_path / "p.gpkg"
    shutil.copy(small_project, path)
    return path


@pytest.fixture(scope="session")
def schemas():
    from gisdesk.io.schemas import load_schemas

    return load_schemas()
