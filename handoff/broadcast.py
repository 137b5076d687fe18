"""After any change to the queue: the console gets the fresh ordered queue, and every waiting
shopper their new place in line and expected wait.

A broadcast sends the whole queue and a notice per waiting shopper, so one per ticket event costs
the square of a burst (20 shoppers asking for a person at once, 20 broadcasts of a growing queue,
each held up the next handoff's ticket frame). Changes that come while a broadcast runs are
covered by one more broadcast after it, started on its own, so no request waits for another's;
a change with no broadcast running is broadcast at once, by the task that made it. The snapshot
is read in a read-only session (on SQLite it never takes the writers' lock)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.clock import utcnow
from handoff.delivery import CONVERSATION_NOTICE
from handoff.events import Coalesced, Event, EventBus
from handoff.models import Conversation
from handoff.queue import queue_snapshot
from handoff.settings import HubSettings
from handoff.tickets import tickets_view
from handoff.uow import UnitOfWorkFactory

QUEUE_CHANGED = "queue.changed"


class QueueBroadcaster:
    def __init__(self, uows: UnitOfWorkFactory, settings: HubSettings, bus: EventBus) -> None:
        self._uows = uows
        self._settings = settings
        self._bus = bus
        # Bursts of changes share broadcasts: one more after a running one, in a task of its own.
        self._broadcasts = Coalesced(self.broadcast, detach=True)

    async def on_event(self, event: Event) -> None:
        if event.type.startswith("ticket."):
            await self.changed()

    async def changed(self) -> None:
        """Broadcasts now, unless a broadcast is running: then one more follows it."""
        await self._broadcasts()

    async def settled(self) -> None:
        """Waits until no follow-up broadcast is due or running."""
        await self._broadcasts.settled()

    async def broadcast(self) -> None:
        async with self._uows.reading() as session:
            now = utcnow()
            queue, infos = await queue_snapshot(session, self._settings, now)
            snapshot = await tickets_view(session, queue, infos)
            conversations = await _conversations(session, [t.conversation_id for t in queue])
        await self._bus.publish(Event(QUEUE_CHANGED, {"queue": snapshot}))
        for ticket in queue:
            conversation = conversations[ticket.conversation_id]
            await self._bus.publish(
                Event(
                    CONVERSATION_NOTICE,
                    {
                        "conversation_id": conversation.id,
                        "channel": conversation.channel,
                        "channel_user_id": conversation.channel_user_id,
                        "kind": "queue",
                        "data": infos[ticket.id].as_json(),
                    },
                )
            )


async def _conversations(session: AsyncSession, ids: list[str]) -> dict[str, Conversation]:
    if not ids:
        return {}
    rows = await session.execute(select(Conversation).where(Conversation.id.in_(ids)))
    return {conversation.id: conversation for conversation in rows.scalars()}
