"""Quality review on the hand-worked history of tests/handoff/report_history.py, on SQLite and
PostgreSQL: which conversations a sample may draw, that the draw is reproducible and never
repeats a conversation, and the quality report's figures (docs/METRICS.md) worked out by hand.

In the week, the bot alone handled c1, c2 and c6 (c6's outage ticket went back to the bot); Ann
resolved t1 (c3, orders, Telegram) and t2 (c4, web, no team). c5 is not resolved (t4 is open), c7
never wrote, c8 waits for an agent, c9 is the week before."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from handoff.erasure import ERASED_NOTE, anonymise_conversations
from handoff.models import Agent
from handoff.reports import ReportFilter, run_report
from handoff.review_models import Review, ReviewSample
from handoff.review_sampling import SampleRequest, candidates, create_sample, draw
from handoff.reviews import score
from tests.handoff.databases import HubDb
from tests.handoff.report_history import NOW, History, written_history

WEEK = ReportFilter.for_days(date(2026, 11, 2), date(2026, 11, 8), NOW)


@pytest.fixture
async def history(any_db: HubDb) -> History:
    return await written_history(any_db)


def wanted(size: int = 50, kind: str = "both", seed: str = "s1", **narrow: Any) -> SampleRequest:
    return SampleRequest(WEEK, size, kind, seed, **narrow)


def keys(history: History, conversation_ids: Any) -> set[str]:
    by_id = {conversation.id: key for key, conversation in history.conversations.items()}
    return {by_id[conversation_id] for conversation_id in conversation_ids}


async def drawable(db: HubDb, history: History, request: SampleRequest) -> set[str]:
    async with db.uows() as uow:
        return keys(history, (c.conversation_id for c in await candidates(uow.session, request)))


async def test_what_a_sample_can_draw(any_db: HubDb, history: History) -> None:
    ann, bob = history.agents["Ann"].id, history.agents["Bob"].id
    assert await drawable(any_db, history, wanted()) == {"c1", "c2", "c6", "c3", "c4"}
    assert await drawable(any_db, history, wanted(kind="bot")) == {"c1", "c2", "c6"}
    assert await drawable(any_db, history, wanted(kind="human")) == {"c3", "c4"}
    assert await drawable(any_db, history, wanted(agent_id=ann)) == {"c3", "c4"}
    assert await drawable(any_db, history, wanted(agent_id=bob)) == set()  # t4 is not resolved
    assert await drawable(any_db, history, wanted(team="orders")) == {"c3"}


async def test_the_draw_is_reproducible_and_never_repeats(any_db: HubDb, history: History) -> None:
    async with any_db.uows() as uow:
        found = await candidates(uow.session, wanted())
    # The same seed gives the same conversations whatever order the database returned them in.
    assert draw(found, "s1", 3) == draw(list(reversed(found)), "s1", 3)
    assert len({tuple(c.conversation_id for c in draw(found, seed, 5)) for seed in ("s1", "s2", "s3")}) > 1
    async with any_db.uows() as uow:
        sue = await uow.session.get(Agent, history.agents["Sue"].id)
        assert sue is not None
        first = await create_sample(uow.session, sue, wanted(size=2))
        second = await create_sample(uow.session, sue, wanted(size=50))
        await uow.commit()
    first_drawn, second_drawn = await sample_keys(any_db, history, first), await sample_keys(any_db, history, second)
    assert first_drawn == keys(history, (c.conversation_id for c in draw(found, "s1", 2)))
    assert first_drawn.isdisjoint(second_drawn) and first_drawn | second_drawn == {"c1", "c2", "c6", "c3", "c4"}
    assert await drawable(any_db, history, wanted()) == set()


async def sample_keys(db: HubDb, history: History, sample: ReviewSample) -> set[str]:
    async with db.uows() as uow:
        rows = await uow.session.execute(Review.__table__.select().where(Review.sample_id == sample.id))
        return keys(history, (row.conversation_id for row in rows))


SCORES = {  # conversation: resolved, correct, tone (c6 is drawn and left unscored)
    "c1": (True, True, 5), "c2": (False, True, 3), "c3": (True, False, 4), "c4": (True, True, 2),
}


async def scored_history(db: HubDb, history: History) -> None:
    async with db.uows() as uow:
        sue = await uow.session.get(Agent, history.agents["Sue"].id)
        assert sue is not None
        sample = await create_sample(uow.session, sue, wanted())
        reviews = (await uow.session.execute(Review.__table__.select().where(Review.sample_id == sample.id))).all()
        for row in reviews:
            key = keys(history, [row.conversation_id]).pop()
            if key in SCORES:
                resolved, correct, tone = SCORES[key]
                review = await uow.session.get(Review, row.id)
                assert review is not None
                await score(uow.session, sue, review, {"resolved": resolved, "correct": correct, "tone": tone}, None)
        await uow.commit()


def figures(reviewed: int, pending: int, resolved: float | None, correct: float | None,
            tone: float | None) -> dict[str, Any]:
    return {"reviewed": reviewed, "pending": pending, "resolved_share": resolved, "correct_share": correct,
            "tone_average": tone}


async def quality(db: HubDb, found: ReportFilter = WEEK) -> dict[str, Any]:
    async with db.uows() as uow:
        return (await run_report(uow.session, "quality", found, compare=True))["current"]


async def test_quality_report(any_db: HubDb, history: History) -> None:
    await scored_history(any_db, history)
    report = await quality(any_db)
    # resolved: c1, c3, c4 of 4; correct: c1, c2, c4; tone (5 + 3 + 4 + 2) / 4
    assert report["overall"] == figures(4, 1, 0.75, 0.75, 3.5)
    assert report["by_kind"] == [
        {"key": "bot", **figures(2, 1, 0.5, 1.0, 4.0)},  # c1, c2; c6 pending
        {"key": "human", **figures(2, 0, 1.0, 0.5, 3.0)},  # c3, c4
    ]
    ann = history.agents["Ann"]
    assert report["per_agent"] == [{"agent_id": ann.id, "display_name": "Ann", **figures(2, 0, 1.0, 0.5, 3.0)}]


async def test_quality_report_filters(any_db: HubDb, history: History) -> None:
    await scored_history(any_db, history)
    only_c3 = figures(1, 0, 1.0, 0.0, 4.0)
    for narrowed in (ReportFilter.for_days(date(2026, 11, 2), date(2026, 11, 8), NOW, team="orders"),
                     ReportFilter.for_days(date(2026, 11, 2), date(2026, 11, 8), NOW, channel="telegram")):
        report = await quality(any_db, narrowed)
        assert report["overall"] == only_c3
        assert report["by_kind"][0] == {"key": "bot", **figures(0, 0, None, None, None)}
    # t1 was resolved on Tuesday: a period of that day alone holds c3's review.
    tuesday = ReportFilter.for_days(date(2026, 11, 3), date(2026, 11, 3), NOW)
    assert (await quality(any_db, tuesday))["overall"] == only_c3
    assert (await quality(any_db, WEEK.previous()))["overall"] == figures(0, 0, None, None, None)


async def test_erasing_a_conversation_blanks_its_review_note(any_db: HubDb, history: History) -> None:
    async with any_db.uows() as uow:
        sue = await uow.session.get(Agent, history.agents["Sue"].id)
        assert sue is not None
        sample = await create_sample(uow.session, sue, wanted(kind="human"))
        review = (await uow.session.execute(select(Review).where(Review.sample_id == sample.id))).scalars().first()
        assert review is not None
        await score(uow.session, sue, review, {"resolved": True, "correct": True, "tone": 5,
                                               "note": "She said her address is Hauptstr. 5"}, None)
        await anonymise_conversations(uow.session, [review.conversation_id])
        await uow.commit()
        review_id = review.id
    erased = await any_db.get(Review, review_id)
    assert (erased.note, erased.tone) == (ERASED_NOTE, 5)
