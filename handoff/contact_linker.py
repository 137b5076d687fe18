"""Recognises shoppers after the fact, from events: when a message or a handoff shows who the
shopper is, their conversation's contact becomes the shop customer's (handoff/contacts.py).

Proofs, strongest first: an email the channel proved (the shop's signed identity) or the bot's
order form verified (the handoff's verified order); an order number together with the email or
phone on that order in the shopper's recent messages (the same proof the order form asks for).
"""

from __future__ import annotations

import logging
import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff import contact_facts as facts
from handoff import contacts
from handoff.contact_facts import Rules, refresh
from handoff.conversations import get_conversation, latest_ticket
from handoff.customers import CustomerDirectory
from handoff.delivery import MESSAGE_CREATED
from handoff.events import Event
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

    async def on_event(self, event: Event) -> None:
        if event.type == MESSAGE_CREATED and event.data["message"]["author_kind"] == "shopper":
            message, text = event.data["message"], event.data["message"]["text"] or ""
            # Neither a proven email nor anything that may name an order: nothing to link, nothing to read.
            if event.data["proven_email"] or _MATERIAL.search(text):
                await self.recognise(message["conversation_id"], text)
        elif event.type in _TICKET_EVENTS:
            # A new ticket or rating changes the facts that tags come from.
            await self.recognise(event.data["ticket"]["conversation_id"], "", rederive=True)

    async def recognise(self, conversation_id: str, text: str, rederive: bool = False) -> None:
        if not rederive and not await self._may_link(conversation_id, text):
            return
        async with self._uows() as uow:
            conversation = await get_conversation(uow.session, conversation_id)
            contact = await contacts.contact_of(uow.session, conversation)
            before = (contact.id, contact.shop_customer_id)
            contact = await self._by_proven_email(uow, conversation, contact) or contact
            if _may_name_an_order(contact, text):
                contact = await self._by_order_and_contact(uow, conversation) or contact
            if (contact.id, contact.shop_customer_id) != before:
                await refresh(uow.session, self._directory, contact, await self._rules(uow))
            elif rederive:
                await facts.rederive(uow.session, contact, await self._rules(uow))
            await uow.commit()

    async def _may_link(self, conversation_id: str, text: str) -> bool:
        """Whether this message could change who the contact is, read without the write lock: most
        messages of a conversation whose shopper is known, or who gave nothing, cannot."""
        async with self._uows.reading() as session:
            conversation = await get_conversation(session, conversation_id)
            contact = await contacts.get_contact(session, conversation.contact_id)
            if contact is None or await _unlinked_email(session, conversation, contact):
                return True
            return _may_name_an_order(contact, text)

    async def _by_proven_email(self, uow: UnitOfWork, conversation: Conversation, contact: Contact) -> Contact | None:
        email = await _unlinked_email(uow.session, conversation, contact)
        if email is None:
            return None
        customer = await self._directory.identify(email, None)
        if customer is None:
            return None
        ticket = await latest_ticket(uow.session, conversation.id)
        verified_order = (ticket.summary or {}).get("verified_order_id") if ticket else None
        proof = contacts.Proof(contacts.BOT_VERIFIED_ORDER, verified_order) if verified_order \
            else contacts.Proof(contacts.SIGNED_IDENTITY)
        return await contacts.identify(uow.session, conversation, customer, proof)

    async def _by_order_and_contact(self, uow: UnitOfWork, conversation: Conversation) -> Contact | None:
        query = (select(Message.text).where(Message.conversation_id == conversation.id, Message.author_kind == "shopper")
                 .order_by(Message.seq.desc()).limit(_RECENT))
        texts = [text for text in (await uow.session.execute(query)).scalars() if text]
        found = await self._directory.proven_owner(texts)
        if found is None:
            return None
        customer, order_number = found
        log.info("conversation %s: the shopper proved an order of theirs; contact linked", conversation.id)
        return await contacts.identify(uow.session, conversation, customer, contacts.Proof(contacts.ORDER_AND_CONTACT,
                                                                                            order_number))


async def _unlinked_email(session: AsyncSession, conversation: Conversation, contact: Contact) -> str | None:
    """The email the conversation proved, unless it is already this contact's."""
    email = (conversation.customer_email or "").lower()
    if not email:
        return None
    holder = await contacts.by_identity(session, contacts.EMAIL, email)
    return None if holder is not None and holder.id == contact.id else email


def _may_name_an_order(contact: Contact, text: str) -> bool:
    """An unknown shopper's message with an order number, an email or a phone in it."""
    return contact.shop_customer_id is None and bool(_MATERIAL.search(text))
