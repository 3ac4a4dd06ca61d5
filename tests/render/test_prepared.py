"""Label anchors of prepared layers are computed when a label needs them, not before: a plate
whose scale shows no road names never merges the roads' parts."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from gisdesk.export.frame import clip_layer, prepare_map
from gisdesk.export.output import render_plate_image
from gisdesk.export.spec import PlateSpec
from gisdesk.render.prepared import label_anchors, prepare_layer


@pytest.fixture(scope="module")
def map_data(sample_project):
    return prepare_map(sample_project)


def _computed(layer) -> bool:
    return isinstance(layer.anchor_source, np.ndarray)


def test_anchors_wait_until_asked_and_are_then_the_same(sample_project, map_data):
    roads = sample_project.layer("roads")
    prep = prepare_layer(roads, map_data.crs)
    assert prep.labels is not None and not _computed(prep)
    anchors = prep.anchors
    assert _computed(prep)
    np.testing.assert_array_equal(anchors, label_anchors(prep.geoms, "line"))
    assert prep.anchors is anchors  # computed once
    restyled = prep.restyled(roads.style, roads.data)
    assert restyled.anchors is anchors  # same geometries: same anchors, not recomputed


def test_clipped_anchors_sit_on_what_the_frame_shows(sample_project, map_data):
    prep = map_data.get(sample_project.layer("rivers"))
    xmin, ymin, xmax, ymax = prep.bounds
    extent = (xmin, ymin, (xmin + xmax) / 2, (ymin + ymax) / 2)
    clipped, _present = clip_layer(prep, extent, pad=100.0)
    assert not _computed(clipped)
    expected = label_anchors(shapely.clip_by_rect(clipped.geoms, *extent), "line")
    np.testing.assert_array_equal(clipped.anchors, expected)


def test_layer_without_labels_has_no_anchors(sample_project, map_data):
    layer = sample_project.layer("district")
    prep = prepare_layer(layer, map_data.crs)
    if layer.style is not None and layer.style.label is not None:
        assert prep.anchors is not None
    else:
        assert prep.labels is None and prep.anchors is None


def test_a_plate_beyond_the_road_label_scale_never_computes_road_anchors(sample_project, map_data):
    roads = sample_project.layer("roads")
    assert roads.style.label.min_scale is not None  # road names only from 1:150,000 in
    _image, layout = render_plate_image(
        sample_project, PlateSpec.create("A4-landscape", scale=300_000), dpi=50, data=map_data
    )
    assert layout.scale > roads.style.label.min_scale
    frame_roads = next(fl.clipped for fl in layout.plan.layers if fl.layer.name == "roads")
    assert frame_roads.labels is not None and not _computed(frame_roads)
    towns = next(fl.clipped for fl in layout.plan.layers if fl.layer.name == "towns")
    assert _computed(towns)  # town names were placed, so their anchors were needed
