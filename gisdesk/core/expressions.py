"""A small, safe filter language for rule-based styles and selections.

Expressions look like Python: ``status != '销号' and deaths >= 1``,
``"class" in ['国道', '省道']``, ``not registered``, ``name is None``. As in QGIS, 'single
quotes' make text and "double quotes" name a field, which is how a field named like a
keyword (``"class"``) is written. Expressions are parsed with :mod:`ast` and only
comparisons, boolean operators, field names and literals are accepted, so a style file from
a colleague cannot run code. Evaluation is vectorised over a DataFrame.
"""

from __future__ import annotations

import ast
import io
import operator
import tokenize
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from gisdesk.core.errors import StyleError

__all__ = ["evaluate_filter", "filter_fields", "parse_filter"]

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


def _reject(expr: str, what: str) -> StyleError:
    return StyleError(
        f"筛选表达式“{expr}”无效：{what}。",
        f"Filter expression '{expr}' is not valid: {what}.",
    )


_PLACEHOLDER = "__gisdesk_field_{}__"


def _quote_fields(expr: str) -> tuple[str, dict[str, str]]:
    """Replace "double-quoted" field names by identifiers Python can parse."""
    fields: dict[str, str] = {}
    out: list[tuple[int, str]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(expr.strip()).readline):
            if tok.type == tokenize.STRING and tok.string.startswith('"'):
                name = _PLACEHOLDER.format(len(fields))
                fields[name] = ast.literal_eval(tok.string)
                out.append((tokenize.NAME, name))
            else:
                out.append((tok.type, tok.string))
    except (tokenize.TokenError, SyntaxError, ValueError) as exc:
        raise _reject(expr, f"unbalanced quotes or brackets ({exc})") from None
    return tokenize.untokenize(out), fields


@lru_cache(maxsize=256)
def _parse(expr: str) -> tuple[ast.Expression, dict[str, str]]:
    text, fields = _quote_fields(expr)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise _reject(expr, f"syntax error at column {exc.offset}") from None
    for node in ast.walk(tree):
        if not isinstance(
            node,
            ast.Expression
            | ast.BoolOp
            | ast.And
            | ast.Or
            | ast.UnaryOp
            | ast.Not
            | ast.USub
            | ast.Compare
            | ast.Name
            | ast.Load
            | ast.Constant
            | ast.List
            | ast.Tuple
            | ast.In
            | ast.NotIn
            | ast.Is
            | ast.IsNot
            | ast.cmpop,
        ):
            raise _reject(expr, f"'{type(node).__name__}' is not allowed")
        if isinstance(node, ast.Name) and node.id not in fields:
            fields.setdefault(node.id, node.id)
    return tree, fields


def parse_filter(expr: str) -> ast.Expression:
    """Parse and check an expression, raising :class:`StyleError` if it is not allowed."""
    return _parse(expr)[0]


def filter_fields(expr: str) -> set[str]:
    """Return the field names an expression refers to."""
    tree, fields = _parse(expr)
    return {fields[n.id] for n in ast.walk(tree) if isinstance(n, ast.Name)} - {
        "True",
        "False",
        "None",
    }


def evaluate_filter(expr: str, df: pd.DataFrame) -> np.ndarray:
    """Evaluate an expression on every row; missing values never match a comparison."""
    tree, fields = _parse(expr)
    result = _eval(tree.body, df, expr, fields)
    if np.isscalar(result) or isinstance(result, bool):
        return np.full(len(df), bool(result))
    return np.asarray(pd.Series(result).fillna(False), dtype=bool)


def _eval(node: ast.AST, df: pd.DataFrame, expr: str, fields: dict[str, str]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List | ast.Tuple):
        return [_eval(e, df, expr, fields) for e in node.elts]
    if isinstance(node, ast.Name):
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        column = fields.get(node.id, node.id)
        if column not in df.columns:
            raise _reject(expr, f"no field '{column}'")
        return df[column]
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, df, expr, fields)
        if isinstance(node.op, ast.Not):
            return ~_as_bool(value, len(df))
        return -value
    if isinstance(node, ast.BoolOp):
        parts = [_as_bool(_eval(v, df, expr, fields), len(df)) for v in node.values]  # noqa: PD011
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        out = parts[0]
        for p in parts[1:]:
            out = combine(out, p)
        return out
    if isinstance(node, ast.Compare):
        left = _eval(node.left, df, expr, fields)
        out = np.ones(len(df), dtype=bool)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = _eval(comp, df, expr, fields)
            out &= _compare(op, left, right, len(df), expr)
            left = right
        return out
    raise _reject(expr, f"'{type(node).__name__}' is not allowed")


def _as_bool(value: Any, n: int) -> np.ndarray:
    if isinstance(value, pd.Series):
        return np.asarray(value.fillna(False), dtype=bool)
    if isinstance(value, np.ndarray):
        return value.astype(bool)
    return np.full(n, bool(value))


def _compare(op: ast.cmpop, left: Any, right: Any, n: int, expr: str) -> np.ndarray:
    if isinstance(op, ast.Is | ast.IsNot):
        if right is not None:
            raise _reject(expr, "'is' only compares with None")
        missing = (
            left.isna().to_numpy() if isinstance(left, pd.Series) else np.full(n, left is None)
        )
        return missing if isinstance(op, ast.Is) else ~missing
    if isinstance(op, ast.In | ast.NotIn):
        if not isinstance(right, list):
            raise _reject(expr, "'in' needs a list such as ['国道', '省道']")
        inside = (
            left.isin(right).to_numpy()
            if isinstance(left, pd.Series)
            else np.full(n, left in right)
        )
        return inside if isinstance(op, ast.In) else ~inside
    fn = _COMPARE[type(op)]
    try:
        result = fn(left, right)
    except TypeError:
        raise _reject(expr, "values of different kinds are compared") from None
    if isinstance(result, pd.Series):
        return np.asarray(result.fillna(False), dtype=bool)
    return np.full(n, bool(result))
