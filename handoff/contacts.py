"""One contact per shopper across channels. A conversation gets its contact when the shopper first
writes (the Telegram user's or the proven email's if we know them, else a new guest); when the
shopper proves who they are (the shop's signed identity, the bot's order check, or an order number
with the email or phone on it) the contact becomes the shop customer's, merging with the one that
customer already had. Every such step is recorded with its proof (contact_merges).

Two shop customers are never merged: a contact that already is one customer stays so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.clock import aware, utcnow
from handoff.conversations import is_conversation_id
from handoff.customers import Customer
from handoff.errors import NotFound
from handoff.models import Contact, ContactIdentity, ContactMerge, ContactNote, ContactTag, Conversation

EMAIL, SHOP_CUSTOMER, TELEGRAM = "email", "shop_customer", "telegram"
SIGNED_IDENTITY, BOT_VERIFIED_ORDER, ORDER_AND_CONTACT = "signed_identity", "bot_verified_order", "order_and_contact"
IDENTIFIED, MERGED = "identified", "merged"
# Channels whose user id names one person over time.
_PERSONAL_CHANNELS = {"telegram": TELEGRAM}


@dataclass(frozen=True)
class Proof:
    kind: str  # SIGNED_IDENTITY | BOT_VERIFIED_ORDER | ORDER_AND_CONTACT
    order_number: str | None = None


async def get_contact(session: AsyncSession, contact_id: int | None) -> Contact | None:
    """The contact, or the one it was merged into."""
    contact = await session.get(Contact, contact_id) if contact_id else None
    if contact is not None and contact.merged_into_id is not None:
        contact = await session.get(Contact, contact.merged_into_id)
    return contact


async def audit_subject(session: AsyncSession, conversation_id: str) -> str:
    """How the audit log names the customer of a conversation: by contact number, never by email or
    name (erasure must leave nothing in a log that cannot change)."""
    conversation = await session.get(Conversation, conversation_id)
    contact = await get_contact(session, conversation.contact_id) if conversation else None
    return f"contact:{contact.id}" if contact else f"conversation:{conversation_id}"


async def by_identity(session: AsyncSession, kind: str, value: str) -> Contact | None:
    row = await session.get(ContactIdentity, (kind, value))
    return await get_contact(session, row.contact_id) if row else None


# How fresh a contact's "last seen" is kept: not rewritten on every message of a conversation.
LAST_SEEN_STEP = timedelta(minutes=1)


async def contact_of(session: AsyncSession, conversation: Conversation) -> Contact:
    """The conversation's contact, made now if it has none."""
    contact = await get_contact(session, conversation.contact_id)
    personal = _PERSONAL_CHANNELS.get(conversation.channel)
    if contact is None and personal and conversation.channel_user_id:
        contact = await by_identity(session, personal, conversation.channel_user_id)
    if contact is None and conversation.customer_email:
        contact = await by_identity(session, EMAIL, conversation.customer_email.lower())
    now = utcnow()
    if contact is None:
        contact = Contact(name=conversation.display_name, created_at=now, last_seen_at=now)
        session.add(contact)
        await session.flush()
        if personal and conversation.channel_user_id:
            await _give(session, contact, personal, conversation.channel_user_id)
    if conversation.contact_id != contact.id:
        conversation.contact_id = contact.id
    if contact.last_seen_at is None or now - aware(contact.last_seen_at) >= LAST_SEEN_STEP:
        contact.last_seen_at = now
    return contact


class ContactSeen(NamedTuple):
    """What seen() reads of the conversation's contact (both None when it has none)."""

    merged_into_id: int | None
    last_seen_at: datetime | None


# Built once (a statement made per call is built, coerced and keyed each time: handoff/conversations.py).
_SEEN = select(Contact.merged_into_id, Contact.last_seen_at).where(Contact.id == bindparam("contact_id"))
_CONVERSATION_SEEN = (select(Conversation, Contact.merged_into_id, Contact.last_seen_at)
                      .outerjoin(Contact, Contact.id == Conversation.contact_id)
                      .where(Conversation.id == bindparam("conversation_id")))


async def conversation_seen(session: AsyncSession, conversation_id: str) -> tuple[Conversation, ContactSeen]:
    """get_conversation for a shopper's message, read with what seen() needs of its contact, in one
    statement: one fewer in the transaction that stores the message, with the write lock held."""
    row = (await session.execute(_CONVERSATION_SEEN, {"conversation_id": conversation_id})).one_or_none() \
        if is_conversation_id(conversation_id) else None
    if row is None:
        raise NotFound("No such conversation.")
    return row[0], ContactSeen(row[1], row[2])


async def seen(session: AsyncSession, conversation: Conversation, known: ContactSeen | None = None) -> None:
    """contact_of for a message the shopper sent, without loading the contact in the usual case:
    the conversation has one, it was not merged away and it was seen within LAST_SEEN_STEP.
    `known`: the contact's row as read in this transaction already (conversation_seen)."""
    if conversation.contact_id is not None:
        row = known or (await session.execute(_SEEN, {"contact_id": conversation.contact_id})).one_or_none()
        if row is not None and row.merged_into_id is None and row.last_seen_at is not None \
                and utcnow() - aware(row.last_seen_at) < LAST_SEEN_STEP:
            return
    await contact_of(session, conversation)


async def identify(session: AsyncSession, conversation: Conversation, customer: Customer, proof: Proof) -> Contact:
    """The shopper in this conversation is the shop's `customer`: their contact becomes that
    customer's, merged with every other contact the customer had."""
    current = await contact_of(session, conversation)
    if current.shop_customer_id is not None and current.shop_customer_id != customer.id:
        return current
    holders = [found for found in (await by_identity(session, SHOP_CUSTOMER, str(customer.id)),
                                   await by_identity(session, EMAIL, customer.email.lower())) if found is not None]
    survivor = holders[0] if holders else current
    absorbed = [c for c in {c.id: c for c in (*holders, current)}.values() if c.id != survivor.id]
    for contact in absorbed:
        await _merge(session, contact, survivor)
        session.add(ContactMerge(contact_id=survivor.id, merged_contact_id=contact.id, kind=MERGED, proof=proof.kind,
                                 order_number=proof.order_number, conversation_id=conversation.id, created_at=utcnow()))
    if survivor.shop_customer_id is None:
        session.add(ContactMerge(contact_id=survivor.id, kind=IDENTIFIED, proof=proof.kind, order_number=proof.order_number,
                                 conversation_id=conversation.id, created_at=utcnow()))
    survivor.shop_customer_id, survivor.shop_tier = customer.id, customer.tier
    survivor.name, survivor.email, survivor.phone = customer.name, customer.email.lower(), customer.phone
    await _give(session, survivor, SHOP_CUSTOMER, str(customer.id))
    await _give(session, survivor, EMAIL, customer.email.lower())
    conversation.contact_id = survivor.id
    await session.flush()
    return survivor


async def _give(session: AsyncSession, contact: Contact, kind: str, value: str) -> None:
    row = await session.get(ContactIdentity, (kind, value))
    if row is None:
        session.add(ContactIdentity(kind=kind, value=value, contact_id=contact.id, created_at=utcnow()))
    else:
        row.contact_id = contact.id
    await session.flush()


async def _merge(session: AsyncSession, source: Contact, survivor: Contact) -> None:
    """Everything of `source` becomes the survivor's; `source` stays as a pointer to it."""
    await session.flush()
    for model in (Conversation, ContactIdentity, ContactNote, ContactMerge):
        await session.execute(update(model).where(model.contact_id == source.id).values(contact_id=survivor.id)
                              .execution_options(synchronize_session="fetch"))
    await session.execute(update(Contact).where(Contact.merged_into_id == source.id).values(merged_into_id=survivor.id))
    survivor_tags = set((await session.execute(select(ContactTag.tag).where(ContactTag.contact_id == survivor.id))).scalars())
    for tag in (await session.execute(select(ContactTag).where(ContactTag.contact_id == source.id))).scalars():
        if tag.tag not in survivor_tags:
            session.add(ContactTag(contact_id=survivor.id, tag=tag.tag, source=tag.source, agent_id=tag.agent_id,
                                   created_at=tag.created_at))
    await session.execute(delete(ContactTag).where(ContactTag.contact_id == source.id))
    survivor.name = survivor.name or source.name
    survivor.created_at = min(aware(survivor.created_at), aware(source.created_at))
    survivor.last_seen_at = max(aware(survivor.last_seen_at), aware(source.last_seen_at))
    source.merged_into_id = survivor.id
    source.name = source.email = source.phone = source.address = None
    await session.flush()
