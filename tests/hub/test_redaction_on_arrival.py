"""Card, bank and ID numbers are replaced before the hub stores a message, so neither its
database, nor the bot, nor an agent ever sees them; the shopper is told once per conversation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from handoff import wording
from handoff.claim import claim
from handoff.inbound import Inbound
from handoff.models import Message, Note, Ticket
from handoff.ticket_actions import add_note, reply, resolve
from hub.rasa_client import RasaClient
from hub.router import Router
from tests.fakes.rasa import FakeRasa
from tests.handoff.databases import HubDb

CARD, IBAN, SSN = "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00", "123-45-6789"


@pytest.fixture
async def router(db: HubDb, fake_rasa: FakeRasa) -> AsyncIterator[Router]:
    rasa = RasaClient(fake_rasa.url, fake_rasa.secret, timeout=5)
    rasa.open()
    router = Router(db.uows, db.desk, rasa)
    db.bus.subscribe(router.on_event)
    yield router
    await rasa.close()


def telegram(text: str, chat: str = "4242") -> Inbound:
    return Inbound(channel="telegram", text=text, channel_user_id=chat, display_name="Ada")


async def stored_texts(db: HubDb, conversation_id: str) -> list[tuple[str, str | None]]:
    async with db.uows() as uow:
        query = select(Message.author_kind, Message.text).where(Message.conversation_id == conversation_id).order_by(Message.seq)
        return [(kind, text) for kind, text in (await uow.session.execute(query)).tuples()]


async def test_a_card_number_is_replaced_before_it_is_stored_or_sent_to_the_bot(router: Router, db: HubDb,
                                                                              fake_rasa: FakeRasa) -> None:
    result = await router.handle(telegram(f"my card {CARD} was charged twice"))
    redacted = "my card [card ending 1111] was charged twice"
    assert await stored_texts(db, result.conversation_id) == [
        ("shopper", redacted), ("system", wording.NUMBERS_REMOVED), ("bot", f"bot heard: {redacted}")]
    assert fake_rasa.messages_from(result.conversation_id) == [redacted]
    assert [m["text"] for m in result.messages][:2] == [redacted, wording.NUMBERS_REMOVED]


async def test_the_shopper_is_told_once_per_conversation(router: Router, db: HubDb, fake_rasa: FakeRasa) -> None:
    first = await router.handle(telegram(f"refund to {IBAN} please"))
    await router.handle(telegram("and order 10002, phone +49 151 23456789"))
    await router.handle(telegram(f"my SSN is {SSN}"))
    texts = await stored_texts(db, first.conversation_id)
    assert [text for kind, text in texts if kind == "system"] == [wording.NUMBERS_REMOVED]
    assert ("shopper", "refund to [IBAN DE…3000] please") in texts
    assert ("shopper", "and order 10002, phone +49 151 23456789") in texts
    assert ("shopper", "my SSN is [ID number removed]") in texts
    other = await router.handle(telegram(f"card {CARD}", chat="5151"))
    assert ("system", wording.NUMBERS_REMOVED) in await stored_texts(db, other.conversation_id)
    assert all(number not in str(fake_rasa.requests) for number in (CARD, IBAN, SSN, "DE89370400440532013000"))


async def test_with_an_agent_the_message_reaches_the_console_replaced_and_so_do_replies_notes_and_comments(
    router: Router, db: HubDb
) -> None:
    opened = await router.handle(telegram("I want a human"))
    agent = await db.agent("Ann")
    async with db.uows() as uow:
        ticket = (await uow.session.execute(select(Ticket).where(Ticket.conversation_id == opened.conversation_id))).scalar_one()
        await claim(uow, ticket.id, agent)
        await uow.commit()
    await router.handle(telegram(f"it is {CARD}"))
    async with db.uows() as uow:
        await reply(uow, ticket.id, agent, f"please never send {CARD}; refund goes to {IBAN}?")
        await add_note(uow, ticket.id, agent, f"shopper said SSN {SSN}")
        await resolve(uow, ticket.id, agent)
        await uow.commit()
    await router.handle(telegram("5"))
    await router.handle(telegram(f"fine, but why did you need {CARD}"))
    texts = await stored_texts(db, opened.conversation_id)
    assert ("shopper", "it is [card ending 1111]") in texts
    assert ("agent", "please never send [card ending 1111]; refund goes to [IBAN DE…3000]?") in texts
    async with db.uows() as uow:
        note = (await uow.session.execute(select(Note.text).where(Note.ticket_id == ticket.id))).scalar_one()
        comment = (await uow.session.execute(select(Ticket.csat_comment).where(Ticket.id == ticket.id))).scalar_one()
    assert note == "shopper said SSN [ID number removed]"
    assert comment == "fine, but why did you need [card ending 1111]"
    assert not any(CARD in (text or "") for _kind, text in texts)
