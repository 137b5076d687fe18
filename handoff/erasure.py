"""Erasing a shopper: their contact anonymised, and in every conversation of theirs the words,
names, emails, photos and what the tickets kept of them (trigger text, summary, anger cues,
rating comment, agents' notes) removed, with Rasa's tracker events of those conversations. What
stays is the skeleton the desk's figures need: that a conversation and its tickets happened,
when, on which channel, their states, times and ratings. The retention job erases old
conversations the same way (handoff/retention.py).

Rasa's tracker store is a separate database: its events are deleted first, so a failure there
leaves the hub untouched and the erasure can simply be asked for again (it is idempotent).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from handoff.clock import utcnow
from handoff.models import (
    Attachment,
    Contact,
    ContactIdentity,
    ContactMerge,
    ContactNote,
    ContactTag,
    Conversation,
    Message,
    Note,
    Ticket,
    Transition,
)
from handoff.rasa_trackers import TrackerStore
from handoff.review_models import Review

ERASED_NOTE = "[erased]"


@dataclass(frozen=True)
class Erased:
    conversations: int
    messages: int
    attachments: int
    tracker_events: int

    def as_json(self) -> dict[str, int]:
        return {"conversations": self.conversations, "messages": self.messages, "attachments": self.attachments,
                "tracker_events": self.tracker_events}


async def contact_family(session: AsyncSession, contact: Contact) -> list[int]:
    """The contact and every contact merged into it (their rows point at it)."""
    merged = (await session.execute(select(Contact.id).where(Contact.merged_into_id == contact.id))).scalars()
    return [contact.id, *merged]


async def conversations_of(session: AsyncSession, contact: Contact) -> list[str]:
    """Every conversation of the shopper: linked to the contact, or carrying its email (conversations
    from before contacts existed, tickets that recorded the email)."""
    family = await contact_family(session, contact)
    matches: list[ColumnElement[bool]] = [Conversation.contact_id.in_(family)]
    if contact.email:
        email = contact.email.lower()
        matches.append(Conversation.customer_email == email)
        matches.append(Conversation.id.in_(select(Ticket.conversation_id).where(
            or_(Ticket.customer_email == email, Ticket.contact_email == email))))
    return list((await session.execute(select(Conversation.id).where(or_(*matches)))).scalars())


async def erase_contact(session: AsyncSession, trackers: TrackerStore, contact: Contact) -> Erased:
    conversation_ids = await conversations_of(session, contact)
    tracker_events = await trackers.delete(conversation_ids)
    counts = await anonymise_conversations(session, conversation_ids)
    family = await contact_family(session, contact)
    for model in (ContactIdentity, ContactTag, ContactNote):
        await session.execute(delete(model).where(model.contact_id.in_(family)))
    await session.execute(delete(ContactMerge).where(or_(ContactMerge.contact_id.in_(family),
                                                         ContactMerge.merged_contact_id.in_(family))))
    now = utcnow()
    await session.execute(update(Contact).where(Contact.id.in_(family)).values(
        name=None, email=None, phone=None, address=None, shop_customer_id=None, shop_tier=None, tier=None,
        order_count=0, lifetime_value_cents=0, last_order_at=None, erased_at=now)
        .execution_options(synchronize_session="fetch"))
    await session.flush()
    return Erased(len(conversation_ids), counts[0], counts[1], tracker_events)


async def anonymise_conversations(session: AsyncSession, conversation_ids: Sequence[str]) -> tuple[int, int]:
    """Removes the personal data of these conversations from the hub's tables; returns how many
    messages and photos it touched."""
    if not conversation_ids:
        return 0, 0
    ids = list(conversation_ids)
    messages = await session.execute(update(Message).where(Message.conversation_id.in_(ids)).values(
        text=None, buttons=[], custom=None, attachments=None)
        .execution_options(synchronize_session="fetch"))
    await session.execute(update(Message).where(Message.conversation_id.in_(ids), Message.author_kind == "shopper")
                          .values(author_name=None).execution_options(synchronize_session="fetch"))
    photos = await session.execute(delete(Attachment).where(Attachment.conversation_id.in_(ids)))
    tickets = select(Ticket.id).where(Ticket.conversation_id.in_(ids))
    await session.execute(update(Note).where(Note.ticket_id.in_(tickets)).values(text=ERASED_NOTE)
                          .execution_options(synchronize_session="fetch"))
    # A reviewer's note may quote the shopper.
    await session.execute(update(Review).where(Review.conversation_id.in_(ids), Review.note.is_not(None))
                          .values(note=ERASED_NOTE).execution_options(synchronize_session="fetch"))
    await session.execute(update(Ticket).where(Ticket.conversation_id.in_(ids)).values(
        customer_id=None, customer_name=None, customer_email=None, contact_email=None, trigger_text=None,
        summary={}, anger=None, severity_cues=[], csat_comment=None)
        .execution_options(synchronize_session="fetch"))
    await session.execute(update(Transition).where(Transition.conversation_id.in_(ids), Transition.actor_kind != "agent")
                          .values(actor_name=None).execution_options(synchronize_session="fetch"))
    await session.execute(update(Conversation).where(Conversation.id.in_(ids)).values(
        display_name=None, customer_email=None, channel_user_id=None, erased_at=utcnow())
        .execution_options(synchronize_session="fetch"))
    await session.flush()
    return max(messages.rowcount or 0, 0), max(photos.rowcount or 0, 0)  # type: ignore[attr-defined]
