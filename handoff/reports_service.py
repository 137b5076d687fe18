"""The service report: first response after handoff, resolution time (from handoff and end to
end), first-contact resolution, reopen rate, SLA attainment per severity, CSAT and NPS (docs/METRICS.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Float, Integer, case, cast, exists, func, literal, null, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from handoff.models import Message, Ticket, Transition
from handoff.reports import SHOPPER, ReportFilter, tickets_in
from handoff.reports_sql import ratio, rounded, seconds_between
from handoff.severity import SEVERITY_RANK

REOPEN_SECONDS = 7 * 86400
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
COMMENTS = 20


def _flag(condition: Any) -> Any:
    return cast(case((condition, 1), else_=0), Integer)


def _met(done_at: Any, due: Any, now: Any) -> Any:
    """1 met, 0 breached, NULL still open and not yet due."""
    return case((done_at.is_not(None), _flag(done_at <= due)), (due < now, 0), else_=null())


def _episode_start() -> Any:
    """The shopper's first message after the conversation's previous resolution (the start of the
    visit this ticket belongs to)."""
    earlier = aliased(Ticket)
    previous_resolution = (select(func.max(earlier.resolved_at))
                           .where(earlier.conversation_id == Ticket.conversation_id, earlier.resolved_at < Ticket.created_at)
                           .correlate(Ticket).scalar_subquery())
    # No resolution before: since the conversation opened (COALESCE, so the subquery runs once).
    return (select(func.min(Message.created_at))
            .where(Message.conversation_id == Ticket.conversation_id, Message.author_kind == SHOPPER,
                   Message.created_at <= Ticket.created_at,
                   Message.created_at > func.coalesce(previous_resolution, literal(EPOCH, DateTime(timezone=True))))
            .scalar_subquery())


def _base(found: ReportFilter) -> Any:
    later = aliased(Ticket)
    reopened = exists().where(
        later.conversation_id == Ticket.conversation_id, later.id != Ticket.id, later.bot_outage.is_(False),
        later.created_at > Ticket.resolved_at,
        seconds_between(Ticket.resolved_at, later.created_at) <= REOPEN_SECONDS,
    )
    transferred = exists().where(Transition.ticket_id == Ticket.id, Transition.reason.like("transferred to %"))
    resolved = Ticket.resolved_at.is_not(None)
    # OFFSET 0 keeps PostgreSQL from merging these into the statements over them, which computed
    # each subquery per ticket once for every expression naming it.
    flags = (
        tickets_in(found)
        .add_columns(
            seconds_between(Ticket.created_at, Ticket.first_response_at).label("first_response"),
            seconds_between(Ticket.created_at, Ticket.resolved_at).label("resolution"),
            seconds_between(_episode_start(), Ticket.resolved_at).label("end_to_end"),
            _flag(resolved).label("resolved"),
            _flag(reopened).label("came_again"),
            _flag(transferred).label("transferred"),
            _met(Ticket.first_response_at, Ticket.first_response_due, found.now).label("response_met"),
            _met(Ticket.resolved_at, Ticket.resolution_due, found.now).label("resolution_met"),
        )
        .offset(0).subquery()
    )
    kept = [column for column in flags.c if column.name not in ("came_again", "transferred")]
    return select(*kept, (flags.c.resolved * flags.c.came_again).label("reopened"),
                  (flags.c.resolved * (1 - flags.c.came_again) * (1 - flags.c.transferred)).label("first_contact")
                  ).offset(0).subquery()


TIMES = ("first_response", "resolution", "end_to_end")
STARS = range(1, 6)
SCORES = range(11)
PROMOTER, DETRACTOR = 9, 6


def _postgres_medians(base: Any) -> list[Any]:
    """The middle value of each time (the mean of the two middle ones for an even count), read with
    the totals on PostgreSQL."""
    return [func.percentile_cont(0.5).within_group(base.c[name]) for name in TIMES]


async def _medians(session: AsyncSession, base: Any, computed: Any) -> dict[str, float | None]:
    """The medians PostgreSQL computed with the totals, or the same by counting on SQLite."""
    if computed:
        return {name: rounded(value) for name, value in zip(TIMES, computed, strict=True)}
    return {name: await _counted_median(session, base.c[name], base) for name in TIMES}


async def _counted_median(session: AsyncSession, column: Any, base: Any) -> float | None:
    count = int((await session.execute(select(func.count(column)).select_from(base))).scalar_one())
    if count == 0:
        return None
    query = select(column).select_from(base).where(column.is_not(None)).order_by(column)
    middle = list((await session.execute(query.limit(2 - count % 2).offset((count - 1) // 2))).scalars())
    return rounded(sum(middle) / len(middle))


async def _sla(session: AsyncSession, base: Any) -> list[dict[str, Any]]:
    query = (
        select(base.c.severity, func.count(),
               func.sum(base.c.response_met), func.count(base.c.response_met),
               func.sum(base.c.resolution_met), func.count(base.c.resolution_met))
        .select_from(base).group_by(base.c.severity)
    )
    rows = sorted((await session.execute(query)).all(), key=lambda row: -SEVERITY_RANK.get(row[0], 0))
    return [
        {"severity": row[0], "tickets": row[1],
         "first_response": {"met": int(row[2] or 0), "breached": row[3] - int(row[2] or 0), "attainment": ratio(row[2], row[3])},
         "resolution": {"met": int(row[4] or 0), "breached": row[5] - int(row[4] or 0), "attainment": ratio(row[4], row[5])}}
        for row in rows
    ]


async def _comments(session: AsyncSession, base: Any) -> list[dict[str, Any]]:
    comments = await session.execute(
        select(base.c.id, base.c.csat_rating, base.c.csat_comment).select_from(base)
        .where(base.c.csat_comment.is_not(None)).order_by(base.c.csat_at.desc()).limit(COMMENTS))
    return [{"ticket_id": row[0], "rating": row[1], "comment": row[2]} for row in comments.all()]


async def service_report(session: AsyncSession, found: ReportFilter) -> dict[str, Any]:
    base = _base(found)
    postgres = session.get_bind().dialect.name == "postgresql"
    totals = (await session.execute(select(
        func.count(), func.sum(base.c.resolved), func.sum(base.c.reopened), func.sum(base.c.first_contact),
        *(func.avg(base.c[name]) for name in TIMES),
        func.avg(cast(base.c.csat_rating, Float)), *(func.sum(_flag(base.c.csat_rating == stars)) for stars in STARS),
        *(func.sum(_flag(base.c.nps_score == score)) for score in SCORES),
        *(_postgres_medians(base) if postgres else []),
    ).select_from(base))).one()
    tickets, resolved, reopened, first_contact = totals[0], int(totals[1] or 0), totals[2], totals[3]
    averages, rating, stars = totals[4:7], totals[7], [int(n or 0) for n in totals[8:13]]
    scores = [int(n or 0) for n in totals[13:24]]
    medians = await _medians(session, base, totals[24:27])
    rated = sum(stars)
    return {
        "tickets": tickets,
        "resolved": resolved,
        "resolution_rate": ratio(resolved, tickets),
        "first_contact_resolution": ratio(first_contact, resolved),
        "reopen_rate": ratio(reopened, resolved),
        "times": {name: {"average_seconds": rounded(average), "median_seconds": medians[name]}
                  for name, average in zip(TIMES, averages, strict=True)},
        "sla": await _sla(session, base),
        "csat": {
            "rated": rated,
            "average": rounded(rating, 2),
            "distribution": {str(n): count for n, count in zip(STARS, stars, strict=True)},
            "share_4_5": ratio(stars[3] + stars[4], rated),
            "comments": await _comments(session, base),
        },
        "nps": _nps(scores),
    }


def _nps(scores: list[int]) -> dict[str, Any]:
    """Net promoter score: % of answers 9-10 minus % of answers 0-6, from -100 to 100."""
    responses = sum(scores)
    promoters, detractors = sum(scores[PROMOTER:]), sum(scores[: DETRACTOR + 1])
    return {
        "responses": responses,
        "score": rounded((promoters - detractors) * 100 / responses) if responses else None,
        "promoters": promoters,
        "passives": responses - promoters - detractors,
        "detractors": detractors,
        "distribution": {str(n): count for n, count in zip(SCORES, scores, strict=True)},
    }
