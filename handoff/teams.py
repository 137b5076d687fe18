"""Teams: editable by admins (handoff/api/management.py), each taking the tickets of some intents.

A ticket's team is a name; a ticket with no team is in the general queue, which anyone may take.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.errors import BadInput, Conflict, InUse, NotFound
from handoff.models import Agent, Team, Ticket
from handoff.states import TicketStatus

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,19}$")
_INTENT = re.compile(r"^[A-Za-z0-9_]{1,60}$")
MAX_INTENTS = 100


async def all_teams(session: AsyncSession) -> list[Team]:
    return list((await session.execute(select(Team).order_by(Team.name))).scalars())


async def team_names(session: AsyncSession) -> list[str]:
    return list((await session.execute(select(Team.name).order_by(Team.name))).scalars())


def team_json(team: Team) -> dict[str, Any]:
    return {"id": team.id, "name": team.name, "title": team.title, "intents": list(team.intents or [])}


async def team_for(session: AsyncSession, intents: list[str]) -> str | None:
    """The team of the most recent intent some team takes; None means anyone may take it."""
    owners: dict[str, str] = {}
    for team in await all_teams(session):
        for intent in team.intents or []:
            owners.setdefault(intent, team.name)
    for intent in reversed(intents):
        if intent in owners:
            return owners[intent]
    return None


async def check_teams(session: AsyncSession, names: object) -> list[str]:
    """A list of existing team names (e.g. an agent's teams), or BadInput naming the choices."""
    known = await team_names(session)
    if not isinstance(names, list) or any(name not in known for name in names):
        raise BadInput(f"'teams' must be a list of {', '.join(known) or 'existing teams'}.", "invalid_field")
    return list(dict.fromkeys(names))


async def check_team(session: AsyncSession, name: object) -> str | None:
    """A ticket's team: an existing name, or None for the general queue."""
    if name is None:
        return None
    known = await team_names(session)
    if name not in known:
        raise BadInput(f"Unknown team; choose one of {', '.join(known)}, or null for the general queue.", "invalid_field")
    return str(name)


def _title(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 80:
        raise BadInput("'title' must be 1-80 characters.", "invalid_field")
    return value.strip()


def _intents(value: object) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_INTENTS or not all(
        isinstance(item, str) and _INTENT.match(item) for item in value
    ):
        raise BadInput("'intents' must be a list of intent names (letters, digits, '_').", "invalid_field")
    return list(dict.fromkeys(value))


def _name(value: object) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise BadInput("'name' must be 1-20 lowercase letters, digits, '-' or '_', starting with a letter.", "invalid_field")
    return value


async def create_team(session: AsyncSession, name: object, title: object, intents: object) -> Team:
    name = _name(name)
    if name in await team_names(session):
        raise Conflict("A team with that name exists.")
    team = Team(name=name, title=_title(title), intents=_intents(intents if intents is not None else []))
    session.add(team)
    await session.flush()
    return team


async def get_team(session: AsyncSession, team_id: int) -> Team:
    team = await session.get(Team, team_id)
    if team is None:
        raise NotFound("No such team.")
    return team


async def update_team(session: AsyncSession, team: Team, body: dict[str, Any]) -> dict[str, Any]:
    """Changes name, title and intents; returns {field: {"before", "after"}} for what changed. A new
    name follows into every ticket (resolved ones too, so reports keep one team) and agent."""
    unknown = set(body) - {"name", "title", "intents"}
    if unknown or not body:
        raise BadInput(f"Cannot change {', '.join(sorted(unknown)) or 'nothing'} of a team.", "invalid_field")
    after: dict[str, Any] = {}
    if "name" in body:
        after["name"] = _name(body["name"])
    if "title" in body:
        after["title"] = _title(body["title"])
    if "intents" in body:
        after["intents"] = _intents(body["intents"])
    before = team_json(team)
    changed = {name: {"before": before[name], "after": value} for name, value in after.items() if before[name] != value}
    if "name" in changed:
        await _rename(session, team, after["name"])
    if "title" in changed:
        team.title = after["title"]
    if "intents" in changed:
        team.intents = after["intents"]
    await session.flush()
    return changed


async def _rename(session: AsyncSession, team: Team, new: str) -> None:
    if new in await team_names(session):
        raise Conflict("A team with that name exists.")
    old = team.name
    await session.execute(update(Ticket).where(Ticket.team == old).values(team=new))
    for agent in (await session.execute(select(Agent))).scalars():
        if old in (agent.teams or []):
            agent.teams = [new if name == old else name for name in agent.teams]
    team.name = new


async def delete_team(session: AsyncSession, team: Team) -> None:
    """Refused while open tickets or agents are in the team (resolved tickets keep its name)."""
    tickets = await session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.team == team.name, Ticket.status != TicketStatus.RESOLVED))
    members = [agent.display_name for agent in (await session.execute(select(Agent).order_by(Agent.display_name))).scalars()
               if team.name in (agent.teams or [])]
    if tickets or members:
        uses = [f"{tickets} open ticket{'s' if tickets != 1 else ''}" if tickets else "",
                f"{len(members)} agent{'s' if len(members) != 1 else ''} ({', '.join(members[:5])})" if members else ""]
        raise InUse(f"The team {team.title} still has {' and '.join(use for use in uses if use)}: move them to "
                    "another team or the general queue first.")
    await session.delete(team)
    await session.flush()
