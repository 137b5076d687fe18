"""The bot and topics reports read per-conversation summaries where they are fresh and compute the
other conversations from their messages and tickets: the figures are the same either way, on the
hand-worked history and after new messages and tickets arrive (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select

from handoff.clock import utcnow
from handoff.conversations import append_message
from handoff.models import Conversation
from handoff.report_summaries import ReportSummaries
from handoff.reports import ReportFilter, run_report
from handoff.signals import HandoffSignal
from handoff.summary_models import ConversationFacet, ConversationSummary
from handoff.tickets import open_ticket
from handoff.turns import mark_handled
from tests.handoff.databases import HubDb
from tests.handoff.report_history import NOW, written_history

SUMMARIZED = ("bot", "topics")


async def answers(db: HubDb, found: ReportFilter) -> dict[str, Any]:
    async with db.uows() as uow:
        return {name: await run_report(uow.session, name, found, compare=True) for name in SUMMARIZED}


async def summaries(db: HubDb) -> int:
    async with db.uows() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(ConversationSummary))).scalar_one())


async def forget_summaries(db: HubDb) -> None:
    async with db.uows() as uow:
        await uow.session.execute(delete(ConversationFacet))
        await uow.session.execute(delete(ConversationSummary))
        await uow.commit()


async def test_the_hand_worked_history_reads_the_same_from_summaries(any_db: HubDb) -> None:
    await written_history(any_db)
    found = ReportFilter.for_days(NOW.date() - timedelta(days=7), NOW.date() - timedelta(days=1), NOW)
    computed = await answers(any_db, found)
    assert await ReportSummaries(any_db.uows).summarize() == 9  # c1..c9, c7 (never wrote) too
    assert await answers(any_db, found) == computed
    assert await ReportSummaries(any_db.uows).summarize() == 0


async def shopper_says(db: HubDb, conversation: Conversation, text: str, intent: str | None) -> None:
    """A shopper message as the hub stores it: the bot's intent stored with its mark as handled, or
    (intent None) still waiting for the bot."""
    async with db.uows() as uow:
        conversation = await db.must_get(uow, Conversation, conversation.id)
        message = await append_message(uow, conversation, direction="in", author_kind="shopper", text=text)
        if intent:
            assert await mark_handled(uow.session, message, utcnow(), intent)
        await uow.commit()


async def test_new_messages_and_tickets_count_at_once_and_summaries_catch_up(any_db: HubDb) -> None:
    today = ReportFilter.for_days(utcnow().date(), utcnow().date(), utcnow() + timedelta(hours=1))
    passes = ReportSummaries(any_db.uows)

    async def exact() -> dict[str, Any]:
        """The reports now, checked against the same computed without any summary."""
        mixed = await answers(any_db, today)
        async with any_db.uows() as uow:
            kept = (await uow.session.execute(select(func.count()).select_from(ConversationSummary))).scalar_one()
        if kept:
            await forget_summaries(any_db)
            assert await answers(any_db, today) == mixed
            await passes.summarize()
            assert await answers(any_db, today) == mixed
        return mixed

    first = await any_db.conversation("web")
    await shopper_says(any_db, first, "where is my order 10002, the DHL link fails", "order_status")
    await passes.summarize()
    bot = (await exact())["bot"]["current"]
    assert bot["overall"]["conversations"] == 1 and bot["overall"]["handed_off"] == 0

    await shopper_says(any_db, first, "the Wireless Earbuds are broken", "complaint")
    bot = (await exact())["bot"]["current"]
    assert [row["key"] for row in bot["per_intent"]] == ["complaint", "order_status"]

    async with any_db.uows() as uow:
        conversation = await any_db.must_get(uow, Conversation, first.id)
        await open_ticket(uow, any_db.desk, conversation, HandoffSignal(("complaint",), message="broken"))
        await uow.commit()
    bot = (await exact())["bot"]["current"]
    assert bot["overall"]["handed_off"] == 1

    second = await any_db.conversation("telegram")
    await shopper_says(any_db, second, "hello?", None)
    await passes.summarize()
    async with any_db.uows() as uow:
        waiting = await uow.session.get(ConversationSummary, second.id)
    assert waiting is None  # its intent is still to come
    bot = (await exact())["bot"]["current"]
    assert bot["overall"]["conversations"] == 2


async def test_a_pass_with_nothing_to_do_never_waits_for_a_writer(db: HubDb) -> None:
    """Finding the stale conversations reads every conversation: on SQLite it must not take the
    write lock, or every shopper message would wait for that scan once a minute."""
    await written_history(db)
    passes = ReportSummaries(db.uows)
    await passes.summarize()
    async with db.engine.connect() as writer:
        await writer.begin()  # BEGIN IMMEDIATE: the database's one write lock, held
        await writer.execute(select(func.count()).select_from(Conversation))
        assert await asyncio.wait_for(passes.summarize(), timeout=5) == 0
        await writer.rollback()
