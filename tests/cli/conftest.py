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
