"""The audit log for supervisors and admins: filtered (actor, action, subject, period), a page at
a time, and as CSV (the export is itself audited). An export holds at most MAX_EXPORT rows, the
newest; when more match, its headers say so and where the next export starts (before_id)."""

from __future__ import annotations

import csv
import io
import json as jsonlib
from datetime import UTC, date, datetime, time, timedelta

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json, raw

from handoff import audit
from handoff.api.guard import requires
from handoff.api.requests import MAX_ID, client_address, int_arg
from handoff.clock import utcnow
from handoff.errors import BadInput
from handoff.models import Agent
from handoff.text import safe_cell
from handoff.uow import UnitOfWork

audit_log = Blueprint("audit_log", url_prefix="/api/admin")
MAX_EXPORT = 50_000
TRUNCATED_HEADER = "X-ShopDesk-Truncated"
NEXT_BEFORE_HEADER = "X-ShopDesk-Next-Before-Id"
MAX_SUBJECT = 200
CSV_COLUMNS = ("id", "at", "actor_id", "actor", "action", "subject", "ticket_id", "address", "details")


@audit_log.get("/audit")
@requires("supervisor")
async def show_log(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    found = audit_filter(request, int_arg(request, "limit", 100, 1, 1000))
    return json({**await audit.page(uow.session, found), "actions": list(audit.ACTIONS)})


@audit_log.get("/audit/csv")
@requires("supervisor")
async def export_log(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    found = audit_filter(request, MAX_EXPORT + 1)
    rows = await audit.entries(uow.session, found=found)
    truncated = len(rows) > MAX_EXPORT
    rows = rows[:MAX_EXPORT]
    audit.record(uow.session, agent, audit.EXPORT, "audit_log", address=client_address(request),
                 details={"format": "csv", "rows": len(rows), **({"truncated": True} if truncated else {}),
                          **_filter_json(found)})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        actor = row["agent"] or {}
        details = jsonlib.dumps(row["details"], ensure_ascii=False, sort_keys=True) if row["details"] else ""
        writer.writerow([safe_cell(value) for value in (row["id"], row["at"], actor.get("id"), actor.get("display_name"),
                                                        row["action"], row["subject"], row["ticket_id"], row["address"],
                                                        details)])
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    headers = {"content-disposition": f'attachment; filename="shopdesk-audit-{stamp}.csv"'}
    if truncated:
        headers |= {TRUNCATED_HEADER: str(len(rows)), NEXT_BEFORE_HEADER: str(rows[-1]["id"])}
    return raw(out.getvalue().encode(), content_type="text/csv; charset=utf-8", headers=headers)


def audit_filter(request: Request, limit: int) -> audit.AuditFilter:
    action = request.args.get("action") or None
    if action is not None and action not in audit.ACTIONS:
        raise BadInput(f"'action' must be one of {', '.join(audit.ACTIONS)}.", "invalid_field")
    subject = request.args.get("q") or None
    if subject is not None and len(subject) > MAX_SUBJECT:
        raise BadInput(f"'q' must be at most {MAX_SUBJECT} characters.", "invalid_field")
    since, until = _time_arg(request, "from", end_of_day=False), _time_arg(request, "to", end_of_day=True)
    if since and until and since >= until:
        raise BadInput("'from' must be before 'to'.", "invalid_field")
    return audit.AuditFilter(
        agent_id=int_arg(request, "agent_id", 0, 0, MAX_ID) or None,
        action=action,
        since=since,
        until=until,
        subject=subject,
        limit=limit,
        before_id=int_arg(request, "before_id", 0, 0, MAX_ID) or None,
    )


def _time_arg(request: Request, name: str, end_of_day: bool) -> datetime | None:
    """An ISO time, or a date (UTC): `from` a date starts with it, `to` a date ends with it."""
    raw_value = request.args.get(name)
    if not raw_value:
        return None
    try:
        if len(raw_value) == 10:
            day = date.fromisoformat(raw_value) + timedelta(days=1 if end_of_day else 0)
            return datetime.combine(day, time(), tzinfo=UTC)
        moment = datetime.fromisoformat(raw_value.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"'{name}' must be an ISO date (YYYY-MM-DD) or time.", "invalid_field") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _filter_json(found: audit.AuditFilter) -> dict[str, object]:
    return {name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in (("agent_id", found.agent_id), ("action", found.action), ("q", found.subject),
                                ("from", found.since), ("to", found.until), ("before_id", found.before_id))
            if value is not None}
