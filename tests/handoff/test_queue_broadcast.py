"""Queue broadcasts while tickets are queued at the same time: the last snapshot holds every ticket
and every waiting shopper hears their place, on SQLite and PostgreSQL (where each statement of a
transaction sees what others committed meanwhile); a burst of changes is covered by a few
broadcasts, not one each."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.agents import online_agents
from handoff.broadcast import QUEUE_CHANGED, QueueBroadcaster
from handoff.delivery import CONVERSATION_NOTICE
from handoff.events import Event
from handoff.models import Agent, Conversation
from handoff.queue import queue_snapshot
from handoff.settings import HubSettings
from handoff.signals import HandoffSignal
from handoff.tickets import open_ticket
from tests.handoff.databases import HubDb, hub_db, postgres_engine

SHOPPERS = 30


@pytest.fixture
async def pg_db(hub_settings: HubSettings) -> AsyncIterator[HubDb]:
    """PostgreSQL only: on SQLite a broadcast's transaction holds the one writer's lock, so no
    ticket can be queued in the middle of it."""
    async with postgres_engine() as engine:
        yield await hub_db(engine, hub_settings)


async def queue_one(db: HubDb) -> None:
    conversation = await db.conversation()
    async with db.uows() as uow:
        conversation = await uow.session.get(Conversation, conversation.id)
        assert conversation is not None
        await open_ticket(uow, db.desk, conversation, HandoffSignal(("explicit_request",), message="a person please"))
        await uow.commit()


async def test_broadcasts_racing_new_tickets_skip_nobody(any_db: HubDb, caplog: pytest.LogCaptureFixture) -> None:
    broadcaster = QueueBroadcaster(any_db.uows, any_db.settings, any_db.bus)
    any_db.bus.subscribe(broadcaster.on_event)
    with caplog.at_level(logging.ERROR, logger="handoff.events"):
        await asyncio.gather(*(queue_one(any_db) for _ in range(SHOPPERS)))
        await broadcaster.settled()
    assert [r.getMessage() for r in caplog.records] == [], "no broadcast failed"
    snapshots = [e.data["queue"] for e in any_db.events if e.type == QUEUE_CHANGED]
    # Changes that came while a broadcast ran share the one after it.
    assert 1 <= len(snapshots) <= SHOPPERS
    assert len(snapshots[-1]) == SHOPPERS
    # After the last broadcast every waiting shopper has heard a place in line.
    positions = {e.data["conversation_id"]: e.data["data"]["position"]
                 for e in any_db.events if e.type == CONVERSATION_NOTICE and e.data["kind"] == "queue"}
    assert sorted(positions.values()) == list(range(1, SHOPPERS + 1))


@pytest.mark.postgres
async def test_a_ticket_queued_between_the_reads_of_a_broadcast_is_in_both_or_neither(
    pg_db: HubDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race made deterministic: another hub commits a ticket while a broadcast is reading."""
    await queue_one(pg_db)
    broadcaster = QueueBroadcaster(pg_db.uows, pg_db.settings, pg_db.bus)
    injected = False

    async def online_agents_then_a_new_ticket(session: AsyncSession, now: datetime, timeout: timedelta) -> list[Agent]:
        nonlocal injected
        if not injected:
            injected = True
            await queue_one(pg_db)
        return await online_agents(session, now, timeout)

    # The queue's read of who is online comes between its read of the tickets and the broadcast's own.
    monkeypatch.setattr("handoff.queue.online_agents", online_agents_then_a_new_ticket)
    pg_db.events.clear()
    await broadcaster.broadcast()
    assert injected
    [at] = [n for n, e in enumerate(pg_db.events) if e.type == QUEUE_CHANGED]
    snapshot = pg_db.events[at].data["queue"]
    # What the broadcast sent after its snapshot (the injected ticket's own opening notice came before).
    notices = [e for e in pg_db.events[at:] if e.type == CONVERSATION_NOTICE and e.data["kind"] == "queue"]
    assert len(notices) == len(snapshot) >= 1
    assert [t["position"] for t in snapshot] == list(range(1, len(snapshot) + 1))


async def test_a_broadcast_without_waiting_tickets_sends_an_empty_queue(db: HubDb) -> None:
    await QueueBroadcaster(db.uows, db.settings, db.bus).on_event(Event("ticket.assigned", {}))
    assert [e.data for e in db.events if e.type == QUEUE_CHANGED] == [{"queue": []}]


async def test_a_change_during_a_broadcast_gets_a_broadcast_after_it_that_nobody_waits_for(
    db: HubDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    broadcaster = QueueBroadcaster(db.uows, db.settings, db.bus)
    await queue_one(db)
    reading, release = asyncio.Event(), asyncio.Event()
    snapshot = queue_snapshot

    async def slow_snapshot(*args: object) -> object:
        reading.set()
        await release.wait()
        return await snapshot(*args)  # type: ignore[arg-type]

    monkeypatch.setattr("handoff.broadcast.queue_snapshot", slow_snapshot)
    db.events.clear()
    first = asyncio.create_task(broadcaster.changed())
    await reading.wait()
    for _ in range(5):  # these return at once: the running broadcast has them covered by one more
        await asyncio.wait_for(broadcaster.changed(), timeout=1)
    await queue_one(db)  # committed while the first broadcast reads
    await broadcaster.changed()
    release.set()
    await first
    await broadcaster.settled()
    snapshots = [e.data["queue"] for e in db.events if e.type == QUEUE_CHANGED]
    assert len(snapshots) == 2
    assert len(snapshots[-1]) == 2  # the follow-up saw the ticket queued meanwhile
