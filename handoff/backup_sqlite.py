"""SQLite databases (the hub's, Rasa's tracker store) copied with SQLite's online backup API:
consistent while the hub keeps writing, and counted in the very snapshot that is copied."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from handoff.errors import HubError

Counts = dict[str, int]


def snapshot(source: Path, target: Path) -> Counts:
    """Copies `source` into `target` and returns each table's row count in the copied snapshot."""
    if not source.exists():
        raise HubError(f"no database at {source}")
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30, isolation_level=None)) as live, \
            closing(sqlite3.connect(target)) as copy:
        # The read transaction pins one snapshot for the counts and for the copy alike.
        live.execute("BEGIN")
        counts = count_rows(live)
        live.backup(copy)
        live.execute("COMMIT")
    return counts


def count_rows(connection: sqlite3.Connection) -> Counts:
    tables = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {table: int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]) for table in tables}


def verify(copy: Path, expected: Counts) -> None:
    """The file is a whole SQLite database with exactly the rows it should have."""
    try:
        with closing(sqlite3.connect(f"file:{copy}?mode=ro", uri=True)) as connection:
            check = connection.execute("PRAGMA integrity_check").fetchall()
            if check != [("ok",)]:
                raise HubError(f"{copy.name} is damaged: {check[0][0]}")
            counts = count_rows(connection)
    except sqlite3.DatabaseError as error:
        raise HubError(f"{copy.name} is not a usable SQLite database: {error}") from None
    if counts != expected:
        raise HubError(f"{copy.name} has other rows than the backup recorded: {_difference(expected, counts)}")


def restore(copy: Path, target: Path) -> Counts:
    """Writes the verified copy over `target` through SQLite (its -wal and -shm files included)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(f"file:{copy}?mode=ro", uri=True)) as source, closing(sqlite3.connect(target)) as live:
        source.backup(live)
        return count_rows(live)


def _difference(expected: Counts, found: Counts) -> str:
    tables = sorted(set(expected) | set(found))
    return ", ".join(f"{t}: {expected.get(t)} -> {found.get(t)}" for t in tables if expected.get(t) != found.get(t))
