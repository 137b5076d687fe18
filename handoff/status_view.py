"""What a shopper's client needs to know about their conversation right now."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handoff import agents, csat
from handoff.clock import utcnow
from handoff.conversations import get_conversation, latest_ticket
from handoff.queue import queue_infos
from handoff.settings import HubSettings
from handoff.states import State, TicketStatus


async def conversation_status(session: AsyncSession, settings: HubSettings, conversation_id: str) -> dict[str, Any]:
    conversation = await get_conversation(session, conversation_id)
    ticket = await latest_ticket(session, conversation_id)
    queue = None
    if ticket is not None and ticket.status == TicketStatus.QUEUED:
        info = (await queue_infos(session, settings, utcnow())).get(ticket.id)
        queue = info.as_json() if info else None
    agent = None
    if ticket is not None and ticket.status == TicketStatus.ASSIGNED and ticket.agent_id:
        agent = {"display_name": (await agents.names(session, {ticket.agent_id})).get(ticket.agent_id)}
    return {
        "conversation_id": conversation.id,
        "state": conversation.state,
        "channel": conversation.channel,
        "queue": queue,
        "agent": agent,
        "awaiting": csat.awaiting(ticket) if conversation.state == State.RESOLVED else None,
        "last_seq": conversation.last_seq,
    }
