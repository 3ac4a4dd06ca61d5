"""Layer schemas and default styles are read, listed and looked up through io.toml_files."""

from __future__ import annotations

import pytest

from gisdesk.core.errors import SchemaError, StyleError
from gisdesk.io.schemas import load_schema, load_schema_file, load_schemas
from gisdesk.io.styles import load_style, load_style_file, load_styles
from gisdesk.io.toml_files import read_folder, read_toml


def test_a_folder_is_read_by_file_name_in_order(tmp_path):
    (tmp_path / "b.toml").write_text('x = "乙"\n', encoding="utf-8")
    (tmp_path / "a.toml").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "c.txt").write_text("not toml", encoding="utf-8")
    read = read_folder(tmp_path, lambda p: read_toml(p, SchemaError, ("文件", "file"))["x"])
    assert list(read.items()) == [("a", 1), ("b", "乙")]


@pytest.mark.parametrize(
    ("load", "error", "zh", "en"),
    [
        (load_schema_file, SchemaError, "无法读取图层定义文件", "Cannot read schema file"),
        (load_style_file, StyleError, "无法读取样式文件", "Cannot read style file"),
    ],
)
def test_an_unreadable_file_is_named_in_its_own_words(tmp_path, load, error, zh, en):
    broken = tmp_path / "broken.toml"
    broken.write_text("x = = 1\n", encoding="utf-8")
    with pytest.raises(error) as caught:
        load(broken)
    assert caught.value.zh.startswith(f"{zh} {broken}：")
    assert caught.value.en.startswith(f"{en} {broken}: ")
    latin = tmp_path / "latin.toml"
    latin.write_bytes('x = "\xe9"\n'.encode("latin-1"))
    with pytest.raises(error, match="Cannot read"):
        load(latin)


def test_unknown_names_list_the_known_ones():
    with pytest.raises(SchemaError) as schema:
        load_schema("no_such_layer")
    assert schema.value.zh == (
        f"没有图层类型“no_such_layer”。可用类型：{'、'.join(load_schemas())}"
    )
    assert schema.value.en == (
        f"No layer type 'no_such_layer'. Known types: {', '.join(load_schemas())}"
    )
    with pytest.raises(StyleError) as style:
        load_style("no_such_style")
    assert style.value.zh == f"没有样式“no_such_style”。可用样式：{'、'.join(load_styles())}"
    assert style.value.en == f"No style 'no_such_style'. Known styles: {', '.join(load_styles())}"
    assert load_schema("villages").id == "villages"
    assert load_style("villages") is load_styles()["villages"]
