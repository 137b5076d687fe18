"""Spikes in the topics report: a product or carrier whose share of the period's conversations at
least doubled against the period before, named in 10 conversations or more (docs/METRICS.md), the
same computed from messages or read from summaries, on SQLite and PostgreSQL; and the demo
history's spike."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from handoff.demo_history import write_demo_history
from handoff.models import Conversation, Message
from handoff.report_subjects import named_in
from handoff.report_summaries import ReportSummaries
from handoff.reports import ReportFilter, run_report
from tests.handoff.databases import HubDb

DAY = datetime(2026, 11, 10, tzinfo=UTC)
TODAY = ReportFilter.for_days(DAY.date(), DAY.date(), DAY + timedelta(days=1))


def test_products_and_carriers_are_named_as_whole_words() -> None:
    assert named_in("My gls parcel with the Wireless Earbuds (EL-710)") == {
        ("carrier", "GLS"), ("product", "Wireless Earbuds")}
    assert named_in("upset about the groups") == set()
    assert named_in(None) == set()


async def write(db: HubDb, day: datetime, texts: list[str]) -> None:
    """One conversation per text, opened that day, the shopper writing the text."""
    async with db.uows() as uow:
        for n, text in enumerate(texts):
            opened = day + timedelta(minutes=n)
            conversation = Conversation(id=uuid.uuid4().hex, token_hash="0" * 64, channel="web", state="bot",
                                        last_seq=1, created_at=opened, updated_at=opened)
            uow.session.add(conversation)
            await uow.session.flush()
            uow.session.add(Message(conversation_id=conversation.id, seq=1, direction="in", author_kind="shopper",
                                    text=text, intent="order_status", created_at=opened, handled_at=opened))
        await uow.commit()


def by_key(spikes: list[dict[str, Any]]) -> dict[str, tuple[int, float | None, int, float | None, bool]]:
    return {row["key"]: (row["conversations"], row["share"], row["previous"], row["previous_share"], row["spike"])
            for row in spikes}


async def test_a_carrier_whose_share_doubled_is_a_spike(any_db: HubDb) -> None:
    # The day before: 20 conversations, GLS in 2, DHL in 10. The day: 40, GLS in 10, DHL in 20,
    # the earbuds in 9 (none before, but fewer than 10).
    await write(any_db, DAY - timedelta(days=1), ["GLS late"] * 2 + ["DHL link?"] * 10 + ["hello"] * 8)
    await write(any_db, DAY, ["my GLS parcel"] * 10 + ["DHL link?"] * 20 + ["Wireless Earbuds broken"] * 9 + ["hi"])
    async with any_db.uows() as uow:
        computed = await run_report(uow.session, "topics", TODAY, compare=False)
    assert by_key(computed["current"]["spikes"]) == {
        "GLS": (10, 0.25, 2, 0.1, True),  # 25% of conversations against 10%: more than doubled
        "DHL": (20, 0.5, 10, 0.5, False),
        "Wireless Earbuds": (9, 0.225, 0, 0.0, False),  # fewer than 10
    }
    assert [row["kind"] for row in computed["current"]["spikes"]] == ["carrier", "carrier", "product"]
    await ReportSummaries(any_db.uows).summarize()
    async with any_db.uows() as uow:
        assert await run_report(uow.session, "topics", TODAY, compare=False) == computed


async def test_the_demo_history_shows_a_carrier_and_a_product_spike(any_db: HubDb) -> None:
    # A fixed time: the generator's volume follows the hour of the day, so at 00:25 UTC (a week
    # ending 25 minutes into its last day) GLS fell short of doubling its share.
    now = datetime(2026, 11, 9, 12, 0, tzinfo=UTC)
    async with any_db.uows() as uow:
        await write_demo_history(uow.session, now, days=14, per_day=60)
    week = ReportFilter.for_days((now - timedelta(days=6)).date(), now.date(), now)
    async with any_db.uows() as uow:
        spikes = (await run_report(uow.session, "topics", week, compare=False))["current"]["spikes"]
    flagged = {row["key"] for row in spikes if row["spike"]}
    assert flagged == {"GLS", "Wireless Earbuds"}, spikes
