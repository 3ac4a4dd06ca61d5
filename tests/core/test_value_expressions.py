"""Value expressions of the field calculator: arithmetic, fields by label, text, area/length."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from gisdesk.core.errors import InputError
from gisdesk.core.expressions import FieldNames, FieldRef
from gisdesk.core.value_expressions import evaluate_value, parse_value, result_kind

FIELDS = FieldNames(
    [
        FieldRef("households", "户数（户）", "Households", "int"),
        FieldRef("population", "人口（人）", "Population", "int"),
        FieldRef("name", "村名", "Name", "str"),
        FieldRef("town", "所属镇（街道）", "Town", "str"),
    ]
)


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "households": pd.array([100, 0, None, 7], dtype="Int64"),
            "population": pd.array([350, 12, 40, None], dtype="Int64"),
            "name": ["甲村", "乙村", None, "O'Brien"],
            "town": ["常乐镇", "海门街道", "常乐镇", "常乐镇"],
        }
    )


def _values(expr: str, frame: pd.DataFrame) -> list:
    out = evaluate_value(expr, frame, FIELDS)
    return [None if (isinstance(v, float) and np.isnan(v)) else v for v in out]


def test_arithmetic_with_chinese_labels_english_names_and_nulls(frame):
    assert _values("人口 / 户数", frame) == [3.5, None, None, None]  # 0 and null give null
    assert _values("population / households", frame) == [3.5, None, None, None]
    assert _values('"population" - 户数（户） * 2', frame) == [150.0, 12.0, None, None]
    assert _values("(人口 + 10) * 2 - -1", frame) == [721.0, 45.0, 101.0, None]
    assert _values("Population / 10", frame) == [35.0, 1.2, 4.0, None]
    assert _values("人口 ÷ 户数 × 2", frame)[0] == 7.0  # full-width and maths signs
    assert _values("（人口 ＋ １）／２", frame)[0] == 175.5
    assert _values("null", frame) == [None] * 4
    assert result_kind(evaluate_value("1 + 2", frame, FIELDS)) == "num"


def test_round_half_away_from_zero():
    df = pd.DataFrame({"x": [2.5, -2.5, 1.005 * 1000, 0.125, np.nan]})
    assert evaluate_value("round(x)", df).tolist()[:4] == [3.0, -3.0, 1005.0, 0.0]
    assert evaluate_value("round(x, 2)", df).tolist()[3] == 0.13
    assert np.isnan(evaluate_value("round(x, 1)", df).iloc[4])


def test_text_concatenation(frame):
    out = _values("村名 || '（' || 所属镇 || '，' || 户数 || '户）'", frame)
    assert out[0] == "甲村（常乐镇，100户）"
    assert out[2] is None  # a missing name gives null, as in QGIS
    assert _values("人口 / 户数 || ''", frame)[0] == "3.5"
    assert _values("'a''b' || name", frame)[3] == "a'bO'Brien"
    assert result_kind(evaluate_value("村名 || 'x'", frame, FIELDS)) == "text"
    assert _values("村名 || null", frame) == [None] * 4


def test_area_and_length_in_metres_match_pyproj():
    square = shapely.box(121.1, 31.85, 121.11, 31.86)
    line = shapely.LineString([(121.1, 31.85), (121.12, 31.85)])
    gdf = gpd.GeoDataFrame({"n": [1, 2]}, geometry=[square, line], crs=4490)
    to_m = Transformer.from_crs(4490, 4549, always_xy=True)
    metric = shapely.transform(
        gdf.geometry.to_numpy(), lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1]))
    )
    area = evaluate_value("area()", gdf)
    assert area.iloc[0] == pytest.approx(shapely.area(metric[0]), rel=1e-9)
    assert 900_000 < area.iloc[0] < 1_200_000  # about 0.95 km x 1.11 km, never degrees
    assert area.iloc[1] == 0
    assert evaluate_value("$length", gdf).iloc[1] == pytest.approx(shapely.length(metric[1]))
    assert evaluate_value("length($geometry)", gdf).iloc[1] == pytest.approx(1890, rel=0.01)
    assert evaluate_value("round($area / 666.6667, 1)", gdf).iloc[0] == round(
        float(area.iloc[0]) / 666.6667, 1
    )
    assert parse_value("area() + n", FieldNames.of_columns(["n"])).uses_geometry


def test_a_field_named_like_a_function_stays_a_field():
    df = pd.DataFrame({"length": [5.0]})
    assert evaluate_value("length * 2", df).tolist() == [10.0]


@pytest.mark.parametrize(
    ("expr", "words"),
    [
        ("", "表达式是空的"),
        ("人口 +", "表达式不完整"),
        ("(人口 + 1", "括号没有配对"),
        ("人口 % 2", "“%”不能用在计算表达式中"),
        ("村名 * 2", "文字不能做“*”运算"),
        ("-村名", "文字不能做“-”运算"),
        ("人口 2", "附近语法有误"),
        ("foo + 1", "没有字段或函数“foo”"),
        ("$x", "不认识“$x”"),
        ("round(人口, 2.5)", "小数位数"),
        ("round()", "一个或两个参数"),
        ("area(人口)", "不带参数"),
        ("round 人口", "后面要有括号"),
        ("__import__('os')", "没有字段或函数“__import__”"),
        ("__import__('os').system('x')", "“.”不能用在计算表达式中"),
        ("'abc", "引号没有结束"),
        ("人口 == 1", "不能用在计算表达式中"),
    ],
)
def test_bad_expressions_say_what_is_wrong_in_chinese(frame, expr, words):
    with pytest.raises(InputError) as err:
        evaluate_value(expr, frame, FIELDS)
    zh = err.value.message("zh")
    assert zh.startswith(f"计算表达式“{expr}”无效：")
    assert words in zh
    assert err.value.message("en").startswith("Expression")


def test_ambiguous_label_is_refused_in_calculator_words():
    fields = FieldNames([FieldRef("a", "数量", "", "int"), FieldRef("b", "数量", "", "int")])
    with pytest.raises(InputError, match="计算表达式") as err:
        evaluate_value("数量 + 1", pd.DataFrame({"a": [1], "b": [2]}), fields)
    assert "可指多个字段" in err.value.message("zh")


def test_no_geometry_for_area_is_explained():
    with pytest.raises(InputError, match="没有几何"):
        evaluate_value("area()", pd.DataFrame({"x": [1]}))


@pytest.mark.parametrize(
    "expr",
    [
        "(" * 3000 + "1" + ")" * 3000,
        "-" * 3000 + "1",
        "round(" * 2000 + "1" + ")" * 2000,
        "1" + " + 1" * 100_000,
        "'a'" + " || 'a'" * 50_000,
    ],
)
def test_an_expression_nested_too_deeply_is_refused_with_a_message(expr):
    df = pd.DataFrame({"n": [1.0]})
    with pytest.raises(InputError, match="嵌套过深") as caught:
        evaluate_value(expr, df, FieldNames.of_columns(df.columns))
    assert "nested too deeply" in caught.value.message("en")
    assert len(caught.value.message("zh")) < 250  # the formula is cut in the message


def test_long_chains_and_moderate_nesting_still_work():
    """A sum of hundreds of terms is one level deeper a term; it worked before the limit."""
    df = pd.DataFrame({"n": [1.0, 2.0]})
    names = FieldNames.of_columns(df.columns)
    assert evaluate_value("n" + " + n" * 499, df, names).tolist() == [500.0, 1000.0]
    assert evaluate_value("-" * 50 + "n", df, names).tolist() == [1.0, 2.0]
    assert evaluate_value("(" * 40 + "n" + ")" * 40, df, names).tolist() == [1.0, 2.0]
