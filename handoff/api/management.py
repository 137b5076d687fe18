"""Management routes: teams (admin), canned replies editing (supervisor), the audit log with
filters (supervisor). Every change leaves an audit row."""

from __future__ import annotations

from datetime import datetime

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty, json

from handoff import audit, canned, teams
from handoff.api.context import services
from handoff.api.guard import requires
from handoff.api.requests import MAX_ID, int_arg, json_body
from handoff.errors import BadInput
from handoff.models import Agent
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
    audit.record(uow.session, agent, audit.TEAM_CREATED, team.name, details=teams.team_json(team))
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
    name = team.name
    await teams.delete_team(uow.session, team)
    audit.record(uow.session, agent, audit.TEAM_DELETED, name)
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


@management.get("/audit")
@requires("supervisor")
async def audit_log(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    action = request.args.get("action") or None
    if action is not None and action not in audit.ACTIONS:
        raise BadInput(f"'action' must be one of {', '.join(audit.ACTIONS)}.", "invalid_field")
    found = audit.AuditFilter(
        agent_id=int_arg(request, "agent_id", 0, 0, MAX_ID) or None,
        action=action,
        since=_time_arg(request, "from"),
        until=_time_arg(request, "to"),
        subject=(request.args.get("q") or "")[:200] or None,
        limit=int_arg(request, "limit", 100, 1, 1000),
        before_id=int_arg(request, "before_id", 0, 0, MAX_ID) or None,
    )
    return json({"entries": await audit.entries(uow.session, found=found), "actions": list(audit.ACTIONS)})


def _time_arg(request: Request, name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"'{name}' must be an ISO date or time.", "invalid_field") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.now().astimezone().tzinfo)
