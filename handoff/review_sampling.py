"""Drawing a quality review sample: resolved conversations of a period (those the bot handled
alone, those a person resolved, or both; optionally one agent's or one team's), at random but
reproducibly: each candidate's place is the SHA-256 of the sample's seed and its conversation
id, so the same seed over the same history draws the same conversations. A conversation that
a sample already drew (scored or not) is never drawn again."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from handoff.errors import BadInput, Conflict, NotFound
from handoff.models import Agent, Conversation, Ticket
from handoff.reports import ReportFilter, conversations_in, in_period, is_handoff
from handoff.review_models import BOT, BOTH, HUMAN, Review, ReviewSample
from handoff.teams import check_team

MAX_SIZE = 50
_SEED_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


@dataclass(frozen=True)
class SampleRequest:
    found: ReportFilter
    size: int
    kind: str
    seed: str
    agent_id: int | None = None
    team: str | None = None


@dataclass(frozen=True)
class Candidate:
    conversation_id: str
    kind: str
    channel: str
    occurred_at: datetime
    ticket_id: int | None = None
    agent_id: int | None = None
    team: str | None = None


async def sample_request(session: AsyncSession, body: dict[str, Any], now: datetime) -> SampleRequest:
    size = body.get("size", 10)
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_SIZE:
        raise BadInput(f"'size' must be a whole number from 1 to {MAX_SIZE}.", "invalid_field")
    kind = body.get("kind", BOTH)
    if kind not in (BOT, HUMAN, BOTH):
        raise BadInput(f"'kind' must be one of {BOT}, {HUMAN}, {BOTH}.", "invalid_field")
    found = ReportFilter.for_days(_day(body, "from"), _day(body, "to"), now)
    return SampleRequest(found, size, kind, _seed(body.get("seed")), await _agent(session, body.get("agent_id")),
                         await check_team(session, body.get("team")))


def _day(body: dict[str, Any], name: str) -> date:
    try:
        return date.fromisoformat(body[name])
    except (KeyError, TypeError, ValueError):
        raise BadInput(f"'{name}' must be a date, YYYY-MM-DD.", "invalid_field") from None


def _seed(value: object) -> str:
    if value is None or value == "":
        return secrets.token_hex(8)
    if not isinstance(value, str) or not 1 <= len(value) <= 40 or not set(value) <= _SEED_CHARACTERS:
        raise BadInput("'seed' must be 1 to 40 letters, digits, '-' or '_'.", "invalid_field")
    return value


async def _agent(session: AsyncSession, value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31:
        raise BadInput("'agent_id' must be an agent's id.", "invalid_field")
    if await session.get(Agent, value) is None:
        raise NotFound("No such agent.")
    return value


def _not_drawn(conversation_id: Any) -> Any:
    return ~exists().where(Review.conversation_id == conversation_id)


async def _bot_candidates(session: AsyncSession, found: ReportFilter) -> list[Candidate]:
    """Conversations of the period the bot handled alone (contained, docs/METRICS.md)."""
    handed = exists().where(Ticket.conversation_id == Conversation.id, is_handoff())
    query = conversations_in(found).where(~handed, _not_drawn(Conversation.id))
    return [Candidate(row.id, BOT, row.channel, row.created_at) for row in (await session.execute(query)).all()]


async def _human_candidates(session: AsyncSession, wanted: SampleRequest) -> list[Candidate]:
    """Conversations a person resolved in the period and nobody holds now (no handoff ticket of theirs
    is open), each with its latest such ticket."""
    other = aliased(Ticket)
    still_open = exists().where(other.conversation_id == Ticket.conversation_id, other.resolved_at.is_(None),
                                or_(other.bot_outage.is_(False), other.assigned_at.is_not(None)))
    query = (
        select(Ticket.id, Ticket.conversation_id, Ticket.resolved_at, Ticket.agent_id, Ticket.team, Conversation.channel)
        .join(Conversation, Conversation.id == Ticket.conversation_id)
        .where(in_period(Ticket.resolved_at, wanted.found), Ticket.agent_id.is_not(None), is_handoff(),
               ~still_open, _not_drawn(Ticket.conversation_id))
        .order_by(Ticket.resolved_at, Ticket.id)
    )
    latest: dict[str, Candidate] = {}
    for row in (await session.execute(query)).all():
        latest[row.conversation_id] = Candidate(row.conversation_id, HUMAN, row.channel, row.resolved_at, row.id,
                                                row.agent_id, row.team)
    return [candidate for candidate in latest.values()
            if (wanted.agent_id is None or candidate.agent_id == wanted.agent_id)
            and (wanted.team is None or candidate.team == wanted.team)]


async def candidates(session: AsyncSession, wanted: SampleRequest) -> list[Candidate]:
    found: list[Candidate] = []
    if wanted.kind in (BOT, BOTH) and wanted.agent_id is None and wanted.team is None:
        found += await _bot_candidates(session, wanted.found)
    if wanted.kind in (HUMAN, BOTH):
        found += await _human_candidates(session, wanted)
    return found


def draw(found: list[Candidate], seed: str, size: int) -> list[Candidate]:
    """The `size` candidates that come first in the seed's order."""
    def place(candidate: Candidate) -> str:
        return hashlib.sha256(f"{seed}:{candidate.conversation_id}".encode()).hexdigest()

    return sorted(found, key=place)[:size]


async def create_sample(session: AsyncSession, creator: Agent, wanted: SampleRequest) -> ReviewSample:
    """The sample with a review row (not yet scored) for every conversation it drew."""
    drawn = draw(await candidates(session, wanted), wanted.seed, wanted.size)
    if not drawn:
        raise BadInput("No resolved conversation of this period and kind is left to review.", "nothing_to_review")
    sample = ReviewSample(created_by=creator.id, seed=wanted.seed, kind=wanted.kind, period_from=wanted.found.start.date(),
                          period_to=(wanted.found.end - timedelta(days=1)).date(), agent_id=wanted.agent_id, team=wanted.team,
                          size=wanted.size)
    session.add(sample)
    await session.flush()
    session.add_all([Review(sample_id=sample.id, conversation_id=item.conversation_id, ticket_id=item.ticket_id,
                            kind=item.kind, agent_id=item.agent_id, team=item.team, channel=item.channel,
                            occurred_at=item.occurred_at) for item in drawn])
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict("Another sample drew one of these conversations at the same moment; ask again.") from None
    return sample
