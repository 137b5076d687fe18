"""Finding tickets: the console's views (mine, unassigned, all open, resolved), filters and search."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, cast, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from handoff.errors import BadInput
from handoff.models import Agent, Conversation, Message, Ticket, TicketLabel
from handoff.queue import QUEUE_ORDER
from handoff.states import TicketStatus

VIEWS = ("mine", "unassigned", "assigned", "open", "resolved", "all")
MAX_QUERY = 200


@dataclass(frozen=True)
class TicketFilter:
    view: str = "all"
    team: str | None = None  # a team name, "none" for the general queue, "mine" for the agent's teams and it
    severity: str | None = None
    reason: str | None = None
    channel: str | None = None
    label: str | None = None
    text: str | None = None
    limit: int = 100

    def __post_init__(self) -> None:
        if self.view not in VIEWS:
            raise BadInput(f"'view' must be one of {', '.join(VIEWS)}.", "invalid_field")
        if self.text is not None and len(self.text) > MAX_QUERY:
            raise BadInput(f"'q' must be at most {MAX_QUERY} characters.", "invalid_field")


def _like(value: str) -> str:
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _view(view: str, agent: Agent) -> list[ColumnElement[bool]]:
    if view == "mine":
        return [Ticket.status == TicketStatus.ASSIGNED, Ticket.agent_id == agent.id]
    if view == "unassigned":
        return [Ticket.status == TicketStatus.QUEUED]
    if view == "assigned":
        return [Ticket.status == TicketStatus.ASSIGNED]
    if view == "open":
        return [Ticket.status.in_((TicketStatus.QUEUED, TicketStatus.ASSIGNED))]
    if view == "resolved":
        return [Ticket.status == TicketStatus.RESOLVED]
    return []


def _search(text: str) -> ColumnElement[bool]:
    """Customer name or email, order number, ticket id, or any word in the conversation."""
    pattern = _like(text)
    said = exists().where(
        Message.conversation_id == Ticket.conversation_id, func.lower(Message.text).like(pattern, escape="\\")
    )
    matches = [
        func.lower(Ticket.customer_name).like(pattern, escape="\\"),
        func.lower(Ticket.customer_email).like(pattern, escape="\\"),
        func.lower(Ticket.contact_email).like(pattern, escape="\\"),
        func.lower(Ticket.trigger_text).like(pattern, escape="\\"),
        cast(Ticket.summary, String).like(pattern, escape="\\"),
        said,
    ]
    number = text.lstrip("#")
    if number.isdigit() and int(number) < 2**31:
        matches.append(Ticket.id == int(number))
    return or_(*matches)


def _conditions(found: TicketFilter, agent: Agent) -> list[ColumnElement[bool]]:
    conditions = _view(found.view, agent)
    if found.team == "none":
        conditions.append(Ticket.team.is_(None))
    elif found.team == "mine":
        if agent.teams:
            conditions.append(or_(Ticket.team.is_(None), Ticket.team.in_(list(agent.teams))))
    elif found.team:
        conditions.append(Ticket.team == found.team)
    if found.severity:
        conditions.append(Ticket.severity == found.severity)
    if found.reason:
        # Reasons are a JSON list of codes; a code in quotes matches only that code.
        conditions.append(cast(Ticket.reasons, String).like(f'%"{found.reason}"%'))
    if found.channel:
        conditions.append(
            exists().where(Conversation.id == Ticket.conversation_id, Conversation.channel == found.channel)
        )
    if found.label:
        conditions.append(exists().where(TicketLabel.ticket_id == Ticket.id, TicketLabel.label == found.label))
    if found.text and found.text.strip():
        conditions.append(_search(found.text.strip()))
    return conditions


async def find_tickets(session: AsyncSession, agent: Agent, found: TicketFilter) -> list[Ticket]:
    query = select(Ticket).where(*_conditions(found, agent))
    order = QUEUE_ORDER if found.view == "unassigned" else (Ticket.id.desc(),)
    query = query.order_by(*order).limit(found.limit)
    return list((await session.execute(query)).scalars())
