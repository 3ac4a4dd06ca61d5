"""Whole-database copies between SQLite files (GeoPackages), each all or nothing.

- :func:`copy_database` makes a new file that is a consistent snapshot of another (its
  ``-wal`` content included), to change it aside before it replaces the original;
- :func:`write_into` makes an existing file a page-for-page copy of another in one SQLite
  transaction, so the file keeps its inode, permissions and links, readers see the old or the
  new content, and a kill part-way is rolled back at the next opening.

The project store saves projects with :func:`write_into`; exports into an existing
GeoPackage use both.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = ["copy_database", "write_into"]


def copy_database(source: Path, target: Path) -> None:
    """Copy the database ``source`` into the new file ``target`` (a consistent snapshot)."""
    src = sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def write_into(source: Path, target: Path) -> None:
    """Make ``target`` a page-for-page copy of ``source`` in one SQLite transaction.

    The backup API writes the target under its rollback journal (``synchronous=FULL``): a
    kill or power cut part-way leaves a hot journal that the next opening rolls back, so
    the target is the old or the new database. Readers of the target wait for the commit.
    """
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target, timeout=60)
        try:
            mode = dst.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() == "wal":  # a page-size change needs a rollback journal
                dst.execute("PRAGMA journal_mode=DELETE")
            dst.execute("PRAGMA synchronous=FULL")
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
