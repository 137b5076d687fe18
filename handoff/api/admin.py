"""Admin and supervisor routes: agent accounts and the audit log."""

from __future__ import annotations

import asyncio

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from handoff import audit
from handoff.agents import agent_view, agents_view
from handoff.api.context import services
from handoff.api.guard import requires
from handoff.api.requests import int_arg, json_body
from handoff.auth import SESSIONS_REVOKED, create_agent, hash_password, revoke_sessions, validate_profile
from handoff.clock import utcnow
from handoff.errors import BadInput, NotFound
from handoff.models import Agent
from handoff.uow import UnitOfWork

admin = Blueprint("admin", url_prefix="/api")
_EDITABLE = {"display_name", "role", "teams", "capacity", "active", "password"}


@admin.get("/admin/agents")
@requires("admin")
async def list_agents(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    return json({"agents": await agents_view(uow.session, utcnow(), services(request).settings.presence_timeout)})


@admin.post("/admin/agents")
@requires("admin")
async def add_agent(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    body = json_body(request)
    email, name, password = body.get("email"), body.get("display_name"), body.get("password")
    if not isinstance(email, str) or not isinstance(name, str) or not isinstance(password, str):
        raise BadInput("'email', 'display_name' and 'password' are required strings.", "invalid_field")
    created = await create_agent(
        uow.session, email, name, password, body.get("role", "agent"), body.get("teams", []), body.get("capacity", 3),
    )
    return json(await agent_view(uow.session, created, utcnow(), services(request).settings.presence_timeout), status=201)


@admin.patch("/admin/agents/<agent_id:int>")
@requires("admin")
async def edit_agent(request: Request, uow: UnitOfWork, agent: Agent, agent_id: int) -> HTTPResponse:
    body = json_body(request)
    unknown = set(body) - _EDITABLE
    if unknown:
        raise BadInput(f"Cannot change {', '.join(sorted(unknown))}.", "invalid_field")
    target = await uow.session.get(Agent, agent_id)
    if target is None:
        raise NotFound("No such agent.")
    changed = {name: body.get(name, getattr(target, name)) for name in ("display_name", "role", "teams", "capacity")}
    validate_profile(changed["display_name"], changed["role"], changed["teams"], changed["capacity"])
    if "active" in body and not isinstance(body["active"], bool):
        raise BadInput("'active' must be true or false.", "invalid_field")
    if target.id == agent.id and (body.get("active") is False or changed["role"] != "admin"):
        raise BadInput("You cannot demote or disable your own account.", "invalid_field")
    for name, value in changed.items():
        setattr(target, name, value.strip() if isinstance(value, str) else value)
    target.active = body.get("active", target.active)
    if "password" in body:
        target.password_hash = await asyncio.to_thread(hash_password, body["password"])
    if "password" in body or not target.active:
        await revoke_sessions(uow.session, target.id)
        uow.emit(SESSIONS_REVOKED, agent_id=target.id, kept=None)
    await uow.session.flush()
    return json(await agent_view(uow.session, target, utcnow(), services(request).settings.presence_timeout))


@admin.get("/admin/audit")
@requires("supervisor")
async def audit_log(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    return json({"entries": await audit.entries(uow.session, int_arg(request, "limit", 100, 1, 1000))})
