"""What agents do with a contact: open it, tag it, note something, reveal a masked value."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff import audit
from handoff.clock import utcnow
from handoff.contact_facts import RULE
from handoff.contact_rules import clean_tag
from handoff.contact_views import has_tickets
from handoff.contacts import get_contact
from handoff.errors import BadInput, Forbidden, NotFound
from handoff.models import Agent, Contact, ContactNote, ContactTag
from handoff.redaction import redact
from handoff.roles import at_least

MAX_TAGS = 20
REVEALABLE = ("email", "phone", "address")
MIN_REASON, MAX_REASON = 5, 500
MANUAL = "manual"


def subject(contact: Contact) -> str:
    """How the audit log names a customer: never by email or name, which erasure must be able to remove."""
    return f"contact:{contact.id}"


async def open_contact(session: AsyncSession, contact_id: int, agent: Agent) -> Contact:
    """Supervisors open any contact; agents those with a ticket (the people the desk serves)."""
    contact = await get_contact(session, contact_id)
    if contact is None or contact.erased_at is not None:
        raise NotFound("No such contact.")
    if not at_least(agent, "supervisor") and not await has_tickets(session, contact.id):
        raise Forbidden("Agents open the contacts of tickets; this one has none.")
    return contact


async def set_tags(session: AsyncSession, contact: Contact, agent: Agent, raw: object) -> list[str]:
    """The contact's own tags become `raw`; tags the rules give stay."""
    if not isinstance(raw, list) or len(raw) > MAX_TAGS:
        raise BadInput(f"'tags' must be a list of at most {MAX_TAGS} tags.", "invalid_field")
    wanted = sorted({clean_tag(tag) for tag in raw})
    current = {tag.tag: tag for tag in (await session.execute(
        select(ContactTag).where(ContactTag.contact_id == contact.id))).scalars()}
    gone = [name for name, tag in current.items() if tag.source == MANUAL and name not in wanted]
    if gone:
        await session.execute(delete(ContactTag).where(ContactTag.contact_id == contact.id, ContactTag.tag.in_(gone)))
    for name in wanted:
        if name not in current:
            session.add(ContactTag(contact_id=contact.id, tag=name, source=MANUAL, agent_id=agent.id, created_at=utcnow()))
        elif current[name].source == RULE:
            current[name].source, current[name].agent_id = MANUAL, agent.id  # kept even when the rule stops giving it
    await session.flush()
    return wanted


async def add_note(session: AsyncSession, contact: Contact, agent: Agent, text: str) -> ContactNote:
    note = ContactNote(contact_id=contact.id, agent_id=agent.id, text=redact(text).text, created_at=utcnow())
    session.add(note)
    await session.flush()
    return note


def reveal(session: AsyncSession, contact: Contact, agent: Agent, body: dict[str, Any], address: str,
           ticket_id: int | None = None) -> dict[str, Any]:
    """The masked values asked for, in full; the reason is kept in the audit log."""
    fields, reason = body.get("fields", list(REVEALABLE)), body.get("reason")
    if not isinstance(fields, list) or not fields or not all(field in REVEALABLE for field in fields):
        raise BadInput(f"'fields' must list some of {', '.join(REVEALABLE)}.", "invalid_field")
    reason = checked_reason(reason)
    audit.record(session, agent, audit.REVEAL, subject(contact), ticket_id=ticket_id,
                 details={"fields": sorted(set(fields)), "reason": reason}, address=address)
    return {field: getattr(contact, field) for field in sorted(set(fields))}


def checked_reason(reason: object) -> str:
    if not isinstance(reason, str) or not MIN_REASON <= len(reason.strip()) <= MAX_REASON:
        raise BadInput(f"Say why you need to see it ('reason', {MIN_REASON}-{MAX_REASON} characters).", "invalid_field")
    return redact(" ".join(reason.split())).text
