"""Fixtures the command-line tests share."""

from __future__ import annotations

import pytest

from gisdesk.io import project_open


@pytest.fixture
def read_layers(monkeypatch) -> list[str]:
    """The names of the project layers read from here on, in order (every read counts)."""
    names: list[str] = []
    real = project_open._read_layer

    def spy(path, name, schema):
        names.append(name)
        return real(path, name, schema)

    monkeypatch.setattr(project_open, "_read_layer", spy)
    return names


@pytest.fixture
def empty_network_cache(tmp_path, monkeypatch):
    """No road network kept on disk or in memory: a first run, whatever ran before."""
    from gisdesk.analysis.network import clear_network_cache

    monkeypatch.setenv("GISDESK_CACHE_DIR", str(tmp_path / "network-cache"))
    clear_network_cache()
    yield
    clear_network_cache()
