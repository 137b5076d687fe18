"""Next week's volume per hour and the agents needed to meet the first-response SLA (docs/METRICS.md).

Forecast: for each of the 168 hours of the week, the weighted mean of that hour's handoffs (and
shopper messages) over the last WEEKS full weeks before the period's end, the latest week weighing
most (weights 4, 3, 2, 1): a seasonal moving average, which follows a trend slowly and needs no
fitting.

Agents: Erlang C per hour, with arrivals = the forecast handoffs of that hour, the handling time =
the mean time agents held a resolved ticket (assignment to resolution) over the same weeks, and the
target = TARGET_SHARE of tickets answered within the normal first-response SLA. It counts an agent
per ticket at a time; agents holding several chats at once need fewer, so it is an upper bound.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.models import Message, Ticket
from handoff.reports import SHOPPER, ReportFilter, on_channel
from handoff.reports_sql import hour_of_week, rounded, seconds_between

HOURS = 168
WEEKS = 4
WEIGHTS = (4, 3, 2, 1)  # the latest week first
TARGET_SHARE = 0.8
DEFAULT_HANDLE_SECONDS = 900.0
MAX_AGENTS = 500


def erlang_c(agents: int, traffic: float) -> float:
    """The probability that a ticket waits, with `traffic` erlangs offered to `agents` agents."""
    if agents <= traffic:
        return 1.0
    term, total = 1.0, 1.0  # A^k / k!, summed for k < agents
    for k in range(1, agents):
        term *= traffic / k
        total += term
    top = term * traffic / agents * agents / (agents - traffic)
    return top / (total + top)


def service_level(agents: int, traffic: float, handle_seconds: float, target_seconds: float) -> float:
    """The share of tickets answered within target_seconds."""
    if agents <= traffic:
        return 0.0
    return 1.0 - erlang_c(agents, traffic) * math.exp(-(agents - traffic) * target_seconds / handle_seconds)


def agents_needed(per_hour: float, handle_seconds: float, target_seconds: float, share: float = TARGET_SHARE) -> int:
    if per_hour <= 0:
        return 0
    traffic = per_hour * handle_seconds / 3600
    agents = max(1, math.ceil(traffic))
    while service_level(agents, traffic, handle_seconds, target_seconds) < share and agents < MAX_AGENTS:
        agents += 1
    return agents


def weighted_forecast(weeks: list[list[int]]) -> list[float]:
    """weeks[0] is the latest full week; hours with no history forecast 0."""
    used = WEIGHTS[:len(weeks)]
    if not used:
        return [0.0] * HOURS
    return [round(sum(w * week[hour] for w, week in zip(used, weeks, strict=False)) / sum(used), 2)
            for hour in range(HOURS)]


async def _weekly(session: AsyncSession, found: ReportFilter, what: str) -> list[list[int]]:
    weeks = []
    for back in range(WEEKS):
        end = found.end - timedelta(weeks=back)
        start = end - timedelta(weeks=1)
        if what == "handoffs":
            moment = Ticket.created_at
            query = on_channel(select(hour_of_week(moment).label("hour"), func.count())
                               .where(moment >= start, moment < end, Ticket.bot_outage.is_(False)), Ticket.conversation_id, found)
            if found.team:
                query = query.where(Ticket.team == found.team)
        else:
            moment = Message.created_at
            query = on_channel(select(hour_of_week(moment).label("hour"), func.count())
                               .where(moment >= start, moment < end, Message.author_kind == SHOPPER),
                               Message.conversation_id, found)
        counts = [0] * HOURS
        for hour, count in (await session.execute(query.group_by("hour"))).all():
            counts[int(hour)] = count
        weeks.append(counts)
    return weeks


async def _handle_seconds(session: AsyncSession, found: ReportFilter) -> float:
    query = select(func.avg(seconds_between(Ticket.assigned_at, Ticket.resolved_at))).where(
        Ticket.resolved_at >= found.end - timedelta(weeks=WEEKS), Ticket.resolved_at < found.end,
        Ticket.assigned_at.is_not(None), Ticket.bot_outage.is_(False))
    average = (await session.execute(query)).scalar_one()
    return float(average) if average and average > 0 else DEFAULT_HANDLE_SECONDS


async def staffing_report(session: AsyncSession, found: ReportFilter) -> dict[str, Any]:
    handoffs = weighted_forecast(await _weekly(session, found, "handoffs"))
    messages = weighted_forecast(await _weekly(session, found, "messages"))
    handle = await _handle_seconds(session, found)
    target = found.first_response_target_seconds
    return {
        "forecast_week_from": found.end.date().isoformat(),
        "handle_seconds": rounded(handle),
        "target": {"share": TARGET_SHARE, "first_response_seconds": target},
        "messages_forecast": messages,
        "handoffs_forecast": handoffs,
        "agents_needed": [agents_needed(rate, handle, target) for rate in handoffs],
    }
