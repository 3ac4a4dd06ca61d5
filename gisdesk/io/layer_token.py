"""A token naming the stored state of a layer in a file, for caches keyed without reading it.

A built road network is kept under the content hash of its roads
(:mod:`gisdesk.analysis.network`), and computing that hash means reading the roads: on the
188,000-road benchmark grid 0.4 s and 130 MB, more than loading the kept network. The token
here stands in for the content the way Python's own ``.pyc`` files stand in for their
source: it is made from what the file system and SQLite say of the file, and whatever
writes to the file changes it:

- the file's resolved path, inode, device, size and modification time (nanoseconds);
- for an SQLite file (a GeoPackage, a gisdesk project), the header's change counter (which
  every committed transaction in rollback-journal mode bumps), and the size and
  modification time of a ``-wal`` file beside it (where WAL mode writes);
- the layer's name, how the reader types it (the layer schema, for a project layer) and
  the gisdesk version.

A ``-journal`` file beside it means a write is under way or was cut off: there is no token
then, and the layer is read. So is it for anything that is not a regular file.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["layer_token"]

_SQLITE_MAGIC = b"SQLite format 3\x00"


def layer_token(path: str | os.PathLike[str], layer: str | None, reader: str = "") -> str | None:
    """Return a token for ``layer`` of the file at ``path`` as it is stored now, or None.

    ``reader`` names how the layer is read (e.g. its schema), so a change there is a new
    token too. Two calls give the same token only if nothing has written to the file in
    between (see the module's notes); None when no token can be trusted.
    """
    from gisdesk import __version__

    try:
        file = Path(path).resolve(strict=True)
        st = file.stat()
    except (OSError, RuntimeError):
        return None
    if not file.is_file():
        return None
    parts: list[object] = [
        __version__,
        str(file),
        layer or "",
        reader,
        st.st_ino,
        st.st_dev,
        st.st_size,
        st.st_mtime_ns,
    ]
    if Path(f"{file}-journal").exists():
        return None  # a write under way, or one a crash cut off: read the layer
    try:
        with file.open("rb") as fh:
            head = fh.read(100)
    except OSError:
        return None
    if head.startswith(_SQLITE_MAGIC):
        parts.append(head[24:28].hex())  # file change counter
        try:
            wal = Path(f"{file}-wal").stat()
            parts += [wal.st_size, wal.st_mtime_ns, wal.st_ino]
        except FileNotFoundError:
            parts.append("no-wal")
        except OSError:
            return None
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
