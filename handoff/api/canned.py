"""Canned replies: every agent reads them (filled in for a ticket), supervisors write them."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty, json

from handoff import audit, canned
from handoff.api.context import services
from handoff.api.guard import requires
from handoff.api.requests import json_body
from handoff.models import Agent, CannedReply
from handoff.text import clean_text
from handoff.tickets import get_ticket
from handoff.uow import UnitOfWork

canned_replies = Blueprint("canned_replies", url_prefix="/api/agent")


@canned_replies.get("/canned")
@requires("agent")
async def list_canned(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    return json({"canned": [canned.canned_json(reply) for reply in await canned.all_canned(uow.session)],
                 "placeholders": list(canned.PLACEHOLDERS)})


@canned_replies.get("/tickets/<ticket_id:int>/canned")
@requires("agent")
async def canned_for_ticket(request: Request, uow: UnitOfWork, agent: Agent, ticket_id: int) -> HTTPResponse:
    values = canned.values_for(await get_ticket(uow.session, ticket_id), agent)
    replies = await canned.all_canned(uow.session)
    return json({"canned": [canned.canned_json(r, canned.render(r.text, values)) for r in replies]})


@canned_replies.post("/canned")
@requires("supervisor")
async def add_canned(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    body = json_body(request)
    text = clean_text(body.get("text"), services(request).settings.max_text)
    reply = await canned.create(uow.session, agent, body.get("shortcut"), body.get("title"), text)
    audit.record(uow.session, agent, audit.CANNED_CREATED, reply.shortcut, details=audit.created(_fields(reply)))
    return json(canned.canned_json(reply), status=201)


@canned_replies.delete("/canned/<reply_id:int>")
@requires("supervisor")
async def delete_canned(request: Request, uow: UnitOfWork, agent: Agent, reply_id: int) -> HTTPResponse:
    reply = await canned.delete(uow.session, reply_id)
    audit.record(uow.session, agent, audit.CANNED_DELETED, reply.shortcut,
                 details=audit.deleted(_fields(reply)))
    return empty()


def _fields(reply: CannedReply) -> dict[str, str]:
    return {"shortcut": reply.shortcut, "title": reply.title, "text": reply.text}
