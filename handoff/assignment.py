"""Auto-assignment: a pure choice of agent, and the sweep that applies it to the queue (and
does the desk's other timed chores: waking snoozed tickets, closing unanswered ratings).

The sweep runs when a ticket is queued, an agent comes online or frees capacity, and every few
seconds, so a ticket that found nobody is picked up as soon as someone can take it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import select

from handoff import csat, presence
from handoff.agents import agent_view, is_online, open_ticket_counts
from handoff.claim import claim
from handoff.clock import utcnow
from handoff.errors import Conflict
from handoff.events import Coalesced, Event
from handoff.models import Agent, Ticket
from handoff.queue import queued_tickets
from handoff.settings import HubSettings
from handoff.status import Actor
from handoff.tickets import (
    TICKET_QUEUED,
    TICKET_RELEASED,
    TICKET_RESOLVED,
    TICKET_TRANSFERRED,
    TICKET_UNSNOOZED,
    ticket_view,
)
from handoff.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)
AUTO_ASSIGNER = Actor("system", name="auto-assignment")
AGENT_PRESENCE = "agent.presence"
_NEVER = datetime.min.replace(tzinfo=UTC)
_TRIGGERS = {TICKET_QUEUED, TICKET_RELEASED, TICKET_RESOLVED, TICKET_TRANSFERRED, TICKET_UNSNOOZED, AGENT_PRESENCE}


@dataclass(frozen=True)
class Candidate:
    id: int
    online: bool
    open_tickets: int
    capacity: int
    teams: tuple[str, ...]
    last_assigned_at: datetime | None


def choose_agent(team: str | None, candidates: Sequence[Candidate], strategy: str = "least_loaded") -> int | None:
    """The agent who should take a ticket of `team`, or None when nobody online has room.

    An agent with no teams takes any ticket. Fairness: least_loaded prefers the emptiest desk,
    round_robin the agent who waited longest since their last ticket; both break ties that way.
    """
    eligible = [
        c
        for c in candidates
        if c.online and c.open_tickets < c.capacity and (team is None or not c.teams or team in c.teams)
    ]
    if not eligible:
        return None
    if strategy == "round_robin":
        return min(eligible, key=lambda c: (c.last_assigned_at or _NEVER, c.id)).id
    return min(eligible, key=lambda c: (c.open_tickets, c.last_assigned_at or _NEVER, c.id)).id


class Assigner:
    def __init__(self, uows: UnitOfWorkFactory, settings: HubSettings) -> None:
        self._uows = uows
        self._settings = settings
        self._sweeps = Coalesced(self._sweep_once)

    async def on_event(self, event: Event) -> None:
        if event.type in _TRIGGERS:
            await self.sweep()

    async def sweep(self) -> None:
        """Runs now, or, when a sweep is already running (e.g. it triggered this), once more after it."""
        await self._sweeps()

    async def run_forever(self) -> None:
        while True:
            await asyncio.sleep(self._settings.sweep_seconds)
            try:
                await self.sweep()
            except Exception:
                log.exception("assignment sweep failed; retrying at the next tick")

    async def _sweep_once(self) -> None:
        async with self._uows() as uow:
            now = utcnow()
            await _wake_snoozed(uow, now)
            for agent in await presence.sweep_gone(uow, now, self._settings.presence_grace):
                uow.emit(AGENT_PRESENCE, agent=await agent_view(uow.session, agent, now, self._settings.presence_timeout))
            await csat.expire_unanswered(uow, now - self._settings.rating_window)
            candidates = await _candidates(uow, self._settings, now)
            for ticket in await queued_tickets(uow.session, now):
                chosen = choose_agent(ticket.team, list(candidates.values()), self._settings.assignment_strategy)
                if chosen is None:
                    continue
                if await _try_claim(uow, ticket.id, chosen):
                    candidates[chosen] = replace(
                        candidates[chosen], open_tickets=candidates[chosen].open_tickets + 1, last_assigned_at=now
                    )
            await uow.commit()


async def _candidates(uow: UnitOfWork, settings: HubSettings, now: datetime) -> dict[int, Candidate]:
    counts = await open_ticket_counts(uow.session)
    # Supervisors and admins are candidates only when they opted in (takes_tickets).
    agents = (await uow.session.execute(select(Agent).where(Agent.active.is_(True), Agent.takes_tickets.is_(True)))).scalars()
    return {
        agent.id: Candidate(
            agent.id,
            is_online(agent, now, settings.presence_timeout),
            counts.get(agent.id, 0),
            agent.capacity,
            tuple(agent.teams or ()),
            agent.last_assigned_at,
        )
        for agent in agents
    }


async def _try_claim(uow: UnitOfWork, ticket_id: int, agent_id: int) -> bool:
    agent = await uow.session.get(Agent, agent_id)
    if agent is None:
        return False
    try:
        async with uow.session.begin_nested():
            await claim(uow, ticket_id, agent, by=AUTO_ASSIGNER)
    except Conflict:
        return False
    return True


async def _wake_snoozed(uow: UnitOfWork, now: datetime) -> None:
    query = select(Ticket).where(Ticket.snoozed_until.is_not(None), Ticket.snoozed_until <= now)
    for ticket in (await uow.session.execute(query)).scalars():
        ticket.snoozed_until = None
        await uow.session.flush()
        uow.emit(TICKET_UNSNOOZED, ticket=await ticket_view(uow.session, ticket))
