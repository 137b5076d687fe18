"""Agent account routes: log in and out, who am I, presence, colleagues and teams."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty, json

from handoff import presence
from handoff.agents import agent_view, agents_view
from handoff.api.context import services
from handoff.api.guard import requires
from handoff.api.requests import bearer, client_address, json_body
from handoff.assignment import AGENT_PRESENCE
from handoff.auth import SESSIONS_REVOKED, change_password, log_in, log_out, session_key
from handoff.clock import iso, utcnow
from handoff.errors import BadInput, TooManyRequests, Unauthorized
from handoff.models import Agent
from handoff.second_factor import SecondFactorNeeded
from handoff.teams import team_names
from handoff.uow import UnitOfWork

account = Blueprint("agent_account", url_prefix="/api/agent")


@account.post("/login")
async def login(request: Request) -> HTTPResponse:
    body = json_body(request)
    settings, address = services(request).settings, client_address(request)
    services(request).limiter.check("logins", address)
    async with services(request).uows() as uow:
        try:
            issued = await log_in(uow.session, settings, body.get("email"), body.get("password"), address,
                                  body.get("code"))
        except TooManyRequests:
            await uow.commit()  # the refusal is in the audit log
            raise
        except SecondFactorNeeded as needed:
            await uow.commit()  # an enrolment's new secret, and the audit row
            return json({"error": {"code": needed.code, "message": needed.message},
                         **({"enrolment": needed.enrolment} if needed.enrolment else {})}, status=401)
        if issued is None:
            await uow.commit()  # the failure counts towards the throttle
            raise Unauthorized("Wrong email or password.")
        await presence.set_status(uow, issued.agent, presence.ONLINE, utcnow())
        view = await agent_view(uow.session, issued.agent, utcnow(), settings.presence_timeout)
        uow.emit(AGENT_PRESENCE, agent=view)
        await uow.commit()
    return json({"token": issued.token, "expires_at": iso(issued.expires_at), "agent": view,
                 **({"recovery_codes": issued.recovery_codes} if issued.recovery_codes else {})})


@account.put("/me/password")
@requires("agent")
async def new_password(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    """Changes the agent's own password; every other session of theirs ends."""
    body = json_body(request)
    await change_password(uow.session, agent, body.get("current_password"), body.get("new_password"),
                          bearer(request) or "")
    uow.emit(SESSIONS_REVOKED, agent_id=agent.id, kept=session_key(bearer(request) or ""))
    return empty()


@account.post("/logout")
@requires("agent")
async def logout(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    await log_out(uow.session, bearer(request) or "", agent)
    await presence.set_status(uow, agent, presence.OFFLINE, utcnow(), f"{agent.display_name} logged out")
    await _presence_changed(request, uow, agent)
    return empty()


@account.get("/me")
@requires("agent")
async def me(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    return json(await agent_view(uow.session, agent, utcnow(), services(request).settings.presence_timeout))


@account.put("/me/status")
@requires("agent")
async def set_status(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    status = json_body(request).get("status")
    if status not in presence.STATUSES:
        raise BadInput(f"'status' must be one of {', '.join(presence.STATUSES)}.", "invalid_field")
    await presence.set_status(uow, agent, status, utcnow())
    return json(await _presence_changed(request, uow, agent))


@account.put("/me/assignment")
@requires("agent")
async def set_assignment(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    """Supervisors and admins opt in to (or out of) auto-assigned tickets; agents always take them."""
    takes = json_body(request).get("takes_tickets")
    if not isinstance(takes, bool):
        raise BadInput("'takes_tickets' must be true or false.", "invalid_field")
    if agent.role == "agent" and not takes:
        raise BadInput("Agents take tickets while online; set your status to away instead.", "invalid_field")
    agent.takes_tickets = takes
    return json(await _presence_changed(request, uow, agent))


@account.get("/agents")
@requires("agent")
async def colleagues(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    return json({"agents": await agents_view(uow.session, utcnow(), services(request).settings.presence_timeout)})


@account.get("/teams")
@requires("agent")
async def teams(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    return json({"teams": await team_names(uow.session)})


async def _presence_changed(request: Request, uow: UnitOfWork, agent: Agent) -> dict[str, Any]:
    await uow.session.flush()
    view = await agent_view(uow.session, agent, utcnow(), services(request).settings.presence_timeout)
    uow.emit(AGENT_PRESENCE, agent=view)
    return view
