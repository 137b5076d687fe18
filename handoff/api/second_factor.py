"""An agent's own second factor (handoff/second_factor.py): its state, enrolling one when the shop
does not require it yet, and an admin removing an agent's (a lost phone); changes audited. Logging
in with it is POST /api/agent/login with a `code` (handoff/api/account.py)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty, json

from handoff import audit, second_factor
from handoff.api.guard import requires
from handoff.api.requests import client_address, json_body
from handoff.clock import utcnow
from handoff.errors import BadInput, Conflict, NotFound
from handoff.models import Agent, AgentSecondFactor
from handoff.uow import UnitOfWork

second_factors = Blueprint("second_factor", url_prefix="/api")


@second_factors.get("/agent/me/second-factor")
@requires("agent")
async def state(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    return json(await second_factor.status(uow.session, agent))


@second_factors.post("/agent/me/second-factor")
@requires("agent")
async def start(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    if (await second_factor.status(uow.session, agent))["enrolled"]:
        raise Conflict("You have a second factor already; an admin can remove it if your phone is lost.")
    factor = await second_factor.start_enrolment(uow.session, agent, utcnow())
    return json(second_factor.enrolment_view(factor, agent))


@second_factors.post("/agent/me/second-factor/confirm")
@requires("agent")
async def confirm(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    code = json_body(request).get("code")
    factor = await uow.session.get(AgentSecondFactor, agent.id)
    if factor is None or factor.enrolled_at is not None:
        raise Conflict("Start an enrolment first.")
    if not isinstance(code, str):
        raise BadInput("'code' must be the code from your app.", "invalid_field")
    try:
        codes = second_factor.confirm_enrolment(factor, code, utcnow())
    except second_factor.SecondFactorNeeded as wrong:
        raise BadInput(wrong.message, wrong.code) from None
    audit.record(uow.session, agent, audit.SECOND_FACTOR_ENROLLED, agent.email, address=client_address(request))
    return json({"recovery_codes": codes})


@second_factors.delete("/admin/agents/<agent_id:int>/second-factor")
@requires("admin")
async def reset(request: Request, uow: UnitOfWork, agent: Agent, agent_id: int) -> HTTPResponse:
    target = await uow.session.get(Agent, agent_id)
    if target is None or not await second_factor.remove(uow.session, target):
        raise NotFound("That account has no second factor.")
    audit.record(uow.session, agent, audit.SECOND_FACTOR_RESET, target.email, address=client_address(request))
    return empty()
