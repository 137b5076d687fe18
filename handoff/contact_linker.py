"""Recognises shoppers after the fact, from events: when a message or a handoff shows who the
shopper is, their conversation's contact becomes the shop customer's (handoff/contacts.py).

Proofs, strongest first: an email the channel proved (the shop's signed identity) or the bot's
order form verified (the handoff's verified order); an order number together with the email or
phone on that order in the shopper's recent messages (the same proof the order form asks for).
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff import contact_facts as facts
from handoff import contacts
from handoff.contact_facts import Rules, refresh
from handoff.conversations import get_conversation, is_conversation_id, latest_ticket
from handoff.customers import Customer, CustomerDirectory
from handoff.delivery import MESSAGE_CREATED
from handoff.errors import NotFound
from handoff.events import Event, beside
from handoff.models import Contact, Conversation, Message
from handoff.tickets import TICKET_QUEUED, TICKET_RESOLVED, TICKET_UPDATED
from handoff.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)
# Worth a look at the shop: a 5-digit order number, an email, or a run of 6 or more digits (a phone).
_MATERIAL = re.compile(r"(?<!\d)\d{5}(?!\d)|@|\d(?:[\s\-./()]*\d){5,}")
_RECENT = 10
_TICKET_EVENTS = (TICKET_QUEUED, TICKET_RESOLVED, TICKET_UPDATED)


class ContactLinker:
    def __init__(self, uows: UnitOfWorkFactory, directory: CustomerDirectory, rules: Rules) -> None:
        self._uows = uows
        self._directory = directory
        self._rules = rules
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def on_event(self, event: Event) -> None:
        if event.type == MESSAGE_CREATED and event.data["message"]["author_kind"] == "shopper":
            message, text = event.data["message"], event.data["message"]["text"] or ""
            # Neither a proven email nor anything that may name an order: nothing to link, nothing to read.
            if event.data["proven_email"] or _MATERIAL.search(text):
                # Beside the router's call to the bot, which the link never changes (hub/router.py).
                await beside(self.recognise(message["conversation_id"], text))
        elif event.type in _TICKET_EVENTS:
            # A new ticket or rating changes the facts that tags come from.
            await self.recognise(event.data["ticket"]["conversation_id"], "", rederive=True)

    async def recognise(self, conversation_id: str, text: str, rederive: bool = False) -> None:
        # One at a time per conversation, in the order asked: a message's link, running beside
        # the bot's turn, before the facts a ticket that turn opened brings.
        lock = self._locks.get(conversation_id)
        if lock is None:
            lock = self._locks[conversation_id] = asyncio.Lock()
        async with lock:
            await self._recognise(conversation_id, text, rederive)

    async def _recognise(self, conversation_id: str, text: str, rederive: bool) -> None:
        # The shop is asked before the write transaction, so that no writer waits behind its reads.
        shop = _ShopAnswers(self._directory)
        if not rederive and not await self._may_link(conversation_id, text, shop):
            return
        async with self._uows() as uow:
            conversation = await get_conversation(uow.session, conversation_id)
            contact = await contacts.contact_of(uow.session, conversation)
            before = (contact.id, contact.shop_customer_id)
            contact = await _by_proven_email(uow, shop, conversation, contact) or contact
            if _may_name_an_order(contact.shop_customer_id, text):
                contact = await _by_order_and_contact(uow, shop, conversation) or contact
            if (contact.id, contact.shop_customer_id) != before:
                await refresh(uow.session, shop, contact, await self._rules(uow))
            elif rederive:
                await facts.rederive(uow.session, contact, await self._rules(uow))
            await uow.commit()

    async def _may_link(self, conversation_id: str, text: str, shop: _ShopAnswers) -> bool:
        """Whether this message could change who the contact is, read without the write lock, with
        the shop's answers to what the write transaction will ask kept in `shop`: most messages
        cannot (a known shopper, or one who gave nothing), nor can an email the shop does not know
        or an order number without the email or phone on it."""
        async with self._uows.reading() as session:
            row = (await session.execute(_LINK_STATE, {"conversation_id": conversation_id})).one_or_none() \
                if is_conversation_id(conversation_id) else None
            if row is None:
                raise NotFound("No such conversation.")
            proven, contact_id, shop_customer_id, merged_into_id = row
            if merged_into_id is not None:  # as contacts.get_contact: the contact it was merged into
                survivor = await session.get(Contact, merged_into_id)
                contact_id, shop_customer_id = (survivor.id, survivor.shop_customer_id) if survivor else (None, None)
            if contact_id is None:
                return True
            email = await _unlinked_email(session, proven, contact_id)
            texts = await _recent_texts(session, conversation_id) if _may_name_an_order(shop_customer_id, text) else []
        customer = await shop.identify(email) if email else None
        if customer is None and texts:
            found = await shop.proven_owner(texts)
            customer = found[0] if found else None
        if customer is not None and shop_customer_id is None:
            await shop.orders(customer.id)  # what the link's refresh reads
        return customer is not None


# What _may_link needs of the conversation and its contact, in one statement of columns (the two as
# objects took two statements, each row made an object of its session).
_LINK_STATE = (select(Conversation.customer_email, Contact.id, Contact.shop_customer_id, Contact.merged_into_id)
               .select_from(Conversation).outerjoin(Contact, Contact.id == Conversation.contact_id)
               .where(Conversation.id == bindparam("conversation_id")))


class _ShopAnswers:
    """The directory, answering a question asked again with the same inputs from its first answer:
    the write transaction asks what _may_link asked (the conversation's messages take turns, so
    its inputs are the same unless another hub changed the contact meanwhile: then it reads)."""

    def __init__(self, directory: CustomerDirectory) -> None:
        self._directory = directory
        self._customers: dict[str, Customer | None] = {}
        self._owners: dict[tuple[str, ...], tuple[Customer, str] | None] = {}
        self._orders: dict[int, list[dict[str, Any]]] = {}

    async def identify(self, email: str) -> Customer | None:
        if email not in self._customers:
            self._customers[email] = await self._directory.identify(email, None)
        return self._customers[email]

    async def proven_owner(self, texts: list[str]) -> tuple[Customer, str] | None:
        key = tuple(texts)
        if key not in self._owners:
            self._owners[key] = await self._directory.proven_owner(texts)
        return self._owners[key]

    async def orders(self, customer_id: int) -> list[dict[str, Any]]:
        if customer_id not in self._orders:
            self._orders[customer_id] = await self._directory.orders(customer_id)
        return self._orders[customer_id]


async def _by_proven_email(uow: UnitOfWork, shop: _ShopAnswers, conversation: Conversation,
                           contact: Contact) -> Contact | None:
    email = await _unlinked_email(uow.session, conversation.customer_email, contact.id)
    if email is None:
        return None
    customer = await shop.identify(email)
    if customer is None:
        return None
    ticket = await latest_ticket(uow.session, conversation.id)
    verified_order = (ticket.summary or {}).get("verified_order_id") if ticket else None
    proof = contacts.Proof(contacts.BOT_VERIFIED_ORDER, verified_order) if verified_order \
        else contacts.Proof(contacts.SIGNED_IDENTITY)
    return await contacts.identify(uow.session, conversation, customer, proof)


async def _by_order_and_contact(uow: UnitOfWork, shop: _ShopAnswers, conversation: Conversation) -> Contact | None:
    found = await shop.proven_owner(await _recent_texts(uow.session, conversation.id))
    if found is None:
        return None
    customer, order_number = found
    log.info("conversation %s: the shopper proved an order of theirs; contact linked", conversation.id)
    return await contacts.identify(uow.session, conversation, customer, contacts.Proof(contacts.ORDER_AND_CONTACT,
                                                                                        order_number))


_RECENT_TEXTS = (select(Message.text).where(Message.conversation_id == bindparam("conversation_id"),
                                            Message.author_kind == "shopper")
                 .order_by(Message.seq.desc()).limit(_RECENT))


async def _recent_texts(session: AsyncSession, conversation_id: str) -> list[str]:
    return [text for text in (await session.execute(_RECENT_TEXTS, {"conversation_id": conversation_id})).scalars()
            if text]


async def _unlinked_email(session: AsyncSession, proven: str | None, contact_id: int) -> str | None:
    """The email the conversation proved (`proven`), unless it is already this contact's."""
    email = (proven or "").lower()
    if not email:
        return None
    holder = await contacts.by_identity(session, contacts.EMAIL, email)
    return None if holder is not None and holder.id == contact_id else email


def _may_name_an_order(shop_customer_id: int | None, text: str) -> bool:
    """An unknown shopper's (no shop customer yet) message with an order number, an email or a phone in it."""
    return shop_customer_id is None and bool(_MATERIAL.search(text))
