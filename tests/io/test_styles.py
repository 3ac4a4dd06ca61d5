"""Every default style loads, fits its layer schema, and classifies the sample's features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gisdesk.analysis.classify import classify_style
from gisdesk.core.errors import StyleError
from gisdesk.core.expressions import filter_fields
from gisdesk.core.style import LayerStyle
from gisdesk.io.schemas import load_schemas
from gisdesk.io.styles import load_style, load_styles

SCHEMA_IDS = sorted(load_schemas())


def test_every_layer_type_has_its_style():
    styles = load_styles()
    for schema in load_schemas().values():
        assert schema.style in styles, schema.id


@pytest.mark.parametrize("kind", SCHEMA_IDS)
def test_style_fits_schema(kind, schemas):
    schema = schemas[kind]
    style = load_style(schema.style)
    names = set(schema.field_names)
    if style.field is not None:
        assert style.field in names
    if style.label is not None:
        assert style.label.field in names
    for cls in style.classes:
        if cls.filter:
            assert filter_fields(cls.filter) <= names
    if style.kind == "categorized":
        spec = schema.field(style.field)
        if spec.domain:
            assert {c.value for c in style.classes} <= set(spec.domain_values)
            # every allowed value has a legend entry, so nothing is drawn unstyled
            assert set(spec.domain_values) <= {c.value for c in style.classes} or (
                style.default is not None
            )


@pytest.mark.parametrize("kind", SCHEMA_IDS)
def test_style_classifies_every_sample_feature(kind, sample_project):
    layer = sample_project.layer(kind)
    style = classify_style(layer.style, layer.data)
    idx = style.assign(layer.data)
    assert len(idx) == len(layer.data) > 0
    unclassified = int((idx < 0).sum())
    assert unclassified == 0 or style.default is not None, f"{unclassified} features unstyled"


@pytest.mark.parametrize("kind", SCHEMA_IDS)
def test_style_round_trips_through_plain_data(kind):
    style = load_style(kind)
    assert LayerStyle.from_dict(style.to_dict()) == style


def test_categorised_assignment():
    style = load_style("roads")
    df = pd.DataFrame({"class": ["国道", "村道", "高速", None]})
    assert style.assign(df).tolist() == [1, 5, -1, -1]  # 高速公路 is class 0


def test_graduated_breaks_natural_equal_quantile():
    style = load_style("villages")
    df = pd.DataFrame({"population": [100, 110, 120, 900, 950, 1000, 5000, 5100]})
    natural = classify_style(style, df)
    assert len(natural.classes) == 4
    idx = natural.assign(df)
    assert idx.tolist() == sorted(idx.tolist())  # monotone in the value
    assert set(idx) == {0, 1, 2, 3}
    assert natural.classes[-1].upper == 5100
    from dataclasses import replace

    eq = classify_style(replace(style, method="equal_interval"), df)
    assert [round(c.upper) for c in eq.classes] == [1350, 2600, 3850, 5100]
    qu = classify_style(replace(style, method="quantile"), df)
    counts = np.bincount(qu.assign(df))
    assert counts.tolist() == [2, 2, 2, 2]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"kind": "pie"}, "kind"),
        ({"kind": "single", "symbol": {"fill": "red"}}, "Colour"),
        ({"kind": "single", "symbol": {"marker": "unicorn"}}, "marker"),
        ({"kind": "single", "symbol": {"opacity": 2}}, "Opacity"),
        ({"kind": "categorized"}, "needs a field"),
        ({"kind": "rule", "classes": [{"filter": "open('x')"}]}, "not allowed"),
        ({"kind": "single", "symbol": {"colour": "#ffffff"}}, "Unknown symbol keys"),
    ],
)
def test_bad_style_files_say_what_is_wrong(data, fragment):
    with pytest.raises(StyleError, match=fragment):
        LayerStyle.from_dict(data, source="test.toml")
