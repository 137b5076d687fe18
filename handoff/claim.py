"""Taking a ticket: one conditional UPDATE decides, so two agents never hold the same ticket."""

from __future__ import annotations

from sqlalchemy import update

from handoff import wording
from handoff.clock import utcnow
from handoff.conversations import append_message, get_conversation
from handoff.db import rows_changed
from handoff.errors import AlreadyClaimed, IllegalTransition
from handoff.models import Agent, Ticket
from handoff.states import State, TicketStatus
from handoff.status import Actor, transition
from handoff.tickets import TICKET_ASSIGNED, get_ticket, ticket_view
from handoff.uow import UnitOfWork


async def claim(uow: UnitOfWork, ticket_id: int, agent: Agent, by: Actor | None = None) -> Ticket:
    """Gives a waiting ticket to `agent`; raises AlreadyClaimed when it went to someone else first.

    `by` is who decided (the agent themselves, a supervisor, or the auto-assigner).
    """
    now = utcnow()
    won = await uow.session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.status == TicketStatus.QUEUED, Ticket.agent_id.is_(None))
        .values(status=TicketStatus.ASSIGNED, agent_id=agent.id, assigned_at=now, snoozed_until=None)
        .execution_options(synchronize_session=False)
    )
    ticket = await get_ticket(uow.session, ticket_id)
    await uow.session.refresh(ticket)
    if rows_changed(won) != 1:
        raise _why_not(ticket)
    by = by or Actor("agent", agent.id, agent.display_name)
    conversation = await get_conversation(uow.session, ticket.conversation_id)
    reason = "claimed" if by.agent_id == agent.id else f"assigned to {agent.display_name}"
    await transition(uow, conversation, State.ASSIGNED, by, reason, ticket.id, agent_name=agent.display_name)
    agent.last_assigned_at = now
    await append_message(
        uow, conversation, direction="out", author_kind="system", text=wording.joined(agent.display_name)
    )
    uow.emit(TICKET_ASSIGNED, ticket=await ticket_view(uow.session, ticket))
    return ticket


def _why_not(ticket: Ticket) -> Exception:
    if ticket.status == TicketStatus.ASSIGNED:
        return AlreadyClaimed("Another agent already took this ticket.")
    return IllegalTransition(ticket.status, TicketStatus.ASSIGNED)
