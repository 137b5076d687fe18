"""The hub's vocabulary of states, named once: a conversation's state (the machine that moves it
is handoff/status.py), a ticket's status, which follows its conversation, and a ticket's rating
state in the CSAT flow (handoff/csat.py: rating, the optional NPS question, comment). Code
compares with these, never with bare strings."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    BOT = "bot"
    QUEUED = "queued"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"
    CLOSED = "closed"


# Who answers the shopper in each state: the bot, or the people.
BOT_ANSWERS: frozenset[str] = frozenset({State.BOT, State.RESOLVED, State.CLOSED})
WITH_PEOPLE: frozenset[str] = frozenset({State.QUEUED, State.ASSIGNED})


class TicketStatus(StrEnum):
    QUEUED = "queued"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"


class CsatState(StrEnum):
    NONE = "none"
    AWAITING_RATING = "awaiting_rating"
    AWAITING_NPS = "awaiting_nps"
    AWAITING_COMMENT = "awaiting_comment"
    DONE = "done"
    SKIPPED = "skipped"
    EXPIRED = "expired"
