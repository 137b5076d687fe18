"""Quality reviews once drawn (handoff/review_sampling.py): scoring on the rubric (resolved and
correct yes/no, tone 1-5, a note), edits by the reviewer who scored it and nobody else, who may
read what (supervisors and admins every review, an agent the scored reviews of their own
tickets), discarding what was drawn and not scored, and the JSON shapes the console reads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff import audit
from handoff.clock import iso, utcnow
from handoff.errors import AlreadyScored, BadInput, Forbidden, NotFound
from handoff.models import Agent
from handoff.review_models import Review, ReviewSample
from handoff.roles import at_least
from handoff.text import clean_text

NOTE_LIMIT = 2000
TONES = range(1, 6)


def _yes_no(body: dict[str, Any], name: str) -> bool:
    value = body.get(name)
    if not isinstance(value, bool):
        raise BadInput(f"'{name}' must be true or false.", "invalid_field")
    return value


def rubric(body: dict[str, Any]) -> dict[str, Any]:
    tone = body.get("tone")
    if not isinstance(tone, int) or isinstance(tone, bool) or tone not in TONES:
        raise BadInput("'tone' must be a whole number from 1 to 5.", "invalid_field")
    note = body.get("note")
    return {"resolved": _yes_no(body, "resolved"), "correct": _yes_no(body, "correct"), "tone": tone,
            "note": None if note is None or note == "" else clean_text(note, NOTE_LIMIT, "note")}


async def get_review(session: AsyncSession, review_id: int) -> Review:
    review = await session.get(Review, review_id)
    if review is None:
        raise NotFound("No such review.")
    return review


def may_read(agent: Agent, review: Review) -> bool:
    return at_least(agent, "supervisor") or (review.agent_id == agent.id and review.scored_at is not None)


async def readable_review(session: AsyncSession, agent: Agent, review_id: int) -> Review:
    review = await get_review(session, review_id)
    if not may_read(agent, review):
        # Not told apart from a missing one: an agent learns nothing of reviews that are not theirs.
        raise NotFound("No such review.")
    return review


async def score(session: AsyncSession, reviewer: Agent, review: Review, body: dict[str, Any],
                address: str | None) -> Review:
    """Scores a drawn review, or changes the scores of one this reviewer scored."""
    if review.reviewer_id is not None and review.reviewer_id != reviewer.id:
        raise Forbidden("Only the reviewer who scored this review can change it.")
    scores = rubric(body)
    before = {name: getattr(review, name) for name in scores} if review.scored_at else None
    now = utcnow()
    for name, value in scores.items():
        setattr(review, name, value)
    if review.scored_at is None:
        review.reviewer_id, review.scored_at = reviewer.id, now
    else:
        review.updated_at = now
    details = {"kind": review.kind, "scores": {k: v for k, v in scores.items() if k != "note"},
               "note": scores["note"] is not None, "edited": before is not None}
    if before is not None:
        details["before"] = {k: v for k, v in before.items() if k != "note"}
    audit.record(session, reviewer, audit.REVIEW_SCORED, f"review:{review.id}", review.ticket_id, details, address)
    await session.flush()
    return review


async def discard(session: AsyncSession, agent: Agent, sample: ReviewSample, review: Review | None,
                  address: str | None) -> bool:
    """Takes one conversation (`review`), or every one not yet scored, out of a sample, as if it had
    never been drawn: a later sample may draw it. Scored reviews stay. Only the supervisor who drew
    the sample, or an admin, discards from it; a sample left with nothing is deleted. Whether the
    sample is still there."""
    if sample.created_by != agent.id and not at_least(agent, "admin"):
        raise Forbidden("Only the supervisor who drew this sample, or an admin, can discard from it.")
    items = await _items(session, sample.id)
    dropped = [review] if review is not None else [item for item in items if item.scored_at is None]
    if not dropped or any(item.scored_at is not None for item in dropped):
        raise AlreadyScored("A scored review stays (its reviewer can change its scores); nothing to discard.")
    for item in dropped:
        await session.delete(item)
    await session.flush()
    kept = len(items) - len(dropped)
    subject = f"review:{review.id}" if review is not None else f"sample:{sample.id}"
    audit.record(session, agent, audit.REVIEW_DISCARDED, subject, review.ticket_id if review else None,
                 {"sample": sample.id, "reviews": [item.id for item in dropped], "kept": kept}, address)
    if not kept:
        await session.delete(sample)
        await session.flush()
    return kept > 0


async def _items(session: AsyncSession, sample_id: int) -> list[Review]:
    return list((await session.execute(select(Review).where(Review.sample_id == sample_id).order_by(Review.id))).scalars())


async def _names(session: AsyncSession, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(Agent.id, Agent.display_name).where(Agent.id.in_(wanted)))
    return {row[0]: row[1] for row in rows.all()}


async def reviews_json(session: AsyncSession, reviews: list[Review]) -> list[dict[str, Any]]:
    names = await _names(session, {r.agent_id for r in reviews} | {r.reviewer_id for r in reviews})
    return [{
        "id": r.id, "sample_id": r.sample_id, "conversation_id": r.conversation_id, "ticket_id": r.ticket_id,
        "kind": r.kind, "agent_id": r.agent_id, "agent_name": names.get(r.agent_id) if r.agent_id else None,
        "team": r.team, "channel": r.channel, "occurred_at": iso(r.occurred_at),
        "reviewer_id": r.reviewer_id, "reviewer_name": names.get(r.reviewer_id) if r.reviewer_id else None,
        "scored": r.scored_at is not None, "resolved": r.resolved, "correct": r.correct, "tone": r.tone,
        "note": r.note, "scored_at": iso(r.scored_at), "updated_at": iso(r.updated_at),
    } for r in reviews]


async def sample_json(session: AsyncSession, sample: ReviewSample, with_items: bool) -> dict[str, Any]:
    items = await _items(session, sample.id)
    names = await _names(session, {sample.created_by, sample.agent_id})
    view: dict[str, Any] = {
        "id": sample.id, "seed": sample.seed, "kind": sample.kind, "from": sample.period_from.isoformat(),
        "to": sample.period_to.isoformat(), "agent_id": sample.agent_id, "agent_name": names.get(sample.agent_id or 0),
        "team": sample.team, "size": sample.size, "created_by": names.get(sample.created_by),
        "created_by_id": sample.created_by,
        "created_at": iso(sample.created_at), "drawn": len(items), "scored": sum(1 for r in items if r.scored_at),
    }
    if with_items:
        view["reviews"] = await reviews_json(session, items)
    return view


async def get_sample(session: AsyncSession, sample_id: int) -> ReviewSample:
    sample = await session.get(ReviewSample, sample_id)
    if sample is None:
        raise NotFound("No such sample.")
    return sample


async def recent_samples(session: AsyncSession, limit: int = 50) -> list[dict[str, Any]]:
    samples = (await session.execute(select(ReviewSample).order_by(ReviewSample.id.desc()).limit(limit))).scalars()
    return [await sample_json(session, sample, with_items=False) for sample in samples]


async def reviews_of(session: AsyncSession, agent: Agent, limit: int = 200) -> list[dict[str, Any]]:
    """The scored reviews of the tickets this agent handled, newest first."""
    query = (select(Review).where(Review.agent_id == agent.id, Review.scored_at.is_not(None))
             .order_by(Review.scored_at.desc(), Review.id.desc()).limit(limit))
    return await reviews_json(session, list((await session.execute(query)).scalars()))

