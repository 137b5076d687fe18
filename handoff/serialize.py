"""JSON shapes of the hub's records, the same for the REST API, the websocket and channels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handoff.clock import aware, iso, utcnow
from handoff.models import Agent, Message, Note, Ticket, Transition
from handoff.states import CsatState, TicketStatus


def message_json(message: Message) -> dict[str, Any]:
    return {
        "conversation_id": message.conversation_id,
        "seq": message.seq,
        "direction": message.direction,
        "author_kind": message.author_kind,
        "author_name": message.author_name,
        "text": message.text,
        "buttons": list(message.buttons or []),
        "custom": message.custom,
        "attachments": list(message.attachments or []),
        "internal": message.internal,
        "created_at": iso(message.created_at),
    }


def shopper_message_json(message: Message) -> dict[str, Any]:
    data = message_json(message)
    del data["internal"]
    return data


def agent_json(agent: Agent, online: bool, open_tickets: int) -> dict[str, Any]:
    return {
        "id": agent.id,
        "email": agent.email,
        "display_name": agent.display_name,
        "role": agent.role,
        "teams": list(agent.teams or []),
        "capacity": agent.capacity,
        "status": agent.status,
        "active": agent.active,
        "takes_tickets": agent.takes_tickets,
        "online": online,
        "open_tickets": open_tickets,
    }


def ticket_json(
    ticket: Ticket,
    agent_name: str | None,
    position: int | None = None,
    last_seq: int | None = None,
    now: datetime | None = None,
    labels: list[str] | None = None,
    channel: str | None = None,
) -> dict[str, Any]:
    now = now or utcnow()
    waiting_from = aware(ticket.queued_at)
    waited_until = aware(ticket.assigned_at) if ticket.status != TicketStatus.QUEUED and ticket.assigned_at else now
    return {
        "id": ticket.id,
        "conversation_id": ticket.conversation_id,
        "status": ticket.status,
        "reasons": list(ticket.reasons or []),
        "severity": ticket.severity,
        "severity_cues": list(ticket.severity_cues or []),
        "tier": ticket.tier,
        "priority": ticket.priority,
        "team": ticket.team,
        "labels": labels or [],
        "channel": channel,
        "agent": {"id": ticket.agent_id, "display_name": agent_name} if ticket.agent_id else None,
        "customer": _customer(ticket),
        "contact_email": ticket.contact_email,
        "preview": (ticket.trigger_text or "")[:200],
        "position": position,
        "queued_at": iso(ticket.queued_at),
        "waiting_seconds": max(0, int((waited_until - waiting_from).total_seconds())),
        "created_at": iso(ticket.created_at),
        "assigned_at": iso(ticket.assigned_at),
        "first_response_due": iso(ticket.first_response_due),
        "resolution_due": iso(ticket.resolution_due),
        "first_response_at": iso(ticket.first_response_at),
        "resolved_at": iso(ticket.resolved_at),
        "sla": _sla(ticket, now),
        "snoozed_until": iso(ticket.snoozed_until),
        "csat": _csat(ticket),
        "last_seq": last_seq,
    }


def _customer(ticket: Ticket) -> dict[str, Any] | None:
    if not (ticket.customer_email or ticket.customer_name):
        return None
    return {"id": ticket.customer_id, "name": ticket.customer_name, "email": ticket.customer_email}


def _sla(ticket: Ticket, now: datetime) -> dict[str, bool]:
    responded = aware(ticket.first_response_at) if ticket.first_response_at else now
    resolved = aware(ticket.resolved_at) if ticket.resolved_at else now
    return {
        "first_response_breached": responded > aware(ticket.first_response_due),
        "resolution_breached": resolved > aware(ticket.resolution_due),
    }


def _csat(ticket: Ticket) -> dict[str, Any] | None:
    if ticket.csat_state == CsatState.NONE:
        return None
    return {"state": ticket.csat_state, "rating": ticket.csat_rating, "nps": ticket.nps_score, "comment": ticket.csat_comment}


def note_json(note: Note, agent_name: str | None) -> dict[str, Any]:
    return {
        "id": note.id,
        "ticket_id": note.ticket_id,
        "agent": {"id": note.agent_id, "display_name": agent_name},
        "text": note.text,
        "created_at": iso(note.created_at),
    }


def transition_json(row: Transition) -> dict[str, Any]:
    return {
        "from": row.from_state,
        "to": row.to_state,
        "actor_kind": row.actor_kind,
        "actor_name": row.actor_name,
        "reason": row.reason,
        "ticket_id": row.ticket_id,
        "at": iso(row.created_at),
    }
