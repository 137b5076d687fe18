"""PostgreSQL databases dumped with pg_dump (custom format) from one exported snapshot, so the
row counts taken beside it describe exactly what the dump holds, and restored with pg_restore
in a single transaction (a failure leaves the database as it was).

Passwords travel in PGPASSWORD, never on a command line other users could read."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from handoff.errors import HubError

Counts = dict[str, int]
_COPY = re.compile(r'^COPY (\S+) \(.*\) FROM stdin;$')
_TABLES = """SELECT table_schema, table_name FROM information_schema.tables
             WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
             ORDER BY 1, 2"""


def libpq_url(url: str) -> tuple[str, dict[str, str]]:
    """A SQLAlchemy URL (any driver) as a libpq URI without its password, and the environment
    that carries the password."""
    parsed = make_url(url)
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    bare = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return bare, env


def same_database(url: str, other: str) -> bool:
    a, b = make_url(url), make_url(other)
    return (a.host or "localhost", a.port or 5432, a.database) == (b.host or "localhost", b.port or 5432, b.database)


def dump(url: str, target: Path) -> Counts:
    uri, env = libpq_url(url)
    with _connect(uri, env) as connection:
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot_id = connection.execute("SELECT pg_export_snapshot()").fetchone()
        counts = _count_rows(connection)
        # The dump reads the exported snapshot while this transaction keeps it alive.
        _run(["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot_id[0] if snapshot_id else ''}",
              f"--file={target}", f"--dbname={uri}"], env)
        connection.execute("COMMIT")
    return counts


def verify(archive: Path, expected: Counts) -> None:
    """pg_restore reads the whole archive (so every compressed block is checked) and the rows
    in it are counted, table by table, as they stream past."""
    _require("pg_restore")
    command = ["pg_restore", "--data-only", "--file=-", str(archive)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as reader:
        assert reader.stdout is not None and reader.stderr is not None
        counts = _count_copied_rows(reader.stdout, expected)
        problem = reader.stderr.read()
    if reader.returncode != 0:
        raise HubError(f"{archive.name} is damaged: {problem.strip()[-500:]}")
    if counts != expected:
        raise HubError(f"{archive.name} has other rows than the backup recorded")


def _count_copied_rows(lines: Iterable[str], expected: Counts) -> Counts:
    counts = dict.fromkeys(expected, 0)
    table: str | None = None
    for raw in lines:
        line = raw.rstrip("\n")
        if table is None:
            match = _COPY.match(line)
            table = match.group(1).replace('"', "") if match else None
            if table is not None:
                counts.setdefault(table, 0)
        elif line == "\\.":
            table = None
        else:
            counts[table] += 1
    return counts


def restore(archive: Path, url: str) -> Counts:
    uri, env = libpq_url(url)
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
          f"--dbname={uri}", str(archive)], env)
    with _connect(uri, env) as connection:
        return _count_rows(connection)


def _count_rows(connection: psycopg.Connection[tuple[object, ...]]) -> Counts:
    counts = {}
    for schema, table in connection.execute(_TABLES).fetchall():
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(str(schema)), sql.Identifier(str(table)))
        row = connection.execute(query).fetchone()
        counts[f"{schema}.{table}"] = int(str(row[0])) if row else 0
    return counts


def _connect(uri: str, env: dict[str, str]) -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(uri, password=env.get("PGPASSWORD"), autocommit=True, connect_timeout=10)
    except psycopg.Error as error:
        raise HubError(f"cannot reach the database: {error}") from None


def _require(program: str) -> None:
    if shutil.which(program) is None:
        raise HubError(f"{program} is not installed (Debian: apt-get install postgresql-client)")


def _run(command: list[str], env: dict[str, str]) -> None:
    _require(command[0])
    done = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise HubError(f"{command[0]} failed: {done.stderr.strip()[-500:]}")
