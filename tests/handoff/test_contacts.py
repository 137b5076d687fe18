"""One contact per shopper across channels: guests become the shop's customer when they prove it
(order number + the email or phone on it, the shop's signed identity, the bot's verified order),
merging with the contact that customer already had, each step recorded with its proof."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sanic import Sanic
from sqlalchemy import Connection, event, func, select

from handoff import contacts
from handoff.clock import aware
from handoff.conversations import get_conversation
from handoff.customers import Customer, CustomerDirectory
from handoff.db import READ_ONLY
from handoff.identity import sign
from handoff.inbound import Inbound
from handoff.models import Contact, ContactIdentity, ContactMerge, ContactNote, ContactTag, Conversation
from handoff.signals import HandoffSignal
from handoff.tickets import open_ticket
from hub.rasa_client import BotTurn, RasaClient
from hub.router import Router
from knowledge_base.shop.sql_source import SqlOrderSource
from tests.handoff.api_client import HubApi, Shopper
from tests.handoff.databases import HubDb
from tests.handoff.shop_fixtures import SECRET, demo_shop, router, shop_api, shop_app

ANNA = "anna.schmidt@example.com"
__all__ = ["demo_shop", "router", "shop_api", "shop_app"]  # fixtures


async def contact_of(db: HubDb, conversation_id: str) -> Contact:
    async with db.uows() as uow:
        conversation = await uow.session.get(Conversation, conversation_id)
        assert conversation is not None and conversation.contact_id is not None
        contact = await uow.session.get(Contact, conversation.contact_id)
        assert contact is not None
        if contact.merged_into_id:
            contact = await uow.session.get(Contact, contact.merged_into_id)
        assert contact is not None
        return contact


async def merges(db: HubDb) -> list[tuple[str, str, str | None]]:
    async with db.uows() as uow:
        rows = (await uow.session.execute(select(ContactMerge).order_by(ContactMerge.id))).scalars()
        return [(row.kind, row.proof, row.order_number) for row in rows]


async def test_a_guest_who_names_an_order_and_its_email_becomes_the_customer(shop_api: HubApi, db: HubDb) -> None:
    shopper = await shop_api.shopper()
    await shopper.says("hi there")
    guest = await contact_of(db, shopper.id)
    assert (guest.name, guest.email, guest.shop_customer_id) == ("Ada", None, None)
    await shopper.says("where is order 10002?")
    assert (await contact_of(db, shopper.id)).shop_customer_id is None
    await shopper.says(ANNA)
    anna = await contact_of(db, shopper.id)
    assert anna.id == guest.id and (anna.name, anna.email, anna.phone) == ("Anna Schmidt", ANNA, "+49 151 23456789")
    assert (anna.order_count, anna.tier, anna.address) == (3, "regular", "Hauptstr. 5, 10115 Berlin, Germany")
    assert await merges(db) == [("identified", "order_and_contact", "10002")]


async def test_the_shop_is_read_outside_write_transactions_and_only_a_link_writes(
        shop_app: Sanic, shop_api: HubApi, db: HubDb, demo_shop: SqlOrderSource, monkeypatch: pytest.MonkeyPatch) -> None:
    """The linker asks the shop before it takes the write lock (no other writer waits behind the
    shop), and writes only when the shop proves who the shopper is: an order number alone, or an
    email the shop does not know, takes no write transaction of its own (each message takes two:
    the message stored, the bot's turn stored). The linker runs beside the bot's turn, so the
    turn's own write may be open meanwhile: what counts is the writes of the task reading the shop."""
    writing: set[asyncio.Task[object] | None] = set()
    shop_reads: list[bool] = []
    uows = shop_app.ctx.services.uows
    # The writers' sessions and the message path's (UnitOfWorkFactory.direct) bind engines of their own.
    engines = [factory.kw["bind"].sync_engine for factory in (uows.sessions, uows.direct_sessions)]

    def began(connection: Connection) -> None:
        if not connection.get_execution_options().get(READ_ONLY):
            writing.add(asyncio.current_task())

    def ended(connection: Connection) -> None:
        if not connection.get_execution_options().get(READ_ONLY):
            writing.discard(asyncio.current_task())

    for engine in engines:
        event.listen(engine, "begin", began)
        event.listen(engine, "commit", ended)
        event.listen(engine, "rollback", ended)

    def noted(read: Callable[..., Awaitable[object]]) -> Callable[..., Awaitable[object]]:
        async def reading(*args: object, **kwargs: object) -> object:
            shop_reads.append(asyncio.current_task() in writing)
            return await read(*args, **kwargs)
        return reading

    for name in ("identify", "proven_owner", "orders"):
        monkeypatch.setattr(CustomerDirectory, name, noted(getattr(CustomerDirectory, name)))
    shopper = await shop_api.shopper()
    await shopper.says("hi there")
    begun: list[int] = []
    for engine in engines:
        event.listen(engine, "begin", lambda connection: begun.append(1)
                     if not connection.get_execution_options().get(READ_ONLY) else None)
    for text in ("where is order 10002?", "my email is ben.carter@example.com", ANNA):
        begun.clear()
        await shopper.says(text)
        assert len(begun) == (3 if text == ANNA else 2), text
    assert (await contact_of(db, shopper.id)).shop_customer_id is not None
    assert shop_reads and not any(shop_reads)


async def test_the_link_runs_beside_the_bots_turn_and_is_there_when_the_turn_returns(
        shop_api: HubApi, db: HubDb, demo_shop: SqlOrderSource, monkeypatch: pytest.MonkeyPatch) -> None:
    steps: list[str] = []
    send, get_order = RasaClient.send, demo_shop.get_order

    async def slow_send(self: RasaClient, *args: Any) -> BotTurn:
        steps.append("bot asked")
        await asyncio.sleep(0.3)
        steps.append("bot answered")
        return await send(self, *args)

    def noted_get_order(number: str) -> Any:
        steps.append("shop read")
        return get_order(number)

    shopper = await shop_api.shopper()
    await shopper.says("where is order 10002?")
    monkeypatch.setattr(RasaClient, "send", slow_send)
    monkeypatch.setattr(demo_shop, "get_order", noted_get_order)
    await shopper.says(ANNA)
    assert steps == ["bot asked", "shop read", "bot answered"]
    assert (await contact_of(db, shopper.id)).email == ANNA


async def test_a_wrong_email_or_an_order_alone_proves_nothing(shop_api: HubApi, db: HubDb) -> None:
    shopper = await shop_api.shopper()
    await shopper.says("order 10002 please")
    await shopper.says("ben.carter@example.com")  # someone's email, not this order's
    await shopper.says("my number is +44 7700 900123")
    assert (await contact_of(db, shopper.id)).shop_customer_id is None
    assert await merges(db) == []


async def test_the_same_customer_on_telegram_and_the_web_is_one_contact(router: Router, shop_api: HubApi, db: HubDb) -> None:
    web = await shop_api.shopper()
    await web.says("order 10001, email anna.schmidt@example.com")
    first = await router.handle(Inbound(channel="telegram", text="hello", channel_user_id="9001", display_name="Anna S"))
    telegram_guest = await contact_of(db, first.conversation_id)
    assert telegram_guest.shop_customer_id is None and telegram_guest.name == "Anna S"
    await router.handle(Inbound(channel="telegram", text="10012 and my phone is 0151 23456789", channel_user_id="9001"))
    anna = await contact_of(db, first.conversation_id)
    assert anna.id == (await contact_of(db, web.id)).id and anna.id != telegram_guest.id
    assert await merges(db) == [("identified", "order_and_contact", "10001"), ("merged", "order_and_contact", "10012")]
    async with db.uows() as uow:
        identities = set((await uow.session.execute(
            select(ContactIdentity.kind, ContactIdentity.value).where(ContactIdentity.contact_id == anna.id))).tuples())
        tombstone = await uow.session.get(Contact, telegram_guest.id)
    assert identities == {("email", ANNA), ("shop_customer", "1"), ("telegram", "9001")}
    assert tombstone is not None and tombstone.merged_into_id == anna.id and tombstone.name is None
    later = await router.handle(Inbound(channel="telegram", text="me again", channel_user_id="9001"))
    assert (await contact_of(db, later.conversation_id)).id == anna.id


async def test_a_conversation_whose_contact_was_merged_away_is_judged_by_the_survivor(shop_api: HubApi,
                                                                                     db: HubDb) -> None:
    # The read before the link follows a merged contact to the one it was merged into, as the link does:
    # a survivor already the shop's customer has nothing to link; a guest survivor becomes the customer.
    async def merged_into(shopper: Shopper, survivor: Contact) -> None:
        async with db.uows() as uow:
            conversation = await uow.session.get(Conversation, shopper.id)
            assert conversation is not None
            uow.session.add(survivor)
            await uow.session.flush()
            merged = await uow.session.get(Contact, conversation.contact_id)
            assert merged is not None
            merged.merged_into_id = survivor.id
            await uow.commit()

    now = datetime.now(UTC)
    guest = await shop_api.shopper()
    await guest.says("hi there")
    await merged_into(guest, Contact(name="Earlier guest", created_at=now, last_seen_at=now))
    await guest.says("where is order 10002? it's anna.schmidt@example.com")
    assert ((await contact_of(db, guest.id)).name, (await contact_of(db, guest.id)).shop_customer_id) == ("Anna Schmidt", 1)
    known = await shop_api.shopper()
    await known.says("hi there")
    await merged_into(known, Contact(name="Ben", shop_customer_id=2, created_at=now, last_seen_at=now))
    await known.says("where is order 10003? ben.carter@example.com")
    assert (await contact_of(db, known.id)).name == "Ben"  # already a customer's: not linked again
    assert await merges(db) == [("identified", "order_and_contact", "10002")]


async def test_a_signed_identity_links_the_contact_at_once(shop_api: HubApi, db: HubDb) -> None:
    expires = int(datetime.now(UTC).timestamp()) + 3600
    identity = {"customer_email": ANNA, "expires": expires, "signature": sign(SECRET, ANNA, expires)}
    opened = await shop_api.call("post", "/api/conversations", json={"identity": identity})
    shopper = Shopper(shop_api, opened.body["conversation_id"], opened.body["token"])
    await shopper.says("hello")
    contact = await contact_of(db, shopper.id)
    assert (contact.shop_customer_id, contact.email) == (1, ANNA)
    assert await merges(db) == [("identified", "signed_identity", None)]
    again = await shop_api.shopper()
    await again.says("10002 anna.schmidt@example.com")
    assert (await contact_of(db, again.id)).id == contact.id
    assert (await merges(db))[-1] == ("merged", "order_and_contact", "10002")


async def test_a_customer_is_never_merged_into_another(shop_api: HubApi, db: HubDb) -> None:
    shopper = await shop_api.shopper()
    await shopper.says("10002 anna.schmidt@example.com")
    await shopper.says("and my husband's order 10003 ben.carter@example.com")
    assert (await contact_of(db, shopper.id)).shop_customer_id == 1
    async with db.uows() as uow:
        assert (await uow.session.execute(select(func.count()).select_from(Contact))).scalar_one() == 1


async def test_the_bots_verified_order_links_the_contact_when_it_hands_off(shop_app: Sanic, shop_api: HubApi,
                                                                           db: HubDb) -> None:
    shopper = await shop_api.shopper()
    await shopper.says("hello")
    services = shop_app.ctx.services
    async with services.uows() as uow:
        conversation = await uow.session.get(Conversation, shopper.id)
        assert conversation is not None
        signal = HandoffSignal(("explicit_request",), message="a person", summary={"verified_order_id": "10003"})
        await open_ticket(uow, services.desk, conversation, signal)
        await uow.commit()
    contact = await contact_of(db, shopper.id)
    assert (contact.name, contact.tier, contact.shop_tier) == ("Ben Carter", "vip", "vip")
    assert await merges(db) == [("identified", "bot_verified_order", "10003")]


async def test_a_merge_moves_everything_of_the_absorbed_contacts_and_the_session_follows(db: HubDb) -> None:
    """The customer's id and email on two contacts, and a guest with a contact merged into it: all
    become the first's, tags without doubles (the survivor's own kept), and the objects the session
    had loaded show the rows as the merge left them."""
    agent = await db.agent()
    now = datetime.now(UTC)
    ben = Customer(2, "Ben Carter", "Ben.Carter@example.com", None, "vip", True)
    conversation = await db.conversation()
    async with db.uows() as uow:
        holder = Contact(created_at=now, last_seen_at=now)
        by_email = Contact(name="Benny", created_at=now - timedelta(days=1), last_seen_at=now)
        guest = await contacts.contact_of(uow.session, await get_conversation(uow.session, conversation.id))
        uow.session.add_all([holder, by_email])
        await uow.session.flush()
        earlier = Contact(merged_into_id=guest.id, created_at=now, last_seen_at=now)
        uow.session.add_all([earlier, ContactIdentity(kind="shop_customer", value="2", contact_id=holder.id, created_at=now),
                             ContactIdentity(kind="email", value="ben.carter@example.com", contact_id=by_email.id,
                                             created_at=now),
                             ContactTag(contact_id=holder.id, tag="x", source="manual", agent_id=agent.id, created_at=now),
                             ContactTag(contact_id=by_email.id, tag="x", source="rule", created_at=now),
                             ContactTag(contact_id=by_email.id, tag="e", source="rule", created_at=now),
                             ContactTag(contact_id=guest.id, tag="g", source="rule", created_at=now),
                             ContactNote(contact_id=by_email.id, agent_id=agent.id, text="called", created_at=now)])
        await uow.commit()
    async with db.uows() as uow:
        loaded = await get_conversation(uow.session, conversation.id)
        current = await contacts.contact_of(uow.session, loaded)
        pointer, tag = await uow.session.get(Contact, earlier.id), await uow.session.get(ContactTag, (guest.id, "g"))
        survivor = await contacts.identify(uow.session, loaded, ben, contacts.Proof(contacts.SIGNED_IDENTITY))
        assert (survivor.id, survivor.name, survivor.email, survivor.shop_customer_id) == (
            holder.id, "Ben Carter", "ben.carter@example.com", 2)
        assert pointer is not None and pointer.merged_into_id == holder.id and current.merged_into_id == holder.id
        assert loaded.contact_id == holder.id and tag is not None and tag not in uow.session
        assert (await contacts.by_identity(uow.session, contacts.EMAIL, "ben.carter@example.com")) is survivor
        await uow.commit()
    async with db.uows() as uow:
        session = uow.session
        tags = set((await session.execute(select(ContactTag.contact_id, ContactTag.tag, ContactTag.source))).tuples())
        assert tags == {(holder.id, "x", "manual"), (holder.id, "e", "rule"), (holder.id, "g", "rule")}
        assert set((await session.execute(select(ContactNote.contact_id))).scalars()) == {holder.id}
        assert set((await session.execute(select(ContactIdentity.contact_id))).scalars()) == {holder.id}
        rows = {row.id: (row.merged_into_id, row.name) for row in (await session.execute(select(Contact))).scalars()}
        assert rows == {holder.id: (None, "Ben Carter"), by_email.id: (holder.id, None), guest.id: (holder.id, None),
                        earlier.id: (holder.id, None)}
        assert aware((await db.must_get(uow, Contact, holder.id)).created_at) == now - timedelta(days=1)
        assert [(row.kind, row.merged_contact_id) for row in (await session.execute(
            select(ContactMerge).order_by(ContactMerge.id))).scalars()] == [
            ("merged", by_email.id), ("merged", guest.id), ("identified", None)]
