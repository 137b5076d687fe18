"""Domain errors, raised deep in the services and mapped to HTTP in one place (handoff/api/errors.py)."""

from __future__ import annotations


class HubError(Exception):
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(HubError):
    code = "bad_request"

    def __init__(self, message: str, code: str = "bad_request") -> None:
        super().__init__(message)
        self.code = code


class NotFound(HubError):
    code = "not_found"


class Unauthorized(HubError):
    code = "unauthorized"


class Forbidden(HubError):
    code = "forbidden"


class TooManyRequests(HubError):
    code = "rate_limited"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Conflict(HubError):
    code = "conflict"


class IllegalTransition(Conflict):
    code = "illegal_transition"

    def __init__(self, from_state: str, to_state: str) -> None:
        super().__init__(f"A conversation cannot go from {from_state} to {to_state}.")
        self.from_state = from_state
        self.to_state = to_state


class WrongTicketState(Conflict):
    """An action on a ticket that is not in the state the action needs (e.g. replying to a queued one)."""

    code = "wrong_state"


class AlreadyClaimed(Conflict):
    code = "already_claimed"


class AgentUnavailable(Conflict):
    """A ticket handed to someone who is not there would wait unseen."""

    code = "agent_unavailable"


class AtCapacity(Conflict):
    """The agent already holds as many tickets as their capacity allows."""

    code = "at_capacity"


class LastAdmin(Conflict):
    """A change that would leave the shop without an active admin."""

    code = "last_admin"


class InUse(Conflict):
    """A record others still refer to (a team with open tickets or agents)."""

    code = "in_use"


class AlreadyScored(Conflict):
    """A scored review counts in the figures: its reviewer may change it, nobody discards it."""

    code = "already_scored"
