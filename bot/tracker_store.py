"""Rasa's SQL tracker store (endpoints.yml `type: bot.tracker_store.ShopTrackerStore`), cheaper
per message, with the same table, rows and answers.

Rasa's own store reads a conversation's whole latest session from the database and rebuilds
every event from JSON on every message, then counts the stored events again before it saves the
new ones: a quarter of Rasa's CPU per message on the load bench (bench/README.md, "Load"). This
store keeps the latest session of recently active conversations in memory and checks it against
the database with one indexed statement (the sender's row count and highest id): another Rasa
process that wrote to the conversation, or the hub erasing it, changes either, and the session
is read from the database as Rasa reads it. The tracker is built from the session's events by
bot/tracker_copies.py's replica of the conversation when that is installed (the state of Rasa's
rebuild, continued from the last message's instead of replayed from the first event). A sender
without rows (a new conversation, the first message of each) has no session to read and none
stored to count, so that statement answers it.
A save writes only the events this process has not stored, in one statement.

On SQLite the store keeps one connection of its engine for its stamps and saves and runs their
statements on it directly (the same SQL, SQLAlchemy's compiled text and its type conversions):
SQLAlchemy's checkout, check-in (a ROLLBACK) and statement execution were about half of a save's
CPU, and the save ~5% of Rasa's message work (bench/README.md, "Load"). After a save whose tracker
continues the session this process read, the new stamp is that one's row count plus the rows
written and the last row's id (SQLite's `last_insert_rowid()`, in the same transaction: the newest
rows of the table are the sender's newest), and the new latest session that one plus the new
events, without a further statement or a walk over the whole session.

On SQLite the file is in WAL mode (readers and the hub's erasure do not block Rasa) with
`synchronous=NORMAL`: a commit survives a crash of any process; after a power cut the last
turns may be gone, and the hub asks Rasa again about every message that has no answer.

SHOPDESK_TRACKER_CACHE sets how many conversations are kept (default 256, 0 turns the cache off).
"""

from __future__ import annotations

import json
import logging
import os
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot import tracker_copies

logger = logging.getLogger(__name__)

DEFAULT_CACHE_SIZE = 256


@dataclass(frozen=True)
class _Stamp:
    """What the database holds for a sender, in one indexed read: changes whenever anyone adds or
    deletes one of its rows."""

    rows: int
    last_id: int | None


@dataclass(frozen=True)
class _Session:
    stamp: _Stamp
    events: tuple[Event, ...]  # the latest session's events, as Rasa's own retrieve returns them
    start: float | None  # the latest session start's timestamp, None without one

    @classmethod
    def of(cls, stamp: _Stamp, events: Sequence[Event]) -> _Session:
        latest = tuple(_latest_session(events))
        return cls(stamp, latest, _session_start(latest))

    def continued(self, stamp: _Stamp, new: Sequence[Event]) -> _Session:
        """This session followed by `new`, as `_Session.of` makes it from all the events."""
        if any(isinstance(event, SessionStarted) for event in new):
            return _Session.of(stamp, (*self.events, *new))
        start = self.start
        kept = new if start is None else [event for event in new if event.timestamp >= start]
        return _Session(stamp, (*self.events, *kept), start)


_COLUMNS = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")


class _DirectStatements:
    """The store's insert and stamp query as the DB-API runs them on one connection kept open: the SQL
    SQLAlchemy compiles for the dialect, the parameters converted by the columns' own types."""

    def __init__(self, engine: sa.engine.Engine, table: sa.Table) -> None:
        self._engine = engine
        self._connection: Any = None
        dialect = engine.dialect
        insert = table.insert().compile(dialect=dialect, column_keys=list(_COLUMNS))
        self._insert_sql = str(insert)
        positions = list(insert.positiontup or ())  # SQLite's parameters are positional
        processors = [table.c[name].type.bind_processor(dialect) for name in positions]
        self._converters = [(i, convert) for i, convert in enumerate(processors) if convert is not None]
        self._order = [_COLUMNS.index(name) for name in positions]
        stamp = sa.select(sa.func.count(), sa.func.max(table.c.id)).where(
            table.c.sender_id == sa.bindparam("sender_id")).compile(dialect=dialect)
        self._stamp_sql = str(stamp)

    def stamp(self, sender_id: str) -> _Stamp:
        try:
            rows, last_id = self._cursor().execute(self._stamp_sql, (sender_id,)).fetchone()
        except BaseException as error:
            self._fail(error, self._stamp_sql, (sender_id,))
            raise
        return _Stamp(int(rows), last_id)

    def insert(self, rows: Sequence[tuple[Any, ...]], stamp_of: str | None = None) -> tuple[int, _Stamp | None]:
        """Inserts `rows` (values in _COLUMNS' order) and commits: the last row's id, and `stamp_of`'s
        stamp read in the same transaction when asked."""
        parameters = [self._parameters(row) for row in rows]
        try:
            cursor = self._cursor()
            cursor.executemany(self._insert_sql, parameters)
            last_id = int(cursor.execute("SELECT last_insert_rowid()").fetchone()[0])
            stamp = None
            if stamp_of is not None:
                rows_now, last_now = cursor.execute(self._stamp_sql, (stamp_of,)).fetchone()
                stamp = _Stamp(int(rows_now), last_now)
            self._connection.commit()
        except BaseException as error:
            self._fail(error, self._insert_sql, parameters)
            raise
        return last_id, stamp

    def _fail(self, error: BaseException, statement: str, parameters: Any) -> None:
        """Drops the connection (rolling back what is open); a DB-API error is raised as SQLAlchemy raises it."""
        self.drop()
        dbapi = self._engine.dialect.dbapi
        if dbapi is not None and isinstance(error, dbapi.Error):
            raise sa.exc.DBAPIError.instance(statement, parameters, error, dbapi.Error) from error

    def _parameters(self, row: tuple[Any, ...]) -> list[Any]:
        values = [row[i] for i in self._order]
        for i, convert in self._converters:
            values[i] = convert(values[i])
        return values

    def _cursor(self) -> Any:
        if self._connection is None:
            self._connection = self._engine.raw_connection()
        return self._connection.cursor()

    def drop(self) -> None:
        """Gives the connection back to the pool (which rolls back what is open) after an error."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


class ShopTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, cache_size: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if cache_size is None:
            cache_size = int(os.environ.get("SHOPDESK_TRACKER_CACHE", DEFAULT_CACHE_SIZE))
        self._cache_size = max(0, cache_size)
        self._sessions: OrderedDict[str, _Session] = OrderedDict()
        table = self._table = self.SQLEvent.__table__
        # Built once: a new insert() per save cost as much again as running it (SQLAlchemy's
        # deprecation wrapper on its constructor, and a new statement's cache key every time).
        self._insert = table.insert()
        self._stamp_query = sa.select(sa.func.count(), sa.func.max(table.c.id)).where(
            table.c.sender_id == sa.bindparam("sender_id"))
        rasas: sa.engine.Engine = getattr(self, "engine")  # noqa: B009  (set by the untyped base class)
        if rasas.dialect.name == "sqlite":
            # Rasa's engine opens and closes the file for every session (SQLAlchemy 1.4's NullPool
            # for SQLite files), and closing the last connection to a WAL file checkpoints it. One of
            # the two kept is the direct statements' own.
            rasas.dispose()
            engine = sa.create_engine(rasas.url, poolclass=sa.pool.QueuePool, pool_size=2, max_overflow=4,
                                      connect_args={"check_same_thread": False})
            sa.event.listen(engine, "connect", _sqlite_pragmas)
            self.engine, self.sessionmaker = engine, sa.orm.sessionmaker(bind=engine)
        self._direct = _DirectStatements(self.engine, table) if self.engine.dialect.name == "sqlite" else None

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        if not self._cache_size:
            return await super().retrieve(sender_id)
        stamp = self._read_stamp(sender_id)
        cached = self._sessions.get(sender_id)
        if not stamp.rows:  # a new (or erased) conversation: Rasa's query would read nothing
            self._sessions.pop(sender_id, None)
            return None
        if cached is None or cached.stamp != stamp:
            cached = self._load(sender_id, stamp)
        if cached is None or not cached.events or self.domain is None:
            return None
        self._sessions.move_to_end(sender_id)
        replicas = tracker_copies.installed()
        tracker = replicas.replay(sender_id, cached.events, self.domain.slots) if replicas is not None else None
        if tracker is None:
            tracker = DialogueStateTracker.from_events(sender_id, list(cached.events), self.domain.slots)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        if not self._cache_size:
            await super().save(tracker)
            return
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        events = list(tracker.events)
        if self._direct is not None:
            self._remember(sender_id, self._save_directly(self._direct, sender_id, events))
            return
        with self.engine.begin() as connection:
            stored = self._stored_count(connection, sender_id, events)
            new = events[stored:]
            if new:
                connection.execute(self._insert, [_row(sender_id, event) for event in new])
            stamp = self._stamp(connection, sender_id)
        self._remember(sender_id, _Session.of(stamp, events))

    def _save_directly(self, direct: _DirectStatements, sender_id: str, events: list[Event]) -> _Session:
        cached = self._continued(sender_id, events)
        if cached is not None:
            new = events[len(cached.events):]
            if not new:
                return cached
            last_id, _ = direct.insert([_values(sender_id, event) for event in new])
            return cached.continued(_Stamp(cached.stamp.rows + len(new), last_id), new)
        stored = 0 if not direct.stamp(sender_id).rows else self._counted(sender_id)  # none: a new conversation
        new = events[stored:]
        if not new:
            return _Session.of(direct.stamp(sender_id), events)
        rows = [_values(sender_id, event) for event in new]
        if not stored:
            last_id, _ = direct.insert(rows)
            return _Session.of(_Stamp(len(new), last_id), events)
        _, stamp = direct.insert(rows, stamp_of=sender_id)
        assert stamp is not None
        return _Session.of(stamp, events)

    def _continued(self, sender_id: str, events: Sequence[Event]) -> _Session | None:
        """The session this process read or wrote, if the tracker's events start with its very events."""
        cached = self._sessions.get(sender_id)
        if cached is not None and len(events) >= len(cached.events) and all(
            mine is theirs for mine, theirs in zip(cached.events, events)
        ):
            return cached
        return None

    def _stored_count(self, connection: sa.engine.Connection, sender_id: str, events: Sequence[Event]) -> int:
        """How many of the tracker's events are stored already: the session this process read,
        when the tracker still starts with it, none when the sender has no rows, else what Rasa counts."""
        cached = self._continued(sender_id, events)
        if cached is not None:
            return len(cached.events)
        if not self._stamp(connection, sender_id).rows:  # a new conversation
            return 0
        return self._counted(sender_id)

    def _counted(self, sender_id: str) -> int:
        with self.session_scope() as session:
            return int(self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count())

    def _read_stamp(self, sender_id: str) -> _Stamp:
        if self._direct is not None:
            return self._direct.stamp(sender_id)
        with self.engine.connect() as connection:
            return self._stamp(connection, sender_id)

    def _stamp(self, connection: sa.engine.Connection, sender_id: str) -> _Stamp:
        rows, last_id = connection.execute(self._stamp_query, {"sender_id": sender_id}).one()
        return _Stamp(int(rows), last_id)

    def _load(self, sender_id: str, stamp: _Stamp) -> _Session | None:
        """The latest session as Rasa's own retrieve reads it (same query, same order)."""
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
        if not rows:
            self._sessions.pop(sender_id, None)
            return None
        cached = _Session.of(stamp, deserialise_events([json.loads(row.data) for row in rows]))
        self._remember(sender_id, cached)
        return cached

    def _remember(self, sender_id: str, session: _Session) -> None:
        self._sessions[sender_id] = session
        self._sessions.move_to_end(sender_id)
        while len(self._sessions) > self._cache_size:
            self._sessions.popitem(last=False)


def _latest_session(events: Sequence[Event]) -> Sequence[Event]:
    """What Rasa's retrieve reads back: the events stamped at or after the latest session start."""
    starts = [event.timestamp for event in events if isinstance(event, SessionStarted)]
    if not starts:
        return events
    start = max(starts)
    return [event for event in events if event.timestamp >= start]


def _session_start(events: Sequence[Event]) -> float | None:
    starts = [event.timestamp for event in events if isinstance(event, SessionStarted)]
    return max(starts) if starts else None


def _values(sender_id: str, event: Event) -> tuple[Any, ...]:
    """The row Rasa's own save writes for an event, in _COLUMNS' order."""
    data = event.as_dict()
    return (sender_id, event.type_name, data.get("timestamp"),
            data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY), data.get("name"), json.dumps(data))


def _row(sender_id: str, event: Event) -> dict[str, Any]:
    return dict(zip(_COLUMNS, _values(sender_id, event)))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
