"""The safe filter language used by rule-based styles."""

from __future__ import annotations

import pandas as pd
import pytest

from gisdesk.core.errors import StyleError
from gisdesk.core.expressions import evaluate_filter, filter_fields

DF = pd.DataFrame(
    {
        "status": ["排查", "销号", None, "整改"],
        "deaths": [0, 2, 1, None],
        "class": ["国道", "村道", "省道", "国道"],
    }
)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("deaths >= 1", [False, True, True, False]),
        ("status != '销号'", [True, False, True, True]),
        ("status == '排查' or deaths > 1", [True, True, False, False]),
        (""""class" in ['国道', '省道'] and not deaths >= 1""", [True, False, False, True]),
        ("status is None", [False, False, True, False]),
        ("status is not None and 0 <= deaths < 2", [True, False, False, False]),
        ("True", [True] * 4),
    ],
)
def test_filters_evaluate_row_by_row(expr, expected):
    assert evaluate_filter(expr, DF).tolist() == expected


@pytest.mark.parametrize(
    "expr",
    [
        "__import__('os').system('echo pwned')",
        "status.upper() == 'X'",
        "deaths + 1",  # arithmetic is not part of the language
        "[x for x in status]",
        "lambda: 1",
        "status ==",
        "missing_field == 1",
        "status in '排查'",
        "class == '国道'",  # a keyword must be quoted as a field: "class"
    ],
)
def test_anything_else_is_refused(expr):
    with pytest.raises(StyleError):
        evaluate_filter(expr, DF)


def test_fields_are_listed():
    assert filter_fields(""""class" in ['国道'] and deaths >= 1""") == {"class", "deaths"}
