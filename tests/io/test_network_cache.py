"""Road networks kept on disk between runs: the same network back, rebuilt when anything
it depends on changes, and never trusted when the file is damaged."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import shapely

from gisdesk.analysis import network as network_module
from gisdesk.analysis.network import build_network, clear_network_cache, use_network_store
from gisdesk.io.network_cache import NetworkFileCache, cache_dir
from tests.analysis.networks import grid_roads

FIELDS = (
    "node_xy",
    "edge_u",
    "edge_v",
    "edge_length",
    "edge_road",
    "edge_speed_kmh",
    "edge_oneway",
    "edge_level",
    "component",
)


@pytest.fixture
def store(tmp_path):
    cache = NetworkFileCache(tmp_path / "networks", keep=3)
    use_network_store(cache)
    clear_network_cache()
    yield cache
    use_network_store(None)
    clear_network_cache()


def _roads():
    roads = grid_roads(6, 5, spacing=200, seed=3, jitter=4.0, oneway_share=0.2)
    roads["class"] = np.where(np.arange(len(roads)) % 3 == 0, "县道", None)
    roads.loc[roads.index[:4], "speed_kmh"] = 30.0
    return roads


def _same(a, b):
    for name in FIELDS:
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    assert list(a.edge_class) == list(b.edge_class)
    assert a.crs == b.crs and a.key == b.key
    assert shapely.equals_exact(a.edge_geometry, b.edge_geometry, tolerance=0).all()


def test_a_second_run_loads_the_network_it_built(store, monkeypatch):
    roads = _roads()
    built = build_network(roads)
    assert len(list(store.folder.glob("*.npz"))) == 1
    clear_network_cache()  # a new process: nothing in memory

    def no_build(*args, **kwargs):
        raise AssertionError("built again")

    monkeypatch.setattr(network_module, "_build", no_build)
    loaded = build_network(roads)
    assert loaded is not built
    _same(loaded, built)
    for mode in ("walk", "car"):
        assert (loaded.graph(mode) != built.graph(mode)).nnz == 0


def test_a_loaded_network_makes_only_the_lines_asked_for(store):
    roads = _roads()
    built = build_network(roads)
    clear_network_cache()
    loaded = build_network(roads)
    assert loaded.edge_lines is None  # not made on loading
    edges = np.array([5, 0, 5, loaded.n_edges - 1, 17])
    some = loaded.lines(edges)
    assert shapely.equals_exact(some, built.edge_geometry[edges], tolerance=0).all()
    assert loaded.edge_lines is None  # a few lines: the others are still not made
    assert len(loaded.lines(np.array([], dtype=np.int64))) == 0
    # A service area's snapping reads the few lines it needs, not all of them.
    from gisdesk.analysis.routing import snap_points

    snapped = snap_points(loaded, loaded.node_xy[:3] + 7.0, max_snap_m=50.0)
    assert (snapped.edge >= 0).all() and loaded.edge_lines is None
    assert shapely.equals_exact(loaded.edge_geometry, built.edge_geometry, tolerance=0).all()


def test_stored_vertices_that_do_not_fit_the_edges_count_as_no_network(store):
    roads = _roads()
    build_network(roads)
    (path,) = store.folder.glob("*.npz")
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["vertex_ptr"] = arrays["vertex_ptr"][:-1]  # one edge short
    np.savez(path, **arrays)
    clear_network_cache()
    rebuilt = build_network(roads)  # built again, not read from the bad file
    assert rebuilt.edge_lines is not None


def test_changed_roads_or_options_build_a_new_network(store):
    roads = _roads()
    build_network(roads)
    moved = roads.copy()
    moved.loc[moved.index[0], "geometry"] = shapely.affinity.translate(moved.geometry.iloc[0], 1.0)
    renamed = roads.copy()
    renamed.loc[renamed.index[1], "class"] = "国道"
    build_network(moved)
    build_network(renamed)
    assert len(list(store.folder.glob("*.npz"))) == 3
    build_network(roads, node_tolerance_m=0.01)
    assert len(list(store.folder.glob("*.npz"))) == 3  # the oldest went (keep=3)


def test_a_damaged_file_is_ignored_and_removed(store):
    roads = _roads()
    first = build_network(roads)
    (path,) = store.folder.glob("*.npz")
    path.write_bytes(b"PK\x03\x04 not a real archive")
    clear_network_cache()
    again = build_network(roads)
    _same(again, first)
    assert path.is_file()  # written anew after the rebuild
    assert np.load(path, allow_pickle=False)["edge_u"].shape == first.edge_u.shape


def test_an_unwritable_folder_never_stops_the_analysis(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    use_network_store(NetworkFileCache(blocker / "networks"))
    clear_network_cache()
    try:
        assert build_network(_roads()).n_edges > 0
    finally:
        use_network_store(None)
        clear_network_cache()


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GISDESK_CACHE_DIR", str(tmp_path))
    assert cache_dir() == tmp_path / "networks"
    monkeypatch.delenv("GISDESK_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if cache_dir().parts[-3:] == ("xdg", "gisdesk", "networks"):
        assert cache_dir() == tmp_path / "xdg" / "gisdesk" / "networks"


def test_keys_cannot_name_files_outside_the_folder(tmp_path):
    cache = NetworkFileCache(tmp_path)
    with pytest.raises(ValueError):
        cache.load("../escape")


def test_the_code_hash_is_the_same_in_every_process():
    """Networks stored by one run are found by the next: the key's code part must not depend
    on the process (hash seed, modules loaded, functions already run)."""
    script = (
        "import sys\n"
        "if sys.argv[1] == 'busy':\n"
        "    import gisdesk.tasks.service_areas, gisdesk.cli.main\n"
        "    from gisdesk.analysis.network import build_network\n"
        "    from tests.analysis.networks import grid_roads\n"
        "    build_network(grid_roads(3, 3), cache=False)\n"
        "from gisdesk.analysis.network import _code_hash\n"
        "print(_code_hash())\n"
    )
    seen = set()
    for seed, state in (("1", "bare"), ("2", "busy"), ("3", "bare")):
        out = subprocess.run(
            [sys.executable, "-c", script, state],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        seen.add(out.stdout.strip())
    assert len(seen) == 1 and len(next(iter(seen))) == 12


def test_a_noted_token_finds_its_network_only_where_build_network_would_give_it(store):
    import geopandas as gpd

    from gisdesk.analysis.network import kept_network, remember_network

    roads = _roads()
    built = build_network(roads)
    near = gpd.GeoDataFrame(geometry=[shapely.Point(roads.total_bounds[:2])], crs=roads.crs)
    assert kept_network("t1", {"facilities": near}) is None  # nothing noted yet
    remember_network("t1", roads, built)
    clear_network_cache()
    found = kept_network("t1", {"facilities": near})
    assert found is not None and found.key == built.key
    _same(found, built)
    assert kept_network("t2", {"facilities": near}) is None  # another token
    # Facilities far away choose another metric CRS (a UTM zone): not this network.
    far = gpd.GeoDataFrame(geometry=[shapely.Point(10.0, 50.0)], crs=4490)
    assert kept_network("t1", {"facilities": far}) is None
    assert kept_network("t1", {"facilities": near}, node_tolerance_m=0.01) is None
    # The network itself gone from the store: nothing, and the roads are read.
    clear_network_cache()
    for path in store.folder.glob("*.npz"):
        if not path.name.startswith("roads-"):
            path.unlink()
    assert kept_network("t1", {"facilities": near}) is None


def test_records_never_push_networks_out(store):
    from gisdesk.analysis.network import remember_network

    roads = _roads()
    built = build_network(roads)
    for i in range(20):
        remember_network(f"t{i}", roads, built)
    names = [p.name for p in store.folder.glob("*.npz")]
    assert sum(not n.startswith("roads-") for n in names) == 1  # the network is still there
    assert sum(n.startswith("roads-") for n in names) == 20
