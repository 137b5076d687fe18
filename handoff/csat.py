"""The 1-5 rating after an agent resolved a conversation, then (when the shop asks it,
handoff/feedback_settings.py) "would you recommend us, 0-10?", then an optional comment.

The hub takes these answers itself: they are stored on the ticket and never reach the bot. Anything
else instead of the rating or the score skips the rest and goes to the bot.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from handoff import feedback_settings, wording
from handoff.clock import utcnow
from handoff.conversations import append_message
from handoff.models import Conversation, Ticket
from handoff.states import CsatState, State
from handoff.status import SHOPPER, SYSTEM, transition
from handoff.tickets import TICKET_UPDATED, ticket_view
from handoff.uow import UnitOfWork

_PAYLOAD = re.compile(r'^/csat\s*\{\s*"rating"\s*:\s*"?([1-5])"?\s*\}$')
_TYPED = re.compile(r"^([1-5])\s*(?:(?:/|of|out of)\s*5)?\s*(?:stars?)?[.!]?$", re.IGNORECASE)
_NPS_PAYLOAD = re.compile(r'^/nps\s*\{\s*"score"\s*:\s*"?(10|[0-9])"?\s*\}$')
_NPS_TYPED = re.compile(r"^(10|[0-9])\s*(?:(?:/|of|out of)\s*10)?[.!]?$", re.IGNORECASE)
_STARS = re.compile(r"^(?:⭐\ufe0f?|★){1,5}$")
_DECLINES = {"no", "nope", "no thanks", "no thank you", "nothing", "no comment", "n", "-"}
MAX_COMMENT = 2000


def parse_rating(text: str) -> int | None:
    text = text.strip()
    if _STARS.match(text):
        return len(text.replace("\ufe0f", ""))
    return _number(text, _PAYLOAD, _TYPED)


def parse_nps(text: str) -> int | None:
    """0-10 from the button's payload or typed ("9", "8/10", "7 out of 10")."""
    return _number(text.strip(), _NPS_PAYLOAD, _NPS_TYPED)


def _number(text: str, *patterns: re.Pattern[str]) -> int | None:
    for pattern in patterns:
        match = pattern.match(text)
        if match:
            return int(match.group(1))
    return None


def declines_comment(text: str) -> bool:
    text = text.strip()
    return text == wording.NO_COMMENT_PAYLOAD or text.lower().rstrip(".!") in _DECLINES


def awaiting(ticket: Ticket | None) -> str | None:
    if ticket is None:
        return None
    return {CsatState.AWAITING_RATING: "rating", CsatState.AWAITING_NPS: "nps",
            CsatState.AWAITING_COMMENT: "comment"}.get(CsatState(ticket.csat_state))


async def ask_rating(uow: UnitOfWork, conversation: Conversation) -> None:
    """The hub's own rating question, for when the bot could not be asked to pose it."""
    await append_message(
        uow, conversation, direction="out", author_kind="bot", text=wording.RATING_QUESTION, buttons=wording.RATING_BUTTONS
    )


async def record_rating(uow: UnitOfWork, conversation: Conversation, ticket: Ticket, rating: int) -> None:
    ticket.csat_rating, ticket.csat_at = rating, utcnow()
    if await feedback_settings.asks_nps(uow.session):
        ticket.csat_state = CsatState.AWAITING_NPS
        await append_message(
            uow, conversation, direction="out", author_kind="bot", text=wording.NPS_QUESTION, buttons=wording.NPS_BUTTONS
        )
    else:
        await _ask_comment(uow, conversation, ticket)
    await _updated(uow, ticket)


async def record_nps(uow: UnitOfWork, conversation: Conversation, ticket: Ticket, score: int) -> None:
    ticket.nps_score, ticket.nps_at = score, utcnow()
    await _ask_comment(uow, conversation, ticket)
    await _updated(uow, ticket)


async def _ask_comment(uow: UnitOfWork, conversation: Conversation, ticket: Ticket) -> None:
    ticket.csat_state = CsatState.AWAITING_COMMENT
    await append_message(
        uow, conversation, direction="out", author_kind="bot", text=wording.COMMENT_QUESTION, buttons=wording.COMMENT_BUTTONS
    )


async def record_comment(uow: UnitOfWork, conversation: Conversation, ticket: Ticket, text: str) -> None:
    """The answer to "anything to add?" closes the conversation, with or without a comment."""
    if not declines_comment(text):
        ticket.csat_comment = text[:MAX_COMMENT]
    ticket.csat_state = CsatState.DONE
    await append_message(uow, conversation, direction="out", author_kind="bot", text=wording.THANKS_FOR_FEEDBACK)
    await transition(uow, conversation, State.CLOSED, SYSTEM, "rating received", ticket.id)
    await _updated(uow, ticket)


async def skip(uow: UnitOfWork, conversation: Conversation, ticket: Ticket) -> None:
    """The shopper wrote something else instead of rating (or of the score): back to the bot, no
    rating (no score; a rating given stays)."""
    what = "rating" if ticket.csat_state == CsatState.AWAITING_RATING else "answering"
    ticket.csat_state = CsatState.SKIPPED
    await transition(uow, conversation, State.BOT, SHOPPER, f"shopper wrote instead of {what}", ticket.id)
    await _updated(uow, ticket)


async def expire_unanswered(uow: UnitOfWork, older_than: datetime) -> None:
    """Conversations resolved long ago whose rating never came are closed without one."""
    query = select(Ticket).where(
        Ticket.csat_state.in_((CsatState.AWAITING_RATING, CsatState.AWAITING_NPS, CsatState.AWAITING_COMMENT)),
        Ticket.resolved_at < older_than,
    )
    for ticket in (await uow.session.execute(query)).scalars():
        conversation = await uow.session.get(Conversation, ticket.conversation_id)
        ticket.csat_state = CsatState.EXPIRED if ticket.csat_state == CsatState.AWAITING_RATING else CsatState.DONE
        if conversation is not None and conversation.state == State.RESOLVED:
            await transition(uow, conversation, State.CLOSED, SYSTEM, "no rating answer in time", ticket.id)
        await _updated(uow, ticket)


async def _updated(uow: UnitOfWork, ticket: Ticket) -> None:
    await uow.session.flush()
    uow.emit(TICKET_UPDATED, ticket=await ticket_view(uow.session, ticket))
