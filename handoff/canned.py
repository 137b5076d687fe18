"""Canned replies with placeholders an agent's reply box fills in for the ticket at hand."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.errors import BadInput, Conflict, NotFound
from handoff.models import Agent, CannedReply, Ticket

PLACEHOLDERS = ("customer_name", "order_number", "agent_name")
_SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")


# A placeholder with no value takes its surrounding words with it, so the reply still reads as
# a person would write it: "order {order_number}" -> "your order", "Hi {customer_name}," -> "Hi there,".
_WITHOUT_VALUE: dict[str, list[tuple[re.Pattern[str], str]]] = {
    "order_number": [
        (re.compile(r"\b(?:(?:the|your)\s+)?order(?:\s+(?:number|no\.?))?\s*#?\{order_number\}", re.IGNORECASE), "your order"),
        (re.compile(r"#?\{order_number\}"), "your order"),
    ],
    "customer_name": [
        (re.compile(r"\b(hi|hello|hey|good (?:morning|afternoon|evening))\s+\{customer_name\}", re.IGNORECASE), r"\1 there"),
        (re.compile(r"\b(dear)\s+\{customer_name\}", re.IGNORECASE), r"\1 customer"),
        (re.compile(r"(?:^|(?<=[.!?]\s))\{customer_name\}\s*,?\s*"), ""),
        (re.compile(r",?\s*\{customer_name\}(?=\s*[,.!?])"), ""),
        (re.compile(r"\{customer_name\}\s*"), ""),
    ],
    "agent_name": [(re.compile(r"\{agent_name\}"), "our team")],
}


def render(template: str, values: dict[str, str | None]) -> str:
    """Fills known placeholders; one without a value is reworded away, never "{...}" or "None"."""
    text = template
    for name in PLACEHOLDERS:
        value = values.get(name)
        if value:
            text = text.replace("{" + name + "}", value)
            continue
        for pattern, replacement in _WITHOUT_VALUE[name]:
            text = pattern.sub(replacement, text)
    return _capitalise_sentences(text)


def _capitalise_sentences(text: str) -> str:
    """A removed name can leave a sentence starting in lower case ("{customer_name}, thanks" -> "thanks")."""
    return re.sub(r"(^|[.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)


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


def _shortcut(value: object) -> str:
    if not isinstance(value, str) or not _SHORTCUT.match(value):
        raise BadInput("'shortcut' must be 1-60 lowercase letters, digits, '-' or '_'.", "invalid_field")
    return value


def _title(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise BadInput("'title' must be 1-200 characters.", "invalid_field")
    return value.strip()


async def _taken(session: AsyncSession, shortcut: str, other_than: int | None = None) -> None:
    query = select(CannedReply.id).where(CannedReply.shortcut == shortcut)
    if other_than is not None:
        query = query.where(CannedReply.id != other_than)
    if (await session.execute(query)).first() is not None:
        raise Conflict("A canned reply with that shortcut exists.")


async def create(session: AsyncSession, agent: Agent, shortcut: object, title: object, text: str) -> CannedReply:
    shortcut = _shortcut(shortcut)
    title = _title(title)
    await _taken(session, shortcut)
    reply = CannedReply(shortcut=shortcut, title=title, text=text, created_by=agent.id)
    session.add(reply)
    await session.flush()
    return reply


async def get(session: AsyncSession, reply_id: int) -> CannedReply:
    reply = await session.get(CannedReply, reply_id)
    if reply is None:
        raise NotFound("No such canned reply.")
    return reply


async def update(session: AsyncSession, reply_id: int, body: dict[str, Any]) -> tuple[CannedReply, dict[str, Any]]:
    """Changes shortcut, title or text (already cleaned); returns the reply and {field: {"before",
    "after"}} for what changed."""
    unknown = set(body) - {"shortcut", "title", "text"}
    if unknown or not body:
        raise BadInput(f"Cannot change {', '.join(sorted(unknown)) or 'nothing'} of a canned reply.", "invalid_field")
    reply = await get(session, reply_id)
    before = canned_json(reply)
    if "shortcut" in body and body["shortcut"] != reply.shortcut:
        await _taken(session, _shortcut(body["shortcut"]), other_than=reply.id)
        reply.shortcut = body["shortcut"]
    if "title" in body:
        reply.title = _title(body["title"])
    if "text" in body:
        reply.text = body["text"]
    after = canned_json(reply)
    await session.flush()
    return reply, {name: {"before": before[name], "after": after[name]} for name in ("shortcut", "title", "text")
                   if before[name] != after[name]}


async def delete(session: AsyncSession, reply_id: int) -> CannedReply:
    reply = await get(session, reply_id)
    await session.delete(reply)
    return reply
