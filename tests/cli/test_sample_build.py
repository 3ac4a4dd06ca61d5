"""Rebuilding the sample is deterministic and reproduces the committed file."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
import shapely

from gisdesk.cli.main import main
from gisdesk.io.project_store import open_project


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample")
    paths = [folder / "a.gpkg", folder / "b.gpkg"]
    for path in paths:
        assert main(["sample", "build", "--out", str(path)]) == 0
    return paths


def test_rebuild_gives_the_same_bytes(rebuilt):
    a, b = (hashlib.sha256(p.read_bytes()).hexdigest() for p in rebuilt)
    assert a == b


def test_rebuild_matches_the_committed_sample(rebuilt, sample_project):
    fresh = open_project(rebuilt[0])
    assert [lay.name for lay in fresh] == [lay.name for lay in sample_project]
    for layer in fresh:
        old = sample_project.layer(layer.name).data
        new = layer.data
        assert len(new) == len(old), layer.name
        attrs = [c for c in new.columns if c != new.geometry.name]
        pd.testing.assert_frame_equal(
            pd.DataFrame(new[attrs]), pd.DataFrame(old[attrs]), check_dtype=False
        )
        same = shapely.equals_exact(new.geometry.values, old.geometry.values, 1e-7)
        assert np.all(same), layer.name


def test_generated_layers_are_labelled_schematic(sample_project):
    flags = {lay.name: lay.metadata.schematic for lay in sample_project}
    assert flags.pop("district") is False  # the real outline
    assert all(flags.values())
    assert "GCJ-02" in " ".join(sample_project.layer("district").metadata.conversions) or (
        "GCJ-02" in sample_project.layer("district").metadata.source_en
    )
