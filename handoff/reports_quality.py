"""The quality report: what reviewers scored in the period (docs/METRICS.md, "Quality review"):
reviews, the shares judged resolved and correct, the average tone, overall, for the bot and for
people, and per agent. One aggregate over the period's reviews, grouped by kind and agent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.models import Agent
from handoff.reports import ReportFilter, in_period
from handoff.reports_sql import ratio, rounded
from handoff.review_models import KINDS, Review

_FIGURES = ("drawn", "reviewed", "resolved", "correct", "tone_sum")


def _yes(column: Any) -> Any:
    return func.coalesce(func.sum(cast(case((column.is_(True), 1), else_=0), Integer)), 0)


def _figures(sums: dict[str, int]) -> dict[str, Any]:
    reviewed = sums["reviewed"]
    return {"reviewed": reviewed, "pending": sums["drawn"] - reviewed,
            "resolved_share": ratio(sums["resolved"], reviewed), "correct_share": ratio(sums["correct"], reviewed),
            "tone_average": rounded(sums["tone_sum"] / reviewed, 2) if reviewed else None}


def _added(rows: list[dict[str, int]]) -> dict[str, int]:
    return {name: sum(row[name] for row in rows) for name in _FIGURES}


async def quality_report(session: AsyncSession, found: ReportFilter) -> dict[str, Any]:
    query = (
        select(Review.kind, Review.agent_id, func.count(), func.count(Review.scored_at), _yes(Review.resolved),
               _yes(Review.correct), func.coalesce(func.sum(Review.tone), 0))
        .where(in_period(Review.occurred_at, found))
        .group_by(Review.kind, Review.agent_id)
    )
    if found.channel:
        query = query.where(Review.channel == found.channel)
    if found.team:
        query = query.where(Review.team == found.team)
    groups = [{"kind": row[0], "agent_id": row[1], **dict(zip(_FIGURES, (int(v) for v in row[2:]), strict=True))}
              for row in (await session.execute(query)).all()]
    people = [group for group in groups if group["agent_id"] is not None]
    found_names = await session.execute(select(Agent.id, Agent.display_name)
                                        .where(Agent.id.in_([group["agent_id"] for group in people])))
    names: dict[int, str] = {row[0]: row[1] for row in found_names.all()}
    per_agent = sorted(({"agent_id": group["agent_id"], "display_name": names.get(group["agent_id"]), **_figures(group)}
                        for group in people), key=lambda row: (str(row["display_name"]), row["agent_id"]))
    return {
        "overall": _figures(_added(groups)),
        "by_kind": [{"key": kind, **_figures(_added([g for g in groups if g["kind"] == kind]))} for kind in KINDS],
        "per_agent": per_agent,
    }
