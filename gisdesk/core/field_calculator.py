"""The field calculator without Qt: compute a field from a value expression, as one edit.

:func:`calculate` evaluates a :mod:`~gisdesk.core.value_expressions` expression on all
features or the selected ones, converts the results to the field's type (the schema's type
for an existing field; 整数 / 小数 / 文本 for a new one) and returns the changes, which the
caller commits through the :class:`~gisdesk.core.editing.Editor` as one transaction: the
editor checks each value against the schema (value lists, ranges) and the layer's guards, and
one undo puts every value back. :func:`add_field` adds the empty column a new field needs
and :func:`remove_field` takes an empty one away again (changes of the table, not of
features: the window makes them one undo step with the values, ``ui/editing.py``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gisdesk.core.editing import Editor, FeatureChange
from gisdesk.core.errors import InputError
from gisdesk.core.expressions import FieldNames
from gisdesk.core.layer import Layer
from gisdesk.core.value_expressions import evaluate_value, parse_value

__all__ = [
    "NEW_FIELD_TYPES",
    "Calculation",
    "FieldCalculation",
    "add_field",
    "calculate",
    "check_new_field_name",
    "field_kind",
    "remove_field",
]

NEW_FIELD_TYPES: dict[str, tuple[str, str]] = {
    "int": ("整数", "Whole number"),
    "float": ("小数", "Decimal number"),
    "str": ("文本", "Text"),
}
"""The types a new field may have (key: the schema's type name)."""

_NAME = re.compile(r"^[^\W\d]\w{0,62}$")
_EMPTY: dict[str, Any] = {
    "int": lambda n: pd.array([None] * n, dtype="Int64"),
    "float": lambda n: np.full(n, np.nan),
    "str": lambda n: np.full(n, None, dtype=object),
}


@dataclass(frozen=True)
class FieldCalculation:
    """What to compute: the layer, the field (existing, or new of a type), the expression."""

    layer: str
    field: str
    expression: str
    new_field: bool = False
    kind: str = "float"  # the new field's type: int, float, str
    selected_only: bool = False


@dataclass(frozen=True)
class Calculation:
    """The computed values: feature ids, values in the field's type, and the edit's label."""

    fids: tuple[int, ...]
    computed: tuple[Any, ...]
    kind: str
    label_zh: str
    label_en: str

    def changes(self, editor: Editor, layer: str, field: str) -> list[FeatureChange]:
        """The changes that set the values (features whose value is unchanged are left)."""
        out: list[FeatureChange] = []
        for fid, value in zip(self.fids, self.computed, strict=True):
            found = editor.update_change(layer, fid, {field: value})
            if found is not None:
                out.append(found[0])
        return out


def field_kind(layer: Layer, field: str) -> str:
    """The type values of a field are converted to: int, float, str, bool or date."""
    spec = layer.schema.field_index.get(field) if layer.schema else None
    if spec is not None:
        return spec.type
    return FieldNames.of_layer(layer).field(field).kind


def check_new_field_name(layer: Layer, name: str) -> str:
    """The name of a new field, stripped; :class:`InputError` when it cannot be one."""
    name = name.strip()
    if not _NAME.match(name):
        raise InputError(
            f"新字段名“{name}”不可用：以字母或汉字开头，只含字母、汉字、数字和下划线，"
            "最多 63 个字符。",
            f"'{name}' cannot be a field name: start with a letter, use letters, digits and "
            "underscores only, at most 63 characters.",
        )
    geometry = layer.data.geometry.name
    taken = {str(c).lower() for c in layer.data.columns} | {"fid", geometry.lower()}
    if layer.schema is not None:
        taken |= {f.name.lower() for f in layer.schema.fields}
    if name.lower() in taken:
        raise InputError(
            f"图层“{layer.title}”已有字段“{name}”：请选择“更新现有字段”或换一个名字。",
            f"Layer '{layer.title}' already has a field '{name}': update it or choose "
            "another name.",
        )
    try:  # a label of another field would make later expressions ambiguous
        FieldNames.of_layer(layer).resolve(name, name)
    except InputError:
        return name
    raise InputError(
        f"“{name}”已是图层“{layer.title}”某个字段的名称，请换一个名字。",
        f"'{name}' already names a field of layer '{layer.title}'; choose another name.",
    )


def _to_kind(value: Any, kind: str, expr: str, fid: int) -> Any:
    """One computed value in the field's type (None for null)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if kind in ("int", "float"):
        if isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                raise InputError(
                    f"表达式“{expr}”对要素 {fid} 算出文字“{value}”，不能写入数字字段。",
                    f"'{expr}' gives the text '{value}' for feature {fid}, which cannot go "
                    "into a number field.",
                ) from None
        else:
            number = float(value)
        if math.isinf(number):
            raise InputError(
                f"表达式“{expr}”对要素 {fid} 算出无穷大。",
                f"'{expr}' gives infinity for feature {fid}.",
            )
        if kind == "int":  # to the nearest whole number, halves away from zero
            return int(math.copysign(math.floor(abs(number) + 0.5), number))
        return number
    if kind == "str":
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.15g}"
        return str(value)
    return value  # bool, date: the editor's schema check converts or refuses


def calculate(layer: Layer, calc: FieldCalculation, *, limit: int | None = None) -> Calculation:
    """Evaluate the expression for the chosen features (the first ``limit`` for a preview).

    Raises :class:`InputError` for a bad expression, a missing field, no selected features
    or a value the field's type cannot hold.
    """
    fields = FieldNames.of_layer(layer)
    parsed = parse_value(calc.expression, fields)
    if calc.new_field:
        if calc.kind not in NEW_FIELD_TYPES:
            raise InputError(
                f"新字段的类型“{calc.kind}”不可用。", f"Unknown field type '{calc.kind}'."
            )
        kind = calc.kind
    else:
        if calc.field not in layer.data.columns or calc.field == layer.data.geometry.name:
            raise InputError(
                f"图层“{layer.title}”没有字段“{calc.field}”。",
                f"Layer '{layer.title}' has no field '{calc.field}'.",
            )
        kind = field_kind(layer, calc.field)
    if calc.selected_only:
        rows = np.asarray(layer.selection, dtype=np.intp)
        if not len(rows):
            raise InputError(
                f"图层“{layer.title}”没有选中的要素：先选择要素，或取消“只更新所选要素”。",
                f"Layer '{layer.title}' has no selected features: select some, or update "
                "all features.",
            )
    else:
        rows = np.arange(len(layer.data), dtype=np.intp)
    if limit is not None:
        rows = rows[:limit]
    frame = layer.data.iloc[rows]
    result = evaluate_value(parsed, frame, fields, layer=layer.title)
    fids = [int(f) for f in layer.fids[rows]]
    values = tuple(
        _to_kind(v, kind, calc.expression, fid)
        for v, fid in zip(result.tolist(), fids, strict=True)
    )
    field_label = calc.field
    if not calc.new_field:
        field_label = fields.field(calc.field).label("zh")
    return Calculation(
        tuple(fids),
        values,
        kind,
        f"字段计算器：{field_label} = {calc.expression}（{layer.title}，{len(fids)} 个要素）",
        f"Field calculator: {calc.field} = {calc.expression} ({layer.title}, {len(fids)} features)",
    )


def add_field(layer: Layer, name: str, kind: str) -> None:
    """Add an empty field of a type to the layer's table (checked by
    :func:`check_new_field_name`), before the geometry column."""
    name = check_new_field_name(layer, name)
    if kind not in _EMPTY:
        raise InputError(f"新字段的类型“{kind}”不可用。", f"Unknown field type '{kind}'.")
    data = layer.data.copy()
    position = list(data.columns).index(data.geometry.name)
    data.insert(position, name, pd.Series(_EMPTY[kind](len(data)), index=data.index))
    layer.set_data(data)


def remove_field(layer: Layer, name: str) -> None:
    """Remove a field whose values are all empty from the layer's table (undoing
    :func:`add_field`); :class:`InputError` when it is not a field or still holds values."""
    data = layer.data
    if name not in data.columns or name == data.geometry.name:
        raise InputError(
            f"图层“{layer.title}”没有字段“{name}”。",
            f"Layer '{layer.title}' has no field '{name}'.",
        )
    if layer.schema is not None and name in layer.schema.field_index:
        raise InputError(
            f"“{name}”是图层“{layer.title}”的规定字段，不能删除。",
            f"'{name}' is a field of the schema of layer '{layer.title}' and cannot be removed.",
        )
    if data[name].notna().any():
        raise InputError(
            f"图层“{layer.title}”的字段“{name}”还有值，未删除。",
            f"Field '{name}' of layer '{layer.title}' still holds values; it was not removed.",
        )
    layer.set_data(data.drop(columns=[name]))
