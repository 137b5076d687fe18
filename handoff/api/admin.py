"""Admin routes for agent accounts (create, role, teams, capacity, deactivate), every change audited."""

from __future__ import annotations

import asyncio
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from handoff import audit, presence, second_factor
from handoff.agents import agent_view, agents_view, keep_an_admin
from handoff.api.context import services
from handoff.api.guard import requires
from handoff.api.requests import json_body
from handoff.auth import SESSIONS_REVOKED, create_agent, hash_password, revoke_sessions, validate_profile
from handoff.clock import utcnow
from handoff.errors import BadInput, NotFound
from handoff.models import Agent
from handoff.teams import check_teams
from handoff.uow import UnitOfWork

admin = Blueprint("admin", url_prefix="/api/admin")
_EDITABLE = {"display_name", "role", "teams", "capacity", "active", "password", "takes_tickets"}
_CREATABLE = {"email", "display_name", "password", "role", "teams", "capacity", "takes_tickets"}
_AUDITED = ("display_name", "role", "teams", "capacity", "takes_tickets")


@admin.get("/agents")
@requires("admin")
async def list_agents(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    agents = await agents_view(uow.session, utcnow(), services(request).settings.presence_timeout)
    with_factor = await second_factor.enrolled_ids(uow.session)
    return json({"agents": [{**view, "second_factor": view["id"] in with_factor} for view in agents]})


@admin.post("/agents")
@requires("admin")
async def add_agent(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    body = json_body(request)
    email, name, password = body.get("email"), body.get("display_name"), body.get("password")
    if not isinstance(email, str) or not isinstance(name, str) or not isinstance(password, str):
        raise BadInput("'email', 'display_name' and 'password' are required strings.", "invalid_field")
    unknown = set(body) - _CREATABLE
    if unknown:
        raise BadInput(f"Unknown fields: {', '.join(sorted(unknown))}.", "invalid_field")
    takes_tickets = body.get("takes_tickets")
    if takes_tickets is not None and not isinstance(takes_tickets, bool):
        raise BadInput("'takes_tickets' must be true or false.", "invalid_field")
    created = await create_agent(
        uow.session, email, name, password, body.get("role", "agent"), body.get("teams", []), body.get("capacity", 3),
    )
    if takes_tickets is not None:
        created.takes_tickets = takes_tickets
    audit.record(uow.session, agent, audit.AGENT_CREATED, created.email,
                 details=audit.created({name: getattr(created, name) for name in _AUDITED}))
    return json(await agent_view(uow.session, created, utcnow(), services(request).settings.presence_timeout), status=201)


@admin.patch("/agents/<agent_id:int>")
@requires("admin")
async def edit_agent(request: Request, uow: UnitOfWork, agent: Agent, agent_id: int) -> HTTPResponse:
    body = json_body(request)
    unknown = set(body) - _EDITABLE
    if unknown or not body:
        raise BadInput(f"Cannot change {', '.join(sorted(unknown)) or 'nothing'}.", "invalid_field")
    target = await uow.session.get(Agent, agent_id)
    if target is None:
        raise NotFound("No such agent.")
    changed = _profile_changes(body, target)
    if "teams" in body:
        changed["teams"] = await check_teams(uow.session, body["teams"])
    for flag in ("active", "takes_tickets"):
        if flag in body and not isinstance(body[flag], bool):
            raise BadInput(f"'{flag}' must be true or false.", "invalid_field")
    if target.id == agent.id and (body.get("active") is False or changed.get("role", "admin") != "admin"):
        raise BadInput("You cannot demote or disable your own account.", "invalid_field")
    if "role" in changed and "takes_tickets" not in body:
        # A promoted agent stops getting tickets unless asked; a demoted supervisor starts.
        changed["takes_tickets"] = changed["role"] == "agent"
    changed.update({flag: body[flag] for flag in ("active", "takes_tickets") if flag in body})
    before = {name: getattr(target, name) for name in changed}
    changed = {name: value for name, value in changed.items() if before[name] != value}
    await keep_an_admin(uow.session, target, changed.get("role", target.role), changed.get("active", target.active))
    for name, value in changed.items():
        setattr(target, name, value)
    await _apply_password_and_access(uow, target, body, changed)
    _audit_changes(uow, agent, target, before, changed, password="password" in body)
    await uow.session.flush()
    return json(await agent_view(uow.session, target, utcnow(), services(request).settings.presence_timeout))


def _audit_changes(uow: UnitOfWork, actor: Agent, target: Agent, before: dict[str, Any], changed: dict[str, Any],
                   password: bool) -> None:
    """A role change and a (de)activation are rows of their own, the rest one agent_changed row;
    each with the fields' values before and after (a password only as "changed")."""
    details: dict[str, Any] = audit.changes(before, changed)
    if "role" in details:
        audit.record(uow.session, actor, audit.ROLE_CHANGED, target.email, details={"role": details.pop("role")})
    if "active" in details:
        action = audit.AGENT_REACTIVATED if details["active"]["after"] else audit.AGENT_DEACTIVATED
        audit.record(uow.session, actor, action, target.email, details={"active": details.pop("active")})
    if password:
        details["password"] = "changed"
    if details:
        audit.record(uow.session, actor, audit.AGENT_CHANGED, target.email, details=details)


def _profile_changes(body: dict[str, Any], target: Agent) -> dict[str, Any]:
    merged = {name: body.get(name, getattr(target, name)) for name in ("display_name", "role", "capacity")}
    validate_profile(merged["display_name"], merged["role"], merged["capacity"])
    merged["display_name"] = merged["display_name"].strip()
    return {name: merged[name] for name in merged if name in body}


async def _apply_password_and_access(uow: UnitOfWork, target: Agent, body: dict[str, Any], changed: dict[str, Any]) -> None:
    if "password" in body:
        target.password_hash = await asyncio.to_thread(hash_password, body["password"])
    if "password" in body or not target.active:
        await revoke_sessions(uow.session, target.id)
        uow.emit(SESSIONS_REVOKED, agent_id=target.id, kept=None)
    if changed.get("active") is False:
        await presence.set_status(uow, target, presence.OFFLINE, utcnow(), f"{target.display_name}'s account was disabled")
        await presence.release_unanswered(uow, target, f"{target.display_name}'s account was disabled", answered_too=True)
