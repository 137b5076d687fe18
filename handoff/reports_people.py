"""The agents report (tickets handled, first response and resolution times, CSAT, time online,
occupancy) and the volume report (shopper messages and handoffs by hour of the week)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import DateTime, Float, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.models import Agent, Message, PresencePeriod, Ticket
from handoff.reports import SHOPPER, ReportFilter, in_period, on_channel, tickets_in
from handoff.reports_sql import earlier_of, hour_of_week, later_of, ratio, rounded, seconds_between

HOURS_OF_WEEK = 168


def _moment(value: Any) -> Any:
    return literal(value, DateTime(timezone=True))


def _overlap(start: Any, end: Any, found: ReportFilter) -> Any:
    """Seconds of [start, end) inside the period."""
    return seconds_between(later_of(start, _moment(found.start)), earlier_of(end, _moment(found.end)))


async def _handled(session: AsyncSession, found: ReportFilter) -> dict[int, Any]:
    tickets = tickets_in(found).subquery()
    query = (
        select(tickets.c.agent_id, func.count(),
               func.avg(seconds_between(tickets.c.created_at, tickets.c.first_response_at)),
               func.avg(seconds_between(tickets.c.created_at, tickets.c.resolved_at)),
               func.avg(cast(tickets.c.csat_rating, Float)), func.count(tickets.c.csat_rating))
        .where(tickets.c.resolved_at.is_not(None), tickets.c.agent_id.is_not(None))
        .group_by(tickets.c.agent_id)
    )
    return {row[0]: row for row in (await session.execute(query)).all()}


async def _online(session: AsyncSession, found: ReportFilter) -> dict[int, float]:
    ended = func.coalesce(PresencePeriod.ended_at, _moment(found.now))
    query = (
        select(PresencePeriod.agent_id, func.sum(_overlap(PresencePeriod.started_at, ended, found)))
        .where(PresencePeriod.started_at < found.end, ended > found.start)
        .group_by(PresencePeriod.agent_id)
    )
    return {row[0]: float(row[1] or 0) for row in (await session.execute(query)).all()}


async def _holding(session: AsyncSession, found: ReportFilter) -> dict[int, float]:
    """Seconds each agent held tickets (from being given the ticket to resolving it) in the period."""
    released = func.coalesce(Ticket.resolved_at, _moment(found.now))
    query = (
        select(Ticket.agent_id, func.sum(_overlap(Ticket.assigned_at, released, found)))
        .where(Ticket.agent_id.is_not(None), Ticket.assigned_at.is_not(None), Ticket.bot_outage.is_(False),
               Ticket.assigned_at < found.end, released > found.start)
        .group_by(Ticket.agent_id)
    )
    return {row[0]: float(row[1] or 0) for row in (await session.execute(query)).all()}


async def agents_report(session: AsyncSession, found: ReportFilter) -> dict[str, Any]:
    handled, online, holding = await _handled(session, found), await _online(session, found), await _holding(session, found)
    ids = set(handled) | set(online)
    agents = (await session.execute(select(Agent).where(Agent.id.in_(ids)).order_by(Agent.display_name))).scalars()
    rows = []
    for agent in agents:
        if found.team and found.team not in (agent.teams or []):
            continue
        row = handled.get(agent.id)
        seconds_online = online.get(agent.id, 0.0)
        rows.append({
            "agent_id": agent.id, "display_name": agent.display_name, "role": agent.role,
            "handled": row[1] if row else 0,
            "average_first_response_seconds": rounded(row[2]) if row else None,
            "average_resolution_seconds": rounded(row[3]) if row else None,
            "csat_average": rounded(row[4], 2) if row else None,
            "rated": row[5] if row else 0,
            "online_seconds": rounded(seconds_online),
            "occupancy": ratio(holding.get(agent.id, 0.0), seconds_online * max(agent.capacity, 1)),
        })
    return {"agents": rows}


async def volume_report(session: AsyncSession, found: ReportFilter) -> dict[str, Any]:
    messages = on_channel(select(hour_of_week(Message.created_at).label("hour"), func.count())
                          .where(Message.author_kind == SHOPPER, in_period(Message.created_at, found)),
                          Message.conversation_id, found)
    tickets = tickets_in(found).subquery()
    handoffs = select(hour_of_week(tickets.c.created_at).label("hour"), func.count()).select_from(tickets)
    return {
        "weeks": round(found.days / 7, 2),
        "messages_by_hour_of_week": await _by_hour(session, messages),
        "handoffs_by_hour_of_week": await _by_hour(session, handoffs),
    }


async def _by_hour(session: AsyncSession, query: Any) -> list[int]:
    counts = [0] * HOURS_OF_WEEK
    for hour, count in (await session.execute(query.group_by("hour"))).all():
        counts[int(hour)] = count
    return counts
