"""The safe filter language of styles, selections and table filters."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gisdesk.core.errors import StyleError
from gisdesk.core.expressions import (
    FieldNames,
    FieldRef,
    ascii_digits,
    column_kind,
    distinct_values,
    evaluate_filter,
    filter_fields,
    literal,
    normalise_filter,
    parse_filter,
    scan_plain,
)
from gisdesk.core.layer import Layer
from tests.hostile_strings import texts

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
        "status = = '排查'",
        "deaths > 1 and",
        "(deaths > 1",
        "status == '排查",
        "status.upper",
        "status @ 1",
        "-status",
    ],
)
def test_anything_else_is_refused(expr):
    with pytest.raises(StyleError):
        evaluate_filter(expr, DF)


def test_fields_are_listed():
    assert filter_fields(""""class" in ['国道'] and deaths >= 1""") == {"class", "deaths"}


# --- labels, QGIS notation and messages ------------------------------------------------------

VILLAGES = pd.DataFrame(
    {
        "name": ["东村", "西村", "南村", "北村"],
        "town": ["常乐镇", "常乐镇", "海门街道", None],
        "households": [1600, 900, 1501, 1500],
    }
)
NAMES = FieldNames(
    [
        FieldRef("name", "村名", "Name"),
        FieldRef("town", "所属镇（街道）", "Town"),
        FieldRef("households", "户数（户）", "Households (户)", "int"),
    ],
    {"households": ["户数", "Households"]},
)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("户数 > 1500", [True, False, True, False]),
        ("户数（户） > 1500", [True, False, True, False]),
        ("Households > 1500", [True, False, True, False]),
        ("households > 1500", [True, False, True, False]),
        ('"户数" > 1500', [True, False, True, False]),
        ("所属镇 = '常乐镇'", [True, True, False, False]),
        ("所属镇（街道） = '常乐镇'", [True, True, False, False]),
        ("户数 > 1500 AND 所属镇 = '常乐镇'", [True, False, False, False]),
        ("户数 > 1500 and 所属镇 = '常乐镇' or 村名 = '北村'", [True, False, False, True]),
        ("所属镇 <> '常乐镇'", [False, False, True, True]),  # as status != '销号' above
        ("所属镇 IS NULL", [False, False, False, True]),
        ("所属镇 is not null", [True, True, True, False]),
        ("所属镇 IN ('海门街道', '三星镇')", [False, False, True, False]),
        ("所属镇 not in ['海门街道']", [True, True, False, True]),
        ("NOT 户数 >= 1500", [False, True, False, False]),
        ("户数 ＞ １５００ and 所属镇 ＝ ‘常乐镇’", [True, False, False, False]),
        ("户数 ≥ 1501", [True, False, True, False]),
        ("“所属镇” = '常乐镇'", [True, True, False, False]),
        ("1500 < 户数 <= 1600", [True, False, True, False]),
        ("户数 > -1", [True] * 4),
        ("TRUE", [True] * 4),
    ],
)
def test_fields_by_their_chinese_or_english_labels(expr, expected):
    assert evaluate_filter(expr, VILLAGES, NAMES).tolist() == expected


def test_a_label_that_is_another_fields_name_means_that_field():
    # the column "户数" holds something else than "households", whose label is also 户数
    df = VILLAGES.assign(户数=[1, 2, 3, 4])
    names = FieldNames([*NAMES.fields, FieldRef("户数", "", "")], {"households": ["户数"]})
    assert evaluate_filter("户数 > 2", df, names).tolist() == [False, False, True, True]
    assert evaluate_filter("户数（户） > 1500", df, names).tolist() == [True, False, True, False]


def test_a_label_shared_by_two_fields_is_refused_naming_both():
    names = FieldNames([FieldRef("kind", "类型", "Kind"), FieldRef("type", "类型", "Type")])
    df = pd.DataFrame({"kind": ["村"], "type": ["a"]})
    with pytest.raises(StyleError) as caught:
        evaluate_filter("类型 = '村'", df, names)
    zh = caught.value.message("zh")
    assert "可指多个字段" in zh and '"kind"' in zh and '"type"' in zh
    assert evaluate_filter("kind = '村'", df, names).tolist() == [True]


def test_a_short_label_yields_to_a_full_one():
    names = FieldNames([FieldRef("a", "所在村（社区）", "A"), FieldRef("b", "所在村", "B")])
    assert filter_fields("所在村 = 2", names) == {"b"}
    assert filter_fields("所在村（社区） = 1", names) == {"a"}


def test_a_label_must_end_at_a_word_boundary():
    with pytest.raises(StyleError, match="没有字段“户数量”"):
        evaluate_filter("户数量 > 1", VILLAGES, NAMES)


@pytest.mark.parametrize(
    ("expr", "zh"),
    [
        ("户 > 1", "没有字段“户”（可用字段：村名、所属镇（街道）、户数（户））"),
        ("户数 > '1500'", "比较的两边类型不同"),
        ("户数 >", "表达式不完整"),
        ("户数 > 1500 and (所属镇 = '常乐镇'", "第 15 个字符的括号没有配对的右括号"),
        ("户数 > 1500 所属镇 = '常乐镇'", "第 11 个字符附近语法有误"),
        ("所属镇 = '常乐镇", "第 7 个字符起的引号没有结束"),
        ("户数 + 1 > 2", "第 4 个字符“+”不能用在表达式中"),
        ("所属镇 in '常乐镇'", "in 后面要列出取值"),
        ("所属镇 is '常乐镇'", "is 只能和 null 比较"),
        ("   ", "表达式是空的"),
    ],
)
def test_errors_say_in_chinese_what_is_wrong(expr, zh):
    with pytest.raises(StyleError) as caught:
        evaluate_filter(expr, VILLAGES, NAMES)
    assert zh in caught.value.message("zh")
    assert caught.value.message("en").startswith("Filter expression")


def test_normalised_text_names_fields_by_name_and_reads_back_the_same():
    expr = "户数 > 1500 AND 所属镇 = '常''乐镇' OR 所属镇 IS NULL"
    text = normalise_filter(expr, NAMES)
    assert text == """"households" > 1500 and "town" = '常''乐镇' or "town" is null"""
    again = evaluate_filter(text, VILLAGES, NAMES)
    assert again.tolist() == evaluate_filter(expr, VILLAGES, NAMES).tolist()


@given(texts())
def test_any_text_is_data_never_code(text):
    """Whatever a value holds, its literal reads back as that value and runs nothing."""
    df = pd.DataFrame({"name": [text, text + "x"]})
    assert evaluate_filter(f"name = {literal(text)}", df).tolist() == [True, False]


@given(st.text(max_size=40))
def test_arbitrary_input_is_parsed_or_refused(text):
    try:
        parse_filter(text)
    except StyleError as exc:
        assert exc.message("zh").startswith("筛选表达式")


def test_literals_of_every_kind_read_back():
    df = pd.DataFrame(
        {
            "n": [3, 4],
            "x": [2.5, 0.1],
            "ok": [True, False],
            "on": pd.to_datetime(["2023-01-10", "2024-02-01"]),
        }
    )
    assert evaluate_filter(f"n = {literal(np.int64(3))}", df).tolist() == [True, False]
    assert evaluate_filter(f"x = {literal(0.1)}", df).tolist() == [False, True]
    assert evaluate_filter(f"ok = {literal(True)}", df).tolist() == [True, False]
    assert literal(dt.date(2023, 1, 10)) == "'2023-01-10'"
    assert evaluate_filter(f"on = {literal(df['on'].iloc[0])}", df).tolist() == [True, False]
    assert literal(None) == literal(float("nan")) == "null"


def test_distinct_values_are_sorted_with_counts():
    assert distinct_values(VILLAGES["town"]) == [("常乐镇", 2), ("海门街道", 1)]
    assert distinct_values(VILLAGES["households"], limit=2) == [(900, 1), (1500, 1)]
    mixed = pd.Series(["b", 1, "a", 1], dtype=object)
    assert distinct_values(mixed) == [(1, 2), ("a", 1), ("b", 1)]


def test_of_layer_uses_the_schema_labels(sample_project):
    layer: Layer = sample_project.layer("villages")
    names = FieldNames.of_layer(layer)
    assert names.field("households").label("zh") == "户数（户）"
    assert filter_fields("户数 > 1 and 所属镇 = 'x' and 村名 = 'y'", names) == {
        "households",
        "town",
        "name",
    }
    assert "geometry" not in {f.name for f in names.fields}


def test_a_field_is_written_by_the_label_that_means_it():
    assert NAMES.reference("households") == "户数"
    assert NAMES.reference("town") == "所属镇"
    assert NAMES.reference("town", "en") == "town"
    shared = FieldNames([FieldRef("kind", "类型", "Kind"), FieldRef("type", "类型", "Type")])
    assert shared.reference("kind") == "kind"  # 类型 would be ambiguous
    odd = FieldNames([FieldRef("in", "", ""), FieldRef("a b", "", "")])
    assert odd.reference("in") == '"in"' and odd.reference("a b") == '"a b"'
    for name in ("households", "town", "name"):
        assert filter_fields(f"{NAMES.reference(name)} is null", NAMES) == {name}


@pytest.mark.parametrize(
    ("column", "kind"),
    [
        (pd.Series([1, 2]), "int"),
        (pd.Series([1, None], dtype="Int64"), "int"),
        (pd.Series([1.5]), "float"),
        (pd.Series([True, None], dtype="boolean"), "bool"),
        (pd.Series([True, False]), "bool"),
        (pd.Series(pd.to_datetime(["2022-05-15"])), "date"),
        (pd.Series(pd.to_datetime(["2022-05-15"]).tz_localize("UTC")), "date"),
        (pd.Series(["常乐镇"]), "str"),
        (pd.Series([True, "x"], dtype=object), "str"),
    ],
)
def test_a_column_without_a_schema_gets_the_field_type_of_its_dtype(column, kind):
    # the filter language and the feature form of a layer without a schema both use it
    assert column_kind(column) == kind


def test_scan_plain_reads_a_number_a_word_or_the_longest_operator():
    assert scan_plain("户数 >= １５00", 3, (">=", ">", "=")) == ("op", ">=", 5)
    assert scan_plain("户数 >= １５00", 6, (">=",)) == ("number", "１５00", 10)
    assert ascii_digits("１５00.５") == "1500.5"
    assert scan_plain("name_2 = 'x'", 0, ("=",)) == ("word", "name_2", 6)
    assert scan_plain(".5e3", 0, ()) == ("number", ".5e3", 4)
    assert scan_plain("a ? b", 2, ("=", "<")) is None


@pytest.mark.parametrize(
    "expr",
    ["not " * 101 + "n", "not " * 950 + "n", "not " * 3000 + "n"],
)
def test_a_filter_nested_too_deeply_is_refused_with_a_message(expr):
    df = pd.DataFrame({"n": [1, 0]})
    with pytest.raises(StyleError, match="嵌套过深") as caught:
        evaluate_filter(expr, df)
    assert "nested too deeply" in caught.value.message("en")


def test_a_filter_as_deep_as_allowed_still_works():
    df = pd.DataFrame({"n": [1, 0]})
    assert evaluate_filter("not " * 100 + "n", df).tolist() == [True, False]
    assert evaluate_filter("(" * 150 + "n = 1" + ")" * 150, df).tolist() == [True, False]
    assert evaluate_filter(" or ".join(["n = 1"] * 3000), df).tolist() == [True, False]
