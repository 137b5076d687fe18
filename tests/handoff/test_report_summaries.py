"""The bot and topics reports read per-conversation summaries where they are fresh, and day rollups
where their signature holds, and compute the other conversations from their messages and tickets:
the figures are the same either way, on the hand-worked history and after new messages and tickets
arrive (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update

from handoff.clock import utcnow
from handoff.conversations import append_message
from handoff.models import Conversation, Message
from handoff.report_summaries import ReportSummaries
from handoff.reports import ReportFilter, run_report
from handoff.reports_rollup import Split, split
from handoff.signals import HandoffSignal
from handoff.summary_models import ConversationFacet, ConversationSummary, ReportDay, ReportDayCount, ReportDayExample
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


ROLLED_UP = NOW + timedelta(days=30)  # every day of the history's came-back window has closed


async def answers_by_channel(db: HubDb, found: ReportFilter) -> dict[str | None, dict[str, Any]]:
    return {channel: await answers(db, replace(found, channel=channel)) for channel in (None, "web", "telegram")}


async def forget_rollup(db: HubDb) -> None:
    async with db.uows() as uow:
        await uow.session.execute(delete(ReportDayExample))
        await uow.session.execute(delete(ReportDayCount))
        await uow.session.execute(delete(ReportDay))
        await uow.commit()


async def read_from(db: HubDb, found: ReportFilter) -> Split:
    async with db.uows() as uow:
        return await split(uow.session, found)


async def test_the_hand_worked_history_reads_the_same_from_day_rollups(any_db: HubDb) -> None:
    await written_history(any_db)
    found = ReportFilter.for_days(NOW.date() - timedelta(days=7), NOW.date() - timedelta(days=1), NOW)
    computed = await answers_by_channel(any_db, found)
    passes = ReportSummaries(any_db.uows)
    assert await passes.roll_up(ROLLED_UP) == 7  # the days of c9, c1/c2, c3 .. c8 (c6 and c7 share one)
    assert await answers_by_channel(any_db, found) == computed  # rolled up from raw rows
    await passes.summarize()
    await forget_rollup(any_db)
    assert await passes.roll_up(ROLLED_UP) == 7
    assert await answers_by_channel(any_db, found) == computed  # rolled up from summaries
    assert (await read_from(any_db, found)).live == [] and (await read_from(any_db, found.previous())).live == []
    assert await passes.roll_up(ROLLED_UP) == 0


async def test_a_change_to_a_rolled_up_day_is_computed_again_until_rebuilt(any_db: HubDb) -> None:
    history = await written_history(any_db)
    found = ReportFilter.for_days(NOW.date() - timedelta(days=7), NOW.date() - timedelta(days=1), NOW)
    passes = ReportSummaries(any_db.uows)
    await passes.summarize()
    await passes.roll_up(ROLLED_UP)
    first, second = history.conversations["c1"], history.conversations["c2"]
    await shopper_says(any_db, first, "and cancel it", "cancel_order")
    async with any_db.uows() as uow:
        conversation = await any_db.must_get(uow, Conversation, second.id)
        await open_ticket(uow, any_db.desk, conversation, HandoffSignal(("complaint",), message="late"))
        await uow.commit()
    changed = await answers_by_channel(any_db, found)
    assert [run.start.date() for run in (await read_from(any_db, found)).live] == [date(2026, 11, 2)]
    assert changed[None]["bot"]["current"]["overall"]["handed_off"] == 5  # c2 now too
    await forget_rollup(any_db)
    await forget_summaries(any_db)
    assert await answers_by_channel(any_db, found) == changed  # the same from raw rows alone
    await passes.summarize()
    assert await passes.roll_up(ROLLED_UP) == 7
    assert await answers_by_channel(any_db, found) == changed


async def test_a_day_with_a_transition_under_a_minute_old_waits(any_db: HubDb) -> None:
    """A transaction still open while a pass reads may commit a transition older than the latest one
    the pass read: a day whose window changed under a minute ago is rebuilt by a later pass."""
    history = await written_history(any_db)
    passes = ReportSummaries(any_db.uows)
    assert await passes.roll_up(ROLLED_UP) == 7
    async with any_db.uows() as uow:
        conversation = await any_db.must_get(uow, Conversation, history.conversations["c1"].id)
        await open_ticket(uow, any_db.desk, conversation, HandoffSignal(("complaint",), message="late"))
        await uow.commit()
    moved = utcnow()
    assert await passes.roll_up(moved + timedelta(seconds=30)) == 0
    assert await passes.roll_up(moved + timedelta(minutes=2)) == 2  # c1's day, and c9's, whose window holds it


async def test_a_day_with_a_message_waiting_for_the_bot_waits(any_db: HubDb) -> None:
    """The bot stores its intent on the message without a new message: no signature would change."""
    history = await written_history(any_db)
    passes = ReportSummaries(any_db.uows)
    await shopper_says(any_db, history.conversations["c1"], "and cancel it", None)
    assert await passes.roll_up(ROLLED_UP) == 5  # not c1's day, nor c9's, whose window holds it
    async with any_db.uows() as uow:
        await uow.session.execute(update(Message).where(Message.handled_at.is_(None))
                                  .values(handled_at=utcnow(), intent="cancel_order"))
        await uow.commit()
    assert await passes.roll_up(ROLLED_UP) == 2
    found = ReportFilter.for_days(NOW.date() - timedelta(days=7), NOW.date() - timedelta(days=1), NOW)
    rolled = await answers_by_channel(any_db, found)
    await forget_rollup(any_db)
    assert await answers_by_channel(any_db, found) == rolled
