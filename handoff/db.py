"""Database engine, sessions and migrations for the hub.

SQLite (the embedded default) gets WAL, a busy timeout and BEGIN IMMEDIATE, so concurrent
writers queue up instead of failing with "database is locked"; PostgreSQL needs nothing special.
aiosqlite runs each connection's calls in a thread of its own; SQLAlchemy's adapter makes four
trips there per statement (cursor, execute, fetch, close), ours one (`_OneTripDBAPI`); a
transaction's BEGIN goes in the trip of its first statement, and nothing is sent to end a
transaction SQLite never began (the pool's rollback after a commit, a transaction without statements).
This process's writers take SQLite's write lock first come, first served (`_WriterQueue`): SQLite's own
busy handler lets a writer that finds the lock taken sleep 1, 2, 5 ... up to 100 ms between tries,
so at 20 messages at once an unlucky one waited seconds while newcomers passed it, and the lock lay
idle while the waiting slept. A writer that waits in its connection's thread is handed the lock
there the moment the previous writer's COMMIT returns; a writer of an inline session (below)
waits as its task on the event loop, and a lock given back is free for whichever writer runs first
until the first in line has waited 5 ms, when it is handed the lock and newcomers queue behind
it: handed to a waiting task at once, the lock stayed held through a round of the loop before
the task could use it, and at 20 messages at once that made it the bottleneck (held 3-5 ms a
transaction for well under 1 ms of work, 8 writers in 10 waiting, p50 36 ms). Other processes on
the same file still meet the busy handler.
While a connection holds the write lock (or finds it free as its transaction begins), a session's
statements run inline (`_Inline`): the event loop's thread waits for the connection's thread to run
the statement, up to 2 ms, instead of waiting for a turn of the loop behind every other task's work
(at 20 messages at once a write transaction held the lock 5-10 ms for well under 1 ms of SQLite
work, much of it in those turns, and each turn is CPU too: the router's whole message path took
14% less of the loop's CPU with this and the Core statements of handoff/conversations.py and
handoff/turns.py). A statement that takes longer than 2 ms is awaited as before, so no statement
holds the loop longer than that; a writer that finds the lock taken waits for it awaited; COMMIT
is always awaited (it passes the lock on in the connection's thread, so the next writer does not
wait for our loop turn). SHOPDESK_SQLITE_INLINE=0 awaits every statement; in the full stack at 20
at once (bench/load.py, alternated) the two read the same within the machine's noise.
Sessions made with `direct=True` (the message path's, UnitOfWorkFactory.direct) go one step further:
once their transaction has the write lock, the event loop's thread runs each statement itself, with
no trip to the connection's thread and back: with the cores busy (Rasa and the action server share
them), each such trip waited for the other thread to be scheduled, and the write lock was held
meanwhile (bench/README.md). Their BEGIN IMMEDIATE runs there too without SQLite's busy handler:
when another process holds the lock, the statement goes to the connection's thread, which waits.
So do their COMMIT and ROLLBACK (with synchronous=NORMAL, the default: FULL and EXTRA sync the disk
in a COMMIT), which is why SQLite's own checkpoints, which run in a COMMIT with the lock held, are
off: this process's run in a thread and connection of their own every _CHECKPOINT_COMMITS commits
(PASSIVE: no writer waits for them). Only transactions of a few small statements
may use them: nothing interrupts a long statement on the loop.
Sessions made with `read_only=True` begin with a plain (deferred) BEGIN instead: in WAL a reader
reads its snapshot without queueing behind the writers. They must not write (a deferred
transaction that tries to would fail with "database is locked" instead of waiting its turn).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
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

from handoff.settings import SQLITE_SYNCHRONOUS

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
READ_ONLY = "shopdesk_read_only"
# Sessions' statements may run inline (_Inline); SQLAlchemy's AsyncConnection.execute insists on an await.
_INLINE = "shopdesk_inline"
# ... and in the event loop's own thread, once the write lock is theirs (session_factory's `direct`).
_DIRECT = "shopdesk_direct"


def create_engine(database_url: str, synchronous: str = SQLITE_SYNCHRONOUS[0], **kwargs: object) -> AsyncEngine:
    """`synchronous`: SQLite's PRAGMA synchronous (HubSettings.sqlite_synchronous); see _serialise_sqlite_writers."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    checkpoints = None
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        checkpoints = _Checkpointer(url.database)
    module = _OneTripDBAPI(aiosqlite, sqlite3, _WriterQueue(_BUSY_SECONDS), synchronous == "NORMAL", checkpoints)
    # Direct sessions' statements run in the event loop's thread too (session_factory); SQLite serialises.
    connect_args = {"timeout": _BUSY_SECONDS, "check_same_thread": False}
    engine = create_async_engine(url, connect_args=connect_args, module=module, **kwargs)
    _serialise_sqlite_writers(engine, synchronous)
    if checkpoints is not None:
        event.listen(engine.sync_engine, "engine_disposed", lambda _engine: checkpoints.stop())
    return engine


_BUSY_SECONDS = 30
# SQLite's own checkpoints run in a COMMIT, with the write lock held (every 1,000 pages of WAL by
# default); this process's run after every this many COMMITs instead, in a thread of their own
# (_Checkpointer; a message writes two transactions of a few pages each).
_CHECKPOINT_COMMITS = 200
_IMMEDIATE = "BEGIN IMMEDIATE"


class _Waiter:
    """A writer waiting for the turn: a connection's thread (`event`) or a task on the event loop (`future`)."""

    __slots__ = ("event", "future", "since")

    def __init__(self, since: float, event: threading.Event | None = None,
                 future: asyncio.Future[bool] | None = None) -> None:
        self.since = since
        self.event = event
        self.future = future


# A task that has waited this long for the write turn is handed it directly; before that, whoever
# runs when the turn comes free takes it (_WriterQueue).
_HANDOFF_SECONDS = 0.005


class _WriterQueue:
    """This process's turns at SQLite's write lock, first come, first served once a writer has
    waited: a writer that finds the turn taken waits in its connection's thread (the awaited path)
    or, in an inline session, as its task on the event loop (`wait_on_loop`), never blocking the loop.

    A thread is handed the turn directly by the one before (it runs at once). A task would hold
    the turn through a round of the event loop before it runs, and the write lock with it, while
    every other writer waits: at 20 messages at once that made the turn a queue of its own (held
    3-5 ms a transaction for well under 1 ms of work, 8 writers in 10 waiting). So, as Go's mutex
    does, a turn given back with a task first in line is free for whoever runs first: the task is
    woken and takes it if it is still free, and a writer on the loop that finds it free takes it at
    once, running inline. Only a task that has waited longer than _HANDOFF_SECONDS is handed the
    turn, and newcomers then queue behind it, so no writer waits for ever."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._mutex = threading.Lock()
        self._waiting: deque[_Waiter] = deque()
        self._taken = False

    def take(self) -> None:
        with self._mutex:
            if not self._taken:
                self._taken = True
                return
            waiter = _Waiter(time.monotonic(), event=threading.Event())
            self._waiting.append(waiter)
        assert waiter.event is not None
        if waiter.event.wait(self._timeout):
            return
        with self._mutex:
            if waiter.event.is_set():  # handed over just as the wait ran out
                return
            self._waiting.remove(waiter)
        raise sqlite3.OperationalError("database is locked")  # what SQLite's busy handler says after its timeout

    def try_take(self) -> bool:
        """The turn, if it is free now and no writer has waited past _HANDOFF_SECONDS (never waits)."""
        with self._mutex:
            return self._take_if_free(time.monotonic())

    def _take_if_free(self, now: float) -> bool:
        if self._taken or (self._waiting and now - self._waiting[0].since > _HANDOFF_SECONDS):
            return False
        self._taken = True
        return True

    async def wait_on_loop(self, since: float) -> None:
        """Waits, as the calling task on the event loop, until it has the turn."""
        loop = asyncio.get_running_loop()
        woken = False
        while True:
            with self._mutex:
                # Woken, the task was first in line: the turn is its if no one took it meanwhile.
                if woken and not self._taken:
                    self._taken = True
                    return
                if self._take_if_free(time.monotonic()):
                    return
                waiter = _Waiter(since, future=loop.create_future())
                if woken:
                    self._waiting.appendleft(waiter)  # it keeps its place
                else:
                    self._waiting.append(waiter)
            assert waiter.future is not None
            try:
                handed = await asyncio.wait_for(asyncio.shield(waiter.future), since + self._timeout - time.monotonic())
            except TimeoutError:
                self._abandon(waiter)
                raise sqlite3.OperationalError("database is locked") from None  # as SQLite's busy handler says
            except BaseException:
                self._abandon(waiter)
                raise
            if handed:
                return
            woken = True

    def _abandon(self, waiter: _Waiter) -> None:
        """A task that stopped waiting (its timeout, a cancellation): out of the line, and the turn
        passed on if it was handed to it, or woken for it, meanwhile."""
        assert waiter.future is not None
        with self._mutex:
            if waiter in self._waiting:
                self._waiting.remove(waiter)
                return
        if not waiter.future.done():
            # Its wake-up is on its way: _wake passes a handed turn on (on a closed loop, give() did).
            with contextlib.suppress(RuntimeError):
                waiter.future.cancel()
        elif not waiter.future.cancelled():
            self.pass_on(waiter.future.result())  # woken or handed, before it could use the turn

    def give(self) -> None:
        with self._mutex:
            if not self._waiting:
                self._taken = False
                return
            first = self._waiting.popleft()
            if first.event is not None:
                first.event.set()  # the turn passes on without being free in between
                return
            handed = time.monotonic() - first.since > _HANDOFF_SECONDS
            if not handed:
                self._taken = False  # free for whoever runs first; the task is woken to try
        assert first.future is not None
        try:
            first.future.get_loop().call_soon_threadsafe(_wake, self, first.future, handed)
        except RuntimeError:  # its loop is closed: the task is gone, and so is its claim to the turn
            self.pass_on(handed)

    def pass_on(self, handed: bool) -> None:
        """For a woken task that stopped waiting: the turn handed to it, or the free turn it was
        woken for, goes to the next in line (else no one would wake them until a newcomer writes)."""
        if not handed:
            with self._mutex:
                if self._taken:
                    return  # someone runs with it, and will give it back
                self._taken = True
        self.give()


def _wake(queue: _WriterQueue, future: asyncio.Future[bool], handed: bool) -> None:
    """On the waiting task's loop: `handed`, the turn is the task's; woken or handed, a task that
    stopped waiting meanwhile passes it on."""
    if not future.done():
        future.set_result(handed)
    else:
        queue.pass_on(handed)


class _Turn:
    """One connection's place in the writers' queue; used only in the connection's thread (or when
    nothing else runs on the connection, as it closes)."""

    __slots__ = ("busy", "held", "queue")

    def __init__(self, queue: _WriterQueue) -> None:
        self.queue = queue
        self.held = False
        # Held while the connection's thread runs a call of ours on it: the event loop's thread runs
        # a statement itself only when it can take it (a cancelled caller's statement may still run).
        self.busy = threading.Lock()

    def begin(self, cursor: sqlite3.Cursor, begin: str) -> None:
        if begin == _IMMEDIATE and not self.held:
            self.queue.take()
            self.held = True
        try:
            cursor.execute(begin)
        except BaseException:
            self.give_back()
            raise

    def take_if_free(self) -> bool:
        """Takes the turn if no one holds it now (in the event loop's thread: nothing else runs on
        the connection meanwhile); False, and nothing taken, otherwise."""
        if not self.held and self.queue.try_take():
            self.held = True
            return True
        return False

    def give_back(self) -> None:
        if self.held:
            self.held = False
            self.queue.give()


def _commit(connection: sqlite3.Connection, turn: _Turn) -> None:
    """In aiosqlite's thread: _end_now's COMMIT, the connection's thread marked busy meanwhile."""
    with turn.busy:
        _end_now(connection, turn, rollback=False)


def _rollback(connection: sqlite3.Connection, turn: _Turn) -> None:
    with turn.busy:
        _end_now(connection, turn, rollback=True)


def _end_now(connection: sqlite3.Connection, turn: _Turn, rollback: bool) -> None:
    """COMMIT or ROLLBACK, then the write turn passes on; a failed COMMIT leaves the transaction,
    and the turn, to the rollback that follows (a failed ROLLBACK passes the turn on all the same).
    The caller holds turn.busy."""
    if not rollback:
        connection.commit()
        turn.give_back()
        return
    try:
        connection.rollback()
    finally:
        turn.give_back()


class _Checkpointer:
    """This process's checkpoints of one database file, in a thread and a connection of their own
    (started when the first is due, stopped when the engine is disposed): the WAL's pages copied
    into the database file as far as no reader still needs them. PASSIVE: no writer waits for it,
    and it waits for no one; the next one copies what it could not."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._commits = itertools.count(1)
        self._due = threading.Event()
        self._mutex = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def committed(self) -> None:
        """Counts a COMMIT; every _CHECKPOINT_COMMITS-th asks for a checkpoint (never waits for it)."""
        if next(self._commits) % _CHECKPOINT_COMMITS:
            return
        with self._mutex:
            if self._thread is None:
                self._stopping = False
                self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)
                self._thread.start()
        self._due.set()

    def stop(self) -> None:
        with self._mutex:
            thread, self._thread = self._thread, None
            self._stopping = True
        self._due.set()
        if thread is not None:
            thread.join(timeout=_BUSY_SECONDS)

    def _run(self) -> None:
        connection = sqlite3.connect(self._path, timeout=_BUSY_SECONDS, isolation_level=None)
        try:
            while True:
                self._due.wait()
                self._due.clear()
                if self._stopping:
                    return
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as error:
                    log.warning("SQLite checkpoint failed: %s", error)
        finally:
            connection.close()


def _run_statement(connection: sqlite3.Connection, operation: str, parameters: Sequence[Any] | None,
                   begin: str | None, turn: _Turn) -> tuple[Any, list[Any] | None, int | None, int]:
    """In aiosqlite's thread: the whole statement (after the BEGIN its transaction still owes, in
    the writers' queue when it takes the write lock), its rows read and its cursor closed."""
    with turn.busy:
        return _statement(connection, operation, parameters, begin, turn)


def _statement(connection: sqlite3.Connection, operation: str, parameters: Sequence[Any] | None,
               begin: str | None, turn: _Turn | None) -> tuple[Any, list[Any] | None, int | None, int]:
    cursor = connection.cursor()
    try:
        if begin is not None:
            if turn is None:
                cursor.execute(begin)
            else:
                turn.begin(cursor, begin)
        if operation:
            cursor.execute(operation, () if parameters is None else parameters)
        rows = cursor.fetchall() if cursor.description else None
        return cursor.description, rows, cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


_INLINE_SECONDS = 0.002


def _begin_unless_locked(connection: sqlite3.Connection, begin: str) -> bool:
    """BEGIN IMMEDIATE with this process's write turn held, without SQLite's busy handler: only
    another process can hold the lock, and the event loop's thread must not sleep waiting for it."""
    connection.execute("PRAGMA busy_timeout=0")
    try:
        connection.execute(begin)
    except sqlite3.OperationalError as error:
        if error.sqlite_errorcode != sqlite3.SQLITE_BUSY:
            raise
        return False
    finally:
        connection.execute(f"PRAGMA busy_timeout={_BUSY_SECONDS * 1000}")
    return True


class _Inline:
    """One call in a connection's thread that the event loop's thread waits for, for a while: if it
    is not done by then, the loop awaits it like any other call (`awaitable`)."""

    __slots__ = ("_done", "_error", "_function", "_future", "_mutex", "_result")

    def __init__(self, function: Callable[[], Any]) -> None:
        self._function = function
        self._done = threading.Event()
        self._mutex = threading.Lock()
        self._future: asyncio.Future[Any] | None = None
        self._result: Any = None
        self._error: BaseException | None = None

    def __call__(self) -> None:
        """In the connection's thread."""
        try:
            self._result = self._function()
        except BaseException as error:  # handed to the caller, as aiosqlite does
            self._error = error
        with self._mutex:
            self._done.set()
            future = self._future
        if future is not None:
            future.get_loop().call_soon_threadsafe(_settle, future, self._result, self._error)

    def wait(self, seconds: float) -> bool:
        return self._done.wait(seconds)

    def outcome(self) -> Any:
        if self._error is not None:
            raise self._error
        return self._result

    def awaitable(self) -> asyncio.Future[Any]:
        """A future for the outcome, settled when the call ends (now, if it just did)."""
        future = asyncio.get_running_loop().create_future()
        with self._mutex:
            if not self._done.is_set():
                self._future = future
                return future
        _settle(future, self._result, self._error)
        return future


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # the caller was cancelled
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class _OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor, executing each statement in one trip to the connection's thread."""

    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        adapted = cast(_OneTripConnection, self._adapt_connection)
        begin = adapted.sending_begin()
        try:
            if adapted.inline and begin == _IMMEDIATE and not adapted.turn.held and not adapted.turn.take_if_free():
                # Taken: this task waits for the turn on the loop (_WriterQueue), then runs inline.
                self.await_(adapted.turn.queue.wait_on_loop(time.monotonic()))
                adapted.turn.held = True
            direct = adapted.direct and adapted.turn.held and adapted.run_direct(operation, parameters, begin)
            if direct:
                description, rows, lastrowid, rowcount = direct
            elif adapted.inline and adapted.turn.held:
                # The write lock is ours (or was free, and is ours with this BEGIN): nothing to wait for.
                description, rows, lastrowid, rowcount = self._inline(operation, parameters, begin, adapted.turn)
            else:
                # aiosqlite's own queue (what its cursor methods use), holding one call instead of four.
                done = self._connection._execute(_run_statement, self._connection._conn, operation, parameters, begin,
                                                 adapted.turn)
                description, rows, lastrowid, rowcount = self.await_(done)
        except Exception as error:
            adapted._handle_exception(error)
        self.description = description
        if description:
            self.lastrowid = self.rowcount = -1
            self._rows = deque(rows or ())
        else:
            self.lastrowid, self.rowcount = lastrowid, rowcount

    def _inline(self, operation: Any, parameters: Any, begin: str | None, turn: _Turn) -> Any:
        call = _Inline(functools.partial(_run_statement, self._connection._conn, operation, parameters, begin, turn))
        self._connection._tx.put_nowait((None, call))
        return call.outcome() if call.wait(_INLINE_SECONDS) else self.await_(call.awaitable())

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        cast(_OneTripConnection, self._adapt_connection).send_begin()
        return super().executemany(operation, seq_of_parameters)


class _OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """`begin`: the BEGIN SQLAlchemy issued (on_begin) that SQLite has not been sent yet: it goes
    with the transaction's first statement. `open`: whether SQLite has a transaction of ours to
    end. In autocommit mode (on_connect) SQLite has no other, so a commit or rollback (the pool's
    reset after every checkout included) with none open needs no trip: one or two trips fewer per
    transaction."""

    __slots__ = ("begin", "checkpoints", "direct", "ends_on_loop", "inline", "open", "turn")

    def __init__(self, dbapi: Any, connection: Any, writers: _WriterQueue, ends_on_loop: bool,
                 checkpoints: _Checkpointer | None) -> None:
        super().__init__(dbapi, connection)
        self.begin: str | None = None
        self.open = False
        self.inline = False
        self.direct = False
        # A direct transaction's COMMIT or ROLLBACK runs in the loop's thread too, but not when a COMMIT syncs
        # the disk (synchronous=FULL or EXTRA): 2-5 ms with the loop stopped.
        self.ends_on_loop = ends_on_loop
        self.checkpoints = checkpoints
        self.turn = _Turn(writers)

    def run_direct(self, operation: Any, parameters: Any, begin: str | None) -> Any:
        """The statement (and the BEGIN it owes), run in the event loop's own thread: its outcome, or
        None (nothing run) when the connection's thread is busy or another process holds SQLite's
        write lock: then the statement goes the usual way, which waits for that lock off the loop."""
        connection = self._connection._conn
        if not self.turn.busy.acquire(blocking=False):
            return None
        try:
            if begin is not None and not _begin_unless_locked(connection, begin):
                return None
            return _statement(connection, operation, parameters, None, None)
        finally:
            self.turn.busy.release()

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
                self.await_(self._connection._execute(_run_statement, self._connection._conn, "", None, begin, self.turn))
            except Exception as error:
                self._handle_exception(error)

    def execute(self, *args: Any, **kw: Any) -> Any:
        self.send_begin()
        return super().execute(*args, **kw)

    def commit(self) -> None:
        self.begin = None
        if self.open:
            self._end(rollback=False)  # if it fails, the transaction is still there to end
            self.open = False
            if self.checkpoints is not None:
                self.checkpoints.committed()

    def rollback(self) -> None:
        self.begin = None
        if self.open:
            self._end(rollback=True)  # if it fails, the transaction is still there to end
            self.open = False

    def _end(self, rollback: bool) -> None:
        try:
            if not self._ended_on_loop(rollback):
                end = _rollback if rollback else _commit
                self.await_(self._connection._execute(end, self._connection._conn, self.turn))
        except Exception as error:
            self._handle_exception(error)

    def _ended_on_loop(self, rollback: bool) -> bool:
        """A direct transaction's COMMIT or ROLLBACK (_end_now) in the event loop's thread: False,
        nothing done, when the transaction is not such, or the connection's thread is busy."""
        if not (self.direct and self.ends_on_loop and self.turn.held and self.turn.busy.acquire(blocking=False)):
            return False
        try:
            _end_now(self._connection._conn, self.turn, rollback)
        finally:
            self.turn.busy.release()
        return True

    def close(self) -> None:
        self._give_back_last()
        super().close()  # SQLite rolls back what was open

    def terminate(self) -> None:
        self._give_back_last()
        super().terminate()

    def _give_back_last(self) -> None:
        """The write turn passes on in the connection's thread after whatever it still runs (a
        statement whose caller was cancelled may yet take the turn), before it closes."""
        self._connection._tx.put_nowait((None, self.turn.give_back))


class _OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def __init__(self, aiosqlite: Any, sqlite: Any, writers: _WriterQueue, ends_on_loop: bool,
                 checkpoints: _Checkpointer | None) -> None:
        super().__init__(aiosqlite, sqlite)
        self.writers = writers
        self.ends_on_loop = ends_on_loop
        self.checkpoints = checkpoints

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        adapted = super().connect(*arg, **kw)
        return _OneTripConnection(self, adapted._connection, self.writers, self.ends_on_loop, self.checkpoints)


def _serialise_sqlite_writers(engine: AsyncEngine, synchronous: str) -> None:
    if synchronous not in SQLITE_SYNCHRONOUS:  # never formatted into SQL unchecked
        raise ValueError(f"synchronous must be one of {', '.join(SQLITE_SYNCHRONOUS)}, got {synchronous!r}")

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the driver, issue BEGIN (see on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL, NORMAL syncs at checkpoints, not at every COMMIT: a committed transaction is in the
        # WAL file, in the operating system's hands, when COMMIT returns, so it survives a crash of
        # any process (a power cut may lose the last ones, never the file). FULL syncs every COMMIT,
        # with the write lock held: 1.8-5 ms a COMMIT on these machines against 0.015 ms, and the hub
        # writes two transactions a message.
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA wal_autocheckpoint=0")  # _Checkpointer runs them, outside the write lock
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        adapted = cast(_OneTripConnection, connection.connection.dbapi_connection)
        options = connection.get_execution_options()
        adapted.begin = "BEGIN" if options.get(READ_ONLY) else "BEGIN IMMEDIATE"
        adapted.inline = bool(options.get(_INLINE))
        adapted.direct = adapted.inline and bool(options.get(_DIRECT))


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (its result is a CursorResult at run time)."""
    return cast(CursorResult[Any], result).rowcount


def session_factory(engine: AsyncEngine, read_only: bool = False, direct: bool = False) -> async_sessionmaker[AsyncSession]:
    """`direct`: sessions for transactions of a few small statements (the message path, hub/router.py).
    On SQLite, once a transaction has the write lock its statements run in the event loop's own thread,
    with no trip to the connection's thread and back (COMMIT still goes there); a statement that could
    run long (a report, a purge) must not use them, as nothing interrupts it."""
    inline = os.environ.get("SHOPDESK_SQLITE_INLINE", "1") != "0"
    writers = {_INLINE: inline, _DIRECT: inline and direct}
    bind = engine.execution_options(**({READ_ONLY: True} if read_only else writers))
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
