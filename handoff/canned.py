"""Canned replies with placeholders an agent's reply box fills in for the ticket at hand."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.errors import BadInput, Conflict, NotFound
from handoff.models import Agent, CannedReply, Ticket

PLACEHOLDERS = ("customer_name", "order_number", "agent_name")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")


def render(template: str, values: dict[str, str | None]) -> str:
    """Fills known placeholders; one without a value becomes a neutral word, never "{...}" or "None"."""
    fallbacks = {"customer_name": "there", "order_number": "your order", "agent_name": "our team"}

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in PLACEHOLDERS:
            return match.group(0)
        return values.get(name) or fallbacks[name]

    return _PLACEHOLDER.sub(fill, template)


def values_for(ticket: Ticket, agent: Agent) -> dict[str, str | None]:
    first_name = ticket.customer_name.split()[0] if ticket.customer_name and ticket.customer_name.strip() else None
    return {
        "customer_name": first_name,
        "order_number": (ticket.summary or {}).get("order_id"),
        "agent_name": agent.display_name,
    }


def canned_json(reply: CannedReply, rendered: str | None = None) -> dict[str, Any]:
    data = {"id": reply.id, "shortcut": reply.shortcut, "title": reply.title, "text": reply.text}
    if rendered is not None:
        data["rendered"] = rendered
    return data


async def all_canned(session: AsyncSession) -> list[CannedReply]:
    return list((await session.execute(select(CannedReply).order_by(CannedReply.shortcut))).scalars())


async def create(session: AsyncSession, agent: Agent, shortcut: object, title: object, text: str) -> CannedReply:
    if not isinstance(shortcut, str) or not _SHORTCUT.match(shortcut):
        raise BadInput("'shortcut' must be 1-60 lowercase letters, digits, '-' or '_'.", "invalid_field")
    if not isinstance(title, str) or not title.strip() or len(title) > 200:
        raise BadInput("'title' must be 1-200 characters.", "invalid_field")
    if (await session.execute(select(CannedReply).where(CannedReply.shortcut == shortcut))).scalar_one_or_none():
        raise Conflict("A canned reply with that shortcut exists.")
    reply = CannedReply(shortcut=shortcut, title=title.strip(), text=text, created_by=agent.id)
    session.add(reply)
    await session.flush()
    return reply


async def delete(session: AsyncSession, reply_id: int) -> None:
    reply = await session.get(CannedReply, reply_id)
    if reply is None:
        raise NotFound("No such canned reply.")
    await session.delete(reply)
