"""The contact list and page through the API: every conversation and ticket of a shopper across
channels with its rating, tags (their own and the rules'), notes, the tier rules admins change;
email, phone and address masked for roles without the personal data permission, revealed with a
reason and audited; who may open what."""

from __future__ import annotations

from typing import Any

import pytest
from sanic import Sanic
from sqlalchemy import select

from handoff.inbound import Inbound
from handoff.models import AuditEntry, Conversation, Ticket
from hub.router import Router
from tests.handoff.api_client import HubApi, Shopper
from tests.handoff.databases import HubDb
from tests.handoff.shop_fixtures import demo_shop, router, shop_api, shop_app

__all__ = ["demo_shop", "router", "shop_api", "shop_app"]  # fixtures
ANNA = "anna.schmidt@example.com"


@pytest.fixture
async def tokens(db: HubDb, shop_api: HubApi) -> dict[str, str]:
    found = {}
    for role in ("agent", "supervisor", "admin"):
        account = await db.agent(role.title(), role=role, online=role == "agent")
        found[role] = await shop_api.login(account.email)
    return found


async def anna_with_history(router: Router, shop_api: HubApi) -> tuple[Shopper, str]:
    """Anna on the web (proved, handed off, rated 2) and on Telegram (proved, no ticket)."""
    web = await shop_api.shopper()
    await web.says("order 10002, anna.schmidt@example.com")
    await web.says("I want a human")
    telegram = await router.handle(Inbound(channel="telegram", text="10001 +49 151 23456789", channel_user_id="77"))
    return web, telegram.conversation_id


async def ticket_of(db: HubDb, conversation_id: str) -> Ticket:
    async with db.uows() as uow:
        return (await uow.session.execute(select(Ticket).where(Ticket.conversation_id == conversation_id))).scalar_one()


async def contact_id(db: HubDb, conversation_id: str) -> int:
    async with db.uows() as uow:
        conversation = await uow.session.get(Conversation, conversation_id)
        assert conversation is not None and conversation.contact_id is not None
        return conversation.contact_id


async def test_the_contact_page_tells_the_whole_story(
    router: Router, shop_app: Sanic, shop_api: HubApi, db: HubDb, tokens: dict[str, str]
) -> None:
    web, telegram = await anna_with_history(router, shop_api)
    ticket = await ticket_of(db, web.id)
    assert ticket.status == "assigned"  # to the agent, online
    assert (await shop_api.call("post", f"/api/agent/tickets/{ticket.id}/resolve", tokens["agent"])).status == 200
    await web.says("2")
    page = await shop_api.call("get", f"/api/contacts/{await contact_id(db, web.id)}", tokens["supervisor"])
    assert page.status == 200, page
    body = page.body
    assert (body["name"], body["email"], body["tier"], body["order_count"], body["masked"]) == (
        "Anna Schmidt", ANNA, "regular", 3, False)
    assert {c["conversation_id"]: c["channel"] for c in body["conversations"]} == {web.id: "api", telegram: "telegram"}
    rated = next(c for c in body["conversations"] if c["conversation_id"] == web.id)
    assert rated["ticket"]["rating"] == 2 and rated["preview"] == "order 10002, anna.schmidt@example.com"
    assert [t["id"] for t in body["tickets"]] == [ticket.id], body["tickets"]
    assert body["tickets"][0]["csat"]["rating"] == 2
    assert {(t["tag"], t["source"]) for t in body["tags"]} == {("unhappy", "rule"), ("multi-channel", "rule")}
    assert [h["kind"] for h in body["history"]] == ["identified", "merged"]


async def test_the_ticket_panel_shows_the_contact_and_the_other_channels(
    router: Router, shop_app: Sanic, shop_api: HubApi, db: HubDb, tokens: dict[str, str]
) -> None:
    web, telegram = await anna_with_history(router, shop_api)
    ticket = await ticket_of(db, web.id)
    panel = (await shop_api.call("get", f"/api/agent/tickets/{ticket.id}/customer", tokens["supervisor"])).body
    assert panel["contact"]["id"] == await contact_id(db, web.id) and panel["contact"]["tier"] == "regular"
    assert [c["conversation_id"] for c in panel["conversations"]] == [telegram]
    entries = (await shop_api.call("get", "/api/admin/audit?action=view_customer", tokens["supervisor"])).body["entries"]
    assert entries[0]["subject"] == f"contact:{panel['contact']['id']}"


async def test_tags_and_notes(
    router: Router, shop_app: Sanic, shop_api: HubApi, db: HubDb, tokens: dict[str, str]
) -> None:
    web, _telegram = await anna_with_history(router, shop_api)
    path = f"/api/contacts/{await contact_id(db, web.id)}"
    tagged = await shop_api.call("put", f"{path}/tags", tokens["agent"], json={"tags": ["Wholesale ", "multi-channel"]})
    assert tagged.status == 200
    assert tagged.body["tags"] == [{"tag": "multi-channel", "source": "manual"}, {"tag": "wholesale", "source": "manual"}]
    for bad in (["<b>x</b>"], "wholesale", ["x" * 41], ["a"] * 21):
        assert (await shop_api.call("put", f"{path}/tags", tokens["agent"], json={"tags": bad})).status == 400
    note = await shop_api.call("post", f"{path}/notes", tokens["agent"], json={"text": "prefers email; card 4111 1111 1111 1111"})
    assert note.status == 201 and note.body["text"] == "prefers email; card [card ending 1111]"
    page = (await shop_api.call("get", path, tokens["admin"])).body
    assert [n["text"] for n in page["notes"]] == ["prefers email; card [card ending 1111]"]
    listed = (await shop_api.call("get", "/api/contacts?tag=wholesale", tokens["supervisor"])).body["contacts"]
    assert [c["name"] for c in listed] == ["Anna Schmidt"]


async def test_the_list_searches_and_filters(
    router: Router, shop_app: Sanic, shop_api: HubApi, db: HubDb, tokens: dict[str, str]
) -> None:
    await anna_with_history(router, shop_api)
    ben = await shop_api.shopper()
    await ben.says("10003 ben.carter@example.com")
    guest = await shop_api.shopper()
    await guest.says("just browsing")

    async def names(query: str) -> list[str | None]:
        answer = await shop_api.call("get", f"/api/contacts{query}", tokens["supervisor"])
        assert answer.status == 200, answer
        return [c["name"] for c in answer.body["contacts"]]

    assert await names("") == ["Ada", "Ben Carter", "Anna Schmidt"]
    assert await names("?q=schmidt") == await names("?q=ANNA.SCHMIDT@") == ["Anna Schmidt"]
    assert await names("?q=7700900123") == ["Ben Carter"]
    assert await names("?tier=vip") == ["Ben Carter"]
    assert await names("?channel=telegram") == ["Anna Schmidt"]
    assert await names("?identified=false") == ["Ada"]
    assert await names("?q=%25") == [] and await names("?q=_") == []
    for bad in ("?tier=gold", "?channel=fax", "?limit=0", "?before_id=-1", "?tag=%3Cb%3E"):
        assert (await shop_api.call("get", f"/api/contacts{bad}", tokens["supervisor"])).status == 400, bad
    assert (await shop_api.call("get", "/api/contacts", tokens["agent"])).status == 403
    assert (await shop_api.call("get", "/api/contacts")).status == 401


async def test_agents_open_only_contacts_of_tickets(
    router: Router, shop_app: Sanic, shop_api: HubApi, db: HubDb, tokens: dict[str, str]
) -> None:
    web, _telegram = await anna_with_history(router, shop_api)
    browsing = await shop_api.shopper()
    await browsing.says("just looking")
    assert (await shop_api.call("get", f"/api/contacts/{await contact_id(db, web.id)}", tokens["agent"])).status == 200
    other = f"/api/contacts/{await contact_id(db, browsing.id)}"
    assert (await shop_api.call("get", other, tokens["agent"])).status == 403
    assert (await shop_api.call("get", other, tokens["supervisor"])).status == 200
    assert (await shop_api.call("get", "/api/contacts/99999", tokens["supervisor"])).status == 404
    assert (await shop_api.call("get", "/api/contacts/99999999999999999999", tokens["supervisor"])).status in (400, 404)


def all_strings(value: Any) -> str:
    return str(value)


async def test_agents_see_personal_data_masked_everywhere_and_reveal_it_with_a_reason(
    router: Router, shop_app: Sanic, shop_api: HubApi, db: HubDb, tokens: dict[str, str]
) -> None:
    web, _telegram = await anna_with_history(router, shop_api)
    ticket = await ticket_of(db, web.id)
    agent = tokens["agent"]
    views = [
        await shop_api.call("get", f"/api/contacts/{await contact_id(db, web.id)}", agent),
        await shop_api.call("get", f"/api/agent/tickets/{ticket.id}/customer", agent),
        await shop_api.call("get", f"/api/agent/tickets/{ticket.id}", agent),
        await shop_api.call("get", f"/api/agent/tickets/{ticket.id}/messages", agent),
        await shop_api.call("get", "/api/agent/tickets?view=all", agent),
        await shop_api.call("get", "/api/agent/queue", agent),
    ]
    for view in views:
        assert view.status == 200, view
        seen = all_strings(view.body)
        for secret in (ANNA, "23456789", "Hauptstr"):
            assert secret not in seen, (secret, view.body)
    assert "a***@e***.com" in all_strings(views[0].body) and "Anna Schmidt" in all_strings(views[0].body)
    assert views[0].body["masked"] is True and views[0].body["address"].startswith("•••")
    supervisor = await shop_api.call("get", f"/api/agent/tickets/{ticket.id}/customer", tokens["supervisor"])
    assert ANNA in all_strings(supervisor.body)

    path = f"/api/contacts/{await contact_id(db, web.id)}/reveal"
    assert (await shop_api.call("post", path, agent, json={"fields": ["email"]})).status == 400
    assert (await shop_api.call("post", path, agent, json={"fields": ["password"], "reason": "because"})).status == 400
    revealed = await shop_api.call("post", path, agent, json={"fields": ["email", "phone"],
                                                             "reason": "shopper asks for a callback"})
    assert revealed.status == 200 and revealed.body == {"email": ANNA, "phone": "+49 151 23456789"}
    async with db.uows() as uow:
        entry = (await uow.session.execute(select(AuditEntry).where(AuditEntry.action == "reveal"))).scalar_one()
    assert entry.subject == f"contact:{await contact_id(db, web.id)}" and entry.address
    assert entry.details == {"fields": ["email", "phone"], "reason": "shopper asks for a callback"}


async def test_admins_choose_who_sees_personal_data_and_the_tier_rules(
    router: Router, shop_app: Sanic, shop_api: HubApi, db: HubDb, tokens: dict[str, str]
) -> None:
    web, _telegram = await anna_with_history(router, shop_api)
    path = f"/api/contacts/{await contact_id(db, web.id)}"
    settings = await shop_api.call("get", "/api/admin/privacy", tokens["supervisor"])
    assert settings.body["personal_data"]["roles"] == ["supervisor", "admin"] and settings.body["retention"]["months"] == 12
    assert (await shop_api.call("put", "/api/admin/privacy", tokens["supervisor"], json={})).status == 403
    changed = await shop_api.call("put", "/api/admin/privacy", tokens["admin"], json={
        "personal_data": {"roles": ["agent", "supervisor", "admin"]},
        "contacts": {"tier_rules": [{"tier": "vip", "min_orders": 3}, {"tier": "new"}]},
    })
    assert changed.status == 200, changed
    await shop_app.ctx.maintenance.idle()
    page = (await shop_api.call("get", path, tokens["agent"])).body
    assert page["email"] == ANNA and page["tier"] == "vip"
    bad: object
    for bad in ({"contacts": {"tier_rules": [{"tier": "vip", "min_orders": 3}]}},
                {"contacts": {"tier_rules": [{"tier": "gold"}]}},
                {"contacts": {"tag_rules": [{"tag": "x", "fact": "shoe_size", "at_least": 1}]}},
                {"contacts": {"tag_rules": [{"tag": "x", "fact": "tickets"}]}},
                {"personal_data": {"roles": ["owner"]}}, {"colour": "blue"}, {"contacts": []}):
        assert (await shop_api.call("put", "/api/admin/privacy", tokens["admin"], json=bad)).status == 400, bad
    entries = (await shop_api.call("get", "/api/admin/audit?action=settings_changed", tokens["admin"])).body["entries"]
    assert len(entries) == 1 and entries[0]["details"]["personal_data"] == {"roles": ["agent", "supervisor", "admin"]}
