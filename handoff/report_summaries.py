"""Per-conversation summaries for the bot and topics reports, kept off the request path.

A pass (`summarize`) writes a summary for every conversation that has none or a stale one
(handoff/summary_models.py says when a summary is fresh), skipping conversations with a shopper
message the bot has not handled yet (its intent is still to come). The reports read the fresh
summaries and compute the few other conversations of the period from their messages and tickets
with the same definitions (`shopper_wrote`, `handed_off`, `named_in`), so their figures are the
same with or without summaries, only faster with them.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, case, cast, delete, exists, insert, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.clock import utcnow
from handoff.models import Conversation, Message, Ticket
from handoff.report_subjects import named_in
from handoff.reports import SHOPPER, ReportFilter, is_handoff
from handoff.reports_rollup import DayRollup
from handoff.summary_models import INTENT, ConversationFacet, ConversationSummary
from handoff.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)
BATCH = 500
EVERY = timedelta(minutes=1)


def fresh(summary: Any = ConversationSummary) -> Any:
    """The summary is the conversation's and still says what the conversation holds."""
    return and_(summary.conversation_id == Conversation.id, summary.last_seq == Conversation.last_seq,
                summary.updated_at == Conversation.updated_at,
                summary.contact_id.is_not_distinct_from(Conversation.contact_id),
                summary.erased_at.is_not_distinct_from(Conversation.erased_at))


def shopper_wrote(since: datetime | None = None) -> Any:
    """The conversation has a shopper message (nobody writes to a conversation before it opens: a
    bound on the message's time only lets the index narrow it)."""
    condition = [Message.conversation_id == Conversation.id, Message.author_kind == SHOPPER]
    return exists().where(*condition, *([Message.created_at >= since] if since else []))


def handed_off() -> Any:
    """The conversation has a handoff ticket (handoff/reports.py's is_handoff), at any time."""
    return exists().where(Ticket.conversation_id == Conversation.id, is_handoff())


def _waiting() -> Any:
    return exists().where(Message.conversation_id == Conversation.id, Message.author_kind == SHOPPER,
                          Message.handled_at.is_(None))


def period_conversations(found: ReportFilter, after: timedelta = timedelta(0)) -> Any:
    """Conversations opened in the period (and `after` beyond it) in which the shopper wrote: id,
    channel, created_at, contact_id, handed (1/0), summarized (1 when read from a fresh summary, 0
    when computed here)."""
    summary = ConversationSummary
    end = found.end + after
    summarized = summary.conversation_id.is_not(None)
    query = (
        select(Conversation.id, Conversation.channel, Conversation.created_at, Conversation.contact_id,
               cast(case((summarized, summary.handed), (handed_off(), 1), else_=0), Integer).label("handed"),
               cast(case((summarized, 1), else_=0), Integer).label("summarized"))
        .select_from(Conversation)
        .outerjoin(summary, and_(fresh(), summary.created_at >= found.start, summary.created_at < end))
        .where(Conversation.created_at >= found.start, Conversation.created_at < end,
               or_(summary.wrote.is_(True), and_(~summarized, shopper_wrote(found.start))))
    )
    if found.channel:
        query = query.where(Conversation.channel == found.channel)
    return query


def facets_of(conversations: Any, kind: str, found: ReportFilter, after: timedelta = timedelta(0)) -> Any:
    """The conversations' columns and `value`, once for each facet of that kind, of those read from
    a summary (opened in the period and `after` beyond it). (`summarized != 0` rather than `= 1`:
    PostgreSQL guesses a CTE's `=` keeps 0.5% of its rows and `!=` 99.5%, and most are summarized;
    guessed wrong, it joins in loops.)"""
    facet = ConversationFacet
    return (select(conversations, facet.value)
            .join(facet, and_(facet.conversation_id == conversations.c.id, facet.kind == kind,
                              facet.created_at >= found.start, facet.created_at < found.end + after))
            .where(conversations.c.summarized != 0))


def live_intents(conversations: Any, since: datetime) -> Any:
    """The conversations' columns and `value`, once for each intent read in it, of those not read
    from a summary."""
    return (select(conversations, Message.intent.label("value")).distinct()
            .join(conversations, conversations.c.id == Message.conversation_id)
            .where(conversations.c.summarized == 0, Message.intent.is_not(None), Message.created_at >= since))


async def live_subjects(session: AsyncSession, conversations: Any) -> set[tuple[str, str, str]]:
    """(conversation id, kind, value) of every product and carrier named in the shopper messages of
    the conversations not read from a summary."""
    return await _named(session, _shopper_texts().join(conversations, conversations.c.id == Message.conversation_id)
                        .where(conversations.c.summarized == 0))


def _shopper_texts() -> Any:
    return select(Message.conversation_id, Message.text).where(Message.author_kind == SHOPPER, Message.text.is_not(None))


async def _named(session: AsyncSession, texts: Any) -> set[tuple[str, str, str]]:
    return {(conversation_id, kind, value) for conversation_id, text in (await session.execute(texts)).all()
            for kind, value in named_in(text)}


async def stale_conversations(session: AsyncSession, limit: int) -> list[str]:
    """Up to `limit` conversations without a fresh summary and with nothing waiting for the bot."""
    query = (select(Conversation.id).outerjoin(ConversationSummary, fresh())
             .where(ConversationSummary.conversation_id.is_(None), ~_waiting()).limit(limit))
    return list((await session.execute(query)).scalars())


def _orphans() -> Any:
    return ~exists().where(Conversation.id == ConversationSummary.conversation_id)


async def _has_orphans(session: AsyncSession) -> bool:
    found = await session.execute(select(ConversationSummary.conversation_id).where(_orphans()).limit(1))
    return found.first() is not None


async def summarize_batch(session: AsyncSession, ids: list[str]) -> None:
    """Summarizes these conversations (found stale a moment ago; one found waiting for the bot by
    now is left without a summary, and the next pass finds it again). The summary's copy of the
    conversation and what it holds are read in one statement, so they agree; the facets are read
    after it, so they are as new or newer (a newer message moved `last_seq`, and the summary is stale)."""
    await session.execute(delete(ConversationFacet).where(ConversationFacet.conversation_id.in_(ids)))
    await session.execute(delete(ConversationSummary).where(ConversationSummary.conversation_id.in_(ids)))
    summary = ConversationSummary
    await session.execute(insert(summary).from_select(
        [summary.conversation_id, summary.last_seq, summary.updated_at, summary.contact_id, summary.erased_at,
         summary.channel, summary.created_at, summary.wrote, summary.handed],
        select(Conversation.id, Conversation.last_seq, Conversation.updated_at, Conversation.contact_id,
               Conversation.erased_at, Conversation.channel, Conversation.created_at, shopper_wrote(),
               cast(case((handed_off(), 1), else_=0), Integer))
        .where(Conversation.id.in_(ids), ~_waiting())))
    facet = ConversationFacet
    await session.execute(insert(facet).from_select(
        [facet.conversation_id, facet.kind, facet.value, facet.created_at],
        select(Message.conversation_id, literal(INTENT), Message.intent, summary.created_at).distinct()
        .join(summary, summary.conversation_id == Message.conversation_id)
        .where(Message.conversation_id.in_(ids), Message.intent.is_not(None))))
    named = await _named(session, _shopper_texts().join(summary, summary.conversation_id == Message.conversation_id)
                         .where(Message.conversation_id.in_(ids)))
    if named:
        rows = await session.execute(select(summary.conversation_id, summary.created_at)
                                     .where(summary.conversation_id.in_({c for c, _k, _v in named})))
        opened: dict[str, datetime] = {row[0]: row[1] for row in rows.all()}
        await session.execute(insert(facet), [{"conversation_id": c, "kind": k, "value": v, "created_at": opened[c]}
                                              for c, k, v in sorted(named)])


class ReportSummaries:
    """Keeps the summaries up to date: a pass a minute, a batch per transaction."""

    def __init__(self, uows: UnitOfWorkFactory) -> None:
        self._uows = uows

    async def summarize(self) -> int:
        """Which conversations need a summary is read in a read-only transaction: finding them reads
        every conversation, and on SQLite a write transaction holds the database's one write lock,
        so shoppers' messages would wait for that scan once a minute. Only the batches write."""
        total = 0
        while True:
            async with self._uows.reading() as session:
                ids = await stale_conversations(session, BATCH)
                orphans = not ids and await _has_orphans(session)
            if ids:
                async with self._uows() as uow:
                    await summarize_batch(uow.session, ids)
                    await uow.commit()
                total += len(ids)
                continue
            if orphans:  # summaries of conversations deleted since (retention)
                async with self._uows() as uow:
                    await uow.session.execute(delete(ConversationSummary).where(_orphans()))
                    await uow.commit()
            return total

    async def roll_up(self, now: datetime | None = None) -> int:
        """Rolls up the days that can be (handoff/reports_rollup.py) from the summaries as they are."""
        from handoff import reports_answers, reports_bot, reports_topics  # they read the summaries kept here

        rollup = DayRollup(self._uows, (reports_bot.grouping_rows, reports_topics.subject_rows),
                           (reports_answers.day_answers,))
        return await rollup.roll_up(now or utcnow())

    async def run_forever(self, every: timedelta = EVERY) -> None:
        while True:
            try:
                await self.summarize()
                await self.roll_up()
            except Exception:
                log.exception("summarizing conversations for the reports failed; trying again")
            await asyncio.sleep(every.total_seconds())
