"""The whole handoff through the HTTP APIs, with a fake Rasa behind the router:
ask for a person -> queued -> claimed -> replies both ways -> resolved -> rating stored."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff.db import create_engine
from handoff.models import Ticket
from handoff.settings import HubSettings
from hub.app import create_app
from tests.fakes.rasa import FakeRasa
from tests.handoff.api_client import HubApi, Shopper
from tests.handoff.databases import HubDb, hub_db, postgres_database


async def test_explicit_request_goes_to_a_person_and_back_to_the_bot_with_a_rating(
    api: HubApi, db: HubDb, fake_rasa: FakeRasa
) -> None:
    anna = await db.agent("Anna", online=False)
    token = await api.login(anna.email)
    assert (await api.call("put", "/api/agent/me/status", token, json={"status": "away"})).body["online"] is False
    shopper = await api.shopper()

    assert (await shopper.says("hi"))[0] == "bot heard: hi"
    replies = await shopper.says("I want to talk to a human")
    assert replies[0] == "I'll bring in a person from our support team."
    assert replies[1].startswith("Connecting you to a person. Nobody from our support team is online right now")
    assert "number 1 in line" in replies[1]
    assert all(m.get("custom") is None for m in await shopper.messages()), "the handoff signal is internal"
    status = await shopper.status()
    assert status["state"] == "queued"
    assert status["queue"] == {"position": 1, "expected_wait_seconds": None, "agents_online": 0}

    queue = (await api.call("get", "/api/agent/queue", token)).body["tickets"]
    assert [(t["reasons"], t["severity"], t["position"]) for t in queue] == [(["explicit_request"], "normal", 1)]
    ticket_id = queue[0]["id"]
    detail = (await api.call("get", f"/api/agent/tickets/{ticket_id}", token)).body
    assert [m["text"] for m in detail["messages"] if m["author_kind"] == "shopper"] == ["hi", "I want to talk to a human"]
    assert any(m["internal"] and m["custom"]["type"] == "handoff" for m in detail["messages"])

    claimed = await api.call("post", f"/api/agent/tickets/{ticket_id}/claim", token)
    assert (claimed.status, claimed.body["status"], claimed.body["agent"]["display_name"]) == (200, "assigned", "Anna")
    assert (await shopper.status())["agent"] == {"display_name": "Anna"}
    reply = await api.call("post", f"/api/agent/tickets/{ticket_id}/messages", token, json={"text": "Hi Ada, Anna here."})
    assert reply.status == 201

    answer = await shopper.say("my parcel never arrived")
    assert answer.body["state"] == "assigned" and len(answer.body["messages"]) == 1
    assert "my parcel never arrived" not in fake_rasa.messages_from(shopper.id)
    agent_view = (await api.call("get", f"/api/agent/tickets/{ticket_id}/messages?after=0", token)).body["messages"]
    assert agent_view[-1]["text"] == "my parcel never arrived"

    resolved = await api.call("post", f"/api/agent/tickets/{ticket_id}/resolve", token)
    assert resolved.status == 200 and resolved.body["status"] == "resolved"
    texts = await shopper.texts()
    assert texts[-5:-2] == ["Anna joined the conversation.", "Hi Ada, Anna here.", "my parcel never arrived"]
    assert texts[-2] == "Anna marked this conversation as resolved."
    assert texts[-1].startswith("Your conversation with our team is resolved")
    assert any("trigger_intent" in path for path, _ in fake_rasa.requests)
    assert (await shopper.status())["awaiting"] == "rating"

    assert (await shopper.says('/csat{"rating": 4}'))[0].startswith("Thank you! Is there anything")
    assert (await shopper.says("quick and kind, thanks"))[0].startswith("Thanks for your feedback")
    ticket = await db.get(Ticket, ticket_id)
    assert (ticket.csat_rating, ticket.csat_comment, ticket.csat_state) == (4, "quick and kind, thanks", "done")
    assert (await shopper.status())["state"] == "closed"
    assert not {'/csat{"rating": 4}', "quick and kind, thanks"} & set(fake_rasa.messages_from(shopper.id))

    assert await shopper.says("where is my order") == ["bot heard: where is my order"]
    assert (await shopper.status())["state"] == "bot"


async def test_two_fallbacks_in_a_row_queue_a_ticket_with_that_reason(api: HubApi, db: HubDb) -> None:
    shopper = await api.shopper()
    assert await shopper.says("asdf qwer") == ["Sorry, I didn't quite get that."]
    replies = await shopper.says("asdf zxcv")
    assert replies[0].startswith("Connecting you to a person")
    async with db.uows() as uow:
        [ticket] = (await uow.session.execute(Ticket.__table__.select())).all()
    assert ticket.reasons == ["repeated_fallback"]
    assert ticket.trigger_text == "asdf zxcv"


async def test_a_typed_digit_rates_and_no_thanks_skips_the_comment(api: HubApi, db: HubDb) -> None:
    ticket_id, shopper = await _resolved_conversation(api, db)
    await shopper.says("5")
    await shopper.says("/csat_no_comment")
    ticket = await db.get(Ticket, ticket_id)
    assert (ticket.csat_rating, ticket.csat_comment, ticket.csat_state) == (5, None, "done")


async def test_writing_something_else_instead_of_a_rating_goes_back_to_the_bot(
    api: HubApi, db: HubDb, fake_rasa: FakeRasa
) -> None:
    ticket_id, shopper = await _resolved_conversation(api, db)
    assert await shopper.says("actually, where is order 10042") == ["bot heard: actually, where is order 10042"]
    ticket = await db.get(Ticket, ticket_id)
    assert (ticket.csat_rating, ticket.csat_state) == (None, "skipped")
    assert (await shopper.status())["state"] == "bot"


async def _nps_asked(api: HubApi, db: HubDb) -> None:
    admin = await api.login((await db.agent("Ada Admin", role="admin", online=False)).email)
    turned_on = await api.call("put", "/api/admin/feedback", admin, json={"nps": {"enabled": True}})
    assert turned_on.body == {"nps": {"enabled": True}}


async def test_with_the_nps_question_on_the_score_follows_the_rating_and_comes_before_the_comment(
    api: HubApi, db: HubDb, fake_rasa: FakeRasa
) -> None:
    await _nps_asked(api, db)
    ticket_id, shopper = await _resolved_conversation(api, db)
    await shopper.says('/csat{"rating": 4}')
    question = (await shopper.messages())[-1]
    assert question["text"].startswith("Thank you! How likely are you to recommend us to a friend")
    assert [b["payload"] for b in question["buttons"]] == [f'/nps{{"score": {n}}}' for n in range(11)]
    assert (await shopper.status())["awaiting"] == "nps"
    assert (await shopper.says("8/10"))[0].startswith("Thank you! Is there anything")
    await shopper.says("no thanks")
    ticket = await db.get(Ticket, ticket_id)
    assert (ticket.csat_rating, ticket.nps_score, ticket.csat_comment, ticket.csat_state) == (4, 8, None, "done")
    assert not {"8/10"} & set(fake_rasa.messages_from(shopper.id)), "the hub takes the score itself"


async def test_anything_else_instead_of_the_score_skips_it_like_a_rating_skip(api: HubApi, db: HubDb) -> None:
    await _nps_asked(api, db)
    ticket_id, shopper = await _resolved_conversation(api, db)
    await shopper.says("3")
    assert await shopper.says("where is order 10042") == ["bot heard: where is order 10042"]
    ticket = await db.get(Ticket, ticket_id)
    assert (ticket.csat_rating, ticket.nps_score, ticket.csat_state) == (3, None, "skipped")
    assert (await shopper.status())["state"] == "bot"


async def test_the_hub_asks_for_the_rating_itself_when_the_bot_cannot(api: HubApi, db: HubDb, fake_rasa: FakeRasa) -> None:
    fake_rasa.csat_trigger_works = False
    _ticket_id, shopper = await _resolved_conversation(api, db)
    last = (await shopper.messages())[-1]
    assert last["text"].startswith("Your conversation with our team is resolved")
    assert [b["payload"] for b in last["buttons"]] == [f'/csat{{"rating": {n}}}' for n in range(1, 6)]


async def test_when_the_bot_fails_the_shopper_is_told_and_a_person_takes_over(
    api: HubApi, db: HubDb, fake_rasa: FakeRasa
) -> None:
    fake_rasa.failing = True
    shopper = await api.shopper()
    replies = await shopper.says("hello?")
    assert replies[0].startswith("Sorry, something went wrong on my side")
    assert replies[1].startswith("Connecting you to a person")
    async with db.uows() as uow:
        [ticket] = (await uow.session.execute(Ticket.__table__.select())).all()
    assert ticket.reasons == ["bot_cannot_complete"]


async def test_an_online_agent_gets_the_ticket_at_once_and_the_shopper_hears_the_wait(api: HubApi, db: HubDb) -> None:
    await db.agent("Anna", online=True)
    shopper = await api.shopper()
    replies = await shopper.says("human please")
    assert "number 1 in line; the expected wait is about 5 minutes" in replies[1]
    texts = await shopper.texts()
    assert texts[-1] == "Anna joined the conversation."
    assert (await shopper.status())["state"] == "assigned"


async def _resolved_conversation(api: HubApi, db: HubDb) -> tuple[int, Shopper]:
    anna = await db.agent("Anna", online=False)
    shopper = await api.shopper()
    await shopper.says("human please")
    token = await api.login(anna.email)  # logging in means online: the waiting ticket is hers
    [ticket] = (await api.call("get", "/api/agent/tickets?mine=true&status=assigned", token)).body["tickets"]
    ticket_id = ticket["id"]
    assert (await api.call("post", f"/api/agent/tickets/{ticket_id}/resolve", token)).status == 200
    return ticket_id, shopper


@pytest.mark.postgres
async def test_the_same_handoff_on_postgresql(hub_settings: HubSettings) -> None:
    async with postgres_database() as url:
        settings = dataclasses.replace(hub_settings, database_url=url)
        app = create_app(settings, sweep=False)
        app.config.TOUCHUP = False
        api = HubApi(app)
        async with app_engine(url) as engine:
            db = await hub_db(engine, settings)
            anna = await db.agent("Anna", online=False)
        shopper = await api.shopper()
        await shopper.says("human please")
        token = await api.login(anna.email)  # online now: the waiting ticket becomes hers
        [ticket] = (await api.call("get", "/api/agent/tickets?mine=true", token)).body["tickets"]
        assert (await api.call("post", f"/api/agent/tickets/{ticket['id']}/messages", token,
                               json={"text": "Anna here"})).status == 201
        assert (await shopper.say("thanks")).body["state"] == "assigned"
        assert (await api.call("post", f"/api/agent/tickets/{ticket['id']}/resolve", token)).status == 200
        await shopper.says("5")
        await shopper.says("no")
        stored = (await api.call("get", f"/api/agent/tickets/{ticket['id']}", token)).body
        assert (stored["csat"]["rating"], stored["csat"]["state"]) == (5, "done")
        assert [m["seq"] for m in stored["messages"]] == list(range(1, len(stored["messages"]) + 1))


@asynccontextmanager
async def app_engine(url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(url)
    try:
        yield engine
    finally:
        await engine.dispose()
