"""A shopper's data on request: an admin exports it (JSON, CSV) and erases it in one audited
action, after which no store ShopDesk keeps (the hub's database on SQLite and PostgreSQL, Rasa's
tracker store beside it) holds a trace of them, while other shoppers and the desk's figures stay."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from sanic import Sanic
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff.db import create_engine as create_async_engine_for
from handoff.inbound import Inbound
from handoff.models import AuditEntry, Message
from handoff.rasa_trackers import TrackerStore, async_url
from handoff.settings import HubSettings
from hub.app import create_app
from hub.rasa_client import RasaClient
from hub.router import Router
from knowledge_base.shop.sql_source import SqlOrderSource
from tests.fakes.rasa import FakeRasa
from tests.handoff.api_client import HubApi, Shopper
from tests.handoff.databases import HubDb, hub_db, postgres_database
from tests.handoff.shop_fixtures import SECRET, demo_shop
from tests.handoff.test_contact_pages import contact_id as contact_id_of
from tests.handoff.test_contact_pages import ticket_of

__all__ = ["demo_shop"]  # fixtures
ANNA, ANNA_PHONE = "anna.schmidt@example.com", "+49 151 23456789"
# What would give Anna away: her email, name, phone digits, address, her own words, her Telegram id.
TRACES = (ANNA, "Anna Schmidt", "Schmidt", "23456789", "Hauptstr", "my parcel never came", "she prefers mornings",
          "tg-anna-9001", "rather unhappy")


@dataclass
class Scene:
    app: Sanic
    api: HubApi
    db: HubDb
    router: Router
    tracker_url: str
    engine: AsyncEngine


def rasa_events_table(metadata: MetaData) -> Table:
    """Rasa 3.6's SQL tracker store table (rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent)."""
    return Table("events", metadata, Column("id", Integer, primary_key=True),
                 Column("sender_id", String(255), nullable=False, index=True), Column("type_name", String(255), nullable=False),
                 Column("timestamp", Float), Column("intent_name", String(255)), Column("action_name", String(255)),
                 Column("data", Text))


async def record_in_tracker(tracker_url: str, sender: str, texts: list[str], email: str | None) -> None:
    """What Rasa keeps of a conversation: the shopper's words, the slots it filled, its answers."""
    metadata = MetaData()
    events = rasa_events_table(metadata)
    rows = []
    for index, said in enumerate(texts):
        rows.append({"sender_id": sender, "type_name": "user", "timestamp": float(index), "intent_name": "check_order",
                     "data": json.dumps({"event": "user", "text": said, "parse_data": {"text": said}})})
        rows.append({"sender_id": sender, "type_name": "bot", "timestamp": index + 0.5, "intent_name": None,
                     "data": json.dumps({"event": "bot", "text": f"bot heard: {said}"})})
    if email:
        rows.append({"sender_id": sender, "type_name": "slot", "timestamp": 99.0, "intent_name": None,
                     "data": json.dumps({"event": "slot", "name": "customer_email", "value": email})})
    engine = create_async_engine_for(async_url(tracker_url))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            await connection.execute(insert(events), rows)
    finally:
        await engine.dispose()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


@asynccontextmanager
async def scene_on(database_url: str, tracker_url: str, settings: HubSettings, shop: SqlOrderSource,
                   fake_rasa: FakeRasa) -> AsyncIterator[Scene]:
    settings = dataclasses.replace(settings, database_url=database_url, tracker_url=tracker_url, identity_secret=SECRET)
    app = create_app(settings, shop=shop, sweep=False)
    app.config.TOUCHUP = False
    engine = create_async_engine_for(database_url)
    rasa = RasaClient(fake_rasa.url, fake_rasa.secret, timeout=5)
    rasa.open()
    try:
        db = await hub_db(engine, settings)
        services = app.ctx.services
        yield Scene(app, HubApi(app), db, Router(services.uows, services.desk, rasa), tracker_url, engine)
    finally:
        await rasa.close()
        await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def scene(request: pytest.FixtureRequest, tmp_path: Path, hub_settings: HubSettings, demo_shop: SqlOrderSource,
                fake_rasa: FakeRasa) -> AsyncIterator[Scene]:
    if request.param == "sqlite":
        async with scene_on(f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}", f"sqlite:///{tmp_path / 'tracker.db'}",
                            hub_settings, demo_shop, fake_rasa) as found:
            yield found
        return
    async with postgres_database() as url, scene_on(
        # As bot/serve.py chooses by default: Rasa's tracker in the hub's PostgreSQL database.
        url, url.replace("postgresql+asyncpg://", "postgresql://"), hub_settings, demo_shop, fake_rasa
    ) as found:
        yield found


async def anna_everywhere(scene: Scene) -> tuple[Shopper, str, dict[str, str]]:
    """Anna on the web (proved, a photo, handed off, answered, noted, rated with a comment) and on
    Telegram; Ben on the web. Rasa's tracker holds what each of them said."""
    api, db = scene.api, scene.db
    tokens = {}
    for role in ("agent", "admin"):
        account = await db.agent(role.title(), role=role, online=role == "agent")
        tokens[role] = await api.login(account.email)
    web = await api.shopper()
    await web.says(f"order 10002, {ANNA}")
    upload = await api.call("post", f"/api/conversations/{web.id}/attachments", web.token, content=jpeg(),
                            headers={"content-type": "image/jpeg"})
    assert upload.status == 201, upload
    sent = await web.say("my parcel never came, photo attached", attachment_ids=[upload.body["id"]])
    assert sent.status == 200, sent
    await web.says("I want a human")
    ticket = await ticket_of(db, web.id)
    agent = tokens["agent"]
    assert (await api.call("post", f"/api/agent/tickets/{ticket.id}/messages", agent,
                           json={"text": "Hello Anna Schmidt, sorry about that"})).status == 201
    assert (await api.call("post", f"/api/agent/tickets/{ticket.id}/notes", agent,
                           json={"text": "Anna Schmidt says she prefers mornings"})).status == 201
    assert (await api.call("get", f"/api/agent/attachments/{upload.body['id']}", agent)).status == 200
    assert (await api.call("post", f"/api/agent/tickets/{ticket.id}/resolve", agent)).status == 200
    await web.says("2")
    await web.says("rather unhappy, Anna")
    telegram = await scene.router.handle(Inbound(channel="telegram", text=f"10001 {ANNA_PHONE}",
                                                 channel_user_id="tg-anna-9001", display_name="Anna Schmidt"))
    contact_id = await contact_id_of(db, web.id)
    assert (await api.call("put", f"/api/contacts/{contact_id}/tags", agent, json={"tags": ["wholesale"]})).status == 200
    assert (await api.call("post", f"/api/contacts/{contact_id}/notes", agent,
                           json={"text": "Anna Schmidt, call after 9"})).status == 201
    ben = await api.shopper()
    await ben.says("10003 ben.carter@example.com")
    for conversation_id in (web.id, telegram.conversation_id, ben.id):
        await record_in_tracker(scene.tracker_url, conversation_id, await shopper_texts(db, conversation_id),
                          ANNA if conversation_id != ben.id else "ben.carter@example.com")
    return web, telegram.conversation_id, tokens | {"contact_id": str(contact_id), "ben": ben.id}


async def shopper_texts(db: HubDb, conversation_id: str) -> list[str]:
    async with db.uows() as uow:
        query = select(Message.text).where(Message.conversation_id == conversation_id, Message.author_kind == "shopper")
        return [text for text in (await uow.session.execute(query)).scalars() if text]


async def every_value(engine: AsyncEngine) -> str:
    """Every row of every table, as text: the whole database, whatever its tables are."""
    def dump(sync: Connection) -> str:
        metadata = MetaData()
        metadata.reflect(sync)
        found = []
        for table in metadata.sorted_tables:
            for row in sync.execute(select(table)):
                found.append(f"{table.name}: {tuple(row)!r}")
        return "\n".join(found)

    async with engine.connect() as connection:
        return await connection.run_sync(dump)


async def test_an_admin_exports_a_shoppers_data_as_json_and_csv(scene: Scene) -> None:
    web, telegram, tokens = await anna_everywhere(scene)
    path = f"/api/contacts/{tokens['contact_id']}/export"
    assert (await scene.api.call("get", path, tokens["agent"])).status == 403
    assert (await scene.api.call("get", f"{path}?format=xml", tokens["admin"])).status == 400
    exported = await scene.api.call("get", path, tokens["admin"])
    assert exported.status == 200, exported
    data = exported.body
    assert (data["contact"]["email"], data["contact"]["phone"]) == (ANNA, ANNA_PHONE)
    assert {c["conversation_id"]: c["channel"] for c in data["conversations"]} == {web.id: "api", telegram: "telegram"}
    web_part = next(c for c in data["conversations"] if c["conversation_id"] == web.id)
    assert "my parcel never came, photo attached" in [m["text"] for m in web_part["messages"]]
    assert [t["rating"] for t in web_part["tickets"]] == [2] and len(web_part["photos"]) == 1
    assert ("email", ANNA) in {(i["kind"], i["value"]) for i in data["identities"]}
    assert [n["text"] for n in data["notes"]] == ["Anna Schmidt, call after 9"]
    _request, as_csv = await scene.app.asgi_client.get(f"{path}?format=csv",
                                                       headers={"authorization": f"Bearer {tokens['admin']}"})
    assert as_csv.status == 200 and as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0] == ["record", "conversation_id", "ticket_id", "at", "who", "field", "value"]
    assert ["contact", "", "", "", "", "email", ANNA] in rows
    assert any(row[0] == "message" and row[1] == web.id and row[6] == "my parcel never came, photo attached" for row in rows)
    assert ["contact", "", "", "", "", "phone", "'" + ANNA_PHONE] in rows  # never read as a formula
    async with scene.db.uows() as uow:
        exports = list((await uow.session.execute(select(AuditEntry).where(AuditEntry.action == "export"))).scalars())
    assert [(e.subject, e.details["format"]) for e in exports] == [(f"contact:{tokens['contact_id']}", "json"),
                                                                   (f"contact:{tokens['contact_id']}", "csv")]


async def test_an_erased_shopper_leaves_no_trace_in_any_store(scene: Scene) -> None:
    web, telegram, tokens = await anna_everywhere(scene)
    before = await every_value(scene.engine)
    assert all(trace in before for trace in TRACES if trace != "tg-anna-9001"), "the scene holds what it should"
    trackers = TrackerStore(scene.tracker_url)
    assert await trackers.count([web.id, telegram]) > 0
    path = f"/api/contacts/{tokens['contact_id']}/erase"
    assert (await scene.api.call("post", path, tokens["agent"], json={"reason": "asked by email"})).status == 403
    assert (await scene.api.call("post", path, tokens["admin"], json={})).status == 400
    erased = await scene.api.call("post", path, tokens["admin"], json={"reason": "she asked by email on 1 Dec"})
    assert erased.status == 200, erased
    assert erased.body["erased"]["conversations"] == 2 and erased.body["erased"]["attachments"] == 1
    assert erased.body["erased"]["tracker_events"] > 0

    after = await every_value(scene.engine)
    for trace in TRACES:
        assert trace not in after, (trace, [line for line in after.splitlines() if trace in line])
    assert await trackers.count([web.id, telegram]) == 0
    if not scene.tracker_url.startswith("postgresql"):  # there, the tracker is in the dump above
        tracker_engine = create_async_engine_for(async_url(scene.tracker_url))
        try:
            tracker_dump = await every_value(tracker_engine)
        finally:
            await tracker_engine.dispose()
        assert all(trace not in tracker_dump for trace in TRACES) and "ben.carter@example.com" in tracker_dump

    # Ben is untouched, and the desk still counts Anna's ticket and its rating.
    assert "ben.carter@example.com" in after and await trackers.count([tokens["ben"]]) > 0
    ticket = await ticket_of(scene.db, web.id)
    assert (ticket.status, ticket.csat_rating, ticket.csat_comment) == ("resolved", 2, None)
    async with scene.db.uows() as uow:
        entry = (await uow.session.execute(select(AuditEntry).where(AuditEntry.action == "erase"))).scalar_one()
    assert entry.subject == f"contact:{tokens['contact_id']}" and entry.details["reason"] == "she asked by email on 1 Dec"
    assert (await scene.api.call("get", f"/api/contacts/{tokens['contact_id']}", tokens["admin"])).status == 404
    assert (await scene.api.call("post", path, tokens["admin"], json={"reason": "again please"})).status == 404
    # Anna writing again on Telegram is a new guest, not the erased contact.
    again = await scene.router.handle(Inbound(channel="telegram", text="hello", channel_user_id="tg-anna-9001"))
    assert again.conversation_id != telegram
    assert await contact_id_of(scene.db, again.conversation_id) != int(tokens["contact_id"])
