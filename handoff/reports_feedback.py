"""What shoppers complain about (docs/METRICS.md): complaint causes, in the topics report: tickets
with a complaint, anger, negative feedback or a low rating, grouped by what the shopper had asked
the bot about before. What counts as a shopper's unhappy reaction is defined here once, for these
and for the bot's answers followed by negative feedback (handoff/reports_answers.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import Integer, and_, case, cast, distinct, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.models import Message
from handoff.reports import SHOPPER, ReportFilter, tickets_in
from handoff.reports_sql import json_items, ratio, seconds_between
from handoff.signals import ANGER, COMPLAINT, EXPLICIT_REQUEST, NEGATIVE_FEEDBACK

# What NLU reads as criticism of the last answer, a complaint, or a wish for a person (domain.yml).
NEGATIVE_INTENTS = ("feedback_negative", "complaint", "request_human")
# Handoff reasons that say the shopper was unhappy, not only that the bot could not go on.
NEGATIVE_REASONS = (ANGER, NEGATIVE_FEEDBACK, COMPLAINT, EXPLICIT_REQUEST)
# Intents that name no topic: the mood itself, or small talk.
NO_TOPIC_INTENTS = (*NEGATIVE_INTENTS, "greet", "goodbye", "thank_you", "affirm", "deny", "bot_challenge")
COMPLAINT_SIGNALS = (COMPLAINT, ANGER, NEGATIVE_FEEDBACK)
LOW_RATING = 2
FOLLOW_UP_SECONDS = 86400
CAUSE_SECONDS = 86400
EXAMPLES = 3
TOP = 20
MAX_EXAMPLE_ROWS = 1000


def flag(condition: Any) -> Any:
    return cast(case((condition, 1), else_=0), Integer)


def has_reason(dialect: str, ticket: Any, reasons: tuple[str, ...]) -> Any:
    reason = json_items(dialect, ticket.reasons)
    return exists(select(literal(1)).select_from(reason).where(reason.c.value.in_(reasons)))


async def _examples(session: AsyncSession, query: Any, shape: Callable[..., Any]) -> dict[Any, list[Any]]:
    """Up to EXAMPLES per key, newest first, from (key, ...) rows ordered newest first, each shaped."""
    found: dict[Any, list[Any]] = defaultdict(list)
    for key, *values in (await session.execute(query.limit(MAX_EXAMPLE_ROWS))).all():
        example = shape(*values)
        if len(found[key]) < EXAMPLES and example not in found[key]:
            found[key].append(example)
    return found


def _complaints(found: ReportFilter, dialect: str) -> Any:
    """Tickets of the period (outages left out) with a complaint, anger or negative feedback among
    their reasons or rated 1-2, with a flag per signal."""
    tickets = tickets_in(found).subquery("tickets")
    flags = {signal: flag(has_reason(dialect, tickets.c, (signal,))) for signal in COMPLAINT_SIGNALS}
    flags["low_rating"] = flag(tickets.c.csat_rating <= LOW_RATING)
    return (select(tickets.c.id, tickets.c.conversation_id, tickets.c.created_at, tickets.c.trigger_text,
                   *(flag.label(name) for name, flag in flags.items()))
            .where(or_(has_reason(dialect, tickets.c, COMPLAINT_SIGNALS), tickets.c.csat_rating <= LOW_RATING))
            .subquery("complaints"))


def _causes(complaints: Any) -> Any:
    """Each complaint ticket once under every topic intent the bot read in its conversation in the
    day up to the handoff, or once under no intent (NULL)."""
    read = and_(Message.conversation_id == complaints.c.conversation_id, Message.author_kind == SHOPPER,
                Message.intent.is_not(None), Message.intent.not_in(NO_TOPIC_INTENTS),
                Message.created_at <= complaints.c.created_at,
                seconds_between(Message.created_at, complaints.c.created_at) <= CAUSE_SECONDS)
    return (select(complaints, Message.intent.label("cause")).distinct()
            .select_from(complaints).outerjoin(Message, read).subquery("causes"))


async def complaint_causes(session: AsyncSession, found: ReportFilter) -> dict[str, Any]:
    """The `complaint_causes` part of the topics report."""
    complaints = _complaints(found, session.get_bind().dialect.name)
    causes = _causes(complaints)
    signals = (*COMPLAINT_SIGNALS, "low_rating")
    total = int((await session.execute(select(func.count()).select_from(complaints))).scalar_one())
    counts = (await session.execute(
        select(causes.c.cause, func.count(distinct(causes.c.id)), *(func.sum(causes.c[name]) for name in signals))
        .group_by(causes.c.cause))).all()
    examples = await _examples(
        session, select(causes.c.cause, causes.c.trigger_text).where(causes.c.trigger_text.is_not(None))
        .order_by(causes.c.created_at.desc()), lambda text: text)
    rows = [{"key": row[0], "tickets": row[1], "share": ratio(row[1], total),
             **{name: int(count or 0) for name, count in zip(signals, row[2:], strict=True)},
             "examples": examples.get(row[0], [])} for row in counts]
    return {"complaint_causes": {
        "tickets": total,
        "causes": sorted(rows, key=lambda row: (-row["tickets"], row["key"] is None, row["key"] or ""))[:TOP]}}
