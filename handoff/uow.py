"""Unit of work: one transaction, and the events it produced, published only after commit."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from handoff.db import session_factory
from handoff.events import Event, EventBus


class UnitOfWork:
    def __init__(self, sessions: Callable[[], AsyncSession], bus: EventBus) -> None:
        self._sessions = sessions
        self.bus = bus
        self.events: list[Event] = []

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._sessions()
        self.events = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Closing without a commit rolls the transaction back; loaded objects stay readable.
        if exc_type is not None:
            await self.session.rollback()
        await self.session.close()

    def emit(self, type_: str, **data: Any) -> None:
        self.events.append(Event(type_, data))

    async def commit(self) -> None:
        """Commits, then publishes what happened; a rollback publishes nothing."""
        await self.session.commit()
        events, self.events = self.events, []
        await self.bus.publish_all(events)


class UnitOfWorkFactory:
    def __init__(self, sessions: Callable[[], AsyncSession], bus: EventBus,
                 readers: Callable[[], AsyncSession] | None = None,
                 direct: Callable[[], AsyncSession] | None = None) -> None:
        self.sessions = sessions
        self.bus = bus
        self.readers = readers or sessions
        self.direct_sessions = direct or sessions

    @classmethod
    def on(cls, engine: AsyncEngine, bus: EventBus) -> UnitOfWorkFactory:
        """The hub's: writers, readers and the message path's direct sessions, all on `engine`."""
        return cls(session_factory(engine), bus, session_factory(engine, read_only=True),
                   session_factory(engine, direct=True))

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.bus)

    def direct(self) -> UnitOfWork:
        """A unit of work of a few small statements (the message path): on SQLite they run in the
        event loop's thread once the write lock is theirs (handoff/db.py, session_factory's `direct`)."""
        return UnitOfWork(self.direct_sessions, self.bus)

    def reading(self) -> AsyncSession:
        """A session that only reads (`async with uows.reading() as session:`): on SQLite it does
        not take the write lock (handoff/db.py), so it never waits for, or holds up, a writer."""
        return self.readers()
