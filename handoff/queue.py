"""The queue: waiting tickets in order (severity, customer tier, waiting time) and what a
shopper is told about their place in it."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.agents import online_agents
from handoff.clock import aware
from handoff.models import Ticket
from handoff.settings import HubSettings
from handoff.states import TicketStatus

QUEUE_ORDER = (Ticket.severity_rank.desc(), Ticket.tier_rank.desc(), Ticket.queued_at.asc(), Ticket.id.asc())
_HANDLE_SAMPLE = 50


@dataclass(frozen=True)
class QueueInfo:
    position: int
    expected_wait_seconds: int | None
    agents_online: int

    def as_json(self) -> dict[str, int | None]:
        return {
            "position": self.position,
            "expected_wait_seconds": self.expected_wait_seconds,
            "agents_online": self.agents_online,
        }


async def queued_tickets(session: AsyncSession, now: datetime, include_snoozed: bool = False) -> list[Ticket]:
    query = select(Ticket).where(Ticket.status == TicketStatus.QUEUED)
    if not include_snoozed:
        query = query.where(or_(Ticket.snoozed_until.is_(None), Ticket.snoozed_until <= now))
    return list((await session.execute(query.order_by(*QUEUE_ORDER))).scalars())


def expected_wait(position: int, agents_online: int, handle_seconds: int) -> int | None:
    """Nobody online: unknown (the shopper is told so honestly rather than given a made-up number)."""
    if agents_online == 0:
        return None
    return math.ceil(position / agents_online) * handle_seconds


async def average_handle_seconds(session: AsyncSession, default: int) -> int:
    query = (
        select(Ticket.assigned_at, Ticket.resolved_at)
        .where(Ticket.resolved_at.is_not(None), Ticket.assigned_at.is_not(None))
        .order_by(Ticket.resolved_at.desc())
        .limit(_HANDLE_SAMPLE)
    )
    durations = [(aware(done) - aware(start)).total_seconds() for start, done in (await session.execute(query)).all()]
    return int(statistics.median(durations)) if durations else default


async def queue_infos(session: AsyncSession, settings: HubSettings, now: datetime) -> dict[int, QueueInfo]:
    """Place and expected wait of every waiting ticket, by ticket id."""
    return await _infos(session, settings, now, await queued_tickets(session, now, include_snoozed=True))


async def queue_snapshot(
    session: AsyncSession, settings: HubSettings, now: datetime
) -> tuple[list[Ticket], dict[int, QueueInfo]]:
    """The visible queue and every waiting ticket's place, from one read: on PostgreSQL each
    statement sees what other transactions committed meanwhile, so two reads can disagree."""
    everyone = await queued_tickets(session, now, include_snoozed=True)
    visible = [t for t in everyone if t.snoozed_until is None or aware(t.snoozed_until) <= now]
    return visible, await _infos(session, settings, now, everyone)


async def _infos(session: AsyncSession, settings: HubSettings, now: datetime, queue: list[Ticket]) -> dict[int, QueueInfo]:
    if not queue:
        return {}
    online = len(await online_agents(session, now, settings.presence_timeout))
    handle = await average_handle_seconds(session, settings.average_handle_seconds)
    return {
        ticket.id: QueueInfo(position, expected_wait(position, online, handle), online)
        for position, ticket in enumerate(queue, start=1)
    }
