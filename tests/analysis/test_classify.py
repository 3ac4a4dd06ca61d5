"""Class breaks and colour ramps, checked against hand computations."""

from __future__ import annotations

import numpy as np
import pytest

from gisdesk.analysis.classify import class_breaks, interpolate_ramp


def test_equal_interval_and_quantile_by_hand():
    values = np.array([0.0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, np.nan])
    assert class_breaks(values, method="equal_interval", k=5) == [2, 4, 6, 8, 10]
    assert class_breaks(values, method="quantile", k=2) == [5, 10]


def test_natural_breaks_finds_the_obvious_groups():
    values = np.array([1, 2, 3, 101, 102, 103, 1001, 1002])
    assert class_breaks(values, method="natural_breaks", k=3) == [3, 103, 1002]


def test_fewer_distinct_values_than_classes():
    assert class_breaks(np.array([5.0, 5.0, 7.0]), method="quantile", k=5) == [5.0, 7.0]
    assert class_breaks(np.array([np.nan]), method="quantile", k=5) == []


def test_ramp_ends_and_middle():
    assert interpolate_ramp(["#000000", "#ffffff"], 3) == ["#000000", "#808080", "#ffffff"]
    assert interpolate_ramp(["#ff000000", "#ff0000"], 2) == ["#ff000000", "#ff0000"]


def test_unknown_method_is_refused():
    from gisdesk.core.errors import StyleError

    with pytest.raises(StyleError):
        class_breaks(np.array([1.0, 2.0]), method="manual", k=2)


def test_natural_breaks_on_large_data_is_deterministic_and_sane():
    rng = np.random.default_rng(1)
    values = np.concatenate([rng.normal(100, 5, 40_000), rng.normal(1000, 20, 40_000)])
    first = class_breaks(values, method="natural_breaks", k=2)
    assert first == class_breaks(values, method="natural_breaks", k=2)
    assert 110 < first[0] < 980 and first[1] == values.max()


def test_natural_breaks_agree_with_mapclassify_on_small_data():
    import warnings

    import mapclassify

    rng = np.random.default_rng(3)
    values = np.round(np.concatenate([rng.gamma(2, 300, 150), rng.normal(3000, 400, 50)]), 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = mapclassify.FisherJenks(values, k=5).bins
    np.testing.assert_allclose(class_breaks(values, method="natural_breaks", k=5), expected)
