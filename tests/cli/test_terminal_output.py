"""Names and values printed by the command line are text, never terminal control sequences.

A project title, a layer title or an attribute value holding ``ESC [ 2 J`` (clear the
screen), an OSC title sequence, a bell, a carriage return or a right-to-left override is
printed with those characters as ``\\uXXXX``; line feeds and tabs stay as they are.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest
from hypothesis import given

from gisdesk.cli.main import main
from gisdesk.cli.terminal import terminal_text
from tests.hostile_inputs import set_value
from tests.hostile_strings import texts

CLEAR = "\x1b[2J\x1b[H"
TITLE = "\x1b]0;pwned\x07"
# every character a terminal acts on, as printed
ACTIVE = ("\x1b", "\x07", "\r", "\x9b", "\u202e", "\x08", "\x7f")


def _run(capsys, *argv: str) -> tuple[int, str]:
    codes, texts_ = [], []
    for lang in ("zh", "en"):
        codes.append(main(["--lang", lang, *argv]))
        captured = capsys.readouterr()
        texts_.append(captured.out + captured.err)
    assert codes[0] == codes[1]
    return codes[0], "\n".join(texts_)


def _inert(text: str) -> None:
    for ch in ACTIVE:
        assert ch not in text, repr(ch)


def _titled(sample_path: Path, target: Path) -> Path:
    target.write_bytes(sample_path.read_bytes())
    con = sqlite3.connect(target)
    try:
        with con:
            con.execute(
                "UPDATE gisdesk_project SET value = ? WHERE key = 'title'",
                (json.dumps(f"项目{TITLE}{CLEAR}\r全部正常\u202eok\x9b31m"),),
            )
            con.execute(
                "UPDATE gisdesk_layers SET title = ? WHERE name = 'towns'",
                ("镇\x1b[5m闪烁\x1b[0m\x08\x7f",),
            )
    finally:
        con.close()
    return target


def test_info_prints_titles_with_control_characters_as_text(capsys, tmp_path, sample_path):
    path = _titled(sample_path, tmp_path / "titled.gpkg")
    code, out = _run(capsys, "info", str(path))
    assert code == 0
    _inert(out)
    assert "项目\\u001b]0;pwned\\u0007\\u001b[2J\\u001b[H\\u000d全部正常\\u202eok\\u009b31m" in out
    assert "镇\\u001b[5m闪烁\\u001b[0m\\u0008\\u007f" in out  # the zh run shows the title
    assert "\n" in out  # line feeds stay line feeds


def test_validate_prints_a_wrong_value_as_text(capsys, tmp_path, sample_path):
    path = set_value(sample_path, tmp_path / "value.gpkg", "towns", "kind", f"镇{CLEAR}ALL OK")
    code, out = _run(capsys, "validate", str(path))
    assert code == 1
    _inert(out)
    assert "镇\\u001b[2J\\u001b[HALL OK" in out


def test_an_error_message_shows_the_name_typed_as_text(capsys, tmp_path, sample_path):
    path = tmp_path / "p.gpkg"
    path.write_bytes(sample_path.read_bytes())
    table = tmp_path / "points.csv"
    table.write_text("x,y\n121.2,31.9\n", encoding="utf-8")
    code, out = _run(
        capsys, "import", str(path), str(table), "--name", f"a{CLEAR}b", "--x", "x", "--y", "y"
    )
    assert code == 2
    _inert(out)
    assert "a\\u001b[2J\\u001b[Hb" in out


def test_the_streams_are_restored_after_the_command(capsys, tmp_path):
    before = sys.stdout, sys.stderr
    with pytest.raises(SystemExit):
        main(["info", "--no-such-option"])
    assert (sys.stdout, sys.stderr) == before
    main(["info", str(tmp_path / "missing.gpkg")])
    assert (sys.stdout, sys.stderr) == before


def test_plain_text_line_feeds_and_tabs_are_kept():
    text = "海门区 Haimen\tשלום مرحبا 👩‍👩‍👧\nline two \\u001b stays"
    assert terminal_text(text) == text


@given(value=texts(max_size=40))
def test_printed_json_is_the_same_json(value):
    """``targets --format json`` prints JSON: escaping keeps it valid and equal."""
    document = json.dumps({"名称": value, "list": [value, 1]}, ensure_ascii=False, indent=2)
    shown = terminal_text(document)
    _inert(shown)
    assert json.loads(shown) == {"名称": value, "list": [value, 1]}
