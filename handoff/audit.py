"""The audit log: who looked at which customer's data, and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.clock import iso, utcnow
from handoff.models import Agent, AuditEntry

VIEW_TRANSCRIPT = "view_transcript"
VIEW_CUSTOMER = "view_customer"


def record(session: AsyncSession, agent: Agent, action: str, subject: str | None, ticket_id: int | None) -> None:
    session.add(AuditEntry(agent_id=agent.id, action=action, subject=subject, ticket_id=ticket_id, created_at=utcnow()))


async def entries(session: AsyncSession, limit: int) -> list[dict[str, Any]]:
    query = (
        select(AuditEntry, Agent.display_name)
        .join(Agent, Agent.id == AuditEntry.agent_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return [
        {
            "id": entry.id,
            "agent": {"id": entry.agent_id, "display_name": name},
            "action": entry.action,
            "subject": entry.subject,
            "ticket_id": entry.ticket_id,
            "at": iso(entry.created_at),
        }
        for entry, name in (await session.execute(query)).all()
    ]
