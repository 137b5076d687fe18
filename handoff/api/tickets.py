"""Agent ticket routes: queue, lists, detail, customer panel, and the actions on a ticket."""

from __future__ import annotations

import re
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from handoff import audit, labels, masked_views, ticket_actions
from handoff.api.context import services
from handoff.api.guard import requires
from handoff.api.requests import MAX_ID, db_id, int_arg, json_body
from handoff.claim import claim
from handoff.clock import utcnow
from handoff.contact_views import with_contact
from handoff.contacts import audit_subject
from handoff.conversations import messages_after
from handoff.errors import BadInput, NotFound
from handoff.models import Agent
from handoff.queue import queue_infos, queue_snapshot
from handoff.serialize import message_json, note_json
from handoff.states import TicketStatus
from handoff.text import clean_text
from handoff.ticket_details import customer_panel, ticket_detail
from handoff.ticket_search import TicketFilter, find_tickets
from handoff.tickets import TICKET_UPDATED, get_ticket, ticket_view, tickets_view
from handoff.uow import UnitOfWork

tickets = Blueprint("agent_tickets", url_prefix="/api/agent")
STATUSES = tuple(TicketStatus)
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,60}$")
_LEGACY_VIEWS: dict[str | None, str] = {None: "all", TicketStatus.QUEUED: "unassigned", TicketStatus.ASSIGNED: "assigned",
                 TicketStatus.RESOLVED: "resolved"}


@tickets.get("/queue")
@requires("agent")
async def queue(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    now = utcnow()
    waiting, infos = await queue_snapshot(uow.session, services(request).settings, now)
    return json({"tickets": await _shown_all(uow, agent, await tickets_view(uow.session, waiting, infos))})


@tickets.get("/tickets")
@requires("agent")
async def list_tickets(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    """The console's views with filters and search; `status` and `mine` remain as older shortcuts."""
    status = request.args.get("status")
    if status is not None and status not in STATUSES:
        raise BadInput(f"'status' must be one of {', '.join(STATUSES)}.", "invalid_field")
    found = await find_tickets(uow.session, agent, ticket_filter(request, status))
    infos = await queue_infos(uow.session, services(request).settings, utcnow())
    return json({"tickets": await _shown_all(uow, agent, await tickets_view(uow.session, found, infos))})


def ticket_filter(request: Request, status: str | None) -> TicketFilter:
    mine = request.args.get("mine") in ("1", "true")
    view = request.args.get("view") or ("mine" if mine else _LEGACY_VIEWS[status])
    fields = {name: _code_arg(request, name) for name in ("team", "severity", "reason", "channel")}
    label = request.args.get("label") or None
    return TicketFilter(view=view, label=label[:40] if label else None, text=request.args.get("q") or None,
                        limit=int_arg(request, "limit", 100, 1, 500), **fields)


def _code_arg(request: Request, name: str) -> str | None:
    value = request.args.get(name) or None
    if value is not None and not _CODE.match(value):
        raise BadInput(f"'{name}' must be a code (letters, digits, '_' or '-').", "invalid_field")
    return value


@tickets.get("/labels")
@requires("agent")
async def labels_in_use(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    return json({"labels": await labels.labels_in_use(uow.session)})


@tickets.put("/tickets/<ticket_id:int>/labels")
@requires("agent")
async def set_labels(request: Request, uow: UnitOfWork, agent: Agent, ticket_id: int) -> HTTPResponse:
    ticket = await get_ticket(uow.session, ticket_id)
    await labels.set_labels(uow.session, ticket.id, labels.clean_labels(json_body(request).get("labels")))
    view = await ticket_view(uow.session, ticket)
    uow.emit(TICKET_UPDATED, ticket=view)
    return json(await _shown(uow, agent, view))


@tickets.get("/tickets/<ticket_id:int>")
@requires("agent")
async def detail(request: Request, uow: UnitOfWork, agent: Agent, ticket_id: int) -> HTTPResponse:
    return json(await _shown(uow, agent, await ticket_detail(uow, services(request).settings, ticket_id, agent)))


@tickets.get("/tickets/<ticket_id:int>/messages")
@requires("agent")
async def transcript(request: Request, uow: UnitOfWork, agent: Agent, ticket_id: int) -> HTTPResponse:
    ticket = await get_ticket(uow.session, ticket_id)
    after = int_arg(request, "after", 0, 0, MAX_ID)
    messages = await messages_after(uow.session, ticket.conversation_id, after, 500, include_internal=True)
    audit.record(uow.session, agent, audit.VIEW_TRANSCRIPT, await audit_subject(uow.session, ticket.conversation_id),
                 ticket.id)
    last_seq = messages[-1].seq if messages else after
    masker = await masked_views.masker_for(uow.session, agent)
    return json({"messages": [masked_views.message(message_json(m), masker) for m in messages], "last_seq": last_seq})


@tickets.get("/tickets/<ticket_id:int>/customer")
@requires("agent")
async def customer(request: Request, uow: UnitOfWork, agent: Agent, ticket_id: int) -> HTTPResponse:
    panel = await with_contact(uow.session, await customer_panel(uow, services(request).desk, ticket_id, agent), ticket_id)
    return json(masked_views.customer_panel(panel, await masked_views.masker_for(uow.session, agent)))


@tickets.post("/tickets/<ticket_id:int>/claim")
@requires("agent")
async def claim_(request: Request, uow: UnitOfWork, agent: Agent, ticket_id: int) -> HTTPResponse:
    ticket = await claim(uow, ticket_id, agent)
    return json(await _shown(uow, agent, await ticket_view(uow.session, ticket)))


@tickets.post("/tickets/<ticket_id:int>/messages")
@requires("agent")
async def reply(request: Request, uow: UnitOfWork, agent: Agent, ticket_id: int) -> HTTPResponse:
    text = clean_text(json_body(request).get("text"), services(request).settings.max_text)
    message = await ticket_actions.reply(uow, ticket_id, agent, text)
    masker = await masked_views.masker_for(uow.session, agent)
    return json(masked_views.message(message_json(message), masker), status=201)


@tickets.post("/tickets/<ticket_id:int>/notes")
@requires("agent")
async def note(request: Request, uow: UnitOfWork, agent: Agent, ticket_id: int) -> HTTPResponse:
    text = clean_text(json_body(request).get("text"), services(request).settings.max_text)
    created = await ticket_actions.add_note(uow, ticket_id, agent, text)
    masker = await masked_views.masker_for(uow.session, agent)
    return json(masked_views.note(note_json(created, agent.display_name), masker), status=201)


@tickets.post("/tickets/<ticket_id:int>/transfer")
@requires("agent")
async def transfer(request: Request, uow: UnitOfWork, agent: Agent, ticket_id: int) -> HTTPResponse:
    body = json_body(request)
    if "team" in body and "agent_id" not in body:  # "team": null is the general queue
        ticket = await ticket_actions.transfer_to_team(uow, ticket_id, agent, body["team"])
    elif "agent_id" in body and "team" not in body:
        target = await _agent(uow, body["agent_id"])
        ticket = await ticket_actions.transfer_to_agent(uow, ticket_id, agent, target,
                                                        services(request).settings.presence_timeout)
    else:
        raise BadInput("Give either 'agent_id' or 'team'.", "invalid_field")
    return json(await _shown(uow, agent, await ticket_view(uow.session, ticket)))


@tickets.post("/tickets/<ticket_id:int>/snooze")
@requires("agent")
async def snooze(request: Request, uow: UnitOfWork, agent: Agent, ticket_id: int) -> HTTPResponse:
    minutes = json_body(request).get("minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool):
        raise BadInput("'minutes' must be a whole number.", "invalid_field")
    ticket = await ticket_actions.snooze(uow, ticket_id, agent, minutes)
    return json(await _shown(uow, agent, await ticket_view(uow.session, ticket)))


@tickets.post("/tickets/<ticket_id:int>/resolve")
@requires("agent")
async def resolve(request: Request, uow: UnitOfWork, agent: Agent, ticket_id: int) -> HTTPResponse:
    ticket = await ticket_actions.resolve(uow, ticket_id, agent)
    return json(await _shown(uow, agent, await ticket_view(uow.session, ticket)))


async def _shown(uow: UnitOfWork, agent: Agent, view: dict[str, Any]) -> dict[str, Any]:
    return masked_views.ticket(view, await masked_views.masker_for(uow.session, agent))


async def _shown_all(uow: UnitOfWork, agent: Agent, views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    masker = await masked_views.masker_for(uow.session, agent)
    return [masked_views.ticket(view, masker) for view in views]


async def _agent(uow: UnitOfWork, agent_id: object) -> Agent:
    target = await uow.session.get(Agent, db_id(agent_id, "agent"))
    if target is None:
        raise NotFound("No such agent.")
    return target
