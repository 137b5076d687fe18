"""What shoppers' reactions say about the bot's answers and what they complain about
(docs/METRICS.md defines each):

- the bot's answers followed by negative feedback (in the bot report): per intent the bot read,
  how many of its answers the shopper's next message met with criticism, a complaint, a request
  for a person or anger;
- complaint causes (in the topics report): tickets with a complaint, anger, negative feedback or
  a low rating, grouped by what the shopper had asked the bot about before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Integer, String, and_, case, cast, distinct, exists, func, literal, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from handoff.models import Message, Ticket
from handoff.reports import SHOPPER, ReportFilter, in_period, on_channel, tickets_in
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


def _flag(condition: Any) -> Any:
    return cast(case((condition, 1), else_=0), Integer)


def _has_reason(dialect: str, ticket: Any, reasons: tuple[str, ...]) -> Any:
    reason = json_items(dialect, ticket.reasons)
    return exists(select(literal(1)).select_from(reason).where(reason.c.value.in_(reasons)))


def _turns(found: ReportFilter) -> Any:
    """Every shopper message from the period's start to a day after its end, with the next two
    shopper messages of its conversation (the next one's seq, intent and time). Texts stay out of
    the window's sort: only the examples' are read, afterwards."""
    def following(column: Any, steps: int = 1) -> Any:
        return func.lead(column, steps).over(partition_by=Message.conversation_id, order_by=Message.seq)

    query = (
        select(Message.conversation_id, Message.seq, Message.intent, Message.created_at,
               following(Message.seq).label("next_seq"), following(Message.intent).label("next_intent"),
               following(Message.created_at).label("next_at"), following(Message.created_at, 2).label("after_next_at"))
        .where(Message.author_kind == SHOPPER, Message.created_at >= found.start,
               Message.created_at < found.end + timedelta(seconds=FOLLOW_UP_SECONDS))
    )
    return on_channel(query, Message.conversation_id, found).subquery("turns")


def _ticket_between(turns: Any, start: Any, end: Any, *condition: Any) -> Any:
    """A ticket of the message's conversation opened from `start` until `end` (no end: any time after)."""
    return exists().where(Ticket.conversation_id == turns.c.conversation_id, Ticket.created_at >= start,
                          or_(end.is_(None), Ticket.created_at < end), *condition)


def _answers(turns: Any, found: ReportFilter, dialect: str) -> Any:
    """The bot's answers of the period: shopper messages it read (and that were no complaint or call
    for a person themselves) and answered without handing off, each with whether the shopper's next
    message within a day was negative."""
    followed = and_(turns.c.next_at.is_not(None),
                    seconds_between(turns.c.created_at, turns.c.next_at) <= FOLLOW_UP_SECONDS)
    unhappy_handoff = _ticket_between(turns, turns.c.next_at, turns.c.after_next_at,
                                      _has_reason(dialect, Ticket, NEGATIVE_REASONS))
    negative = and_(followed, or_(turns.c.next_intent.in_(NEGATIVE_INTENTS), unhappy_handoff))
    return (
        select(turns.c.conversation_id, turns.c.seq, turns.c.next_seq, turns.c.intent, turns.c.created_at,
               _flag(negative).label("negative"))
        .where(in_period(turns.c.created_at, found), turns.c.intent.is_not(None),
               turns.c.intent.not_in(NEGATIVE_INTENTS),
               ~_ticket_between(turns, turns.c.created_at, turns.c.next_at))
        .cte("answers")
    )


def _counts_and_examples(answers: Any) -> Any:
    """In one statement (the answers are worked out once): per intent (rank 0) the answers and the
    negative ones, and (rank 1 to EXAMPLES) the latest negative ones' two messages."""
    counts = select(answers.c.intent, literal(0).label("rank"), func.count(), func.sum(answers.c.negative),
                    cast(null(), String), cast(null(), String)).group_by(answers.c.intent)
    ranked = (select(answers.c.intent, answers.c.conversation_id, answers.c.seq, answers.c.next_seq,
                     func.row_number().over(partition_by=answers.c.intent, order_by=answers.c.created_at.desc())
                     .label("rank"))
              .where(answers.c.negative == 1).subquery("ranked"))
    asked, then = aliased(Message), aliased(Message)
    examples = (select(ranked.c.intent, ranked.c.rank, literal(0), literal(0), asked.text, then.text)
                .join(asked, and_(asked.conversation_id == ranked.c.conversation_id, asked.seq == ranked.c.seq))
                .join(then, and_(then.conversation_id == ranked.c.conversation_id, then.seq == ranked.c.next_seq))
                .where(ranked.c.rank <= EXAMPLES))
    return union_all(counts, examples)


async def _examples(session: AsyncSession, query: Any, shape: Callable[..., Any]) -> dict[Any, list[Any]]:
    """Up to EXAMPLES per key, newest first, from (key, ...) rows ordered newest first, each shaped."""
    found: dict[Any, list[Any]] = defaultdict(list)
    for key, *values in (await session.execute(query.limit(MAX_EXAMPLE_ROWS))).all():
        example = shape(*values)
        if len(found[key]) < EXAMPLES and example not in found[key]:
            found[key].append(example)
    return found


async def negative_feedback(session: AsyncSession, found: ReportFilter) -> dict[str, Any]:
    """The `negative_feedback` part of the bot report."""
    answers = _answers(_turns(found), found, session.get_bind().dialect.name)
    counts: dict[str, tuple[int, int]] = {}
    examples: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for intent, rank, total, negative, asked, then in (await session.execute(_counts_and_examples(answers))).all():
        if rank == 0:
            counts[intent] = (int(total), int(negative or 0))
        else:
            examples[intent].append((rank, {"asked": asked, "then": then}))
    rows: list[dict[str, Any]] = [
        {"key": intent, "answers": total, "negative": negative, "share": ratio(negative, total),
         "examples": [example for _rank, example in sorted(examples[intent], key=lambda item: item[0])]}
        for intent, (total, negative) in counts.items() if negative]
    total, negative = sum(row[0] for row in counts.values()), sum(row[1] for row in counts.values())
    return {"negative_feedback": {
        "answers": total, "negative": negative, "share": ratio(negative, total),
        "per_intent": sorted(rows, key=lambda row: (-row["negative"], -(row["share"] or 0), row["key"]))[:TOP]}}


def _complaints(found: ReportFilter, dialect: str) -> Any:
    """Tickets of the period (outages left out) with a complaint, anger or negative feedback among
    their reasons or rated 1-2, with a flag per signal."""
    tickets = tickets_in(found).subquery("tickets")
    flags = {signal: _flag(_has_reason(dialect, tickets.c, (signal,))) for signal in COMPLAINT_SIGNALS}
    flags["low_rating"] = _flag(tickets.c.csat_rating <= LOW_RATING)
    return (select(tickets.c.id, tickets.c.conversation_id, tickets.c.created_at, tickets.c.trigger_text,
                   *(flag.label(name) for name, flag in flags.items()))
            .where(or_(_has_reason(dialect, tickets.c, COMPLAINT_SIGNALS), tickets.c.csat_rating <= LOW_RATING))
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
