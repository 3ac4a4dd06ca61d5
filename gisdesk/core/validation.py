"""Check a layer against its schema and report every problem, row by row."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from gisdesk.core.crs import STORAGE_CRS, transformer
from gisdesk.core.errors import InputError
from gisdesk.core.i18n import tr
from gisdesk.core.issues import Issue, ValidationReport
from gisdesk.core.schema import GEOMETRY_FAMILY, FieldSpec, LayerSchema, coerce_values

if TYPE_CHECKING:
    from collections.abc import Callable

    import geopandas as gpd
    from shapely.geometry.base import BaseGeometry

    from gisdesk.core.project import Project

__all__ = [
    "AREA_MARGIN_DEG",
    "WORLD",
    "Issue",
    "ProjectArea",
    "ValidationReport",
    "check_feature_geometry",
    "check_finite_geometry",
    "check_value",
    "project_area",
    "validate_layer",
]


@dataclass(frozen=True)
class ProjectArea:
    """Where a project's features may lie: a longitude/latitude box (CGCS2000, EPSG:4490)."""

    west: float
    south: float
    east: float
    north: float
    source_zh: str
    source_en: str

    def describe(self, language: str = "zh") -> str:
        """Return the box and where it comes from, for messages."""
        box = tr(
            f"经度 {self.west:.2f}–{self.east:.2f}，纬度 {self.south:.2f}–{self.north:.2f}",
            f"longitude {self.west:.2f} to {self.east:.2f}, latitude {self.south:.2f} "
            f"to {self.north:.2f}",
            language,
        )
        return tr(f"{self.source_zh}：{box}", f"{self.source_en}: {box}", language)

    def contains(self, bounds: np.ndarray) -> np.ndarray:
        """Return, per (xmin, ymin, xmax, ymax) row in lon/lat, whether it lies inside."""
        b = np.asarray(bounds, dtype=np.float64).reshape(-1, 4)
        with np.errstate(invalid="ignore"):
            return np.asarray(
                np.isfinite(b).all(axis=1)
                & (b[:, 0] >= self.west)
                & (b[:, 2] <= self.east)
                & (b[:, 1] >= self.south)
                & (b[:, 3] <= self.north),
                dtype=bool,
            )


WORLD = ProjectArea(-180.0, -90.0, 180.0, 90.0, "经纬度的有效范围", "valid longitudes/latitudes")
"""The area of a project that has no district or town layer to derive one from."""

AREA_MARGIN_DEG = 0.1
"""How far (degrees, about 10 km at Haimen) features may lie outside the district's bounds."""


def project_area(project: Project) -> ProjectArea | None:
    """Return the project's area of use: its district (else towns) layer's bounds + 0.1°.

    Derived from the project itself rather than from EPSG:4549's area of use, which spans
    three degrees of longitude and all of China's latitudes (a typing slip of a degree would
    pass) and which Haimen's east coast already leaves. None when the project has no
    district or town features (then only valid longitudes and latitudes are required).
    """
    for kind in ("district", "towns"):
        for layer in project.layers_of_kind(kind):
            bounds = _lonlat_bounds(
                np.asarray(layer.data.geometry.values, dtype=object), layer.data.crs
            )
            bounds = bounds[np.isfinite(bounds).all(axis=1)]
            if not len(bounds):
                continue
            m = AREA_MARGIN_DEG
            return ProjectArea(
                float(bounds[:, 0].min()) - m,
                float(bounds[:, 1].min()) - m,
                float(bounds[:, 2].max()) + m,
                float(bounds[:, 3].max()) + m,
                f"项目范围（图层“{layer.title}”的范围外扩 {m:g}°，约 10 千米）",
                f"the project's area ({layer.name} bounds widened by {m:g} degrees, about 10 km)",
            )
    return None


def _lonlat_bounds(geoms: np.ndarray, crs: object) -> np.ndarray:
    """Return each geometry's (xmin, ymin, xmax, ymax) in lon/lat; NaN rows for empty ones.

    A layer in a projected CRS has the four corners of each box transformed (enough to tell
    a feature in the district from one on another continent); without a CRS the numbers
    are taken as they are.
    """
    with np.errstate(invalid="ignore"):
        b = np.asarray(shapely.bounds(geoms), dtype=np.float64).reshape(-1, 4)
    if crs is None or not len(b):
        return b
    src = CRS.from_user_input(crs)
    if src.is_geographic:
        return b
    t = transformer(src, STORAGE_CRS)
    xs = np.concatenate([b[:, 0], b[:, 0], b[:, 2], b[:, 2]])
    ys = np.concatenate([b[:, 1], b[:, 3], b[:, 1], b[:, 3]])
    lon, lat = (np.asarray(v, dtype=np.float64).reshape(4, -1) for v in t.transform(xs, ys))
    with np.errstate(invalid="ignore"):
        return np.column_stack([lon.min(axis=0), lat.min(axis=0), lon.max(axis=0), lat.max(axis=0)])


def _finite_coordinates(geoms: np.ndarray) -> np.ndarray:
    """Return whether every coordinate of each geometry is a finite number (z too)."""
    coords, index = shapely.get_coordinates(geoms, include_z=True, return_index=True)
    bad = ~np.isfinite(coords[:, :2]).all(axis=1)
    if coords.shape[1] > 2:  # a missing z is NaN in 2-D geometries: only inf counts there
        bad |= np.isinf(coords[:, 2])
    ok = np.ones(len(geoms), dtype=bool)
    ok[np.unique(index[bad])] = False
    return ok


def _where_text(bounds: np.ndarray, language: str) -> str:
    xmin, ymin, xmax, ymax = (float(v) for v in bounds)
    if xmin == xmax and ymin == ymax:
        return (
            f"经度 {xmin:.4f}、纬度 {ymin:.4f}"
            if language == "zh"
            else f"longitude {xmin:.4f}, latitude {ymin:.4f}"
        )
    return (
        f"经度 {xmin:.4f}–{xmax:.4f}、纬度 {ymin:.4f}–{ymax:.4f}"
        if language == "zh"
        else f"longitude {xmin:.4f} to {xmax:.4f}, latitude {ymin:.4f} to {ymax:.4f}"
    )


def _outside_texts(bounds: np.ndarray, area: ProjectArea) -> tuple[str, str]:
    zh = (
        f"坐标（{_where_text(bounds, 'zh')}）超出{area.describe('zh')}。"
        "请检查是否经纬度颠倒、坐标系选错或输入有误。"
    )
    en = (
        f"The coordinates ({_where_text(bounds, 'en')}) lie outside {area.describe('en')}. "
        "Check for swapped longitude/latitude, a wrong coordinate system or a typing slip."
    )
    return zh, en


_NOT_FINITE = (
    "几何含无效坐标（无穷大或非数值），请重绘或删除该要素。",
    "The geometry has coordinates that are not finite numbers (inf or NaN); redraw or delete it.",
)


def check_finite_geometry(geom: BaseGeometry) -> None:
    """Raise an :class:`InputError` when a coordinate of the geometry is inf or NaN."""
    if not _finite_coordinates(np.array([geom], dtype=object))[0]:
        raise InputError(*_NOT_FINITE)


def check_feature_geometry(geom: BaseGeometry, crs: object, area: ProjectArea | None) -> None:
    """Raise an :class:`InputError` when one geometry has non-finite or out-of-area coordinates.

    The editor calls it for every drawn, moved or pasted geometry; ``area`` is the project's
    (:func:`project_area`), or None for valid longitudes/latitudes only.
    """
    check_finite_geometry(geom)
    geoms = np.array([geom], dtype=object)
    geographic = crs is None or CRS.from_user_input(crs).is_geographic
    use = area or (WORLD if geographic else None)
    if use is None:
        return
    bounds = _lonlat_bounds(geoms, crs)
    if not use.contains(bounds)[0]:
        raise InputError(*_outside_texts(bounds[0], use))


def validate_layer(
    gdf: gpd.GeoDataFrame,
    schema: LayerSchema,
    *,
    layer: str | None = None,
    storage_crs: CRS | None = STORAGE_CRS,
    area: ProjectArea | None = None,
) -> ValidationReport:
    """Check attributes, geometries and CRS of a layer against its schema.

    Parameters
    ----------
    gdf
        The layer's features.
    schema
        The layer type it claims to be.
    layer
        The name used in messages (defaults to the schema id).
    storage_crs
        The CRS the layer must be in, or None to accept any declared CRS.
    area
        Where the features must lie (:func:`project_area`); None requires only valid
        longitudes and latitudes (for a layer in a geographic CRS). Coordinates must be
        finite numbers in any case.
    """
    name = layer or schema.id
    report = ValidationReport(layer=name)
    if gdf.crs is None:
        report.error(
            "crs-missing",
            "图层没有坐标系，请在导入时指明。",
            "The layer has no coordinate reference system; state it when importing.",
        )
    elif storage_crs is not None and not CRS.from_user_input(gdf.crs).equals(storage_crs):
        report.error(
            "crs-not-storage",
            f"图层坐标系为 {CRS.from_user_input(gdf.crs).to_string()}，项目要求 "
            f"{storage_crs.to_string()}（CGCS2000）。",
            f"The layer is in {CRS.from_user_input(gdf.crs).to_string()}; projects store "
            f"{storage_crs.to_string()} (CGCS2000).",
        )
    _check_geometries(gdf, schema, report)
    _check_coordinates(gdf, report, area)
    for spec in schema.fields:
        if spec.name not in gdf.columns:
            if spec.required:
                report.error(
                    "field-missing",
                    f"缺少必填字段（{spec.label_zh}）。",
                    f"Required field is missing ({spec.label_en}).",
                    field=spec.name,
                )
            else:
                report.warning(
                    "field-missing",
                    f"缺少字段（{spec.label_zh}），相关分析将无法使用。",
                    f"Field is missing ({spec.label_en}); analyses that need it will say so.",
                    field=spec.name,
                )
            continue
        _check_field(gdf[spec.name], coerce_values(gdf[spec.name], spec.type), spec, report)
    return report


def _check_geometries(gdf: gpd.GeoDataFrame, schema: LayerSchema, report: ValidationReport) -> None:
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    missing = shapely.is_missing(geoms)
    empty = ~missing & shapely.is_empty(geoms)
    _row_errors(
        report,
        "geometry-empty",
        missing | empty,
        lambda row: (
            "几何为空，请补绘或删除该要素。",
            "The geometry is empty; draw it or delete the feature.",
        ),
    )
    present = ~(missing | empty)
    types = shapely.get_type_id(geoms)
    type_names = np.array(
        [
            "Point",
            "LineString",
            "LinearRing",
            "Polygon",
            "MultiPoint",
            "MultiLineString",
            "MultiPolygon",
            "GeometryCollection",
        ],
        dtype=object,
    )
    want = GEOMETRY_FAMILY[schema.geometry]
    for row in np.flatnonzero(present):
        got = type_names[types[row]] if 0 <= types[row] < len(type_names) else "Unknown"
        if GEOMETRY_FAMILY.get(got) != want:
            report.error(
                "geometry-type",
                f"几何类型为 {got}，该图层要求 {schema.geometry}。",
                f"The geometry is a {got}; this layer holds {schema.geometry}.",
                row=int(row),
            )
    invalid = present & ~shapely.is_valid(geoms)
    if invalid.any():
        reasons = shapely.is_valid_reason(geoms[invalid])
        for row, reason in zip(np.flatnonzero(invalid), reasons, strict=True):
            report.error(
                "geometry-invalid",
                f"几何无效（{reason}），可用“修复几何”处理。",
                f"The geometry is invalid ({reason}); use 'repair geometry' to fix it.",
                row=int(row),
            )


def _check_coordinates(
    gdf: gpd.GeoDataFrame, report: ValidationReport, area: ProjectArea | None
) -> None:
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    finite = _finite_coordinates(geoms)
    for row in np.flatnonzero(present & ~finite):
        report.error("geometry-coordinates", *_NOT_FINITE, row=int(row))
    geographic = gdf.crs is None or CRS.from_user_input(gdf.crs).is_geographic
    use = area or (WORLD if geographic else None)
    check = np.flatnonzero(present & finite)
    if use is None or not len(check):
        return
    bounds = _lonlat_bounds(geoms[check], gdf.crs)
    outside = ~use.contains(bounds)
    for row, box in zip(check[outside], bounds[outside], strict=True):
        zh, en = _outside_texts(box, use)
        report.error("geometry-outside", zh, en, row=int(row))


def _row_errors(
    report: ValidationReport,
    code: str,
    mask: np.ndarray,
    texts: Callable[[int], tuple[str, str]],
    *,
    field: str | None = None,
) -> None:
    """Record one error per row where ``mask`` holds, worded by ``texts(row)`` (zh, en)."""
    for row in np.flatnonzero(mask):
        report.error(code, *texts(int(row)), row=int(row), field=field)


def _check_field(
    raw: pd.Series, values: pd.Series, spec: FieldSpec, report: ValidationReport
) -> None:
    def errors(code: str, mask: np.ndarray, texts: Callable[[int], tuple[str, str]]) -> None:
        _row_errors(report, code, mask, texts, field=spec.name)

    raw_missing = raw.isna().to_numpy() | (raw.astype("string").str.strip() == "").fillna(
        False
    ).to_numpy(dtype=bool)
    if spec.required:
        errors(
            "required",
            raw_missing,
            lambda row: (
                f"必填项（{spec.label_zh}）为空。",
                f"Required value ({spec.label_en}) is empty.",
            ),
        )
    unconvertible = ~raw_missing & values.isna().to_numpy()
    type_zh = {"str": "文本", "int": "整数", "float": "数值", "bool": "是/否", "date": "日期"}
    errors(
        "type",
        unconvertible,
        lambda row: (
            f"“{_short(raw.iloc[row])}”不是有效的{type_zh[spec.type]}。",
            f"'{_short(raw.iloc[row])}' is not a valid {spec.type}.",
        ),
    )
    present = ~values.isna().to_numpy()
    if spec.type == "float":
        floats = values.astype("float64").to_numpy()
        infinite = present & np.isinf(floats)
        errors(
            "not-finite",
            infinite,
            lambda row: (
                f"数值 {floats[row]:g} 不是有限数值（{spec.label_zh}）。",
                f"Value {floats[row]:g} is not a finite number ({spec.label_en}).",
            ),
        )
        present = present & ~infinite
    if spec.domain:
        allowed = set(spec.domain_values)
        outside = present & ~values.map(lambda v: v in allowed, na_action="ignore").fillna(
            True
        ).to_numpy(dtype=bool)
        options = "、".join(str(v) for v in spec.domain_values)
        errors(
            "domain",
            outside,
            lambda row: (
                f"“{_short(values.iloc[row])}”不在允许值内（{options}）。",
                f"'{_short(values.iloc[row])}' is not one of: {options}.",
            ),
        )
    if spec.type in ("int", "float") and (spec.min is not None or spec.max is not None):
        numbers = values.astype("float64").to_numpy()
        low = present & (numbers < spec.min) if spec.min is not None else np.zeros_like(present)
        high = present & (numbers > spec.max) if spec.max is not None else np.zeros_like(present)
        unit = spec.unit or ""
        span = f"[{_bound(spec.min)}, {_bound(spec.max)}]"
        errors(
            "range",
            low | high,
            lambda row: (
                f"数值 {numbers[row]:g}{unit} 超出范围 {span}。",
                f"Value {numbers[row]:g} {unit} is outside {span}.",
            ),
        )
    if spec.pattern is not None and spec.type == "str":
        regex = re.compile(spec.pattern)
        mismatch = present & np.array(
            [regex.fullmatch(str(v)) is None for v in values.to_numpy(dtype=object)], dtype=bool
        )
        errors(
            "pattern",
            mismatch,
            lambda row: (
                f"“{_short(values.iloc[row])}”格式不正确。",
                f"'{_short(values.iloc[row])}' does not match the expected format.",
            ),
        )


def _bound(value: float | None) -> str:
    return "∞" if value is None else f"{value:g}"


def _short(value: object, limit: int = 40) -> str:
    text = str(value).replace("\n", " ").replace("\r", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


_KIND_WORDS = {
    "int": ("整数", "a whole number"),
    "float": ("数值", "a number"),
    "bool": ("是/否", "yes/no"),
    "date": ("日期（如 2022-05-15）", "a date (2022-05-15)"),
    "str": ("文本", "text"),
}


def _convert(spec: FieldSpec, value: object) -> object:
    converted = coerce_values(pd.Series([value], dtype=object), spec.type).iloc[0]
    if pd.isna(converted):
        zh, en = _KIND_WORDS[spec.type]
        raise InputError(
            f"“{spec.label_zh}”：“{value}”不是{zh}。",
            f"'{spec.label_en}': '{value}' is not {en}.",
        )
    if spec.type == "int":
        return int(converted)
    if spec.type == "float":
        return float(converted)
    if spec.type == "bool":
        return bool(converted)
    if spec.type == "date":
        return pd.Timestamp(converted).to_pydatetime()
    return converted


def check_value(spec: FieldSpec | None, value: object) -> object:
    """Convert one entered value to its field's type, or raise an :class:`InputError`.

    The same rules hold in the attribute table, the feature forms and the editor: required
    fields, value lists, ranges and patterns. Empty text becomes ``None``.
    """
    if spec is None:
        return None if value in ("", None) else value
    empty = isinstance(value, float) and np.isnan(value)
    if empty or value is None or (isinstance(value, str) and value.strip() == ""):
        if spec.required:
            raise InputError(f"“{spec.label_zh}”为必填项。", f"'{spec.label_en}' is required.")
        return None
    result = _convert(spec, value)
    if spec.domain and result not in spec.domain_values:
        options = "、".join(str(v) for v in spec.domain_values)
        raise InputError(
            f"“{spec.label_zh}”只能是：{options}",
            f"'{spec.label_en}' must be one of: {options}",
        )
    if spec.type in ("int", "float"):
        number = float(result)  # type: ignore[arg-type]
        if not np.isfinite(number):
            raise InputError(
                f"“{spec.label_zh}”须为有限数值（收到 {value}）。",
                f"'{spec.label_en}' must be a finite number (got {value}).",
            )
        if spec.min is not None and number < spec.min:
            raise InputError(
                f"“{spec.label_zh}”不能小于 {spec.min:g}。",
                f"'{spec.label_en}' must be at least {spec.min:g}.",
            )
        if spec.max is not None and number > spec.max:
            raise InputError(
                f"“{spec.label_zh}”不能大于 {spec.max:g}。",
                f"'{spec.label_en}' must be at most {spec.max:g}.",
            )
    if spec.pattern and spec.type == "str" and not re.fullmatch(spec.pattern, str(result)):
        raise InputError(
            f"“{spec.label_zh}”格式不正确。", f"The format of '{spec.label_en}' is not valid."
        )
    return result
