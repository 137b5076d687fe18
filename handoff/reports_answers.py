"""The bot's answers followed by negative feedback, in the bot report (docs/METRICS.md): per intent
the bot read, how many of its answers the shopper's next message met with criticism, a complaint,
a request for a person or anger.

An answer's flags depend only on its own conversation (its later shopper messages and tickets), so
they are worked out per conversation: the conversations opened on a rolled-up day
(handoff/reports_rollup.py) are read from the rollup (per day of the message and intent: answers,
negative, and the latest negative ones' places), the others are computed: those opened on the
period's other days, and those opened before the period that the shopper wrote to in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, and_, cast, exists, func, literal, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.clock import aware
from handoff.models import Conversation, Message, Ticket
from handoff.reports import SHOPPER, ReportFilter, in_period
from handoff.reports_feedback import NEGATIVE_INTENTS, NEGATIVE_REASONS, flag, has_reason
from handoff.reports_rollup import ALL_CHANNELS, Row, split
from handoff.reports_sql import ratio, seconds_between, utc_day
from handoff.summary_models import ReportDayCount, ReportDayExample

FOLLOW_UP_SECONDS = 86400
EXAMPLES = 3
TOP = 20
ANSWERS = "answers"  # report_day_counts' kind; key "<day of the message> <intent>", handed = negative


@dataclass(frozen=True)
class Place:
    """Where a negative answer is: its intent, time, and the two messages an example shows."""

    intent: str
    created_at: datetime
    conversation_id: str
    seq: int
    next_seq: int

    def newest_first(self) -> tuple[float, str, int]:
        return -aware(self.created_at).timestamp(), self.conversation_id, self.seq


def opened(start: datetime, end: datetime, channel: str | None) -> Any:
    """The ids of the conversations opened in [start, end) (on the channel)."""
    query = select(Conversation.id).where(Conversation.created_at >= start, Conversation.created_at < end)
    return query.where(Conversation.channel == channel) if channel else query


def written_to_before(found: ReportFilter) -> Any:
    """The ids of the conversations opened before the period in which the shopper wrote in it."""
    query = (select(Message.conversation_id).distinct().join(Conversation, Conversation.id == Message.conversation_id)
             .where(Message.author_kind == SHOPPER, in_period(Message.created_at, found), Conversation.created_at < found.start))
    return query.where(Conversation.channel == found.channel) if found.channel else query


def _turns(conversations: Any, since: datetime) -> Any:
    """Every shopper message since `since` of those conversations, with the next two shopper messages
    of its conversation (the next one's seq, intent and time). Texts stay out of the window's sort:
    only the examples' are read, afterwards."""
    def following(column: Any, steps: int = 1) -> Any:
        return func.lead(column, steps).over(partition_by=Message.conversation_id, order_by=Message.seq)

    return (
        select(Message.conversation_id, Message.seq, Message.intent, Message.created_at,
               following(Message.seq).label("next_seq"), following(Message.intent).label("next_intent"),
               following(Message.created_at).label("next_at"), following(Message.created_at, 2).label("after_next_at"))
        .where(Message.author_kind == SHOPPER, Message.created_at >= since, Message.conversation_id.in_(conversations))
        .subquery("turns")
    )


def _ticket_between(turns: Any, start: Any, end: Any, *condition: Any) -> Any:
    """A ticket of the message's conversation opened from `start` until `end` (no end: any time after)."""
    return exists().where(Ticket.conversation_id == turns.c.conversation_id, Ticket.created_at >= start,
                          or_(end.is_(None), Ticket.created_at < end), *condition)


def answers_of(conversations: Any, since: datetime, dialect: str, period: ReportFilter | None = None) -> Any:
    """The bot's answers in those conversations since `since` (of the period, if one is given):
    shopper messages it read (and that were no complaint or call for a person themselves) and
    answered without handing off, each with whether the shopper's next message within a day was
    negative, and its UTC day."""
    turns = _turns(conversations, since)
    followed = and_(turns.c.next_at.is_not(None),
                    seconds_between(turns.c.created_at, turns.c.next_at) <= FOLLOW_UP_SECONDS)
    unhappy_handoff = _ticket_between(turns, turns.c.next_at, turns.c.after_next_at,
                                      has_reason(dialect, Ticket, NEGATIVE_REASONS))
    negative = and_(followed, or_(turns.c.next_intent.in_(NEGATIVE_INTENTS), unhappy_handoff))
    return (
        select(turns.c.conversation_id, turns.c.seq, turns.c.next_seq, turns.c.intent, turns.c.created_at,
               utc_day(turns.c.created_at).label("day"), flag(negative).label("negative"))
        .where(turns.c.intent.is_not(None), turns.c.intent.not_in(NEGATIVE_INTENTS),
               ~_ticket_between(turns, turns.c.created_at, turns.c.next_at),
               *([in_period(turns.c.created_at, period)] if period else []))
        .cte("answers")
    )


def counts_and_places(answers: Any, *groups: Any) -> Any:
    """In one statement, per group and intent: (rank 0) the answers and the negative ones, and
    (rank 1 to EXAMPLES) the latest negative ones' places, as rows (groups..., intent, rank,
    answers, negative, conversation id, seq, next seq, time)."""
    newest = (answers.c.created_at.desc(), answers.c.conversation_id, answers.c.seq)
    counts = (select(*groups, answers.c.intent, literal(0), func.count(), func.sum(answers.c.negative),
                     cast(null(), String), cast(null(), Integer), cast(null(), Integer),
                     cast(null(), DateTime(timezone=True)))
              .group_by(*groups, answers.c.intent))
    ranked = (select(*groups, answers.c.intent, answers.c.conversation_id, answers.c.seq, answers.c.next_seq,
                     answers.c.created_at,
                     func.row_number().over(partition_by=[*groups, answers.c.intent], order_by=newest).label("rank"))
              .where(answers.c.negative == 1).subquery("ranked"))
    places = (select(*(ranked.c[group.name] for group in groups), ranked.c.intent, ranked.c.rank, literal(0), literal(0),
                     ranked.c.conversation_id, ranked.c.seq, ranked.c.next_seq, ranked.c.created_at)
              .where(ranked.c.rank <= EXAMPLES))
    return union_all(counts, places)


@dataclass
class Tally:
    """Answers and negative ones per intent, and the places of negative ones."""

    counts: dict[str, list[int]] = field(default_factory=dict)
    places: list[Place] = field(default_factory=list)

    def add(self, intent: str, rank: int, answers: int, negative: int, place: tuple[Any, ...]) -> None:
        if rank == 0:
            total = self.counts.setdefault(intent, [0, 0])
            total[0] += answers
            total[1] += negative
        else:
            conversation_id, seq, next_seq, created_at = place
            self.places.append(Place(intent, created_at, conversation_id, int(seq), int(next_seq)))


async def _compute(session: AsyncSession, conversations: Any, since: datetime, found: ReportFilter, tally: Tally) -> None:
    answers = answers_of(conversations, since, session.get_bind().dialect.name, found)
    for intent, rank, total, negative, *place in (await session.execute(counts_and_places(answers))).all():
        tally.add(intent, int(rank), int(total), int(negative or 0), tuple(place))


async def _read_rolled(session: AsyncSession, days: list[str], found: ReportFilter, tally: Tally) -> None:
    """The rolled-up days' answers whose message is of the period (each is of its conversation's day
    or later, so only the end bounds them)."""
    scope, end = found.channel or ALL_CHANNELS, found.end.date().isoformat()
    count = ReportDayCount
    rows = await session.execute(select(count.key, func.sum(count.conversations), func.sum(count.handed))
                                 .where(count.day.in_(days), count.scope == scope, count.kind == ANSWERS, count.key < end)
                                 .group_by(count.key))
    for key, answers, negative in rows.all():
        tally.add(key.split(" ", 1)[1], 0, int(answers), int(negative), ())
    example = ReportDayExample
    places = await session.execute(select(example.key, example.conversation_id, example.seq, example.next_seq,
                                          example.created_at)
                                   .where(example.day.in_(days), example.scope == scope, example.key < end))
    for key, conversation_id, seq, next_seq, created_at in places.all():
        tally.add(key.split(" ", 1)[1], 1, 0, 0, (conversation_id, seq, next_seq, created_at))


async def day_answers(session: AsyncSession, found: ReportFilter) -> tuple[list[Row], list[dict[str, Any]]]:
    """For a day's rollup: the answers in the conversations opened in the filter's period, at any
    time, per day of the message and intent, and the latest negative ones' places."""
    answers = answers_of(opened(found.start, found.end, found.channel), found.start, session.get_bind().dialect.name)
    rows: list[Row] = []
    places: list[dict[str, Any]] = []
    for day, intent, rank, total, negative, conversation_id, seq, next_seq, created_at in (
            await session.execute(counts_and_places(answers, answers.c.day))).all():
        key = f"{day} {intent}"
        if rank == 0:
            rows.append((ANSWERS, key, int(total), int(negative or 0)))
        else:
            places.append({"key": key, "rank": int(rank), "conversation_id": conversation_id, "seq": seq,
                           "next_seq": next_seq, "created_at": created_at})
    return rows, places


async def _texts(session: AsyncSession, places: list[Place]) -> dict[tuple[str, int], str | None]:
    if not places:
        return {}
    wanted = [and_(Message.conversation_id == place.conversation_id, Message.seq.in_((place.seq, place.next_seq)))
              for place in places]
    rows = await session.execute(select(Message.conversation_id, Message.seq, Message.text).where(or_(*wanted)))
    return {(conversation_id, seq): text for conversation_id, seq, text in rows.all()}


async def negative_feedback(session: AsyncSession, found: ReportFilter) -> dict[str, Any]:
    """The `negative_feedback` part of the bot report."""
    cut, tally = await split(session, found), Tally()
    if cut.rolled:
        await _read_rolled(session, cut.rolled, found, tally)
    for run in cut.live:
        await _compute(session, opened(run.start, run.end, found.channel), run.start, found, tally)
    await _compute(session, written_to_before(found), found.start, found, tally)
    latest: dict[str, list[Place]] = {}
    for place in sorted(tally.places, key=Place.newest_first):
        if len(latest.setdefault(place.intent, [])) < EXAMPLES:
            latest[place.intent].append(place)
    texts = await _texts(session, [place for places in latest.values() for place in places])
    rows: list[dict[str, Any]] = [
        {"key": intent, "answers": total, "negative": negative, "share": ratio(negative, total),
         "examples": [{"asked": texts.get((place.conversation_id, place.seq)),
                       "then": texts.get((place.conversation_id, place.next_seq))} for place in latest.get(intent, [])]}
        for intent, (total, negative) in tally.counts.items() if negative]
    total, negative = sum(row[0] for row in tally.counts.values()), sum(row[1] for row in tally.counts.values())
    return {"negative_feedback": {
        "answers": total, "negative": negative, "share": ratio(negative, total),
        "per_intent": sorted(rows, key=lambda row: (-row["negative"], -(row["share"] or 0), row["key"]))[:TOP]}}
