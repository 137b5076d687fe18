"""handoff/db.py on SQLite: one trip to aiosqlite's thread per statement, a transaction's BEGIN in
the trip of its first statement, and still SQLite's write lock for every writing transaction from
that statement on (readers never take it), taken by this process's writers in the order they asked."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import aiosqlite
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff import db
from handoff.db import _Inline, _WriterQueue, create_engine, session_factory
from handoff.settings import HubSettings, SettingsError


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'trips.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE counters (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)"))
        await connection.execute(text("INSERT INTO counters VALUES (1, 0)"))
    yield engine
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The functions each trip to aiosqlite's thread ran, by name ("inline ..." for those the event
    loop's thread waited for)."""
    made: list[str] = []
    original = aiosqlite.Connection._execute
    original_inline = _Inline.__init__

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        made.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    def counted_inline(self: _Inline, function: functools.partial[Any]) -> None:
        made.append(f"inline {function.func.__name__}")
        original_inline(self, function)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    monkeypatch.setattr(_Inline, "__init__", counted_inline)
    return made


async def test_a_transaction_sends_its_begin_with_its_first_statement(engine: AsyncEngine, trips: list[str]) -> None:
    async with session_factory(engine)() as session:
        await session.execute(text("SELECT value FROM counters"))  # a connection from the pool, kept warm
        await session.commit()
        trips.clear()
        await session.execute(text("UPDATE counters SET value = value + 1"))
        assert (await session.execute(text("SELECT value FROM counters"))).scalar_one() == 1
        await session.commit()
    # The first statement takes the write lock (free: inline, with its BEGIN), the next runs inline,
    # the COMMIT is awaited.
    assert trips == ["inline _run_statement", "inline _run_statement", "_commit"]
    async with session_factory(engine, read_only=True)() as session:
        trips.clear()
        assert (await session.execute(text("SELECT value FROM counters"))).scalar_one() == 1
    assert trips == ["_run_statement", "_rollback"]


class _Ticker:
    """Counts the event loop's 1 ms sleeps while the block runs: whether the loop went on meanwhile."""

    def __init__(self) -> None:
        self.ticks = 0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> _Ticker:
        self._task = asyncio.create_task(self._tick())
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.001)
            self.ticks += 1


async def test_a_slow_statement_under_the_write_lock_is_awaited_and_a_failing_one_raises(
    engine: AsyncEngine, trips: list[str]
) -> None:
    """Inline statements wait for the connection's thread 2 ms at most: a slower one is awaited, so the
    event loop goes on (ticks every millisecond meanwhile). An error inline is the usual error, and the
    rollback passes the write lock on."""

    def slow(seconds: float) -> int:
        time.sleep(seconds)
        return 1

    @event.listens_for(engine.sync_engine, "connect")
    def slow_function(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function("slow", 1, slow)

    await engine.dispose()  # new connections, with the function
    sessions = session_factory(engine)
    async with _Ticker() as ticker, sessions() as session:
        await session.execute(text("UPDATE counters SET value = 5"))
        await asyncio.sleep(0.01)
        before = ticker.ticks
        assert (await session.execute(text("SELECT slow(0.2)"))).scalar_one() == 1
        assert ticker.ticks - before >= 20  # the loop ran while SQLite slept
        with pytest.raises(IntegrityError):
            await session.execute(text("INSERT INTO counters VALUES (1, 0)"))
        await session.rollback()
    assert trips.count("inline _run_statement") == 3
    async with sessions() as session:  # not waiting for a turn that was never given back
        await asyncio.wait_for(session.execute(text("UPDATE counters SET value = value + 1")), timeout=5)
        await session.commit()
        assert (await session.execute(text("SELECT value FROM counters"))).scalar_one() == 1


async def test_a_transaction_without_statements_sends_nothing(engine: AsyncEngine, trips: list[str]) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        await connection.commit()
        trips.clear()
        await connection.begin()
        await connection.commit()
        await connection.begin()
        await connection.rollback()
    assert trips == []


async def test_writers_that_read_first_take_turns_and_a_failed_one_leaves_nothing(engine: AsyncEngine) -> None:
    """BEGIN IMMEDIATE still: each writer holds the lock from its first read, so read-then-write
    transactions queue instead of failing with 'database is locked'; a reader never waits."""
    sessions = session_factory(engine)

    async def add_one() -> None:
        async with sessions() as session:
            value = (await session.execute(text("SELECT value FROM counters"))).scalar_one()
            await asyncio.sleep(0.01)
            await session.execute(text("UPDATE counters SET value = :value"), {"value": value + 1})
            await session.commit()

    await asyncio.gather(*(add_one() for _ in range(8)))
    async with sessions() as writer:
        await writer.execute(text("UPDATE counters SET value = value + 100"))
        async with session_factory(engine, read_only=True)() as reader:
            read = reader.execute(text("SELECT value FROM counters"))
            assert (await asyncio.wait_for(read, timeout=5)).scalar_one() == 8
        with pytest.raises(Exception, match="UNIQUE"):
            await writer.execute(text("INSERT INTO counters VALUES (1, 0)"))
        await writer.rollback()
    async with sessions() as session:
        assert (await session.execute(text("SELECT value FROM counters"))).scalar_one() == 8


async def test_writers_take_the_write_lock_in_the_order_they_asked_for_it(engine: AsyncEngine) -> None:
    """SQLite's busy handler lets a waiting writer sleep up to 100 ms between tries, so a newcomer
    often got in before writers that had waited longer; here the turn passes first come, first served."""
    sessions = session_factory(engine)
    order: list[int] = []

    async def write(number: int) -> None:
        async with sessions() as session:
            await session.execute(text("UPDATE counters SET value = value + 1"))
            order.append(number)
            await session.commit()

    async with sessions() as holder:
        await holder.execute(text("UPDATE counters SET value = 0"))
        waiting = []
        for number in range(8):
            waiting.append(asyncio.create_task(write(number)))
            await asyncio.sleep(0.03)  # each one is queued before the next asks
        await holder.commit()
    await asyncio.wait_for(asyncio.gather(*waiting), timeout=10)
    assert order == list(range(8))
    async with sessions() as session:
        assert (await session.execute(text("SELECT value FROM counters"))).scalar_one() == 8


async def test_a_connection_closed_mid_transaction_passes_its_turn_on(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with engine.connect() as connection:
        await connection.execute(text("UPDATE counters SET value = 41"))
        await connection.invalidate()  # closed with its transaction open, as after a failure
    async with sessions() as session:
        update = session.execute(text("UPDATE counters SET value = value + 1"))
        await asyncio.wait_for(update, timeout=5)  # not the queue's 30 s
        await session.commit()
    async with sessions() as session:
        assert (await session.execute(text("SELECT value FROM counters"))).scalar_one() == 1


def test_a_writer_that_waits_past_the_timeout_gets_sqlites_own_error() -> None:
    writers = _WriterQueue(0.05)
    writers.take()
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        writers.take()
    assert time.monotonic() - started >= 0.05
    writers.give()
    writers.take()  # the turn is free again, not left to the writer that gave up


async def test_shopdesk_sqlite_inline_0_awaits_every_statement(
    engine: AsyncEngine, trips: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOPDESK_SQLITE_INLINE", "0")
    async with session_factory(engine)() as session:
        await session.execute(text("UPDATE counters SET value = value + 1"))
        assert (await session.execute(text("SELECT value FROM counters"))).scalar_one() == 1
        await session.commit()
    assert trips == ["_run_statement", "_run_statement", "_commit"]


@pytest.mark.parametrize("setting", [None, "FULL", "EXTRA"])
async def test_commits_sync_as_shopdesk_sqlite_synchronous_says(tmp_path: Path, setting: str | None) -> None:
    """NORMAL by default (in WAL: a commit survives a crash of any process), FULL or EXTRA on request
    (also a power cut, at a disk sync per commit); what the settings refuse never reaches SQL."""
    settings = HubSettings.from_env({"SHOPDESK_VAR_DIR": str(tmp_path), **(
        {"SHOPDESK_SQLITE_SYNCHRONOUS": setting} if setting else {})})
    engine = create_engine(settings.database_url, settings.sqlite_synchronous)
    try:
        async with engine.connect() as connection:
            level = (await connection.execute(text("PRAGMA synchronous"))).scalar_one()
            mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
    finally:
        await engine.dispose()
    assert (level, mode) == ({None: 1, "FULL": 2, "EXTRA": 3}[setting], "wal")


@pytest.mark.parametrize("value", ["OFF", "normal; DROP TABLE messages", ""])
def test_other_synchronous_levels_are_refused(value: str) -> None:
    if value:
        with pytest.raises(SettingsError, match="SHOPDESK_SQLITE_SYNCHRONOUS must be one of NORMAL, FULL, EXTRA"):
            HubSettings.from_env({"SHOPDESK_SQLITE_SYNCHRONOUS": value})
    else:  # empty: the default, as for every other setting
        assert HubSettings.from_env({"SHOPDESK_SQLITE_SYNCHRONOUS": value}).sqlite_synchronous == "NORMAL"
    with pytest.raises(ValueError, match="synchronous must be one of"):
        create_engine("sqlite+aiosqlite:///:memory:", value or "off")


async def test_a_writer_that_finds_the_turn_taken_waits_on_the_loop_then_runs_inline(
        engine: AsyncEngine, trips: list[str]) -> None:
    """Not in the connection's thread: there the turn, and SQLite's write lock, would be the
    writer's through a round of the event loop before its task could use it."""
    sessions = session_factory(engine)
    readers = session_factory(engine, read_only=True)
    async with readers() as warm, readers() as warm_too:  # two connections in the pool, opened
        await warm.execute(text("SELECT 1"))
        await warm_too.execute(text("SELECT 1"))
    async with sessions() as holder:
        await holder.execute(text("UPDATE counters SET value = 5"))
        trips.clear()
        writer = asyncio.create_task(_add_one(sessions))
        await asyncio.sleep(0.05)
        assert not writer.done() and trips == []  # waiting, and nothing sent to its thread
        await holder.commit()
    await asyncio.wait_for(writer, timeout=5)
    assert trips == ["_commit", "inline _run_statement", "_commit"]
    async with sessions() as session:
        assert (await session.execute(text("SELECT value FROM counters"))).scalar_one() == 6


async def _add_one(sessions: Any) -> None:
    async with sessions() as session:
        await session.execute(text("UPDATE counters SET value = value + 1"))
        await session.commit()


async def test_a_turn_given_back_is_free_for_whoever_runs_first_until_a_writer_has_waited_too_long(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "_HANDOFF_SECONDS", 60.0)
    writers = _WriterQueue(5)
    assert writers.try_take()
    waiting = asyncio.create_task(writers.wait_on_loop(time.monotonic()))
    await asyncio.sleep(0)
    writers.give()  # the waiting task is woken...
    assert writers.try_take()  # ...but a writer running now takes the turn first
    await asyncio.sleep(0.01)
    assert not waiting.done()  # woken, found it taken: first in line again
    writers.give()
    await asyncio.wait_for(waiting, timeout=5)
    assert not writers.try_take()  # the waiting task's now
    # Once the first in line has waited longer than _HANDOFF_SECONDS, the turn is handed to it
    # and newcomers queue behind it.
    monkeypatch.setattr(db, "_HANDOFF_SECONDS", 0.0)
    second = asyncio.create_task(writers.wait_on_loop(time.monotonic()))
    await asyncio.sleep(0.01)
    writers.give()
    assert not writers.try_take()
    await asyncio.wait_for(second, timeout=5)
    writers.give()
    assert writers.try_take()


@pytest.mark.parametrize("handoff", [0.0, 60.0])
async def test_a_task_that_stops_waiting_leaves_the_turn_to_the_others(monkeypatch: pytest.MonkeyPatch,
                                                                        handoff: float) -> None:
    monkeypatch.setattr(db, "_HANDOFF_SECONDS", handoff)
    writers = _WriterQueue(0.05)
    assert writers.try_take()
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):  # its timeout
        await writers.wait_on_loop(time.monotonic())
    assert time.monotonic() - started >= 0.05
    cancelled = asyncio.create_task(writers.wait_on_loop(time.monotonic()))
    await asyncio.sleep(0.01)
    writers.give()  # handed to (or woken for) the task, which is cancelled before it runs
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    await asyncio.sleep(0.01)
    assert writers.try_take()  # free again, not kept for a task that is gone


def test_a_turn_given_back_to_a_task_whose_loop_has_closed_passes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    for handoff in (0.0, 60.0):
        monkeypatch.setattr(db, "_HANDOFF_SECONDS", handoff)
        writers = _WriterQueue(5)
        assert writers.try_take()
        loop = asyncio.new_event_loop()
        waiting = loop.create_task(writers.wait_on_loop(time.monotonic()))
        loop.run_until_complete(asyncio.sleep(0.01))
        assert not waiting.done()
        loop.close()  # as if the loop stopped without cancelling its tasks
        writers.give()  # from a connection's thread, after a COMMIT
        assert writers.try_take()


@pytest.mark.parametrize("handoff", [0.0, 60.0])
async def test_the_next_in_line_is_woken_when_the_one_woken_before_it_stopped_waiting(
        monkeypatch: pytest.MonkeyPatch, handoff: float) -> None:
    monkeypatch.setattr(db, "_HANDOFF_SECONDS", handoff)
    writers = _WriterQueue(5)
    assert writers.try_take()
    first = asyncio.create_task(writers.wait_on_loop(time.monotonic()))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(writers.wait_on_loop(time.monotonic()))
    await asyncio.sleep(0.01)
    writers.give()  # the first is woken (or handed the turn)...
    first.cancel()  # ...and stops waiting before it runs
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, timeout=1)  # no one else writes: the second still gets it
    assert not writers.try_take()
    writers.give()
    assert writers.try_take()


async def test_a_direct_session_runs_its_statements_in_the_loops_thread_once_the_lock_is_its(
        engine: AsyncEngine, trips: list[str]) -> None:
    """No trip to the connection's thread and back, its COMMIT included; a plain writer's session
    goes on as before."""
    threads: list[int] = []

    @event.listens_for(engine.sync_engine, "connect")
    def thread_function(dbapi_connection: Any, _record: Any) -> None:
        def thread() -> int:
            threads.append(threading.get_ident())
            return 1

        dbapi_connection.create_function("thread", 0, thread)

    await engine.dispose()
    direct = session_factory(engine, direct=True)
    async with direct() as session:
        await session.execute(text("SELECT 1"))  # a connection from the pool, opened
        await session.commit()
        trips.clear()
        await session.execute(text("UPDATE counters SET value = value + thread()"))
        assert (await session.execute(text("SELECT value + thread() FROM counters"))).scalar_one() == 2
        await session.commit()
    assert trips == []
    assert threads == [threading.get_ident()] * 2
    async with session_factory(engine)() as session:
        trips.clear()
        await session.execute(text("UPDATE counters SET value = value + thread()"))
        await session.commit()
    assert trips == ["inline _run_statement", "_commit"] and threads[-1] != threading.get_ident()
    async with session_factory(engine, read_only=True)() as reader:
        assert (await reader.execute(text("SELECT value FROM counters"))).scalar_one() == 2


async def test_a_direct_session_never_waits_on_the_loop_for_another_process_holding_the_lock(
        engine: AsyncEngine, tmp_path: Path, trips: list[str]) -> None:
    """SQLite's busy handler would sleep in the loop's thread: the BEGIN finds the lock taken at
    once, and the statement goes to the connection's thread, which waits for it."""
    direct = session_factory(engine, direct=True)
    async with direct() as session:
        await session.execute(text("SELECT 1"))
        await session.commit()
    other = sqlite3.connect(tmp_path / "trips.db", isolation_level=None)  # another process's writer, say
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE counters SET value = 10")
    try:
        async with _Ticker() as ticker:
            trips.clear()
            writer = asyncio.create_task(_add_one(direct))
            await asyncio.sleep(0.2)
            assert not writer.done() and ticker.ticks >= 50  # the loop runs while the writer waits
            other.commit()
            await asyncio.wait_for(writer, timeout=5)
    finally:
        other.close()
    assert trips == ["inline _run_statement"]  # the BEGIN and its statement waited off the loop
    async with direct() as session:
        trips.clear()
        await session.execute(text("UPDATE counters SET value = value + 1"))
        await session.commit()
        assert trips == []  # and the next transaction runs direct again
        assert (await session.execute(text("SELECT value FROM counters"))).scalar_one() == 12


async def test_a_direct_statement_leaves_a_connection_whose_thread_still_runs_a_call(engine: AsyncEngine) -> None:
    """A cancelled caller's statement may still run in the connection's thread: the loop's thread
    does not run one beside it, but sends it the usual way, behind it."""
    async with session_factory(engine, direct=True)() as session:
        connection = await session.connection()
        adapted = cast(db._OneTripConnection, (await connection.get_raw_connection()).dbapi_connection)
        assert type(adapted).__name__ == "_OneTripConnection"
        with adapted.turn.busy:
            assert adapted.run_direct("SELECT 1", (), None) is None
        assert adapted.run_direct("SELECT 1", (), None) is not None


async def test_checkpoints_run_every_so_many_commits_in_a_thread_of_their_own(
        engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """SQLite's own ran in a COMMIT, with the write lock held (and, for a direct transaction, on the
    loop): they are off, and ours copy the WAL into the database file beside the writers."""
    monkeypatch.setattr(db, "_CHECKPOINT_COMMITS", 3)
    ran: list[tuple[str, list[Any]]] = []
    original = sqlite3.connect

    class Recording(sqlite3.Connection):
        def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
            cursor = super().execute(sql, *args)
            if "wal_checkpoint" in sql:
                rows = cursor.fetchall()
                ran.append((threading.current_thread().name, rows))
                return super().execute("SELECT 1")
            return cursor

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        if threading.current_thread().name == "sqlite-checkpoints":
            kwargs["factory"] = Recording
        return original(*args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)
    direct, plain = session_factory(engine, direct=True), session_factory(engine)
    for number, sessions in enumerate((direct, direct, plain, plain), 1):
        for _ in range(3):
            await _add_one(sessions)
        for _ in range(200):  # one asked for: it runs soon (two asked for at once are one)
            if len(ran) == number:
                break
            await asyncio.sleep(0.01)
    # Each copied frames of the WAL into the file: [busy, frames in the WAL, copied] (PASSIVE leaves
    # a frame that a commit was still writing, or a reader still needs, to the next one).
    assert [name for name, _rows in ran] == ["sqlite-checkpoints"] * 4
    assert all(rows[0][0] == 0 and 0 < rows[0][2] <= rows[0][1] for _name, rows in ran), ran
    async with engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA wal_autocheckpoint"))).scalar_one() == 0
    async with session_factory(engine, read_only=True)() as reader:
        assert (await reader.execute(text("SELECT value FROM counters"))).scalar_one() == 12
    await engine.dispose()  # stops the thread; the next one due starts another
    assert not any(thread.name == "sqlite-checkpoints" for thread in threading.enumerate())


async def test_with_synchronous_full_a_direct_commit_syncs_off_the_loop(tmp_path: Path, trips: list[str]) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'full.db'}", "FULL")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE counters (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)"))
            await connection.execute(text("INSERT INTO counters VALUES (1, 0)"))
        trips.clear()
        await _add_one(session_factory(engine, direct=True))
        assert trips == ["_commit"]
    finally:
        await engine.dispose()
