"""The log file: tracebacks go there, never to the user's terminal, and it never fails loudly."""

from __future__ import annotations

import logging
import os
import sys

import pytest

from gisdesk.io import logs


def _raise(message: str) -> BaseException:
    try:
        raise ValueError(message)
    except ValueError as exc:
        return exc


def test_log_dir_follows_the_platform_rules(monkeypatch, tmp_path):
    monkeypatch.setenv("GISDESK_LOG_DIR", str(tmp_path / "x"))
    assert logs.log_path() == tmp_path / "x" / "gisdesk.log"
    monkeypatch.delenv("GISDESK_LOG_DIR")
    if os.name != "nt" and sys.platform != "darwin":
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
        assert logs.log_dir() == tmp_path / "state" / "gisdesk" / "log"


def test_an_exception_is_logged_with_its_traceback_once(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("GISDESK_LOG_DIR", str(tmp_path))
    exc = _raise("坏了 / broken")
    path = logs.log_exception("a test", exc)
    assert path == (tmp_path / "gisdesk.log").absolute()
    assert logs.log_exception("again", exc) == path  # the same exception: not twice
    text = path.read_text(encoding="utf-8")
    assert text.count("Traceback (most recent call last)") == 1
    assert "ERROR" in text and "a test: ValueError: 坏了 / broken" in text
    logs.log_exception("bad input", _raise("expected"), expected=True)
    assert "WARNING" in path.read_text(encoding="utf-8")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""  # nothing on the terminal


def test_where_logged_says_where_or_that_it_could_not(tmp_path):
    zh, en = logs.where_logged(tmp_path / "gisdesk.log")
    assert str(tmp_path / "gisdesk.log") in zh and str(tmp_path / "gisdesk.log") in en
    zh, en = logs.where_logged(None)
    assert "无法写入日志" in zh and "could not be written" in en


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_an_unwritable_folder_gives_no_file_and_no_noise(monkeypatch, tmp_path, capfd):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be", encoding="utf-8")
    monkeypatch.setenv("GISDESK_LOG_DIR", str(blocked / "logs"))
    assert logs.log_exception("no folder", _raise("x")) is None
    # a log file that stops being writable after it was opened
    monkeypatch.setenv("GISDESK_LOG_DIR", str(tmp_path / "ok"))
    path = logs.setup_logging()
    assert path is not None
    handler = next(
        h
        for h in logging.getLogger(logs.LOGGER_NAME).handlers
        if getattr(h, "baseFilename", None) == str(path)
    )
    handler.stream.close()  # as when the disk goes away: writing raises
    logs.log_exception("after", _raise("y"))
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err and "Logging error" not in captured.err
