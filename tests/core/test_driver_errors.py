"""Driver errors (GDAL through pyogrio, PostGIS through psycopg, SQLite) explained in words."""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import psycopg
import pyogrio
import pytest
from shapely.geometry import Point

from gisdesk.core.driver_errors import driver_exception, explain, explain_gisdesk_error
from gisdesk.core.errors import GisdeskError


def _raised(fn, *args, **kwargs) -> BaseException:
    with pytest.raises(Exception) as info:
        fn(*args, **kwargs)
    return info.value


def test_gdal_errors_are_explained_with_the_original_text_kept(tmp_path):
    missing = _raised(pyogrio.read_dataframe, tmp_path / "无此文件.gpkg")
    problem = explain(missing)
    assert problem is not None and problem.specific
    assert problem.zh == "数据驱动（GDAL）报告错误：文件不存在，或路径有误。"
    # the C library's words follow the locale (没有那个文件或目录 under zh_CN)
    assert "No such file or directory" in problem.details or "没有那个文件或目录" in problem.details
    assert problem.details.startswith("pyogrio.errors.DataSourceError: ")
    text = tmp_path / "说明.txt"
    text.write_text("不是地图数据", encoding="utf-8")
    wrong = explain(_raised(pyogrio.read_dataframe, text))
    assert wrong is not None and "文件格式无法识别" in wrong.zh
    assert "not recognized" in wrong.details
    gpkg = tmp_path / "a.gpkg"
    pyogrio.write_dataframe(gpd.GeoDataFrame({"v": [1]}, geometry=[Point(0, 0)], crs=4326), gpkg)
    layer = explain(_raised(pyogrio.read_dataframe, gpkg, layer="没有"))
    assert layer is not None and layer.zh.endswith("文件中没有这个图层。")
    assert layer.en == "Error from the data driver (GDAL): the file has no such layer."


def test_postgis_refused_connection_is_explained():
    exc = _raised(
        psycopg.connect, host="127.0.0.1", port=1, dbname="x", user="x", connect_timeout=2
    )
    problem = explain(exc)
    assert problem is not None and problem.specific
    assert problem.zh.startswith("数据库服务器（PostGIS）报告错误：无法连接到服务器")
    assert any(
        w in problem.details for w in ("Connection refused", "connection failed", "拒绝连接")
    )


def test_unknown_driver_text_still_explained_in_words():
    exc = sqlite3.OperationalError("something odd happened")
    problem = explain(exc)
    assert problem is not None and not problem.specific
    assert problem.zh == "SQLite 数据库报告了错误，操作未完成。原始错误信息见“详细信息”。"
    assert problem.details == "sqlite3.OperationalError: something odd happened"
    assert explain(ValueError("not a driver")) is None


def test_gisdesk_error_quoting_a_driver_moves_the_quote_to_details():
    driver = psycopg.errors.UniqueViolation('duplicate key value violates unique constraint "pk"')
    try:
        try:
            raise driver
        except psycopg.Error as exc:
            raise GisdeskError(
                f"服务器拒绝了修改，未保存：{exc}",
                f"The server refused the edit; nothing was saved: {exc}",
            ) from None
    except GisdeskError as err:
        assert driver_exception(err.__context__) is driver
        zh, en, details = explain_gisdesk_error(err)
    assert zh == "服务器拒绝了修改，未保存。原因：已有相同编号的记录。"
    assert en == (
        "The server refused the edit; nothing was saved. Cause: a record with the same id "
        "exists already."
    )
    assert "duplicate key" not in zh + en
    assert details == (
        'psycopg.errors.UniqueViolation: duplicate key value violates unique constraint "pk"'
    )


def test_bracketed_driver_text_and_own_details():
    driver = psycopg.OperationalError('could not translate host name "gis.example"')
    try:
        try:
            raise driver
        except psycopg.Error as exc:
            raise GisdeskError(
                f"无法连接到 PostGIS 服务器 gis.example：服务器未运行。（{exc}）",
                f"Cannot connect to gis.example: it is not running. ({exc})",
                details="配置：默认",
            ) from None
    except GisdeskError as err:
        zh, en, details = explain_gisdesk_error(err)
    cause = "原因：服务器地址无法解析，请检查主机名。"
    assert zh == f"无法连接到 PostGIS 服务器 gis.example：服务器未运行。{cause}"
    assert "translate" not in en.split("Cause:")[0]
    assert details.splitlines() == [
        "配置：默认",
        'psycopg.OperationalError: could not translate host name "gis.example"',
    ]
    plain = GisdeskError("字段“户数”不存在。", "No field 'households'.")
    assert explain_gisdesk_error(plain) == ("字段“户数”不存在。", "No field 'households'.", "")


def test_a_cause_the_message_gives_already_is_not_repeated():
    driver = psycopg.OperationalError("connection failed: Connection refused")
    try:
        try:
            raise driver
        except psycopg.Error as exc:
            raise GisdeskError(
                f"无法连接到 PostGIS 服务器 h：服务器未运行、地址或端口有误，或网络不通。（{exc}）",
                f"Cannot connect to h: it is down, its address or port is wrong, or no network."
                f" ({exc})",
            ) from None
    except GisdeskError as err:
        zh, en, details = explain_gisdesk_error(err)
    assert zh == "无法连接到 PostGIS 服务器 h：服务器未运行、地址或端口有误，或网络不通。"
    assert en == "Cannot connect to h: it is down, its address or port is wrong, or no network."
    assert details == "psycopg.OperationalError: connection failed: Connection refused"
