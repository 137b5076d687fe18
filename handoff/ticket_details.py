"""The two views of a ticket that show a customer's data, each leaving an audit row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from handoff import audit
from handoff.clock import utcnow
from handoff.conversations import messages_after
from handoff.models import Agent, Note, Ticket, Transition
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
    audit.record(session, agent, audit.VIEW_TRANSCRIPT, ticket.customer_email or ticket.conversation_id, ticket.id)
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
    past = await _past_tickets(uow, ticket, customer.email if customer else ticket.customer_email)
    audit.record(session, agent, audit.VIEW_CUSTOMER, customer.email if customer else ticket.customer_email, ticket.id)
    return {
        "customer": customer.as_json() if customer else None,
        "verified": bool(customer and customer.verified),
        "orders": orders,
        "past_tickets": past,
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
