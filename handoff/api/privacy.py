"""The settings for customer records and personal data: tier and tag rules, who sees personal
data unmasked, who needs a second factor. Supervisors read them, admins change them (audited)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from handoff import audit, contact_facts, privacy_settings
from handoff.api.context import services
from handoff.api.guard import requires
from handoff.api.requests import json_body
from handoff.models import Agent
from handoff.uow import UnitOfWork

privacy = Blueprint("privacy", url_prefix="/api/admin")


@privacy.get("/privacy")
@requires("supervisor")
async def get_settings(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    return json(await _view(request, uow))


@privacy.put("/privacy")
@requires("admin")
async def put_settings(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    changed = await privacy_settings.update(uow.session, json_body(request))
    audit.settings_changed(uow.session, agent, "privacy", changed)
    if "contacts" in changed:
        uow.emit(contact_facts.RULES_CHANGED)
    return json(await _view(request, uow))


async def _view(request: Request, uow: UnitOfWork) -> dict[str, object]:
    return {**await privacy_settings.all_settings(uow.session),
            "retention": {"months": services(request).settings.retention_months}}
