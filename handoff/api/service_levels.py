"""SLA targets per severity and business hours: supervisors read them, admins change them
(audited with the values before and after). New tickets' due times follow at once."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from handoff import audit, sla_settings
from handoff.api.context import services
from handoff.api.guard import requires
from handoff.api.requests import json_body
from handoff.models import Agent
from handoff.settings import SEVERITIES
from handoff.sla import WEEKDAYS
from handoff.uow import UnitOfWork

service_levels = Blueprint("service_levels", url_prefix="/api/admin")


@service_levels.get("/sla")
@requires("supervisor")
async def get_levels(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    return json(await _view(request, uow))


@service_levels.put("/sla")
@requires("admin")
async def put_levels(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    changed = await sla_settings.update(uow.session, services(request).settings, json_body(request))
    audit.settings_changed(uow.session, agent, "sla", changed)
    return json(await _view(request, uow))


async def _view(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    return {**await sla_settings.current(uow.session, services(request).settings),
            "severities": list(SEVERITIES), "weekdays": list(WEEKDAYS)}
