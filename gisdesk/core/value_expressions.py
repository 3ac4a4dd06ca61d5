"""Value expressions for the field calculator: ``人口 / 户数``, ``round($area / 666.67, 1)``.

The filter language (:mod:`gisdesk.core.expressions`) only decides yes or no; this one
computes a value per feature, with the same field names (the field's name, or the label the
user reads: 户数, 户数（户）, Households, 所属镇) and the same quoting ('text', "field").

- numbers, 'text', ``null``; fields as in filters
- ``+ - * /`` on numbers (full-width ＋ － × ÷ ＊ ／ too), brackets, a leading minus;
  a division by zero gives null, as in QGIS
- ``||`` joins text (numbers are written without a trailing .0; null joined gives null)
- ``area()`` / ``$area``: the feature's area in m²; ``length()`` / ``$length``: its length
  (a polygon's perimeter) in metres, both measured in the metric CRS of the layer's extent
  (EPSG:4549 around Haimen); ``area($geometry)`` and ``length($geometry)`` as in QGIS
- ``round(x)`` and ``round(x, n)``: half away from zero, ``n`` a whole number 0..12

User text is never executed: a tokenizer and a small recursive-descent parser build a tree of
known nodes, evaluated vectorised over the layer's rows. A bad expression raises an
:class:`~gisdesk.core.errors.InputError` that says in Chinese (and English) what is wrong
and where.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

from gisdesk.core.crs import to_metric
from gisdesk.core.errors import InputError, StyleError
from gisdesk.core.expressions import FieldNames, Token, ascii_digits, tokenize
from gisdesk.core.values import local_times

__all__ = ["ValueExpression", "evaluate_value", "parse_value", "result_kind"]

_OPS = {
    "||": "||",
    "+": "+",
    "-": "-",
    "*": "*",
    "/": "/",
    "(": "(",
    ")": ")",
    ",": ",",
    "＋": "+",
    "－": "-",
    "＊": "*",
    "×": "*",
    "／": "/",
    "÷": "/",
    "（": "(",
    "）": ")",
    "，": ",",
    "｜｜": "||",
}
_OP_ORDER = sorted(_OPS, key=len, reverse=True)
_FUNCTIONS = ("area", "length", "round")
_HINT_ZH = "可用：数字、字段、'文字'、+ - * /、|| 连接文字、area()、length()、round(x, n)"
_HINT_EN = "allowed: numbers, fields, 'text', + - * /, || joins text, area(), length(), round(x, n)"
_MAX_DIGITS = 12


def _error(expr: str, zh: str, en: str) -> InputError:
    shown = expr if len(expr) <= 120 else expr[:119] + "…"  # a message, not the whole formula
    return InputError(
        f"计算表达式“{shown}”无效：{zh}。", f"Expression '{shown}' is not valid: {en}."
    )


def _lex(expr: str, fields: FieldNames) -> list[Token]:
    tokens = tokenize(
        expr,
        fields,
        _OP_ORDER,
        unclosed=lambda i: _error(
            expr,
            f"第 {i + 1} 个字符起的引号没有结束",
            f"the quote at character {i + 1} is not closed",
        ),
        stray=lambda i, ch: _error(
            expr,
            f"第 {i + 1} 个字符“{ch}”不能用在计算表达式中（{_HINT_ZH}）",
            f"character {i + 1} '{ch}' cannot be used ({_HINT_EN})",
        ),
        variables=True,
        calls=_FUNCTIONS,
    )
    return [  # numbers in ASCII digits, full-width operators as their ASCII selves
        Token("num", ascii_digits(t.value), t.at)
        if t.kind == "number"
        else Token(t.kind, _OPS[t.value], t.at)
        if t.kind == "op"
        else t
        for t in tokens
    ]


# --- the tree ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Node:
    kind: str  # num, text, null, field, neg, bin, call
    value: Any = None
    args: tuple[_Node, ...] = ()


class _Parser:
    def __init__(self, expr: str, tokens: list[Token], fields: FieldNames) -> None:
        self.expr, self.tokens, self.fields, self.pos = expr, tokens, fields, 0

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take_op(self, *ops: str) -> str | None:
        tok = self.peek()
        if tok is not None and tok.kind == "op" and tok.value in ops:
            self.pos += 1
            return tok.value
        return None

    def where(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            return "表达式不完整，末尾缺少值或右括号", "the expression is incomplete at the end"
        return (
            f"第 {tok.at + 1} 个字符“{self.expr[tok.at]}”附近语法有误",
            f"syntax error near character {tok.at + 1}",
        )

    def fail(self) -> InputError:
        zh, en = self.where()
        return _error(self.expr, f"{zh}（{_HINT_ZH}）", f"{en} ({_HINT_EN})")

    def parse(self) -> _Node:
        if not self.tokens:
            raise _error(self.expr, "表达式是空的", "the expression is empty")
        node = self.concat()
        if self.peek() is not None:
            raise self.fail()
        return node

    def concat(self) -> _Node:
        node = self.additive()
        while self.take_op("||"):
            node = _Node("bin", "||", (node, self.additive()))
        return node

    def additive(self) -> _Node:
        node = self.term()
        while (op := self.take_op("+", "-")) is not None:
            node = _Node("bin", op, (node, self.term()))
        return node

    def term(self) -> _Node:
        node = self.unary()
        while (op := self.take_op("*", "/")) is not None:
            node = _Node("bin", op, (node, self.unary()))
        return node

    def unary(self) -> _Node:
        if self.take_op("-"):
            return _Node("neg", None, (self.unary(),))
        if self.take_op("+"):
            return self.unary()
        return self.primary()

    def primary(self) -> _Node:
        tok = self.peek()
        if tok is None:
            raise self.fail()
        if tok.kind == "op" and tok.value == "(":
            self.pos += 1
            node = self.concat()
            if not self.take_op(")"):
                raise _error(
                    self.expr,
                    f"第 {tok.at + 1} 个字符的括号没有配对的右括号",
                    f"the bracket at character {tok.at + 1} is never closed",
                )
            return node
        self.pos += 1
        if tok.kind == "num":
            return _Node("num", float(tok.value))
        if tok.kind == "text":
            return _Node("text", tok.value)
        if tok.kind == "field":
            return _Node("field", self.resolve(tok.value))
        if tok.kind == "var":
            if tok.value in ("area", "length"):
                return _Node("call", tok.value)
            raise _error(
                self.expr,
                f"不认识“${tok.value}”（可用 $area、$length）",
                f"'${tok.value}' is not known (use $area, $length)",
            )
        if tok.kind == "word":
            word = tok.value.lower()
            if word == "null":
                return _Node("null")
            if word in _FUNCTIONS:
                return self.call(word)
            raise self.unknown(tok.value)
        self.pos -= 1
        raise self.fail()

    def resolve(self, word: str) -> str:
        try:
            return self.fields.resolve(word, self.expr)
        except StyleError as exc:  # ambiguous label: the filter's message, in these words
            zh = exc.message("zh").replace("筛选表达式", "计算表达式", 1)
            en = exc.message("en").replace("Filter expression", "Expression", 1)
            raise InputError(zh, en) from None

    def unknown(self, word: str) -> InputError:
        shown = "、".join(f.label("zh") for f in self.fields.fields[:12])
        more = "等" if len(self.fields.fields) > 12 else ""
        shown_en = ", ".join(f.label("en") for f in self.fields.fields[:12])
        return _error(
            self.expr,
            f"没有字段或函数“{word}”（可用字段：{shown}{more}；文字要加单引号）",
            f"there is no field or function '{word}' (fields: {shown_en}; text goes in "
            "single quotes)",
        )

    def call(self, name: str) -> _Node:
        if not self.take_op("("):
            raise _error(
                self.expr,
                f"函数 {name} 后面要有括号，如 {name}()",
                f"the function {name} needs brackets: {name}()",
            )
        args: list[_Node] = []
        if not self.take_op(")"):
            while True:
                nxt = self.peek()
                if name in ("area", "length") and nxt is not None and nxt.kind == "var":
                    if nxt.value != "geometry":
                        raise self.fail()
                    self.pos += 1  # area($geometry), as QGIS writes it
                else:
                    args.append(self.concat())
                if self.take_op(")"):
                    break
                if not self.take_op(","):
                    raise self.fail()
        self.check_call(name, args)
        return _Node("call", name, tuple(args))

    def check_call(self, name: str, args: list[_Node]) -> None:
        """Refuse arguments a function does not take."""
        if name in ("area", "length") and args:
            raise _error(
                self.expr,
                f"{name}() 不带参数（或写 {name}($geometry)），量算当前要素",
                f"{name}() takes no argument (or $geometry): it measures the feature",
            )
        if name == "round" and len(args) not in (1, 2):
            raise _error(
                self.expr,
                "round 要一个或两个参数：round(值) 或 round(值, 小数位数)",
                "round takes one or two arguments: round(x) or round(x, digits)",
            )
        if name == "round" and len(args) == 2:
            digits = args[1]
            ok = (
                digits.kind == "num"
                and float(digits.value).is_integer()
                and 0 <= digits.value <= _MAX_DIGITS
            )
            if not ok:
                raise _error(
                    self.expr,
                    f"round 的小数位数要写 0 到 {_MAX_DIGITS} 的整数",
                    f"round's digits must be a whole number from 0 to {_MAX_DIGITS}",
                )


@dataclass(frozen=True)
class ValueExpression:
    """A checked value expression: its tree, the fields it reads and its result kind."""

    text: str
    tree: _Node
    fields: frozenset[str]
    uses_geometry: bool


def parse_value(expr: str, fields: FieldNames) -> ValueExpression:
    """Parse and check a value expression; :class:`InputError` tells what is wrong."""
    try:
        tree = _Parser(expr, _lex(expr, fields), fields).parse()
    except RecursionError:  # a few hundred brackets or minus signs in a row
        raise _too_deep(expr) from None
    names: set[str] = set()
    geometry = False
    stack = [tree]
    while stack:
        node = stack.pop()
        if node.kind == "field":
            names.add(node.value)
        if node.kind == "call" and node.value in ("area", "length"):
            geometry = True
        stack.extend(node.args)
    return ValueExpression(expr, tree, frozenset(names), geometry)


def _too_deep(expr: str) -> InputError:
    return _error(
        expr,
        "嵌套过深（括号、负号或运算的层数太多），请简化或分几步计算",
        "it is nested too deeply (too many levels of brackets, minus signs or operations); "
        "simplify it or compute it in steps",
    )


# --- evaluation -------------------------------------------------------------------------------


@dataclass
class _Val:
    kind: str  # num, text, null
    data: Any  # np.ndarray of float (num) or object (text); None for null


class _Evaluator:
    def __init__(self, expr: str, frame: pd.DataFrame, fields: FieldNames, layer: str) -> None:
        self.expr, self.frame, self.fields, self.layer = expr, frame, fields, layer
        self.n = len(frame)
        self._metric: Any = None

    def metric(self) -> np.ndarray:
        if self._metric is None:
            import geopandas as gpd

            if not isinstance(self.frame, gpd.GeoDataFrame):
                raise _error(self.expr, "该表没有几何，不能量算", "the table has no geometry")
            self._metric = to_metric(self.frame, layer=self.layer).geometry.to_numpy()
        return np.asarray(self._metric)

    def field(self, name: str) -> _Val:
        column = self.frame[name]
        kind = self.fields.field(name).kind
        if kind in ("int", "float", "bool") or pd.api.types.is_numeric_dtype(column):
            values = pd.to_numeric(column, errors="coerce").astype("float64").to_numpy()
            return _Val("num", values)
        if kind == "date" or str(column.dtype).startswith("datetime"):
            stamps = local_times(column)
            text = np.array(
                [None if pd.isna(v) else v.strftime("%Y-%m-%d") for v in stamps], dtype=object
            )
            return _Val("text", text)
        cells = list(column.astype(object))
        return _Val(
            "text", np.array([None if _missing(v) else str(v) for v in cells], dtype=object)
        )

    def eval(self, node: _Node) -> _Val:
        if node.kind == "num":
            return _Val("num", np.full(self.n, float(node.value)))
        if node.kind == "text":
            return _Val("text", np.full(self.n, node.value, dtype=object))
        if node.kind == "null":
            return _Val("null", None)
        if node.kind == "field":
            return self.field(node.value)
        if node.kind == "neg":
            inner = self.number(self.eval(node.args[0]), "-")
            return _Val("num", -inner)
        if node.kind == "bin":
            left, right = self.eval(node.args[0]), self.eval(node.args[1])
            if node.value == "||":
                return self.join(left, right)
            a, b = self.number(left, node.value), self.number(right, node.value)
            if node.value == "+":
                return _Val("num", a + b)
            if node.value == "-":
                return _Val("num", a - b)
            if node.value == "*":
                return _Val("num", a * b)
            with np.errstate(divide="ignore", invalid="ignore"):
                out = a / b
            out[b == 0] = np.nan  # QGIS: a division by zero is null
            return _Val("num", out)
        return self.call(node)

    def call(self, node: _Node) -> _Val:
        if node.value == "area":
            return _Val("num", np.asarray(shapely.area(self.metric()), dtype=float))
        if node.value == "length":
            return _Val("num", np.asarray(shapely.length(self.metric()), dtype=float))
        x = self.number(self.eval(node.args[0]), "round")
        digits = int(node.args[1].value) if len(node.args) == 2 else 0
        scale = 10.0**digits
        with np.errstate(invalid="ignore"):
            out = np.sign(x) * np.floor(np.abs(x) * scale + 0.5) / scale
        return _Val("num", out)

    def number(self, value: _Val, op: str) -> np.ndarray:
        if value.kind == "null":
            return np.full(self.n, np.nan)
        if value.kind == "text":
            raise _error(
                self.expr,
                f"文字不能做“{op}”运算（连接文字用 ||，数字字段不加引号）",
                f"text cannot take '{op}' (join text with ||; numbers go without quotes)",
            )
        return np.asarray(value.data, dtype=float)

    def join(self, left: _Val, right: _Val) -> _Val:
        if left.kind == "null" or right.kind == "null":
            return _Val("text", np.full(self.n, None, dtype=object))
        a, b = _as_text(left), _as_text(right)
        out = np.array(
            [None if x is None or y is None else x + y for x, y in zip(a, b, strict=True)],
            dtype=object,
        )
        return _Val("text", out)


def _missing(value: object) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and np.isnan(value))
    )


def _number_text(x: float) -> str | None:
    if np.isnan(x):
        return None
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.15g}"


def _as_text(value: _Val) -> list[str | None]:
    if value.kind == "num":
        return [_number_text(float(x)) for x in value.data]
    return list(value.data)


def evaluate_value(
    expr: str | ValueExpression,
    frame: pd.DataFrame,
    fields: FieldNames | None = None,
    *,
    layer: str = "",
) -> pd.Series:
    """The expression's value for every row of ``frame``: float64 numbers or object text.

    Missing results are NaN (numbers) or None (text). ``fields`` names the columns (default:
    by their names only); ``layer`` names the layer in messages about its CRS.
    """
    names = fields if fields is not None else FieldNames.of_columns(frame.columns)
    parsed = expr if isinstance(expr, ValueExpression) else parse_value(expr, names)
    for name in parsed.fields:
        if name not in frame.columns:
            raise _error(parsed.text, f"没有字段“{name}”", f"there is no field '{name}'")
    try:
        value = _Evaluator(parsed.text, frame, names, layer or "layer").eval(parsed.tree)
    except RecursionError:  # a chain of many hundred operations (each one level deeper)
        raise _too_deep(parsed.text) from None
    if value.kind == "null":
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    if value.kind == "num":
        return pd.Series(np.asarray(value.data, dtype="float64"), index=frame.index)
    return pd.Series(value.data, index=frame.index, dtype=object)


def result_kind(series: pd.Series) -> str:
    """``num`` or ``text``: what an evaluated expression gave."""
    return "num" if pd.api.types.is_float_dtype(series) else "text"
