"""The hub's own recovery, every few seconds and at start: messages no hub is answering get
their answer (a hub died while asking the bot, or Rasa was down), and when Rasa is back after an
outage, the conversations no agent has taken go back to the bot (handoff/outage.py).

Every step is safe to run in several hubs at once: claims and conditional updates decide who
does what, and the router's lock keeps this hub's own work on a conversation in order.
"""

from __future__ import annotations

import asyncio
import logging

from handoff.clock import utcnow
from handoff.outage import hand_back, tickets_waiting_for_bot
from handoff.settings import HubSettings
from handoff.turns import conversations_waiting
from handoff.uow import UnitOfWorkFactory
from hub.rasa_client import RasaClient
from hub.router import Router

log = logging.getLogger(__name__)
_BATCH = 100
_AT_ONCE = 4


class Recovery:
    def __init__(self, uows: UnitOfWorkFactory, router: Router, rasa: RasaClient, settings: HubSettings) -> None:
        self._uows = uows
        self._router = router
        self._rasa = rasa
        self._settings = settings

    async def run_forever(self) -> None:
        while True:
            try:
                await self.once()
            except Exception:
                log.exception("recovery failed; retrying at the next tick")
            await asyncio.sleep(self._settings.recovery_seconds)

    async def once(self) -> None:
        await self.hand_back_to_bot()
        await self.answer_lapsed()

    async def hand_back_to_bot(self) -> int:
        """When Rasa answers again: every untouched outage ticket's conversation back to the bot."""
        async with self._uows() as uow:
            waiting = await tickets_waiting_for_bot(uow.session, _BATCH)
        if not waiting or not await self._rasa.ready():
            return 0
        handed = 0
        for ticket in waiting:
            async with self._router.locked(ticket.conversation_id), self._uows() as uow:
                if await hand_back(uow, ticket.id, utcnow()):
                    await uow.commit()
                    handed += 1
            await self._router.answer_waiting(ticket.conversation_id)
        log.info("the bot is back: %d conversation(s) returned to it", handed)
        return handed

    async def answer_lapsed(self) -> None:
        async with self._uows() as uow:
            conversation_ids = await conversations_waiting(uow.session, utcnow(), _BATCH)
        slots = asyncio.Semaphore(_AT_ONCE)

        async def answer(conversation_id: str) -> None:
            async with slots:
                await self._router.answer_waiting(conversation_id)

        await asyncio.gather(*(answer(c) for c in conversation_ids))
