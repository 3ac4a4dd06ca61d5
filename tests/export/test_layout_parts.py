"""Plate parts that need no drawing: templates, scales, scale bars, coordinates, tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from gisdesk.core.errors import InputError
from gisdesk.export.decorations import format_scale, scale_bar_for
from gisdesk.export.frame import fit_scale, nice_plate_scale
from gisdesk.export.graticule import format_dms
from gisdesk.export.plate import _reflow
from gisdesk.export.table import format_cell
from gisdesk.export.templates import TEMPLATES, PlateTemplate, get_template


def test_builtin_templates_cover_a4_a3_both_ways():
    assert set(TEMPLATES) == {"A4-portrait", "A4-landscape", "A3-portrait", "A3-landscape"}
    for tpl in TEMPLATES.values():
        w, h = tpl.page_mm
        assert {w, h} in ({210.0, 297.0}, {297.0, 420.0})
        assert tpl.landscape == tpl.name.endswith("landscape")
        for key in ("scalebar", "north"):
            assert _inside(tpl.items[key], tpl.items["map"]), (tpl.name, key)


def _inside(a, b) -> bool:
    return (
        a[0] >= b[0] and a[1] >= b[1] and a[0] + a[2] <= b[0] + b[2] and a[1] + a[3] <= b[1] + b[3]
    )


def test_template_round_trips_through_json_data():
    tpl = get_template("a3_landscape")
    again = PlateTemplate.from_dict(tpl.to_dict())
    assert again == tpl
    assert get_template(tpl.to_dict()) == tpl


def test_bad_templates_are_input_errors():
    with pytest.raises(InputError):
        get_template("A5-portrait")
    with pytest.raises(InputError):
        PlateTemplate("x", (100.0, 100.0), (5, 5, 5, 5), {"title": (0, 0, 10, 10)})
    with pytest.raises(InputError):
        PlateTemplate("x", (100.0, 100.0), (5, 5, 5, 5), {"map": (50, 50, 60, 10)})
    with pytest.raises(InputError):
        PlateTemplate.from_dict({"page_mm": [100], "items": {}})


def test_flexible_legend_takes_the_room_of_missing_items():
    tpl = TEMPLATES["A3-landscape"]
    out = _reflow(dict(tpl.items), {"table", "inset"}, "legend")
    _lx, ly, _lw, lh = out["legend"]
    assert ly == tpl.items["inset"][1]
    assert ly + lh == pytest.approx(sum(tpl.items["table"][1::2]))
    portrait = TEMPLATES["A4-portrait"]
    out = _reflow(dict(portrait.items), {"table", "inset"}, "legend")
    assert out["legend"][2] > portrait.items["legend"][2]  # grew sideways over the table
    assert out["notes"][1] == portrait.items["inset"][1]  # the notes moved up


@pytest.mark.parametrize(
    ("raw", "near", "up"),
    [
        (183_456, 200_000, 200_000),
        (210_000, 200_000, 250_000),
        (1100, 1000, 1500),
        (7e6, 7.5e6, 7.5e6),
    ],
)
def test_nice_scales(raw, near, up):
    assert nice_plate_scale(raw) == near
    assert nice_plate_scale(raw, up=True) == up


def test_fit_scale_fits_the_extent():
    extent = (0.0, 0.0, 47_800.0, 44_200.0)
    scale = fit_scale(extent, (273.0, 235.0))
    assert 47_800 / scale * 1000 <= 273 and 44_200 / scale * 1000 <= 235
    assert scale == 200_000
    with pytest.raises(InputError):
        nice_plate_scale(0)


@pytest.mark.parametrize("scale", [500, 2_000, 10_000, 50_000, 60_000, 200_000, 1_000_000])
@pytest.mark.parametrize("max_mm", [25.0, 50.0, 71.0])
def test_scale_bar_lengths_are_round_and_match_the_scale(scale, max_mm):
    bar = scale_bar_for(scale, max_mm)
    assert bar.length_mm <= max_mm + 1e-9
    assert bar.length_mm > max_mm / 2.5 - 1e-9  # the longest 1-2-5 bar that fits
    k = math.floor(math.log10(bar.length_m))
    assert bar.length_m / 10**k in (1.0, 2.0, 5.0)
    assert bar.length_mm * scale / 1000 == pytest.approx(bar.labelled_m, rel=0.01)
    assert bar.unit == ("千米" if bar.length_m >= 1000 else "米")


def test_text_formats():
    assert format_scale(200000) == "1:200 000"
    assert format_dms(121.1666667, "lon") == "121°10′E"
    assert format_dms(31.9166667, "lat") == "31°55′N"
    assert format_dms(121.0, "lon") == "121°E"
    assert format_dms(121.0125, "lon") == "121°00′45″E"
    assert format_cell(0.932, "覆盖率") == "93.2%"
    assert format_cell(12.0) == "12"
    assert format_cell(float("nan")) == "-"
    assert format_cell(True) == "是"
    assert format_cell(pd.NA if False else None) == "-"


def test_export_never_imports_qtwidgets():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import gisdesk.export.atlas, gisdesk.export.output, gisdesk.export.webmap\n"
        "import gisdesk.cli.plate, gisdesk.cli.webmap\n"
        "assert 'PySide6.QtWidgets' not in sys.modules, 'QtWidgets imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_leaflet_assets_ship_with_their_licence():
    from gisdesk.export.webmap import ASSETS

    for name in ("leaflet.js", "leaflet.css", "LICENSE", "images/layers.png"):
        assert (ASSETS / name).is_file(), name
    assert "BSD" in (ASSETS / "LICENSE").read_text(encoding="utf-8")
