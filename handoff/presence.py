"""Presence: an agent online, away or offline, the periods they were online (time online in the
reports), and what happens to their tickets when they leave.

Leaving (away, offline, logging out, or a console gone past the grace period) gives back every
ticket the agent holds but has not answered yet: it returns to the queue with its original
waiting time, so it keeps its place and its SLA clock, and someone present can take it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from handoff import wording
from handoff.clock import aware
from handoff.conversations import append_message, get_conversation
from handoff.models import Agent, PresencePeriod, Ticket
from handoff.states import State, TicketStatus
from handoff.status import Actor, transition
from handoff.tickets import TICKET_RELEASED, ticket_view
from handoff.uow import UnitOfWork

ONLINE, AWAY, OFFLINE = "online", "away", "offline"
STATUSES = (ONLINE, AWAY, OFFLINE)
PRESENCE = Actor("system", name="presence")


async def set_status(uow: UnitOfWork, agent: Agent, status: str, now: datetime, why: str | None = None) -> list[Ticket]:
    """Sets the agent's presence; returns the tickets given back to the queue."""
    agent.status = status
    if status == ONLINE:
        agent.last_seen_at = now
        await _open_period(uow, agent, now)
        return []
    await _close_period(uow, agent, now)
    return await release_unanswered(uow, agent, why or f"{agent.display_name} went {status}")


async def sweep_gone(uow: UnitOfWork, now: datetime, grace: timedelta) -> list[Agent]:
    """Agents who say they are online but whose console has not been seen for `grace`: offline."""
    query = select(Agent).where(Agent.status == ONLINE, Agent.active.is_(True))
    gone = [
        agent for agent in (await uow.session.execute(query)).scalars()
        if agent.last_seen_at is None or now - aware(agent.last_seen_at) > grace
    ]
    for agent in gone:
        agent.status = OFFLINE
        # They were last there when last seen, not when we noticed.
        await _close_period(uow, agent, aware(agent.last_seen_at) if agent.last_seen_at else now)
        await release_unanswered(uow, agent, f"{agent.display_name}'s console was gone")
    return gone


async def release_unanswered(uow: UnitOfWork, agent: Agent, why: str, answered_too: bool = False) -> list[Ticket]:
    """Gives the agent's unanswered tickets (all of them, for a disabled account) back to the queue."""
    query = select(Ticket).where(Ticket.agent_id == agent.id, Ticket.status == TicketStatus.ASSIGNED)
    if not answered_too:
        query = query.where(Ticket.first_response_at.is_(None))
    released = list((await uow.session.execute(query)).scalars())
    for ticket in released:
        conversation = await get_conversation(uow.session, ticket.conversation_id)
        await transition(uow, conversation, State.QUEUED, PRESENCE, f"{why}: back to the queue", ticket.id)
        # queued_at stays: the ticket keeps its waiting time and its place.
        ticket.status, ticket.agent_id, ticket.assigned_at, ticket.snoozed_until = TicketStatus.QUEUED, None, None, None
        await uow.session.flush()
        await append_message(uow, conversation, direction="out", author_kind="system", text=wording.back_in_queue())
        uow.emit(TICKET_RELEASED, ticket=await ticket_view(uow.session, ticket))
    return released


async def _open_period(uow: UnitOfWork, agent: Agent, now: datetime) -> None:
    if await _current_period(uow, agent) is None:
        uow.session.add(PresencePeriod(agent_id=agent.id, started_at=now))
        await uow.session.flush()


async def _close_period(uow: UnitOfWork, agent: Agent, at: datetime) -> None:
    period = await _current_period(uow, agent)
    if period is not None:
        period.ended_at = max(at, aware(period.started_at))
        await uow.session.flush()


async def _current_period(uow: UnitOfWork, agent: Agent) -> PresencePeriod | None:
    query = (
        select(PresencePeriod)
        .where(PresencePeriod.agent_id == agent.id, PresencePeriod.ended_at.is_(None))
        .order_by(PresencePeriod.id.desc())
        .limit(1)
    )
    return (await uow.session.execute(query)).scalar_one_or_none()
