"""Town and station names on the district plates: every one placed inside the map frame, and
a required name with no room is reported (not dropped silently)."""

from __future__ import annotations

import pytest
import shapely

from gisdesk.cli.main import main
from gisdesk.export.output import export_plate
from gisdesk.export.spec import PlateSpec

TEMPLATES = ("A3-landscape", "A4-landscape", "A4-portrait")
NATIONAL_STATION = "海门市监测站"


@pytest.fixture(scope="module")
def district_plates(sample_project, map_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("district")
    plates = {}
    for name in TEMPLATES:
        out = folder / f"{name}.pdf"
        layout = export_plate(sample_project, PlateSpec.create(name), out, data=map_data)
        plates[name] = (out, layout)
    return plates


@pytest.fixture(scope="module")
def town_names(sample_project) -> list[str]:
    names = [str(n) for n in sample_project.layer("towns").data["name"]]
    assert len(names) == 12
    return names


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_town_and_the_national_station_is_labelled_in_the_frame(
    district_plates, town_names, template
):
    _pdf, layout = district_plates[template]
    stats = layout.stats
    assert stats is not None
    assert stats.missed_labels == []
    placed = {(p.layer, p.text): p for p in stats.placed_labels}
    for name in town_names:
        assert ("towns", name) in placed, name
    assert ("monitoring_stations", NATIONAL_STATION) in placed
    # label centres lie inside the map frame (frame pixels at the layout's dpi)
    _x, _y, w, h = layout.plan.map_inner
    k = layout.dpi / 25.4
    frame = shapely.box(0, 0, w * k, h * k)
    for p in stats.placed_labels:
        assert frame.contains(shapely.Point(p.x, p.y)), p


def test_cli_reports_required_names_without_room(sample_path, tmp_path, capsys):
    out = tmp_path / "tiny.pdf"
    # a whole district at 1:1,500,000 on A4: the names cannot all fit
    code = main(
        [
            "plate",
            str(sample_path),
            "--template",
            "A4-portrait",
            "--scale",
            "1500000",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "必须标注的名称在图上无处放置" in printed
    assert "镇（街道）“" in printed
