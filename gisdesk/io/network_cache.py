"""Built road networks kept on disk between runs, so a second analysis on the same roads
skips building the network (:func:`gisdesk.analysis.network.build_network`).

Each network is one uncompressed ``.npz`` file of plain arrays (no pickles), named by the
content hash of the roads, their routing attributes, the build options and the network
code; any change to one of those is a different file. Files are written to a temporary
name and renamed, so a crash never leaves half a file under a real name; an unreadable or
damaged file counts as absent (and is removed). The newest :data:`KEEP` networks are kept.
Beside them, small ``roads-*.npz`` records say which network an unchanged roads layer of a
file builds (:func:`gisdesk.analysis.network.kept_network`); :data:`KEEP_RECORDS` of them
are kept, apart from the networks, so they never push a network out.

Where: ``$GISDESK_CACHE_DIR/networks`` when that variable is set (tests, portable
installs); Windows ``%LOCALAPPDATA%\\gisdesk\\cache\\networks``; macOS
``~/Library/Caches/gisdesk/networks``; elsewhere ``$XDG_CACHE_HOME/gisdesk/networks``
(``~/.cache/gisdesk/networks``). A folder that cannot be written never stops an analysis:
the network is then built each time.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["KEEP", "KEEP_RECORDS", "NetworkFileCache", "cache_dir"]

KEEP = 8
"""Networks kept; older files go when a new one is written."""
KEEP_RECORDS = 64
"""Records of which network a file's roads build, kept apart from the networks."""
_RECORD = "roads-"
_LOG = logging.getLogger("gisdesk.network_cache")


def cache_dir() -> Path:
    """Return the folder networks are kept in (not created here)."""
    override = os.environ.get("GISDESK_CACHE_DIR")
    if override:
        return Path(override) / "networks"
    home = Path.home()
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return Path(base) / "gisdesk" / "cache" / "networks"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "gisdesk" / "networks"
    base = os.environ.get("XDG_CACHE_HOME") or str(home / ".cache")
    return Path(base) / "gisdesk" / "networks"


class NetworkFileCache:
    """Networks as ``<key>.npz`` files in one folder (see the module's notes)."""

    def __init__(self, folder: Path | None = None, *, keep: int = KEEP) -> None:
        self.folder = folder if folder is not None else cache_dir()
        self.keep = keep

    def _path(self, key: str) -> Path:
        if not key or not all(c.isalnum() or c in "-_" for c in key):
            raise ValueError(f"not a cache key: {key!r}")
        return self.folder / f"{key}.npz"

    def load(self, key: str) -> dict[str, np.ndarray] | None:
        """The arrays stored under ``key``, or None when there is no readable file."""
        path = self._path(key)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            _LOG.warning("network cache %s unreadable, removed: %s", path, exc)
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept longer
        return arrays

    def save(self, key: str, arrays: dict[str, np.ndarray]) -> None:
        """Store the arrays under ``key`` (atomically); failures are logged, not raised."""
        path = self._path(key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".network-", suffix=".npz", dir=self.folder)
            try:
                with os.fdopen(fd, "wb") as out:
                    np.savez(out, allow_pickle=False, **arrays)
                Path(tmp).replace(path)
            except BaseException:
                with contextlib.suppress(OSError):
                    Path(tmp).unlink()
                raise
        except OSError as exc:
            _LOG.warning("network cache %s not written: %s", path, exc)
            return
        self._trim()

    def _trim(self) -> None:
        try:
            files = sorted(self.folder.glob("*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
        except OSError:
            return
        networks = [p for p in files if not p.name.startswith(_RECORD)]
        records = [p for p in files if p.name.startswith(_RECORD)]
        for old in networks[self.keep :] + records[KEEP_RECORDS:]:
            with contextlib.suppress(OSError):
                old.unlink()
