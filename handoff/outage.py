"""Tickets opened because the bot could not be reached, and their way back to the bot.

While Rasa is down, a conversation the bot holds becomes one ticket, like any handoff, so a
person can help if one is free. When Rasa is back, each such ticket that no agent has touched
(never assigned, so no agent has written either) goes back to the bot: the ticket is closed as
resolved without a rating, the conversation returns to `bot`, the shopper is told, and the
messages that waited are answered by the bot in order (the router does that).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handoff import wording
from handoff.conversations import append_message, get_conversation
from handoff.db import rows_changed
from handoff.models import Message, Ticket
from handoff.states import State, TicketStatus
from handoff.status import SYSTEM, transition
from handoff.tickets import TICKET_UPDATED, ticket_view
from handoff.uow import UnitOfWork

BOT_IS_BACK = "the assistant is back"


def waits_for_bot(ticket: Ticket | None) -> bool:
    """An outage ticket nobody has taken: its conversation's messages wait for the bot."""
    return (
        ticket is not None
        and ticket.bot_outage
        and ticket.status == TicketStatus.QUEUED
        and ticket.assigned_at is None
        and ticket.agent_id is None
    )


async def tickets_waiting_for_bot(session: AsyncSession, limit: int) -> list[Ticket]:
    query = (
        select(Ticket)
        .where(Ticket.bot_outage.is_(True), Ticket.status == TicketStatus.QUEUED, Ticket.assigned_at.is_(None))
        .order_by(Ticket.id)
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def hand_back(uow: UnitOfWork, ticket_id: int, now: datetime) -> bool:
    """Returns the conversation to the bot; False when an agent got there first (or it already went back)."""
    session = uow.session
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None or not waits_for_bot(ticket) or await _an_agent_wrote(session, ticket):
        return False
    taken = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.status == TicketStatus.QUEUED, Ticket.assigned_at.is_(None),
               Ticket.agent_id.is_(None))
        .values(status=TicketStatus.RESOLVED, resolved_at=now, snoozed_until=None)
        .execution_options(synchronize_session=False)
    )
    if rows_changed(taken) != 1:
        return False
    await session.refresh(ticket)
    conversation = await get_conversation(session, ticket.conversation_id)
    await transition(uow, conversation, State.BOT, SYSTEM, BOT_IS_BACK, ticket.id)
    await append_message(uow, conversation, direction="out", author_kind="system", text=wording.BOT_IS_BACK)
    uow.emit(TICKET_UPDATED, ticket=await ticket_view(session, ticket))
    return True


async def _an_agent_wrote(session: AsyncSession, ticket: Ticket) -> bool:
    query = select(
        exists().where(Message.conversation_id == ticket.conversation_id, Message.author_kind == "agent",
                       Message.created_at >= ticket.created_at)
    )
    return bool((await session.execute(query)).scalar())
