"""The PostgreSQL type a published column gets (no server needed: the choice is local)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from gisdesk.core.layer import Layer
from gisdesk.core.schema import FieldSpec, LayerSchema
from gisdesk.io.postgis.publish import _column_type


def _layer(field_type: str | None) -> Layer:
    data = gpd.GeoDataFrame({"v": [0]}, geometry=[shapely.Point(121.2, 31.9)], crs=4490)
    if field_type is None:
        return Layer("t", data)
    spec = FieldSpec("v", field_type, "值", "Value")  # type: ignore[arg-type]
    schema = LayerSchema("t", "测试", "Test", "Point", (spec,), "t")
    return Layer("t", data, schema=schema)


@pytest.mark.parametrize(
    ("values", "field_type", "pg_type"),
    [
        (pd.Series([1, None], dtype="Int64"), None, "bigint"),
        (pd.Series([1.5]), "int", "double precision"),  # the dtype wins over the schema
        (pd.Series([True, None], dtype="boolean"), None, "boolean"),
        (pd.Series(pd.to_datetime(["2022-05-15"])), "date", "date"),
        (pd.Series(pd.to_datetime(["2022-05-15"])), None, "timestamp"),
        (
            pd.Series(pd.to_datetime(["2022-05-15"]).tz_localize("Asia/Shanghai")),
            None,
            "timestamp with time zone",
        ),
        (pd.Series(["常乐镇"]), None, "text"),
        (pd.Series([1, 2], dtype=object), "int", "bigint"),  # every value fits its field
        (pd.Series([1, "x"], dtype=object), "int", "text"),  # kept as typed, reported elsewhere
        (pd.Series([True, False], dtype=object), "bool", "boolean"),
        (pd.Series([1, 2], dtype=object), "str", "text"),
    ],
)
def test_a_column_is_published_with_the_type_of_its_dtype_or_schema(values, field_type, pg_type):
    assert _column_type(_layer(field_type), "v", values) == pg_type
