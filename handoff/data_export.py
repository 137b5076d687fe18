"""A shopper's data on request, as JSON or CSV: their contact (identities, tags, notes), every
conversation of theirs with its messages and photos (described, not the files), and every ticket
with its rating. Personal data is masked for a viewer without the personal data permission, as
everywhere else (handoff/masking.py)."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.clock import iso
from handoff.contact_views import contact_json, contact_notes, tags_of
from handoff.erasure import contact_family, conversations_of
from handoff.masking import Masker
from handoff.models import Attachment, Contact, ContactIdentity, Conversation, Message, Ticket

FORMATS = ("json", "csv")
CSV_COLUMNS = ("record", "conversation_id", "ticket_id", "at", "who", "field", "value")


async def export(session: AsyncSession, contact: Contact, masker: Masker) -> dict[str, Any]:
    family = await contact_family(session, contact)
    tags = (await tags_of(session, [contact.id])).get(contact.id)
    identities = (await session.execute(select(ContactIdentity.kind, ContactIdentity.value)
                                        .where(ContactIdentity.contact_id.in_(family)))).tuples()
    conversation_ids = await conversations_of(session, contact)
    return {
        "contact": masker.fields(contact_json(contact, tags)),
        "identities": [{"kind": kind, "value": masker.email(value) if kind == "email" else value}
                       for kind, value in identities],
        "notes": [masker.fields(note, texts=("text",)) for note in await contact_notes(session, contact.id)],
        "conversations": [await _conversation(session, conversation_id, masker) for conversation_id in conversation_ids],
    }


async def _conversation(session: AsyncSession, conversation_id: str, masker: Masker) -> dict[str, Any]:
    conversation = await session.get(Conversation, conversation_id)
    assert conversation is not None
    messages = (await session.execute(select(Message).where(Message.conversation_id == conversation_id, ~Message.internal)
                                      .order_by(Message.seq))).scalars()
    photos = (await session.execute(select(Attachment.id, Attachment.message_id, Attachment.content_type, Attachment.size)
                                    .where(Attachment.conversation_id == conversation_id))).tuples()
    tickets = (await session.execute(select(Ticket).where(Ticket.conversation_id == conversation_id)
                                     .order_by(Ticket.id))).scalars()
    return {
        "conversation_id": conversation.id,
        "channel": conversation.channel,
        "started_at": iso(conversation.created_at),
        "customer_email": masker.email(conversation.customer_email),
        "display_name": conversation.display_name,
        "messages": [{"seq": m.seq, "at": iso(m.created_at), "author_kind": m.author_kind, "author_name": m.author_name,
                      "text": masker.text(m.text)} for m in messages],
        "photos": [{"id": photo_id, "message_id": message_id, "content_type": kind, "size": size}
                   for photo_id, message_id, kind, size in photos],
        "tickets": [{"id": t.id, "status": t.status, "reasons": t.reasons, "created_at": iso(t.created_at),
                     "resolved_at": iso(t.resolved_at), "rating": t.csat_rating, "comment": masker.text(t.csat_comment)}
                    for t in tickets],
    }


def as_csv(data: dict[str, Any]) -> str:
    """One row per thing we hold: the contact's fields, identities, notes, messages, ratings."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    contact = data["contact"]
    for field in ("id", "name", "email", "phone", "address", "tier", "order_count", "lifetime_value", "first_seen_at"):
        writer.writerow(_safe(("contact", "", "", "", "", field, contact.get(field))))
    for tag in contact.get("tags", []):
        writer.writerow(_safe(("tag", "", "", "", tag["source"], "tag", tag["tag"])))
    for identity in data["identities"]:
        writer.writerow(_safe(("identity", "", "", "", "", identity["kind"], identity["value"])))
    for note in data["notes"]:
        writer.writerow(_safe(("note", "", "", note["created_at"], note["agent"]["display_name"], "text", note["text"])))
    for conversation in data["conversations"]:
        cid = conversation["conversation_id"]
        for message in conversation["messages"]:
            writer.writerow(_safe(("message", cid, "", message["at"], message["author_name"] or message["author_kind"],
                                   "text", message["text"])))
        for photo in conversation["photos"]:
            writer.writerow(_safe(("photo", cid, "", "", "shopper", photo["content_type"], photo["id"])))
        for ticket in conversation["tickets"]:
            writer.writerow(_safe(("ticket", cid, ticket["id"], ticket["created_at"], "", "rating", ticket["rating"])))
            if ticket["comment"]:
                writer.writerow(_safe(("ticket", cid, ticket["id"], ticket["created_at"], "", "comment", ticket["comment"])))
    return out.getvalue()


def _safe(row: tuple[object, ...]) -> list[str]:
    """Cells a spreadsheet will not run as formulas (a shopper's message can start with '=')."""
    cells = []
    for value in row:
        cell = "" if value is None else str(value)
        cells.append("'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell)
    return cells
