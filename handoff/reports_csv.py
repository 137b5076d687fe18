"""CSV exports: any report as (period, metric, value) rows, and tickets as one row per conversation
(channel, intents, handoff reasons, severity, waits, first response, resolution, rating, and the
quality review's scores once a reviewer scored it)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.clock import iso
from handoff.models import Message, Ticket, Transition
from handoff.reports import ReportFilter, conversations_in
from handoff.reports_sql import rounded, seconds_between
from handoff.review_models import Review
from handoff.severity import SEVERITY_RANK
from handoff.states import State
from handoff.text import safe_cell

# What names one item of a list in a report, in order of preference.
_ITEM_KEYS = ("key", "reason", "severity", "display_name", "topic", "ticket_id", "hour")
TICKET_COLUMNS = ("conversation_id", "opened_at", "channel", "intents", "tickets", "handoff_reasons", "severity",
                  "wait_seconds", "first_response_seconds", "resolution_seconds", "resolved", "rating", "outage",
                  "review_resolved", "review_correct", "review_tone")


def _flatten(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            name = next((str(item[key]) for key in _ITEM_KEYS if isinstance(item, dict) and key in item), str(index))
            yield from _flatten(item, f"{path}[{name}]")
    else:
        yield path, value


def report_csv(answer: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("period", "from", "to", "metric", "value"))
    for period in ("current", "previous"):
        if period not in answer:
            continue
        window = answer["filter" if period == "current" else "previous_filter"]
        for metric, value in _flatten(answer[period], ""):
            writer.writerow((period, window["from"], window["to"], safe_cell(metric), safe_cell(value)))
    return out.getvalue()


async def tickets_csv(session: AsyncSession, found: ReportFilter) -> str:
    conversations = conversations_in(found).subquery()
    intents: dict[str, list[str]] = defaultdict(list)
    intent_rows = await session.execute(
        select(Message.conversation_id, Message.intent).join(conversations, conversations.c.id == Message.conversation_id)
        .where(Message.intent.is_not(None)).order_by(Message.conversation_id, Message.seq))
    for conversation_id, intent in intent_rows.all():
        if intent not in intents[conversation_id]:
            intents[conversation_id].append(intent)
    tickets: dict[str, list[Any]] = defaultdict(list)
    taken = (select(func.min(Transition.created_at))
             .where(Transition.ticket_id == Ticket.id, Transition.to_state == State.ASSIGNED).scalar_subquery())
    ticket_rows = await session.execute(
        select(Ticket, seconds_between(Ticket.created_at, taken), seconds_between(Ticket.created_at, Ticket.first_response_at),
               seconds_between(Ticket.created_at, Ticket.resolved_at))
        .join(conversations, conversations.c.id == Ticket.conversation_id).order_by(Ticket.id))
    for row in ticket_rows.all():
        tickets[row[0].conversation_id].append(row)
    review_rows = await session.execute(
        select(Review.conversation_id, Review.resolved, Review.correct, Review.tone)
        .join(conversations, conversations.c.id == Review.conversation_id).where(Review.scored_at.is_not(None)))
    scores = {row[0]: tuple(row[1:]) for row in review_rows.all()}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TICKET_COLUMNS)
    listed = await session.execute(select(conversations).order_by(conversations.c.created_at, conversations.c.id))
    for conversation in listed.all():
        cells = _conversation_row(conversation, intents, tickets) + list(scores.get(conversation.id, (None, None, None)))
        writer.writerow([safe_cell(value) for value in cells])
    return out.getvalue()


def _conversation_row(conversation: Any, intents: dict[str, list[str]], tickets: dict[str, list[Any]]) -> list[Any]:
    held = tickets.get(conversation.id, [])
    people = [row for row in held if not row[0].bot_outage]
    reasons = list(dict.fromkeys(reason for row in people for reason in row[0].reasons or []))
    severity = max((row[0].severity for row in people), key=lambda name: SEVERITY_RANK.get(name, 0), default=None)
    first = people[0] if people else None
    rating = next((row[0].csat_rating for row in reversed(people) if row[0].csat_rating is not None), None)
    return [
        conversation.id, iso(conversation.created_at), conversation.channel, ";".join(intents.get(conversation.id, [])),
        len(people), ";".join(reasons), severity,
        rounded(first[1]) if first else None,
        rounded(first[2]) if first else None,
        rounded(first[3]) if first else None,
        bool(first and first[0].resolved_at is not None) if first else None,
        rating,
        any(row[0].bot_outage for row in held),
    ]
