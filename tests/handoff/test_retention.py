"""The retention job erases conversations nobody wrote in for the retention period, which is what
the bot's privacy help article promises; a conversation a person still holds waits."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from handoff.conversations import append_message
from handoff.models import AuditEntry, Conversation, Message
from handoff.rasa_trackers import TrackerStore
from handoff.retention import Retention, months_before
from handoff.settings import RETENTION_MONTHS, HubSettings
from handoff.signals import HandoffSignal
from handoff.states import State
from tests.handoff.databases import HubDb
from tests.handoff.test_erasure import record_in_tracker

ARTICLE = Path(__file__).resolve().parents[2] / "knowledge_base" / "articles" / "privacy-data.md"


def test_the_privacy_article_and_the_setting_agree() -> None:
    promised = re.findall(r"Chat transcripts\*\* are kept for (\d+) months", ARTICLE.read_text())
    assert promised == [str(RETENTION_MONTHS)]
    assert HubSettings(database_url="sqlite+aiosqlite:///x.db").retention_months == RETENTION_MONTHS
    assert HubSettings.from_env({}).retention_months == RETENTION_MONTHS
    assert HubSettings.from_env({"SHOPDESK_RETENTION_MONTHS": "0"}).retention_months == 0


def test_months_before_counts_calendar_months() -> None:
    assert months_before(datetime(2026, 12, 1, 9, tzinfo=UTC), 12) == datetime(2025, 12, 1, 9, tzinfo=UTC)
    assert months_before(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 13) == datetime(2024, 12, 15, tzinfo=UTC)


async def aged(db: HubDb, text: str, days: int, email: str | None = None) -> str:
    conversation = await db.conversation(email=email)
    async with db.uows() as uow:
        found = await uow.session.get(Conversation, conversation.id)
        assert found is not None
        await append_message(uow, found, direction="in", author_kind="shopper", text=text, author_name="Ada")
        await uow.session.execute(update(Conversation).where(Conversation.id == conversation.id)
                                  .values(updated_at=datetime.now(UTC) - timedelta(days=days)))
        await uow.commit()
    return conversation.id


async def test_old_conversations_are_erased_and_recent_or_held_ones_kept(db: HubDb, tmp_path: Path) -> None:
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    old = await aged(db, "my old address is Hauptstr. 5, 10115 Berlin", days=400, email="old@example.com")
    recent = await aged(db, "recent question", days=300)
    held_ticket = await db.queued_ticket(HandoffSignal(("explicit_request",), message="a person"))
    async with db.uows() as uow:
        await uow.session.execute(update(Conversation).where(Conversation.id == held_ticket.conversation_id)
                                  .values(updated_at=datetime.now(UTC) - timedelta(days=500)))
        await uow.commit()
    for sender in (old, recent):
        await record_in_tracker(tracker_url, sender, ["what I said"], None)
    trackers = TrackerStore(tracker_url)

    assert await Retention(db.uows, trackers, 12).run() == 1
    async with db.uows() as uow:
        conversations = {c.id: c for c in (await uow.session.execute(select(Conversation))).scalars()}
        texts = {cid: list((await uow.session.execute(select(Message.text).where(Message.conversation_id == cid))).scalars())
                 for cid in conversations}
        audit_rows = list((await uow.session.execute(select(AuditEntry).where(AuditEntry.action == "retention"))).scalars())
    assert conversations[old].erased_at is not None and conversations[old].customer_email is None
    assert texts[old] == [None] and texts[recent] == ["recent question"]
    assert conversations[held_ticket.conversation_id].state == State.QUEUED
    assert conversations[held_ticket.conversation_id].erased_at is None
    assert (await trackers.count([old]), await trackers.count([recent])) == (0, 2)
    assert [(row.agent_id, row.details["conversations"], row.details["months"]) for row in audit_rows] == [(None, 1, 12)]

    assert await Retention(db.uows, trackers, 12).run() == 0  # nothing left to do, no new audit row
    assert await Retention(db.uows, trackers, 0).run() == 0  # 0 keeps everything


async def test_the_hub_runs_it_daily_with_the_configured_period(db: HubDb, hub_app: object) -> None:
    old = await aged(db, "ancient", days=800)
    maintenance = hub_app.ctx.maintenance  # type: ignore[attr-defined]
    await maintenance.run_daily()
    async with db.uows() as uow:
        conversation = await uow.session.get(Conversation, old)
    assert conversation is not None and conversation.erased_at is not None
