"""What plates show: legend classes in the frame, the 示意数据 label, outputs, atlases."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import shapely

from gisdesk.core.errors import Cancelled, InputError
from gisdesk.core.progress import CancelToken
from gisdesk.export.atlas import atlas_pages, export_atlas
from gisdesk.export.coverage import PageContent, ServiceCircle
from gisdesk.export.decorations import BADGE_RED
from gisdesk.export.frame import plate_layers
from gisdesk.export.output import export_plate, render_plate_image
from gisdesk.export.plate import plan_plate
from gisdesk.export.spec import PlateSpec
from gisdesk.export.templates import PlateTemplate

from .conftest import need_tool

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _expected_classes(project, map_data, name, extent):
    """Classes of a layer's features meeting the extent, from style.assign on those rows."""
    layer = project.layer(name)
    prep = map_data.get(layer)
    rows = prep.tree.query(shapely.box(*extent), predicate="intersects")
    return set(np.unique(layer.style.assign(layer.data.iloc[np.sort(rows)])).tolist())


def _town_missing_a_road_class(project, map_data):
    towns = project.layer("towns").data
    for i in range(len(towns)):
        spec = PlateSpec.create(
            "A4-landscape", layers=("towns", "roads", "villages"), focus=towns.geometry.iloc[i]
        )
        plan = plan_plate(project, spec, data=map_data)
        present = _expected_classes(project, map_data, "roads", plan.extent)
        if len(present) < len(project.layer("roads").style.classes):
            return spec, plan
    pytest.skip("every town frame shows every road class")
    return None


def test_legend_lists_only_the_classes_in_the_frame(sample_project, map_data):
    _spec, plan = _town_missing_a_road_class(sample_project, map_data)
    for name in ("roads", "villages"):
        style = sample_project.layer(name).style
        want = _expected_classes(sample_project, map_data, name, plan.extent)
        got = {e.class_index for e in plan.entries if e.layer == name}
        assert got == want, name
        labels = [e.label for e in plan.entries if e.layer == name]
        assert labels == [c.label_zh for i, c in enumerate(style.classes) if i in want]
    road_labels = {e.label for e in plan.entries if e.layer == "roads"}
    all_roads = {c.label_zh for c in sample_project.layer("roads").style.classes}
    assert road_labels < all_roads  # the frame really leaves a class out


def test_schematic_label_follows_the_layers_shown(sample_project, map_data):
    official = PlateSpec.create("A4-landscape", title="区界", layers=("district",))
    image, layout = render_plate_image(sample_project, official, dpi=60, data=map_data)
    assert not layout.schematic
    assert "badge" not in layout.items
    # no red but the locator inset's frame (the map's extent, drawn in red at every extent)
    assert _red_pixels(image) == _red_pixels(image, layout.items["inset"], dpi=60)

    schematic = official.with_options(layers=("district", "towns"))
    image, layout = render_plate_image(sample_project, schematic, dpi=60, data=map_data)
    assert layout.schematic
    assert "badge" in layout.items
    assert _red_pixels(image, layout.items["badge"], dpi=60) > 50


def _red_pixels(image, rect_mm=None, dpi=60) -> int:
    from PySide6.QtGui import QImage

    img = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h = img.width(), img.height()
    arr = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes())
    arr = arr.reshape(h, img.bytesPerLine())[:, : w * 3].reshape(h, w, 3).astype(int)
    if rect_mm is not None:
        k = dpi / 25.4
        x, y, rw, rh = rect_mm
        arr = arr[int(y * k) : int((y + rh) * k), int(x * k) : int((x + rw) * k)]
    red = np.array([int(BADGE_RED[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(arr - red).max(axis=2) < 40).sum())


def test_png_dpi_sets_pixel_size_and_metadata(tiny_project, tmp_path):
    tpl = PlateTemplate(
        "card",
        (120.0, 90.0),
        (5.0, 5.0, 5.0, 5.0),
        {"title": (8, 7, 104, 10), "map": (8, 19, 70, 64), "legend": (81, 19, 31, 64)},
    )
    spec = PlateSpec(template=tpl, title="小图", grid="none")
    for dpi in (150, 300, 600):
        out = tmp_path / f"card_{dpi}.png"
        export_plate(tiny_project, spec, out, dpi=dpi)
        from PySide6.QtGui import QImage

        img = QImage(str(out))
        assert img.width() == round(120 / 25.4 * dpi)
        assert img.height() == round(90 / 25.4 * dpi)
        assert img.dotsPerMeterX() == round(dpi / 0.0254)


def test_svg_is_written_as_vector(tiny_project, tmp_path):
    out = tmp_path / "plate.svg"
    layout = export_plate(tiny_project, PlateSpec.create("A4-portrait", title="矢量图"), out)
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    text = out.read_text(encoding="utf-8")
    assert "矢量图" in text and "<path" in text
    assert layout.schematic  # the points layer is schematic


def test_cancel_stops_and_leaves_no_file(tiny_project, tmp_path):
    token = CancelToken()
    token.cancel()
    out = tmp_path / "never.pdf"
    with pytest.raises(Cancelled):
        export_plate(tiny_project, PlateSpec.create(title="x"), out, cancel=token)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_progress_reaches_the_end(tiny_project, tmp_path):
    seen: list[float] = []
    export_plate(
        tiny_project,
        PlateSpec.create("A4-landscape", title="进度"),
        tmp_path / "p.pdf",
        progress=lambda f, _m: seen.append(f),
    )
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)


def test_wrong_output_and_dpi_are_usage_errors(tiny_project, tmp_path):
    with pytest.raises(InputError):
        export_plate(tiny_project, PlateSpec.create(), tmp_path / "plate.docx")
    with pytest.raises(InputError):
        export_plate(tiny_project, PlateSpec.create(), tmp_path / "plate.png", dpi=5000)
    with pytest.raises(InputError):
        export_plate(tiny_project, PlateSpec.create(layers=("nope",)), tmp_path / "plate.pdf")


def test_atlas_writes_one_page_per_town(sample_project, map_data, tmp_path):
    names = list(sample_project.layer("towns").data["name"].astype(str)[:2])

    def content(name: str) -> PageContent:
        return PageContent(title=f"测试 {name}", subtitle="分幅")

    spec = PlateSpec.create("A4-landscape", layers=("towns", "roads", "district"))
    files = export_atlas(
        sample_project, spec, tmp_path / "atlas.pdf", names=names, content=content, data=map_data
    )
    assert files == [tmp_path / "atlas.pdf"]
    info = subprocess.run(
        [need_tool("pdfinfo"), str(files[0])], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"^Pages:\s+2$", info, re.MULTILINE), info
    pngs = export_atlas(
        sample_project, spec, tmp_path / "town.png", names=names[:1], dpi=50, data=map_data
    )
    assert len(pngs) == 1 and pngs[0].name.startswith("town_01_") and pngs[0].exists()


def test_service_circle_pages_have_titles_tables_and_coverage(sample_project, map_data):
    sc = ServiceCircle(sample_project, polygons=False)
    spec = PlateSpec.create("A3-landscape", layers=("towns", "roads", "villages"))
    pages = atlas_pages(sample_project, spec, content=sc)
    assert len(pages) == len(sample_project.layer("towns").data)
    first = pages[0]
    assert first.spec.title == f"海门区 {first.name} 15分钟医保服务圈"
    table = first.spec.table
    assert table is not None and list(table.columns) == ["项目", "数值"]
    # the villages are drawn coloured by coverage in place of their usual style
    layers = plate_layers(sample_project, first.spec)
    villages = [layer for layer in layers if layer.name == "villages"]
    assert len(villages) == 1 and villages[0].style.field == "coverage"
    plan = plan_plate(sample_project, first.spec, data=map_data)
    assert plan.focus is not None
    town = map_data.to_display(sample_project.layer("towns").data.geometry.iloc[0])
    xmin, ymin, xmax, ymax = plan.extent
    b = shapely.bounds(town)
    assert xmin <= b[0] and ymin <= b[1] and xmax >= b[2] and ymax >= b[3]
    assert sc.town_table()["村（社区）数"].sum() == len(sample_project.layer("villages").data)


def test_png_progress_is_monotonic(tiny_project, tmp_path):
    seen: list[float] = []
    export_plate(
        tiny_project,
        PlateSpec.create("A4-landscape", title="进度"),
        tmp_path / "p.png",
        dpi=50,
        progress=lambda f, _m: seen.append(f),
    )
    assert seen[-1] == 1.0 and seen == sorted(seen)
