"""Stated text encodings checked against the bytes: .cpg, language id, --encoding, CSV, GeoJSON."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from gisdesk.cli.main import main
from gisdesk.core.errors import InputError
from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.io.encodings import (
    TextSample,
    detect_dbf_encoding,
    shapefile_encoding,
    weigh_encodings,
)
from gisdesk.io.tables import read_table, text_table_encoding
from gisdesk.io.text_likelihood import _character_classes
from gisdesk.io.vector_import import import_vector

NAMES = ["海门街道", "三星镇", "常乐镇"]
KINDS = ["印染厂", "村委会", "污水处理站"]
MOJIBAKE = "娴烽棬琛楅亾"  # 海门街道 written in UTF-8, read as GBK (the example)


def _shapefile(folder: Path, stem: str, *, write_as: str, cpg: str | None) -> Path:
    gdf = gpd.GeoDataFrame(
        {"名称": NAMES, "类型": KINDS, "人口": [1200, 850, 430]},
        geometry=[Point(121.17, 31.89), Point(121.26, 31.93), Point(121.45, 31.95)],
        crs=4490,
    )
    path = folder / f"{stem}.shp"
    pyogrio.write_dataframe(gdf, path, encoding=write_as)
    if cpg is None:
        path.with_suffix(".cpg").unlink()
    else:
        path.with_suffix(".cpg").write_text(cpg, encoding="ascii")
    return path


def _set_language_id(path: Path, ldid: int) -> None:
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[29] = ldid
    dbf.write_bytes(bytes(data))


# --- Shapefiles -------------------------------------------------------------------------------


def test_utf8_shapefile_with_a_lying_gbk_cpg_reads_as_utf8_and_says_so(tmp_path: Path) -> None:
    path = _shapefile(tmp_path, "lying_gbk", write_as="UTF-8", cpg="GBK")
    result = import_vector(path)
    assert list(result.data["名称"]) == NAMES
    assert list(result.data["类型"]) == KINDS
    assert result.encoding is not None
    assert (result.encoding.encoding, result.encoding.source) == ("UTF-8", "detected")
    conflict = result.encoding.conflict
    assert conflict is not None
    assert (conflict.declared, conflict.declared_source, conflict.detected) == (
        "GBK",
        "cpg",
        "UTF-8",
    )
    assert (conflict.sample_declared, conflict.sample_detected) == (MOJIBAKE, "海门街道")
    zh, en = result.notes[0]
    assert zh == (
        f"文字编码不一致：.cpg 文件声明为 GBK，但同一个值按 GBK 读作“{MOJIBAKE}”，"
        "按 UTF-8 读作“海门街道”。已按内容相符的 UTF-8 导入；如确为 GBK，请导入时指定编码。"
    )
    assert en.startswith(
        f"Text encoding mismatch: the .cpg file says GBK, but the same value reads '{MOJIBAKE}' "
        "as GBK and '海门街道' as UTF-8. Imported as UTF-8"
    )
    assert en in result.warnings
    assert "the .cpg file says GBK, which the bytes contradict" in result.conversions[0]


def test_gbk_shapefile_with_a_lying_utf8_cpg_reads_as_gb18030_and_says_so(tmp_path: Path) -> None:
    path = _shapefile(tmp_path, "lying_utf8", write_as="GBK", cpg="UTF-8")
    result = import_vector(path)
    assert list(result.data["名称"]) == NAMES
    assert result.encoding is not None and result.encoding.encoding == "GB18030"
    conflict = result.encoding.conflict
    assert conflict is not None and conflict.declared == "UTF-8"
    assert conflict.sample_detected == "海门街道"
    assert "\ufffd" in conflict.sample_declared  # GBK bytes are not UTF-8
    zh, en = result.notes[0]
    assert ".cpg 文件声明为 UTF-8" in zh and "按 GB18030 读作“海门街道”" in zh
    assert "Imported as GB18030, which the bytes fit" in en


def test_gbk_shapefile_without_cpg_is_detected_without_a_warning(tmp_path: Path) -> None:
    path = _shapefile(tmp_path, "no_cpg", write_as="GBK", cpg=None)
    result = import_vector(path)
    assert list(result.data["名称"]) == NAMES
    assert result.encoding is not None
    assert (result.encoding.encoding, result.encoding.source) == ("GB18030", "detected")
    assert result.encoding.conflict is None and result.encoding.warning() is None
    assert not any("编码" in zh for zh, _en in result.notes)


@pytest.mark.parametrize(
    ("write_as", "cpg", "expected"),
    [("UTF-8", "UTF-8", "UTF-8"), ("UTF-8", "65001", "UTF-8"), ("GBK", "GBK", "GBK"),
     ("GBK", "936", "GBK")],
)  # fmt: skip
def test_honest_cpg_is_believed_without_a_warning(
    tmp_path: Path, write_as: str, cpg: str, expected: str
) -> None:
    path = _shapefile(tmp_path, "honest", write_as=write_as, cpg=cpg)
    result = import_vector(path)
    assert list(result.data["名称"]) == NAMES
    assert result.encoding is not None
    assert (result.encoding.encoding, result.encoding.source) == (expected, "cpg")
    assert result.encoding.conflict is None
    assert not any("编码" in zh for zh, _en in result.notes)


def test_a_users_contradicted_choice_is_followed_with_the_warning(tmp_path: Path) -> None:
    path = _shapefile(tmp_path, "utf8", write_as="UTF-8", cpg="UTF-8")
    result = import_vector(path, encoding="gbk")
    assert result.encoding is not None
    assert (result.encoding.encoding, result.encoding.source) == ("GBK", "argument")
    assert "名称" not in result.data.columns  # followed: the text is mojibake, as chosen
    assert MOJIBAKE in set(result.data.iloc[:, 0])
    zh, en = result.notes[0]
    assert zh.startswith(f"文字编码不一致：指定的编码为 GBK，但同一个值按 GBK 读作“{MOJIBAKE}”")
    assert zh.endswith("已按指定的 GBK 导入；如文字显示为乱码，请改选 UTF-8。")
    assert en.startswith("Text encoding mismatch: you chose GBK")
    assert result.encoding.describe("en") == (
        "Attribute text encoding: GBK (as stated; the bytes look like UTF-8)"
    )
    # a choice the bytes agree with says nothing more
    agreed = import_vector(path, encoding="utf-8")
    assert agreed.encoding is not None and agreed.encoding.conflict is None
    assert list(agreed.data["名称"]) == NAMES


def test_dbf_language_id(tmp_path: Path) -> None:
    path = _shapefile(tmp_path, "ldid", write_as="GBK", cpg=None)
    _set_language_id(path, 0x03)  # says CP1252 (Western): the bytes are GBK
    choice = shapefile_encoding(path)
    assert choice is not None and choice.encoding == "GB18030"
    assert choice.conflict is not None and choice.conflict.declared_source == "ldid"
    assert ".dbf 语言标识声明为 CP1252" in (choice.warning() or ("", ""))[0]
    assert list(import_vector(path).data["名称"]) == NAMES
    _set_language_id(path, 0x4D)  # says GBK (936): believed
    choice = shapefile_encoding(path)
    assert choice is not None and (choice.encoding, choice.source) == ("GBK", "ldid")
    assert choice.conflict is None
    _set_language_id(path, 0x57)  # "ANSI": the writer's code page, states nothing
    choice = shapefile_encoding(path)
    assert choice is not None and (choice.encoding, choice.source) == ("GB18030", "detected")


def _dbf(values: list[bytes], width: int) -> bytes:
    """A .dbf with one character field of ``width`` bytes holding ``values``."""
    header_len = 32 + 32 + 1
    record_len = 1 + width
    head = bytes([3, 126, 1, 1]) + len(values).to_bytes(4, "little")
    head += header_len.to_bytes(2, "little") + record_len.to_bytes(2, "little") + bytes(20)
    field = b"NAME".ljust(11, b"\x00") + b"C" + bytes(4) + bytes([width, 0]) + bytes(14)
    records = b"".join(b" " + v[:width].ljust(width, b" ") for v in values)
    return head + field + b"\r" + records + b"\x1a"


def test_a_character_cut_by_the_field_width_is_not_held_against_an_encoding() -> None:
    # an old writer cut 海门街道 (8 GBK bytes) to a 7-byte field: the last character is half
    data = _dbf(["海门街道".encode("gbk"), "三星镇".encode("gbk")], width=7)
    choice = detect_dbf_encoding(data, declared="GBK", source="cpg")
    assert (choice.encoding, choice.conflict) == ("GBK", None)
    assert detect_dbf_encoding(data).encoding == "GB18030"
    # the same bytes in a field wide enough are not cut: the stray byte then is evidence
    whole = weigh_encodings([TextSample("海门街".encode("gbk") + b"\xb5")], declared="GBK")
    cut = weigh_encodings([TextSample("海门街".encode("gbk") + b"\xb5", True)], declared="GBK")
    assert whole.encoding == cut.encoding == "GBK"
    assert cut.conflict is None


def test_ascii_only_and_short_ambiguous_text_keep_the_statement() -> None:
    assert weigh_encodings([TextSample(b"abc")], declared="GBK").encoding == "GBK"
    assert weigh_encodings([TextSample(b"abc")]).source == "default"
    # C3 A9 is both 茅 (GBK) and é (UTF-8): undecidable, so the .cpg stands either way
    assert weigh_encodings([TextSample(b"caf\xc3\xa9")], declared="GBK").conflict is None
    assert weigh_encodings([TextSample(b"caf\xc3\xa9")], declared="UTF-8").conflict is None


def test_western_names_under_a_western_code_page_are_not_overruled() -> None:
    names = ["Straße", "Müller", "Besançon", "Ærø", "Þórshöfn", "Champs-Élysées", "Malmö"]
    samples = [TextSample(n.encode("cp1252")) for n in names]
    assert weigh_encodings(samples, declared="CP1252").conflict is None
    utf8 = [TextSample(n.encode("utf-8")) for n in names]
    assert weigh_encodings(utf8, declared="UTF-8").conflict is None
    assert weigh_encodings(utf8).encoding == "UTF-8"


# --- CSV --------------------------------------------------------------------------------------

# level-1 hanzi whose GBK bytes happen to be valid UTF-8 (Latin, Greek, Cyrillic...): a file
# of them decodes "cleanly" as UTF-8, so strict decoding alone would misread it
UTF8_LOOKALIKES = ["陆路", "芦苇", "卤鹿", "炉楼", "碌碌", "茫茫"]


def test_gbk_csv_that_also_decodes_as_utf8_is_read_as_gbk(tmp_path: Path) -> None:
    text = "name,lon,lat\n" + "".join(f"{v},121.2,31.9\n" for v in UTF8_LOOKALIKES)
    raw = text.encode("gbk")
    raw.decode("utf-8")  # the premise: valid UTF-8 too
    path = tmp_path / "lookalike.csv"
    path.write_bytes(raw)
    choice = text_table_encoding(path)
    assert choice is not None and (choice.encoding, choice.source) == ("GB18030", "detected")
    assert list(read_table(path)["name"]) == UTF8_LOOKALIKES


def test_csv_encodings_honest_and_contradicted(tmp_path: Path) -> None:
    text = "名称,经度,纬度\n" + "".join(f"{n},121.2,31.9\n" for n in NAMES)
    utf8, gbk = tmp_path / "utf8.csv", tmp_path / "gbk.csv"
    utf8.write_bytes(text.encode("utf-8"))
    gbk.write_bytes(text.encode("gbk"))
    for path, expected in ((utf8, "UTF-8"), (gbk, "GB18030")):
        choice = text_table_encoding(path)
        assert choice is not None and choice.encoding == expected and choice.conflict is None
        assert list(read_table(path)["名称"]) == NAMES
    agreed = text_table_encoding(gbk, encoding="gbk")
    assert agreed is not None and agreed.conflict is None
    # the user's UTF-8 for a GBK file cannot be followed: refused, naming what fits
    with pytest.raises(InputError, match="look like GB18030"):
        read_table(gbk, encoding="utf-8")


EVEN = "name,lon,lat\n海门街道,121.2,31.9\n三星镇区,121.3,31.9\n"  # UTF-8 bytes GBK can decode


def test_csv_users_contradicted_choice_is_followed_with_the_warning(tmp_path: Path) -> None:
    path = tmp_path / "utf8.csv"
    path.write_bytes(EVEN.encode("utf-8"))
    EVEN.encode("utf-8").decode("gbk")  # the premise: GBK can follow the choice
    forced = text_table_encoding(path, encoding="gbk")
    assert forced is not None and (forced.encoding, forced.source) == ("GBK", "argument")
    warning = forced.warning()
    assert warning is not None
    assert warning[0] == (
        f"文字编码不一致：指定的编码为 GBK，但同一个值按 GBK 读作“{MOJIBAKE}”，按 UTF-8 读作"
        "“海门街道”。已按指定的 GBK 导入；如文字显示为乱码，请改选 UTF-8。"
    )
    assert read_table(path, encoding="gbk")["name"].iloc[0] == MOJIBAKE
    assert list(read_table(path)["name"]) == ["海门街道", "三星镇区"]


# --- GeoJSON and KML --------------------------------------------------------------------------

_GEOJSON = (
    '{"type":"FeatureCollection","features":['
    '{"type":"Feature","properties":{"名称":"海门街道","类型":"印染厂"},'
    '"geometry":{"type":"Point","coordinates":[121.17,31.89]}}]}'
)
_KML = (
    '<?xml version="1.0" encoding="{enc}"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">'
    "<Document><Placemark><name>海门街道</name><description>三星镇村委会</description>"
    "<Point><coordinates>121.17,31.89</coordinates></Point></Placemark></Document></kml>"
)


def test_gbk_geojson_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "gbk.geojson"
    path.write_bytes(_GEOJSON.encode("gbk"))
    result = import_vector(path)
    assert list(result.data["名称"]) == ["海门街道"]
    assert result.encoding is not None and result.encoding.encoding == "GB18030"
    assert "文件格式规定为 UTF-8" in result.notes[0][0]
    honest = tmp_path / "utf8.geojson"
    honest.write_bytes(_GEOJSON.encode("utf-8"))
    plain = import_vector(honest)
    assert plain.encoding is None and not any("编码" in zh for zh, _en in plain.notes)


def test_kml_in_gb2312_and_kml_with_a_lying_declaration(tmp_path: Path) -> None:
    declared = tmp_path / "gb2312.kml"
    declared.write_bytes(_KML.replace("{enc}", "GB2312").encode("gbk"))
    result = import_vector(declared)  # GDAL alone refuses it: "unknown encoding"
    assert list(result.data["Name"]) == ["海门街道"]
    assert result.encoding is not None and result.encoding.source == "xml"
    assert result.encoding.conflict is None
    lying = tmp_path / "lying.kml"
    lying.write_bytes(_KML.replace("{enc}", "UTF-8").encode("gbk"))
    result = import_vector(lying)
    assert list(result.data["Name"]) == ["海门街道"]
    assert "XML 声明为 UTF-8" in result.notes[0][0]
    kmz = tmp_path / "gb2312.kmz"
    with zipfile.ZipFile(kmz, "w") as zf:
        zf.writestr("doc.kml", _KML.replace("{enc}", "GB2312").encode("gbk"))
    result = import_vector(kmz)
    assert list(result.data["Name"]) == ["海门街道"]
    assert list(result.data["description"]) == ["三星镇村委会"]


# --- the command line -------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    from gisdesk.io.project_store import save_project

    p = Project(title="测试")
    p.add_layer(
        Layer("points", gpd.GeoDataFrame({"name": ["甲"]}, geometry=[Point(121.2, 31.9)], crs=4490))
    )
    return save_project(p, tmp_path / "proj.gpkg")


def test_cli_import_of_a_lying_cpg_reports_both_readings(project: Path, tmp_path: Path, capsys):
    from gisdesk.io.project_store import open_project

    path = _shapefile(tmp_path, "towns", write_as="UTF-8", cpg="GBK")
    assert main(["import", str(project), str(path), "--name", "towns"]) == 0
    out = capsys.readouterr().out
    assert (
        f"  ! 警告：文字编码不一致：.cpg 文件声明为 GBK，但同一个值按 GBK 读作“{MOJIBAKE}”，"
        "按 UTF-8 读作“海门街道”。已按内容相符的 UTF-8 导入" in out
    )
    layer = open_project(project).layer("towns")
    assert list(layer.data["名称"]) == NAMES
    assert any("the .cpg file says GBK" in c for c in layer.metadata.conversions)

    honest = _shapefile(tmp_path, "honest", write_as="GBK", cpg="GBK")
    assert main(["import", str(project), str(honest), "--name", "honest"]) == 0
    assert "警告" not in capsys.readouterr().out


def test_cli_import_follows_a_contradicted_encoding_with_the_warning(
    project: Path, tmp_path: Path, capsys
):
    path = _shapefile(tmp_path, "utf8", write_as="UTF-8", cpg="UTF-8")
    args = ["--lang", "en", "import", str(project), str(path), "--encoding", "gbk"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert (
        f"  ! Warning: Text encoding mismatch: you chose GBK, but the same value reads '{MOJIBAKE}'"
        in out
    )
    assert "Imported as GBK, as you chose; if the text looks garbled, choose UTF-8." in out


def test_cli_import_csv_with_encoding(project: Path, tmp_path: Path, capsys) -> None:
    from gisdesk.io.project_store import open_project

    csv = tmp_path / "points.csv"
    csv.write_bytes(("名称,经度,纬度\n" + "".join(f"{n},121.2,31.9\n" for n in NAMES)).encode())
    assert main(["import", str(project), str(csv), "--crs", "wgs84", "--name", "a"]) == 0
    out = capsys.readouterr().out
    assert "警告" not in out and "文字编码：UTF-8（按文件内容检测）" in out
    assert list(open_project(project).layer("a").data["名称"]) == NAMES
    even = tmp_path / "even.csv"
    even.write_bytes(EVEN.encode("utf-8"))
    args = ["import", str(project), str(even), "--crs", "wgs84", "--name", "b"]
    assert main([*args, "--encoding", "gbk"]) == 0
    out = capsys.readouterr().out
    assert "警告：文字编码不一致：指定的编码为 GBK" in out and "按 UTF-8 读作“海门街道”" in out
    assert open_project(project).layer("b").data["name"].iloc[0] == MOJIBAKE
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(csv.read_text(encoding="utf-8").encode("gbk"))
    args = [
        "--lang",
        "en",
        "import",
        str(project),
        str(gbk),
        "--crs",
        "wgs84",
        "--encoding",
        "utf-8",
    ]
    assert main(args) == 2
    assert "the bytes look like GB18030" in capsys.readouterr().err


# --- property: whatever the .cpg claims, the text comes back ----------------------------------

_LEVEL1, _LEVEL2, _SYMBOLS = _character_classes()
HANZI = sorted(_LEVEL1 | _LEVEL2)  # every hanzi of GB2312, the set all GBK writers support
_values = st.text(alphabet=st.sampled_from(HANZI), min_size=2, max_size=8)
# (no spaces: a .dbf pads with them, so trailing ones never come back, whatever the encoding)
_suffix = st.text(alphabet=st.sampled_from(list("0123456789-号组ABC")), max_size=3)


@settings(max_examples=40)
@given(
    records=st.lists(st.tuples(_values, _suffix), min_size=2, max_size=6, unique_by=lambda r: r[0]),
    written=st.sampled_from(["UTF-8", "GBK"]),
    claimed=st.sampled_from(["UTF-8", "GBK"]),
)
def test_chinese_text_reads_back_whatever_the_cpg_claims(
    tmp_path_factory: pytest.TempPathFactory,
    records: list[tuple[str, str]],
    written: str,
    claimed: str,
) -> None:
    """Random GB2312 text (2+ values of 2+ hanzi) written in X with a .cpg saying Y reads back.

    Two distinct values of two or more hanzi each are at least four characters: the
    amount :data:`gisdesk.io.encodings.PLAIN_CONTRADICTION` was measured to need.
    """
    values = [v + s for v, s in records]
    folder = tmp_path_factory.mktemp("prop")
    gdf = gpd.GeoDataFrame({"名称": values}, geometry=[Point(121.2, 31.9)] * len(values), crs=4490)
    path = folder / "t.shp"
    pyogrio.write_dataframe(gdf, path, encoding=written)
    path.with_suffix(".cpg").write_text(claimed, encoding="ascii")
    result = import_vector(path)
    assert list(result.data["名称"]) == values
    assert result.encoding is not None
    mismatch = [zh for zh, _en in result.notes if zh.startswith("文字编码不一致")]
    assert bool(mismatch) == (written != claimed)
