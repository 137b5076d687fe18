"""Agents as the desk sees them: who is online, how loaded, and their public shape."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.clock import aware
from handoff.errors import LastAdmin
from handoff.models import Agent, Ticket
from handoff.serialize import agent_json
from handoff.states import TicketStatus

ROLES = ("agent", "supervisor", "admin")


def is_online(agent: Agent, now: datetime, timeout: timedelta) -> bool:
    """Online means the agent said so and was seen recently (an open console pings)."""
    if not agent.active or agent.status != "online" or agent.last_seen_at is None:
        return False
    return now - aware(agent.last_seen_at) <= timeout


async def open_ticket_counts(session: AsyncSession) -> dict[int, int]:
    query = (
        select(Ticket.agent_id, func.count())
        .where(Ticket.status == TicketStatus.ASSIGNED, Ticket.agent_id.is_not(None))
        .group_by(Ticket.agent_id)
    )
    return {agent_id: count for agent_id, count in (await session.execute(query)).all() if agent_id is not None}


async def all_agents(session: AsyncSession) -> list[Agent]:
    return list((await session.execute(select(Agent).order_by(Agent.display_name))).scalars())


async def online_agents(session: AsyncSession, now: datetime, timeout: timedelta) -> list[Agent]:
    agents = (await session.execute(select(Agent).where(Agent.status == "online", Agent.active.is_(True)))).scalars()
    return [agent for agent in agents if is_online(agent, now, timeout)]


async def names(session: AsyncSession, agent_ids: set[int]) -> dict[int, str]:
    if not agent_ids:
        return {}
    rows = await session.execute(select(Agent.id, Agent.display_name).where(Agent.id.in_(agent_ids)))
    return dict(rows.tuples().all())


async def agent_view(session: AsyncSession, agent: Agent, now: datetime, timeout: timedelta) -> dict[str, Any]:
    counts = await open_ticket_counts(session)
    return agent_json(agent, is_online(agent, now, timeout), counts.get(agent.id, 0))


async def agents_view(session: AsyncSession, now: datetime, timeout: timedelta) -> list[dict[str, Any]]:
    counts = await open_ticket_counts(session)
    return [agent_json(a, is_online(a, now, timeout), counts.get(a.id, 0)) for a in await all_agents(session)]


async def keep_an_admin(session: AsyncSession, target: Agent, role: str, active: bool) -> None:
    """Refuses to demote or disable the only active admin (two admins demoting each other at once,
    say): nobody could manage the shop after."""
    if target.role != "admin" or not target.active or (role == "admin" and active):
        return
    others = await session.scalar(select(func.count()).select_from(Agent).where(
        Agent.role == "admin", Agent.active.is_(True), Agent.id != target.id))
    if not others:
        raise LastAdmin(f"{target.display_name} is the last active admin; make someone else admin first.")
