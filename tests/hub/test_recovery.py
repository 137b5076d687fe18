"""A hub that dies between storing a shopper's message and storing the bot's answer leaves the
message waiting; the next hub answers it exactly once: on the shopper's retry, before their next
message, or in the recovery sweep, never while a live hub still holds it, and never twice when
two hubs look at once (on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from handoff.clock import utcnow
from handoff.inbound import Inbound
from handoff.models import Message
from hub.rasa_client import BotTurn, RasaClient
from hub.recovery import Recovery
from hub.router import Router
from tests.fakes.rasa import FakeRasa
from tests.handoff.databases import HubDb
from tests.hub.support import telegram


class CrashingRasa(RasaClient):
    """The hub's process dies while Rasa is answering (before Rasa got the message, or after it
    answered): nothing after the call happens."""

    def __init__(self, fake: FakeRasa, after_rasa_answered: bool) -> None:
        super().__init__(fake.url, fake.secret, timeout=5)
        self.after_rasa_answered = after_rasa_answered

    async def send(self, *args: Any, **kwargs: Any) -> BotTurn:
        if self.after_rasa_answered:
            self.open()
            await super().send(*args, **kwargs)
            await self.close()
        raise SystemExit("kill -9")


async def crash_after_storing(db: HubDb, fake_rasa: FakeRasa, inbound: Inbound, after_rasa_answered: bool = False) -> str:
    """What a hub killed mid-turn leaves behind: the message, stored and held by the dead hub."""
    dying = CrashingRasa(fake_rasa, after_rasa_answered)
    with contextlib.suppress(SystemExit):
        await Router(db.uows, db.desk, dying).handle(inbound)
    async with db.uows() as uow:
        [message] = (await uow.session.execute(select(Message).where(Message.external_id == inbound.external_id))).scalars()
        assert message.handled_at is None and message.bot_claimed_until is not None
        return message.conversation_id


async def lapse_claims(db: HubDb, external_id: str | None = None) -> None:
    """The dead hub's hold runs out (every hold, or the one on that message)."""
    query = update(Message).where(Message.bot_claimed_until.is_not(None))
    if external_id is not None:
        query = query.where(Message.external_id == external_id)
    async with db.uows() as uow:
        await uow.session.execute(query.values(bot_claimed_until=utcnow() - timedelta(seconds=1)))
        await uow.commit()


async def transcript(db: HubDb, conversation_id: str) -> list[tuple[str, str | None]]:
    async with db.uows() as uow:
        query = select(Message).where(Message.conversation_id == conversation_id, Message.internal.is_(False))
        return [(m.author_kind, m.text) for m in (await uow.session.execute(query.order_by(Message.seq))).scalars()]


async def test_the_retry_of_a_message_stored_before_a_crash_gets_its_answer_once(
    router: Router, db: HubDb, fake_rasa: FakeRasa
) -> None:
    conversation_id = await crash_after_storing(db, fake_rasa, telegram("where is my parcel", external_id="u-1"))
    await lapse_claims(db)
    retry = await router.handle(telegram("where is my parcel", external_id="u-1"))
    assert retry.duplicate
    assert [m["text"] for m in retry.messages] == ["where is my parcel", "bot heard: where is my parcel"]
    again = await router.handle(telegram("where is my parcel", external_id="u-1"))
    assert again.messages == retry.messages
    assert fake_rasa.messages_from(conversation_id) == ["where is my parcel"]
    assert await transcript(db, conversation_id) == [("shopper", "where is my parcel"), ("bot", "bot heard: where is my parcel")]


async def test_a_message_rasa_answered_before_the_hub_died_is_not_asked_again(
    router: Router, db: HubDb, fake_rasa: FakeRasa
) -> None:
    """Asking again would be a second message to the bot (a repeated question to it, a second return)."""
    conversation_id = await crash_after_storing(db, fake_rasa, telegram("hello", external_id="u-1"), after_rasa_answered=True)
    await lapse_claims(db)
    retry = await router.handle(telegram("hello", external_id="u-1"))
    assert [m["text"] for m in retry.messages] == ["hello", "bot heard: hello"]
    assert retry.messages[1]["buttons"] == [{"title": "Track", "payload": "/track_shipment"}]
    assert fake_rasa.messages_from(conversation_id) == ["hello"], "taken from the tracker, not asked twice"
    assert await transcript(db, conversation_id) == [("shopper", "hello"), ("bot", "bot heard: hello")]


async def test_a_live_hub_s_hold_is_respected_and_a_dead_one_s_lapses(
    router: Router, db: HubDb, fake_rasa: FakeRasa, rasa: RasaClient
) -> None:
    conversation_id = await crash_after_storing(db, fake_rasa, telegram("hello", external_id="u-1"))
    recovery = Recovery(db.uows, router, rasa, db.settings)
    await recovery.once()
    assert fake_rasa.messages_from(conversation_id) == [], "held: maybe its hub is still waiting for Rasa"
    await lapse_claims(db)
    await recovery.once()
    await recovery.once()
    assert fake_rasa.messages_from(conversation_id) == ["hello"]
    assert await transcript(db, conversation_id) == [("shopper", "hello"), ("bot", "bot heard: hello")]


async def test_the_next_message_waits_for_the_one_before_it(
    router: Router, db: HubDb, fake_rasa: FakeRasa, rasa: RasaClient
) -> None:
    conversation_id = await crash_after_storing(db, fake_rasa, telegram("my order is 10002", external_id="u-1"))
    later = await router.handle(telegram("and my email is ada@example.com", external_id="u-2"))
    assert [m["text"] for m in later.messages] == ["and my email is ada@example.com"], "not before the first is answered"
    assert fake_rasa.messages_from(conversation_id) == []
    await lapse_claims(db, "u-1")
    await Recovery(db.uows, router, rasa, db.settings).once()
    assert fake_rasa.messages_from(conversation_id) == ["my order is 10002", "and my email is ada@example.com"]
    retry = await router.handle(telegram("and my email is ada@example.com", external_id="u-2"))
    assert retry.duplicate and retry.messages[-1]["text"] == "bot heard: and my email is ada@example.com"
    assert fake_rasa.messages_from(conversation_id) == ["my order is 10002", "and my email is ada@example.com"]


async def test_two_hubs_recovering_at_once_ask_the_bot_once(any_db: HubDb, fake_rasa: FakeRasa) -> None:
    conversations = [await crash_after_storing(any_db, fake_rasa, telegram("hello", chat=str(n), external_id=f"u-{n}"))
                     for n in range(6)]
    await lapse_claims(any_db)
    hubs = []
    for _ in range(2):
        client = RasaClient(fake_rasa.url, fake_rasa.secret, timeout=5)
        client.open()
        hubs.append((client, Recovery(any_db.uows, Router(any_db.uows, any_db.desk, client), client, any_db.settings)))
    try:
        await asyncio.gather(*(recovery.once() for _, recovery in hubs))
    finally:
        for client, _ in hubs:
            await client.close()
    for conversation_id in conversations:
        assert fake_rasa.messages_from(conversation_id) == ["hello"]
        assert await transcript(any_db, conversation_id) == [("shopper", "hello"), ("bot", "bot heard: hello")]
