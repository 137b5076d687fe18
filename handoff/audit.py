"""The audit log: who looked at which customer's data, who changed what (accounts, roles, teams,
canned replies, settings), who exported, revealed or erased what, and every login, with when.
Every row is chained to the one before it (handoff/audit_chain.py), whoever records it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from handoff import audit_chain
from handoff.clock import iso, utcnow
from handoff.models import Agent, AuditEntry

VIEW_TRANSCRIPT = "view_transcript"
VIEW_CUSTOMER = "view_customer"
AGENT_CREATED = "agent_created"
AGENT_CHANGED = "agent_changed"
ROLE_CHANGED = "role_changed"
AGENT_DEACTIVATED = "agent_deactivated"
AGENT_REACTIVATED = "agent_reactivated"
TEAM_CREATED = "team_created"
TEAM_CHANGED = "team_changed"
TEAM_DELETED = "team_deleted"
CANNED_CREATED = "canned_created"
CANNED_CHANGED = "canned_changed"
CANNED_DELETED = "canned_deleted"
SETTINGS_CHANGED = "settings_changed"
EXPORT = "export"
REVIEW_SAMPLED = "review_sampled"
REVIEW_SCORED = "review_scored"
REVIEW_DISCARDED = "review_discarded"
LOGIN = "login"
LOGIN_FAILED = "login_failed"
VIEW_CONTACTS = "view_contacts"
REVEAL = "reveal"
ERASE = "erase"
RETENTION = "retention"
SECOND_FACTOR_ENROLLED = "second_factor_enrolled"
SECOND_FACTOR_RESET = "second_factor_reset"
ACTIONS = (VIEW_TRANSCRIPT, VIEW_CUSTOMER, AGENT_CREATED, AGENT_CHANGED, ROLE_CHANGED, AGENT_DEACTIVATED,
           AGENT_REACTIVATED, TEAM_CREATED, TEAM_CHANGED, TEAM_DELETED,
           CANNED_CREATED, CANNED_CHANGED, CANNED_DELETED, SETTINGS_CHANGED, EXPORT, REVIEW_SAMPLED, REVIEW_SCORED,
           REVIEW_DISCARDED,
           LOGIN, LOGIN_FAILED,
           VIEW_CONTACTS, REVEAL, ERASE, RETENTION, SECOND_FACTOR_ENROLLED, SECOND_FACTOR_RESET)


def record(
    session: AsyncSession,
    agent: Agent | None,
    action: str,
    subject: str | None,
    ticket_id: int | None = None,
    details: dict[str, Any] | None = None,
    address: str | None = None,
) -> None:
    """Adds the row; it joins the chain when the session flushes. `agent` is None only for a login
    with an email no account has."""
    entry = AuditEntry(agent_id=agent.id if agent else None, action=action, subject=(subject or "")[:320] or None,
                       ticket_id=ticket_id, details=details, address=address[:64] if address else None,
                       created_at=utcnow())
    session.add(entry)
    audit_chain.enqueue(session, entry)


def settings_changed(session: AsyncSession, agent: Agent, area: str, changed: dict[str, Any]) -> None:
    """An admin's change of one settings area (privacy, feedback, sla): the keys that changed, each with
    its value before and after; nothing when nothing changed."""
    if changed:
        record(session, agent, SETTINGS_CHANGED, f"{area}: " + ", ".join(sorted(changed)), details=changed)


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields whose value differs, each as {"before", "after"} (for an admin change's details)."""
    return {name: {"before": before.get(name), "after": value} for name, value in after.items()
            if before.get(name) != value}


def created(fields: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return changes({}, fields)


def deleted(fields: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: {"before": value, "after": None} for name, value in fields.items()}


@dataclass(frozen=True)
class AuditFilter:
    agent_id: int | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    subject: str | None = None
    limit: int = 100
    before_id: int | None = None  # for paging back


def _conditions(found: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if found.agent_id is not None:
        conditions.append(AuditEntry.agent_id == found.agent_id)
    if found.action:
        conditions.append(AuditEntry.action == found.action)
    if found.since:
        conditions.append(AuditEntry.created_at >= found.since)
    if found.until:
        conditions.append(AuditEntry.created_at < found.until)
    if found.subject:
        escaped = found.subject.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(func.lower(AuditEntry.subject).like(f"%{escaped}%", escape="\\"))
    if found.before_id is not None:
        conditions.append(AuditEntry.id < found.before_id)
    return conditions


async def entries(session: AsyncSession, limit: int = 100, found: AuditFilter | None = None) -> list[dict[str, Any]]:
    """The rows the filter finds, newest first (at most its limit)."""
    found = found or AuditFilter(limit=limit)
    query = (
        select(AuditEntry, Agent.display_name)
        .outerjoin(Agent, Agent.id == AuditEntry.agent_id)
        .where(*_conditions(found))
        .order_by(AuditEntry.id.desc())
        .limit(found.limit)
    )
    return [
        {
            "id": entry.id,
            "agent": {"id": entry.agent_id, "display_name": name} if entry.agent_id else None,
            "action": entry.action,
            "subject": entry.subject,
            "ticket_id": entry.ticket_id,
            "details": entry.details,
            "address": entry.address,
            "at": iso(entry.created_at),
        }
        for entry, name in (await session.execute(query)).all()
    ]


async def page(session: AsyncSession, found: AuditFilter) -> dict[str, Any]:
    """One page of the log and where the next (older) one starts, None on the last page."""
    rows = await entries(session, found=replace(found, limit=found.limit + 1))
    more = len(rows) > found.limit
    rows = rows[:found.limit]
    return {"entries": rows, "next_before_id": rows[-1]["id"] if more else None}
