"""A small, safe filter language for rule-based styles, selections and table filters.

Expressions look like Python or like QGIS: ``status != '销号' and deaths >= 1``,
``户数 > 1500 AND 所属镇 = '常乐镇'``, ``"class" IN ('国道', '省道')``, ``not registered``,
``name IS NULL``. 'Single quotes' make text (a quote inside is doubled: ``'O''Brien'``) and
"double quotes" name a field. ``=`` and ``==`` both compare for equality, ``<>`` and ``!=``
for inequality; ``and or not in is null true false`` are keywords in any case; the full-width
forms a Chinese input method types (（）， ＝ ＜ ＞ ≠ ≤ ≥ ‘’ “”) work as their ASCII ones.

Fields are named by their field name or, given a :class:`FieldNames` (built from a layer's
schema with :meth:`FieldNames.of_layer`), by the label the user sees: 户数, 户数（户）,
Households, 所属镇（街道） or its short form 所属镇. A field's own name always wins; a label
refers to its field unless it equals another field's name (then it means that field) or
belongs to several fields (then it is refused with a message naming them).

User text is never executed: it is split into tokens by :func:`_lex`, rebuilt as Python
source with every field and text replaced by a placeholder or a literal, parsed with
:mod:`ast` and accepted only when every node is a comparison, a boolean operator, a field or
a literal. Evaluation is vectorised over a DataFrame.

Why one module (over 700 lines): the lexer, the whitelist of syntax nodes and the evaluator
are one safety boundary (nothing a user types is ever run), and a reviewer checks that
boundary by reading them together; field labels are resolved here because the lexer is what
decides whether a word is a field.
"""

from __future__ import annotations

import ast
import datetime as dt
import math
import operator
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from gisdesk.core.errors import StyleError

if TYPE_CHECKING:
    from gisdesk.core.schema import LayerSchema


class _LayerLike(Protocol):
    """What :meth:`FieldNames.of_layer` reads of a layer (core.layer imports this module)."""

    @property
    def data(self) -> pd.DataFrame: ...

    @property
    def schema(self) -> LayerSchema | None: ...

    @property
    def metadata(self) -> Any: ...  # LayerMetadata: field_label(name, language)


__all__ = [
    "MAX_DEPTH",
    "FieldNames",
    "FieldRef",
    "ascii_digits",
    "column_kind",
    "distinct_values",
    "evaluate_filter",
    "filter_fields",
    "filter_tree",
    "literal",
    "normalise_filter",
    "parse_filter",
    "scan_plain",
]

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}

_KEYWORDS = {
    "and": "and",
    "or": "or",
    "not": "not",
    "in": "in",
    "is": "is",
    "null": "None",
    "none": "None",
    "true": "True",
    "false": "False",
}
# operators as typed (ASCII, full-width, maths signs) -> the Python operator
_OPERATORS = {
    "==": "==",
    "!=": "!=",
    "<>": "!=",
    "<=": "<=",
    ">=": ">=",
    "=": "==",
    "<": "<",
    ">": ">",
    "(": "(",
    ")": ")",
    "[": "[",
    "]": "]",
    ",": ",",
    "-": "-",
    "＝＝": "==",
    "！＝": "!=",
    "＜＞": "!=",
    "＜＝": "<=",
    "＞＝": ">=",
    "＝": "==",
    "＜": "<",
    "＞": ">",
    "≠": "!=",
    "≤": "<=",
    "≥": ">=",
    "（": "(",
    "）": ")",
    "，": ",",
    "、": ",",
    "－": "-",
}
_OPERATOR_ORDER = sorted(_OPERATORS, key=len, reverse=True)
_TEXT_QUOTES = {"'": "'", "‘": "’"}
_FIELD_QUOTES = {'"': '"', "“": "”"}
_NUMBER = re.compile(r"([0-9０-９]+\.?[0-9０-９]*|\.[0-9０-９]+)([eE][+-]?[0-9]+)?")
_PLACEHOLDER = "__gisdesk_field_{}__"
# Deeper trees are refused: evaluating one recurses once a level (Python stops near 1,000).
MAX_DEPTH = 100
_DIGITS = {ord(c): ord("0") + i for i, c in enumerate("０１２３４５６７８９")}
_SYNTAX_HINT_ZH = "文字值用单引号（如 所属镇 = '常乐镇'），数字不加引号，括号要成对"
_SYNTAX_HINT_EN = "text goes in single quotes (town = '常乐镇'), numbers without, brackets in pairs"


def _reject(expr: str, zh: str, en: str) -> StyleError:
    return StyleError(
        f"筛选表达式“{expr}”无效：{zh}。",
        f"Filter expression '{expr}' is not valid: {en}.",
    )


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


# --- the fields an expression may name -------------------------------------------------------


@dataclass(frozen=True)
class FieldRef:
    """One field as the user sees it: its name, its labels and its type."""

    name: str
    label_zh: str
    label_en: str
    kind: str = "str"  # str, int, float, bool, date

    def label(self, language: str = "zh") -> str:
        """The label shown in the table header (with its unit), else the name."""
        return (self.label_en if language == "en" else self.label_zh) or self.name


def _short(label: str) -> str:
    """A label without its trailing bracket: 所属镇（街道） -> 所属镇."""
    return re.sub(r"\s*[（(][^（）()]*[）)]\s*$", "", label)


class FieldNames:
    """The names and labels by which an expression may refer to the fields of a table.

    Three tiers, the first that knows a word decides: the field names; the full labels
    (Chinese and English, with and without unit, as the table header shows them); the short
    forms of labels ending in a bracket (所属镇 for 所属镇（街道）). A word known in its tier
    for two fields is ambiguous and refused with a message naming both fields.
    """

    def __init__(
        self, fields: Iterable[FieldRef], extra_labels: Mapping[str, Iterable[str]] | None = None
    ) -> None:
        self.fields: tuple[FieldRef, ...] = tuple(fields)
        extra_labels = extra_labels or {}
        by_name = {f.name: f for f in self.fields}
        full: dict[str, set[str]] = {}
        short: dict[str, set[str]] = {}
        for f in self.fields:
            labels = {f.label_zh, f.label_en, *extra_labels.get(f.name, ())} - {""}
            for label in labels:
                full.setdefault(label, set()).add(f.name)
            for label in labels:
                cut = _short(label)
                if cut and cut != label:
                    short.setdefault(cut, set()).add(f.name)
        self._tiers: tuple[dict[str, tuple[str, ...]], ...] = (
            {name: (name,) for name in by_name},
            {k: tuple(sorted(v)) for k, v in full.items() if k not in by_name},
            {k: tuple(sorted(v)) for k, v in short.items() if k not in by_name and k not in full},
        )
        self._by_name = by_name
        words = {w for tier in self._tiers for w in tier}
        # longest first, so 户数（户） is read before 户数; keywords are never labels
        self.words: tuple[str, ...] = tuple(
            sorted((w for w in words if w.lower() not in _KEYWORDS), key=len, reverse=True)
        )
        self._key = tuple((f.name, f.label_zh, f.label_en) for f in self.fields) + tuple(
            (k, tuple(sorted(v))) for k, v in sorted(extra_labels.items())
        )

    def __hash__(self) -> int:
        return hash(self._key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldNames) and other._key == self._key

    @classmethod
    def of_columns(cls, columns: Iterable[object]) -> FieldNames:
        """Fields known by their names only."""
        return cls(FieldRef(str(c), "", "") for c in columns)

    @classmethod
    def of_layer(cls, layer: _LayerLike) -> FieldNames:
        """The fields of a layer (without its geometry) with their schema or result labels."""
        data = layer.data
        geometry = data.geometry.name if hasattr(data, "geometry") else None
        columns = [str(c) for c in data.columns if c != geometry]
        schema = layer.schema
        order = schema.field_names if schema else []
        columns = [c for c in order if c in columns] + [c for c in columns if c not in order]
        fields = []
        extra: dict[str, list[str]] = {}
        for name in columns:
            spec = schema.field_index.get(name) if schema else None
            if spec is not None:
                fields.append(FieldRef(name, spec.label("zh"), spec.label("en"), spec.type))
                extra[name] = [spec.label_zh, spec.label_en]
                continue
            zh = layer.metadata.field_label(name, "zh") or ""
            en = layer.metadata.field_label(name, "en") or ""
            fields.append(FieldRef(name, zh, en, column_kind(data[name])))
        return cls(fields, extra)

    def field(self, name: str) -> FieldRef:
        """The field of a name."""
        return self._by_name[name]

    def reference(self, name: str, language: str = "zh") -> str:
        """How to write a field in an expression: its shortest label that means it, else "name".

        In Chinese the label the user reads (户数, 所属镇); in English, or when no label
        is unambiguous, the field name (double-quoted unless it is a plain word).
        """
        f = self._by_name[name]
        if language == "zh":
            labels = {_short(f.label_zh), f.label_zh} - {""}
            for label in sorted(labels, key=len):
                if self._means(label, name):
                    return label
        if name.isidentifier() and name.lower() not in _KEYWORDS and self._means(name, name):
            return name
        return '"' + name.replace('"', '""') + '"'

    def _means(self, text: str, name: str) -> bool:
        """Whether ``text`` written bare in an expression is read as the field ``name``."""
        if any(ch.isspace() for ch in text):
            return False
        try:
            tokens = _lex(text, self)
            return (
                len(tokens) == 1
                and tokens[0].kind == "field"
                and (self.resolve(tokens[0].value, text) == name)
            )
        except StyleError:
            return False

    def resolve(self, word: str, expr: str) -> str:
        """The field name a word refers to; :class:`StyleError` when none or several."""
        for tier in self._tiers:
            found = tier.get(word)
            if found is None:
                continue
            if len(found) == 1:
                return found[0]
            names = "、".join(f'{self._by_name[n].label("zh")}（"{n}"）' for n in found)
            names_en = ", ".join(f'{self._by_name[n].label("en")} ("{n}")' for n in found)
            raise _reject(
                expr,
                f"“{word}”可指多个字段：{names}，请用带双引号的字段名",
                f"'{word}' may mean several fields: {names_en}; use the quoted field name",
            )
        shown = "、".join(f.label("zh") for f in self.fields[:12])
        more = "等" if len(self.fields) > 12 else ""
        shown_en = ", ".join(f.label("en") for f in self.fields[:12])
        raise _reject(
            expr,
            f"没有字段“{word}”（可用字段：{shown}{more}）",
            f"there is no field '{word}' (fields: {shown_en}{'…' if more else ''})",
        )


def column_kind(column: pd.Series) -> str:
    """Return the schema field type (``int``, ``float``, ``str``, ``date``, ``bool``) that
    matches a column's dtype, for columns no schema describes (nullable and Arrow dtypes
    included)."""
    if pd.api.types.is_bool_dtype(column):
        return "bool"
    if pd.api.types.is_integer_dtype(column):
        return "int"
    if pd.api.types.is_float_dtype(column):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(column):
        return "date"
    return "str"


# --- tokens and parsing ----------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    """A piece of an expression: its kind, its text and where it starts."""

    kind: str  # text, field, number, word, op; var in the field calculator
    value: str
    at: int  # position in the expression, from 0


def is_quote(ch: str) -> bool:
    """Whether ``ch`` opens a quoted literal ('text' or "field", also the Chinese quotes)."""
    return ch in _TEXT_QUOTES or ch in _FIELD_QUOTES


def scan_quoted(expr: str, i: int) -> tuple[str, str, int] | None:
    """Read the quoted literal starting at ``expr[i]``: ("text" for '...', "field" for
    "..."), its text (a doubled quote stands for itself) and where it ends; None when the
    quote is not closed. Shared by the filter and the field calculator's languages."""
    ch = expr[i]
    close = _TEXT_QUOTES.get(ch) or _FIELD_QUOTES[ch]
    j, parts = i + 1, list[str]()
    while j < len(expr):
        if expr[j] == close:
            if expr[j + 1 : j + 2] != close:
                return ("text" if ch in _TEXT_QUOTES else "field"), "".join(parts), j + 1
            j += 1  # a doubled quote stands for itself
        parts.append(expr[j])
        j += 1
    return None


def field_word_at(expr: str, i: int, fields: FieldNames) -> str | None:
    """The field name or label written at ``expr[i]`` (the longest that is a whole word)."""
    n = len(expr)
    return next(
        (
            w
            for w in fields.words
            if expr.startswith(w, i)
            and not (_word_char(w[-1]) and i + len(w) < n and _word_char(expr[i + len(w)]))
        ),
        None,
    )


def word_end(expr: str, i: int) -> int:
    """Where the word starting at ``expr[i]`` ends."""
    while i < len(expr) and _word_char(expr[i]):
        i += 1
    return i


def ascii_digits(number: str) -> str:
    """Return a number as written with its full-width digits (０-９) made ASCII."""
    return number.translate(_DIGITS)


def scan_plain(expr: str, i: int, operators: Sequence[str]) -> tuple[str, str, int] | None:
    """Read the number, word or operator starting at ``expr[i]``.

    Returns its kind (``number``, ``word`` or ``op``), its text as written and where it
    ends; ``operators`` are tried longest first. None when none of them starts there.
    """
    ch = expr[i]
    number = _NUMBER.match(expr, i)
    if number is not None and (ch.isdigit() or ch == "."):
        return "number", number.group(0), number.end()
    if _word_char(ch):
        j = word_end(expr, i)
        return "word", expr[i:j], j
    op = next((o for o in operators if expr.startswith(o, i)), None)
    return None if op is None else ("op", op, i + len(op))


def tokenize(
    expr: str,
    fields: FieldNames | None,
    operators: Sequence[str],
    *,
    unclosed: Callable[[int], Exception],
    stray: Callable[[int, str], Exception],
    variables: bool = False,
    calls: Collection[str] = (),
) -> list[Token]:
    """Split an expression into tokens; shared by the filter and the field calculator.

    Kinds: ``text`` ('...'), ``field`` ("..." or a field's name or label written bare),
    ``number``, ``word``, ``op`` (one of ``operators``, tried longest first) and, with
    ``variables``, ``var`` (``$area``, lower-cased, without the ``$``). A field name that is
    also one of ``calls`` and is followed by a bracket is a function word (``length(``).
    ``unclosed(at)`` and ``stray(at, char)`` build the language's own errors.
    """
    out: list[Token] = []
    i, n = 0, len(expr)
    while i < n:
        ch = expr[i]
        if ch.isspace():
            i += 1
            continue
        if is_quote(ch):
            quoted = scan_quoted(expr, i)
            if quoted is None:
                raise unclosed(i)
            kind, text, end = quoted
            out.append(Token(kind, text, i))
            i = end
            continue
        if variables and ch == "$":
            j = word_end(expr, i + 1)
            out.append(Token("var", expr[i + 1 : j].lower(), i))
            i = j
            continue
        word = None if fields is None else field_word_at(expr, i, fields)
        if word is not None and not _is_call(expr, i, word, calls):
            out.append(Token("field", word, i))
            i += len(word)
            continue
        plain = scan_plain(expr, i, operators)
        if plain is None:
            raise stray(i, ch)
        kind, text, end = plain
        out.append(Token(kind, text, i))
        i = end
    return out


def _is_call(expr: str, i: int, word: str, calls: Collection[str]) -> bool:
    """Whether a word that is also a field's name is written as a function: ``length(``."""
    return word.lower() in calls and expr[i + len(word) :].lstrip().startswith(("(", "（"))


def _lex(expr: str, fields: FieldNames | None) -> list[Token]:
    return tokenize(
        expr,
        fields,
        _OPERATOR_ORDER,
        unclosed=lambda i: _reject(
            expr,
            f"第 {i + 1} 个字符起的引号没有结束（{_SYNTAX_HINT_ZH}）",
            f"the quote at character {i + 1} is not closed ({_SYNTAX_HINT_EN})",
        ),
        stray=lambda i, ch: _reject(
            expr,
            f"第 {i + 1} 个字符“{ch}”不能用在表达式中（只支持比较、and/or/not、in 和 is null）",
            f"character {i + 1} '{ch}' cannot be used (only comparisons, and/or/not, in "
            "and is null)",
        ),
    )


@dataclass(frozen=True)
class _Compiled:
    tree: ast.Expression
    columns: Mapping[str, str]  # placeholder -> field name
    canonical: str  # the expression in gisdesk's own notation


def _translate(
    tok: Token, fields: FieldNames | None, expr: str, placeholders: dict[str, str]
) -> tuple[str, str]:
    """A token as Python source (fields as placeholders) and in gisdesk's notation."""
    if tok.kind == "field" or (tok.kind == "word" and tok.value.lower() not in _KEYWORDS):
        name = tok.value if fields is None else fields.resolve(tok.value, expr)
        holder = placeholders.setdefault(name, _PLACEHOLDER.format(len(placeholders)))
        return holder, '"' + name.replace('"', '""') + '"'
    if tok.kind == "word":
        text = _KEYWORDS[tok.value.lower()]
        return text, {"None": "null", "True": "true", "False": "false"}.get(text, text)
    if tok.kind == "text":
        return repr(tok.value), "'" + tok.value.replace("'", "''") + "'"
    if tok.kind == "number":  # full-width digits too
        plain = ascii_digits(tok.value)
        return plain, plain
    text = _OPERATORS[tok.value]
    return text, {"==": "="}.get(text, text)


def _parse_python(source: str, starts: list[tuple[int, int]], expr: str) -> ast.Expression:
    """Parse the rebuilt source; a syntax error names the character of ``expr`` near it."""
    try:
        tree = ast.parse(source, mode="eval")
    except RecursionError:  # a few thousand nots or minus signs
        raise _too_deep(expr) from None
    except SyntaxError as exc:
        at = (exc.offset or 0) - 1
        if at < 0 or at >= len(source):
            raise _reject(
                expr,
                f"表达式不完整，末尾缺少值、条件或右括号（{_SYNTAX_HINT_ZH}）",
                f"the expression is incomplete: a value, condition or bracket is missing at "
                f"the end ({_SYNTAX_HINT_EN})",
            ) from None
        where = max((orig for pos, orig in starts if pos <= at), default=0) + 1
        if "never closed" in str(exc.msg):
            raise _reject(
                expr,
                f"第 {where} 个字符的括号没有配对的右括号",
                f"the bracket at character {where} is never closed",
            ) from None
        raise _reject(
            expr,
            f"第 {where} 个字符附近语法有误（{_SYNTAX_HINT_ZH}）",
            f"syntax error near character {where} ({_SYNTAX_HINT_EN})",
        ) from None
    if _depth(tree) > MAX_DEPTH + 3:  # levels besides the expression, a name and its context
        raise _too_deep(expr)
    return tree


def _too_deep(expr: str) -> StyleError:
    return _reject(
        expr,
        f"嵌套过深（not、负号或括号超过 {MAX_DEPTH} 层），请简化",
        f"it is nested too deeply (over {MAX_DEPTH} levels of not, minus or brackets); simplify it",
    )


def _depth(tree: ast.AST) -> int:
    """How deeply the tree's nodes nest (counted without recursion)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


@lru_cache(maxsize=512)
def _compile(expr: str, fields: FieldNames | None) -> _Compiled:
    tokens = _lex(expr, fields)
    if not tokens:
        raise _reject(expr, "表达式是空的", "the expression is empty")
    python: list[str] = []
    starts: list[tuple[int, int]] = []  # (position in the Python text, position in expr)
    canonical: list[str] = []
    placeholders: dict[str, str] = {}  # field name -> placeholder
    length = 0
    for tok in tokens:
        text, shown = _translate(tok, fields, expr, placeholders)
        starts.append((length, tok.at))
        python.append(text)
        canonical.append(shown)
        length += len(text) + 1
    columns = {holder: name for name, holder in placeholders.items()}
    tree = _parse_python(" ".join(python), starts, expr)
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
            raise _reject(
                expr,
                f"不支持“{type(node).__name__}”（只支持比较、and/or/not、in 和 is null）",
                f"'{type(node).__name__}' is not allowed (only comparisons, and/or/not, in "
                "and is null)",
            )
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            number = isinstance(node.operand, ast.Constant) and type(node.operand.value) in (
                int,
                float,
            )
            if not number:
                raise _reject(expr, "负号只能用在数字前", "a minus sign goes before a number only")
        if isinstance(node, ast.Name) and node.id not in columns and node.id not in _CONSTANTS:
            raise _reject(expr, f"不认识“{node.id}”", f"'{node.id}' is not known")
    return _Compiled(tree, columns, _join(canonical))


def _join(parts: list[str]) -> str:
    """Tokens as one line: a space between two, none inside brackets or before a comma."""
    out = ""
    for part in parts:
        tight = not out or out[-1] in "([" or part in (")", "]", ",")
        out += part if tight else " " + part
    return out


_CONSTANTS = {"True": True, "False": False, "None": None}


def parse_filter(expr: str) -> ast.Expression:
    """Parse and check an expression, raising :class:`StyleError` if it is not allowed."""
    return _compile(expr, None).tree


def filter_tree(
    expr: str, fields: FieldNames | None = None
) -> tuple[ast.Expression, dict[str, str]]:
    """The checked syntax tree of an expression and its fields (placeholder -> field name).

    For writers that translate gisdesk filters into another language (QGIS, SLD): every
    field in the tree is a name that is a key of the mapping.
    """
    compiled = _compile(expr, fields)
    return compiled.tree, dict(compiled.columns)


def filter_fields(expr: str, fields: FieldNames | None = None) -> set[str]:
    """Return the field names an expression refers to."""
    return set(_compile(expr, fields).columns.values())


def normalise_filter(expr: str, fields: FieldNames | None = None) -> str:
    """The expression in gisdesk's own notation: fields by "name", ``=``, ``<>``, ``null``.

    ``户数 > 1500 AND 所属镇 = '常乐镇'`` -> ``"households" > 1500 and "town" = '常乐镇'``.
    """
    return _compile(expr, fields).canonical


def evaluate_filter(expr: str, df: pd.DataFrame, fields: FieldNames | None = None) -> np.ndarray:
    """Evaluate an expression on every row; missing values never match a comparison.

    Without ``fields`` an expression names the columns of ``df`` by their names.
    """
    names = fields if fields is not None else FieldNames.of_columns(df.columns)
    compiled = _compile(expr, names)
    result = _eval(compiled.tree.body, df, expr, compiled.columns)
    if np.isscalar(result) or isinstance(result, bool):
        return np.full(len(df), bool(result))
    return np.asarray(pd.Series(result).fillna(False), dtype=bool)


def _eval(node: ast.AST, df: pd.DataFrame, expr: str, columns: Mapping[str, str]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List | ast.Tuple):
        return [_eval(e, df, expr, columns) for e in node.elts]
    if isinstance(node, ast.Name):
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        column = columns[node.id]
        if column not in df.columns:
            raise _reject(expr, f"没有字段“{column}”", f"there is no field '{column}'")
        return df[column]
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, df, expr, columns)
        if isinstance(node.op, ast.Not):
            return ~_as_bool(value, len(df))
        return -value  # a number: checked when parsed
    if isinstance(node, ast.BoolOp):
        parts = [_as_bool(_eval(v, df, expr, columns), len(df)) for v in node.values]  # noqa: PD011
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        out = parts[0]
        for p in parts[1:]:
            out = combine(out, p)
        return out
    if isinstance(node, ast.Compare):
        left = _eval(node.left, df, expr, columns)
        out = np.ones(len(df), dtype=bool)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = _eval(comp, df, expr, columns)
            out &= _compare(op, left, right, len(df), expr)
            left = right
        return out
    raise _reject(expr, f"不支持“{type(node).__name__}”", f"'{type(node).__name__}' is not allowed")


def _as_bool(value: Any, n: int) -> np.ndarray:
    if isinstance(value, pd.Series):
        return np.asarray(value.fillna(False), dtype=bool)
    if isinstance(value, np.ndarray):
        return value.astype(bool)
    return np.full(n, bool(value))


def _compare(op: ast.cmpop, left: Any, right: Any, n: int, expr: str) -> np.ndarray:
    if isinstance(op, ast.Is | ast.IsNot):
        if right is not None:
            raise _reject(
                expr,
                "is 只能和 null 比较（如 隐患描述 is null）",
                "'is' only compares with null (hazard is null)",
            )
        missing = (
            left.isna().to_numpy() if isinstance(left, pd.Series) else np.full(n, left is None)
        )
        return missing if isinstance(op, ast.Is) else ~missing
    if isinstance(op, ast.In | ast.NotIn):
        if not isinstance(right, list):
            raise _reject(
                expr,
                "in 后面要列出取值，如 in ('国道', '省道')",
                "'in' needs a list such as ('国道', '省道')",
            )
        inside = (
            left.isin(right).to_numpy()
            if isinstance(left, pd.Series)
            else np.full(n, left in right)
        )
        return inside if isinstance(op, ast.In) else ~inside
    fn = _COMPARE[type(op)]
    try:
        result = fn(left, right)
    except (TypeError, ValueError):
        raise _reject(
            expr,
            "比较的两边类型不同（如数字和文字）；数字不加引号，文字和日期用单引号",
            "values of different kinds are compared; numbers go without quotes, text and "
            "dates in single quotes",
        ) from None
    if isinstance(result, pd.Series):
        return np.asarray(result.fillna(False), dtype=bool)
    return np.full(n, bool(result))


# --- writing values into expressions ---------------------------------------------------------


def literal(value: object) -> str:
    """A value written in the filter language: '常乐镇', 1500, 2.5, true, null, '2023-01-10'."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "null"
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return "null"
        if math.isinf(number):
            raise StyleError(
                "无穷大不能写入表达式。", "Infinity cannot be written in an expression."
            )
        return repr(number)
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        midnight = (stamp.hour, stamp.minute, stamp.second) == (0, 0, 0)
        text = stamp.strftime("%Y-%m-%d") if midnight else stamp.isoformat(sep=" ")
        return f"'{text}'"
    if isinstance(value, dt.date):
        return f"'{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def distinct_values(column: pd.Series, limit: int = 500) -> list[tuple[object, int]]:
    """The distinct non-missing values of a column with their counts, in ascending order.

    At most ``limit`` values (the first in order); values are plain Python (text, int, float,
    bool, pandas Timestamp).
    """
    counts = column.dropna().value_counts(sort=False)
    try:
        counts = counts.sort_index()
    except TypeError:  # mixed kinds: order by their text
        counts = counts.iloc[np.argsort([str(v) for v in counts.index], kind="stable")]
    out: list[tuple[object, int]] = []
    for value, count in counts.iloc[:limit].items():
        plain: object = value
        if isinstance(value, np.generic):
            plain = value.item()
        out.append((plain, int(count)))
    return out
