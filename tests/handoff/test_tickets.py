"""What a ticket carries, and what agents do with it: transfer, snooze, notes, canned replies."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

from handoff.clock import aware
from handoff.conversations import append_message
from handoff.delivery import MESSAGE_CREATED
from handoff.models import Conversation, Message, Ticket
from handoff.settings import HubSettings
from handoff.severity import severity_for, urgent_cues
from handoff.signals import HandoffSignal, parse_signal
from knowledge_base.shop.sql_source import SqlOrderSource
from tests.handoff.api_client import HubApi
from tests.handoff.databases import HubDb, hub_db, sqlite_engine
from tests.handoff.shop_fixtures import demo_shop

__all__ = ["demo_shop"]  # fixtures


def test_the_signal_is_read_defensively() -> None:
    signal = parse_signal({
        "type": "handoff", "reasons": ["anger", 7, "", "anger", "brand_new_reason"], "severity": "catastrophic",
        "message": 12, "anger": {"score": "high"}, "summary": {"intents": "order_status", "order_id": 10042},
    })
    assert signal.reasons == ("anger", "brand_new_reason")
    assert (signal.message, signal.anger) == (None, None), "a severity from the bot is ignored: the hub judges it"
    assert signal.summary == {"intents": [], "order_id": None, "verified_order_id": None, "tried": []}
    assert parse_signal({"type": "handoff"}).reasons == ("bot_cannot_complete",)


async def test_a_ticket_carries_reasons_severity_sla_team_and_the_customer(tmp_path: Path, demo_shop: SqlOrderSource) -> None:
    settings = HubSettings(database_url="unused", sla_first_response={"urgent": 2, "serious": 10, "normal": 30},
                           sla_resolution={"urgent": 60, "serious": 120, "normal": 600})
    async with sqlite_engine(tmp_path) as engine:
        db = await hub_db(engine, settings, demo_shop)
        signal = HandoffSignal(
            reasons=("explicit_request", "anger"), message="I'll file a chargeback if you don't fix this",
            anger={"score": 0.91, "cues": ["caps"]},
            summary={"intents": ["order_status", "payment_issue"], "order_id": "10042", "tried": ["action_check_order_status"]},
        )
        ticket = await db.queued_ticket(signal, email="ben.carter@example.com")

    assert ticket.reasons == ["explicit_request", "anger"]
    assert (ticket.severity, ticket.severity_cues) == ("urgent", ["chargeback"])
    assert (ticket.customer_name, ticket.customer_email, ticket.tier) == ("Ben Carter", "ben.carter@example.com", "vip")
    assert ticket.priority == 1
    assert ticket.team == "payments"
    assert aware(ticket.first_response_due) - aware(ticket.created_at) == timedelta(minutes=2)
    assert aware(ticket.resolution_due) - aware(ticket.created_at) == timedelta(minutes=60)
    assert ticket.anger == {"score": 0.91, "cues": ["caps"]}
    assert ticket.summary["tried"] == ["action_check_order_status"]
    assert ticket.trigger_text == "I'll file a chargeback if you don't fix this"


async def test_the_customer_panel_shows_orders_and_leaves_an_audit_row(
    hub_settings: HubSettings, db: HubDb, demo_shop: SqlOrderSource
) -> None:
    from hub.app import create_app

    api = HubApi(create_app(hub_settings, shop=demo_shop, sweep=False))
    boss = await db.agent("Boss", role="supervisor", online=False)
    token = await api.login(boss.email)
    await api.call("put", "/api/agent/me/status", token, json={"status": "away"})
    with_shop = dataclasses.replace(db, desk=api.app.ctx.services.desk)
    ticket = await with_shop.queued_ticket(email="anna.schmidt@example.com")
    panel = (await api.call("get", f"/api/agent/tickets/{ticket.id}/customer", token)).body
    assert panel["customer"]["name"] == "Anna Schmidt" and panel["verified"] is True
    assert panel["orders"] and all("number" in order and "customer" not in order for order in panel["orders"])
    await api.call("get", f"/api/agent/tickets/{ticket.id}", token)
    entries = (await api.call("get", "/api/admin/audit", token)).body["entries"]
    # The audit log names the customer by contact or conversation, never by email (erasure must be
    # able to remove every email, and the audit chain cannot change).
    shown = [(e["action"], e["subject"], e["ticket_id"]) for e in entries if e["action"] != "login"]
    subject = shown[0][1] if shown else None
    assert shown == [("view_transcript", subject, ticket.id), ("view_customer", subject, ticket.id)]
    assert subject == f"conversation:{ticket.conversation_id}" or str(subject).startswith("contact:")


async def test_transfer_to_a_team_requeues_and_to_an_agent_hands_over(api: HubApi, db: HubDb) -> None:
    anna, ben = await db.agent("Anna", online=False), await db.agent("Ben", online=False, teams=["payments"])
    anna_token = await api.login(anna.email)
    ben_token = await api.login(ben.email)
    for token in (anna_token, ben_token):
        await api.call("put", "/api/agent/me/status", token, json={"status": "away"})
    ticket = await db.queued_ticket()
    base = f"/api/agent/tickets/{ticket.id}"
    await api.call("post", f"{base}/claim", anna_token)

    moved = await api.call("post", f"{base}/transfer", anna_token, json={"team": "payments"})
    assert (moved.body["status"], moved.body["team"], moved.body["agent"]) == ("queued", "payments", None)
    assert moved.body["queued_at"] == (await api.call("get", base, anna_token)).body["queued_at"]
    await api.call("post", f"{base}/claim", anna_token)
    away = await api.call("post", f"{base}/transfer", anna_token, json={"agent_id": ben.id})
    assert (away.status, away.code) == (409, "agent_unavailable"), "an away colleague would not see it"
    await api.call("put", "/api/agent/me/status", ben_token, json={"status": "online"})
    handed = await api.call("post", f"{base}/transfer", anna_token, json={"agent_id": ben.id})
    assert handed.body["agent"]["display_name"] == "Ben"
    assert (await api.call("post", f"{base}/messages", anna_token, json={"text": "still me?"})).code == "forbidden"
    assert (await api.call("post", f"{base}/messages", ben_token, json={"text": "Ben here"})).status == 201
    transitions = (await api.call("get", base, ben_token)).body["transitions"]
    assert [(t["from"], t["to"], t["reason"]) for t in transitions][1:] == [
        ("queued", "assigned", "claimed"),
        ("assigned", "queued", "transferred to team payments"),
        ("queued", "assigned", "claimed"),
        ("assigned", "assigned", "transferred to Ben"),
    ]


async def test_snoozed_tickets_leave_the_queue_until_the_shopper_writes(api: HubApi, db: HubDb) -> None:
    boss = await db.agent("Boss", role="supervisor", online=False)
    token = await api.login(boss.email)
    await api.call("put", "/api/agent/me/status", token, json={"status": "away"})
    shopper = await api.shopper()
    await shopper.says("human please")
    [ticket] = (await api.call("get", "/api/agent/queue", token)).body["tickets"]
    snoozed = await api.call("post", f"/api/agent/tickets/{ticket['id']}/snooze", token, json={"minutes": 30})
    assert snoozed.body["snoozed_until"] is not None
    assert (await api.call("get", "/api/agent/queue", token)).body["tickets"] == []
    await shopper.says("hello? anyone?")
    assert [t["id"] for t in (await api.call("get", "/api/agent/queue", token)).body["tickets"]] == [ticket["id"]]


async def test_notes_stay_internal_and_canned_replies_fill_their_placeholders(api: HubApi, db: HubDb) -> None:
    boss = await db.agent("Boss", role="supervisor", online=False)
    token = await api.login(boss.email)
    await api.call("put", "/api/agent/me/status", token, json={"status": "away"})
    ticket = await db.queued_ticket(HandoffSignal(("explicit_request",), summary={"intents": [], "order_id": "10042",
                                                                                  "tried": []}))
    note = await api.call("post", f"/api/agent/tickets/{ticket.id}/notes", token, json={"text": "VIP, be nice"})
    assert (note.status, note.body["agent"]["display_name"]) == (201, "Boss")
    async with db.uows() as uow:
        conversation = await uow.session.get(Conversation, ticket.conversation_id)
        stored = await uow.session.execute(Message.__table__.select().where(Message.conversation_id == conversation.id))
        texts = [m.text for m in stored.all()]
    assert "VIP, be nice" not in texts
    assert (await api.call("get", f"/api/agent/tickets/{ticket.id}", token)).body["notes"][0]["text"] == "VIP, be nice"

    created = await api.call("post", "/api/agent/canned", token, json={
        "shortcut": "where", "title": "Where is it",
        "text": "Hi {customer_name}, order {order_number} is on its way. {agent_name} {unknown}"})
    assert created.status == 201
    assert (await api.call("post", "/api/agent/canned", token, json={"shortcut": "where", "title": "x",
                                                                     "text": "y"})).status == 409
    assert (await api.call("post", "/api/agent/canned", token, json={"shortcut": "Bad Name!", "title": "x",
                                                                     "text": "y"})).status == 400
    [reply] = (await api.call("get", f"/api/agent/tickets/{ticket.id}/canned", token)).body["canned"]
    assert reply["rendered"] == "Hi Ada, order 10042 is on its way. Boss {unknown}"
    assert (await api.call("delete", f"/api/agent/canned/{reply['id']}", token)).status == 204
    assert (await db.get(Ticket, ticket.id)).status == "queued"


def test_severity_is_judged_once_from_the_reasons_and_the_shopper_s_words() -> None:
    def judged(reasons: list[str], text: str) -> str:
        return severity_for(reasons, urgent_cues([text]))

    assert judged(["explicit_request"], "can i talk to someone") == "normal"
    assert judged(["complaint"], "i want to complain") == "serious"
    assert judged(["explicit_request", "vip"], "a person please") == "serious"
    assert judged(["explicit_request"], "I'll file a chargeback with my bank") == "urgent"
    assert judged(["explicit_request"], "the charger started smoking") == "urgent"
    # Words that only look alarming (the old per-action rule made these urgent).
    assert judged(["explicit_request"], "is the fire pit still in stock? I burned through my budget") == "normal"


async def test_a_message_s_event_names_its_own_conversation_s_latest_ticket(any_db: HubDb) -> None:
    first = await any_db.queued_ticket()
    second = await any_db.queued_ticket()
    without = await any_db.conversation()
    async with any_db.uows() as uow:
        for conversation_id in (first.conversation_id, second.conversation_id, without.id):
            conversation = await any_db.must_get(uow, Conversation, conversation_id)
            await append_message(uow, conversation, direction="out", author_kind="bot", text="noted")
        await uow.commit()
    created = [e.data for e in any_db.events if e.type == MESSAGE_CREATED and e.data["message"]["text"] == "noted"]
    assert [(d["message"]["conversation_id"], d["ticket_id"]) for d in created] == [
        (first.conversation_id, first.id), (second.conversation_id, second.id), (without.id, None)]


async def test_a_stored_message_is_the_session_s_own_copy_of_its_row_and_later_changes_are_saved(any_db: HubDb) -> None:
    """append_message inserts in Core: the object it returns must still be what the row says, held by
    the session (so a change to it is flushed like any other), on SQLite and on PostgreSQL."""
    conversation_id = (await any_db.conversation()).id
    async with any_db.uows() as uow:
        conversation = await any_db.must_get(uow, Conversation, conversation_id)
        message = await append_message(uow, conversation, direction="in", author_kind="shopper", text="hi <b>",
                                       buttons=[{"title": "Yes", "payload": "/affirm"}], custom={"k": [1]})
        assert await uow.session.get(Message, message.id) is message
        message.handled_at = aware(message.created_at)
        await uow.commit()
    stored = await any_db.get(Message, message.id)
    assert (stored.seq, stored.text, stored.buttons, stored.custom, stored.internal, stored.attachments) == (
        1, "hi <b>", [{"title": "Yes", "payload": "/affirm"}], {"k": [1]}, False, None)
    assert aware(stored.created_at) == aware(message.created_at) and aware(stored.handled_at) == aware(message.created_at)
