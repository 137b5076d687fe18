"""The router against a fake Rasa (a real local HTTP server): what is stored before anything is
sent, who gets each message, duplicates, identity, ordering, and delivery to channels."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest
from sqlalchemy import select

from handoff.claim import claim
from handoff.errors import BadInput
from handoff.inbound import Inbound
from handoff.models import Agent, Message, Ticket
from hub.rasa_client import MESSAGE_ID_KEY
from hub.router import Router
from tests.fakes.rasa import FakeRasa
from tests.handoff.databases import HubDb
from tests.hub.support import RecordingChannel, telegram


async def test_the_shopper_message_is_stored_before_the_bot_sees_it(
    router: Router, db: HubDb, fake_rasa: FakeRasa, hub_settings: Any
) -> None:
    database = hub_settings.database_url.removeprefix("sqlite+aiosqlite:///")
    seen_in_database: list[bool] = []

    def check(body: dict[str, Any]) -> None:
        with sqlite3.connect(database) as connection:
            row = connection.execute(
                "select 1 from messages where conversation_id = ? and text = ?", (body["sender"], body["message"])
            ).fetchone()
        seen_in_database.append(row is not None)

    fake_rasa.on_message = check
    await router.handle(telegram("where is my parcel"))
    assert seen_in_database == [True]


async def test_bot_replies_are_stored_then_delivered_in_order(router: Router, channel: RecordingChannel) -> None:
    result = await router.handle(telegram("hello"))
    assert [(m["seq"], m["author_kind"], m["text"]) for m in result.messages] == [
        (1, "shopper", "hello"), (2, "bot", "bot heard: hello")]
    assert result.messages[1]["buttons"] == [{"title": "Track", "payload": "/track_shipment"}]
    assert [(m.seq, m.text, m.channel_user_id) for m in channel.delivered] == [(2, "bot heard: hello", "777")]
    assert channel.unstored == []


async def test_the_same_chat_is_the_same_conversation_and_identity_reaches_the_bot(router: Router, fake_rasa: FakeRasa) -> None:
    first = await router.handle(telegram("hi", identity={"customer_email": "ada@example.com"}))
    again = await router.handle(telegram("me again"))
    other = await router.handle(telegram("hi", chat="888"))
    assert first.conversation_id == again.conversation_id != other.conversation_id
    bodies = [body for path, body in fake_rasa.requests if body["sender"] == first.conversation_id]
    metadata = [{k: v for k, v in b["metadata"].items() if k != MESSAGE_ID_KEY} for b in bodies]
    assert metadata == [{"channel": "telegram", "customer_email": "ada@example.com"}] * 2


async def test_an_update_delivered_twice_is_handled_once(router: Router, fake_rasa: FakeRasa) -> None:
    first = await router.handle(telegram("hello", external_id="update-1"))
    again = await router.handle(telegram("hello", external_id="update-1"))
    assert again.duplicate and not first.duplicate
    assert again.messages == first.messages, "the retry gets the message and its answer, stored once"
    assert fake_rasa.messages_from(first.conversation_id) == ["hello"]


async def test_concurrent_messages_of_one_conversation_take_turns(router: Router, db: HubDb) -> None:
    opening = await router.handle(telegram("first"))
    texts = [f"message {n}" for n in range(8)]
    await asyncio.gather(*(router.handle(telegram(text)) for text in texts))
    async with db.uows() as uow:
        rows = (await uow.session.execute(
            Message.__table__.select().where(Message.conversation_id == opening.conversation_id).order_by(Message.seq)
        )).all()
    assert [row.seq for row in rows] == list(range(1, len(rows) + 1))
    pairs = [(rows[i].text, rows[i + 1].text) for i in range(0, len(rows), 2)]
    assert all(reply == f"bot heard: {said}" for said, reply in pairs), "each answer follows its question"


async def test_a_handoff_queues_the_conversation_and_later_messages_skip_the_bot(
    router: Router, db: HubDb, fake_rasa: FakeRasa, channel: RecordingChannel
) -> None:
    handed = await router.handle(telegram("get me a human"))
    assert handed.state == "queued"
    assert [n.data for n in channel.notices if n.kind == "state"] == [{"state": "queued", "agent_name": None}]
    assert any(n.kind == "queue" and n.data["position"] == 1 for n in channel.notices)
    assert all(m.custom is None for m in channel.delivered), "the handoff signal never reaches the shopper"

    later = await router.handle(telegram("you can email me at ada@example.com"))
    assert [m["text"] for m in later.messages] == [
        "you can email me at ada@example.com", "Thanks, we'll write to ada@example.com if we can't finish this here."]
    assert fake_rasa.messages_from(handed.conversation_id) == ["get me a human"]
    async with db.uows() as uow:
        [ticket] = (await uow.session.execute(Ticket.__table__.select())).all()
    assert ticket.contact_email == "ada@example.com"


async def test_empty_or_huge_text_is_refused_before_anything_is_stored(router: Router, db: HubDb) -> None:
    for text in ("", "  \x00 ", "x" * (db.settings.max_text + 1)):
        with pytest.raises(BadInput):
            await router.handle(telegram(text))
    async with db.uows() as uow:
        assert (await uow.session.execute(Message.__table__.select())).all() == []


async def test_waiting_shoppers_hear_their_place_move_up(router: Router, db: HubDb, channel: RecordingChannel) -> None:
    first = await router.handle(telegram("human please", chat="1"))
    second = await router.handle(telegram("human please", chat="2"))
    places = [n.data["position"] for n in channel.notices if n.kind == "queue" and n.conversation_id == second.conversation_id]
    assert places[-1] == 2
    anna = await db.agent("Anna", online=False)
    async with db.uows() as uow:
        [ticket_id] = (await uow.session.execute(
            select(Ticket.id).where(Ticket.conversation_id == first.conversation_id))).scalars().all()
        await claim(uow, ticket_id, await uow.session.get(Agent, anna.id))
        await uow.commit()
    places = [n.data["position"] for n in channel.notices if n.kind == "queue" and n.conversation_id == second.conversation_id]
    assert places[-1] == 1
    joined = [m.text for m in channel.delivered if m.conversation_id == first.conversation_id][-1]
    assert joined == "Anna joined the conversation."


async def test_a_message_the_bot_answers_takes_two_write_transactions_with_or_without_a_client_id(
        router: Router, db: HubDb) -> None:
    """Store and claim it, store the bot's turn (and see that nothing else waits, and read back what
    the shopper gets, since no ticket event follows that could add to it): on SQLite each is a BEGIN
    IMMEDIATE, a turn in the writers' queue."""
    from sqlalchemy import event

    from handoff.db import READ_ONLY

    first = await router.handle(telegram("hello"))
    begins: list[str] = []

    def count(connection: Any) -> None:
        begins.append("read" if connection.get_execution_options().get(READ_ONLY) else "write")

    event.listen(db.engine.sync_engine, "begin", count)
    try:
        result = await router.handle(Inbound(channel="telegram", text="and again", conversation_id=first.conversation_id))
        assert [m["text"] for m in result.messages] == ["and again", "bot heard: and again"]
        assert (result.state, begins) == ("bot", ["write", "write"])
        # As the widget sends it, with its own id: the retry check is in the first of the two...
        begins.clear()
        widget = Inbound(channel="webchat", text="once more", conversation_id=first.conversation_id,
                         external_id="client-7")
        result = await router.handle(widget)
        assert [m["text"] for m in result.messages] == ["once more", "bot heard: once more"]
        assert (result.duplicate, begins) == (False, ["write", "write"])
        # ...and a retry of it writes nothing, and gets the same answer, marked a duplicate.
        begins.clear()
        again = await router.handle(widget)
    finally:
        event.remove(db.engine.sync_engine, "begin", count)
    assert (again.duplicate, again.messages, begins) == (True, result.messages, ["write", "write"])
    async with db.uows.reading() as session:
        stored = (await session.execute(select(Message.text).where(
            Message.conversation_id == first.conversation_id).order_by(Message.seq))).scalars().all()
    assert stored.count("once more") == 1 and stored.count("bot heard: once more") == 1


async def test_a_reading_session_does_not_wait_for_a_writer_on_sqlite(db: HubDb) -> None:
    from handoff.conversations import get_conversation, open_conversation

    async with db.uows() as uow:
        conversation, _ = await open_conversation(uow, "webchat")
        await uow.commit()
    async with db.uows() as writer:
        # The writer holds SQLite's write lock (BEGIN IMMEDIATE) and has not committed...
        (await get_conversation(writer.session, conversation.id)).display_name = "Not yet committed"
        await writer.session.flush()
        # ...and a reader still reads at once, the last committed state.
        async with db.uows.reading() as session:
            read = await asyncio.wait_for(get_conversation(session, conversation.id), timeout=5)
            assert read.display_name != "Not yet committed"
        await writer.commit()


async def test_the_intent_the_bot_read_is_kept_with_the_message_it_answered(router: Router, fake_rasa: FakeRasa,
                                                                            db: HubDb) -> None:
    fake_rasa.intent = "ask_shipping_time"
    result = await router.handle(telegram("how long does delivery take?"))
    async with db.uows.reading() as session:
        stored = (await session.execute(select(Message).where(Message.conversation_id == result.conversation_id)
                                        .order_by(Message.seq))).scalars().all()
    assert [(m.author_kind, m.intent, m.handled_at is not None, m.bot_claimed_until) for m in stored] == [
        ("shopper", "ask_shipping_time", True, None), ("bot", None, False, None)]


async def test_what_the_handoff_s_subscribers_add_after_its_commit_is_in_the_result(router: Router, db: HubDb) -> None:
    """A turn that hands off is read back after its commit, whose subscribers may add to the
    conversation (here the assigner gives it to the agent online), not inside its transaction."""
    from handoff.assignment import Assigner

    await db.agent("Anna")
    db.bus.subscribe(Assigner(db.uows, db.settings).on_event)
    handed = await router.handle(telegram("human please"))
    assert handed.state == "assigned"
    assert "Anna joined the conversation." in [m["text"] for m in handed.messages]
