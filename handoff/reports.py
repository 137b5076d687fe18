"""Reports for supervisors: what the filters mean, and the one table of reports the API and the
CSV export serve. Every metric is defined in docs/METRICS.md; the SQL lives in
handoff/reports_bot.py, reports_service.py, reports_people.py, reports_feedback.py and the others
named below.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.errors import BadInput
from handoff.models import Conversation, Message, Ticket

MAX_DAYS = 366
SHOPPER = "shopper"
# Where a report run keeps which days of each period the rollup answers (handoff/reports_rollup.py):
# its parts ask for the same periods, and each run reads them anew.
SPLITS = "report_splits"


@dataclass(frozen=True)
class ReportFilter:
    """The period is [start, end) in UTC; team and channel narrow what the report counts."""

    start: datetime
    end: datetime
    now: datetime
    team: str | None = None
    channel: str | None = None
    # The staffing forecast's target: the normal severity's first-response SLA.
    first_response_target_seconds: float = 3600.0

    @classmethod
    def for_days(cls, first: date, last: date, now: datetime, team: str | None = None,
                 channel: str | None = None) -> ReportFilter:
        if last < first:
            raise BadInput("'to' must not be before 'from'.", "invalid_field")
        if (last - first).days + 1 > MAX_DAYS:
            raise BadInput(f"A report covers at most {MAX_DAYS} days.", "invalid_field")
        start = datetime.combine(first, time(), UTC)
        return cls(start, datetime.combine(last, time(), UTC) + timedelta(days=1), now, team, channel)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> ReportFilter:
        """The period of the same length just before this one."""
        return replace(self, start=self.start - (self.end - self.start), end=self.start)

    def as_json(self) -> dict[str, Any]:
        return {"from": self.start.date().isoformat(), "to": (self.end - timedelta(days=1)).date().isoformat(),
                "team": self.team, "channel": self.channel}


def in_period(column: Any, found: ReportFilter) -> ColumnElement[bool]:
    return and_(column >= found.start, column < found.end)


def is_handoff() -> ColumnElement[bool]:
    """A ticket counts as a handoff unless it was opened for an outage and no agent ever took it."""
    return or_(Ticket.bot_outage.is_(False), Ticket.assigned_at.is_not(None))


def conversations_in(found: ReportFilter) -> Select[Any]:
    """Conversations opened in the period in which the shopper wrote at least once (nobody writes to a
    conversation before it opens: the bound on the message's time only lets the index narrow it)."""
    query = (
        select(Conversation.id, Conversation.channel, Conversation.created_at, Conversation.contact_id)
        .where(in_period(Conversation.created_at, found),
               exists().where(Message.conversation_id == Conversation.id, Message.author_kind == SHOPPER,
                              Message.created_at >= found.start))
    )
    if found.channel:
        query = query.where(Conversation.channel == found.channel)
    return query


def on_channel(query: Select[Any], conversation_id: Any, found: ReportFilter) -> Select[Any]:
    """The query narrowed to the filter's channel. The conversations are joined only for a channel:
    every message and ticket has its conversation (a foreign key), so without one the join keeps
    every row and only costs the time to match them (a quarter of a second over 100,000)."""
    if not found.channel:
        return query
    return query.join(Conversation, Conversation.id == conversation_id).where(Conversation.channel == found.channel)


def tickets_in(found: ReportFilter) -> Select[Any]:
    """Tickets opened (handed off) in the period, outage tickets left out."""
    query = on_channel(select(Ticket).where(in_period(Ticket.created_at, found), Ticket.bot_outage.is_(False)),
                       Ticket.conversation_id, found)
    if found.team:
        query = query.where(Ticket.team == found.team)
    return query


Report = Callable[[AsyncSession, ReportFilter], Awaitable[dict[str, Any]]]
# Enough memory for a report's hashes and sorts over a period of 100,000 conversations, for this
# transaction only (PostgreSQL's default of 4 MB made them spill to disk).
REPORT_WORK_MEM = "64MB"


async def analytic(session: AsyncSession) -> None:
    """Settings for the report's transaction on PostgreSQL. It compiles a query whose estimated cost
    is high to machine code first (JIT); for these, which run in a fraction of a second, compiling
    took longer than running (1.5 s of the service report's 1.8 s over 100,000 conversations,
    bench/README.md)."""
    await session.execute(text("SET LOCAL jit = off"))
    await session.execute(text(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'"))


def _together(*parts: Report) -> Report:
    """One report from parts that each answer some of its keys."""
    async def report(session: AsyncSession, found: ReportFilter) -> dict[str, Any]:
        answer: dict[str, Any] = {}
        for part in parts:
            answer.update(await part(session, found))
        return answer

    return report


def reports() -> dict[str, Report]:
    from handoff import (
        reports_answers,
        reports_bot,
        reports_feedback,
        reports_people,
        reports_quality,
        reports_service,
        reports_staffing,
        reports_topics,
    )

    return {
        "bot": _together(reports_bot.bot_report, reports_answers.negative_feedback),
        "service": reports_service.service_report,
        "agents": reports_people.agents_report,
        "volume": reports_people.volume_report,
        "topics": _together(reports_topics.topics_report, reports_feedback.complaint_causes),
        "staffing": reports_staffing.staffing_report,
        "quality": reports_quality.quality_report,
    }


async def run_report(session: AsyncSession, name: str, found: ReportFilter, compare: bool) -> dict[str, Any]:
    report = reports().get(name)
    if report is None:
        raise BadInput(f"'report' must be one of {', '.join(reports())}.", "invalid_field")
    if session.get_bind().dialect.name == "postgresql":
        await analytic(session)
    session.info.pop(SPLITS, None)
    answer: dict[str, Any] = {"report": name, "filter": found.as_json(), "current": await report(session, found)}
    if compare:
        earlier = found.previous()
        answer["previous_filter"] = earlier.as_json()
        answer["previous"] = await report(session, earlier)
    return answer
