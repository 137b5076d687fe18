"""Management routes: teams (admin) and canned replies editing (supervisor). Every change leaves
an audit row with the changed fields before and after (the log itself: handoff/api/audit_log.py)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty, json

from handoff import audit, canned, teams
from handoff.api.context import services
from handoff.api.guard import requires
from handoff.api.requests import json_body
from handoff.models import Agent, Team
from handoff.text import clean_text
from handoff.uow import UnitOfWork

management = Blueprint("management", url_prefix="/api/admin")


@management.get("/teams")
@requires("agent")
async def list_teams(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    return json({"teams": [teams.team_json(team) for team in await teams.all_teams(uow.session)]})


@management.post("/teams")
@requires("admin")
async def add_team(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    body = json_body(request)
    team = await teams.create_team(uow.session, body.get("name"), body.get("title"), body.get("intents"))
    audit.record(uow.session, agent, audit.TEAM_CREATED, team.name, details=audit.created(_fields(team)))
    return json(teams.team_json(team), status=201)


@management.patch("/teams/<team_id:int>")
@requires("admin")
async def edit_team(request: Request, uow: UnitOfWork, agent: Agent, team_id: int) -> HTTPResponse:
    team = await teams.get_team(uow.session, team_id)
    changed = await teams.update_team(uow.session, team, json_body(request))
    if changed:
        audit.record(uow.session, agent, audit.TEAM_CHANGED, team.name, details=changed)
    return json(teams.team_json(team))


@management.delete("/teams/<team_id:int>")
@requires("admin")
async def remove_team(request: Request, uow: UnitOfWork, agent: Agent, team_id: int) -> HTTPResponse:
    team = await teams.get_team(uow.session, team_id)
    name, fields = team.name, _fields(team)
    await teams.delete_team(uow.session, team)
    audit.record(uow.session, agent, audit.TEAM_DELETED, name, details=audit.deleted(fields))
    return empty()


@management.patch("/canned/<reply_id:int>")
@requires("supervisor")
async def edit_canned(request: Request, uow: UnitOfWork, agent: Agent, reply_id: int) -> HTTPResponse:
    body = json_body(request)
    if "text" in body:
        body["text"] = clean_text(body["text"], services(request).settings.max_text)
    reply, changed = await canned.update(uow.session, reply_id, body)
    if changed:
        audit.record(uow.session, agent, audit.CANNED_CHANGED, reply.shortcut, details=changed)
    return json(canned.canned_json(reply))


def _fields(team: Team) -> dict[str, object]:
    return {name: value for name, value in teams.team_json(team).items() if name != "id"}
