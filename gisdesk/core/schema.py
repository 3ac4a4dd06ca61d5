"""Layer schemas: what each layer type holds, and how a layer is checked against it.

A schema comes from a file in ``layers/`` (read by :mod:`gisdesk.io.schemas`); here it is
plain data plus the checks, which report every problem row by row instead of stopping at
the first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, Literal

import numpy as np
import pandas as pd

from gisdesk.core.errors import SchemaError
from gisdesk.core.i18n import tr
from gisdesk.core.values import local_times

__all__ = [
    "FIELD_TYPES",
    "GEOMETRY_FAMILY",
    "GEOMETRY_TYPES",
    "DomainValue",
    "FieldSpec",
    "LayerSchema",
    "coerce_to_schema",
    "coerce_values",
]

FieldType = Literal["str", "int", "float", "bool", "date"]
FIELD_TYPES: tuple[str, ...] = ("str", "int", "float", "bool", "date")
GEOMETRY_TYPES: tuple[str, ...] = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
)
# single and multi types of one kind: what a layer of that kind may hold
GEOMETRY_FAMILY: dict[str, str] = {
    "Point": "Point",
    "MultiPoint": "Point",
    "LineString": "LineString",
    "MultiLineString": "LineString",
    "Polygon": "Polygon",
    "MultiPolygon": "Polygon",
}


@dataclass(frozen=True)
class DomainValue:
    """One allowed value of a field, with its labels."""

    value: str | int
    zh: str
    en: str

    def label(self, language: str = "zh") -> str:
        """Return the label in the given language."""
        return tr(self.zh, self.en, language)


@dataclass(frozen=True)
class FieldSpec:
    """One attribute column of a layer type."""

    name: str
    type: FieldType
    label_zh: str
    label_en: str
    required: bool = False
    unit: str | None = None
    domain: tuple[DomainValue, ...] = ()
    min: float | None = None
    max: float | None = None
    pattern: str | None = None

    def label(self, language: str = "zh") -> str:
        """Return the column label in the given language, with its unit."""
        text = tr(self.label_zh, self.label_en, language)
        return (
            f"{text}（{self.unit}）"
            if self.unit and language == "zh"
            else (f"{text} ({self.unit})" if self.unit else text)
        )

    @property
    def domain_values(self) -> tuple[str | int, ...]:
        """The allowed values, or an empty tuple when any value goes."""
        return tuple(d.value for d in self.domain)

    def domain_label(self, value: object, language: str = "zh") -> str:
        """Return the label of a domain value (the value itself when it has none)."""
        for d in self.domain:
            if d.value == value:
                return d.label(language)
        return "" if value is None else str(value)


@dataclass(frozen=True)
class LayerSchema:
    """A layer type: geometry, fields and default style."""

    id: str
    title_zh: str
    title_en: str
    geometry: str
    fields: tuple[FieldSpec, ...]
    style: str
    label_field: str | None = None
    description: str = ""
    field_index: Mapping[str, FieldSpec] = dc_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "field_index", {f.name: f for f in self.fields})

    def title(self, language: str = "zh") -> str:
        """Return the layer type's title in the given language."""
        return tr(self.title_zh, self.title_en, language)

    @property
    def field_names(self) -> list[str]:
        """Field names in schema order."""
        return [f.name for f in self.fields]

    def field(self, name: str) -> FieldSpec:
        """Return a field by name, or raise a :class:`SchemaError` naming the layer."""
        try:
            return self.field_index[name]
        except KeyError:
            raise SchemaError(
                f"图层类型“{self.title_zh}”没有字段“{name}”。",
                f"Layer type '{self.id}' has no field '{name}'.",
            ) from None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "") -> LayerSchema:
        """Build a schema from the parsed contents of a schema file."""
        where = f" ({source})" if source else ""
        try:
            schema_id = str(data["id"])
            geometry = str(data["geometry"])
            raw_fields: Sequence[Mapping[str, Any]] = data.get("fields", [])
        except KeyError as exc:
            raise SchemaError(
                f"图层定义文件缺少“{exc.args[0]}”{where}。",
                f"Schema file lacks '{exc.args[0]}'{where}.",
            ) from None
        if geometry not in GEOMETRY_TYPES:
            raise SchemaError(
                f"图层定义“{schema_id}”的几何类型“{geometry}”无效{where}。",
                f"Schema '{schema_id}' has unknown geometry type '{geometry}'{where}; "
                f"use one of {', '.join(GEOMETRY_TYPES)}.",
            )
        fields = tuple(_field_from_dict(schema_id, f, where) for f in raw_fields)
        names = [f.name for f in fields]
        if len(set(names)) != len(names):
            raise SchemaError(
                f"图层定义“{schema_id}”中有重复字段{where}。",
                f"Schema '{schema_id}' lists a field twice{where}.",
            )
        label_field = data.get("label_field")
        if label_field is not None and label_field not in names:
            raise SchemaError(
                f"图层定义“{schema_id}”的标注字段“{label_field}”不存在{where}。",
                f"Schema '{schema_id}' labels by missing field '{label_field}'{where}.",
            )
        return cls(
            id=schema_id,
            title_zh=str(data.get("title_zh", schema_id)),
            title_en=str(data.get("title_en", schema_id)),
            geometry=geometry,
            fields=fields,
            style=str(data.get("style", schema_id)),
            label_field=label_field,
            description=str(data.get("description", "")),
        )


def _field_from_dict(schema_id: str, data: Mapping[str, Any], where: str) -> FieldSpec:
    name = data.get("name")
    ftype = data.get("type")
    if not isinstance(name, str) or not name:
        raise SchemaError(
            f"图层定义“{schema_id}”中有字段缺少名称{where}。",
            f"Schema '{schema_id}' has a field without a name{where}.",
        )
    if ftype not in FIELD_TYPES:
        raise SchemaError(
            f"图层定义“{schema_id}”字段“{name}”的类型“{ftype}”无效{where}。",
            f"Field '{name}' of schema '{schema_id}' has unknown type '{ftype}'{where}; "
            f"use one of {', '.join(FIELD_TYPES)}.",
        )
    domain = tuple(
        DomainValue(
            value=d["value"],
            zh=str(d.get("zh", d["value"])),
            en=str(d.get("en", d.get("zh", d["value"]))),
        )
        for d in data.get("domain", [])
    )
    pattern = data.get("pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise SchemaError(
                f"字段“{name}”的格式规则无效：{exc}{where}",
                f"Field '{name}' has an invalid pattern: {exc}{where}",
            ) from None
    return FieldSpec(
        name=name,
        type=ftype,
        label_zh=str(data.get("label_zh", name)),
        label_en=str(data.get("label_en", name)),
        required=bool(data.get("required", False)),
        unit=data.get("unit"),
        domain=domain,
        min=None if data.get("min") is None else float(data["min"]),
        max=None if data.get("max") is None else float(data["max"]),
        pattern=pattern,
    )


def coerce_to_schema(df: pd.DataFrame, schema: LayerSchema) -> pd.DataFrame:
    """Return a copy whose schema columns have gisdesk's in-memory dtypes.

    str -> pandas string, int -> nullable Int64, float -> float64, bool -> nullable boolean,
    date -> datetime64[ms] normalised to midnight. A column with any value that cannot be
    converted is left exactly as it is, so nothing the user typed is lost;
    :func:`gisdesk.core.validation.validate_layer` reports the bad values row by row.
    """
    out = df.copy()
    for spec in schema.fields:
        if spec.name not in out.columns:
            continue
        raw = out[spec.name]
        converted = coerce_values(raw, spec.type)
        raw_missing = raw.isna() | (raw.astype("string").str.strip() == "").fillna(False)
        if bool((converted.isna() & ~raw_missing).any()):
            continue  # keep what the user typed; validation reports the bad values
        out[spec.name] = converted
    return out


def coerce_values(values: pd.Series, ftype: FieldType) -> pd.Series:
    """Convert values to a field type's in-memory dtype; unconvertible values become missing."""
    if ftype == "str":
        return values.astype("string").astype(object).where(values.notna(), None)
    if ftype == "int":
        numeric = pd.to_numeric(values, errors="coerce").astype("float64")
        # inf, nan text and numbers beyond int64 are not whole numbers a field can hold
        fits = np.isfinite(numeric) & (numeric.abs() < _INT64_LIMIT)
        whole = numeric.where(fits & np.isclose(numeric, np.round(numeric)))
        return whole.round().astype("Int64")
    if ftype == "float":
        return pd.to_numeric(values, errors="coerce").astype("float64")
    if ftype == "bool":
        return values.map(_to_bool, na_action="ignore").astype("boolean")
    days: pd.Series = local_times(values).dt.normalize()
    return days.astype("datetime64[ms]")


_INT64_LIMIT = 2.0**63


_TRUE = {"1", "true", "t", "yes", "y", "是", "对", "√"}
_FALSE = {"0", "false", "f", "no", "n", "否", "无", "×"}


def _to_bool(value: object) -> bool | None:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None
