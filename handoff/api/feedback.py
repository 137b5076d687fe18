"""What the hub asks after the rating (the optional NPS question): supervisors read it, admins
change it (audited with the values before and after). Conversations resolved after follow at once."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from handoff import audit, feedback_settings
from handoff.api.guard import requires
from handoff.api.requests import json_body
from handoff.models import Agent
from handoff.uow import UnitOfWork

feedback = Blueprint("feedback", url_prefix="/api/admin")


@feedback.get("/feedback")
@requires("supervisor")
async def get_feedback(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    return json(await feedback_settings.current(uow.session))


@feedback.put("/feedback")
@requires("admin")
async def put_feedback(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    changed = await feedback_settings.update(uow.session, json_body(request))
    audit.settings_changed(uow.session, agent, "feedback", changed)
    return json(await feedback_settings.current(uow.session))
