"""The bot report: containment overall, per channel, per day and per intent, handoffs by reason,
and contained conversations whose shopper came back within 7 days about the same thing
(docs/METRICS.md defines each)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, case, cast, distinct, exists, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from handoff.models import Conversation, Message, Ticket
from handoff.reports import ReportFilter, conversations_in, is_handoff, tickets_in
from handoff.reports_sql import json_items, ratio, seconds_between, utc_day

CAME_BACK_SECONDS = 7 * 86400


def _base(found: ReportFilter) -> Any:
    handed = exists().where(Ticket.conversation_id == Conversation.id, is_handoff())
    return conversations_in(found).add_columns(cast(case((handed, 1), else_=0), Integer).label("handed")).subquery()


def _containment(conversations: int, handed: int) -> dict[str, Any]:
    contained = conversations - handed
    return {"conversations": conversations, "handed_off": handed, "contained": contained,
            "containment": ratio(contained, conversations)}


async def _grouped(session: AsyncSession, key: Any, base: Any) -> list[dict[str, Any]]:
    query = (select(key.label("key"), func.count(), func.coalesce(func.sum(base.c.handed), 0))
             .select_from(base).group_by(key).order_by(key))
    return [{"key": row[0], **_containment(row[1], row[2])} for row in (await session.execute(query)).all()]


async def _per_intent(session: AsyncSession, base: Any, found: ReportFilter) -> list[dict[str, Any]]:
    """A conversation counts once under every intent the bot read in it."""
    handed = case((base.c.handed == 1, base.c.id))
    query = (
        select(Message.intent, func.count(distinct(base.c.id)), func.count(distinct(handed)))
        .select_from(base.join(Message, Message.conversation_id == base.c.id))
        .where(Message.intent.is_not(None), Message.created_at >= found.start)
        .group_by(Message.intent)
        .order_by(func.count(distinct(base.c.id)).desc(), Message.intent)
    )
    return [{"key": row[0], **_containment(row[1], row[2])} for row in (await session.execute(query)).all()]


async def _came_back(session: AsyncSession, base: Any) -> int:
    """Contained conversations whose contact opened another within 7 days with an intent in common."""
    later = aliased(Conversation)
    first_intent, later_intent = aliased(Message), aliased(Message)
    shared = exists().where(
        later.contact_id == base.c.contact_id,
        later.created_at > base.c.created_at,
        seconds_between(base.c.created_at, later.created_at) <= CAME_BACK_SECONDS,
        first_intent.conversation_id == base.c.id,
        later_intent.conversation_id == later.id,
        first_intent.intent.is_not(None),
        later_intent.intent == first_intent.intent,
    )
    query = select(func.count()).select_from(base).where(base.c.handed == 0, base.c.contact_id.is_not(None), shared)
    return int((await session.execute(query)).scalar_one())


async def _by_reason(session: AsyncSession, found: ReportFilter) -> list[dict[str, Any]]:
    dialect = session.get_bind().dialect.name
    tickets = tickets_in(found).subquery()
    reason = json_items(dialect, tickets.c.reasons)
    query = (select(reason.c.value, func.count()).select_from(tickets).join(reason, true())
             .group_by(reason.c.value).order_by(func.count().desc(), reason.c.value))
    return [{"reason": row[0], "tickets": row[1]} for row in (await session.execute(query)).all()]


async def _outage_tickets(session: AsyncSession, found: ReportFilter) -> int:
    query = select(func.count()).select_from(Ticket).join(Conversation, Conversation.id == Ticket.conversation_id).where(
        Ticket.created_at >= found.start, Ticket.created_at < found.end, Ticket.bot_outage.is_(True))
    if found.channel:
        query = query.where(Conversation.channel == found.channel)
    return int((await session.execute(query)).scalar_one())


async def bot_report(session: AsyncSession, found: ReportFilter) -> dict[str, Any]:
    base = _base(found)
    per_channel = await _grouped(session, base.c.channel, base)
    # The channels' counts add up to the whole (each conversation has one channel).
    overall = _containment(sum(row["conversations"] for row in per_channel), sum(row["handed_off"] for row in per_channel))
    came_back = await _came_back(session, base)
    return {
        "overall": overall,
        "came_back_7d": came_back,
        "containment_net_of_returns": ratio(overall["contained"] - came_back, overall["conversations"]),
        "per_channel": per_channel,
        "per_day": await _grouped(session, utc_day(base.c.created_at), base),
        "per_intent": await _per_intent(session, base, found),
        "handoffs_by_reason": await _by_reason(session, found),
        "outage_tickets": await _outage_tickets(session, found),
    }
