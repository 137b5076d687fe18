"""What an agent does with a ticket: reply, note, transfer, snooze, resolve."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from handoff import wording
from handoff.agents import is_online, open_ticket_counts
from handoff.clock import utcnow
from handoff.conversations import append_message, get_conversation
from handoff.db import rows_changed
from handoff.errors import AgentUnavailable, AtCapacity, BadInput, Forbidden, WrongTicketState
from handoff.models import Agent, Message, Note, Ticket
from handoff.redaction import redact
from handoff.roles import at_least
from handoff.serialize import note_json
from handoff.states import CsatState, State, TicketStatus
from handoff.status import Actor, transition
from handoff.teams import check_team
from handoff.tickets import (
    NOTE_CREATED,
    TICKET_RESOLVED,
    TICKET_SNOOZED,
    TICKET_TRANSFERRED,
    TICKET_UPDATED,
    get_ticket,
    ticket_view,
)
from handoff.uow import UnitOfWork

MAX_SNOOZE_MINUTES = 7 * 24 * 60


def actor_of(agent: Agent) -> Actor:
    return Actor("agent", agent.id, agent.display_name)


def require_holder(ticket: Ticket, agent: Agent, supervisors_too: bool = True) -> None:
    if ticket.status != TicketStatus.ASSIGNED:
        raise WrongTicketState(f"This ticket is {ticket.status}: only a ticket an agent holds can be answered, "
                               "transferred or resolved.")
    if ticket.agent_id == agent.id or (supervisors_too and at_least(agent, "supervisor")):
        return
    raise Forbidden("Another agent holds this ticket.")


async def reply(uow: UnitOfWork, ticket_id: int, agent: Agent, text: str) -> Message:
    """Only the holder speaks to the shopper, so the shopper never hears two people at once."""
    ticket = await get_ticket(uow.session, ticket_id)
    require_holder(ticket, agent, supervisors_too=False)
    conversation = await get_conversation(uow.session, ticket.conversation_id)
    message = await append_message(uow, conversation, direction="out", author_kind="agent", author_name=agent.display_name,
                                   agent_id=agent.id, text=redact(text).text)
    if ticket.first_response_at is None:
        ticket.first_response_at = message.created_at
        await uow.session.flush()
        uow.emit(TICKET_UPDATED, ticket=await ticket_view(uow.session, ticket))
    return message


async def add_note(uow: UnitOfWork, ticket_id: int, agent: Agent, text: str) -> Note:
    ticket = await get_ticket(uow.session, ticket_id)
    note = Note(ticket_id=ticket.id, agent_id=agent.id, text=redact(text).text, created_at=utcnow())
    uow.session.add(note)
    await uow.session.flush()
    uow.emit(NOTE_CREATED, ticket_id=ticket.id, note=note_json(note, agent.display_name))
    return note


async def transfer_to_agent(
    uow: UnitOfWork, ticket_id: int, agent: Agent, target: Agent, presence_timeout: timedelta
) -> Ticket:
    """To a colleague who is online and has room (capacity)."""
    ticket = await get_ticket(uow.session, ticket_id)
    require_holder(ticket, agent)
    if not target.active:
        raise BadInput("That agent's account is disabled.", "invalid_field")
    if target.id == ticket.agent_id:
        raise BadInput("The ticket is already with that agent.", "invalid_field")
    if not is_online(target, utcnow(), presence_timeout):
        raise AgentUnavailable(f"{target.display_name} is not online; a ticket given to them would wait unseen. "
                               "Send it back to the queue instead.")
    held = (await open_ticket_counts(uow.session)).get(target.id, 0)
    if held >= target.capacity:
        raise AtCapacity(f"{target.display_name} already holds {held} of {target.capacity} tickets; "
                         "choose someone with room, or send it back to the queue.")
    moved = await uow.session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.agent_id == ticket.agent_id, Ticket.status == TicketStatus.ASSIGNED)
        .values(agent_id=target.id, assigned_at=utcnow(), snoozed_until=None)
        .execution_options(synchronize_session=False)
    )
    await uow.session.refresh(ticket)
    if rows_changed(moved) != 1:
        raise WrongTicketState(f"The ticket changed meanwhile (it is {ticket.status} now); nothing was transferred.")
    conversation = await get_conversation(uow.session, ticket.conversation_id)
    reason = f"transferred to {target.display_name}"
    await transition(uow, conversation, State.ASSIGNED, actor_of(agent), reason, ticket.id, target.display_name)
    target.last_assigned_at = utcnow()
    await append_message(uow, conversation, direction="out", author_kind="system", text=wording.joined(target.display_name))
    uow.emit(TICKET_TRANSFERRED, ticket=await ticket_view(uow.session, ticket))
    return ticket


async def transfer_to_team(uow: UnitOfWork, ticket_id: int, agent: Agent, team_name: object) -> Ticket:
    """Back into the queue for that team (None: the general queue, anyone may take it), keeping
    the original waiting time (and so its place)."""
    team = await check_team(uow.session, team_name)
    ticket = await get_ticket(uow.session, ticket_id)
    if ticket.status == TicketStatus.QUEUED:
        ticket.team = team
        await uow.session.flush()
        uow.emit(TICKET_TRANSFERRED, ticket=await ticket_view(uow.session, ticket))
        return ticket
    require_holder(ticket, agent)
    conversation = await get_conversation(uow.session, ticket.conversation_id)
    where = f"team {team}" if team else "the general queue"
    await transition(uow, conversation, State.QUEUED, actor_of(agent), f"transferred to {where}", ticket.id)
    ticket.team, ticket.status, ticket.agent_id, ticket.snoozed_until = team, TicketStatus.QUEUED, None, None
    await uow.session.flush()
    told = wording.passed_to_team(team) if team else wording.passed_to_general_queue()
    await append_message(uow, conversation, direction="out", author_kind="system", text=told)
    uow.emit(TICKET_TRANSFERRED, ticket=await ticket_view(uow.session, ticket))
    return ticket


async def snooze(uow: UnitOfWork, ticket_id: int, agent: Agent, minutes: int) -> Ticket:
    """Out of sight until then, or until the shopper writes."""
    if not 1 <= minutes <= MAX_SNOOZE_MINUTES:
        raise BadInput(f"'minutes' must be between 1 and {MAX_SNOOZE_MINUTES}.", "invalid_field")
    ticket = await get_ticket(uow.session, ticket_id)
    if ticket.status == TicketStatus.RESOLVED:
        raise WrongTicketState("A resolved ticket cannot be snoozed.")
    if ticket.status == TicketStatus.ASSIGNED:
        require_holder(ticket, agent)
    elif not at_least(agent, "supervisor"):
        raise Forbidden("Only a supervisor can snooze a waiting ticket.")
    ticket.snoozed_until = utcnow() + timedelta(minutes=minutes)
    await uow.session.flush()
    uow.emit(TICKET_SNOOZED, ticket=await ticket_view(uow.session, ticket))
    return ticket


async def resolve(uow: UnitOfWork, ticket_id: int, agent: Agent) -> Ticket:
    """assigned -> resolved: the bot takes the conversation back and asks for the rating."""
    ticket = await get_ticket(uow.session, ticket_id)
    require_holder(ticket, agent)
    conversation = await get_conversation(uow.session, ticket.conversation_id)
    await transition(uow, conversation, State.RESOLVED, actor_of(agent), "resolved by agent", ticket.id)
    ticket.status, ticket.resolved_at, ticket.snoozed_until = TicketStatus.RESOLVED, utcnow(), None
    ticket.csat_state = CsatState.AWAITING_RATING
    await uow.session.flush()
    holder = ticket.agent_id
    await append_message(
        uow, conversation, direction="out", author_kind="system", text=wording.resolved(_holder_name(agent, holder))
    )
    uow.emit(TICKET_RESOLVED, ticket=await ticket_view(uow.session, ticket), conversation_id=conversation.id)
    return ticket


def _holder_name(agent: Agent, holder_id: int | None) -> str:
    return agent.display_name if holder_id == agent.id else "Our team"
