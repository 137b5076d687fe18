"""Rasa's tracker store as the hub erases from it: the `events` table of Rasa's SQL tracker store
(SQLite file or PostgreSQL, `settings.tracker_url`), one row per event, keyed by the sender id,
which is the hub's conversation id. Erasure deletes a conversation's events: a tracker holds the
shopper's words, the slots the bot filled (email, phone, order, address) and the bot's answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from sqlalchemy import bindparam, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

EVENTS = "events"
_BATCH = 500


class TrackerStoreUnavailable(RuntimeError):
    """The tracker store could not be reached: nothing was erased from it."""


def async_url(tracker_url: str) -> str:
    """The SQLAlchemy URL Rasa uses (synchronous drivers) as one for the hub's async drivers."""
    url = make_url(tracker_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return url.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend == "postgresql":
        return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise TrackerStoreUnavailable(f"tracker stores on {backend} are not supported for erasure")


class TrackerStore:
    def __init__(self, tracker_url: str | None) -> None:
        self._url = tracker_url

    async def delete(self, sender_ids: Sequence[str]) -> int:
        """Deletes every event of these senders; returns how many. A store Rasa never wrote to
        (no file, no table) holds nothing to delete."""
        statement = text(f"DELETE FROM {EVENTS} WHERE sender_id IN :ids").bindparams(bindparam("ids", expanding=True))

        async def run(connection: AsyncConnection, ids: list[str]) -> int:
            return max((await connection.execute(statement, {"ids": ids})).rowcount or 0, 0)

        return await self._each_batch(sender_ids, run)

    async def count(self, sender_ids: Sequence[str]) -> int:
        """How many events these senders have (tests, and checks after an erasure)."""
        statement = text(f"SELECT count(*) FROM {EVENTS} WHERE sender_id IN :ids").bindparams(
            bindparam("ids", expanding=True))

        async def run(connection: AsyncConnection, ids: list[str]) -> int:
            return int((await connection.execute(statement, {"ids": ids})).scalar_one())

        return await self._each_batch(sender_ids, run)

    async def _each_batch(self, sender_ids: Sequence[str],
                          run: Callable[[AsyncConnection, list[str]], Awaitable[int]]) -> int:
        if not self._url or not sender_ids or _missing_sqlite_file(self._url):
            return 0
        engine = _engine(self._url)
        try:
            async with engine.begin() as connection:
                if not await _has_events_table(connection):
                    return 0
                total = 0
                for start in range(0, len(sender_ids), _BATCH):
                    total += await run(connection, list(sender_ids[start:start + _BATCH]))
                return total
        except (OSError, SQLAlchemyError) as error:
            raise TrackerStoreUnavailable(f"Rasa's tracker store: {type(error).__name__}") from error
        finally:
            await engine.dispose()


def _engine(tracker_url: str) -> AsyncEngine:
    return create_async_engine(async_url(tracker_url))


def _missing_sqlite_file(tracker_url: str) -> bool:
    url = make_url(tracker_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        return False
    return not Path(url.database).exists()


async def _has_events_table(connection: AsyncConnection) -> bool:
    return bool(await connection.run_sync(lambda sync: inspect(sync).has_table(EVENTS)))
