"""Database engine, sessions and migrations for the hub.

SQLite (the embedded default) gets WAL, a busy timeout and BEGIN IMMEDIATE, so concurrent
writers queue up instead of failing with "database is locked"; PostgreSQL needs nothing special.
aiosqlite runs each connection's calls in a thread of its own; SQLAlchemy's adapter makes four
trips there per statement (cursor, execute, fetch, close), ours one (`_OneTripDBAPI`); a
transaction's BEGIN goes in the trip of its first statement, and nothing is sent to end a
transaction SQLite never began (the pool's rollback after a commit, a transaction without statements).
Sessions made with `read_only=True` begin with a plain (deferred) BEGIN instead: in WAL a reader
reads its snapshot without queueing behind the writers. They must not write (a deferred
transaction that tries to would fail with "database is locked" instead of waiting its turn).
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import aiosqlite
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.engine import Connection, CursorResult, Result, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
READ_ONLY = "shopdesk_read_only"


def create_engine(database_url: str, **kwargs: object) -> AsyncEngine:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30}, module=_OneTripDBAPI(aiosqlite, sqlite3), **kwargs)
    _serialise_sqlite_writers(engine)
    return engine


def _run_statement(connection: sqlite3.Connection, operation: str, parameters: Sequence[Any] | None,
                   begin: str | None = None) -> tuple[Any, list[Any] | None, int | None, int]:
    """In aiosqlite's thread: the whole statement (after the BEGIN its transaction still owes), its
    rows read and its cursor closed."""
    cursor = connection.cursor()
    try:
        if begin is not None:
            cursor.execute(begin)
        cursor.execute(operation, () if parameters is None else parameters)
        rows = cursor.fetchall() if cursor.description else None
        return cursor.description, rows, cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


class _OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor, executing each statement in one trip to the connection's thread."""

    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        adapted = cast(_OneTripConnection, self._adapt_connection)
        begin = adapted.sending_begin()
        try:
            # aiosqlite's own queue (what its cursor methods use), holding one call instead of four.
            done = self._connection._execute(_run_statement, self._connection._conn, operation, parameters, begin)
            description, rows, lastrowid, rowcount = self.await_(done)
        except Exception as error:
            adapted._handle_exception(error)
        self.description = description
        if description:
            self.lastrowid = self.rowcount = -1
            self._rows = deque(rows or ())
        else:
            self.lastrowid, self.rowcount = lastrowid, rowcount

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        cast(_OneTripConnection, self._adapt_connection).send_begin()
        return super().executemany(operation, seq_of_parameters)


class _OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """`begin`: the BEGIN SQLAlchemy issued (on_begin) that SQLite has not been sent yet: it goes
    with the transaction's first statement. `open`: whether SQLite has a transaction of ours to
    end. In autocommit mode (on_connect) SQLite has no other, so a commit or rollback (the pool's
    reset after every checkout included) with none open needs no trip: one or two trips fewer per
    transaction."""

    __slots__ = ("begin", "open")

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.begin: str | None = None
        self.open = False

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        if server_side:
            self.send_begin()
            return super().cursor(server_side)
        return _OneTripCursor(self)

    def sending_begin(self) -> str | None:
        """The BEGIN the next statement must send first, if any (from then on a transaction is open)."""
        begin, self.begin = self.begin, None
        if begin is not None:
            self.open = True
        return begin

    def send_begin(self) -> None:
        """For the calls that do not go through _OneTripCursor.execute (executemany, server-side cursors)."""
        begin = self.sending_begin()
        if begin is not None:
            try:
                self.await_(self._connection._execute(_run_statement, self._connection._conn, begin, None))
            except Exception as error:
                self._handle_exception(error)

    def execute(self, *args: Any, **kw: Any) -> Any:
        self.send_begin()
        return super().execute(*args, **kw)

    def commit(self) -> None:
        self.begin = None
        if self.open:
            super().commit()  # if it fails, the transaction is still there to end
            self.open = False

    def rollback(self) -> None:
        self.begin = None
        if self.open:
            super().rollback()  # if it fails, the transaction is still there to end
            self.open = False


class _OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        adapted = super().connect(*arg, **kw)
        return _OneTripConnection(self, adapted._connection)


def _serialise_sqlite_writers(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the driver, issue BEGIN (see on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        adapted = cast(_OneTripConnection, connection.connection.dbapi_connection)
        adapted.begin = "BEGIN" if connection.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE"


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (its result is a CursorResult at run time)."""
    return cast(CursorResult[Any], result).rowcount


def session_factory(engine: AsyncEngine, read_only: bool = False) -> async_sessionmaker[AsyncSession]:
    bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
    return async_sessionmaker(bind, expire_on_commit=False)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def migrate(engine: AsyncEngine) -> None:
    """Brings the schema to the newest revision (a no-op when it already is)."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
