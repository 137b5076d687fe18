"""When the bot cannot answer, the shopper still always gets an answer: an action that failed or
a silent turn hands the conversation to a person once; Rasa down makes one ticket per
conversation, and when Rasa is back, what no agent took goes back to the bot with every waiting
message answered in order."""

from __future__ import annotations

from sqlalchemy import select

from handoff import wording
from handoff.claim import claim
from handoff.models import Agent, Message, Ticket, Transition
from hub.rasa_client import RasaClient
from hub.recovery import Recovery
from hub.router import Router
from tests.fakes.rasa import FakeRasa
from tests.handoff.databases import HubDb
from tests.hub.support import RecordingChannel, telegram


async def tickets_of(db: HubDb, conversation_id: str) -> list[Ticket]:
    async with db.uows() as uow:
        query = select(Ticket).where(Ticket.conversation_id == conversation_id).order_by(Ticket.id)
        return list((await uow.session.execute(query)).scalars())


async def shopper_messages(db: HubDb, conversation_id: str) -> list[Message]:
    async with db.uows() as uow:
        query = select(Message).where(Message.conversation_id == conversation_id, Message.author_kind == "shopper")
        return list((await uow.session.execute(query.order_by(Message.seq))).scalars())


async def test_a_failed_action_hands_off_once_and_keeps_what_the_bot_said(
    router: Router, db: HubDb, fake_rasa: FakeRasa, channel: RecordingChannel
) -> None:
    fake_rasa.turn_errors = 1
    first = await router.handle(telegram("cancel order 10001"))
    texts = [m["text"] for m in first.messages]
    assert texts[:3] == ["cancel order 10001", "bot heard: cancel order 10001", wording.BOT_PROBLEM]
    assert texts[3].startswith("Connecting you to a person")
    assert first.state == "queued"
    for text in ("hello?", "is anyone there", "please"):
        later = await router.handle(telegram(text))
        assert [m["text"] for m in later.messages] == [text]
    [ticket] = await tickets_of(db, first.conversation_id)
    assert ticket.reasons == ["bot_cannot_complete"] and not ticket.bot_outage
    assert fake_rasa.messages_from(first.conversation_id) == ["cancel order 10001"]
    assert all(m.handled_at is not None for m in await shopper_messages(db, first.conversation_id))
    assert channel.unstored == []


async def test_a_silent_turn_is_a_failure_too(router: Router, db: HubDb, fake_rasa: FakeRasa) -> None:
    fake_rasa.silent = True
    result = await router.handle(telegram("where is my order 10002"))
    assert [m["text"] for m in result.messages][1] == wording.BOT_PROBLEM
    [ticket] = await tickets_of(db, result.conversation_id)
    assert ticket.reasons == ["bot_cannot_complete"]


async def test_a_handoff_in_a_failed_turn_keeps_its_reasons(router: Router, db: HubDb, fake_rasa: FakeRasa) -> None:
    fake_rasa.turn_errors = 2
    result = await router.handle(telegram("a human please"))
    [ticket] = await tickets_of(db, result.conversation_id)
    assert ticket.reasons == ["explicit_request", "bot_cannot_complete"]


async def test_rasa_down_makes_one_ticket_and_the_bot_answers_everything_when_back(
    router: Router, db: HubDb, fake_rasa: FakeRasa, rasa: RasaClient, channel: RecordingChannel
) -> None:
    recovery = Recovery(db.uows, router, rasa, db.settings)
    fake_rasa.down = True
    first = await router.handle(telegram("where is my parcel"))
    texts = [m["text"] for m in first.messages]
    assert texts[1] == wording.BOT_UNAVAILABLE and texts[2].startswith("Connecting you to a person")
    for text in ("hello?", "it was order 10002"):
        assert [m["text"] for m in (await router.handle(telegram(text))).messages] == [text]
    [ticket] = await tickets_of(db, first.conversation_id)
    assert ticket.bot_outage and ticket.reasons == ["bot_cannot_complete"]
    assert [m.handled_at for m in await shopper_messages(db, first.conversation_id)] == [None] * 3

    assert await recovery.hand_back_to_bot() == 0, "still down: nothing moves"
    fake_rasa.down = False
    assert await recovery.hand_back_to_bot() == 1
    assert fake_rasa.messages_from(first.conversation_id) == ["where is my parcel", "hello?", "it was order 10002"]
    delivered = [m.text for m in channel.delivered if m.conversation_id == first.conversation_id]
    assert delivered[-4:] == [wording.BOT_IS_BACK, "bot heard: where is my parcel", "bot heard: hello?",
                              "bot heard: it was order 10002"]
    [ticket] = await tickets_of(db, first.conversation_id)
    assert (ticket.status, ticket.csat_state, ticket.agent_id) == ("resolved", "none", None)
    assert all(m.handled_at is not None for m in await shopper_messages(db, first.conversation_id))
    async with db.uows() as uow:
        reasons = (await uow.session.execute(select(Transition.reason).order_by(Transition.id))).scalars().all()
    assert reasons[-1] == "the assistant is back"
    again = await router.handle(telegram("thanks"))
    assert (again.state, [m["text"] for m in again.messages]) == ("bot", ["thanks", "bot heard: thanks"])
    assert await recovery.hand_back_to_bot() == 0


async def test_a_conversation_an_agent_took_during_the_outage_stays_with_the_agent(
    router: Router, db: HubDb, fake_rasa: FakeRasa, rasa: RasaClient
) -> None:
    fake_rasa.down = True
    first = await router.handle(telegram("where is my parcel"))
    await router.handle(telegram("hello?"))
    anna = await db.agent("Anna", online=False)
    [ticket] = await tickets_of(db, first.conversation_id)
    async with db.uows() as uow:
        await claim(uow, ticket.id, await uow.session.get(Agent, anna.id))
        await uow.commit()
    fake_rasa.down = False
    recovery = Recovery(db.uows, router, rasa, db.settings)
    await recovery.once()
    assert fake_rasa.messages_from(first.conversation_id) == []
    [ticket] = await tickets_of(db, first.conversation_id)
    assert ticket.status == "assigned"
    assert all(m.handled_at is not None for m in await shopper_messages(db, first.conversation_id)), "the agent has them"


async def test_many_shoppers_in_an_outage_make_one_ticket_each(router: Router, db: HubDb, fake_rasa: FakeRasa) -> None:
    fake_rasa.down = True
    for chat in ("1", "2", "3"):
        for text in ("hi", "hello?", "anyone?"):
            await router.handle(telegram(text, chat=chat))
    async with db.uows() as uow:
        tickets = (await uow.session.execute(select(Ticket))).scalars().all()
    assert len(tickets) == 3 and len({t.conversation_id for t in tickets}) == 3
