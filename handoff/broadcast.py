"""After any change to the queue: the console gets the fresh ordered queue, and every waiting
shopper their new place in line and expected wait."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.clock import utcnow
from handoff.delivery import CONVERSATION_NOTICE
from handoff.events import Event, EventBus
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

    async def on_event(self, event: Event) -> None:
        if event.type.startswith("ticket."):
            await self.broadcast()

    async def broadcast(self) -> None:
        async with self._uows() as uow:
            now = utcnow()
            queue, infos = await queue_snapshot(uow.session, self._settings, now)
            snapshot = await tickets_view(uow.session, queue, infos)
            conversations = await _conversations(uow.session, [t.conversation_id for t in queue])
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
