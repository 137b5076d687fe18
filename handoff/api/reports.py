"""Report routes, for supervisors and admins: each report as JSON (with the previous period for
comparison) or CSV, and tickets as CSV, one row per conversation. Every export is audited."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json, raw

from handoff import audit, sla_settings
from handoff.api.context import services
from handoff.api.guard import requires
from handoff.api.requests import client_address
from handoff.clock import utcnow
from handoff.errors import BadInput
from handoff.models import Agent
from handoff.reports import ReportFilter, reports, run_report
from handoff.reports_csv import report_csv, tickets_csv
from handoff.teams import check_team
from handoff.uow import UnitOfWork

report_routes = Blueprint("reports", url_prefix="/api/reports")
DEFAULT_DAYS = 7
TICKETS = "tickets"
_CHANNEL = re.compile(r"[a-z0-9_]{1,40}")


@report_routes.get("")
@requires("supervisor")
async def list_reports(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    return json({"reports": list(reports()), "exports": [*reports(), TICKETS]})


@report_routes.get("/<name:slug>")
@requires("supervisor")
async def show_report(request: Request, uow: UnitOfWork, agent: Agent, name: str) -> HTTPResponse:
    found = await report_filter(request, uow)
    return json(await run_report(uow.session, name, found, compare=_flag(request, "compare", True)))


@report_routes.get("/<name:slug>/csv")
@requires("supervisor")
async def export_report(request: Request, uow: UnitOfWork, agent: Agent, name: str) -> HTTPResponse:
    found = await report_filter(request, uow)
    if name == TICKETS:
        body = await tickets_csv(uow.session, found)
    else:
        body = report_csv(await run_report(uow.session, name, found, compare=_flag(request, "compare", True)))
    audit.record(uow.session, agent, audit.EXPORT, f"report:{name}", details={"format": "csv", **found.as_json()},
                 address=client_address(request))
    first, last = found.as_json()["from"], found.as_json()["to"]
    return raw(body.encode(), content_type="text/csv; charset=utf-8",
               headers={"content-disposition": f'attachment; filename="shopdesk-{name}-{first}-{last}.csv"'})


async def report_filter(request: Request, uow: UnitOfWork) -> ReportFilter:
    now = utcnow()
    last = _date_arg(request, "to") or now.date()
    first = _date_arg(request, "from") or last - timedelta(days=DEFAULT_DAYS - 1)
    team = await check_team(uow.session, request.args.get("team") or None)
    channel = request.args.get("channel") or None
    if channel is not None and not _CHANNEL.fullmatch(channel):
        raise BadInput("'channel' must be a channel name (letters, digits, '_').", "invalid_field")
    found = ReportFilter.for_days(first, last, now, team=team, channel=channel)
    target = (await sla_settings.policy(uow.session, services(request).settings)).first_response["normal"]
    return replace(found, first_response_target_seconds=float(target * 60))


def _date_arg(request: Request, name: str) -> date | None:
    raw_value = request.args.get(name)
    if not raw_value:
        return None
    try:
        return date.fromisoformat(raw_value)
    except ValueError:
        raise BadInput(f"'{name}' must be a date, YYYY-MM-DD.", "invalid_field") from None


def _flag(request: Request, name: str, default: bool) -> bool:
    raw_value = request.args.get(name)
    if raw_value is None or raw_value == "":
        return default
    if raw_value not in ("0", "1", "true", "false"):
        raise BadInput(f"'{name}' must be 1 or 0.", "invalid_field")
    return raw_value in ("1", "true")
