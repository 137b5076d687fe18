"""The bot report: containment overall, per channel, per day and per intent, handoffs by reason,
and contained conversations whose shopper came back within 7 days about the same thing
(docs/METRICS.md defines each).

The days rolled up (handoff/reports_rollup.py) are read from the rollup. For the others, the
conversations are read once (one row per conversation: channel, day, contact, handed off or not,
and the intents read in it), from their summaries where they are fresh (handoff/report_summaries.py)
and from their messages and tickets where not, and every grouping is counted from that in the same
statement.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import String, and_, case, cast, distinct, func, literal, null, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.models import Ticket
from handoff.report_summaries import facets_of, live_intents, period_conversations
from handoff.reports import ReportFilter, on_channel, tickets_in
from handoff.reports_rollup import Row, answer
from handoff.reports_sql import json_items, ratio, seconds_between, utc_day
from handoff.summary_models import INTENT as INTENT_FACET

CAME_BACK_SECONDS = 7 * 86400
CHANNEL, DAY, INTENT, CAME_BACK = "channel", "day", "intent", "came_back"
KINDS = (CHANNEL, DAY, INTENT, CAME_BACK)


def _window(found: ReportFilter) -> Any:
    """The period's conversations and those of the 7 days after (where a return is looked for)."""
    return period_conversations(found, after=timedelta(seconds=CAME_BACK_SECONDS)).cte("window")


def _summary(window: Any, found: ReportFilter) -> Any:
    return select(window).where(window.c.created_at < found.end).cte("summary")


def _window_intents(window: Any, found: ReportFilter) -> Any:
    """Every intent the bot read in a conversation of the window (`value`), once per conversation,
    with the conversation's columns (so no grouping needs to join the conversations again)."""
    return union_all(facets_of(window, INTENT_FACET, found, timedelta(seconds=CAME_BACK_SECONDS)),
                     live_intents(window, found.start)).cte("window_intents")


def _came_back(intents: Any, found: ReportFilter) -> Any:
    """Contained conversations whose contact opened another within 7 days with an intent in common.
    The later conversations are any of the contact's (any channel) opened up to 7 days after the
    period; they are matched to the period's by contact and intent in one join."""
    earlier, later = intents.alias("earlier"), intents.alias("later")
    pairs = earlier.join(later, and_(later.c.contact_id == earlier.c.contact_id, later.c.value == earlier.c.value))
    # Counting only the contained ones (rather than filtering on `handed`) keeps the planner's row
    # estimate right, so it matches by hash rather than by a loop over the period's conversations.
    contained = case((earlier.c.handed == 0, earlier.c.id))
    return (select(literal(CAME_BACK), cast(null(), String), func.count(distinct(contained)), literal(0))
            .select_from(pairs)
            .where(earlier.c.created_at < found.end, earlier.c.contact_id.is_not(None),
                   later.c.created_at > earlier.c.created_at,
                   seconds_between(earlier.c.created_at, later.c.created_at) <= CAME_BACK_SECONDS))


def _groupings(window: Any, found: ReportFilter) -> Any:
    """(grouping, key, conversations, handed off) rows for every grouping of the report."""
    summary, intents = _summary(window, found), _window_intents(window, found)

    def grouped(kind: str, table: Any, key: Any, *where: Any) -> Any:
        return (select(literal(kind), key, func.count(), func.coalesce(func.sum(table.c.handed), 0))
                .select_from(table).where(*where).group_by(key))

    return union_all(grouped(CHANNEL, summary, summary.c.channel), grouped(DAY, summary, utc_day(summary.c.created_at)),
                     grouped(INTENT, intents, intents.c.value, intents.c.created_at < found.end),
                     _came_back(intents, found))


def _containment(conversations: int, handed: int) -> dict[str, Any]:
    contained = conversations - handed
    return {"conversations": conversations, "handed_off": handed, "contained": contained,
            "containment": ratio(contained, conversations)}


async def _by_reason(session: AsyncSession, found: ReportFilter) -> list[dict[str, Any]]:
    dialect = session.get_bind().dialect.name
    tickets = tickets_in(found).subquery()
    reason = json_items(dialect, tickets.c.reasons)
    query = (select(reason.c.value, func.count()).select_from(tickets).join(reason, true())
             .group_by(reason.c.value).order_by(func.count().desc(), reason.c.value))
    return [{"reason": row[0], "tickets": row[1]} for row in (await session.execute(query)).all()]


async def _outage_tickets(session: AsyncSession, found: ReportFilter) -> int:
    outages = select(func.count()).select_from(Ticket).where(
        Ticket.created_at >= found.start, Ticket.created_at < found.end, Ticket.bot_outage.is_(True))
    query = on_channel(outages, Ticket.conversation_id, found)
    return int((await session.execute(query)).scalar_one())


async def grouping_rows(session: AsyncSession, found: ReportFilter) -> list[Row]:
    """(grouping, key, conversations, handed off) of the period, computed from summaries and raw rows."""
    rows = (await session.execute(_groupings(_window(found), found))).all()
    return [(kind, key or "", int(conversations), int(handed)) for kind, key, conversations, handed in rows]


async def bot_report(session: AsyncSession, found: ReportFilter) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = {CHANNEL: [], DAY: [], INTENT: []}
    came_back = 0
    for kind, key, conversations, handed in await answer(session, found, grouping_rows, KINDS):
        if kind == CAME_BACK:
            came_back = int(conversations)
        else:
            groups[kind].append({"key": key, **_containment(int(conversations), int(handed))})
    per_channel = sorted(groups[CHANNEL], key=lambda row: row["key"])
    # The channels' counts add up to the whole (each conversation has one channel).
    overall = _containment(sum(row["conversations"] for row in per_channel), sum(row["handed_off"] for row in per_channel))
    return {
        "overall": overall,
        "came_back_7d": came_back,
        "containment_net_of_returns": ratio(overall["contained"] - came_back, overall["conversations"]),
        "per_channel": per_channel,
        "per_day": sorted(groups[DAY], key=lambda row: row["key"]),
        "per_intent": sorted(groups[INTENT], key=lambda row: (-row["conversations"], row["key"])),
        "handoffs_by_reason": await _by_reason(session, found),
        "outage_tickets": await _outage_tickets(session, found),
    }
