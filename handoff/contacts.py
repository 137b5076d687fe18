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
from typing import NamedTuple, cast

from sqlalchemy import Integer, Table, and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

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
    email = customer.email.lower()
    # The customer's two identities and their contacts in one statement (by_identity twice took up
    # to four, and _give read the identities again), with the rows kept for _give.
    found = {identity.kind: (identity, contact) for identity, contact in (await session.execute(
        _IDENTITIES, {"customer": str(customer.id), "email": email})).tuples()}
    holders = []
    for kind in (SHOP_CUSTOMER, EMAIL):
        holder = await get_contact(session, found[kind][1].id) if kind in found else None
        if holder is not None:
            holders.append(holder)
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
    survivor.name, survivor.email, survivor.phone = customer.name, email, customer.phone
    for kind, value in ((SHOP_CUSTOMER, str(customer.id)), (EMAIL, email)):
        _give_row(session, found[kind][0] if kind in found else None, survivor, kind, value)
    conversation.contact_id = survivor.id
    await session.flush()
    return survivor


_IDENTITIES = (select(ContactIdentity, Contact).join(Contact, Contact.id == ContactIdentity.contact_id)
               .where(or_(and_(ContactIdentity.kind == SHOP_CUSTOMER, ContactIdentity.value == bindparam("customer")),
                          and_(ContactIdentity.kind == EMAIL, ContactIdentity.value == bindparam("email")))))


async def _give(session: AsyncSession, contact: Contact, kind: str, value: str) -> None:
    _give_row(session, await session.get(ContactIdentity, (kind, value)), contact, kind, value)
    await session.flush()


def _give_row(session: AsyncSession, row: ContactIdentity | None, contact: Contact, kind: str, value: str) -> None:
    """_give with the identity's row as read already (None: there is none), unflushed."""
    if row is None:
        session.add(ContactIdentity(kind=kind, value=value, contact_id=contact.id, created_at=utcnow()))
    else:
        row.contact_id = contact.id


# What a merge changes in the database, built once, as Core statements: the ORM's "fetch"
# synchronisation (RETURNING and a pass over the rows) and its ORM statements cost more than the
# statements themselves; _follow brings the session's objects along instead.
_CONTACTS, _TAGS = cast(Table, Contact.__table__), cast(Table, ContactTag.__table__)
_HELD = _TAGS.alias("held")  # the survivor's tags
# What points at a contact by contact_id.
_POINTING = (Conversation, ContactIdentity, ContactNote, ContactMerge)
_REPOINT = [update(table).where(table.c.contact_id == bindparam("source_id")).values(contact_id=bindparam("survivor_id"))
            for table in (cast(Table, model.__table__) for model in _POINTING)]
_REPOINT_MERGED = (update(_CONTACTS).where(_CONTACTS.c.merged_into_id == bindparam("source_id"))
                   .values(merged_into_id=bindparam("survivor_id")))
# The source's tags the survivor has not got, copied in one statement (no tag read into the session).
_COPY_TAGS = insert(_TAGS).from_select(
    ["contact_id", "tag", "source", "agent_id", "created_at"],
    select(bindparam("survivor_id", type_=Integer), _TAGS.c.tag, _TAGS.c.source, _TAGS.c.agent_id, _TAGS.c.created_at)
    .where(_TAGS.c.contact_id == bindparam("source_id"),
           _TAGS.c.tag.not_in(select(_HELD.c.tag).where(_HELD.c.contact_id == bindparam("survivor_id")))))
_DROP_TAGS = delete(_TAGS).where(_TAGS.c.contact_id == bindparam("source_id"))
_MERGE = (*_REPOINT, _REPOINT_MERGED, _COPY_TAGS, _DROP_TAGS)


async def _merge(session: AsyncSession, source: Contact, survivor: Contact) -> None:
    """Everything of `source` becomes the survivor's; `source` stays as a pointer to it. Unflushed."""
    await session.flush()
    ids = {"source_id": source.id, "survivor_id": survivor.id}
    for statement in _MERGE:
        await session.execute(statement, ids)
    _follow(session, source.id, survivor.id)
    survivor.name = survivor.name or source.name
    survivor.created_at = min(aware(survivor.created_at), aware(source.created_at))
    survivor.last_seen_at = max(aware(survivor.last_seen_at), aware(source.last_seen_at))
    source.merged_into_id = survivor.id
    source.name = source.email = source.phone = source.address = None


def _follow(session: AsyncSession, source_id: int, survivor_id: int) -> None:
    """The session's loaded objects as _MERGE left their rows (what synchronize_session did): what
    pointed at the source points at the survivor, the source's tags are gone."""
    for instance in list(session.identity_map.values()):
        loaded = instance.__dict__
        if isinstance(instance, _POINTING) and loaded.get("contact_id") == source_id:
            set_committed_value(instance, "contact_id", survivor_id)
        elif isinstance(instance, Contact) and loaded.get("merged_into_id") == source_id:
            set_committed_value(instance, "merged_into_id", survivor_id)
        elif isinstance(instance, ContactTag) and loaded.get("contact_id") == source_id:
            session.expunge(instance)
