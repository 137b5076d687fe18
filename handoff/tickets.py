"""Tickets: opened from the bot's handoff signal, and their views for the console."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff import agents, sla_settings, wording
from handoff.clock import utcnow
from handoff.conversations import append_message
from handoff.customers import Customer, CustomerDirectory
from handoff.delivery import emit_notice
from handoff.errors import NotFound
from handoff.labels import labels_of
from handoff.models import Conversation, Message, Ticket
from handoff.queue import QueueInfo, queue_infos
from handoff.serialize import ticket_json
from handoff.settings import HubSettings
from handoff.severity import SEVERITY_RANK, TIER_RANK, priority, severity_for, urgent_cues
from handoff.signals import HandoffSignal
from handoff.sla import due_times
from handoff.states import State, TicketStatus
from handoff.status import BOT, transition
from handoff.teams import team_for
from handoff.uow import UnitOfWork

TICKET_QUEUED = "ticket.queued"
TICKET_ASSIGNED = "ticket.assigned"
TICKET_TRANSFERRED = "ticket.transferred"
# Back in the queue because its agent went away, went offline or whose console was gone too long.
TICKET_RELEASED = "ticket.released"
TICKET_SNOOZED = "ticket.snoozed"
TICKET_UNSNOOZED = "ticket.unsnoozed"
TICKET_RESOLVED = "ticket.resolved"
TICKET_UPDATED = "ticket.updated"
NOTE_CREATED = "note.created"
_RECENT_SHOPPER_TEXTS = 10


@dataclass(frozen=True)
class Desk:
    """What the ticket services need besides the unit of work."""

    settings: HubSettings
    directory: CustomerDirectory


async def open_ticket(uow: UnitOfWork, desk: Desk, conversation: Conversation, signal: HandoffSignal) -> Ticket:
    """bot -> queued: the ticket with everything an agent needs, and the shopper told what happens."""
    now = utcnow()
    customer = await _customer(desk, conversation, signal)
    if customer is not None and customer.verified and not conversation.customer_email:
        # The shopper proved who they are in the chat: their later conversations know them too.
        conversation.customer_email = customer.email
    texts = [signal.message or ""] + await _recent_shopper_texts(uow.session, conversation.id)
    cues = urgent_cues(texts)
    severity = severity_for(signal.reasons, cues)
    tier = customer.tier if customer else None
    levels = await sla_settings.policy(uow.session, desk.settings)
    due = due_times(severity, now, levels.first_response, levels.resolution, levels.hours)
    ticket = Ticket(
        conversation_id=conversation.id,
        status=TicketStatus.QUEUED,
        reasons=list(signal.reasons),
        severity=severity,
        severity_rank=SEVERITY_RANK[severity],
        severity_cues=cues,
        tier=tier,
        tier_rank=TIER_RANK.get(tier or "", 0),
        priority=priority(severity, tier),
        team=await team_for(uow.session, signal.summary.get("intents", [])),
        customer_id=customer.id if customer else None,
        customer_name=customer.name if customer else conversation.display_name,
        customer_email=customer.email if customer and customer.verified else conversation.customer_email,
        trigger_text=signal.message or (texts[1] if len(texts) > 1 else None),
        summary=signal.summary,
        anger=signal.anger,
        created_at=now,
        queued_at=now,
        first_response_due=due.first_response,
        resolution_due=due.resolution,
    )
    uow.session.add(ticket)
    await uow.session.flush()
    await transition(uow, conversation, State.QUEUED, BOT, ", ".join(signal.reasons), ticket.id)
    info = (await queue_infos(uow.session, desk.settings, now))[ticket.id]
    await append_message(uow, conversation, direction="out", author_kind="system", text=wording.connecting(info))
    emit_notice(uow, conversation, "queue", info.as_json())
    uow.emit(TICKET_QUEUED, ticket=await ticket_view(uow.session, ticket))
    return ticket


async def _customer(desk: Desk, conversation: Conversation, signal: HandoffSignal) -> Customer | None:
    """Who the shopper is: proven by the channel, or by the bot (order number + the contact on the
    order), or only guessed from an order number they typed (not verified)."""
    verified_order = signal.summary.get("verified_order_id")
    customer = await desk.directory.identify(conversation.customer_email, verified_order or signal.summary.get("order_id"))
    if customer is not None and verified_order and not customer.verified:
        customer = replace(customer, verified=True)
    return customer


async def _recent_shopper_texts(session: AsyncSession, conversation_id: str) -> list[str]:
    query = (
        select(Message.text)
        .where(Message.conversation_id == conversation_id, Message.author_kind == "shopper")
        .order_by(Message.seq.desc())
        .limit(_RECENT_SHOPPER_TEXTS)
    )
    return [text for text in (await session.execute(query)).scalars() if text]


async def get_ticket(session: AsyncSession, ticket_id: int) -> Ticket:
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("No such ticket.")
    return ticket


async def ticket_view(
    session: AsyncSession, ticket: Ticket, info: QueueInfo | None = None, now: datetime | None = None
) -> dict[str, Any]:
    names = await agents.names(session, {ticket.agent_id} if ticket.agent_id else set())
    conversation = await session.get(Conversation, ticket.conversation_id)
    return ticket_json(
        ticket,
        names.get(ticket.agent_id) if ticket.agent_id else None,
        position=info.position if info else None,
        last_seq=conversation.last_seq if conversation else None,
        now=now,
        labels=(await labels_of(session, {ticket.id})).get(ticket.id),
        channel=conversation.channel if conversation else None,
    )


async def tickets_view(session: AsyncSession, tickets: list[Ticket], infos: dict[int, QueueInfo]) -> list[dict[str, Any]]:
    now = utcnow()
    names = await agents.names(session, {t.agent_id for t in tickets if t.agent_id})
    conversations = await _conversations(session, {t.conversation_id for t in tickets})
    labels = await labels_of(session, {t.id for t in tickets})
    return [
        ticket_json(
            ticket,
            names.get(ticket.agent_id) if ticket.agent_id else None,
            position=infos[ticket.id].position if ticket.id in infos else None,
            last_seq=conversations.get(ticket.conversation_id, (None, None))[0],
            now=now,
            labels=labels.get(ticket.id),
            channel=conversations.get(ticket.conversation_id, (None, None))[1],
        )
        for ticket in tickets
    ]


async def _conversations(session: AsyncSession, conversation_ids: set[str]) -> dict[str, tuple[int, str]]:
    """Last sequence number and channel of each conversation."""
    if not conversation_ids:
        return {}
    query = select(Conversation.id, Conversation.last_seq, Conversation.channel).where(Conversation.id.in_(conversation_ids))
    return {row.id: (row.last_seq, row.channel) for row in (await session.execute(query)).all()}
