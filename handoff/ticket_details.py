"""The two views of a ticket that show a customer's data, each leaving an audit row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff import audit
from handoff.clock import iso, utcnow
from handoff.contacts import audit_subject
from handoff.conversations import messages_after
from handoff.models import Agent, Conversation, Message, Note, Ticket, Transition
from handoff.queue import queue_infos
from handoff.serialize import message_json, note_json, transition_json
from handoff.settings import HubSettings
from handoff.tickets import Desk, get_ticket, ticket_view, tickets_view
from handoff.uow import UnitOfWork

_TRANSCRIPT_LIMIT = 5000
_PAST_TICKETS = 20


async def ticket_detail(uow: UnitOfWork, settings: HubSettings, ticket_id: int, agent: Agent) -> dict[str, Any]:
    session = uow.session
    ticket = await get_ticket(session, ticket_id)
    info = (await queue_infos(session, settings, utcnow())).get(ticket.id)
    view = await ticket_view(session, ticket, info)
    notes_query = select(Note, Agent.display_name).join(Agent).where(Note.ticket_id == ticket.id).order_by(Note.id)
    notes = (await session.execute(notes_query)).all()
    transitions_query = select(Transition).where(Transition.conversation_id == ticket.conversation_id).order_by(Transition.id)
    transitions = (await session.execute(transitions_query)).scalars()
    messages = await messages_after(session, ticket.conversation_id, 0, _TRANSCRIPT_LIMIT, include_internal=True)
    audit.record(session, agent, audit.VIEW_TRANSCRIPT, await audit_subject(session, ticket.conversation_id), ticket.id)
    return view | {
        "summary": ticket.summary,
        "anger": ticket.anger,
        "notes": [note_json(note, name) for note, name in notes],
        "transitions": [transition_json(row) for row in transitions],
        "messages": [message_json(message) for message in messages],
    }


async def customer_panel(uow: UnitOfWork, desk: Desk, ticket_id: int, agent: Agent) -> dict[str, Any]:
    session = uow.session
    ticket = await get_ticket(session, ticket_id)
    customer = await desk.directory.identify(ticket.customer_email, (ticket.summary or {}).get("order_id"))
    orders = await desk.directory.orders(customer.id) if customer else []
    email = customer.email if customer and customer.verified else ticket.customer_email
    past = await _past_tickets(uow, ticket, email)
    audit.record(session, agent, audit.VIEW_CUSTOMER, await audit_subject(session, ticket.conversation_id), ticket.id)
    return {
        "customer": customer.as_json() if customer else None,
        "verified": bool(customer and customer.verified),
        "orders": orders,
        "past_tickets": past,
        "conversations": await earlier_conversations(session, ticket.conversation_id, email),
    }


async def _past_tickets(uow: UnitOfWork, ticket: Ticket, email: str | None) -> list[dict[str, Any]]:
    if not email:
        return []
    query = (
        select(Ticket)
        .where(Ticket.customer_email == email, Ticket.id != ticket.id)
        .order_by(Ticket.id.desc())
        .limit(_PAST_TICKETS)
    )
    return await tickets_view(uow.session, list((await uow.session.execute(query)).scalars()), {})


async def earlier_conversations(session: AsyncSession, conversation_id: str, email: str | None) -> list[dict[str, Any]]:
    """The shopper's other conversations on any channel, with or without a ticket: the same
    proven email, or the same person on the same channel (e.g. one Telegram user)."""
    current = await session.get(Conversation, conversation_id)
    same_person = []
    if email:
        same_person.append(Conversation.customer_email == email)
    if current is not None and current.channel_user_id:
        same_person.append(and_(Conversation.channel == current.channel,
                                Conversation.channel_user_id == current.channel_user_id))
    if not same_person:
        return []
    query = (
        select(Conversation)
        .where(or_(*same_person), Conversation.id != conversation_id)
        .order_by(Conversation.created_at.desc())
        .limit(_PAST_TICKETS)
    )
    return await conversation_briefs(session, list((await session.execute(query)).scalars()))


async def conversation_briefs(session: AsyncSession, found: list[Conversation]) -> list[dict[str, Any]]:
    """Each conversation with its channel, state, opening words and latest ticket (with its rating)."""
    tickets = await _latest_tickets(session, [c.id for c in found])
    openers = await _first_shopper_texts(session, [c.id for c in found])
    return [
        {
            "conversation_id": conversation.id,
            "channel": conversation.channel,
            "state": conversation.state,
            "started_at": iso(conversation.created_at),
            "preview": (openers.get(conversation.id) or "")[:200],
            "ticket": _ticket_brief(tickets.get(conversation.id)),
        }
        for conversation in found
    ]


def _ticket_brief(ticket: Ticket | None) -> dict[str, Any] | None:
    if ticket is None:
        return None
    return {"id": ticket.id, "status": ticket.status, "rating": ticket.csat_rating, "reasons": list(ticket.reasons or [])}


async def _latest_tickets(session: AsyncSession, conversation_ids: list[str]) -> dict[str, Ticket]:
    if not conversation_ids:
        return {}
    query = select(Ticket).where(Ticket.conversation_id.in_(conversation_ids)).order_by(Ticket.id)
    return {ticket.conversation_id: ticket for ticket in (await session.execute(query)).scalars()}


async def _first_shopper_texts(session: AsyncSession, conversation_ids: list[str]) -> dict[str, str]:
    if not conversation_ids:
        return {}
    first = (
        select(Message.conversation_id, func.min(Message.seq).label("seq"))
        .where(Message.conversation_id.in_(conversation_ids), Message.author_kind == "shopper")
        .group_by(Message.conversation_id)
        .subquery()
    )
    query = select(Message.conversation_id, Message.text).join(
        first, and_(Message.conversation_id == first.c.conversation_id, Message.seq == first.c.seq)
    )
    return {row.conversation_id: row.text or "" for row in (await session.execute(query)).all()}
