"""gisdesk's log file: where technical details (tracebacks) go instead of the user's screen.

Users see a short bilingual message; the Python traceback behind it is written here, so a
maintainer can still find out what happened. One file for the window and the command line:

- ``$GISDESK_LOG_DIR/gisdesk.log`` when that variable is set (tests, portable installs);
- Windows: ``%LOCALAPPDATA%\\gisdesk\\logs\\gisdesk.log``;
- macOS: ``~/Library/Logs/gisdesk/gisdesk.log``;
- elsewhere: ``$XDG_STATE_HOME/gisdesk/log/gisdesk.log`` (``~/.local/state/gisdesk/log``).

The file rotates at 1 MB (three old files kept). A folder that cannot be created never
stops gisdesk: the details then go to no file, and the messages say so.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path

__all__ = ["LOGGER_NAME", "log_dir", "log_exception", "log_path", "setup_logging", "where_logged"]

LOGGER_NAME = "gisdesk"
_FILE_NAME = "gisdesk.log"
_MAX_BYTES = 1_000_000
_BACKUPS = 3
_LOCK = threading.Lock()
_FORMAT = "%(asctime)s %(levelname)s pid=%(process)d %(threadName)s %(name)s: %(message)s"


def log_dir() -> Path:
    """Return the folder of the log file (not created here)."""
    override = os.environ.get("GISDESK_LOG_DIR")
    if override:
        return Path(override)
    home = Path.home()
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return Path(base) / "gisdesk" / "logs"
    if sys.platform == "darwin":
        return home / "Library" / "Logs" / "gisdesk"
    state = os.environ.get("XDG_STATE_HOME") or str(home / ".local" / "state")
    return Path(state) / "gisdesk" / "log"


def log_path() -> Path:
    """Return the path of the log file."""
    return log_dir() / _FILE_NAME


def _handler_for(path: Path) -> logging.Handler | None:
    logger = logging.getLogger(LOGGER_NAME)
    for handler in logger.handlers:
        if isinstance(handler, _QuietHandler) and Path(handler.baseFilename) == path:
            return handler
    return None


class _QuietHandler(RotatingFileHandler):
    """A log file that never prints its own failures (a full disk, a lost permission).

    Python's handlers report them on stderr with a traceback: the one thing the log file
    exists to keep off the user's screen.
    """

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        del record

    def flush(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # a closed or vanished file
            super().flush()

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            super().close()


def setup_logging() -> Path | None:
    """Make the ``gisdesk`` logger write to the log file; return its path (None: no file).

    Idempotent; when ``GISDESK_LOG_DIR`` changed since the last call, the file follows it.
    """
    path = log_path().absolute()
    logger = logging.getLogger(LOGGER_NAME)
    with _LOCK:
        # Never to the terminal: without a file, Python's last-resort handler would print
        # the very traceback the user is spared.
        logger.propagate = False
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())
        if _handler_for(path) is not None:
            return path
        for old in [h for h in logger.handlers if isinstance(h, _QuietHandler)]:
            logger.removeHandler(old)
            old.close()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = _QuietHandler(
                path, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8"
            )
        except OSError:  # no permission, read-only disk: no log file, and no fuss either
            return None
        handler.setFormatter(logging.Formatter(_FORMAT))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        return path


def log_exception(context: str, exc: BaseException, *, expected: bool = False) -> Path | None:
    """Write an exception with its traceback to the log file; return the file (None: none).

    ``expected`` marks errors gisdesk raised on purpose for bad input (logged as warnings);
    anything else is a fault of gisdesk (logged as an error).
    """
    path = setup_logging()
    if getattr(exc, "_gisdesk_logged", False):  # e.g. by the window, then by the command
        return path if path is not None and path.exists() else None
    logger = logging.getLogger(LOGGER_NAME)
    level = logging.WARNING if expected else logging.ERROR
    try:
        logger.log(level, "%s: %s: %s", context, type(exc).__name__, exc, exc_info=exc)
        for handler in logger.handlers:
            handler.flush()
        exc._gisdesk_logged = True  # type: ignore[attr-defined]
    except Exception:  # a full disk must not turn one error into two
        return None
    return path if path is not None and path.exists() else None


def where_logged(path: Path | None) -> tuple[str, str]:
    """Return (zh, en) sentences telling the user where the details are."""
    if path is None:
        return ("详细信息无法写入日志文件。", "The details could not be written to a log file.")
    return (f"详细信息已写入日志文件：{path}", f"Details are in the log file: {path}")
