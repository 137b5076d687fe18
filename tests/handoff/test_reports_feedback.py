"""The bot's answers followed by negative feedback (bot report) and complaint causes (topics
report) against the history of tests/handoff/report_history.py, worked out by hand
(docs/METRICS.md defines both), on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from handoff.models import Message, Ticket
from handoff.report_summaries import ReportSummaries
from handoff.reports import ReportFilter, run_report
from tests.handoff.databases import HubDb
from tests.handoff.report_history import NOW, History, at, written_history

WEEK = ReportFilter.for_days(date(2026, 11, 2), date(2026, 11, 8), NOW)
# What the shoppers of c3 and c4 wrote (the history itself has only "...").
SAID = {("c3", 1): "where is my order", ("c3", 3): "let me talk to a person",
        ("c4", 1): "blorp the thing", ("c4", 3): "are you kidding me, useless bot"}

TRIGGERS = {"t2": "are you kidding me, useless bot", "t4": "I want to complain, you cancelled nothing"}


@pytest.fixture
async def history(any_db: HubDb) -> History:
    history = await written_history(any_db)
    async with any_db.uows() as uow:
        for (key, seq), text in SAID.items():
            await uow.session.execute(update(Message).where(
                Message.conversation_id == history.conversations[key].id, Message.seq == seq).values(text=text))
        for key, text in TRIGGERS.items():
            await uow.session.execute(update(Ticket).where(Ticket.id == history.tickets[key].id).values(trigger_text=text))
        await uow.commit()
    return history


async def report(db: HubDb, name: str, found: ReportFilter = WEEK) -> dict[str, Any]:
    async with db.uows() as uow:
        return await run_report(uow.session, name, found, True)


async def test_bot_answers_followed_by_negative_feedback(any_db: HubDb, history: History) -> None:
    answer = await report(any_db, "bot")
    # The bot answered c1 and c2 (nothing followed), c3's order_status (then the shopper asked for a
    # person) and c4's first fallback (then an angry message it handed off for anger). Every other
    # message the bot read was itself a call for a person or was answered by a handoff.
    assert answer["current"]["negative_feedback"] == {
        "answers": 4, "negative": 2, "share": 0.5,
        "per_intent": [
            {"key": "nlu_fallback", "answers": 1, "negative": 1, "share": 1.0,
             "examples": [{"asked": "blorp the thing", "then": "are you kidding me, useless bot"}]},
            {"key": "order_status", "answers": 2, "negative": 1, "share": 0.5,
             "examples": [{"asked": "where is my order", "then": "let me talk to a person"}]},
        ],
    }
    # c9's order_status the week before: answered, nothing followed.
    assert answer["previous"]["negative_feedback"] == {"answers": 1, "negative": 0, "share": 0.0, "per_intent": []}
    web = ReportFilter.for_days(date(2026, 11, 2), date(2026, 11, 8), NOW, channel="web")
    assert (await report(any_db, "bot", web))["current"]["negative_feedback"]["per_intent"][0]["key"] == "nlu_fallback"


async def test_complaint_causes(any_db: HubDb, history: History) -> None:
    answer = await report(any_db, "topics")
    # t2 (anger, rated 2) after c4's two fallbacks; t4 (a complaint) after c5's cancel_order of that
    # day and of the day before. t1 (rated 5), t3 (rated 4) and t6 (a VIP's request) are no complaint;
    # t5 was an outage.
    assert answer["current"]["complaint_causes"] == {
        "tickets": 2,
        "causes": [
            {"key": "cancel_order", "tickets": 1, "share": 0.5, "complaint": 1, "anger": 0, "negative_feedback": 0,
             "low_rating": 0, "examples": ["I want to complain, you cancelled nothing"]},
            {"key": "nlu_fallback", "tickets": 1, "share": 0.5, "complaint": 0, "anger": 1, "negative_feedback": 0,
             "low_rating": 1, "examples": ["are you kidding me, useless bot"]},
        ],
    }
    assert answer["previous"]["complaint_causes"] == {"tickets": 0, "causes": []}
    orders = ReportFilter.for_days(date(2026, 11, 2), date(2026, 11, 8), NOW, team="orders")
    causes = (await report(any_db, "topics", orders))["current"]["complaint_causes"]["causes"]
    assert [(row["key"], row["tickets"]) for row in causes] == [("cancel_order", 1)]


async def test_a_complaint_after_nothing_the_bot_could_name_has_no_cause(any_db: HubDb, history: History) -> None:
    # c6's shopper only greeted (no topic): a complaint handed off on Saturday evening.
    async with any_db.uows() as uow:
        uow.session.add(Ticket(conversation_id=history.conversations["c6"].id, reasons=["complaint"], severity="serious",
                               severity_rank=2, priority=5, created_at=at(5, 20, 3), queued_at=at(5, 20, 3),
                               first_response_due=at(5, 20, 18), resolution_due=at(6, 4, 3), status="queued",
                               trigger_text="nobody answers here"))
        await uow.commit()
    causes = (await report(any_db, "topics"))["current"]["complaint_causes"]
    assert causes["tickets"] == 3
    assert [(row["key"], row["tickets"], row["share"], row["examples"]) for row in causes["causes"]] == [
        ("cancel_order", 1, 0.3333, ["I want to complain, you cancelled nothing"]),
        ("nlu_fallback", 1, 0.3333, ["are you kidding me, useless bot"]),
        (None, 1, 0.3333, ["nobody answers here"]),
    ]


async def test_negative_feedback_reads_the_same_from_day_rollups(any_db: HubDb, history: History) -> None:
    """The same answers, negative ones and examples when the days are rolled up, also for answers in
    conversations opened before the period (c9, opened the week before, written to again)."""
    periods = [WEEK, ReportFilter.for_days(date(2026, 11, 2), date(2026, 11, 8), NOW, channel="web"),
               ReportFilter.for_days(date(2026, 11, 3), date(2026, 11, 3), NOW),
               ReportFilter.for_days(date(2026, 11, 4), date(2026, 11, 8), NOW)]
    async with any_db.uows() as uow:
        await uow.session.execute(update(Message).where(Message.conversation_id == history.conversations["c9"].id,
                                                        Message.seq == 1).values(created_at=at(0, 8)))
        await uow.commit()
    async def answers() -> list[Any]:
        return [[answer[period]["negative_feedback"] for period in ("current", "previous")]
                for answer in [await report(any_db, "bot", found) for found in periods]]

    computed = await answers()
    assert await ReportSummaries(any_db.uows).roll_up(NOW + timedelta(days=30)) == 7
    assert await answers() == computed
    assert computed[0][0]["answers"] == 5 and computed[0][1]["answers"] == 0  # c9's order_status, now in the week
