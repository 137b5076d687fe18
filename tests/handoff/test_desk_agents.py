"""The agent workflow's traps, fixed: who gets tickets at login, what leaving does to held tickets,
transfers that respect capacity and the general queue, views, search and labels, canned replies
without a value, and shoppers the bot identified."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from handoff.assignment import Assigner
from handoff.canned import render
from handoff.clock import aware, utcnow
from handoff.models import Agent, Conversation, PresencePeriod, Ticket, Transition
from handoff.signals import HandoffSignal
from tests.handoff.api_client import HubApi
from tests.handoff.databases import HubDb


async def test_an_admin_who_logs_in_to_look_gets_no_tickets_until_opting_in(api: HubApi, db: HubDb) -> None:
    urgent = await db.queued_ticket(HandoffSignal(("explicit_request",), message="I'll call my lawyer"))
    boss = await db.agent("Boss", role="admin", online=False)
    token = await api.login(boss.email)
    assert (await api.call("get", "/api/agent/me", token)).body["takes_tickets"] is False
    await api.app.ctx.services.assigner.sweep()
    assert (await db.get(Ticket, urgent.id)).status == "queued"

    opted = await api.call("put", "/api/agent/me/assignment", token, json={"takes_tickets": True})
    assert opted.body["takes_tickets"] is True
    await api.app.ctx.services.assigner.sweep()
    assert (await db.get(Ticket, urgent.id)).agent_id == boss.id

    anna = await db.agent("Anna", online=False)
    agent_token = await api.login(anna.email)
    refused = await api.call("put", "/api/agent/me/assignment", agent_token, json={"takes_tickets": False})
    assert refused.code == "invalid_field"
    assert (await api.call("put", "/api/agent/me/assignment", agent_token, json={"takes_tickets": "yes"})).status == 400


async def test_going_away_gives_back_unanswered_tickets_with_their_waiting_time(api: HubApi, db: HubDb) -> None:
    anna = await db.agent("Anna", online=False, capacity=5)
    token = await api.login(anna.email)
    waiting, answered = await db.queued_ticket(), await db.queued_ticket()
    for ticket in (waiting, answered):
        assert (await api.call("post", f"/api/agent/tickets/{ticket.id}/claim", token)).status == 200
    assert (await api.call("post", f"/api/agent/tickets/{answered.id}/messages", token, json={"text": "On it"})).status == 201

    assert (await api.call("put", "/api/agent/me/status", token, json={"status": "away"})).status == 200
    back = await db.get(Ticket, waiting.id)
    assert (back.status, back.agent_id) == ("queued", None)
    assert aware(back.queued_at) == aware(waiting.queued_at), "it keeps its place and SLA clock"
    assert (await db.get(Ticket, answered.id)).agent_id == anna.id, "a conversation under way stays"
    shopper_texts = await _texts(db, waiting.conversation_id)
    assert any("step away" in text for text in shopper_texts)

    await api.call("put", "/api/agent/me/status", token, json={"status": "online"})
    assert (await api.call("post", "/api/agent/logout", token)).status == 204
    async with db.uows() as uow:
        periods = (await uow.session.execute(select(PresencePeriod).where(PresencePeriod.agent_id == anna.id))).scalars()
        assert [period.ended_at is not None for period in periods] == [True, True], "two stretches online, both closed"


async def test_a_console_gone_past_the_grace_period_takes_its_agent_offline(db: HubDb) -> None:
    anna = await db.agent("Anna")
    ticket = await db.queued_ticket()
    assigner = Assigner(db.uows, db.settings)
    await assigner.sweep()
    assert (await db.get(Ticket, ticket.id)).agent_id == anna.id
    async with db.uows() as uow:
        gone_since = utcnow() - db.settings.presence_grace - timedelta(seconds=5)
        await uow.session.execute(update(Agent).where(Agent.id == anna.id).values(last_seen_at=gone_since))
        await uow.commit()
    await assigner.sweep()
    assert ((await db.get(Agent, anna.id)).status, (await db.get(Ticket, ticket.id)).status) == ("offline", "queued")
    async with db.uows() as uow:
        reasons = (await uow.session.execute(select(Transition.reason).where(Transition.ticket_id == ticket.id))).scalars()
        assert any("console was gone" in reason for reason in reasons)


async def test_transfers_respect_capacity_and_can_go_back_to_the_general_queue(api: HubApi, db: HubDb) -> None:
    anna, full = await db.agent("Anna", online=False), await db.agent("Full", online=False, capacity=1)
    anna_token, full_token = await api.login(anna.email), await api.login(full.email)
    for token in (anna_token, full_token):
        await api.call("put", "/api/agent/me/status", token, json={"status": "away"})
    first, second = await db.queued_ticket(), await db.queued_ticket()
    await api.call("post", f"/api/agent/tickets/{first.id}/claim", full_token)
    await api.call("post", f"/api/agent/tickets/{second.id}/claim", anna_token)
    await api.call("put", "/api/agent/me/status", full_token, json={"status": "online"})

    refused = await api.call("post", f"/api/agent/tickets/{second.id}/transfer", anna_token, json={"agent_id": full.id})
    assert (refused.status, refused.code) == (409, "at_capacity")
    assert "1 of 1" in refused.body["error"]["message"]

    to_team = await api.call("post", f"/api/agent/tickets/{second.id}/transfer", anna_token, json={"team": "payments"})
    assert (to_team.body["status"], to_team.body["team"]) == ("queued", "payments")
    general = await api.call("post", f"/api/agent/tickets/{second.id}/transfer", anna_token, json={"team": None})
    assert (general.status, general.body["team"]) == (200, None)


async def test_views_filters_search_and_labels(api: HubApi, db: HubDb) -> None:
    anna = await db.agent("Anna", online=False)
    token = await api.login(anna.email)
    await api.call("put", "/api/agent/me/status", token, json={"status": "away"})
    mine = await db.queued_ticket(HandoffSignal(("complaint",), message="my parcel from DHL is damaged",
                                                summary={"intents": ["delivery_problem"], "order_id": "10010"}))
    waiting = await db.queued_ticket(HandoffSignal(("explicit_request",), message="refund please"))
    await api.call("post", f"/api/agent/tickets/{mine.id}/claim", token)

    async def ids(query: str) -> list[int]:
        answer = await api.call("get", f"/api/agent/tickets?{query}", token)
        assert answer.status == 200, answer
        return [ticket["id"] for ticket in answer.body["tickets"]]

    assert await ids("view=mine") == [mine.id]
    assert await ids("view=unassigned") == [waiting.id]
    assert set(await ids("view=open")) == {mine.id, waiting.id}
    assert await ids("view=resolved") == []
    assert await ids("view=open&reason=complaint") == [mine.id]
    assert await ids("view=open&team=orders") == [mine.id]
    assert await ids("view=open&team=none") == [waiting.id]
    assert await ids("view=open&severity=serious") == [mine.id]
    assert set(await ids("view=open&channel=api")) == {mine.id, waiting.id}
    assert await ids("q=damaged") == [mine.id], "words said in the conversation"
    assert await ids("q=10010") == [mine.id], "the order number"
    assert await ids(f"q=%23{waiting.id}") == [waiting.id], "the ticket id"
    assert await ids("q=Ada") == [waiting.id, mine.id], "the customer's name, newest first"
    assert await ids("q=100%25") == [], "wildcards are only characters"

    labelled = await api.call("put", f"/api/agent/tickets/{mine.id}/labels", token, json={"labels": ["Damaged ", "dhl"]})
    assert labelled.body["labels"] == ["damaged", "dhl"]
    assert await ids("label=dhl") == [mine.id]
    assert (await api.call("get", "/api/agent/labels", token)).body["labels"][0] == {"label": "damaged", "tickets": 1}
    for bad in (["<b>"], "dhl", ["x" * 41], [str(n) for n in range(11)]):
        assert (await api.call("put", f"/api/agent/tickets/{mine.id}/labels", token, json={"labels": bad})).status == 400
    for bad in ("view=weird", "reason=%25", "q=" + "x" * 201):
        assert (await api.call("get", f"/api/agent/tickets?{bad}", token)).code == "invalid_field"


@pytest.mark.parametrize(("template", "values", "expected"), [
    ("Hi {customer_name}, I'm checking order {order_number} now.", {}, "Hi there, I'm checking your order now."),
    ("Hi {customer_name}, I'm checking order {order_number} now.", {"customer_name": "Ben", "order_number": "10003"},
     "Hi Ben, I'm checking order 10003 now."),
    ("Thanks {customer_name}! Your order number #{order_number} ships today.", {}, "Thanks! Your order ships today."),
    ("{customer_name}, thanks for waiting. {agent_name}", {"agent_name": "Anna"}, "Thanks for waiting. Anna"),
    ("Dear {customer_name}, about {order_number}:", {}, "Dear customer, about your order:"),
    ("I checked {order_number} for you, {customer_name}.", {}, "I checked your order for you."),
    ("Kept as written: {unknown}", {}, "Kept as written: {unknown}"),
])
def test_canned_replies_without_a_value_still_read_naturally(template: str, values: dict, expected: str) -> None:
    assert render(template, values) == expected


async def test_a_shopper_the_bot_verified_is_known_on_the_ticket_and_later(db: HubDb) -> None:
    class Shop:
        def find_customer(self, email=None, phone=None, customer_id=None):
            return ben if email == ben.email else None

        def customer_orders(self, customer_id: int) -> list:
            return []

        def get_order(self, number: str):
            return type("Order", (), {"customer": ben})() if number == "10003" else None

    ben = type("View", (), {"id": 7, "name": "Ben Carter", "email": "ben.carter@example.com", "phone": None,
                            "tier": "vip"})()
    db.desk.directory._shop = Shop()
    guessed = await db.queued_ticket(HandoffSignal(("explicit_request",), summary={"order_id": "10003"}))
    assert guessed.customer_email is None, "an order number alone proves nothing"
    proven = await db.queued_ticket(HandoffSignal(("explicit_request",),
                                                  summary={"order_id": "10003", "verified_order_id": "10003"}))
    assert proven.customer_email == "ben.carter@example.com"
    assert (await db.get(Conversation, proven.conversation_id)).customer_email == "ben.carter@example.com"


async def _texts(db: HubDb, conversation_id: str) -> list[str]:
    from handoff.models import Message

    async with db.uows() as uow:
        query = select(Message.text).where(Message.conversation_id == conversation_id)
        return [text or "" for text in (await uow.session.execute(query)).scalars()]


async def test_admin_changes_are_audited_and_teams_are_editable(api: HubApi, db: HubDb) -> None:
    boss, boss_token = await db.agent("Boss", role="admin", online=False), None
    boss_token = await api.login(boss.email)
    sup_token = await api.login((await db.agent("Sue", role="supervisor", online=False)).email)
    agent_token = await api.login((await db.agent("Al", online=False)).email)

    created = await api.call("post", "/api/admin/agents", boss_token, json={
        "email": "new@shop.example", "display_name": "New", "password": "long enough pw", "teams": ["returns"]})
    assert created.status == 201
    edit = f"/api/admin/agents/{created.body['id']}"
    assert (await api.call("patch", edit, boss_token, json={"teams": ["nope"]})).code == "invalid_field"
    promoted = await api.call("patch", edit, boss_token,
                              json={"role": "supervisor", "capacity": 6, "password": "another long pw"})
    assert (promoted.body["role"], promoted.body["capacity"], promoted.body["takes_tickets"]) == ("supervisor", 6, False)
    assert (await api.call("patch", edit, sup_token, json={"capacity": 1})).code == "forbidden"

    team = await api.call("post", "/api/admin/teams", boss_token, json={"name": "vip", "title": "VIP care", "intents": []})
    assert team.status == 201
    assert (await api.call("post", "/api/admin/teams", boss_token, json={"name": "vip", "title": "x"})).status == 409
    assert (await api.call("post", "/api/admin/teams", boss_token, json={"name": "Bad Name", "title": "x"})).status == 400
    changed = await api.call("patch", f"/api/admin/teams/{team.body['id']}", boss_token, json={"intents": ["complaint"]})
    assert changed.body["intents"] == ["complaint"]
    assert (await api.call("patch", f"/api/admin/teams/{team.body['id']}", agent_token, json={"title": "x"})).status == 403
    assert "vip" in (await api.call("get", "/api/agent/teams", agent_token)).body["teams"]
    ticket = await db.queued_ticket(HandoffSignal(("complaint",), summary={"intents": ["complaint"]}))
    assert ticket.team == "vip", "the team's intents route its tickets"
    assert (await api.call("delete", f"/api/admin/teams/{team.body['id']}", boss_token)).code == "in_use"
    transfer = await api.call("post", f"/api/agent/tickets/{ticket.id}/transfer", boss_token, json={"team": None})
    assert transfer.status == 200, transfer
    assert (await api.call("delete", f"/api/admin/teams/{team.body['id']}", boss_token)).status == 204

    reply = await api.call("post", "/api/agent/canned", sup_token, json={"shortcut": "hi", "title": "Hi", "text": "Hello"})
    patched = await api.call("patch", f"/api/admin/canned/{reply.body['id']}", sup_token, json={"text": "Hello there"})
    assert patched.body["text"] == "Hello there"
    assert (await api.call("patch", f"/api/admin/canned/{reply.body['id']}", agent_token, json={"text": "x"})).status == 403

    log = (await api.call("get", "/api/admin/audit?limit=50", sup_token)).body["entries"]
    actions = [entry["action"] for entry in log]
    for action in ("agent_created", "agent_changed", "role_changed", "team_created", "team_changed", "team_deleted",
                   "canned_created", "canned_changed"):
        assert action in actions, action
    change = next(entry for entry in log if entry["action"] == "agent_changed")
    assert change["details"] == {"capacity": {"before": 3, "after": 6}, "takes_tickets": {"before": True, "after": False},
                                 "password": "changed"}
    role = next(entry for entry in log if entry["action"] == "role_changed")
    assert role["details"] == {"role": {"before": "agent", "after": "supervisor"}}
    only = (await api.call("get", "/api/admin/audit?action=team_created", sup_token)).body["entries"]
    assert [entry["subject"] for entry in only] == ["vip"]
    assert (await api.call("get", "/api/admin/audit?from=tomorrow", sup_token)).code == "invalid_field"
    assert (await api.call("get", "/api/admin/audit", agent_token)).status == 403
