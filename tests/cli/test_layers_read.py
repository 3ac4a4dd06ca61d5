"""An analysis from the command line reads the project's catalog and only the layers its
request names: the other layers of a district project are not read at all."""

from __future__ import annotations

import shutil

import pytest

from gisdesk.cli.main import main
from gisdesk.io import project_store


def test_service_areas_read_only_roads_service_points_and_villages(
    sample_path, tmp_path, empty_network_cache, read_layers, capsys
):
    out = tmp_path / "sa.gpkg"
    code = main(["analyze", "service-areas", str(sample_path), "--out", str(out)])
    assert code in (0, 3) and out.exists()
    assert sorted(read_layers) == ["roads", "service_points", "villages"]
    assert "服务圈" in capsys.readouterr().out


def test_a_damaged_layer_the_analysis_does_not_name_does_not_stop_it(
    sample_path, tmp_path, read_layers, capsys
):
    import sqlite3

    copy = tmp_path / "p.gpkg"
    shutil.copy(sample_path, copy)
    with sqlite3.connect(copy) as con:  # rivers: listed, but its table is gone
        for (trigger,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'rivers'"
        ).fetchall():
            con.execute(f'DROP TRIGGER "{trigger}"')
        con.execute("ALTER TABLE rivers RENAME TO rivers_lost")
    out = tmp_path / "z.gpkg"
    assert main(["analyze", "zones", str(copy), "--out", str(out)]) == 0
    assert "rivers" not in read_layers and out.exists()
    # The window opens the whole project, and says which layer cannot be read.
    with pytest.raises(Exception, match="rivers"):
        project_store.open_project(copy)
