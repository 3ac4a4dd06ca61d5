"""What every task shares: where its layers come from and what it hands back.

A task (one module per job: :mod:`~gisdesk.tasks.zones`, :mod:`~gisdesk.tasks.service_areas`,
:mod:`~gisdesk.tasks.siting`) takes a frozen ``Request`` and a :class:`LayerSource` and
returns a :class:`Result`: its layers with a schema (Chinese and English label and unit of
every column), a per-town (or per-station) summary table, district totals and notes, and
the request and source layers it came from. The window and the command line only show or
write a Result; :func:`format_value` is the one formatter of its figures (counts as whole
numbers, shares as percentages) for the printed table and the results dock alike.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from gisdesk.core.i18n import language, normalise_language, tr

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from gisdesk.analysis.targets.model import Target
    from gisdesk.core.project import Project
    from gisdesk.core.schema import LayerSchema
    from gisdesk.core.style import LayerStyle

__all__ = [
    "COMMON_FIELDS",
    "Column",
    "FieldInfo",
    "Figure",
    "LayerSource",
    "Note",
    "ProjectSource",
    "Request",
    "Result",
    "ResultLayer",
    "SummaryTable",
    "ValueKind",
    "field_infos",
    "finite_frame",
    "format_value",
    "schema_fields",
]

ValueKind = Literal["text", "count", "share", "number"]
UNITS_EN = {"米": "m", "千米": "km", "分钟": "min", "人": "people", "户": "households", "个": ""}
"""English for the units results use (a unit not listed reads the same in both)."""


def _is_en(lang: str | None) -> bool:
    return normalise_language(lang or language()) == "en"


def _with_unit(label: str, unit: str, lang: str | None) -> str:
    if _is_en(lang):
        unit = UNITS_EN.get(unit, unit)
        return f"{label} ({unit})" if unit else label
    return f"{label}（{unit}）" if unit else label


def format_value(value: object, kind: ValueKind = "text", unit: str = "") -> str:
    """Return a figure as shown to users: counts whole, shares in percent, "-" for none.

    ``count``: 232 (not 232.0); ``share``: a 0-1 fraction as 92.8%; ``number``: one decimal
    with its unit (12.5 分钟); ``text``: the value as text.
    """
    if value is None:
        return "-"
    if kind == "text":
        return str(value)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return "-"
    if kind == "count":
        return str(round(number))
    if kind == "share":
        return f"{100.0 * number:.1f}%"
    shown = f"{number:.1f}"
    return f"{shown} {unit}" if unit else shown  # the unit as given (zh or en)


@dataclass(frozen=True)
class FieldInfo:
    """One column of a result layer: its name, Chinese and English label, unit and values.

    ``codes`` labels coded values (e.g. ``("too_far", "超出时间", "Too far")``).
    """

    name: str
    zh: str
    en: str
    unit: str = ""
    codes: tuple[tuple[str, str, str], ...] = ()

    def label(self, lang: str | None = None) -> str:
        """Return the label with its unit, e.g. ``距离（米）`` / ``Distance (m)``."""
        return _with_unit(tr(self.zh, self.en, lang), self.unit, lang)

    def value_label(self, value: object, lang: str | None = None) -> str:
        """Return the label of a coded value (the value itself when it has none)."""
        for key, zh, en in self.codes:
            if key == value:
                return tr(zh, en, lang)
        return "" if value is None else str(value)


COMMON_FIELDS: dict[str, FieldInfo] = {
    f.name: f
    for f in (
        FieldInfo("code", "编码", "Code"),
        FieldInfo("name", "名称", "Name"),
        FieldInfo("town", "镇（街道）", "Town"),
        FieldInfo("kind", "类型", "Kind"),
        FieldInfo("level", "级别", "Level"),
        FieldInfo("village", "所在村", "Village"),
        FieldInfo("households", "户数", "Households", "户"),
        FieldInfo("population", "人口", "Population", "人"),
    )
}
"""Labels of the source columns results carry along (the layers' own schemas say the same)."""


def field_infos(
    frame: pd.DataFrame, own: Sequence[FieldInfo] = (), labels: Mapping[str, FieldInfo] = {}
) -> tuple[FieldInfo, ...]:
    """Return a FieldInfo for every column of ``frame`` except the geometry, in its order.

    A column is labelled by the task's ``own`` fields, else ``labels`` (e.g. the source
    layer's schema), else :data:`COMMON_FIELDS`; a column nobody knows keeps its name.
    """
    known = {f.name: f for f in own}
    geometry = getattr(frame, "_geometry_column_name", None)
    out = []
    for column in frame.columns:
        name = str(column)
        if name == geometry:
            continue
        info = known.get(name) or labels.get(name) or COMMON_FIELDS.get(name)
        out.append(info or FieldInfo(name, name, name))
    return tuple(out)


def finite_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the frame with inf replaced by missing values (GIS programs read them as null)."""
    import numpy as np

    out = frame.copy()
    for col in out.columns:
        if out[col].dtype.kind == "f":
            out[col] = out[col].where(np.isfinite(out[col].to_numpy()), np.nan)
    return out


@dataclass(frozen=True)
class Column:
    """A column of a summary table: key, Chinese and English header, how to show values."""

    key: str
    zh: str
    en: str
    kind: ValueKind = "text"
    unit: str = ""

    def header(self, lang: str | None = None) -> str:
        """Return the header (with the unit of a ``number`` column)."""
        return _with_unit(tr(self.zh, self.en, lang), self.unit, lang)


@dataclass(frozen=True)
class SummaryTable:
    """Rows (one per town, or per station) with typed columns, shown the same everywhere."""

    columns: tuple[Column, ...]
    rows: tuple[dict[str, Any], ...]

    def headers(self, lang: str | None = None) -> list[str]:
        """Return the column headers."""
        return [c.header(lang) for c in self.columns]

    def formatted(self, lang: str | None = None) -> list[list[str]]:
        """Return the rows as text, each value through :func:`format_value`."""
        return [[format_value(row.get(c.key), c.kind) for c in self.columns] for row in self.rows]

    def records(self) -> list[dict[str, Any]]:
        """Return the rows as plain data (JSON-ready: numbers as Python numbers)."""
        from gisdesk.core.values import plain_value

        return [{c.key: plain_value(row.get(c.key)) for c in self.columns} for row in self.rows]


@dataclass(frozen=True)
class Figure:
    """A district total: label, value and how to show it."""

    key: str
    zh: str
    en: str
    value: Any
    kind: ValueKind = "count"
    unit: str = ""

    def show(self, lang: str | None = None) -> str:
        """Return ``label value``, e.g. ``村覆盖率 92.8%``."""
        unit = UNITS_EN.get(self.unit, self.unit) if _is_en(lang) else self.unit
        return f"{tr(self.zh, self.en, lang)} {format_value(self.value, self.kind, unit)}"


@dataclass(frozen=True)
class Note:
    """A sentence about the result, in Chinese and English.

    ``warning`` marks what the user should check (a contradicted encoding, repaired or
    missing geometries, skipped rows); the command line prints it as ``! 警告：…``.
    """

    zh: str
    en: str
    warning: bool = False

    def show(self, lang: str | None = None) -> str:
        """Return the note in a language."""
        return tr(self.zh, self.en, lang)


@dataclass
class ResultLayer:
    """A layer of a result, labelled for users.

    ``name`` is the layer's name in a project (the window replaces a layer of that name on
    a re-run), ``file_name`` its name in the command line's output file; ``shown`` says
    whether the window adds it to the project (tables and lists stay in the file).
    """

    name: str
    file_name: str
    title_zh: str
    title_en: str
    data: pd.DataFrame
    fields: tuple[FieldInfo, ...]
    style: LayerStyle | None = None
    shown: bool = True

    def title(self, lang: str | None = None) -> str:
        """Return the title in a language."""
        return tr(self.title_zh, self.title_en, lang)

    def labels(self, lang: str | None = None) -> dict[str, str]:
        """Return column name -> label with unit."""
        return {f.name: f.label(lang) for f in self.fields}


class Request(Protocol):
    """What every task's request offers (each is a frozen dataclass with its defaults, and
    a :class:`~gisdesk.tasks.records.Recorded` for its record)."""

    kind: ClassVar[str]

    def validate(self) -> None:
        """Raise an InputError with the bilingual message for a bad value."""

    def sources(self) -> list[str]:
        """Return the names of the layers the task reads."""
        ...

    def to_record(self) -> dict[str, Any]:
        """Return the request as plain data (kind, layers, options)."""
        ...


@dataclass
class Result:
    """What a task found, ready to write, show or cite."""

    kind: str
    title_zh: str
    title_en: str
    request: Any
    sources: tuple[tuple[str, str], ...]  # (layer name, title) of each source layer
    layers: list[ResultLayer]
    summary: SummaryTable
    district: tuple[Figure, ...] = ()
    notes: tuple[Note, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)  # more for the JSON summary
    ok: bool = True  # False: the result does not meet what was asked (e.g. share unreachable)
    extras: dict[str, Any] = field(default_factory=dict)  # e.g. the travel-time grid

    @classmethod
    def of(
        cls,
        request: Request,
        source: LayerSource,
        cited: Iterable[str] | None = None,
        **found: Any,
    ) -> Result:
        """Return the Result of a task's request: its kind, the request itself, and the
        name and title of each layer it came from.

        ``cited`` names those layers (default: ``request.sources()``); ``found`` holds the
        other fields (``title_zh``, ``title_en``, ``layers``, ``summary``...).
        """
        names = request.sources() if cited is None else cited
        return cls(
            kind=request.kind,
            request=request,
            sources=tuple((name, source.title(name)) for name in names),
            **found,
        )

    def title(self, lang: str | None = None) -> str:
        """Return the title in a language."""
        return tr(self.title_zh, self.title_en, lang)

    def citation(self, lang: str | None = None) -> str:
        """Return where the result comes from, for a layer's metadata or a plate."""
        names = [name for name, _ in self.sources]
        if _is_en(lang):
            return f"gisdesk analysis (source layers: {', '.join(names)})"
        return f"gisdesk 分析结果（源图层：{'、'.join(names)}）"

    def layer(self, file_name: str) -> ResultLayer:
        """Return a result layer by its file name."""
        for found in self.layers:
            if found.file_name == file_name:
                return found
        raise KeyError(file_name)


class LayerSource(Protocol):
    """Where a task reads its layers: a project, or the command line's files."""

    def get(self, name: str) -> gpd.GeoDataFrame:
        """Return a layer's data (raise an InputError naming what exists when missing)."""
        ...

    def title(self, name: str) -> str:
        """Return a layer's title for users."""
        ...

    def key(self, name: str) -> str:
        """Return the short name a result records for the layer (e.g. in a ``layer`` column)."""
        ...

    def names(self) -> list[str]:
        """Return the names of the layers there are."""
        ...

    def plan_targets(self) -> list[Target] | None:
        """Return the plan targets kept with the data, or None (then the targets file counts)."""
        ...

    def fields(self, name: str) -> dict[str, FieldInfo]:
        """Return the labels of a layer's columns that its schema knows (may be empty)."""
        ...

    def token(self, name: str) -> str | None:
        """Return a token that names the layer's stored state and changes with it, for a
        layer read from an unchanged file (:func:`gisdesk.io.layer_token.layer_token`); None
        where there is none (a layer held in memory, perhaps edited)."""
        ...


class ProjectSource:
    """A :class:`LayerSource` over a gisdesk project."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def get(self, name: str) -> gpd.GeoDataFrame:
        """Return the data of a project layer."""
        if name not in self.project:
            from gisdesk.core.errors import InputError

            present = [layer.name for layer in self.project]
            raise InputError(
                f"项目中没有图层“{name}”。现有图层：{'、'.join(present) or '无'}",
                f"The project has no layer '{name}'. Layers: {', '.join(present) or 'none'}",
            )
        return self.project.layer(name).data

    def title(self, name: str) -> str:
        """Return a layer's title (its name when the project has no such layer)."""
        return self.project.layer(name).title if name in self.project else name

    def key(self, name: str) -> str:
        """Return the layer name itself."""
        return name

    def names(self) -> list[str]:
        """Return the project's layer names."""
        return [layer.name for layer in self.project]

    def plan_targets(self) -> list[Target] | None:
        """Return the targets imported into the project, if any."""
        from gisdesk.analysis.targets.registry import project_targets

        return project_targets(self.project)

    def fields(self, name: str) -> dict[str, FieldInfo]:
        """Return the labels of a layer's schema fields."""
        layer = self.project.layer(name) if name in self.project else None
        return schema_fields(layer.schema if layer is not None else None)

    def token(self, name: str) -> str | None:
        """None: a window's layers are held in memory and may be edited."""
        return None


def schema_fields(schema: LayerSchema | None) -> dict[str, FieldInfo]:
    """Return FieldInfo labels (with units) of a layer schema's fields."""
    if schema is None:
        return {}
    return {f.name: FieldInfo(f.name, f.label_zh, f.label_en, f.unit or "") for f in schema.fields}
