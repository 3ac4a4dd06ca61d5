"""A second service area on an unchanged road layer uses the network kept from the first
without reading the roads, and gives the same result; any write to the file reads them
again (and builds the changed network)."""

from __future__ import annotations

import json
import shutil

import pyogrio
import pytest

from gisdesk.cli.main import main
from gisdesk.io import project_store


@pytest.fixture
def project(sample_path, tmp_path, empty_network_cache):
    copy = tmp_path / "p.gpkg"
    shutil.copy(sample_path, copy)
    return copy


def _run(project, out, capsys) -> dict:
    code = main(["analyze", "service-areas", str(project), "--lines", "--out", str(out)])
    capsys.readouterr()
    assert code in (0, 3)
    summary = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    layers = {
        name: pyogrio.read_dataframe(out, layer=name) for name in ("areas", "lines", "demand")
    }
    return {"summary": summary, "layers": layers}


def _same(a: dict, b: dict) -> None:
    for key in ("district", "by_town", "uncovered", "network"):
        assert a["summary"][key] == b["summary"][key], key
    for name, frame in a["layers"].items():
        other = b["layers"][name]
        assert len(frame) == len(other)
        assert frame.drop(columns="geometry").equals(other.drop(columns="geometry")), name
        assert frame.geometry.geom_equals_exact(other.geometry, 0).all(), name


def test_the_second_run_does_not_read_the_roads_and_gives_the_same_result(
    project, tmp_path, read_layers, capsys
):
    from gisdesk.analysis.network import clear_network_cache

    first = _run(project, tmp_path / "a.gpkg", capsys)
    assert "roads" in read_layers
    read_layers.clear()
    clear_network_cache()  # a new process: only what is on disk
    second = _run(project, tmp_path / "b.gpkg", capsys)
    assert "roads" not in read_layers and "villages" in read_layers
    _same(first, second)


def test_a_write_to_the_roads_reads_them_again_and_builds_the_changed_network(
    project, tmp_path, read_layers, capsys
):
    from gisdesk.analysis.network import clear_network_cache

    before = _run(project, tmp_path / "a.gpkg", capsys)
    opened = project_store.open_project(project)  # saved by gisdesk, as a user would
    roads = opened.layer("roads")
    data = roads.data.copy()
    changed = data["class"] == "县道"  # closed to e-bikes from now on
    assert changed.any()
    data.loc[changed, "class"] = "高速公路"
    roads.set_data(data, fids=roads.fids)
    project_store.save_project(opened)
    read_layers.clear()
    clear_network_cache()
    after = _run(project, tmp_path / "b.gpkg", capsys)
    assert "roads" in read_layers
    # the same as a run with nothing kept at all
    shutil.rmtree(tmp_path / "network-cache")
    clear_network_cache()
    fresh = _run(project, tmp_path / "c.gpkg", capsys)
    _same(after, fresh)
    assert before["summary"]["district"] != after["summary"]["district"]
