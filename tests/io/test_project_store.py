"""The GeoPackage project store: round trip, bad files, and saves that survive SIGKILL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gisdesk.core.errors import InputError, ProjectError
from gisdesk.core.layer import Layer, LayerMetadata
from gisdesk.core.project import Project
from gisdesk.io.project_lock import ProjectLock, held_here
from gisdesk.io.project_store import open_project, save_project, update_settings
from gisdesk.io.styles import load_style


def _villages(n: int, *, seed: int = 0, crs: int = 4490) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    gdf = gpd.GeoDataFrame(
        {
            "code": [f"V{i:06d}" for i in range(n)],
            "name": [f"村{i}" for i in range(n)],
            "town": ["海门街道"] * n,
            "kind": ["村"] * n,
            "households": rng.integers(100, 1500, n),
            "population": rng.integers(300, 4000, n),
            "sewage_treated_share": rng.uniform(0, 100, n),
            "sewage_normal_operation_share": rng.uniform(0, 100, n),
        },
        geometry=shapely.points(rng.uniform(121.05, 121.5, n), rng.uniform(31.8, 32.1, n)),
        crs=4490,
    )
    return gdf.to_crs(crs) if crs != 4490 else gdf


def _project(schemas, n: int = 50, title: str = "测试项目") -> Project:
    p = Project(title=title)
    p.settings = {"language": "zh", "note": "含“引号”和'单引号'"}
    p.add_layer(
        Layer(
            "villages",
            _villages(n),
            schema=schemas["villages"],
            style=load_style("villages"),
            group="基础地理",
            metadata=LayerMetadata(
                schematic=True,
                source_zh="生成",
                source_en="generated",
                conversions=["GCJ-02 -> CGCS2000"],
            ),
        )
    )
    return p


def test_round_trip_keeps_everything(tmp_path, schemas):
    p = _project(schemas)
    p.layer("villages").set_visible(False)
    p.layer("villages").set_opacity(0.4)
    path = save_project(p, tmp_path / "p.gpkg")
    q = open_project(path)
    assert q.title == "测试项目"
    assert q.settings == p.settings
    layer = q.layer("villages")
    assert layer.kind == "villages" and not layer.visible and layer.opacity == pytest.approx(0.4)
    assert layer.group == "基础地理"
    assert layer.metadata == p.layer("villages").metadata
    assert layer.style == p.layer("villages").style
    assert layer.data.crs.to_epsg() == 4490
    original = p.layer("villages").data
    assert list(layer.data["name"]) == list(original["name"])
    np.testing.assert_array_equal(
        layer.data["households"].to_numpy(dtype=int), original["households"].to_numpy()
    )
    assert shapely.equals_exact(layer.data.geometry.values, original.geometry.values, 1e-12).all()


def test_layers_are_stored_in_epsg4490_whatever_they_came_in(tmp_path, schemas):
    p = Project(title="x")
    metric = _villages(10, crs=4549)
    p.add_layer(Layer("villages", metric, schema=schemas["villages"]))
    q = open_project(save_project(p, tmp_path / "m.gpkg"))
    back = q.layer("villages").data
    assert back.crs.to_epsg() == 4490
    dist = shapely.distance(back.to_crs(4549).geometry.values, metric.geometry.values)
    assert dist.max() < 0.01


def test_layer_order_and_save_as(tmp_path, schemas):
    p = _project(schemas)
    towns = gpd.GeoDataFrame(
        {"code": ["1"], "name": ["海门街道"], "kind": ["街道"]},
        geometry=[shapely.box(121.1, 31.8, 121.2, 31.9)],
        crs=4490,
    )
    p.add_layer(Layer("towns", towns, schema=schemas["towns"]), index=0)
    first = save_project(p, tmp_path / "a.gpkg")
    second = save_project(p, tmp_path / "b.gpkg")
    assert p.path == second
    assert [lay.name for lay in open_project(first)] == ["towns", "villages"]
    q = open_project(second)
    assert q.layer("towns").data.geom_type.tolist() == ["MultiPolygon"]  # promoted per schema


def test_plain_geopackage_opens_with_layer_types_from_names(tmp_path):
    import pyogrio

    path = tmp_path / "plain.gpkg"
    pyogrio.write_dataframe(_villages(5), path, layer="villages")
    pyogrio.write_dataframe(_villages(3).rename(columns={"name": "名称"}), path, layer="其他点")
    q = open_project(path)
    assert {lay.name: lay.kind for lay in q} == {"villages": "villages", "其他点": None}
    assert q.layer("villages").style is not None  # default style from styles/


def test_hostile_layer_names_and_text_survive(tmp_path, schemas):
    p = Project(title="'); DROP TABLE gisdesk_layers; --")
    gdf = _villages(3)
    gdf.loc[0, "name"] = "Robert'); DROP TABLE villages;-- \u202e<b>"
    p.add_layer(Layer("村 庄 (2022) 副本", gdf, schema=None))
    q = open_project(save_project(p, tmp_path / "h.gpkg"))
    assert q.title == p.title
    assert q.layer("村 庄 (2022) 副本").data.loc[0, "name"] == gdf.loc[0, "name"]
    with pytest.raises(InputError, match="cannot be used"):
        Layer('roads"; drop table x; --', gdf)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty"),
        (b"PK\x03\x04 this is a zip", "not a GeoPackage"),
        (b"SQLite format 3\x00" + b"\x00" * 100, "damaged"),
    ],
)
def test_bad_files_get_clear_errors(tmp_path, content, fragment):
    path = tmp_path / "bad.gpkg"
    path.write_bytes(content)
    with pytest.raises(ProjectError, match=fragment):
        open_project(path)


def test_missing_file_and_plain_sqlite(tmp_path):
    with pytest.raises(ProjectError, match="does not exist"):
        open_project(tmp_path / "nope.gpkg")
    db = tmp_path / "x.sqlite"
    sqlite3.connect(db).execute("CREATE TABLE t (a)").connection.close()
    with pytest.raises(ProjectError, match="not a GeoPackage"):
        open_project(db)


def test_truncated_file_is_reported_not_crashed(tmp_path, schemas):
    path = save_project(_project(schemas, n=2000), tmp_path / "t.gpkg")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ProjectError):
        open_project(path)


def test_failed_save_leaves_previous_file_and_no_temporaries(tmp_path, schemas):
    p = _project(schemas)
    path = save_project(p, tmp_path / "s.gpkg")
    before = path.read_bytes()
    layer = p.layer("villages")
    layer.set_data(layer.data.set_crs(None, allow_override=True))  # unusable: no CRS
    with pytest.raises(InputError, match="no coordinate reference system"):
        save_project(p)
    assert path.read_bytes() == before
    assert [f.name for f in tmp_path.iterdir()] == ["s.gpkg"]


def test_save_into_missing_folder_is_refused(tmp_path, schemas):
    with pytest.raises(ProjectError, match="does not exist"):
        save_project(_project(schemas), tmp_path / "no" / "such" / "p.gpkg")


def test_writers_refuse_a_lock_they_do_not_hold_and_take_their_own(tmp_path, schemas):
    target = tmp_path / "p.gpkg"
    save_project(_project(schemas), target)  # no lock given: the save takes and frees its own
    assert held_here(target) is None
    other = ProjectLock(tmp_path / "other.gpkg")  # never acquired, and for another file
    with pytest.raises(ProjectError, match="saving without holding") as saving:
        save_project(_project(schemas), target, lock=other)
    assert "保存时未持有" in saving.value.zh
    with pytest.raises(ProjectError, match="writing without holding") as writing:
        update_settings(target, lambda settings: settings.update(x=1), lock=other)
    assert "写入时未持有" in writing.value.zh
    assert "x" not in open_project(target).settings
    with ProjectLock(target).acquire(timeout=0) as held:
        assert update_settings(target, lambda s: s.update(x=1), lock=held)["x"] == 1


CHILD = textwrap.dedent(
    """
    import sys, itertools
    from gisdesk.io.project_store import open_project, save_project
    src_a, src_b, target = sys.argv[1:4]
    a, b = open_project(src_a), open_project(src_b)
    print("ready", flush=True)
    for p in itertools.cycle([a, b]):
        save_project(p, target)
    """
)


def _saving(folder: Path) -> bool:
    """Whether a save's temporary file exists in ``folder`` (a save is under way)."""
    return any(f.name.endswith(".saving.gpkg") for f in folder.iterdir())


@pytest.mark.slow
def test_sigkill_during_save_leaves_old_or_new_never_broken(tmp_path, schemas):
    """Kill a child process at random moments while it saves two versions in turn."""
    a = save_project(_project(schemas, n=30_000, title="版本A"), tmp_path / "a.gpkg")
    b = save_project(_project(schemas, n=12_000, title="版本B"), tmp_path / "b.gpkg")
    target = tmp_path / "target.gpkg"
    save_project(open_project(a), target)
    rng = np.random.default_rng(7)
    killed_mid_save = 0
    kills = 0
    # Kills at random moments; every other one waits until a save is under way (its
    # temporary file exists), so at least a few land mid-save however fast this machine
    # saves. More rounds (up to 40) until 3 have.
    while kills < 12 or (killed_mid_save < 3 and kills < 40):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(a), str(b), str(target)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(float(rng.uniform(0.05, 1.5)))
        if kills % 2:
            deadline = time.monotonic() + 5.0
            while time.monotonic() < deadline and not _saving(tmp_path):
                time.sleep(0.002)
            time.sleep(float(rng.uniform(0.0, 0.02)))
        in_flight = _saving(tmp_path)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        kills += 1
        killed_mid_save += in_flight
        q = open_project(target)
        layer = q.layer("villages")
        assert (q.title, len(layer)) in {("版本A", 30_000), ("版本B", 12_000)}
        assert layer.data.geometry.notna().all()
    print(f"{killed_mid_save} of {kills} kills landed during a save")
    assert killed_mid_save >= 3, "the kills did not land during saves; the test proved nothing"
    # the next save clears temporaries left by killed processes
    save_project(open_project(target), target)
    assert not [f for f in tmp_path.iterdir() if f.name.endswith(".saving.gpkg")]
