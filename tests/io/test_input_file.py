"""The first check on a file to read: missing, a folder, or empty, said in both languages."""

from __future__ import annotations

import pytest

from gisdesk.core.errors import InputError
from gisdesk.io.input_file import require_file


def test_require_file_gives_the_size_of_a_file(tmp_path):
    path = tmp_path / "村庄.csv"
    path.write_bytes(b"a,b\n")
    assert require_file(path) == 4


def test_require_file_refuses_a_missing_file_and_a_folder(tmp_path):
    for path in (tmp_path / "没有.csv", tmp_path):
        with pytest.raises(InputError) as err:
            require_file(path)
        assert err.value.zh == f"文件不存在：{path}"
        assert err.value.en == f"The file does not exist: {path}"


def test_require_file_names_what_is_empty(tmp_path):
    path = tmp_path / "空.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError) as err:
        require_file(path, what=("表格", "The table"))
    assert (err.value.zh, err.value.en) == ("表格 空.csv 是空文件。", "The table 空.csv is empty.")
    with pytest.raises(InputError) as err:
        require_file(path)
    assert err.value.en == "The file 空.csv is empty."
