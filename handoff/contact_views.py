"""Contacts as the console shows them: the list with search and filters, and one contact's whole
story (every conversation on every channel, every ticket with its rating, tags, notes, and how we
came to know who they are). Unmasked here; handoff/masked_views.py masks per viewer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from handoff.clock import iso
from handoff.contacts import get_contact
from handoff.models import Agent, Contact, ContactMerge, ContactNote, ContactTag, Conversation, Ticket
from handoff.ticket_details import conversation_briefs
from handoff.tickets import tickets_view

_HISTORY = 200


@dataclass(frozen=True)
class ContactFilter:
    text: str | None = None  # name, email, phone (digits) or the shop's customer number
    tier: str | None = None
    tag: str | None = None
    channel: str | None = None
    identified: bool | None = None  # known to the shop, or guests only
    limit: int = 50
    before_id: int | None = None


def contact_json(contact: Contact, tags: list[ContactTag] | None = None) -> dict[str, Any]:
    return {
        "id": contact.id,
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "address": contact.address,
        "identified": contact.shop_customer_id is not None,
        "shop_customer_id": contact.shop_customer_id,
        "shop_tier": contact.shop_tier,
        "tier": contact.tier,
        "order_count": contact.order_count,
        "lifetime_value": f"{contact.lifetime_value_cents / 100:.2f}",
        "last_order_at": iso(contact.last_order_at),
        "first_seen_at": iso(contact.created_at),
        "last_seen_at": iso(contact.last_seen_at),
        "erased": contact.erased_at is not None,
        "tags": [{"tag": tag.tag, "source": tag.source} for tag in sorted(tags or [], key=lambda t: t.tag)],
    }


async def tags_of(session: AsyncSession, contact_ids: list[int]) -> dict[int, list[ContactTag]]:
    found: dict[int, list[ContactTag]] = {}
    if contact_ids:
        for tag in (await session.execute(select(ContactTag).where(ContactTag.contact_id.in_(contact_ids)))).scalars():
            found.setdefault(tag.contact_id, []).append(tag)
    return found


async def list_contacts(session: AsyncSession, found: ContactFilter) -> list[dict[str, Any]]:
    query = _filtered(select(Contact), found).order_by(Contact.id.desc()).limit(found.limit)
    contacts = list((await session.execute(query)).scalars())
    ids = [contact.id for contact in contacts]
    tags = await tags_of(session, ids)
    counts = await _counts(session, ids)
    return [contact_json(c, tags.get(c.id)) | counts.get(c.id, {"conversations": 0, "tickets": 0, "channels": []})
            for c in contacts]


def _filtered(query: Select[tuple[Contact]], found: ContactFilter) -> Select[tuple[Contact]]:
    query = query.where(Contact.merged_into_id.is_(None), Contact.erased_at.is_(None))
    if found.text:
        needle = found.text.strip().lower()
        like = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        digits = "".join(char for char in needle if char.isdigit())
        matches: list[ColumnElement[bool]] = [func.lower(Contact.name).like(like, escape="\\"),
                                              func.lower(Contact.email).like(like, escape="\\")]
        if len(digits) >= 4:
            matches.append(func.replace(func.replace(Contact.phone, " ", ""), "-", "").like(f"%{digits}%"))
        if digits and digits == needle and len(digits) < 10:
            matches.append(Contact.shop_customer_id == int(digits))
        query = query.where(or_(*matches))
    if found.tier:
        query = query.where(Contact.tier == found.tier)
    if found.tag:
        query = query.where(exists().where(ContactTag.contact_id == Contact.id, ContactTag.tag == found.tag))
    if found.channel:
        query = query.where(exists().where(Conversation.contact_id == Contact.id, Conversation.channel == found.channel))
    if found.identified is not None:
        query = query.where(Contact.shop_customer_id.is_not(None) if found.identified else Contact.shop_customer_id.is_(None))
    if found.before_id:
        query = query.where(Contact.id < found.before_id)
    return query


async def _counts(session: AsyncSession, ids: list[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = (await session.execute(
        select(Conversation.contact_id, Conversation.channel, func.count(Conversation.id), func.count(Ticket.id))
        .outerjoin(Ticket, Ticket.conversation_id == Conversation.id)
        .where(Conversation.contact_id.in_(ids)).group_by(Conversation.contact_id, Conversation.channel))).all()
    found: dict[int, dict[str, Any]] = {}
    for contact_id, channel, conversations, tickets in rows:
        entry = found.setdefault(contact_id, {"conversations": 0, "tickets": 0, "channels": []})
        entry["conversations"] += conversations
        entry["tickets"] += tickets
        entry["channels"].append(channel)
    return found


async def contact_page(session: AsyncSession, contact: Contact) -> dict[str, Any]:
    tags = (await tags_of(session, [contact.id])).get(contact.id)
    return contact_json(contact, tags) | {
        "conversations": await contact_conversations(session, contact.id),
        "tickets": await contact_tickets(session, contact.id),
        "notes": await contact_notes(session, contact.id),
        "history": await _history(session, contact.id),
    }


async def contact_conversations(session: AsyncSession, contact_id: int, other_than: str | None = None) -> list[dict[str, Any]]:
    query = select(Conversation).where(Conversation.contact_id == contact_id)
    if other_than:
        query = query.where(Conversation.id != other_than)
    query = query.order_by(Conversation.created_at.desc()).limit(_HISTORY)
    return await conversation_briefs(session, list((await session.execute(query)).scalars()))


async def contact_tickets(session: AsyncSession, contact_id: int, other_than: int | None = None) -> list[dict[str, Any]]:
    query = (select(Ticket).join(Conversation, Conversation.id == Ticket.conversation_id)
             .where(Conversation.contact_id == contact_id))
    if other_than:
        query = query.where(Ticket.id != other_than)
    found = list((await session.execute(query.order_by(Ticket.id.desc()).limit(_HISTORY))).scalars())
    return await tickets_view(session, found, {})


async def contact_notes(session: AsyncSession, contact_id: int) -> list[dict[str, Any]]:
    rows = (await session.execute(
        select(ContactNote, Agent.display_name).join(Agent, Agent.id == ContactNote.agent_id)
        .where(ContactNote.contact_id == contact_id).order_by(ContactNote.id.desc()))).all()
    return [note_json(note, name) for note, name in rows]


def note_json(note: ContactNote, agent_name: str | None) -> dict[str, Any]:
    return {"id": note.id, "contact_id": note.contact_id, "agent": {"id": note.agent_id, "display_name": agent_name},
            "text": note.text, "created_at": iso(note.created_at)}


async def _history(session: AsyncSession, contact_id: int) -> list[dict[str, Any]]:
    rows = (await session.execute(select(ContactMerge).where(ContactMerge.contact_id == contact_id)
                                  .order_by(ContactMerge.id))).scalars()
    return [{"kind": row.kind, "proof": row.proof, "order_number": row.order_number,
             "merged_contact_id": row.merged_contact_id, "conversation_id": row.conversation_id, "at": iso(row.created_at)}
            for row in rows]


async def with_contact(session: AsyncSession, panel: dict[str, Any], ticket_id: int) -> dict[str, Any]:
    """The ticket's customer panel with the shopper's contact: tier, tags, notes, and every other
    conversation and ticket of theirs on any channel (besides those found by email)."""
    ticket = await session.get(Ticket, ticket_id)
    conversation = await session.get(Conversation, ticket.conversation_id) if ticket else None
    contact = await get_contact(session, conversation.contact_id) if conversation else None
    if ticket is None or contact is None:
        return panel | {"contact": None}
    tags = (await tags_of(session, [contact.id])).get(contact.id)
    tickets = await contact_tickets(session, contact.id, other_than=ticket.id)
    conversations = await contact_conversations(session, contact.id, other_than=ticket.conversation_id)
    return panel | {
        "contact": contact_json(contact, tags) | {"notes": await contact_notes(session, contact.id)},
        "past_tickets": _unique(tickets + panel.get("past_tickets", []), "id"),
        "conversations": _unique(conversations + panel.get("conversations", []), "conversation_id"),
    }


def _unique(items: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    seen: set[Any] = set()
    kept = []
    for item in items:
        if item[key] not in seen:
            seen.add(item[key])
            kept.append(item)
    return kept


async def has_tickets(session: AsyncSession, contact_id: int) -> bool:
    query = select(exists().where(and_(Conversation.contact_id == contact_id, Ticket.conversation_id == Conversation.id)))
    return bool((await session.execute(query)).scalar())
