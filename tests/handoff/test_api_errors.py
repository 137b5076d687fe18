"""Bad input gets a clear answer and changes nothing: malformed bodies, odd text, wrong tokens,
wrong roles, someone else's ticket, the wrong state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from handoff.clock import utcnow
from handoff.models import AgentSession, Ticket
from tests.handoff.api_client import HubApi
from tests.handoff.databases import HubDb


async def test_malformed_and_odd_shopper_input_is_refused_with_a_reason(api: HubApi) -> None:
    shopper = await api.shopper()
    path = f"/api/conversations/{shopper.id}/messages"
    cases = {
        "invalid_json": await api.call("post", path, shopper.token, content=b"{not json"),
        "invalid_json ": await api.call("post", path, shopper.token, content=b"\xff\xfe\x00binary"),
        " invalid_json": await api.call("post", path, shopper.token, json=["a", "list"]),
        "empty_text": await shopper.say("   \n\t "),
        "invalid_field": await shopper.say(42),  # type: ignore[arg-type]
        "text_too_long": await shopper.say("x" * 4001),
    }
    for code, answer in cases.items():
        assert (answer.status, answer.code) == (400, code.strip()), (code, answer)
        assert answer.body["error"]["message"]
    assert await shopper.messages() == [], "nothing was stored"


async def test_a_huge_body_is_refused_and_nothing_is_stored(api: HubApi) -> None:
    shopper = await api.shopper()
    answer = await api.call("post", f"/api/conversations/{shopper.id}/messages", shopper.token, json={"text": "x" * 2_000_000})
    # A real server stops it at REQUEST_MAX_SIZE (413); in-process the text limit refuses it (400).
    assert answer.status in (400, 413)
    assert await shopper.messages() == []


async def test_html_and_control_characters_are_stored_as_plain_text(api: HubApi) -> None:
    shopper = await api.shopper()
    html = "<script>alert('x')</script><b>hi</b>\x00\x07"
    answer = await shopper.say(html)
    assert answer.status == 200
    assert answer.body["messages"][0]["text"] == "<script>alert('x')</script><b>hi</b>"


async def test_a_conversation_needs_its_own_token(api: HubApi) -> None:
    ada, bob = await api.shopper(), await api.shopper()
    assert (await api.call("get", f"/api/conversations/{ada.id}/messages")).status == 401
    assert (await api.call("get", f"/api/conversations/{ada.id}/messages", bob.token)).status == 404
    assert (await api.call("post", f"/api/conversations/{ada.id}/messages", bob.token, json={"text": "hi"})).status == 404
    assert (await api.call("get", f"/api/conversations/{'f' * 32}", ada.token)).status == 404
    assert (await api.call("get", f"/api/conversations/{ada.id}/messages?after=abc", ada.token)).code == "invalid_field"


async def test_a_token_the_hub_has_let_through_opens_only_its_own_conversation(api: HubApi) -> None:
    """The hub remembers a token it checked (handoff/gateway.py): after ada's messages went through,
    another conversation's token, a made-up one and none are still refused, and hers still works."""
    ada, bob = await api.shopper(), await api.shopper()
    assert (await ada.say("hi")).status == 200
    path = f"/api/conversations/{ada.id}/messages"
    assert (await api.call("post", path, bob.token, json={"text": "hi"})).status == 404
    assert (await api.call("post", path, ada.token + "x", json={"text": "hi"})).status == 404
    assert (await api.call("post", path, json={"text": "hi"})).status == 401
    assert (await api.call("post", f"/api/conversations/{bob.id}/messages", ada.token, json={"text": "hi"})).status == 404
    assert (await ada.say("hello again")).status == 200


async def test_an_unsigned_identity_is_not_believed(api: HubApi) -> None:
    answer = await api.call("post", "/api/conversations", json={"identity": {"customer_email": "vip@shop.example"}})
    assert (answer.status, answer.code) == (400, "invalid_identity")


async def test_a_repeated_client_message_id_is_handled_once(api: HubApi) -> None:
    shopper = await api.shopper()
    first = await shopper.say("hello", client_message_id="m-1")
    again = await shopper.say("hello", client_message_id="m-1")
    assert (first.body["duplicate"], again.body["duplicate"]) == (False, True)
    assert again.body["messages"] == first.body["messages"], "the retry gets the answer the first try got"
    assert [m["text"] for m in await shopper.messages()] == ["hello", "bot heard: hello"]


async def test_agent_routes_need_a_live_session(api: HubApi, db: HubDb) -> None:
    anna = await db.agent("Anna")
    assert (await api.call("get", "/api/agent/me")).status == 401
    assert (await api.call("get", "/api/agent/me", "made-up-token")).status == 401
    wrong = await api.call("post", "/api/agent/login", json={"email": anna.email, "password": "wrong password"})
    unknown = await api.call("post", "/api/agent/login", json={"email": "nobody@shop.example", "password": "wrong password"})
    assert (wrong.status, unknown.status) == (401, 401)
    assert wrong.body == unknown.body, "no hint whether the account exists"

    token = await api.login(anna.email)
    assert (await api.call("get", "/api/agent/me", token)).body["display_name"] == "Anna"
    async with db.uows() as uow:
        await uow.session.execute(update(AgentSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        await uow.commit()
    assert (await api.call("get", "/api/agent/me", token)).status == 401

    token = await api.login(anna.email)
    assert (await api.call("post", "/api/agent/logout", token)).status == 204
    assert (await api.call("get", "/api/agent/me", token)).status == 401


@pytest.mark.parametrize(
    ("method", "path", "body", "needs"),
    [
        ("post", "/api/admin/agents", {"email": "x@y.z", "display_name": "X", "password": "long enough pw"}, "admin"),
        ("get", "/api/admin/agents", None, "admin"),
        ("get", "/api/admin/audit", None, "supervisor"),
        ("get", "/api/admin/audit?action=agent_changed&from=2026-01-01", None, "supervisor"),
        ("post", "/api/admin/teams", {"name": "vip-care", "title": "VIP care", "intents": ["complaint"]}, "admin"),
        ("get", "/api/admin/teams", None, "agent"),
        ("get", "/api/agent/labels", None, "agent"),
        ("post", "/api/agent/canned", {"shortcut": "hi", "title": "Hi", "text": "Hi {customer_name}"}, "supervisor"),
    ],
)
async def test_roles_are_checked_on_every_route(api: HubApi, db: HubDb, method: str, path: str, body: dict | None,
                                                needs: str) -> None:
    ranks = ["agent", "supervisor", "admin"]
    for role in ranks:
        token = await api.login((await db.agent(role.title(), role=role, online=False)).email)
        answer = await api.call(method, path, token, **({"json": body} if body else {}))
        if ranks.index(role) < ranks.index(needs):
            assert (answer.status, answer.code) == (403, "forbidden"), (role, answer)
        else:
            assert answer.status in (200, 201, 409), (role, answer)


async def test_only_the_holder_replies_and_states_are_enforced(api: HubApi, db: HubDb) -> None:
    anna, ben = await db.agent("Anna", online=False), await db.agent("Ben", online=False)
    boss = await db.agent("Boss", role="supervisor", online=False)
    anna_token, ben_token, boss_token = [await api.login(agent.email) for agent in (anna, ben, boss)]
    for token in (anna_token, ben_token, boss_token):
        await api.call("put", "/api/agent/me/status", token, json={"status": "away"})
    ticket = await db.queued_ticket()
    base = f"/api/agent/tickets/{ticket.id}"

    assert (await api.call("post", f"{base}/resolve", anna_token)).code == "wrong_state"
    assert (await api.call("post", f"{base}/messages", anna_token, json={"text": "hi"})).code == "wrong_state"
    assert (await api.call("post", f"{base}/claim", anna_token)).status == 200
    assert (await api.call("post", f"{base}/claim", ben_token)).code == "already_claimed"
    assert (await api.call("post", f"{base}/messages", ben_token, json={"text": "hi"})).code == "forbidden"
    assert (await api.call("post", f"{base}/resolve", ben_token)).code == "forbidden"
    assert (await api.call("post", f"{base}/messages", boss_token, json={"text": "hi"})).code == "forbidden"
    assert (await api.call("post", f"{base}/transfer", anna_token, json={"team": "legal"})).code == "invalid_field"
    assert (await api.call("post", f"{base}/transfer", anna_token, json={"agent_id": 99999})).code == "not_found"
    assert (await api.call("post", f"{base}/transfer", anna_token, json={})).code == "invalid_field"
    assert (await api.call("post", f"{base}/snooze", anna_token, json={"minutes": 0})).code == "invalid_field"
    assert (await api.call("post", f"{base}/snooze", anna_token, json={"minutes": "soon"})).code == "invalid_field"
    assert (await api.call("get", "/api/agent/tickets/424242", anna_token)).code == "not_found"
    assert (await api.call("get", "/api/agent/tickets?status=weird", anna_token)).code == "invalid_field"

    assert (await api.call("post", f"{base}/resolve", boss_token)).status == 200, "a supervisor may resolve"
    assert (await api.call("post", f"{base}/resolve", anna_token)).code == "wrong_state"
    assert (await db.get(Ticket, ticket.id)).status == "resolved"


async def test_unknown_routes_and_methods_answer_in_the_same_shape(api: HubApi) -> None:
    missing = await api.call("get", "/api/nothing-here")
    assert (missing.status, missing.code) == (404, "not_found")
    wrong_method = await api.call("delete", "/api/agent/login")
    assert (wrong_method.status, wrong_method.code) == (405, "method_not_allowed")
