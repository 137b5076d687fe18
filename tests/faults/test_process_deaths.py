"""kill -9 of the hub, the action server and Rasa in the middle of conversations (real processes,
10 shoppers at once, each message sent with a client_message_id until acknowledged): no
acknowledged message is lost or stored twice, every message gets an answer, each answer is
stored once, conversations go on; a form half filled before Rasa died is finished after.

The three run in this order on one set of processes (Rasa restarts once: it takes ~20 s)."""

from __future__ import annotations

import asyncio

import pytest

from handoff import wording
from hub.rasa_client import MESSAGE_ID_KEY
from tests.faults.shoppers import HubDatabase, Shopper, answered_by_bot, audit, each_says, shoppers
from tests.integration.servers import RasaServer, Server

pytestmark = pytest.mark.integration

SHOPPERS = 10
# Each question a different topic, so the bot answers them all (no loop, no handoff).
QUESTIONS = ["hi", "do you take paypal", "how long does delivery take", "is WELCOME10 still valid",
             "how do I reset my password", "do you have the trail running shoes in 44"]
RECOVERY_SECONDS = 60


def rotate(lines: list[str], by: int) -> list[str]:
    return lines[by % len(lines):] + lines[:by % len(lines)]


async def kill_when(db: HubDatabase, server: Server, condition_sql: str, talking: asyncio.Task[None]) -> None:
    """kill -9 the moment the database shows the state to crash in (the talk goes on meanwhile). Looked
    for every 10 ms: the stack answers 10 shoppers' 50 messages in well under a second, so at 0.2 s
    most of them had finished before the kill (0 of 10 mid-conversation, in 2 runs of 3)."""
    await db.until(lambda: bool(db.rows(condition_sql)) or talking.done(), 60, f"{condition_sql} before killing",
                   every=0.01)
    assert not talking.done(), "the shoppers finished before the moment to kill came"
    await asyncio.to_thread(server.kill)


async def test_the_hub_dies_mid_turn_and_every_message_is_answered_once(
    hub: Server, rasa: RasaServer, hub_db_path: object
) -> None:
    db = HubDatabase(hub_db_path)  # type: ignore[arg-type]
    crowd = await shoppers(hub.url, SHOPPERS)
    talking = asyncio.create_task(each_says(crowd, lambda n: rotate(QUESTIONS, n)))
    # Killed while a message is stored and its hub is asking the bot about it.
    await kill_when(db, hub, "select 1 from messages where author_kind = 'shopper' and handled_at is null", talking)
    assert db.waiting() >= 1
    await asyncio.to_thread(hub.restart)
    await talking
    await db.until(lambda: db.waiting() == 0, RECOVERY_SECONDS, "every waiting message answered")
    for shopper in crowd:
        said = audit(db, shopper)
        assert len(said) == len(QUESTIONS)
        assert all(answered_by_bot(db, shopper.conversation_id, m["seq"]) for m in said), "the bot answered each"
        assert db.state(shopper.conversation_id) == "bot" and db.tickets(shopper.conversation_id) == []
        # Nor did the bot hear any message twice (a hub that died after Rasa answered left the
        # answer in Rasa's tracker, and the next hub took it from there).
        tracker = await asyncio.to_thread(rasa.get, f"/conversations/{shopper.conversation_id}/tracker")
        heard = [e["metadata"].get(MESSAGE_ID_KEY) for e in tracker["events"] if e["event"] == "user"]
        assert sorted(heard) == sorted(m["id"] for m in said)
    assert "answered by another hub" not in hub.log.read_text()


async def test_the_action_server_dies_and_each_shopper_is_told_and_handed_over_once(
    hub: Server, actions: Server, hub_db_path: object
) -> None:
    db = HubDatabase(hub_db_path)  # type: ignore[arg-type]
    crowd = await shoppers(hub.url, SHOPPERS)
    await each_says(crowd, lambda n: ["hi"])
    talking = asyncio.create_task(each_says(crowd, lambda n: rotate(QUESTIONS[1:], n)))
    ids = ",".join(f"'{s.conversation_id}'" for s in crowd)
    await kill_when(db, actions, f"select 1 from messages where conversation_id in ({ids}) and author_kind = 'bot' "
                                 "and text is not null group by conversation_id having count(*) > 1", talking)
    try:
        await _handed_over_once(db, crowd, talking)
    finally:  # the next tests need it, whatever this one found
        await asyncio.to_thread(actions.restart)


async def _handed_over_once(db: HubDatabase, crowd: list[Shopper], talking: asyncio.Task[None]) -> None:
    await talking
    await db.until(lambda: db.waiting([s.conversation_id for s in crowd]) == 0, RECOVERY_SECONDS, "all handled")
    handed_over = 0
    for shopper in crowd:
        said = audit(db, shopper)
        tickets = db.tickets(shopper.conversation_id)
        assert len(tickets) <= 1, "one ticket per conversation, not one per message"
        if not tickets:
            assert all(answered_by_bot(db, shopper.conversation_id, m["seq"]) for m in said)
            continue
        handed_over += 1
        assert "bot_cannot_complete" in tickets[0]["reasons"] and not tickets[0]["bot_outage"]
        texts = [m["text"] for m in db.messages(shopper.conversation_id)]
        assert texts.count(wording.BOT_PROBLEM) == 1
        assert db.state(shopper.conversation_id) == "queued"
    assert handed_over >= SHOPPERS // 2, "most shoppers were mid-conversation when it died"


async def test_rasa_dies_and_comes_back_and_the_bot_answers_what_waited(
    hub: Server, rasa: RasaServer, hub_db_path: object
) -> None:
    db = HubDatabase(hub_db_path)  # type: ignore[arg-type]
    crowd = await shoppers(hub.url, SHOPPERS)
    form, others = crowd[0], crowd[1:]
    assert "email address or phone number" in " ".join(m["text"] or "" for m in await form.say("where is my order 10002"))
    await each_says(others, lambda n: ["hi"])
    talking = asyncio.create_task(each_says(others, lambda n: rotate(QUESTIONS[1:], n)[:3]))
    await asyncio.sleep(0.5)
    await asyncio.to_thread(rasa.kill)
    finishing = await form.say("anna.schmidt@example.com")
    assert [m["text"] for m in finishing][1] == wording.BOT_UNAVAILABLE
    await talking
    for shopper in crowd:
        assert db.state(shopper.conversation_id) in ("queued", "bot")
        assert len(db.tickets(shopper.conversation_id)) <= 1
    await asyncio.to_thread(rasa.restart)
    every = [s.conversation_id for s in crowd]
    await db.until(lambda: db.waiting(every) == 0 and not db.rows(
        "select 1 from tickets where bot_outage and status = 'queued'"), RECOVERY_SECONDS,
        "every outage ticket back with the bot, every waiting message answered")
    for shopper in crowd:
        audit(db, shopper)
        outage = [t for t in db.tickets(shopper.conversation_id) if t["bot_outage"]]
        assert len(outage) <= 1, "one ticket per conversation, not one per message"
        if not outage:
            continue
        assert (outage[0]["status"], outage[0]["agent_id"]) == ("resolved", None)
        assert wording.BOT_IS_BACK in [m["text"] for m in db.messages(shopper.conversation_id)]
        # The message that met the outage is the bot's to answer when it is back (it may hand
        # off by itself then, like at any other time: later ones then go to a person).
        [met_outage] = [m["reply_to"] for m in db.messages(shopper.conversation_id) if m["text"] == wording.BOT_UNAVAILABLE]
        assert answered_by_bot(db, shopper.conversation_id, met_outage)
    email = next(m for m in audit(db, form) if m["text"] == "anna.schmidt@example.com")
    status = " ".join(answered_by_bot(db, form.conversation_id, email["seq"]))
    assert "10002" in status and "DHL" in status, f"the form went on where it was: {status}"
    again = await form.say("do you take paypal")
    assert len(again) > 1, "the conversation goes on with the bot"

